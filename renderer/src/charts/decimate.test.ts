import { describe, expect, it } from 'vitest';
import { MinMaxDecimator } from './decimate';
import type { XY } from './step-grid';

/** The batch definition of decimate.ts written out naively (slices, reduce), as the reference. */
function reference(p: readonly XY[], maxPoints: number, T: number): XY[] {
  const n = p.length;
  const h = n < 2 * T ? 0 : (Math.floor(n / T) - 1) * T;
  const B = Math.floor((maxPoints - 2 * T + 1) / 2);
  let k = 1;
  while (Math.ceil(h / k) > B) k *= 2;
  const out: XY[] = [];
  for (let j = 0; j * k < h; j++) {
    const b = p.slice(j * k, Math.min(h, (j + 1) * k));
    let lo = 0;
    let hi = 0;
    b.forEach((q, i) => {
      if (q.y < b[lo]!.y) lo = i;
      if (q.y > b[hi]!.y) hi = i;
    });
    for (const i of [...new Set([lo, hi])].sort((a, c) => a - c)) out.push(b[i]!);
  }
  return [...out, ...p.slice(h)];
}

/** A seeded walk with a few large spikes (LCG, so the test needs no RNG module). */
function walk(n: number, seed = 1): XY[] {
  let s = seed;
  const u = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const out: XY[] = [];
  let y = 0;
  let x = 0;
  for (let i = 0; i < n; i++) {
    x += 1 + Math.floor(u() * 50); // irregular steps
    y += u() - 0.5;
    out.push({ x, y: i % 997 === 500 ? y + 1000 : i % 1301 === 77 ? y - 1000 : y });
  }
  return out;
}

describe('MinMaxDecimator', () => {
  it('keeps 6 samples whole, then buckets the head two at a time (hand example, P = 7, T = 2)', () => {
    // B = ⌊(7 − 4 + 1)/2⌋ = 2 buckets. y: 5 1 4 9 2 7 (x = 1 … 6).
    const ys = [5, 1, 4, 9, 2, 7];
    const pts = ys.map((y, i) => ({ x: i + 1, y }));
    const d = new MinMaxDecimator({ maxPoints: 7, tail: 2 });
    const events = pts.map((p) => d.push(p));
    // n = 4: h = (2 − 1)·2 = 2 → a fold; n = 6: h = 4.
    expect(events).toEqual(['append', 'append', 'append', 'fold', 'append', 'fold']);
    // h = 4 → k = 2 (⌈4/1⌉ = 4 > 2): buckets {5, 1} and {4, 9}: min/max in x order; tail 2, 7.
    expect(d.points().map((p) => p.y)).toEqual([5, 1, 4, 9, 2, 7]);
    expect(d.bucketSize).toBe(2);
    d.push({ x: 7, y: 0 });
    d.push({ x: 8, y: 3 }); // n = 8: h = 6, k = 4 (⌈6/2⌉ = 3 > 2): {5 1 4 9} → 1, 9; {2 7} → 2, 7
    expect(d.points().map((p) => p.y)).toEqual([1, 9, 2, 7, 0, 3]);
    expect(d.bucketSize).toBe(4);
  });

  it('incremental equals batch at every length, and matches the naive reference', () => {
    const pts = walk(3000, 7);
    const P = 101;
    const T = 10;
    const inc = new MinMaxDecimator({ maxPoints: P, tail: T });
    let folds = 0;
    pts.forEach((p, i) => {
      if (inc.push(p) === 'fold') folds++;
      if (i % 37 === 0 || i === pts.length - 1) {
        const ref = reference(pts.slice(0, i + 1), P, T);
        expect(inc.points()).toEqual(ref);
        expect(MinMaxDecimator.of(pts.slice(0, i + 1), { maxPoints: P, tail: T }).points()).toEqual(ref);
      }
    });
    // It exercised something: many folds and several doublings of the bucket size.
    expect(folds).toBeGreaterThan(250);
    expect(inc.bucketSize).toBeGreaterThanOrEqual(64);
  });

  it('respects the bound, keeps x strictly increasing and keeps the global extremes', () => {
    for (const n of [10, 999, 4000, 50_000]) {
      const pts = walk(n, n);
      const d = MinMaxDecimator.of(pts, { maxPoints: 500, tail: 64 });
      const out = d.points();
      expect(out.length).toBeLessThanOrEqual(500);
      expect(out.length).toBe(d.length);
      expect(d.first).toBe(out[0]);
      expect(d.last).toBe(out.at(-1));
      for (let i = 1; i < out.length; i++) expect(out[i]!.x).toBeGreaterThan(out[i - 1]!.x);
      const ys = pts.map((p) => p.y);
      const os = out.map((p) => p.y);
      expect(Math.max(...os)).toBe(Math.max(...ys));
      expect(Math.min(...os)).toBe(Math.min(...ys));
      // Every spike of the walk (+1000 / −1000) is still drawn.
      const spikes = pts.filter((p) => Math.abs(p.y) > 500);
      for (const s of spikes) expect(out).toContainEqual(s);
      // The newest samples are there at full resolution.
      expect(out.slice(-64)).toEqual(pts.slice(-64));
      if (n >= 4000) expect(spikes.length).toBeGreaterThan(3);
    }
  });

  it('every point drawn is a sample, in the order of the samples', () => {
    const pts = walk(20_000, 3);
    const out = MinMaxDecimator.of(pts, { maxPoints: 300, tail: 32 }).points();
    let j = 0;
    for (const p of out) {
      while (j < pts.length && pts[j] !== p) j++;
      expect(j).toBeLessThan(pts.length);
    }
  });

  it('ignores samples that do not advance x, and a clone follows the same pushes', () => {
    const d = new MinMaxDecimator({ maxPoints: 50, tail: 4 });
    expect(d.push({ x: 5, y: 1 })).toBe('append');
    expect(d.push({ x: 5, y: 2 })).toBe(false);
    expect(d.push({ x: 4, y: 2 })).toBe(false);
    expect(d.count).toBe(1);
    const c = d.clone();
    for (const p of walk(500, 9).map((q) => ({ x: q.x + 10, y: q.y }))) {
      d.push(p);
      c.push(p);
    }
    expect(c.points()).toEqual(d.points());
  });

  it('refuses a bound that leaves no room for buckets', () => {
    expect(() => new MinMaxDecimator({ maxPoints: 8, tail: 4 })).toThrow(RangeError);
    expect(() => new MinMaxDecimator({ maxPoints: 9, tail: 4 })).not.toThrow();
  });
});
