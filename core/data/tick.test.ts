import { describe, expect, it } from 'vitest';
import { TickFinder } from './tick';

describe('TickFinder', () => {
  it('finds the smallest gap between distinct decimal prices despite binary rounding', () => {
    const f = new TickFinder();
    for (const p of [585.33, 585.32, 585.33, 585.35, Number.NaN, Number.POSITIVE_INFINITY]) f.add(p);
    expect(f.distinct).toBe(3);
    expect(f.tick()).toBe(0.01);
    const btc = new TickFinder();
    for (const p of [61800.3, 61800.1, 61800.4]) btc.add(p);
    expect(btc.tick()).toBe(0.1);
  });

  it('is NaN with fewer than two distinct prices', () => {
    const f = new TickFinder();
    expect(f.tick()).toBeNaN();
    f.add(100);
    f.add(100);
    expect(f.tick()).toBeNaN();
  });
});
