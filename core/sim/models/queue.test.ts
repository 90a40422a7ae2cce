import { describe, expect, it } from 'vitest';
import { makeQueueModel } from './queue';

describe('queue models', () => {
  it('join behind the level, trades consume the front first and overflow fills us', () => {
    const m = makeQueueModel({ model: 'risk-averse' });
    expect(m.join(30)).toBe(30);
    expect(m.join(0)).toBe(0);
    expect(m.trade(30, 10)).toBe(20);
    expect(m.trade(5, 12)).toBe(-7); // 7 units reach us
  });

  it('risk-averse: cancels never advance us unless the level shrinks below what is ahead', () => {
    const m = makeQueueModel({ model: 'risk-averse' });
    expect(m.decrease(20, 50, 40)).toBe(20);
    expect(m.decrease(20, 50, 15)).toBe(15);
  });

  it('prob-power n = 1: hand-computed split of a cancel between front and back', () => {
    const m = makeQueueModel({ model: 'prob-power', n: 1 });
    // front 20, back 30, cancel 10: p(back) = 30/50 = 0.6, advance (1 − 0.6)·10 = 4 → 16.
    expect(m.decrease(20, 50, 40)).toBeCloseTo(16, 12);
    // Just joined (back 0): every cancel is in front of us.
    expect(m.decrease(20, 20, 15)).toBeCloseTo(15, 12);
    // At the front: nothing ahead stays nothing ahead.
    expect(m.decrease(0, 20, 15)).toBe(0);
    // Overflow: front 10, back 2, cancel 8: p = 2/12, from the back p·c = 1.33 ≤ 2, advance (10/12)·8.
    expect(m.decrease(10, 12, 4)).toBeCloseTo(10 - (10 / 12) * 8, 12);
  });

  it('prob-power n = 2 and prob-log: hand-computed values, and clamps to [0, next]', () => {
    const sq = makeQueueModel({ model: 'prob-power', n: 2 });
    // front 10, back 30: p(back) = 900/1000 = 0.9, cancel 10 → advance 1 → 9.
    expect(sq.decrease(10, 40, 30)).toBeCloseTo(9, 12);
    const lg = makeQueueModel({ model: 'prob-log' });
    const pb = Math.log1p(30) / (Math.log1p(30) + Math.log1p(10));
    expect(lg.decrease(10, 40, 30)).toBeCloseTo(10 - (1 - pb) * 10, 12);
    // Overflow beyond the back: front 5, back 1, cancel 5 with p(back) = 1/26 (n = 2).
    const p = 1 / 26;
    const expected = 5 - (1 - p) * 5 + Math.min(1 - p * 5, 0);
    expect(sq.decrease(5, 6, 1)).toBeCloseTo(Math.min(Math.max(expected, 0), 1), 12);
    expect(sq.decrease(5, 6, 0)).toBe(0);
  });

  it('orders the models: risk-averse ≥ prob-power n=3 ≥ n=1 in what remains ahead', () => {
    const ra = makeQueueModel({ model: 'risk-averse' });
    const p3 = makeQueueModel({ model: 'prob-power', n: 3 });
    const p1 = makeQueueModel({ model: 'prob-power', n: 1 });
    for (const [a, prev, next] of [
      [10, 40, 35],
      [25, 40, 30],
      [5, 100, 60],
    ] as const) {
      expect(ra.decrease(a, prev, next)).toBeGreaterThanOrEqual(p3.decrease(a, prev, next));
    }
    // n = 3 weights the longer side more: with more behind than ahead, fewer cancels are ahead.
    expect(p3.decrease(10, 40, 35)).toBeGreaterThan(p1.decrease(10, 40, 35));
  });

  it('rejects a bad exponent', () => {
    expect(() => makeQueueModel({ model: 'prob-power', n: 0 })).toThrow(/queue.n/);
  });
});
