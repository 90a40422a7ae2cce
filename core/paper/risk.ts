/**
 * Pre-trade risk controls of a paper or live session. Every order the session wants to send passes
 * `check` first; cancels are never blocked (they reduce risk). Limits (Infinity: off):
 * - max inventory: a bid of q lots is refused when position + q > max, an ask when position − q <
 *   −max (the replay's own rule, core/replay/replay-market.ts act(), so paper and replay agree);
 *   a market order is clipped to what stays inside the limit;
 * - max notional: |position + signed q| · price must stay ≤ max (quote currency);
 * - max order rate: a token bucket of `maxOrderRate` tokens per second and that many at most
 *   (a place costs one token), refilled in feed time so a session is deterministic given its feed;
 * - price band: a limit price further than `bandBps` from the mid is refused;
 * - stale data: no order when the book was last received more than `staleMs` ago (local receive
 *   time against the wall clock: the one wall-clock input of a session), or is not in sync;
 * - PnL stop: when the mark-to-market PnL falls to −pnlStop or below, the session halts (cancels
 *   everything and quotes no more) — `breached()` tells it.
 * The kill switch lives in the session (core/paper/session.ts): it cancels every order in one round
 * and optionally flattens.
 *
 * These follow the pre-trade controls of SEC Rule 15c3-5 (the "market access rule": credit/capital
 * thresholds, price collars, order-rate and duplicate-order checks) and FIA's "Best practices for
 * automated trading risk controls" (2024): price bands, max order size, message throttles, kill
 * switches. Allocation-free: `check` writes nothing but the bucket and the counters.
 */
import { z } from 'zod';

const limit = z.number().finite().positive().optional();

/** The limits as configs and the API give them: a missing limit is off. */
export const riskLimitsSchema = z.strictObject({
  /** Lots. */
  maxInventory: limit,
  /** Quote currency. */
  maxNotional: limit,
  /** Orders per second (a place is one order). */
  maxOrderRate: limit,
  /** Basis points from the mid. */
  bandBps: limit,
  /** Milliseconds. */
  staleMs: limit,
  /** Quote currency (a loss of this much halts the session). */
  pnlStop: limit,
});
export type RiskLimitsInput = z.input<typeof riskLimitsSchema>;

/** Resolved limits: Infinity where off. */
export interface RiskLimits {
  maxInventory: number;
  maxNotional: number;
  maxOrderRate: number;
  bandBps: number;
  staleMs: number;
  pnlStop: number;
}

export function resolveLimits(x: RiskLimitsInput = {}): RiskLimits {
  const inf = Number.POSITIVE_INFINITY;
  return {
    maxInventory: x.maxInventory ?? inf,
    maxNotional: x.maxNotional ?? inf,
    maxOrderRate: x.maxOrderRate ?? inf,
    bandBps: x.bandBps ?? inf,
    staleMs: x.staleMs ?? inf,
    pnlStop: x.pnlStop ?? inf,
  };
}

export const NO_LIMITS: RiskLimits = resolveLimits();

/** Why an order was refused ('' = accepted). */
export type RiskBlock = '' | 'inventory' | 'notional' | 'rate' | 'band' | 'stale' | 'pnl-stop' | 'unsynced';

export const RISK_BLOCKS: readonly Exclude<RiskBlock, ''>[] = [
  'inventory',
  'notional',
  'rate',
  'band',
  'stale',
  'pnl-stop',
  'unsynced',
];

export interface RiskContext {
  /** Position in lots. */
  position: number;
  /** Venue units per lot. */
  lotSize: number;
  /** Reference mid (NaN when unknown). */
  mid: number;
  /** Feed time now (ms). */
  feedMs: number;
  /** Wall-clock ms now and the book's local receive time. */
  wallMs: number;
  bookLocalMs: number;
  bookSynced: boolean;
  /** Mark-to-market PnL (quote currency). */
  pnl: number;
}

/** Usage of each limit for the status view: value and limit. */
export interface RiskUsage {
  inventory: number;
  maxInventory: number;
  notional: number;
  maxNotional: number;
  /** Orders sent in the last second of feed time (bucket drain). */
  orderRate: number;
  maxOrderRate: number;
  pnl: number;
  pnlStop: number;
  bookAgeMs: number;
  staleMs: number;
  halted: boolean;
  blocked: Record<Exclude<RiskBlock, ''>, number>;
}

export class RiskEngine {
  private tokens: number;
  private lastRefillMs = Number.NaN;
  private halted = false;
  readonly blocked: Record<Exclude<RiskBlock, ''>, number> = {
    inventory: 0,
    notional: 0,
    rate: 0,
    band: 0,
    stale: 0,
    'pnl-stop': 0,
    unsynced: 0,
  };
  private sentTimes: number[] = [];

  constructor(readonly limits: RiskLimits) {
    this.tokens = Number.isFinite(limits.maxOrderRate) ? limits.maxOrderRate : Number.POSITIVE_INFINITY;
  }

  /** The PnL stop was hit (the session halts: cancel everything, quote no more). */
  breached(ctx: RiskContext): boolean {
    if (!this.halted && ctx.pnl <= -this.limits.pnlStop) this.halted = true;
    return this.halted;
  }

  get isHalted(): boolean {
    return this.halted;
  }

  /** Data-quality gate for the whole decision: '' when quoting is allowed. */
  dataGate(ctx: RiskContext): RiskBlock {
    if (!ctx.bookSynced) return this.block('unsynced');
    if (ctx.wallMs - ctx.bookLocalMs > this.limits.staleMs) return this.block('stale');
    if (this.breached(ctx)) return this.block('pnl-stop');
    return '';
  }

  /**
   * May a limit order of `lots` at `price` (buy: side +1, sell: −1) be sent? Consumes a rate token
   * when it may. `lots` is already clipped by the caller for market orders (clipMarket).
   */
  check(ctx: RiskContext, sign: 1 | -1, lots: number, price: number, isMarket = false): RiskBlock {
    const L = this.limits;
    if (this.halted) return this.block('pnl-stop');
    const after = ctx.position + sign * lots;
    if (!isMarket && (sign > 0 ? after > L.maxInventory : after < -L.maxInventory))
      return this.block('inventory');
    const px = isMarket || !(price > 0) ? ctx.mid : price;
    if (Math.abs(after) * ctx.lotSize * px > L.maxNotional && Math.abs(after) > Math.abs(ctx.position))
      return this.block('notional');
    if (!isMarket && Number.isFinite(L.bandBps)) {
      if (!(ctx.mid > 0) || (Math.abs(price - ctx.mid) / ctx.mid) * 1e4 > L.bandBps)
        return this.block('band');
    }
    if (!this.takeToken(ctx.feedMs)) return this.block('rate');
    return '';
  }

  /** A market order of `lots` (signed) clipped to stay within max inventory (the replay's rule). */
  clipMarket(position: number, lots: number): number {
    const max = this.limits.maxInventory;
    if (lots > 0 && position + lots > max) return Math.max(0, max - position);
    if (lots < 0 && position + lots < -max) return Math.min(0, -max - position);
    return lots;
  }

  private takeToken(feedMs: number): boolean {
    const rate = this.limits.maxOrderRate;
    if (!Number.isFinite(rate)) {
      this.noteSent(feedMs);
      return true;
    }
    if (this.lastRefillMs === this.lastRefillMs) {
      const dt = (feedMs - this.lastRefillMs) / 1000;
      if (dt > 0) this.tokens = Math.min(rate, this.tokens + dt * rate);
    }
    this.lastRefillMs = feedMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.noteSent(feedMs);
    return true;
  }

  private noteSent(feedMs: number): void {
    const s = this.sentTimes;
    s.push(feedMs);
    while (s.length > 0 && s[0]! <= feedMs - 1000) s.shift();
    if (s.length > 10_000) s.splice(0, s.length - 10_000);
  }

  private block(b: Exclude<RiskBlock, ''>): RiskBlock {
    this.blocked[b]++;
    return b;
  }

  usage(ctx: RiskContext): RiskUsage {
    const L = this.limits;
    const s = this.sentTimes;
    let recent = 0;
    for (let i = s.length - 1; i >= 0 && s[i]! > ctx.feedMs - 1000; i--) recent++;
    return {
      inventory: ctx.position,
      maxInventory: L.maxInventory,
      notional: Math.abs(ctx.position) * ctx.lotSize * (ctx.mid > 0 ? ctx.mid : 0),
      maxNotional: L.maxNotional,
      orderRate: recent,
      maxOrderRate: L.maxOrderRate,
      pnl: ctx.pnl,
      pnlStop: L.pnlStop,
      bookAgeMs: ctx.wallMs - ctx.bookLocalMs,
      staleMs: L.staleMs,
      halted: this.halted,
      blocked: { ...this.blocked },
    };
  }
}
