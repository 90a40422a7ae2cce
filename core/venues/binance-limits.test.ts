import { describe, expect, it } from 'vitest';
import {
  Backoff,
  OrderBudget,
  orderRates,
  parseRateLimits,
  weightPerMinute,
  type BinanceRateLimit,
} from './binance-limits';

const usdm: BinanceRateLimit[] = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
  { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
];

/** Max orders in any window (t − ms, t] over the recorded stamps: the slow reference. */
function maxInWindow(stamps: number[], ms: number): number {
  let max = 0;
  for (const t of stamps) max = Math.max(max, stamps.filter((s) => s > t - ms && s <= t).length);
  return max;
}

describe('Binance limits', () => {
  it('parses exchangeInfo rateLimits and names the bad field', () => {
    expect(parseRateLimits({ rateLimits: usdm, symbols: [] })).toEqual(usdm);
    expect(() => parseRateLimits({ rateLimits: [{ ...usdm[0], interval: 'WEEK' }] })).toThrow(
      /exchangeInfo\.rateLimits\.0\.interval/,
    );
    expect(() => parseRateLimits({})).toThrow(/exchangeInfo\.rateLimits/);
  });

  it('derives orders per second / per 10 s and the weight per minute', () => {
    // 1200/min = 20/s; 300/10 s = 30/s → 20/s; per 10 s: 300
    expect(orderRates(usdm)).toEqual({ ordersPerSecond: 20, ordersPer10s: 300 });
    expect(weightPerMinute(usdm)).toBe(2400);
    // spot: 100 per 10 s, 200,000 per day → 10/s (the day limit is 2.3/s: tighter)
    const spot: BinanceRateLimit[] = [
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200_000 },
    ];
    expect(orderRates(spot).ordersPer10s).toBe(100);
    expect(orderRates(spot).ordersPerSecond).toBeCloseTo(200_000 / 86_400, 9);
    expect(orderRates([])).toEqual({ ordersPerSecond: Infinity, ordersPer10s: Infinity });
  });

  it('the ORDERS budget keeps every sliding window at ≤ 90 % of each limit, and does hold orders back', () => {
    const limits: BinanceRateLimit[] = [
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 1, limit: 10 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 50 },
    ];
    const b = new OrderBudget(limits);
    const stamps: number[] = [];
    let t = 0;
    let waited = 0;
    for (let i = 0; i < 400; i++) {
      t += i % 7 === 0 ? 300 : 3; // bursts
      const w = b.take(t);
      expect(w).toBeGreaterThanOrEqual(0);
      if (w > 0) waited++;
      t += w;
      stamps.push(t);
    }
    expect(maxInWindow(stamps, 1000)).toBeLessThanOrEqual(9);
    expect(maxInWindow(stamps, 10_000)).toBeLessThanOrEqual(45);
    expect(waited).toBeGreaterThan(100);
  });

  it('backoff is exponential with equal jitter, capped, and the same for the same seed', () => {
    const a = new Backoff(3, 100, 1000);
    const b = new Backoff(3, 100, 1000);
    const xs = [1, 2, 3, 4, 5, 6].map((k) => a.delay(k));
    expect([1, 2, 3, 4, 5, 6].map((k) => b.delay(k))).toEqual(xs);
    const caps = [100, 200, 400, 800, 1000, 1000];
    xs.forEach((x, i) => {
      expect(x).toBeGreaterThanOrEqual(caps[i]! / 2);
      expect(x).toBeLessThan(caps[i]!);
    });
    expect(new Backoff(4, 100, 1000).delay(1)).not.toBe(xs[0]);
  });
});
