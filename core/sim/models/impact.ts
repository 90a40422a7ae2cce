/**
 * Market impact of our aggressive (market) orders when there is no book to walk (intensity mode), and
 * the permanent part in book mode (where the temporary part is the book walk itself).
 *
 * An order of n lots (n > 0) executes at mid ± (halfSpread + temporary(n)) and then moves the mid by
 * ±permanent(n) in the direction of the trade.
 * - linear:   temporary = η·n,            permanent = κ·n   (Kyle 1985-style linear impact)
 * - sqrt:     temporary = Y·σ·√(n / V),   permanent = κ·n   (the "square-root law", e.g. Tóth et al. 2011;
 *             σ the per-time-unit volatility, V a reference volume in lots per time unit)
 * - almgren-chriss: temporary = ε + η·(n/τ), permanent = γ·n   (Almgren & Chriss 2000, "Optimal execution
 *             of portfolio transactions": h(v) = ε sgn(v) + η v and g(v) = γ v with trading rate
 *             v = n/τ for an order worked over τ time units)
 * Prices are in price units; all coefficients are ≥ 0.
 */
export type ImpactSpec =
  | { model: 'none' }
  | { model: 'linear'; eta: number; kappa: number }
  | { model: 'sqrt'; Y: number; sigma: number; volume: number; kappa: number }
  | { model: 'almgren-chriss'; epsilon: number; eta: number; gamma: number; tau: number };

export interface ImpactModel {
  /** Price concession per unit for an order of n lots, on top of the half spread (≥ 0). */
  temporary(n: number): number;
  /** Permanent shift of the mid caused by an order of n lots (≥ 0), applied in the trade's direction. */
  permanent(n: number): number;
}

export function makeImpactModel(spec: ImpactSpec): ImpactModel {
  switch (spec.model) {
    case 'none':
      return { temporary: () => 0, permanent: () => 0 };
    case 'linear':
      return { temporary: (n) => spec.eta * n, permanent: (n) => spec.kappa * n };
    case 'sqrt':
      return {
        temporary: (n) => spec.Y * spec.sigma * Math.sqrt(n / spec.volume),
        permanent: (n) => spec.kappa * n,
      };
    case 'almgren-chriss':
      return {
        temporary: (n) => (n > 0 ? spec.epsilon + (spec.eta * n) / spec.tau : 0),
        permanent: (n) => spec.gamma * n,
      };
  }
}
