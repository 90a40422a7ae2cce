import { describe, expect, it } from 'vitest';
import type { FillMark } from '../stores/replay-store';
import { aggregateFills } from './fill-markers';

const fill = (t: number, side: 'buy' | 'sell'): FillMark => ({ t, price: 100, size: 1, side });

describe('aggregateFills', () => {
  it('counts the fills of one bar per side: one marker each instead of a column', () => {
    const fills = [...Array.from({ length: 30 }, () => fill(60, 'buy')), fill(60, 'sell'), fill(120, 'sell')];
    expect(aggregateFills(fills, 60, 1, 0)).toEqual([
      { time: 60, side: 'buy', count: 30 },
      { time: 60, side: 'sell', count: 1 },
      { time: 120, side: 'sell', count: 1 },
    ]);
  });

  it('groups `group` bars (aligned on multiples of the group) and keeps every fill counted', () => {
    // 5 s bars, groups of 4 bars = 20 s: bars 0–3 → 0, 4–7 → 20, 8–11 → 40.
    const fills = [5, 10, 15, 20, 35, 40, 55].map((t) => fill(t, 'buy'));
    const agg = aggregateFills(fills, 5, 4, 5);
    // The first group starts before the chart's first bar (5): placed at 5, an existing bar.
    expect(agg).toEqual([
      { time: 5, side: 'buy', count: 3 },
      { time: 20, side: 'buy', count: 2 },
      { time: 40, side: 'buy', count: 2 },
    ]);
    expect(agg.reduce((n, m) => n + m.count, 0)).toBe(fills.length);
  });

  it('bounds the markers by two per group whatever the number of fills', () => {
    const fills: FillMark[] = [];
    for (let i = 0; i < 400; i++) fills.push(fill(i % 100, i % 2 === 0 ? 'buy' : 'sell'));
    const agg = aggregateFills(fills, 1, 10, 0);
    expect(agg.length).toBeLessThanOrEqual(2 * 10); // 100 bars / 10 per group × 2 sides
    expect(agg.reduce((n, m) => n + m.count, 0)).toBe(400);
  });
});
