import { describe, expect, it } from 'vitest';
import { MinMaxGrid, niceGridWidth, toGrid, toMinMaxGrid } from './step-grid';

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

describe('min/max step grid', () => {
  it('draws each bucket as its min and max in x order, interpolating empty buckets (slot 5)', () => {
    // Buckets of 10: [0, 10) holds 1@1, 9@3, −4@7 → max first (x 3), then min (x 7): slots 0 → 9, 5 → −4.
    // [10, 20) is empty: the line from (7, −4) to (26, 15) at x 10 and 15: −4 + 19·3/19 = −1, −4 + 19·8/19 = 4.
    // [20, 30) holds 15@26 alone: both slots 15.
    const g = toMinMaxGrid(
      [
        { x: 1, y: 1 },
        { x: 3, y: 9 },
        { x: 7, y: -4 },
        { x: 26, y: 15 },
      ],
      5,
    );
    expect(g).toEqual([
      { x: 0, y: 9 },
      { x: 5, y: -4 },
      { x: 10, y: -1 },
      { x: 15, y: 4 },
      { x: 20, y: 15 },
      { x: 25, y: 15 },
    ]);
  });

  it('keeps every spike and the regular spacing; incremental emits rebuild the batch result', () => {
    const pts = Array.from({ length: 5000 }, (_, i) => ({
      x: 3 + i * 7 + (i % 3),
      y: i % 611 === 300 ? 100 : i % 887 === 10 ? -100 : Math.sin(i / 50),
    }));
    const slot = 50;
    const g = toMinMaxGrid(pts, slot);
    for (let i = 1; i < g.length; i++) expect((g[i]?.x ?? 0) - (g[i - 1]?.x ?? 0)).toBe(slot);
    const ys = g.map((p) => p.y);
    expect(ys.filter((y) => y === 100).length).toBe(pts.filter((p) => p.y === 100).length);
    expect(ys.filter((y) => y === -100).length).toBe(pts.filter((p) => p.y === -100).length);
    // What a chart would hold after the emits (update(point, replace) semantics).
    const drawn = new Map<number, number>();
    const grid = new MinMaxGrid(slot);
    let replaced = 0;
    for (const p of pts)
      grid.push(p, (x, y, replace) => {
        if (replace) {
          expect(drawn.has(x)).toBe(true);
          replaced++;
        }
        drawn.set(x, y);
      });
    expect(replaced).toBeGreaterThan(10);
    expect([...drawn].map(([x, y]) => ({ x, y }))).toEqual(g);
  });
});
