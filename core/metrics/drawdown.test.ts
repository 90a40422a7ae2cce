import { describe, expect, it } from 'vitest';
import { calmar, maxDrawdown, maxDrawdownDuration } from './drawdown';

describe('maxDrawdown', () => {
  it('hand values', () => {
    // peaks 0 → 3 (falls to 1: 2) → 4 (falls to −2: 6) → 5
    expect(maxDrawdown([0, 3, 1, 4, -2, 5])).toBe(6);
    // peak 2, trough 1 (1); peak 3, trough 0 (3)
    expect(maxDrawdown(new Float64Array([0, 2, 1, 1.5, 2, 3, 0, 1]))).toBe(3);
    expect(maxDrawdown([5, 4, 3])).toBe(2);
  });

  it('edge cases: empty, single, constant, increasing → 0', () => {
    expect(maxDrawdown([])).toBe(0);
    expect(maxDrawdown([7])).toBe(0);
    expect(maxDrawdown([1, 1, 1])).toBe(0);
    expect(maxDrawdown([1, 2, 3])).toBe(0);
  });
});

describe('maxDrawdownDuration', () => {
  it('hand values', () => {
    const t = [0, 1, 2, 3, 4, 5, 6, 7];
    // peak 2 at t=1, under water at t=2,3, regained (2 ≥ 2) at t=4 → 3;
    // peak 3 at t=5, under water to the end (t=7) → 2. Longest: 3.
    expect(maxDrawdownDuration(t, [0, 2, 1, 1.5, 2, 3, 0, 1])).toBe(3);
    // non-uniform time: peak 1 at t=0, regained only at t=10 → 10
    expect(maxDrawdownDuration([0, 0.5, 2, 10], [1, 0, 0.5, 1.2])).toBe(10);
    // flat at the peak: the episode starts at the last sample at the peak (t=1), ends at t=3 → 2
    expect(maxDrawdownDuration([0, 1, 2, 3], [1, 1, 0, 1])).toBe(2);
    // never recovers: from the peak at t=0 to the end t=2
    expect(maxDrawdownDuration([0, 1, 2], [3, 2, 1])).toBe(2);
  });

  it('edge cases', () => {
    expect(maxDrawdownDuration([], [])).toBe(0);
    expect(maxDrawdownDuration([0], [1])).toBe(0);
    expect(maxDrawdownDuration([0, 1, 2], [1, 1, 1])).toBe(0);
    expect(maxDrawdownDuration([0, 1, 2], [1, 2, 3])).toBe(0);
    expect(() => maxDrawdownDuration([0, 1], [1])).toThrow(/samples/);
  });
});

describe('calmar', () => {
  it('annualised mean increment over max drawdown; 0 without drawdown', () => {
    expect(calmar(0.5, 252, 10)).toBeCloseTo(12.6, 12); // 0.5·252/10
    expect(calmar(1, 252, 0)).toBe(0);
  });
});
