/**
 * GLFT: optimal market making with bounded inventory.
 *
 * Paper: O. Guéant, C.-A. Lehalle & J. Fernandez-Tapia, "Dealing with the inventory risk: a solution
 * to the market making problem", Mathematics and Financial Economics 7(4) (2013) 477–507
 * (arXiv:1105.3115).
 *
 * Model (the paper's assumptions):
 * - The reference price follows dS_t = σ dW_t (arithmetic Brownian motion, no drift).
 * - Market orders hit our bid at distance δ_b = S − bid with intensity λ_b = A·e^{−k·δ_b}, and lift
 *   our ask at δ_a = ask − S with intensity λ_a = A·e^{−k·δ_a}; each fill is one unit (here one
 *   `orderSizeLots` clip), so inventory q moves by ±1.
 * - Inventory is constrained to q ∈ {−Q, …, Q}: at q = Q we do not bid, at q = −Q we do not ask.
 * - CARA utility with risk aversion γ > 0 of terminal wealth X_T + q_T·S_T over [0, T], no terminal
 *   inventory penalty (q_T is marked at S_T).
 *
 * Result (the paper's main theorem, restated): let α = (k/2)·γ·σ² and
 * η = A·(1 + γ/k)^{−(1 + k/γ)}, and let M be the (2Q+1)×(2Q+1) tridiagonal matrix indexed by
 * q = −Q..Q with M_qq = α·q² and M_{q,q±1} = −η. Then v(t) = exp(−M·(T − t))·𝟙 has positive entries,
 * the value function is u(t,x,q,s) = −exp(−γ(x + q·s))·v_q(t)^{−γ/k}, and the optimal distances are
 *   δ_b*(t,q) = (1/k)·ln(v_q(t) / v_{q+1}(t)) + (1/γ)·ln(1 + γ/k)   for q < Q,
 *   δ_a*(t,q) = (1/k)·ln(v_q(t) / v_{q−1}(t)) + (1/γ)·ln(1 + γ/k)   for q > −Q.
 * (v solves v'_q = α q² v_q − η(v_{q+1} + v_{q−1}), v_q(T) = 1, the linear ODE system the paper
 * obtains from the HJB equation by the change of variables above.) Consequences used in tests:
 * - at τ = T − t = 0, v = 𝟙 and both distances equal (1/γ)·ln(1 + γ/k) for every q; to first order
 *   in τ, for |q| < Q − 1, δ_b = (1/γ)ln(1+γ/k) + (2q+1)/2·γσ²τ, which is Avellaneda–Stoikov's
 *   inventory skew;
 * - as τ → ∞, v(τ)·e^{λ₀τ} tends to a multiple of the ground state (eigenvector of the smallest
 *   eigenvalue λ₀ of M, positive by Perron–Frobenius), so the quotes become stationary;
 * - symmetry: δ_b(t,q) = δ_a(t,−q).
 * The paper's closed-form approximation of the stationary quotes (its Section 4, from a continuous
 * approximation in q of the ground-state problem), used by method 'asymptotic':
 *   δ_b(q) ≈ (1/γ)ln(1+γ/k) + (2q+1)/2 · √( σ²γ/(2kA) · (1+γ/k)^{1+k/γ} ),
 *   δ_a(q) ≈ (1/γ)ln(1+γ/k) − (2q−1)/2 · √( σ²γ/(2kA) · (1+γ/k)^{1+k/γ} ).
 * It ignores the inventory bounds except that, like the exact method, we quote no bid at q = Q and
 * no ask at q = −Q.
 *
 * Numerics of the exact method (ours, not the paper's):
 * - 𝟙 is even in q and M commutes with q → −q, so v is even: v_q = y_{|q|}. On the even subspace M
 *   acts as the (Q+1)×(Q+1) tridiagonal B (diag 0, α, 4α, …, αQ²; B_01 = −2η, all other
 *   off-diagonals −η), which the similarity S = diag(1/√2, 1, …, 1) makes symmetric:
 *   B̃ = S B S⁻¹ has off-diagonal −√2·η in its first row and −η elsewhere. Then
 *   y(τ) = S⁻¹·U·e^{−Λτ}·Uᵀ·S𝟙 with B̃ = UΛUᵀ.
 * - Eigenvalues by implicit QL; eigenvectors by the twisted recurrence in log-magnitude form
 *   (core/math/tridiagonal.ts), so that tail components (v_Q/v_0 can be e^−100 and smaller) keep
 *   their relative accuracy; y_j is evaluated as a signed log-sum-exp over the modes with the
 *   common factor e^{−λ₀τ} removed (it cancels in every ratio and would underflow for large τ).
 * - τ = ∞ uses the ground state alone (its log-ratios are precomputed). τ ≤ 0 gives v = 𝟙 exactly.
 * - Cost: O(Q²) set-up; per quote three entries of y at O(Q) each, the per-mode factors e^{−λ_iτ}
 *   cached for the last τ; no allocation.
 *
 * Quoter conventions: q = round(inventory / orderSizeLots) (fractional clips are rounded to the
 * nearest whole clip); bid = mid − δ_b, ask = mid + δ_a, both of size orderSizeLots; τ = horizon − t
 * (τ = `window` if given; Infinity allowed, giving the stationary quotes). Inventory beyond ±Q is
 * clamped to ±Q and only the side that reduces |q| is quoted.
 */
import type { MarketObservation, ParamValue, QuoteDecision, Quoter } from './quoter';
import { symmetricTridiagonalEigen, twistedEigenvector } from '../math/tridiagonal';

export type GlftMethod = 'exact' | 'asymptotic';

export interface GlftModelParams {
  /** Risk aversion γ > 0 (1 / (price · inventory unit)). */
  gamma: number;
  /** Volatility σ ≥ 0 of the reference price (price / √time). */
  sigma: number;
  /** Intensity scale A > 0 (fills per unit time at δ = 0). */
  A: number;
  /** Intensity decay k > 0 (1 / price). */
  k: number;
  /** Inventory bound Q (integer ≥ 0), in clips of orderSizeLots. */
  Q: number;
  method: GlftMethod;
}

export interface GlftParams extends GlftModelParams {
  /** Clip size in lots; one model inventory unit. */
  orderSizeLots: number;
  /** Rolling horizon: if set, τ = window always (may be Infinity: stationary quotes). */
  window?: number;
}

function checkPositive(name: string, x: number): void {
  if (!(Number.isFinite(x) && x > 0)) throw new Error(`glft: ${name} must be a finite number > 0, got ${x}`);
}

/**
 * The GLFT optimal distances δ_b(q, τ), δ_a(q, τ) for integer q ∈ [−Q, Q] (NaN where the side is
 * not quoted). Allocation-free after construction.
 */
export class GlftModel {
  readonly gamma: number;
  readonly sigma: number;
  readonly A: number;
  readonly k: number;
  readonly Q: number;
  readonly method: GlftMethod;
  /** α = (k/2)·γ·σ². */
  readonly alpha: number;
  /** η = A·(1 + γ/k)^{−(1 + k/γ)}. */
  readonly eta: number;
  /** (1/γ)·ln(1 + γ/k): the risk-neutral-limit half spread, common to both sides. */
  readonly base: number;
  /** √(σ²γ/(2kA)·(1+γ/k)^{1+k/γ}): the inventory slope of the asymptotic closed form. */
  readonly asymptoticSlope: number;

  // Exact method, on the even subspace j = 0..Q (n = Q + 1 modes).
  private readonly n: number;
  /** Row-major n×n: log|U_ji| − log S_j (so that entries give y, not S·y). */
  private readonly logU: Float64Array;
  private readonly signU: Int8Array;
  /** log|c_i| − λ_i·0, c = Uᵀ S 𝟙, and its sign. */
  private readonly logC: Float64Array;
  private readonly signC: Int8Array;
  /** λ_i − λ₀ ≥ 0. */
  private readonly gaps: Float64Array;
  /** Stationary ln(y_j / y_{j+1}), j = 0..Q−1. */
  private readonly stationaryLogRatio: Float64Array;
  /** Per-τ cache: a_i = log|c_i| − (λ_i − λ₀)·τ. */
  private readonly modeLogWeight: Float64Array;
  private cachedTau = Number.NaN;

  constructor(p: GlftModelParams) {
    checkPositive('gamma', p.gamma);
    checkPositive('A', p.A);
    checkPositive('k', p.k);
    if (!(Number.isFinite(p.sigma) && p.sigma >= 0))
      throw new Error(`glft: sigma must be ≥ 0, got ${p.sigma}`);
    if (!(Number.isInteger(p.Q) && p.Q >= 0)) throw new Error(`glft: Q must be an integer ≥ 0, got ${p.Q}`);
    if (p.method !== 'exact' && p.method !== 'asymptotic') {
      throw new Error(`glft: method must be 'exact' or 'asymptotic', got ${String(p.method)}`);
    }
    this.gamma = p.gamma;
    this.sigma = p.sigma;
    this.A = p.A;
    this.k = p.k;
    this.Q = p.Q;
    this.method = p.method;
    const { gamma, sigma, A, k, Q } = p;
    const l1p = Math.log1p(gamma / k); // ln(1 + γ/k), accurate for small γ/k
    this.alpha = 0.5 * k * gamma * sigma * sigma;
    this.eta = A * Math.exp(-(1 + k / gamma) * l1p);
    this.base = l1p / gamma;
    this.asymptoticSlope = Math.sqrt(
      ((sigma * sigma * gamma) / (2 * k * A)) * Math.exp((1 + k / gamma) * l1p),
    );

    const n = p.method === 'exact' ? Q + 1 : 0;
    this.n = n;
    this.logU = new Float64Array(n * n);
    this.signU = new Int8Array(n * n);
    this.logC = new Float64Array(n);
    this.signC = new Int8Array(n);
    this.gaps = new Float64Array(n);
    this.stationaryLogRatio = new Float64Array(Math.max(0, n - 1));
    this.modeLogWeight = new Float64Array(n);
    if (n > 0) this.setUpExact();
  }

  private setUpExact(): void {
    const n = this.n;
    const diag = new Float64Array(n);
    const off = new Float64Array(Math.max(0, n - 1));
    for (let j = 0; j < n; j++) diag[j] = this.alpha * j * j;
    for (let j = 0; j < n - 1; j++) off[j] = j === 0 ? -Math.SQRT2 * this.eta : -this.eta;
    const { values } = symmetricTridiagonalEigen(diag, off, { vectors: false });
    const lambda0 = values[0]!;
    // log S_j: S_0 = 1/√2, S_j = 1 otherwise.
    const logS0 = -0.5 * Math.LN2;
    for (let i = 0; i < n; i++) {
      this.gaps[i] = Math.max(0, values[i]! - lambda0);
      const { logAbs, sign } = twistedEigenvector(diag, off, values[i]!);
      // c_i = Σ_j U_ji·S_j in log-sum-exp form (S_j·U_ji: add log S_0 for j = 0).
      let top = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) top = Math.max(top, logAbs[j]! + (j === 0 ? logS0 : 0));
      let c = 0;
      for (let j = 0; j < n; j++) c += sign[j]! * Math.exp(logAbs[j]! + (j === 0 ? logS0 : 0) - top);
      this.logC[i] = c === 0 ? Number.NEGATIVE_INFINITY : top + Math.log(Math.abs(c));
      this.signC[i] = c < 0 ? -1 : 1;
      for (let j = 0; j < n; j++) {
        // y_j = U_ji·(…)/S_j: subtract log S_j.
        this.logU[j * n + i] = logAbs[j]! - (j === 0 ? logS0 : 0);
        this.signU[j * n + i] = sign[j]!;
      }
      if (i === 0) {
        // Ground state: all components positive (Perron–Frobenius); ln(y_j/y_{j+1}).
        for (let j = 0; j < n - 1; j++)
          this.stationaryLogRatio[j] = this.logU[j * n]! - this.logU[(j + 1) * n]!;
      }
    }
  }

  /** Optimal bid distance δ_b for integer q ∈ [−Q, Q] at time-to-horizon τ (NaN at q = Q). */
  bidDistance(q: number, tau: number): number {
    if (q >= this.Q) return Number.NaN;
    if (this.method === 'asymptotic') return this.base + (q + 0.5) * this.asymptoticSlope;
    // ln(v_q / v_{q+1}) with v_q = y_|q|.
    return this.logRatio(Math.abs(q), Math.abs(q + 1), tau) / this.k + this.base;
  }

  /** Optimal ask distance δ_a for integer q ∈ [−Q, Q] at time-to-horizon τ (NaN at q = −Q). */
  askDistance(q: number, tau: number): number {
    if (q <= -this.Q) return Number.NaN;
    if (this.method === 'asymptotic') return this.base - (q - 0.5) * this.asymptoticSlope;
    return this.logRatio(Math.abs(q), Math.abs(q - 1), tau) / this.k + this.base;
  }

  /** ln(y_i / y_j) at τ, for |i − j| = 1. */
  private logRatio(i: number, j: number, tau: number): number {
    if (!(tau > 0)) {
      if (Number.isNaN(tau)) throw new Error('glft: time to horizon is NaN');
      return 0; // v = 𝟙 at the horizon (and past it)
    }
    if (tau === Number.POSITIVE_INFINITY) {
      return i < j ? this.stationaryLogRatio[i]! : -this.stationaryLogRatio[j]!;
    }
    if (tau !== this.cachedTau) {
      for (let m = 0; m < this.n; m++) this.modeLogWeight[m] = this.logC[m]! - this.gaps[m]! * tau;
      this.cachedTau = tau;
    }
    return this.logY(i) - this.logY(j);
  }

  /** log y_j(τ) + λ₀τ for the cached τ: signed log-sum-exp over the modes. */
  private logY(j: number): number {
    const n = this.n;
    const row = j * n;
    let top = Number.NEGATIVE_INFINITY;
    for (let m = 0; m < n; m++) {
      const e = this.logU[row + m]! + this.modeLogWeight[m]!;
      if (e > top) top = e;
    }
    let s = 0;
    for (let m = 0; m < n; m++) {
      const e = this.logU[row + m]! + this.modeLogWeight[m]! - top;
      s += this.signU[row + m]! * this.signC[m]! * Math.exp(e);
    }
    if (!(s > 0)) {
      throw new Error(`glft: v_${j} lost all precision (sum ${s}); parameters outside the solver's range`);
    }
    return top + Math.log(s);
  }
}

/** Time to horizon for GLFT: τ = window if set, else horizon − t (Infinity allowed). */
function glftTau(window: number | undefined, obs: MarketObservation): number {
  if (window !== undefined) return window;
  return obs.horizon - obs.t;
}

export class GlftQuoter implements Quoter {
  readonly name = 'glft';
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly model: GlftModel;
  private readonly orderSizeLots: number;
  private readonly window: number | undefined;

  constructor(p: GlftParams) {
    checkPositive('orderSizeLots', p.orderSizeLots);
    if (p.window !== undefined && !(p.window >= 0))
      throw new Error(`glft: window must be ≥ 0, got ${p.window}`);
    this.model = new GlftModel(p);
    this.orderSizeLots = p.orderSizeLots;
    this.window = p.window;
    const params: Record<string, ParamValue> = {
      gamma: p.gamma,
      sigma: p.sigma,
      A: p.A,
      k: p.k,
      Q: p.Q,
      orderSizeLots: p.orderSizeLots,
      method: p.method,
    };
    if (p.window !== undefined) params.window = p.window;
    this.params = Object.freeze(params);
  }

  reset(): void {
    // Stateless between decisions (the τ cache is a pure function of τ).
  }

  quote(obs: MarketObservation, out: QuoteDecision): void {
    const Q = this.model.Q;
    const tau = this.model.method === 'exact' ? glftTau(this.window, obs) : 0;
    let q = Math.round(obs.inventory / this.orderSizeLots);
    let allowBid = true;
    let allowAsk = true;
    if (q > Q) {
      q = Q;
      allowBid = false;
    } else if (q < -Q) {
      q = -Q;
      allowAsk = false;
    }
    const db = allowBid ? this.model.bidDistance(q, tau) : Number.NaN;
    const da = allowAsk ? this.model.askDistance(q, tau) : Number.NaN;
    out.bidPrice = obs.mid - db;
    out.askPrice = obs.mid + da;
    out.bidSize = Number.isNaN(db) ? 0 : this.orderSizeLots;
    out.askSize = Number.isNaN(da) ? 0 : this.orderSizeLots;
    out.marketOrderLots = 0;
  }
}

export interface GlftQuoteRow {
  q: number;
  /** δ_b (price distance below the mid); null where no bid is quoted (q = Q). */
  bid: number | null;
  /** δ_a (price distance above the mid); null where no ask is quoted (q = −Q). */
  ask: number | null;
}

/**
 * The GLFT distance table for q = −Q..Q at time t ∈ [0, T] (t defaults to 0; T may be Infinity for
 * the stationary quotes). JSON-friendly: a missing side is null.
 */
export function glftQuotes(p: {
  sigma: number;
  A: number;
  k: number;
  gamma: number;
  T: number;
  Q: number;
  t?: number;
  method: GlftMethod;
}): GlftQuoteRow[] {
  const model = new GlftModel(p);
  const tau = p.T - (p.t ?? 0);
  if (Number.isNaN(tau)) throw new Error('glftQuotes: T − t is NaN');
  const rows: GlftQuoteRow[] = [];
  for (let q = -p.Q; q <= p.Q; q++) {
    const b = model.bidDistance(q, tau);
    const a = model.askDistance(q, tau);
    rows.push({ q, bid: Number.isNaN(b) ? null : b, ask: Number.isNaN(a) ? null : a });
  }
  return rows;
}
