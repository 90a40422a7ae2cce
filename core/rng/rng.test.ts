import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed } from './rng';

describe('Rng (xoshiro128**)', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 8 }, () => a.nextU32());
    const xb = Array.from({ length: 8 }, () => b.nextU32());
    const xc = Array.from({ length: 8 }, () => c.nextU32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('pins the first outputs for seed 1 (golden: changing the generator must be deliberate)', () => {
    const r = new Rng(1);
    const first = [r.nextU32(), r.nextU32(), r.nextU32()];
    const again = new Rng(1);
    expect([again.nextU32(), again.nextU32(), again.nextU32()]).toEqual(first);
    expect(first.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    expect(first).toMatchInlineSnapshot(`
      [
        418128060,
        3712186797,
        1764717425,
      ]
    `);
  });

  it('produces uniforms with the right moments on (0,1)', () => {
    const r = new Rng(7);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      sum += u;
      sumSq += u * u;
      if (u < min) min = u;
      if (u > max) max = u;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sumSq / n - mean * mean).toBeCloseTo(1 / 12, 2);
    expect(min).toBeGreaterThan(0);
    expect(max).toBeLessThan(1);
  });

  it('produces standard normals and exponentials with the right moments', () => {
    const r = new Rng(11);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let e = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      e += r.exponential(4);
    }
    expect(s / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
    expect(e / n).toBeCloseTo(0.25, 2);
  });

  it('poisson and geometric have the right means', () => {
    const r = new Rng(5);
    let p = 0;
    let g = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      p += r.poisson(3.5);
      g += r.geometric(0.25);
    }
    expect(p / n).toBeCloseTo(3.5, 1);
    expect(g / n).toBeCloseTo(4, 1);
  });

  it('deriveSeed separates streams by key and is order-sensitive', () => {
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
    expect(deriveSeed(9, 4)).toBe(deriveSeed(9, 4));
  });
});
