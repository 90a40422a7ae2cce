import { describe, expect, it } from 'vitest';
import { Ema, emaSeries } from './ema';

describe('EMA smoothing', () => {
  it('is debiased: the first value is the first sample, then weighted means with weights ∝ wⁿ⁻ⁱ', () => {
    const s = emaSeries(
      [
        { x: 10, y: 4 },
        { x: 20, y: 0 },
        { x: 30, y: 10 },
      ],
      0.5,
    );
    expect(s.map((p) => p.x)).toEqual([10, 20, 30]);
    expect(s[0]?.y).toBeCloseTo(4, 12);
    // (0.5·4 + 1·0) / (0.5 + 1) = 2/1.5
    expect(s[1]?.y).toBeCloseTo(2 / 1.5, 12);
    // (0.25·4 + 0.5·0 + 1·10) / (0.25 + 0.5 + 1) = 11/1.75
    expect(s[2]?.y).toBeCloseTo(11 / 1.75, 12);
  });

  it('weight 0 is the raw curve; a constant stays constant; reset starts over', () => {
    expect(
      emaSeries(
        [
          { x: 1, y: 3 },
          { x: 2, y: -7 },
        ],
        0,
      ).map((p) => p.y),
    ).toEqual([3, -7]);
    const e = new Ema(0.9);
    for (let i = 0; i < 50; i++) expect(e.push(2.5)).toBeCloseTo(2.5, 12);
    e.reset();
    expect(e.push(-1)).toBeCloseTo(-1, 12);
  });

  it('damps alternating noise: the smoothed swing is far below the raw one', () => {
    const raw = Array.from({ length: 200 }, (_, i) => ({ x: i, y: i % 2 === 0 ? 1 : -1 }));
    const tail = emaSeries(raw, 0.9).slice(100);
    const swing = Math.max(...tail.map((p) => p.y)) - Math.min(...tail.map((p) => p.y));
    expect(swing).toBeLessThan(0.25); // raw swing 2; steady state ±(1−w)/(1+w) ≈ ±0.053
  });

  it('rejects a weight outside [0, 1)', () => {
    expect(() => new Ema(1)).toThrow(RangeError);
    expect(() => new Ema(-0.1)).toThrow(RangeError);
  });
});
