/**
 * Execution intensity λ(δ) = A·e^(−kδ) — the fill rate of a quote at distance δ from the mid
 * (Avellaneda & Stoikov 2008, §2.3; Guéant, Lehalle & Fernandez-Tapia 2013) — by Poisson maximum
 * likelihood with exposure.
 *
 * Data: bins j = 1 … m, each a distance δ_j, an exposure T_j > 0 (the time a quote at distance δ_j was
 * in the market, or the number of decision intervals it was) and a count N_j ≥ 0 (how often it would
 * have traded in that time). Model: N_j ~ Poisson(μ_j), μ_j = T_j·A·e^(−kδ_j), independent — a Poisson
 * GLM with log link, offset ln T_j, intercept a = ln A and slope −k (McCullagh & Nelder, "Generalized
 * Linear Models", 2nd ed., 1989, ch. 6). Log-likelihood ℓ = Σ_j [N_j ln μ_j − μ_j − ln N_j!].
 * Fit: Newton–Raphson on (a, k) from the log-linear least-squares start, with step halving so that ℓ
 * never decreases; converged when the step is below 1e-10 relative. Standard errors from the observed
 * (= expected, for the canonical link) information I = Σ_j μ_j·[1, −δ_j; −δ_j, δ_j²]; Wald intervals on
 * the estimation scale: A ∈ exp(a ± z·se_a) (so A's interval is positive and asymmetric), k ± z·se_k.
 * Goodness of fit: the deviance D = 2 Σ_j [N_j ln(N_j/μ̂_j) − (N_j − μ̂_j)] (0·ln 0 = 0) on m − 2 degrees
 * of freedom, and the Pearson X² = Σ_j (N_j − μ̂_j)²/μ̂_j; each bin's fitted and empirical rates
 * (N_j / T_j) are returned for plotting.
 * Requires at least two distinct distances and a positive total count; a k that runs off to infinity
 * (all fills at the smallest distance) is reported as not converged.
 */

import { logGamma, normalCdf } from '../metrics/inference';

export interface IntensityBin {
  delta: number;
  exposure: number;
  count: number;
}

export interface IntensityFit {
  A: number;
  k: number;
  /** Standard errors of ln A and k, and Wald intervals at `level`. */
  seLogA: number;
  seK: number;
  level: number;
  ciA: [number, number];
  ciK: [number, number];
  /** Correlation of the estimates of ln A and k. */
  corrLogAK: number;
  logLikelihood: number;
  deviance: number;
  pearsonChi2: number;
  degreesOfFreedom: number;
  iterations: number;
  converged: boolean;
  bins: { delta: number; exposure: number; count: number; empiricalRate: number; fittedRate: number }[];
}

export class IntensityFitError extends Error {
  override name = 'IntensityFitError';
}

/** The z with P(|Z| ≤ z) = level, by bisection on the normal CDF (core/metrics/inference.ts). */
export function twoSidedZ(level: number): number {
  const p = 1 - (1 - level) / 2;
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function fitIntensity(
  bins: readonly IntensityBin[],
  opts: { level?: number; maxIterations?: number } = {},
): IntensityFit {
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new IntensityFitError(`level must be in (0, 1), got ${level}`);
  const m = bins.length;
  for (const [j, b] of bins.entries()) {
    if (!Number.isFinite(b.delta))
      throw new IntensityFitError(`bin ${j}: delta must be finite, got ${b.delta}`);
    if (!(Number.isFinite(b.exposure) && b.exposure > 0))
      throw new IntensityFitError(`bin ${j}: exposure must be > 0, got ${b.exposure}`);
    if (!(Number.isInteger(b.count) && b.count >= 0))
      throw new IntensityFitError(`bin ${j}: count must be an integer ≥ 0, got ${b.count}`);
  }
  if (new Set(bins.map((b) => b.delta)).size < 2)
    throw new IntensityFitError('need at least two distinct distances');
  const total = bins.reduce((s, b) => s + b.count, 0);
  if (total === 0) throw new IntensityFitError('no fills in any bin: A and k are not identified');

  const ll = (a: number, k: number): number => {
    let s = 0;
    for (const b of bins) {
      const mu = b.exposure * Math.exp(a - k * b.delta);
      s += (b.count > 0 ? b.count * Math.log(mu) : 0) - mu;
    }
    return s;
  };
  // Start: weighted least squares of ln((N + ½)/T) on δ.
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (const b of bins) {
    const w = b.count + 0.5;
    const y = Math.log((b.count + 0.5) / b.exposure);
    sw += w;
    sx += w * b.delta;
    sy += w * y;
    sxx += w * b.delta * b.delta;
    sxy += w * b.delta * y;
  }
  const slope = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
  let k = -slope;
  let a = (sy - slope * sx) / sw;
  let cur = ll(a, k);
  const maxIt = opts.maxIterations ?? 100;
  let it = 0;
  let converged = false;
  for (; it < maxIt; it++) {
    let g0 = 0;
    let g1 = 0;
    let h00 = 0;
    let h01 = 0;
    let h11 = 0;
    for (const b of bins) {
      const mu = b.exposure * Math.exp(a - k * b.delta);
      const r = b.count - mu;
      g0 += r;
      g1 += -b.delta * r;
      h00 += mu;
      h01 += -b.delta * mu;
      h11 += b.delta * b.delta * mu;
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 0)) break;
    // Newton step: θ += I⁻¹ g
    let da = (h11 * g0 - h01 * g1) / det;
    let dk = (-h01 * g0 + h00 * g1) / det;
    let next = ll(a + da, k + dk);
    let halvings = 0;
    while (!(next >= cur) && halvings < 40) {
      da /= 2;
      dk /= 2;
      next = ll(a + da, k + dk);
      halvings++;
    }
    if (!(next >= cur)) break;
    a += da;
    k += dk;
    cur = next;
    if (Math.abs(da) <= 1e-10 * (1 + Math.abs(a)) && Math.abs(dk) <= 1e-10 * (1 + Math.abs(k))) {
      converged = true;
      it++;
      break;
    }
  }
  let h00 = 0;
  let h01 = 0;
  let h11 = 0;
  let deviance = 0;
  let pearson = 0;
  let logFact = 0;
  const out: IntensityFit['bins'] = [];
  for (const b of bins) {
    const mu = b.exposure * Math.exp(a - k * b.delta);
    h00 += mu;
    h01 += -b.delta * mu;
    h11 += b.delta * b.delta * mu;
    deviance += 2 * ((b.count > 0 ? b.count * Math.log(b.count / mu) : 0) - (b.count - mu));
    pearson += ((b.count - mu) * (b.count - mu)) / mu;
    logFact += logGamma(b.count + 1); // ln N!
    out.push({
      delta: b.delta,
      exposure: b.exposure,
      count: b.count,
      empiricalRate: b.count / b.exposure,
      fittedRate: mu / b.exposure,
    });
  }
  const det = h00 * h11 - h01 * h01;
  const seA = Math.sqrt(h11 / det);
  const seK = Math.sqrt(h00 / det);
  const z = twoSidedZ(level);
  return {
    A: Math.exp(a),
    k,
    seLogA: seA,
    seK,
    level,
    ciA: [Math.exp(a - z * seA), Math.exp(a + z * seA)],
    ciK: [k - z * seK, k + z * seK],
    corrLogAK: -h01 / det / (seA * seK),
    logLikelihood: cur - logFact,
    deviance,
    pearsonChi2: pearson,
    degreesOfFreedom: m - 2,
    iterations: it,
    converged: converged && Number.isFinite(k) && Number.isFinite(a),
    bins: out,
  };
}
