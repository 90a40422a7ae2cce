import { describe, expect, it } from 'vitest';
import {
  bootstrapCi,
  cohenDz,
  erfc,
  holmAdjust,
  logGamma,
  normalCdf,
  pairedTest,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTTwoSidedP,
  wilcoxonSignedRank,
} from './inference';

describe('special functions', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(0.1)).toBeCloseTo(Math.log(9.513507698668732), 12);
    // Stirling check at a large argument: ln Γ(101) = ln(100!)
    let lnFact = 0;
    for (let k = 2; k <= 100; k++) lnFact += Math.log(k);
    expect(logGamma(101) / lnFact).toBeCloseTo(1, 13);
  });

  it('regularized incomplete beta: closed forms', () => {
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b.
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedIncompleteBeta(0.7, 3, 1)).toBeCloseTo(0.7 ** 3, 14);
    expect(regularizedIncompleteBeta(0.2, 1, 4)).toBeCloseTo(1 - 0.8 ** 4, 14);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    // Symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
    const x = 0.37;
    expect(regularizedIncompleteBeta(x, 2.5, 7) + regularizedIncompleteBeta(1 - x, 7, 2.5)).toBeCloseTo(
      1,
      13,
    );
    expect(() => regularizedIncompleteBeta(1.2, 1, 1)).toThrow(RangeError);
  });

  it('erfc and the normal CDF', () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(1)).toBeCloseTo(0.15729920705028513, 14);
    expect(erfc(-1)).toBeCloseTo(1.8427007929497148, 14);
    expect(erfc(5) / 1.5374597944280349e-12).toBeCloseTo(1, 10);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 13);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
  });

  it('Student t: textbook critical values and closed forms', () => {
    // t_{0.975, 10} = 2.228 (tables): two-sided p ≈ 0.05 (exact 0.0500117718…).
    expect(studentTTwoSidedP(2.228, 10)).toBeCloseTo(0.05001177181711132, 12);
    // Large df → normal: t = 1.96, df = 1e6 gives 0.0499960675…, close to the normal 0.0499957903.
    expect(studentTTwoSidedP(1.96, 1e6)).toBeCloseTo(0.04999606758526985, 10);
    expect(studentTTwoSidedP(1.96, Number.POSITIVE_INFINITY)).toBeCloseTo(0.04999579029644087, 13);
    // df = 1 is Cauchy: P(|T| ≥ t) = 1 − (2/π)·atan|t|.
    for (const t of [0.1, 1, 3.7, -12, 250])
      expect(studentTTwoSidedP(t, 1)).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(Math.abs(t)), 13);
    // df = 2: F(t) = 1/2 + t / (2√(2 + t²)).
    for (const t of [-4, -0.5, 0.8, 6])
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 13);
    // Other reference values (scipy.stats.t).
    expect(studentTCdf(-3.5, 3)).toBeCloseTo(0.019740518809641387, 13);
    expect(studentTCdf(0.3, 7.5)).toBeCloseTo(0.6138386707156109, 13);
    expect(studentTCdf(-40, 4) / 1.1670081613006339e-6).toBeCloseTo(1, 10);
    expect(studentTTwoSidedP(6, 200) / 9.115120348810346e-9).toBeCloseTo(1, 9);
    expect(studentTTwoSidedP(0, 5)).toBe(1);
    expect(studentTTwoSidedP(Number.POSITIVE_INFINITY, 5)).toBe(0);
    expect(studentTCdf(0, 9)).toBe(0.5);
  });
});

describe('bootstrapCi', () => {
  const xs = [3.1, -0.4, 2.2, 5.9, 1.0, 0.3, -2.5, 4.4, 1.7, 0.9, 2.8, -1.1];

  it('is deterministic per seed, brackets the mean, and narrows with the level', () => {
    const a = bootstrapCi(xs, { seed: 7 });
    expect(bootstrapCi(xs, { seed: 7 })).toEqual(a);
    expect(bootstrapCi(xs, { seed: 8 })).not.toEqual(a);
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(a.estimate).toBeCloseTo(m, 14);
    expect(a.low).toBeLessThan(m);
    expect(a.high).toBeGreaterThan(m);
    const narrow = bootstrapCi(xs, { seed: 7, level: 0.5 });
    expect(narrow.low).toBeGreaterThan(a.low);
    expect(narrow.high).toBeLessThan(a.high);
    // The bootstrap SE of the mean is ≈ s/√n; a 95% percentile interval is ≈ ±1.96 of it.
    let ss = 0;
    for (const x of xs) ss += ((x - m) * (x - m)) / xs.length; // plug-in variance
    const se = Math.sqrt(ss / xs.length);
    expect((a.high - a.low) / (2 * 1.96 * se)).toBeGreaterThan(0.85);
    expect((a.high - a.low) / (2 * 1.96 * se)).toBeLessThan(1.15);
  });

  it('supports another statistic and degenerate samples', () => {
    const median = (v: Float64Array): number => {
      const s = Float64Array.from(v).sort();
      return s[(s.length - 1) >> 1]!;
    };
    const r = bootstrapCi(xs, { statistic: median, resamples: 500 });
    expect(r.estimate).toBe(1.0);
    expect(r.low).toBeLessThanOrEqual(1.0);
    expect(r.high).toBeGreaterThanOrEqual(1.0);
    expect(bootstrapCi([4.2])).toEqual({ estimate: 4.2, low: 4.2, high: 4.2, pZero: 2 / 2001 });
    const c = bootstrapCi([0.1, 0.1, 0.1]); // the mean of three 0.1 rounds to 0.10000000000000002
    expect(c.estimate).toBeCloseTo(0.1, 15);
    expect(c.low).toBe(c.estimate);
    expect(c.high).toBe(c.estimate);
    expect(() => bootstrapCi([])).toThrow(RangeError);
    expect(() => bootstrapCi([1, Number.NaN])).toThrow(/value 1/);
    expect(() => bootstrapCi([1, 2], { resamples: 0 })).toThrow(RangeError);
    expect(() => bootstrapCi([1, 2], { level: 1 })).toThrow(RangeError);
  });

  it('uses common resamples for equal-length data under one seed', () => {
    // A shifted copy's interval is the shifted interval.
    const shifted = xs.map((x) => x + 10);
    const a = bootstrapCi(xs, { seed: 3, resamples: 300 });
    const b = bootstrapCi(shifted, { seed: 3, resamples: 300 });
    expect(b.low - 10).toBeCloseTo(a.low, 12);
    expect(b.high - 10).toBeCloseTo(a.high, 12);
  });
});

describe('pairedTest', () => {
  // Hand-computed: d = a − b = [2, 0, −1, 4, 3, 2].
  //   mean 10/6, Σ(d − d̄)² = 17⅓, s² = 3.4667, s = 1.86190, se = s/√6 = 0.760117,
  //   t = 1.66667/0.760117 = 2.19265 with df 5 → p = 0.07983 (tables: t_{0.95,5} = 2.015,
  //   t_{0.975,5} = 2.571, so 0.05 < p < 0.10).
  //   Wilcoxon (zero dropped): |d| = 2, 1, 4, 3, 2 → ranks 2.5, 1, 5, 4, 2.5; W⁺ = 14, n_r = 5,
  //   E = 7.5, Var = 5·6·11/24 − (2³ − 2)/48 = 13.625, z = 6.5/√13.625 = 1.76094, p = 0.07825.
  const a = [5, 7, 6, 9, 4, 8];
  const b = [3, 7, 7, 5, 1, 6];

  it('matches the hand-computed example', () => {
    const r = pairedTest(a, b, { seed: 1 });
    expect(r.n).toBe(6);
    expect(r.meanDiff).toBeCloseTo(10 / 6, 14);
    expect(r.sdDiff).toBeCloseTo(Math.sqrt(52 / 15), 14);
    expect(r.df).toBe(5);
    expect(r.t).toBeCloseTo(2.1926450482675732, 12);
    expect(r.pValue).toBeCloseTo(0.07983012632564225, 10);
    expect(r.wilcoxonN).toBe(5);
    expect(r.wilcoxonZ).toBeCloseTo(6.5 / Math.sqrt(13.625), 13);
    expect(r.wilcoxonP).toBeCloseTo(0.0782481864330958, 10);
    expect(r.ciLow).toBeLessThan(r.meanDiff);
    expect(r.ciHigh).toBeGreaterThan(r.meanDiff);
    expect(r.ciLow).toBeGreaterThanOrEqual(-1);
    expect(r.ciHigh).toBeLessThanOrEqual(4);
    // Swapping a and b flips the signs and keeps the p-values.
    const s = pairedTest(b, a, { seed: 1 });
    expect(s.t).toBeCloseTo(-r.t, 12);
    expect(s.pValue).toBeCloseTo(r.pValue, 14);
    expect(s.wilcoxonZ).toBeCloseTo(-r.wilcoxonZ, 14);
    expect(s.wilcoxonP).toBeCloseTo(r.wilcoxonP, 14);
    expect(pairedTest(a, b, { seed: 1 })).toEqual(r);
  });

  it('handles degenerate inputs as documented', () => {
    const same = pairedTest([1, 2, 3], [1, 2, 3]);
    expect(same).toMatchObject({ meanDiff: 0, ciLow: 0, ciHigh: 0, t: 0, df: 2, pValue: 1 });
    expect(same).toMatchObject({ wilcoxonN: 0, wilcoxonZ: 0, wilcoxonP: 1 });
    const shift = pairedTest([1.5, 2.5, 3.5, 4.5], [1, 2, 3, 4]);
    expect(shift.meanDiff).toBe(0.5);
    expect(shift.t).toBe(Number.POSITIVE_INFINITY);
    expect(shift.pValue).toBe(0);
    expect(shift.wilcoxonZ).toBeCloseTo(2, 14); // all ranks tied at 2.5: z = √n
    expect(Number.isFinite(shift.wilcoxonP)).toBe(true);
    const neg = pairedTest([0.1, 0.2, 0.3], [0.2, 0.3, 0.4]); // constant −0.1 up to rounding
    expect(neg.t).toBe(Number.NEGATIVE_INFINITY);
    expect(neg.pValue).toBe(0);
    const one = pairedTest([3], [1]);
    expect(one).toMatchObject({ n: 1, meanDiff: 2, ciLow: 2, ciHigh: 2, t: 0, df: 0, pValue: 1 });
    expect(one.wilcoxonZ).toBe(1);
    const none = pairedTest([], []);
    expect(none).toMatchObject({ n: 0, meanDiff: 0, pValue: 1, wilcoxonP: 1 });
    expect(() => pairedTest([1, 2], [1])).toThrow(/same length/);
    expect(() => pairedTest([1, Number.POSITIVE_INFINITY], [1, 2])).toThrow(RangeError);
    expect(() => pairedTest([1, 2], [Number.NaN, 2])).toThrow(RangeError);
  });

  it('Wilcoxon handles ties and zeros (wilcox zero method)', () => {
    // d = [0, 0, 1, −1, 2]: zeros dropped; |d| = 1, 1, 2 → ranks 1.5, 1.5, 3; W⁺ = 4.5, n = 3,
    // E = 3, Var = 3·4·7/24 − (8 − 2)/48 = 3.375.
    const w = wilcoxonSignedRank([0, 0, 1, -1, 2]);
    expect(w.n).toBe(3);
    expect(w.z).toBeCloseTo(1.5 / Math.sqrt(3.375), 14);
  });
});

describe('holmAdjust', () => {
  it('matches the step-down adjustment computed by hand', () => {
    // sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → running max 0.06
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    const want = [0.03, 0.06, 0.06, 0.02];
    adj.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 15));
  });
  it('caps at 1, keeps a single test unchanged and is monotone in the raw p-values', () => {
    expect(holmAdjust([0.5, 0.6])).toEqual([1, 1]);
    expect(holmAdjust([0.037])).toEqual([0.037]);
    expect(holmAdjust([])).toEqual([]);
    const raw = [0.2, 0.001, 0.04, 0.03, 0.5, 0.0001];
    const adj = holmAdjust(raw);
    for (let i = 0; i < raw.length; i++) {
      expect(adj[i]!).toBeGreaterThanOrEqual(raw[i]!);
      for (let j = 0; j < raw.length; j++)
        if (raw[i]! <= raw[j]!) expect(adj[i]!).toBeLessThanOrEqual(adj[j]!);
    }
  });
  it('is never less conservative than Bonferroni-by-rank and never more than Bonferroni', () => {
    const raw = [0.012, 0.0004, 0.3, 0.02];
    const adj = holmAdjust(raw);
    raw.forEach((p, i) => expect(adj[i]!).toBeLessThanOrEqual(Math.min(1, p * raw.length) + 1e-15));
  });
  it('rejects values outside [0, 1]', () => {
    expect(() => holmAdjust([0.1, 1.2])).toThrow(/p\[1\]/);
    expect(() => holmAdjust([Number.NaN])).toThrow(RangeError);
  });
});

describe('bootstrap p-value of zero and Cohen d_z', () => {
  it('pZero is 2/(B+1) when every resample is on one side, near 1 for data centred on 0', () => {
    expect(bootstrapCi([1, 2, 3, 4], { resamples: 999 }).pZero).toBeCloseTo(2 / 1000, 15);
    expect(bootstrapCi([-1, -2, -3], { resamples: 999 }).pZero).toBeCloseTo(2 / 1000, 15);
    expect(bootstrapCi([-1, 1, -2, 2, -3, 3], { resamples: 2000, seed: 4 }).pZero).toBeGreaterThan(0.8);
  });
  it('d_z = mean / sample std of the differences, with its CI around it', () => {
    expect(cohenDz(Float64Array.from([1, 2, 3]))).toBeCloseTo(2, 15);
    expect(cohenDz(Float64Array.from([5]))).toBe(0);
    expect(cohenDz(Float64Array.from([2, 2, 2]))).toBe(0);
    const a = [3.1, 2.7, 4.0, 3.3, 2.9, 3.8, 3.0, 3.6];
    const b = [2.9, 2.8, 3.1, 3.0, 2.5, 3.2, 3.1, 3.0];
    const r = pairedTest(a, b, { seed: 1 });
    const d = a.map((x, i) => x - b[i]!);
    const m = d.reduce((s, x) => s + x, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1));
    expect(r.dz).toBeCloseTo(m / sd, 12);
    expect(r.dz).toBeCloseTo(r.t / Math.sqrt(d.length), 12); // t = d_z·√n
    expect(r.dzLow).toBeLessThan(r.dz);
    expect(r.dzHigh).toBeGreaterThan(r.dz);
  });
});
