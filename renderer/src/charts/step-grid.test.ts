import { describe, expect, it } from 'vitest';
import { niceGridWidth, toGrid } from './step-grid';

describe('step grid', () => {
  it('picks the smallest 1/2/5 × 10^n width that keeps the span within maxBuckets', () => {
    expect(niceGridWidth(0, 400)).toBe(1);
    expect(niceGridWidth(400, 400)).toBe(1);
    expect(niceGridWidth(401, 400)).toBe(2); // 1.0025 → 2
    expect(niceGridWidth(4660, 400)).toBe(20); // 11.65 → 20
    expect(niceGridWidth(100_000, 400)).toBe(500); // 250 → 500
  });

  it('fills every bucket: samples at 80, 4430, 4740 on a 1000 grid', () => {
    const g = toGrid(
      [
        { x: 80, y: 1 },
        { x: 4430, y: 5 },
        { x: 4740, y: 6 },
      ],
      1000,
    );
    // Buckets 0 … 4; 1000, 2000, 3000 interpolate between (80, 1) and (4430, 5): 1 + 4·(x − 80)/4350.
    expect(g.map((p) => p.x)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(g[0]?.y).toBe(1);
    expect(g[1]?.y).toBeCloseTo(1 + (4 * 920) / 4350, 12);
    expect(g[3]?.y).toBeCloseTo(1 + (4 * 2920) / 4350, 12);
    expect(g[4]?.y).toBe(6); // 4430 and 4740 share bucket 4000: the last wins
  });

  it('spacing between consecutive times is exactly the width, and samples never go back', () => {
    const pts = [3, 7, 7, 8, 30, 31, 95].map((x, i) => ({ x, y: i }));
    const g = toGrid(pts, 5);
    for (let i = 1; i < g.length; i++) expect((g[i]?.x ?? 0) - (g[i - 1]?.x ?? 0)).toBe(5);
    expect(g[0]?.x).toBe(0);
    expect(g.at(-1)).toEqual({ x: 95, y: 6 });
  });
});
