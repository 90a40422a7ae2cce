/**
 * Request budgets for the Binance connector, read from the venue at start-up, and the reconnect
 * backoff.
 *
 * Binance publishes its limits in exchangeInfo `rateLimits` (spot: "Limits" in the Spot API's
 * General API Information; USDⓈ-M: "General Info → Limits"): REQUEST_WEIGHT per interval (all
 * requests, weighted) and ORDERS per interval (new orders; on USDⓈ-M futures a modify counts too),
 * intervals SECOND / MINUTE / HOUR / DAY × intervalNum. ccxt keeps the weight budget (its
 * `rateLimit` spacing × per-endpoint cost); this module keeps the ORDERS budget, which ccxt does not:
 * a sliding window per limit, so that any window of the venue's length holds at most `headroom` × its
 * limit of our orders (a sliding window bounds every fixed window of the same length, which is how
 * the venue counts). Windows longer than a minute are kept as fixed-window counters (their limits,
 * e.g. spot's 200,000 per day, are far from what a quoter sends).
 *
 * Backoff: "full" exponential backoff with equal jitter (Brooker, "Exponential Backoff And Jitter",
 * AWS Architecture Blog, 2015): wait = min(cap, base·2^(attempt−1)) · (½ + ½·u), u uniform from a
 * seeded generator (deterministic in tests, spread across clients in use).
 */
import { z } from 'zod';
import { Rng } from '../rng/rng';

const RateLimitRow = z.object({
  rateLimitType: z.string(),
  interval: z.enum(['SECOND', 'MINUTE', 'HOUR', 'DAY']),
  intervalNum: z.number().int().positive(),
  limit: z.number().int().positive(),
});
export type BinanceRateLimit = z.infer<typeof RateLimitRow>;

const ExchangeInfoLimits = z.object({ rateLimits: z.array(RateLimitRow) });

const INTERVAL_MS = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 } as const;

export const windowMs = (r: BinanceRateLimit): number => r.intervalNum * INTERVAL_MS[r.interval];

/** The `rateLimits` of an exchangeInfo answer, checked; the error names the field. */
export function parseRateLimits(exchangeInfo: unknown): BinanceRateLimit[] {
  const r = ExchangeInfoLimits.safeParse(exchangeInfo);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`exchangeInfo.${i.path.join('.')}: ${i.message}`);
  }
  return r.data.rateLimits;
}

/** Orders per second and per 10 s implied by the ORDERS limits (Infinity where there is none). */
export function orderRates(limits: BinanceRateLimit[]): { ordersPerSecond: number; ordersPer10s: number } {
  let perSecond = Infinity;
  let per10s = Infinity;
  for (const r of limits) {
    if (r.rateLimitType !== 'ORDERS') continue;
    const w = windowMs(r);
    perSecond = Math.min(perSecond, (r.limit * 1000) / w);
    if (w <= 10_000) per10s = Math.min(per10s, (r.limit * 10_000) / w);
  }
  return { ordersPerSecond: perSecond, ordersPer10s: per10s };
}

/** The request weight the venue allows per minute (Infinity when it says nothing). */
export function weightPerMinute(limits: BinanceRateLimit[]): number {
  let w = Infinity;
  for (const r of limits)
    if (r.rateLimitType === 'REQUEST_WEIGHT') w = Math.min(w, (r.limit * 60_000) / windowMs(r));
  return w;
}

interface Window {
  ms: number;
  limit: number;
  /** Sliding windows: ring of the last `limit` stamps (ms). */
  ring: Float64Array | null;
  head: number;
  /** Fixed windows: start and count. */
  start: number;
  count: number;
}

const SLIDING_MAX_MS = 60_000;

/**
 * The ORDERS budget: `take(now)` returns how long to wait (0: go now) and records the order at
 * now + wait. No allocation per order.
 */
export class OrderBudget {
  private readonly windows: Window[] = [];

  constructor(limits: BinanceRateLimit[], headroom = 0.9) {
    for (const r of limits) {
      if (r.rateLimitType !== 'ORDERS') continue;
      const limit = Math.max(1, Math.floor(r.limit * headroom));
      const ms = windowMs(r);
      this.windows.push({
        ms,
        limit,
        ring: ms <= SLIDING_MAX_MS ? new Float64Array(limit).fill(-Infinity) : null,
        head: 0,
        start: -Infinity,
        count: 0,
      });
    }
  }

  /** The wait (ms) before an order may go at `now`; the order is counted at now + wait. */
  take(now: number): number {
    let at = now;
    // the latest of the earliest times each window allows
    for (const w of this.windows) {
      if (w.ring !== null) at = Math.max(at, w.ring[w.head]! + w.ms + 1);
      else if (at >= w.start + w.ms) continue;
      else if (w.count >= w.limit) at = Math.max(at, w.start + w.ms);
    }
    for (const w of this.windows) {
      if (w.ring !== null) {
        w.ring[w.head] = at;
        w.head = (w.head + 1) % w.limit;
      } else {
        if (at >= w.start + w.ms) {
          w.start = at;
          w.count = 0;
        }
        w.count++;
      }
    }
    return at - now;
  }
}

/** Exponential backoff with equal jitter from a seeded generator. */
export class Backoff {
  private readonly rng: Rng;

  constructor(
    seed: number,
    readonly baseMs = 250,
    readonly capMs = 30_000,
  ) {
    this.rng = new Rng(seed);
  }

  /** The wait before reconnect attempt `attempt` (1, 2, …). */
  delay(attempt: number): number {
    const exp = Math.min(this.capMs, this.baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
    return exp * (0.5 + 0.5 * this.rng.next());
  }
}
