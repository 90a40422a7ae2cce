/**
 * Statistical inference for comparing strategies across simulated paths: bootstrap confidence
 * intervals and paired tests (agent vs baseline on the same paths). Pure functions, deterministic:
 * every random draw comes from the seeded Rng of core/rng/rng.ts.
 *
 * Percentile bootstrap (B. Efron, "Bootstrap methods: another look at the jackknife", Annals of
 * Statistics 7(1), 1979; B. Efron & R. Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13):
 * draw B resamples of size n with replacement from the data, evaluate the statistic θ* on each and take
 * the (1 − level)/2 and (1 + level)/2 quantiles of the B values as the interval. Quantiles of the
 * sorted θ* are linearly interpolated between order statistics (Hyndman & Fan 1996, type 7:
 * h = (B − 1)·p, value = θ*_(⌊h⌋) + (h − ⌊h⌋)·(θ*_(⌊h⌋+1) − θ*_(⌊h⌋)), 0-based). Indices are drawn with
 * Rng.int(n); the same seed gives the same resample indices for any data of the same length, so two
 * vectors bootstrapped with one seed use common resamples.
 *
 * Paired tests, d_i = a_i − b_i (a = agent, b = baseline, both measured on path i):
 * - Student's paired t ("Student", Biometrika 6(1), 1908): t = d̄ / (s_d/√n), s_d the sample std
 *   (n − 1 denominator), df = n − 1, two-sided p = P(|T_df| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2), with
 *   I_x(a, b) the regularized incomplete beta function (Abramowitz & Stegun 26.7.1 and 26.5.1).
 *   I_x is evaluated by its continued fraction (A&S 26.5.8) with the modified Lentz algorithm
 *   (W. J. Lentz 1976; Thompson & Barnett 1986; as in Press et al., "Numerical Recipes", 3rd ed.,
 *   §6.4), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) on the side where the fraction converges
 *   fast; ln Γ by the Lanczos approximation (g = 7, 9 terms; Lanczos 1964).
 * - Wilcoxon signed-rank test (F. Wilcoxon, "Individual comparisons by ranking methods", Biometrics
 *   Bulletin 1(6), 1945), normal approximation without continuity correction. Zero differences are
 *   discarded (Wilcoxon's own "wilcox" zero method; Pratt's 1959 alternative ranks them first and
 *   is NOT used), leaving n_r non-zero differences; |d| are ranked with ties (exactly equal |d|)
 *   given their average rank; W⁺ = Σ ranks of positive d;
 *     E[W⁺] = n_r(n_r + 1)/4,  Var[W⁺] = n_r(n_r + 1)(2n_r + 1)/24 − Σ_g (t_g³ − t_g)/48
 *   (t_g the size of tie group g), z = (W⁺ − E)/√Var, two-sided p = erfc(|z|/√2).
 *   erfc(x) = Q(1/2, x²) with Q the regularized upper incomplete gamma function (series or Lentz
 *   continued fraction, Numerical Recipes §6.2).
 *
 * Degenerate inputs (documented choices):
 * - length mismatch or any non-finite value: RangeError.
 * - n = 0: everything 0, both p-values 1 (no evidence of a difference).
 * - n = 1: meanDiff = d₁ and CI [d₁, d₁]; the t test needs a variance estimate, so t = 0, df = 0 and
 *   pValue = 1; the Wilcoxon test is computed as usual (z = ±1 when d₁ ≠ 0, since W⁺ ∈ {0, 1}).
 * - n ≥ 2 with all differences equal (s_d 0, or indistinguishable from rounding: s_d ≤ 64·ε·max|d|,
 *   the same rule as sharpe() in stats.ts): when d̄ = 0, t = 0 and pValue = 1; otherwise t = ±Infinity
 *   and pValue = 0 (the limit of the test as the spread of the differences vanishes; scipy does the
 *   same). The Wilcoxon test stays finite in every case (all differences zero: z = 0, p = 1).
 */
import { Rng } from '../rng/rng';
import { mean, sampleStd } from './stats';

export interface BootstrapOptions {
  /** Number of bootstrap resamples B (integer ≥ 1; default 2000). */
  resamples?: number;
  /** Two-sided confidence level in (0, 1) (default 0.95). */
  level?: number;
  /** Seed of the resampling stream (default 0). */
  seed?: number;
  /** Statistic of a sample (default: the arithmetic mean). Must not keep the array it is given. */
  statistic?: (xs: Float64Array) => number;
}

export interface BootstrapCi {
  /** The statistic on the full sample. */
  estimate: number;
  /** Percentile interval bounds. */
  low: number;
  high: number;
  /**
   * Two-sided percentile-bootstrap p-value of "the statistic is 0": the smallest 1 − level at which
   * the percentile interval excludes 0, p = min(1, 2·min(#{θ* ≤ 0} + 1, #{θ* ≥ 0} + 1) / (B + 1))
   * (the +1 keeps p > 0 with finitely many resamples; Davison & Hinkley 1997, §4.4). Meaningful only
   * for statistics whose null value is 0 (differences).
   */
  pZero: number;
}

export interface PairedTestOptions {
  resamples?: number;
  level?: number;
  seed?: number;
}

export interface PairedTestResult {
  /** Number of pairs. */
  n: number;
  /** Mean of d = a − b, and its percentile-bootstrap CI. */
  meanDiff: number;
  ciLow: number;
  ciHigh: number;
  /** Sample std of d (n − 1 denominator; 0 when n < 2). */
  sdDiff: number;
  /**
   * Standardized effect size of the paired difference, Cohen's d_z = d̄ / s_d (J. Cohen, "Statistical
   * Power Analysis for the Behavioral Sciences", 2nd ed., 1988, §2.3.5), with a percentile-bootstrap CI
   * from the same resamples as the mean's CI. 0 when n < 2 or s_d is rounding noise (see the header).
   */
  dz: number;
  dzLow: number;
  dzHigh: number;
  /** Paired Student t statistic, degrees of freedom and two-sided p-value. */
  t: number;
  df: number;
  pValue: number;
  /** Number of non-zero differences used by the signed-rank test. */
  wilcoxonN: number;
  /** Signed-rank z (normal approximation, tie-corrected, zeros discarded) and two-sided p-value. */
  wilcoxonZ: number;
  wilcoxonP: number;
}

export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_LEVEL = 0.95;

// --- Special functions -------------------------------------------------------------------------

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0 (got ${x})`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x); // reflection
  const z = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) s += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

const TINY = 1e-300;
const CF_EPS = 1e-15;
const CF_MAX_ITER = 100_000;

/** Continued fraction of I_x(a, b) (A&S 26.5.8) by modified Lentz; y = 1 − x given separately. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= CF_MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < CF_EPS) return h;
  }
  throw new Error(`incomplete beta: continued fraction did not converge (x=${x}, a=${a}, b=${b})`);
}

/** I_x(a, b) with y = 1 − x passed explicitly (avoids cancellation when x is close to 1). */
function incompleteBeta(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(y);
  const front = Math.exp(lnFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(y, b, a)) / b;
}

/** The regularized incomplete beta function I_x(a, b), x ∈ [0, 1], a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedIncompleteBeta: x must be in [0, 1] (got ${x})`);
  if (!(a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)))
    throw new RangeError(`regularizedIncompleteBeta: a and b must be finite and > 0 (got ${a}, ${b})`);
  return incompleteBeta(x, 1 - x, a, b);
}

/** Q(a, x) = Γ(a, x)/Γ(a), the regularized upper incomplete gamma function, a > 0, x ≥ 0. */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0 && Number.isFinite(a))) throw new RangeError(`regularizedGammaQ: a must be > 0 (got ${a})`);
  if (!(x >= 0)) throw new RangeError(`regularizedGammaQ: x must be ≥ 0 (got ${x})`);
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const lnFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x) = e^{−x} x^a / Γ(a) · Σ_n x^n / (a (a+1) … (a+n)).
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < CF_MAX_ITER; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * CF_EPS) return 1 - sum * Math.exp(lnFront);
    }
    throw new Error(`incomplete gamma: series did not converge (a=${a}, x=${x})`);
  }
  // Continued fraction for Q(a, x) (Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= CF_MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < CF_EPS) return Math.exp(lnFront) * h;
  }
  throw new Error(`incomplete gamma: continued fraction did not converge (a=${a}, x=${x})`);
}

/** Complementary error function erfc(x) = Q(1/2, x²) for x ≥ 0, 2 − erfc(−x) below 0. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x >= 0 ? regularizedGammaQ(0.5, x * x) : 2 - regularizedGammaQ(0.5, x * x);
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Two-sided normal tail P(|Z| ≥ |z|) = erfc(|z|/√2). */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const p = erfc(Math.abs(z) / Math.SQRT2);
  return p > 1 ? 1 : p;
}

/**
 * Two-sided Student t tail P(|T_df| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2), df > 0 (df = Infinity gives
 * the normal tail). ±Infinity gives 0.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`Student t: df must be > 0 (got ${df})`);
  if (Number.isNaN(t)) return Number.NaN;
  if (df === Number.POSITIVE_INFINITY) return normalTwoSidedP(t);
  const t2 = t * t;
  if (t2 === Number.POSITIVE_INFINITY) return 0;
  const s = df + t2;
  return incompleteBeta(df / s, t2 / s, df / 2, 0.5);
}

/** Student t CDF P(T_df ≤ t). */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * studentTTwoSidedP(t, df);
  return t > 0 ? 1 - tail : tail;
}

// --- Bootstrap -----------------------------------------------------------------------------------

function checkFinite(values: ArrayLike<number>, who: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new RangeError(`${who}: value ${i} is ${String(v)} (must be a finite number)`);
  }
}

function resolveResamples(resamples: number | undefined, who: string): number {
  const b = resamples ?? DEFAULT_RESAMPLES;
  if (!(Number.isSafeInteger(b) && b >= 1))
    throw new RangeError(`${who}: resamples must be an integer ≥ 1 (got ${resamples})`);
  return b;
}

function resolveLevel(level: number | undefined, who: string): number {
  const l = level ?? DEFAULT_LEVEL;
  if (!(l > 0 && l < 1)) throw new RangeError(`${who}: level must be in (0, 1) (got ${level})`);
  return l;
}

/** Linearly interpolated quantile (Hyndman & Fan type 7) of an ascending-sorted array; NaN if empty. */
export function quantileType7(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (lo + 1 >= sorted.length) return a;
  const b = sorted[lo + 1]!;
  const f = h - lo;
  return f === 0 || a === b ? a : a + f * (b - a);
}

const meanStatistic = (xs: Float64Array): number => mean(xs);

/**
 * Percentile-bootstrap confidence interval of a statistic (the mean by default) of `values`.
 * Deterministic for a given seed. Throws a RangeError on an empty sample or a non-finite value.
 */
export function bootstrapCi(values: ArrayLike<number>, opts: BootstrapOptions = {}): BootstrapCi {
  const who = 'bootstrapCi';
  const n = values.length;
  if (n === 0) throw new RangeError(`${who}: need at least one value`);
  checkFinite(values, who);
  const resamples = resolveResamples(opts.resamples, who);
  const level = resolveLevel(opts.level, who);
  const seed = opts.seed ?? 0;
  if (!Number.isFinite(seed)) throw new RangeError(`${who}: seed must be finite (got ${seed})`);
  const statistic = opts.statistic ?? meanStatistic;

  const x = Float64Array.from(values);
  const estimate = statistic(Float64Array.from(x));
  const rng = new Rng(seed);
  const buf = new Float64Array(n);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) buf[i] = x[rng.int(n)]!;
    stats[r] = statistic(buf);
  }
  stats.sort();
  const alpha = 1 - level;
  let atOrBelow = 0;
  let atOrAbove = 0;
  for (let r = 0; r < resamples; r++) {
    if (stats[r]! <= 0) atOrBelow++;
    if (stats[r]! >= 0) atOrAbove++;
  }
  const pZero = Math.min(1, (2 * (Math.min(atOrBelow, atOrAbove) + 1)) / (resamples + 1));
  return {
    estimate,
    low: quantileType7(stats, alpha / 2),
    high: quantileType7(stats, 1 - alpha / 2),
    pZero,
  };
}

/**
 * Holm's step-down adjustment of p-values for a family of tests (S. Holm, "A simple sequentially
 * rejective multiple test procedure", Scandinavian Journal of Statistics 6(2), 1979): with the
 * p-values sorted ascending p_(1) ≤ … ≤ p_(m), p̃_(i) = min(1, max_{j ≤ i} (m − j + 1)·p_(j)); rejecting
 * every hypothesis with p̃ ≤ α controls the family-wise error rate at α under any dependence. Returned
 * in the input order; ties keep their input order (the adjusted values are the same either way).
 */
export function holmAdjust(p: readonly number[]): number[] {
  const m = p.length;
  for (const [i, v] of p.entries())
    if (!(v >= 0 && v <= 1)) throw new RangeError(`holmAdjust: p[${i}] must be in [0, 1] (got ${v})`);
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => p[i]! - p[j]! || i - j);
  const out = new Array<number>(m);
  let running = 0;
  for (let r = 0; r < m; r++) {
    const i = order[r]!;
    running = Math.max(running, Math.min(1, (m - r) * p[i]!));
    out[i] = running;
  }
  return out;
}

// --- Paired tests --------------------------------------------------------------------------------

/** True when a dispersion `sd` of `x` is indistinguishable from rounding (as in stats.ts). */
function isRoundingNoise(sd: number, x: Float64Array): boolean {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return sd <= 64 * Number.EPSILON * m;
}

/** Wilcoxon signed-rank z and two-sided p (zeros discarded, average ranks for ties, no correction). */
export function wilcoxonSignedRank(d: ArrayLike<number>): { n: number; z: number; p: number } {
  const abs: number[] = [];
  const pos: boolean[] = [];
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v !== 0) {
      abs.push(Math.abs(v));
      pos.push(v > 0);
    }
  }
  const n = abs.length;
  if (n === 0) return { n: 0, z: 0, p: 1 };
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => abs[i]! - abs[j]! || i - j);
  let wPlus = 0;
  let tieTerm = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && abs[order[end]!] === abs[order[start]!]) end++;
    const tie = end - start;
    const rank = (start + 1 + end) / 2; // average of the 1-based ranks start+1 … end
    for (let k = start; k < end; k++) if (pos[order[k]!]) wPlus += rank;
    if (tie > 1) tieTerm += tie * tie * tie - tie;
    start = end;
  }
  const expected = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const z = (wPlus - expected) / Math.sqrt(variance);
  return { n, z, p: normalTwoSidedP(z) };
}

/**
 * Paired comparison of `a` (agent) and `b` (baseline) measured on the same paths: bootstrap CI of the
 * mean difference a − b, paired Student t test and Wilcoxon signed-rank test (both two-sided). See the
 * header for the degenerate cases.
 */
export function pairedTest(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: PairedTestOptions = {},
): PairedTestResult {
  const who = 'pairedTest';
  if (a.length !== b.length)
    throw new RangeError(`${who}: a and b must have the same length (got ${a.length} and ${b.length})`);
  checkFinite(a, `${who} (a)`);
  checkFinite(b, `${who} (b)`);
  const resamples = resolveResamples(opts.resamples, who);
  const level = resolveLevel(opts.level, who);
  const n = a.length;
  if (n === 0)
    return {
      n: 0,
      meanDiff: 0,
      ciLow: 0,
      ciHigh: 0,
      sdDiff: 0,
      dz: 0,
      dzLow: 0,
      dzHigh: 0,
      t: 0,
      df: 0,
      pValue: 1,
      wilcoxonN: 0,
      wilcoxonZ: 0,
      wilcoxonP: 1,
    };
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = a[i]! - b[i]!;
  checkFinite(d, `${who} (a − b)`);
  const ci = bootstrapCi(d, { resamples, level, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
  const m = ci.estimate;
  const sd = sampleStd(d);
  let t = 0;
  let df = 0;
  let pValue = 1;
  if (n >= 2) {
    df = n - 1;
    if (isRoundingNoise(sd, d)) {
      if (m !== 0) {
        t = m > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
        pValue = 0;
      }
    } else {
      t = m / (sd / Math.sqrt(n));
      pValue = studentTTwoSidedP(t, df);
    }
  }
  const w = wilcoxonSignedRank(d);
  const dzCi = bootstrapCi(d, {
    resamples,
    level,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    statistic: cohenDz,
  });
  return {
    n,
    meanDiff: m,
    ciLow: ci.low,
    ciHigh: ci.high,
    sdDiff: sd,
    dz: dzCi.estimate,
    dzLow: dzCi.low,
    dzHigh: dzCi.high,
    t,
    df,
    pValue,
    wilcoxonN: w.n,
    wilcoxonZ: w.z,
    wilcoxonP: w.p,
  };
}

/** Cohen's d_z of paired differences: mean / sample std; 0 when n < 2 or the std is rounding noise. */
export function cohenDz(d: Float64Array): number {
  if (d.length < 2) return 0;
  const sd = sampleStd(d);
  if (isRoundingNoise(sd, d)) return 0;
  return mean(d) / sd;
}
