/**
 * Reference (mid) price processes for the simulators.
 *
 * - Arithmetic Brownian motion, ds = μ dt + σ dW: the model of Avellaneda & Stoikov (2008), who in
 *   their section 4 simulate it with binomial steps s ± σ√dt (`increments: 'binomial'`); Gaussian
 *   increments are the default.
 * - Geometric Brownian motion, ds/s = μ dt + σ dW, stepped exactly in logs:
 *   s' = s·exp((μ − σ²/2)dt + σ√dt·Z).
 * - Regime-switching volatility (a continuous-time Markov chain over volatility states, as in
 *   Hamilton-style Markov-switching models): σ is replaced by σ_{regime}; the chain jumps from state i
 *   to j at rate R[i][j] (per time unit), discretized as P(i→j in dt) = R[i][j]·dt (dt must keep the
 *   row sum ≤ 1; checked).
 * - Jumps (Merton 1976): a compound Poisson process with rate λ_J and jump sizes N(μ_J, σ_J²), added to
 *   s (ABM) or to log s (GBM). At most one jump per step is drawn with probability λ_J·dt.
 * - GARCH(1,1) volatility (Bollerslev 1986), for volatility clustering: time is cut into intervals of
 *   `garch.interval` time units; the variance of the return over interval n (the change of s for ABM, of
 *   ln s for GBM, jumps included) is h_n = ω + α ε²_{n−1} + β h_{n−1}, ε_{n−1} the realized return of the
 *   previous interval less its drift, with ω = σ²·interval·(1 − α − β) so that σ (`sigma`) stays the
 *   unconditional volatility per √time unit; h_1 = σ²·interval. Within an interval the steps are
 *   Brownian with σ_n = √(h_n / interval), so that with Gaussian increments the interval returns are
 *   exactly the GARCH(1,1) process of the calibration (core/calibration/garch.ts, same α and β). Needs
 *   α, β ≥ 0 and α + β < 1; not combined with regimes.
 *
 * Time is in the scenario's time unit and σ is per √(time unit). `peekNextIncrement` lets informed
 * flow in the book simulator see the move that is about to happen (that is what makes it toxic).
 */
import type { Rng } from '../../rng/rng';

export interface RegimeSpec {
  /** Volatility in each state (replaces sigma). */
  sigmas: number[];
  /** Transition rates per time unit, R[i][j] for i ≠ j (diagonal ignored). */
  transitionRates: number[][];
  /** Initial state index. */
  initial: number;
}

export interface JumpSpec {
  /** Jumps per time unit. */
  rate: number;
  mean: number;
  std: number;
}

export interface GarchSpec {
  alpha: number;
  beta: number;
  /** Length of the GARCH return interval in time units. */
  interval: number;
}

export interface PriceProcessSpec {
  model: 'abm' | 'gbm';
  sigma: number;
  drift: number;
  increments: 'gaussian' | 'binomial';
  regimes?: RegimeSpec | undefined;
  jumps?: JumpSpec | undefined;
  garch?: GarchSpec | undefined;
}

export class PriceProcess {
  private regime = 0;
  private readonly cumRates: Float64Array[] = [];
  /** GARCH state: variance of the current interval's return, its return so far, time into it. */
  private garchVar = 0;
  private garchAcc = 0;
  private garchElapsed = 0;

  constructor(readonly spec: PriceProcessSpec) {
    const g = spec.garch;
    if (g) {
      if (!(g.alpha >= 0 && g.beta >= 0 && g.alpha + g.beta < 1))
        throw new RangeError('garch: α, β ≥ 0 and α + β < 1 are needed');
      if (!(g.interval > 0)) throw new RangeError('garch.interval must be > 0');
      if (spec.regimes) throw new RangeError('garch and regimes cannot be combined');
    }
    const r = spec.regimes;
    if (r) {
      const n = r.sigmas.length;
      if (r.transitionRates.length !== n) throw new RangeError('regimes.transitionRates must be n×n');
      for (let i = 0; i < n; i++) {
        const row = r.transitionRates[i];
        if (!row || row.length !== n)
          throw new RangeError(`regimes.transitionRates[${i}] must have ${n} entries`);
        const cum = new Float64Array(n);
        let acc = 0;
        for (let j = 0; j < n; j++) {
          const rate = i === j ? 0 : (row[j] ?? 0);
          if (rate < 0) throw new RangeError(`regimes.transitionRates[${i}][${j}] must be ≥ 0`);
          acc += rate;
          cum[j] = acc;
        }
        this.cumRates.push(cum);
      }
    }
    this.reset();
  }

  reset(): void {
    this.regime = this.spec.regimes?.initial ?? 0;
    const g = this.spec.garch;
    this.garchVar = g ? this.spec.sigma * this.spec.sigma * g.interval : 0;
    this.garchAcc = 0;
    this.garchElapsed = 0;
  }

  /** Current volatility regime index (0 without regimes). */
  currentRegime(): number {
    return this.regime;
  }

  /** Current σ (per √time unit). */
  currentSigma(): number {
    if (this.spec.garch) return Math.sqrt(this.garchVar / this.spec.garch.interval);
    return this.spec.regimes ? (this.spec.regimes.sigmas[this.regime] ?? this.spec.sigma) : this.spec.sigma;
  }

  /** Largest dt for which the discretized regime chain is valid. */
  maxDt(): number {
    let maxRow = 0;
    for (const cum of this.cumRates) maxRow = Math.max(maxRow, cum[cum.length - 1] ?? 0);
    return maxRow > 0 ? 1 / maxRow : Number.POSITIVE_INFINITY;
  }

  /**
   * Advance the price by dt and return the new price. Draws from `rng` in a fixed order.
   * `sigmaScale` multiplies the diffusive σ of this step (a volatility stress, core/stress); the GARCH
   * recursion sees the return as if unscaled (drift + (ret − drift)/scale), so a stress does not feed
   * the clustering. 1 (the default) leaves every number as it was.
   */
  step(s: number, dt: number, rng: Rng, sigmaScale = 1): number {
    const spec = this.spec;
    const sigma = sigmaScale === 1 ? this.currentSigma() : this.currentSigma() * sigmaScale;
    let next: number;
    if (spec.model === 'abm') {
      const z = spec.increments === 'binomial' ? (rng.next() < 0.5 ? 1 : -1) : rng.normal();
      next = s + spec.drift * dt + sigma * Math.sqrt(dt) * z;
    } else {
      const z = spec.increments === 'binomial' ? (rng.next() < 0.5 ? 1 : -1) : rng.normal();
      next = s * Math.exp((spec.drift - 0.5 * sigma * sigma) * dt + sigma * Math.sqrt(dt) * z);
    }
    const j = spec.jumps;
    if (j && j.rate > 0) {
      if (rng.next() < j.rate * dt) {
        const size = j.mean + j.std * rng.normal();
        next = spec.model === 'abm' ? next + size : next * Math.exp(size);
      }
    }
    if (this.cumRates.length > 0) this.switchRegime(dt, rng);
    if (spec.garch) {
      let ret = spec.model === 'abm' ? next - s : Math.log(next / s);
      if (sigmaScale !== 1) ret = spec.drift * dt + (ret - spec.drift * dt) / sigmaScale;
      this.garchStep(spec.garch, ret, dt);
    }
    return next;
  }

  /** Accumulate the interval's return; at the interval's end, the GARCH(1,1) variance of the next. */
  private garchStep(g: GarchSpec, ret: number, dt: number): void {
    this.garchAcc += ret;
    this.garchElapsed += dt;
    // A small relative slack so that intervals made of whole steps (e.g. 100 × 0.1) end on time.
    if (this.garchElapsed < g.interval * (1 - 1e-9)) return;
    const eps = this.garchAcc - this.spec.drift * this.garchElapsed;
    const sigma = this.spec.sigma;
    const omega = sigma * sigma * g.interval * (1 - g.alpha - g.beta);
    this.garchVar = omega + g.alpha * eps * eps + g.beta * this.garchVar;
    this.garchAcc = 0;
    this.garchElapsed = 0;
  }

  private switchRegime(dt: number, rng: Rng): void {
    const cum = this.cumRates[this.regime];
    if (!cum) return;
    const u = rng.next() / dt;
    const total = cum[cum.length - 1] ?? 0;
    if (u >= total) return;
    for (let j = 0; j < cum.length; j++) {
      if (u < (cum[j] ?? 0)) {
        this.regime = j;
        return;
      }
    }
  }
}
