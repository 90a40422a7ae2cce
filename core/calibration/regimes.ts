/**
 * Markov-switching normal model of returns ("volatility regimes"), fitted by maximum likelihood.
 *
 * Model: J. D. Hamilton, "A new approach to the economic analysis of nonstationary time series and
 * the business cycle", Econometrica 57(2) (1989) 357–384, without autoregressive terms:
 *   r_t | s_t = j  ~  N(μ_j, σ_j²),   j = 0..K−1,
 *   s_t a Markov chain with P[j][k] = Pr(s_{t+1} = k | s_t = j)  (row = from, column = to),
 *   s_1 drawn from the chain's stationary distribution π (πP = π, Σπ = 1).
 * Parameters: K means, K standard deviations, K(K − 1) free transition probabilities: K(K + 1) in all
 * (the count used by AIC = 2k − 2 log L and BIC = k ln n − 2 log L).
 *
 * Likelihood: exact, by the Hamilton (1989) filter. Each step is scaled — the state densities are
 * taken relative to the largest one (log-sum-exp), the filtered probabilities renormalized — so
 * nothing underflows however long the series or extreme an observation.
 *
 * Fit:
 * - EM: J. D. Hamilton, "Analysis of time series subject to changes in regime", Journal of
 *   Econometrics 45 (1990) 39–70. E-step: smoothed probabilities Pr(s_t = j | r_1..n) and pair
 *   probabilities Pr(s_t = j, s_{t+1} = k | r_1..n) from the smoother of C.-J. Kim, "Dynamic linear
 *   models with Markov-switching", Journal of Econometrics 60 (1994) 1–22. M-step: weighted means
 *   and variances, and P[j][k] = Σ_t ξ_t(j,k) / Σ_t γ_t(j). With the stationary start the exact
 *   M-step for P has no closed form (π depends on P); this update ignores the O(1/n) initial term,
 *   so EM is followed by
 * - a direct Nelder–Mead maximization of the exact log-likelihood from the best EM optimum (means,
 *   log of σ_j above its floor — a σ that EM left on the floor stays there —, transition rows as
 *   softmax logits; the simplex is scaled by approximate standard errors, and stops within 1e-3 of
 *   them and 1e-8 in log L), kept when it improves log L
 *   (`polishGain` says by how much).
 * - Starts: K equal-count groups by |r − mean| (a volatility split), by r (a mean split), and four
 *   perturbations of the volatility split from a seeded Rng; EM runs from each, the best EM log L
 *   is polished, and `startsAgreeing` counts the starts whose EM optimum is within 1e-4 of it.
 * - The fit runs on r / s (s = sample standard deviation, divisor n) and maps back: μ_j·s, σ_j·s,
 *   log L − n ln s.
 *
 * Guards (documented so the numbers can be read): σ_j ≥ 0.01·s — without a floor the likelihood is
 * unbounded (a state collapsing onto one observation, or onto repeated identical returns such as the
 * zero returns of tick data); a σ on the floor is reported in `warnings`. Transition probabilities
 * are kept ≥ 1e-10 in EM so the chain stays irreducible and π unique. K from 2 to 8, n ≥ 10·K, and
 * n·K ≤ 2·10⁷ (memory: the filter and smoother keep n × K arrays).
 *
 * Label convention: states are numbered by ascending σ (state 0 is the calmest; ties by ascending
 * μ), so the output does not depend on which start won.
 */
import { Rng, deriveSeed } from '../rng/rng';
import { CalibrationInputError, checkReturns, meanVariance } from './input';
import { nelderMead } from './nelder-mead';

const LN_2PI = Math.log(2 * Math.PI);
/** σ_j ≥ SIGMA_FLOOR × sample standard deviation. */
export const REGIMES_SIGMA_FLOOR = 0.01;
const P_FLOOR = 1e-10;
export const REGIMES_MAX_STATES = 8;
/** Most returns × states: the filter and smoother keep four n × K arrays of doubles (≈ 640 MB here). */
export const REGIMES_MAX_CELLS = 20_000_000;

export interface RegimeParams {
  means: readonly number[];
  sigmas: readonly number[];
  /** Row = from, column = to; rows sum to 1. */
  transition: readonly (readonly number[])[];
}

export interface RegimesFit {
  n: number;
  states: number;
  means: number[];
  sigmas: number[];
  transition: number[][];
  logLikelihood: number;
  /** π, the stationary distribution of the fitted chain (also the distribution of s_1). */
  stationary: number[];
  /** Expected stay in each state, 1 / (1 − P[j][j]) observations. */
  expectedDurations: number[];
  aic: number;
  bic: number;
  /** EM of the winning start met its tolerance and the polish converged. */
  converged: boolean;
  /** EM iterations of the winning start. */
  iterations: number;
  /** log L gained by the exact-likelihood polish over the best EM optimum (standardized data). */
  polishGain: number;
  starts: number;
  /** Starts whose EM optimum is within 1e-4 of the best one in log L. */
  startsAgreeing: number;
  /** The σ floor in the units of the returns. */
  sigmaFloor: number;
  warnings: string[];
  /** Pr(s_t = j | r_1..n), row-major n × K (row t − 1 for observation t; columns as `means`). */
  smoothed: Float64Array;
}

export interface RegimesFitOptions {
  /** Seed of the perturbed starts (default 1). */
  seed?: number;
  /** EM iterations per start (default 500). */
  maxIterations?: number;
}

/**
 * The stationary distribution π of a row-stochastic K×K matrix (row-major): solves (Pᵀ − I)π = 0 with
 * Σπ = 1 by Gaussian elimination with partial pivoting; falls back to power iteration when the chain
 * is reducible (π not unique).
 */
export function stationaryDistribution(P: ArrayLike<number>, K: number): Float64Array {
  const A = new Float64Array(K * K);
  const b = new Float64Array(K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) A[i * K + j] = P[j * K + i]! - (i === j ? 1 : 0);
  for (let j = 0; j < K; j++) A[(K - 1) * K + j] = 1;
  b[K - 1] = 1;
  let singular = false;
  for (let c = 0; c < K && !singular; c++) {
    let piv = c;
    for (let r = c + 1; r < K; r++) if (Math.abs(A[r * K + c]!) > Math.abs(A[piv * K + c]!)) piv = r;
    if (Math.abs(A[piv * K + c]!) < 1e-14) {
      singular = true;
      break;
    }
    if (piv !== c) {
      for (let j = 0; j < K; j++) {
        const t = A[c * K + j]!;
        A[c * K + j] = A[piv * K + j]!;
        A[piv * K + j] = t;
      }
      const t = b[c]!;
      b[c] = b[piv]!;
      b[piv] = t;
    }
    for (let r = c + 1; r < K; r++) {
      const m = A[r * K + c]! / A[c * K + c]!;
      if (m === 0) continue;
      for (let j = c; j < K; j++) A[r * K + j] = A[r * K + j]! - m * A[c * K + j]!;
      b[r] = b[r]! - m * b[c]!;
    }
  }
  const pi = new Float64Array(K);
  if (!singular) {
    for (let r = K - 1; r >= 0; r--) {
      let s = b[r]!;
      for (let j = r + 1; j < K; j++) s -= A[r * K + j]! * pi[j]!;
      pi[r] = s / A[r * K + r]!;
    }
    let ok = true;
    for (let j = 0; j < K; j++) if (!(pi[j]! >= -1e-12)) ok = false;
    if (ok) {
      let s = 0;
      for (let j = 0; j < K; j++) {
        pi[j] = Math.max(0, pi[j]!);
        s += pi[j]!;
      }
      for (let j = 0; j < K; j++) pi[j] = pi[j]! / s;
      return pi;
    }
  }
  pi.fill(1 / K);
  const next = new Float64Array(K);
  for (let it = 0; it < 100_000; it++) {
    next.fill(0);
    for (let j = 0; j < K; j++) for (let k = 0; k < K; k++) next[k] = next[k]! + pi[j]! * P[j * K + k]!;
    let d = 0;
    for (let k = 0; k < K; k++) d = Math.max(d, Math.abs(next[k]! - pi[k]!));
    pi.set(next);
    if (d < 1e-15) break;
  }
  return pi;
}

/** Internal parameter block: flat arrays, P row-major. */
interface Flat {
  K: number;
  mu: Float64Array;
  sigma: Float64Array;
  P: Float64Array;
}

function flatten(p: RegimeParams): Flat {
  const K = p.means.length;
  if (K < 1 || p.sigmas.length !== K || p.transition.length !== K)
    throw new RangeError('regime parameters: means, sigmas and transition rows must have the same length K');
  const P = new Float64Array(K * K);
  for (let j = 0; j < K; j++) {
    const row = p.transition[j]!;
    if (row.length !== K)
      throw new RangeError(`regime parameters: transition row ${j} has ${row.length} entries`);
    for (let k = 0; k < K; k++) P[j * K + k] = row[k]!;
  }
  return { K, mu: Float64Array.from(p.means), sigma: Float64Array.from(p.sigmas), P };
}

/**
 * The scaled Hamilton filter. Returns log L; when the buffers are given (n × K row-major) fills the
 * filtered Pr(s_t | r_1..t) and the predicted Pr(s_t | r_1..t−1) probabilities. −Infinity when an
 * observation has zero probability under every reachable state.
 */
function filter(x: ArrayLike<number>, q: Flat, filtered?: Float64Array, predicted?: Float64Array): number {
  const { K, mu, sigma, P } = q;
  const n = x.length;
  const pred = stationaryDistribution(P, K);
  const ld = new Float64Array(K);
  const joint = new Float64Array(K);
  const logNorm = new Float64Array(K);
  for (let j = 0; j < K; j++) logNorm[j] = -0.5 * LN_2PI - Math.log(sigma[j]!);
  let ll = 0;
  for (let t = 0; t < n; t++) {
    const xt = x[t]!;
    let m = -Infinity;
    for (let j = 0; j < K; j++) {
      const z = (xt - mu[j]!) / sigma[j]!;
      const v = logNorm[j]! - 0.5 * z * z;
      ld[j] = v;
      if (v > m) m = v;
    }
    let c = 0;
    for (let j = 0; j < K; j++) {
      const v = pred[j]! * Math.exp(ld[j]! - m);
      joint[j] = v;
      c += v;
    }
    if (!(c > 0) || !Number.isFinite(m)) return -Infinity;
    ll += m + Math.log(c);
    if (predicted) predicted.set(pred, t * K);
    for (let j = 0; j < K; j++) joint[j] = joint[j]! / c;
    if (filtered) filtered.set(joint, t * K);
    pred.fill(0);
    for (let j = 0; j < K; j++) {
      const fj = joint[j]!;
      for (let k = 0; k < K; k++) pred[k] = pred[k]! + fj * P[j * K + k]!;
    }
  }
  return Number.isNaN(ll) ? -Infinity : ll;
}

/**
 * Kim (1994) smoother: Pr(s_t = j | r_1..n) from the filter's outputs, into `smoothed` (n × K); when
 * `pairSums` (K × K) is given, adds Σ_t Pr(s_t = j, s_{t+1} = k | r_1..n) to it.
 */
function smooth(
  q: Flat,
  n: number,
  filtered: Float64Array,
  predicted: Float64Array,
  smoothed: Float64Array,
  pairSums?: Float64Array,
): void {
  const { K, P } = q;
  const ratio = new Float64Array(K);
  smoothed.set(filtered.subarray((n - 1) * K, n * K), (n - 1) * K);
  for (let t = n - 2; t >= 0; t--) {
    for (let k = 0; k < K; k++) {
      const pr = predicted[(t + 1) * K + k]!;
      ratio[k] = pr > 0 ? smoothed[(t + 1) * K + k]! / pr : 0;
    }
    let s = 0;
    for (let j = 0; j < K; j++) {
      const fj = filtered[t * K + j]!;
      let acc = 0;
      for (let k = 0; k < K; k++) {
        const w = P[j * K + k]! * ratio[k]!;
        acc += w;
        if (pairSums) pairSums[j * K + k] = pairSums[j * K + k]! + fj * w;
      }
      const v = fj * acc;
      smoothed[t * K + j] = v;
      s += v;
    }
    // Renormalize against rounding drift (the exact values sum to 1).
    if (s > 0) for (let j = 0; j < K; j++) smoothed[t * K + j] = smoothed[t * K + j]! / s;
  }
}

function checkParams(q: Flat): void {
  const { K, sigma, P } = q;
  for (let j = 0; j < K; j++) {
    if (!(sigma[j]! > 0 && Number.isFinite(sigma[j]!)))
      throw new RangeError(`regime parameters: sigma ${j} must be finite and > 0, got ${sigma[j]}`);
    let s = 0;
    for (let k = 0; k < K; k++) {
      const p = P[j * K + k]!;
      if (!(p >= 0 && p <= 1)) throw new RangeError(`regime parameters: transition[${j}][${k}] = ${p}`);
      s += p;
    }
    if (Math.abs(s - 1) > 1e-9) throw new RangeError(`regime parameters: transition row ${j} sums to ${s}`);
  }
}

/** Exact log-likelihood of the model at the given parameters (Hamilton filter, stationary start). */
export function regimesLogLikelihood(returns: ArrayLike<number>, params: RegimeParams): number {
  const q = flatten(params);
  checkParams(q);
  return filter(returns, q);
}

/** Smoothed state probabilities Pr(s_t = j | r_1..n) at the given parameters, row-major n × K. */
export function regimesSmoothedProbabilities(returns: ArrayLike<number>, params: RegimeParams): Float64Array {
  const q = flatten(params);
  checkParams(q);
  const n = returns.length;
  const f = new Float64Array(n * q.K);
  const p = new Float64Array(n * q.K);
  const s = new Float64Array(n * q.K);
  if (n === 0) return s;
  filter(returns, q, f, p);
  smooth(q, n, f, p, s);
  return s;
}

/** n × K work arrays: filtered, predicted and smoothed probabilities (shared by every EM run). */
interface Buffers {
  f: Float64Array;
  p: Float64Array;
  s: Float64Array;
}

/** EM from a start; returns the final parameters, log L, iterations and whether it met the tolerance. */
function em(
  x: Float64Array,
  start: Flat,
  floor: number,
  maxIterations: number,
  { f, p, s }: Buffers,
): { q: Flat; ll: number; iterations: number; converged: boolean } {
  const { K } = start;
  const n = x.length;
  const q: Flat = { K, mu: start.mu.slice(), sigma: start.sigma.slice(), P: start.P.slice() };
  const pairs = new Float64Array(K * K);
  let prev = -Infinity;
  let ll = -Infinity;
  for (let it = 1; it <= maxIterations; it++) {
    ll = filter(x, q, f, p);
    if (!Number.isFinite(ll)) return { q, ll, iterations: it, converged: false };
    if (Math.abs(ll - prev) < 1e-10 * (1 + Math.abs(ll))) return { q, ll, iterations: it, converged: true };
    prev = ll;
    pairs.fill(0);
    smooth(q, n, f, p, s, pairs);
    for (let j = 0; j < K; j++) {
      let w = 0;
      let wx = 0;
      for (let t = 0; t < n; t++) {
        const g = s[t * K + j]!;
        w += g;
        wx += g * x[t]!;
      }
      const m = w > 0 ? wx / w : q.mu[j]!;
      let wv = 0;
      for (let t = 0; t < n; t++) {
        const d = x[t]! - m;
        wv += s[t * K + j]! * d * d;
      }
      q.mu[j] = m;
      q.sigma[j] = Math.max(floor, w > 0 ? Math.sqrt(wv / w) : q.sigma[j]!);
      let rowSum = 0;
      for (let k = 0; k < K; k++) rowSum += pairs[j * K + k]!;
      let norm = 0;
      for (let k = 0; k < K; k++) {
        const v = rowSum > 0 ? Math.max(P_FLOOR, pairs[j * K + k]! / rowSum) : 1 / K;
        q.P[j * K + k] = v;
        norm += v;
      }
      for (let k = 0; k < K; k++) q.P[j * K + k] = q.P[j * K + k]! / norm;
    }
  }
  ll = filter(x, q);
  return { q, ll, iterations: maxIterations, converged: false };
}

/**
 * Unconstrained coordinates for the polish: μ_j, ln(σ_j − floor) for the σ_j above the floor (a σ on
 * its floor stays there: the constrained optimum is on the boundary), logits ln(P[j][k] / P[j][j]).
 */
function toTheta(q: Flat, floor: number, free: readonly boolean[]): Float64Array {
  const { K } = q;
  const th: number[] = [];
  for (let j = 0; j < K; j++) th.push(q.mu[j]!);
  for (let j = 0; j < K; j++) if (free[j]) th.push(Math.log(q.sigma[j]! - floor));
  for (let j = 0; j < K; j++)
    for (let k = 0; k < K; k++) if (k !== j) th.push(Math.log(q.P[j * K + k]! / q.P[j * K + j]!));
  return Float64Array.from(th);
}

function fromTheta(
  th: ArrayLike<number>,
  K: number,
  floor: number,
  free: readonly boolean[],
  out: Flat,
): void {
  let i = 0;
  for (let j = 0; j < K; j++) out.mu[j] = th[i++]!;
  for (let j = 0; j < K; j++) out.sigma[j] = free[j] ? floor + Math.exp(th[i++]!) : floor;
  for (let j = 0; j < K; j++) {
    let s = 1;
    for (let k = 0; k < K; k++) {
      if (k === j) continue;
      const e = Math.exp(th[i++]!);
      out.P[j * K + k] = e;
      s += e;
    }
    out.P[j * K + j] = 1;
    for (let k = 0; k < K; k++) out.P[j * K + k] = out.P[j * K + k]! / s;
  }
}

/**
 * Approximate standard errors of the polish coordinates, from the expected occupancy n_j = n·π_j:
 * μ_j: σ_j/√n_j; ln(σ_j − floor): σ_j/((σ_j − floor)·√(2 n_j)); ln(P[j][k]/P[j][j]):
 * √(1/(n_j P[j][k]) + 1/(n_j P[j][j])) (multinomial counts).
 */
function polishScales(q: Flat, floor: number, free: readonly boolean[], n: number): Float64Array {
  const { K } = q;
  const pi = stationaryDistribution(q.P, K);
  const nj = Array.from(pi, (v) => Math.max(1, n * v));
  const out: number[] = [];
  for (let j = 0; j < K; j++) out.push(q.sigma[j]! / Math.sqrt(nj[j]!));
  for (let j = 0; j < K; j++)
    if (free[j]) out.push(q.sigma[j]! / ((q.sigma[j]! - floor) * Math.sqrt(2 * nj[j]!)));
  for (let j = 0; j < K; j++)
    for (let k = 0; k < K; k++)
      if (k !== j)
        out.push(Math.min(1, Math.sqrt(1 / (nj[j]! * q.P[j * K + k]!) + 1 / (nj[j]! * q.P[j * K + j]!))));
  return Float64Array.from(out);
}

/** Starts: a volatility split, a mean split, and perturbations of the volatility split. */
function makeStarts(x: Float64Array, K: number, floor: number, seed: number): Flat[] {
  const n = x.length;
  const { mean } = meanVariance(x);
  const diag = 0.9;
  const basePvals = (): Float64Array => {
    const P = new Float64Array(K * K);
    for (let j = 0; j < K; j++)
      for (let k = 0; k < K; k++) P[j * K + k] = j === k ? diag : (1 - diag) / (K - 1);
    return P;
  };
  const split = (key: (v: number) => number): Flat => {
    const idx = Array.from({ length: n }, (_, t) => t).sort((a, b) => key(x[a]!) - key(x[b]!) || a - b);
    const mu = new Float64Array(K);
    const sigma = new Float64Array(K);
    for (let j = 0; j < K; j++) {
      const lo = Math.floor((j * n) / K);
      const hi = Math.floor(((j + 1) * n) / K);
      const g = new Float64Array(hi - lo);
      for (let i = lo; i < hi; i++) g[i - lo] = x[idx[i]!]!;
      const mv = meanVariance(g);
      mu[j] = mv.mean;
      sigma[j] = Math.max(floor, Math.sqrt(mv.variance));
    }
    return { K, mu, sigma, P: basePvals() };
  };
  // Volatility split: groups by |x − mean|; every state centred on the overall mean, σ its group's rms.
  const vol = split((v) => Math.abs(v - mean));
  for (let j = 0; j < K; j++) {
    // The group's rms about the overall mean = √(variance + (group mean − mean)²).
    const d = vol.mu[j]! - mean;
    vol.sigma[j] = Math.max(floor, Math.sqrt(vol.sigma[j]! * vol.sigma[j]! + d * d));
    vol.mu[j] = mean;
  }
  const starts: Flat[] = [vol, split((v) => v)];
  for (let i = 0; i < 4; i++) {
    const rng = new Rng(deriveSeed(seed, i));
    const mu = new Float64Array(K);
    const sigma = new Float64Array(K);
    const P = new Float64Array(K * K);
    for (let j = 0; j < K; j++) {
      mu[j] = vol.mu[j]! + 0.1 * rng.normal();
      sigma[j] = Math.max(floor, vol.sigma[j]! * Math.exp(0.3 * rng.normal()));
      const d = 0.6 + 0.38 * rng.next();
      for (let k = 0; k < K; k++) P[j * K + k] = j === k ? d : (1 - d) / (K - 1);
    }
    starts.push({ K, mu, sigma, P });
  }
  return starts;
}

/**
 * Fit the K-state Markov-switching normal model (see the header). Throws CalibrationInputError for
 * K < 2, n < 10·K, a non-finite value (naming its row) or a constant series.
 */
export function fitRegimes(returns: ArrayLike<number>, K: number, opts: RegimesFitOptions = {}): RegimesFit {
  if (!Number.isInteger(K) || K < 2 || K > REGIMES_MAX_STATES)
    throw new CalibrationInputError(
      `Markov-switching model: the number of states must be an integer from 2 to ${REGIMES_MAX_STATES}, got ${K}`,
    );
  checkReturns(returns, 10 * K, `Markov-switching model with ${K} states`);
  const n = returns.length;
  if (n * K > REGIMES_MAX_CELLS)
    throw new CalibrationInputError(
      `Markov-switching model: ${n} returns × ${K} states exceeds the limit of ${REGIMES_MAX_CELLS} (memory)`,
    );
  const s = Math.sqrt(meanVariance(returns).variance);
  const x = new Float64Array(n);
  for (let t = 0; t < n; t++) x[t] = returns[t]! / s;
  const floor = REGIMES_SIGMA_FLOOR;
  const maxIterations = opts.maxIterations ?? 500;
  const starts = makeStarts(x, K, floor, opts.seed ?? 1);

  // EM from every start; the best EM optimum is then polished on the exact likelihood.
  const bufs: Buffers = {
    f: new Float64Array(n * K),
    p: new Float64Array(n * K),
    s: new Float64Array(n * K),
  };
  const finals: number[] = [];
  let bestEm: { q: Flat; ll: number; iterations: number; converged: boolean } | null = null;
  for (const start of starts) {
    const r = em(x, start, floor, maxIterations, bufs);
    finals.push(r.ll);
    if (bestEm === null || r.ll > bestEm.ll) bestEm = r;
  }
  if (bestEm === null || !Number.isFinite(bestEm.ll))
    throw new CalibrationInputError('Markov-switching model: no start reached a finite likelihood');
  const emLl = bestEm.ll;
  const work: Flat = { K, mu: new Float64Array(K), sigma: new Float64Array(K), P: new Float64Array(K * K) };
  const free = Array.from(bestEm.q.sigma, (v) => v > floor * (1 + 1e-9));
  const th0 = toTheta(bestEm.q, floor, free);
  // The polish works in approximate standard-error units (u = (θ − θ_EM) / scale), so its simplex is
  // well conditioned and its tolerance is a fraction of the statistical precision.
  const scale = polishScales(bestEm.q, floor, free, n);
  const th = new Float64Array(th0.length);
  const toTh = (u: ArrayLike<number>): Float64Array => {
    for (let i = 0; i < th.length; i++) th[i] = th0[i]! + u[i]! * scale[i]!;
    return th;
  };
  const nm = nelderMead(
    (u) => {
      fromTheta(toTh(u), K, floor, free, work);
      return -filter(x, work);
    },
    new Float64Array(th0.length),
    { step: 0.1, fTol: 1e-8, xTol: 1e-3, maxEvaluations: 400 * th0.length },
  );
  let best = bestEm;
  if (-nm.f > bestEm.ll) {
    const polished: Flat = {
      K,
      mu: new Float64Array(K),
      sigma: new Float64Array(K),
      P: new Float64Array(K * K),
    };
    fromTheta(toTh(nm.x), K, floor, free, polished);
    best = { q: polished, ll: -nm.f, iterations: bestEm.iterations, converged: bestEm.converged };
  }
  const converged = best.converged && nm.converged;

  // Order states by ascending σ (ties: ascending μ).
  const q0 = best.q;
  const perm = Array.from({ length: K }, (_, j) => j).sort(
    (a, b) => q0.sigma[a]! - q0.sigma[b]! || q0.mu[a]! - q0.mu[b]! || a - b,
  );
  const q: Flat = { K, mu: new Float64Array(K), sigma: new Float64Array(K), P: new Float64Array(K * K) };
  for (let j = 0; j < K; j++) {
    q.mu[j] = q0.mu[perm[j]!]!;
    q.sigma[j] = q0.sigma[perm[j]!]!;
    for (let k = 0; k < K; k++) q.P[j * K + k] = q0.P[perm[j]! * K + perm[k]!]!;
  }
  const smoothed = new Float64Array(n * K);
  filter(x, q, bufs.f, bufs.p);
  smooth(q, n, bufs.f, bufs.p, smoothed);

  const means = Array.from(q.mu, (m) => m * s);
  const sigmas = Array.from(q.sigma, (v) => v * s);
  const transition = Array.from({ length: K }, (_, j) => Array.from(q.P.subarray(j * K, (j + 1) * K)));
  const logLikelihood = filter(returns, {
    K,
    mu: Float64Array.from(means),
    sigma: Float64Array.from(sigmas),
    P: q.P,
  });
  const kParams = K * (K + 1);
  const warnings: string[] = [];
  for (let j = 0; j < K; j++)
    if (q.sigma[j]! <= floor * (1 + 1e-6))
      warnings.push(`state ${j}: σ is on its floor (${REGIMES_SIGMA_FLOOR} × the sample standard deviation)`);
  if (!converged) warnings.push('the winning start did not converge within its iteration budget');
  return {
    n,
    states: K,
    means,
    sigmas,
    transition,
    logLikelihood,
    stationary: Array.from(stationaryDistribution(q.P, K)),
    expectedDurations: Array.from({ length: K }, (_, j) => 1 / (1 - q.P[j * K + j]!)),
    aic: 2 * kParams - 2 * logLikelihood,
    bic: kParams * Math.log(n) - 2 * logLikelihood,
    converged,
    iterations: best.iterations,
    polishGain: Math.max(0, -nm.f - emLl),
    starts: starts.length,
    startsAgreeing: finals.filter((v) => emLl - v <= 1e-4).length,
    sigmaFloor: floor * s,
    warnings,
    smoothed,
  };
}
