import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng/rng';
import { RunningNormalizer } from './normalizer';

/** k rows of dim features with very different scales and offsets (a hard case for naive sums). */
function data(seed: number, k: number, dim: number): Float64Array[] {
  const rng = new Rng(seed);
  const rows: Float64Array[] = [];
  for (let r = 0; r < k; r++) {
    const x = new Float64Array(dim);
    for (let i = 0; i < dim; i++) x[i] = 1e6 * i + 10 ** (i - 1) * rng.normal() + (i === 0 ? 3 : 0);
    rows.push(x);
  }
  return rows;
}

function twoPass(rows: Float64Array[], dim: number): { mean: number[]; variance: number[] } {
  const mean: number[] = [];
  const variance: number[] = [];
  for (let i = 0; i < dim; i++) {
    let s = 0;
    for (const x of rows) s += x[i]!;
    const m = s / rows.length;
    let ss = 0;
    for (const x of rows) ss += (x[i]! - m) ** 2;
    mean.push(m);
    variance.push(ss / rows.length);
  }
  return { mean, variance };
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, rel: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Math.abs(x - y) > rel * Math.max(Math.abs(y), 1e-300))
      throw new Error(`entry ${i}: ${x} vs ${y} (relative tolerance ${rel})`);
  }
}

describe('RunningNormalizer', () => {
  const dim = 4;
  const rows = data(11, 5000, dim);
  const ref = twoPass(rows, dim);

  it('matches a two-pass mean and population variance on random data (Welford)', () => {
    const n = new RunningNormalizer(dim);
    for (const x of rows) n.update(x);
    expect(n.count).toBe(5000);
    expectClose(n.mean(), ref.mean, 1e-12);
    expectClose(n.variance(), ref.variance, 1e-9);
  });

  it('merge (Chan et al.) of unequal parts equals the single pass; updateBatch agrees in both forms', () => {
    const a = new RunningNormalizer(dim);
    const b = new RunningNormalizer(dim);
    const c = new RunningNormalizer(dim);
    rows.slice(0, 700).forEach((x) => a.update(x));
    rows.slice(700, 3100).forEach((x) => b.update(x));
    rows.slice(3100).forEach((x) => c.update(x));
    a.merge(b);
    a.merge(c);
    a.merge(new RunningNormalizer(dim)); // merging an empty summary changes nothing
    expect(a.count).toBe(5000);
    expectClose(a.mean(), ref.mean, 1e-12);
    expectClose(a.variance(), ref.variance, 1e-9);
    expect(b.count).toBe(2400); // the merged-in normalizer is unchanged

    const flat = new Float64Array(rows.length * dim);
    rows.forEach((x, r) => flat.set(x, r * dim));
    const f = new RunningNormalizer(dim);
    f.updateBatch(flat.subarray(0, 1000 * dim));
    f.updateBatch(flat.subarray(1000 * dim));
    expectClose(f.mean(), ref.mean, 1e-12);
    expectClose(f.variance(), ref.variance, 1e-9);
    const g = new RunningNormalizer(dim);
    g.update(rows[0]!);
    g.updateBatch(rows.slice(1));
    expectClose(g.variance(), ref.variance, 1e-9);

    // Self-merge doubles the count and keeps mean and variance.
    const s = new RunningNormalizer(dim);
    rows.slice(0, 100).forEach((x) => s.update(x));
    const v = s.variance();
    s.merge(s);
    expect(s.count).toBe(200);
    expectClose(s.variance(), v, 1e-12);
  });

  it('round-trips through JSON exactly, frozen flag included', () => {
    const n = new RunningNormalizer(dim, { epsilon: 1e-6 });
    rows.slice(0, 333).forEach((x) => n.update(x));
    n.freeze();
    const back = RunningNormalizer.fromJSON(JSON.parse(JSON.stringify(n)));
    expect(back.toJSON()).toEqual(n.toJSON());
    expect(Array.from(back.mean())).toEqual(Array.from(n.mean()));
    expect(Array.from(back.variance())).toEqual(Array.from(n.variance()));
    expect(back.frozen).toBe(true);
    expect(back.epsilon).toBe(1e-6);
    const x = rows[4000]!;
    expect(Array.from(back.normalize(x, new Float64Array(dim)))).toEqual(
      Array.from(n.normalize(x, new Float64Array(dim))),
    );
    // Continuing after a restore gives the same statistics as never having stopped.
    back.unfreeze();
    n.unfreeze();
    rows.slice(333, 400).forEach((r) => {
      back.update(r);
      n.update(r);
    });
    expect(back.toJSON()).toEqual(n.toJSON());

    const bad = n.toJSON();
    expect(() => RunningNormalizer.fromJSON({ ...bad, mean: [1, 2] })).toThrow(/dim = 4/);
    expect(() => RunningNormalizer.fromJSON({ ...bad, m2: [1, 2, -1, 0] })).toThrow(/m2\.2/);
    expect(() => RunningNormalizer.fromJSON({ ...bad, version: 2 })).toThrow(/version/);
    expect(() => RunningNormalizer.fromJSON({ ...bad, extra: 1 })).toThrow(/RunningNormalizer\.fromJSON/);
    expect(() => RunningNormalizer.fromJSON(null)).toThrow(/RunningNormalizer\.fromJSON/);
  });

  it('normalizes to z-scores and clips; identity before data; constant features map to 0', () => {
    const n = new RunningNormalizer(2, { epsilon: 0 });
    const out = new Float64Array(2);
    expect(Array.from(n.normalize([0.5, -9], out, 5))).toEqual([0.5, -5]); // mean 0, var 1 before data
    for (const v of [1, 5, 1, 5]) n.update([v, 7]); // mean 3, var 4 (std 2); constant 7
    expect(Array.from(n.normalize([5, 7], out))).toEqual([1, 0]);
    expect(Array.from(n.normalize([-1, 7], out))).toEqual([-2, 0]);
    expect(Array.from(n.normalize([203, 8], out, 3))).toEqual([3, 3]); // clipped to ±3 (zero var, ε = 0)
    expect(Array.from(n.normalize([-197, 6], out, 3))).toEqual([-3, -3]);
    expect(Array.from(n.normalize([23, 7], out))).toEqual([5, 0]); // default clip 5
    expect(n.normalize([23, 7], out, Number.POSITIVE_INFINITY)[0]).toBe(10);
    const inPlace = Float64Array.of(5, 7);
    expect(n.normalize(inPlace, inPlace)).toBe(inPlace);
    expect(Array.from(inPlace)).toEqual([1, 0]);
    expect(() => n.normalize([1, 2], out, 0)).toThrow(/clip/);
  });

  it('rejects NaN / ±Infinity and dimension mismatches with clear errors, changing nothing', () => {
    const n = new RunningNormalizer(3);
    n.update([1, 2, 3]);
    const before = n.toJSON();
    expect(() => n.update([1, Number.NaN, 3])).toThrow(
      'RunningNormalizer.update: feature 1 is NaN (must be finite)',
    );
    expect(() => n.update([1, 2, Number.POSITIVE_INFINITY])).toThrow(/feature 2 is Infinity/);
    expect(() => n.update([1, 2])).toThrow('RunningNormalizer.update: input has 2 entries, expected dim = 3');
    expect(() => n.updateBatch([1, 2, 3, 4, 5, Number.NaN])).toThrow(/row 1 feature 2 is NaN/);
    expect(() => n.updateBatch([1, 2, 3, 4])).toThrow(/not a multiple of dim 3/);
    expect(() =>
      n.updateBatch([
        [1, 2, 3],
        [4, 5],
      ]),
    ).toThrow(/updateBatch \(row 1\): input has 2 entries/);
    expect(() => n.normalize([1, Number.NaN, 3], new Float64Array(3))).toThrow(/normalize: feature 1 is NaN/);
    expect(() => n.normalize([1, 2, 3], new Float64Array(4))).toThrow(/out has 4 entries/);
    expect(() => n.merge(new RunningNormalizer(2))).toThrow(/dim 2 does not match this dim 3/);
    expect(() => new RunningNormalizer(0)).toThrow(/dim must be a positive integer/);
    expect(n.toJSON()).toEqual(before);
  });

  it('freeze() stops updates (still validating) and refuses merges', () => {
    const n = new RunningNormalizer(2);
    n.update([1, 1]);
    n.update([3, 5]);
    n.freeze();
    const before = n.toJSON();
    n.update([100, 100]);
    n.updateBatch([7, 7, 8, 8]);
    expect(n.toJSON()).toEqual(before);
    expect(() => n.update([Number.NaN, 0])).toThrow(/NaN/);
    const other = new RunningNormalizer(2);
    other.update([0, 0]);
    expect(() => n.merge(other)).toThrow(/frozen/);
    n.unfreeze();
    n.update([2, 3]);
    expect(n.count).toBe(3);
    expect(Array.from(n.mean())).toEqual([2, 3]);
  });
});
