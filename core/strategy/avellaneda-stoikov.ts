/**
 * Avellaneda–Stoikov quoting.
 *
 * Paper: M. Avellaneda & S. Stoikov, "High-frequency trading in a limit order book", Quantitative
 * Finance 8(3) (2008) 217–224.
 *
 * Model (the paper's assumptions):
 * - The mid price follows dS_t = σ dW_t (arithmetic Brownian motion, no drift).
 * - Our bid at distance δ_b below the mid and ask at δ_a above it are hit by market orders with
 *   Poisson intensities λ(δ) = A·e^{−k·δ} (the paper's exponential approximation of the order
 *   arrival/impact model); each fill is one clip, moving inventory q by ±1. No inventory bound.
 * - The dealer maximizes E[−exp(−γ(X_T + q_T·S_T))] (CARA utility, risk aversion γ) over [0, T].
 *
 * Result (the paper's approximate solution, from a first-order expansion of the value function in
 * the inventory q):
 *   reservation price   r(s, q, t) = s − q·γ·σ²·(T − t)
 *   total spread        δ_a + δ_b  = γ·σ²·(T − t) + (2/γ)·ln(1 + γ/k)
 * so, with τ = T − t and quotes r ± spread/2 ("inventory" strategy),
 *   δ_b = s − bid = (1/γ)·ln(1 + γ/k) + (2q + 1)/2 · γσ²τ
 *   δ_a = ask − s = (1/γ)·ln(1 + γ/k) − (2q − 1)/2 · γσ²τ.
 * The paper's benchmark ("symmetric" strategy) quotes the same total spread centred on the mid:
 * s ± spread/2. As γ → 0 the spread tends to 2/k (the risk-neutral monopolist's spread); A does
 * not enter the quotes.
 *
 * Quoter conventions: q = inventory / orderSizeLots (inventory in clips; fractional q is used as
 * is); bid = mid − δ_b, ask = mid + δ_a, both of size orderSizeLots; τ = horizon − t, clamped at 0
 * past the horizon, or τ = `window` for the rolling-horizon variant used with sessions that have no
 * end. Without a window an infinite horizon is an error (the quotes would be infinite).
 * `maxInventoryLots` (not in the paper) is a hard limit: no bid when inventory ≥ max, no ask when
 * inventory ≤ −max. A side not quoted has price NaN and size 0.
 */
import type { MarketObservation, ParamValue, QuoteDecision, Quoter } from './quoter';

export type AvellanedaStoikovVariant = 'inventory' | 'symmetric';

export interface AvellanedaStoikovParams {
  /** 'inventory' (quotes around the reservation price) or 'symmetric' (around the mid). */
  variant: AvellanedaStoikovVariant;
  /** Risk aversion γ > 0. */
  gamma: number;
  /** Mid-price volatility σ ≥ 0 (price / √time). */
  sigma: number;
  /** Intensity decay k > 0 (1 / price). */
  k: number;
  /** Clip size in lots; one model inventory unit. */
  orderSizeLots: number;
  /** Rolling horizon: τ = window at every decision (finite, ≥ 0). */
  window?: number;
  /** Hard inventory limit in lots (> 0). */
  maxInventoryLots?: number;
}

function checkParams(p: { gamma: number; sigma: number; k: number }, who: string): void {
  if (!(Number.isFinite(p.gamma) && p.gamma > 0))
    throw new Error(`${who}: gamma must be > 0, got ${p.gamma}`);
  if (!(Number.isFinite(p.sigma) && p.sigma >= 0))
    throw new Error(`${who}: sigma must be ≥ 0, got ${p.sigma}`);
  if (!(Number.isFinite(p.k) && p.k > 0)) throw new Error(`${who}: k must be > 0, got ${p.k}`);
}

/** (1/γ)·ln(1 + γ/k), computed with log1p so that it stays accurate as γ → 0. */
export function asHalfSpreadBase(gamma: number, k: number): number {
  return Math.log1p(gamma / k) / gamma;
}

export class AvellanedaStoikovQuoter implements Quoter {
  readonly name: AvellanedaStoikovVariant;
  readonly params: Readonly<Record<string, ParamValue>>;
  private readonly variant: AvellanedaStoikovVariant;
  private readonly gammaSigma2: number;
  private readonly base: number;
  private readonly orderSizeLots: number;
  private readonly window: number | undefined;
  private readonly maxInventoryLots: number;

  constructor(p: AvellanedaStoikovParams) {
    checkParams(p, 'avellaneda-stoikov');
    if (p.variant !== 'inventory' && p.variant !== 'symmetric') {
      throw new Error(
        `avellaneda-stoikov: variant must be 'inventory' or 'symmetric', got ${String(p.variant)}`,
      );
    }
    if (!(Number.isFinite(p.orderSizeLots) && p.orderSizeLots > 0)) {
      throw new Error(`avellaneda-stoikov: orderSizeLots must be > 0, got ${p.orderSizeLots}`);
    }
    if (p.window !== undefined && !(Number.isFinite(p.window) && p.window >= 0)) {
      throw new Error(`avellaneda-stoikov: window must be finite and ≥ 0, got ${p.window}`);
    }
    if (p.maxInventoryLots !== undefined && !(p.maxInventoryLots > 0)) {
      throw new Error(`avellaneda-stoikov: maxInventoryLots must be > 0, got ${p.maxInventoryLots}`);
    }
    this.name = p.variant;
    this.variant = p.variant;
    this.gammaSigma2 = p.gamma * p.sigma * p.sigma;
    this.base = asHalfSpreadBase(p.gamma, p.k);
    this.orderSizeLots = p.orderSizeLots;
    this.window = p.window;
    this.maxInventoryLots = p.maxInventoryLots ?? Number.POSITIVE_INFINITY;
    const params: Record<string, ParamValue> = {
      variant: p.variant,
      gamma: p.gamma,
      sigma: p.sigma,
      k: p.k,
      orderSizeLots: p.orderSizeLots,
    };
    if (p.window !== undefined) params.window = p.window;
    if (p.maxInventoryLots !== undefined) params.maxInventoryLots = p.maxInventoryLots;
    this.params = Object.freeze(params);
  }

  reset(): void {
    // Stateless.
  }

  quote(obs: MarketObservation, out: QuoteDecision): void {
    let tau: number;
    if (this.window !== undefined) {
      tau = this.window;
    } else {
      if (obs.horizon === Number.POSITIVE_INFINITY) {
        throw new Error(
          `${this.name} (Avellaneda–Stoikov): the session has no horizon; set params.window for the rolling-horizon variant`,
        );
      }
      tau = Math.max(0, obs.horizon - obs.t);
    }
    const risk = this.gammaSigma2 * tau; // γσ²τ
    const half = this.base + 0.5 * risk; // spread / 2
    // Centre: the reservation price r = s − qγσ²τ (inventory) or the mid (symmetric).
    const q = obs.inventory / this.orderSizeLots;
    const centre = this.variant === 'inventory' ? obs.mid - q * risk : obs.mid;
    const canBid = obs.inventory < this.maxInventoryLots;
    const canAsk = obs.inventory > -this.maxInventoryLots;
    out.bidPrice = canBid ? centre - half : Number.NaN;
    out.askPrice = canAsk ? centre + half : Number.NaN;
    out.bidSize = canBid ? this.orderSizeLots : 0;
    out.askSize = canAsk ? this.orderSizeLots : 0;
    out.marketOrderLots = 0;
  }
}

export interface AsQuoteRow {
  q: number;
  /** δ_b = mid − bid of the inventory strategy. */
  bid: number;
  /** δ_a = ask − mid of the inventory strategy. */
  ask: number;
}

/**
 * Avellaneda–Stoikov inventory-strategy distances (δ_b, δ_a) for each q in `qs` at time t
 * (default 0) with horizon T: δ_b = (1/γ)ln(1+γ/k) + (2q+1)/2·γσ²(T−t),
 * δ_a = (1/γ)ln(1+γ/k) − (2q−1)/2·γσ²(T−t).
 */
export function asQuotes(
  p: { sigma: number; k: number; gamma: number; T: number; t?: number },
  qs: number[],
): AsQuoteRow[] {
  checkParams(p, 'asQuotes');
  const tau = p.T - (p.t ?? 0);
  if (!(Number.isFinite(tau) && tau >= 0))
    throw new Error(`asQuotes: T − t must be finite and ≥ 0, got ${tau}`);
  const base = asHalfSpreadBase(p.gamma, p.k);
  const risk = p.gamma * p.sigma * p.sigma * tau;
  return qs.map((q) => ({ q, bid: base + ((2 * q + 1) / 2) * risk, ask: base - ((2 * q - 1) / 2) * risk }));
}
