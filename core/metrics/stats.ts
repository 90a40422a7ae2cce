/**
 * Sample statistics and return-based risk measures on plain arrays (building blocks of
 * run-metrics.ts; definitions and conventions in docs/metrics.md).
 *
 * References for the measures: W. F. Sharpe, "The Sharpe ratio", J. Portfolio Management 21(1)
 * (1994) 49–58; F. A. Sortino & L. N. Price, "Performance measurement in a downside risk
 * framework", J. Investing 3(3) (1994) 59–64; historical VaR/ES as in C. Acerbi & D. Tasche, "On the
 * coherence of expected shortfall", J. Banking & Finance 26(7) (2002) 1487–1503 (ES as the mean of the
 * losses beyond the VaR quantile; our finite-sample version averages the sample tail).
 *
 * Conventions: inputs are finite numbers; functions return 0 (never NaN) where a statistic is
 * undefined (empty input, n < 2 for the sample std, zero dispersion), so that results files and
 * tables stay numeric. The ratios here are per observation (per session when the sample is one final
 * PnL per path, per bar when it is bar increments); annualisation is the caller's, on a stated basis
 * (run-metrics.ts, annualization.ts).
 */

/** Arithmetic mean; 0 for an empty array. */
export function mean(x: ArrayLike<number>): number {
  const n = x.length;
  if (n === 0) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] as number;
  return s / n;
}

/** Sample standard deviation with the n − 1 denominator (two-pass); 0 for n < 2. */
export function sampleStd(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return 0;
  const m = mean(x);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - m;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

/** Downside deviation about 0 with the full-sample denominator: √(Σ min(x_i, 0)² / n); 0 if empty. */
export function downsideDeviation(x: ArrayLike<number>): number {
  const n = x.length;
  if (n === 0) return 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    if (v < 0) ss += v * v;
  }
  return Math.sqrt(ss / n);
}

/** Largest |x_i|; 0 if empty. */
function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] as number));
  return m;
}

/**
 * True when a dispersion `d` of data `x` is indistinguishable from floating-point rounding (a
 * constant series has a computed std of a few ulps, not exactly 0).
 */
function isRoundingNoise(d: number, x: ArrayLike<number>): boolean {
  return d <= 64 * Number.EPSILON * maxAbs(x);
}

/**
 * Sharpe ratio of a sample, not annualised: mean / sampleStd (zero risk-free rate: the values are PnL,
 * not excess returns of invested capital). 0 if n < 2 or the std is 0 (to rounding).
 */
export function sharpeRatio(x: ArrayLike<number>): number {
  const sd = sampleStd(x);
  if (x.length < 2 || isRoundingNoise(sd, x)) return 0;
  return mean(x) / sd;
}

/**
 * Sortino ratio of a sample, not annualised: mean / downsideDeviation (target 0, full-sample
 * denominator). 0 if empty or if no value is negative (downside deviation 0).
 */
export function sortinoRatio(x: ArrayLike<number>): number {
  const dd = downsideDeviation(x);
  if (dd === 0) return 0;
  return mean(x) / dd;
}

/** Share of the non-zero values that are positive; 0 if all are zero or the input is empty. */
export function winRate(x: ArrayLike<number>): number {
  let pos = 0;
  let nonZero = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    if (v !== 0) {
      nonZero++;
      if (v > 0) pos++;
    }
  }
  return nonZero === 0 ? 0 : pos / nonZero;
}

/**
 * Empirical lower quantile of an ascending-sorted sample: x_(m) with m = max(1, ⌈n·p⌉) (1-based), the
 * inverse of the empirical CDF (Hyndman & Fan type 1): the smallest sample value v with
 * #{x ≤ v}/n ≥ p. No interpolation. n·p is taken to within 1e−9 so that e.g. 100·(1 − 0.95) is 5,
 * not 5.000000000000004. NaN if the sample is empty.
 */
export function empiricalQuantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile: p must be in [0, 1], got ${p}`);
  const m = Math.min(n, Math.max(1, Math.ceil(n * p - 1e-9)));
  return sorted[m - 1] as number;
}

export interface VarEs {
  /** Value at risk: −(empirical (1 − level)-quantile), a positive number when that quantile is a loss. */
  var: number;
  /** Expected shortfall: −(mean of the samples ≤ that quantile). ES ≥ VaR always. */
  es: number;
}

/**
 * Historical VaR and ES at confidence `level` (e.g. 0.95, 0.99) of an ascending-sorted sample, reported
 * as positive losses (see `historicalVarEs`). {0, 0} for an empty sample.
 */
export function historicalVarEsSorted(sorted: ArrayLike<number>, level: number): VarEs {
  if (!(level > 0 && level < 1)) throw new Error(`VaR/ES: level must be in (0, 1), got ${level}`);
  const n = sorted.length;
  if (n === 0) return { var: 0, es: 0 };
  const q = empiricalQuantileSorted(sorted, 1 - level);
  let s = 0;
  let c = 0;
  for (let i = 0; i < n && (sorted[i] as number) <= q; i++) {
    s += sorted[i] as number;
    c++;
  }
  return { var: 0 - q, es: 0 - s / c }; // 0 − x, not −x: no −0 in results files
}

/**
 * Historical VaR and ES of `samples` (PnL increments: gains positive) at confidence `level`:
 * VaR = −Q(1 − level) with Q the empirical lower quantile above, ES = −mean{x ≤ Q(1 − level)}
 * (ties at the quantile included). Both are losses reported as positive numbers; a negative VaR means
 * even the (1 − level) tail is a gain.
 */
export function historicalVarEs(samples: ArrayLike<number>, level: number): VarEs {
  const sorted = Float64Array.from(samples as ArrayLike<number>).sort();
  return historicalVarEsSorted(sorted, level);
}

/**
 * The k-th smallest element (0-based) of `a`, by in-place quickselect (Hoare partition, median-of-three
 * pivot): O(n) expected, versus O(n log n) for sorting. `a` is reordered.
 */
export function kthSmallestInPlace(a: Float64Array, k: number): number {
  if (!(k >= 0 && k < a.length)) throw new RangeError(`kthSmallest: k=${k} outside [0, ${a.length})`);
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * The same VaR/ES as `historicalVarEs`, in O(n) time: the quantile by selection, then one pass for
 * the mean of the samples at or below it. `scratch` (same length as samples) is overwritten.
 */
export function historicalVarEsSelect(samples: Float64Array, level: number, scratch: Float64Array): VarEs {
  if (!(level > 0 && level < 1)) throw new Error(`VaR/ES: level must be in (0, 1), got ${level}`);
  const n = samples.length;
  if (n === 0) return { var: 0, es: 0 };
  const m = Math.min(n, Math.max(1, Math.ceil(n * (1 - level) - 1e-9)));
  scratch.set(samples);
  const q = kthSmallestInPlace(scratch.subarray(0, n), m - 1);
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i]!;
    if (x <= q) {
      s += x;
      c++;
    }
  }
  return { var: 0 - q, es: 0 - s / c };
}
