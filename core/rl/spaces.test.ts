import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { box, contains, flatDim, sample } from './spaces';

describe('Box', () => {
  it('validates its bounds and shape', () => {
    expect(() => box([0, 1], [1])).toThrow(/low has 2/);
    expect(() => box([2], [1])).toThrow(/low <= high/);
    expect(() => box([0, 0], [1, 1], [3])).toThrow(/shape/);
    const b = box([0, 0, 0, 0], [1, 1, 1, 1], [2, 2]);
    expect(b.shape).toEqual([2, 2]);
    expect(flatDim(b)).toBe(4);
  });

  it('samples inside bounded boxes, reproducibly from a seed', () => {
    const b = box([-1, 0.5], [1, 3]);
    const rng = new Rng(5);
    const out = new Float64Array(2);
    for (let i = 0; i < 1000; i++) expect(contains(b, sample(b, rng, out))).toBe(true);
    expect(Array.from(sample(b, new Rng(9)))).toEqual(Array.from(sample(b, new Rng(9))));
  });

  it('samples unbounded and half-bounded coordinates (normal, shifted exponential)', () => {
    const b = box(
      [Number.NEGATIVE_INFINITY, 2, Number.NEGATIVE_INFINITY],
      [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, -1],
    );
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const x = sample(b, rng);
      expect(Number.isFinite(x[0])).toBe(true);
      expect(x[1]).toBeGreaterThanOrEqual(2);
      expect(x[2]).toBeLessThanOrEqual(-1);
      expect(contains(b, x)).toBe(true);
    }
  });

  it('contains: size, bounds and NaN', () => {
    const b = box([0, 0], [1, 1]);
    expect(contains(b, [0, 1])).toBe(true);
    expect(contains(b, [0, 1.0001])).toBe(false);
    expect(contains(b, [0])).toBe(false);
    expect(contains(b, [Number.NaN, 0])).toBe(false);
  });
});
