/**
 * Order management for paper and live sessions: client order ids, the order state machine, fills
 * deduplicated by trade id, idempotent retries, and reconciliation with the venue.
 *
 * - Client order ids: `<prefix><counter>` (prefix: "qb" + up to 12 characters of the session id +
 *   "-", ≤ 36 characters in all, Binance's limit). Deterministic given the session: a recovered
 *   session continues the counter from its journal. Every order of ours carries the prefix, so an
 *   order of the prefix that we do not know is an orphan (a crash between send and journal, or a
 *   retry whose first attempt did arrive) and reconciliation cancels it.
 * - State machine (core/venues/venue.ts ORDER_TRANSITIONS): pending → open → partially-filled →
 *   filled / cancelled / rejected / expired. An update in the current state with the same filled
 *   amount is a duplicate (ignored); one of lower rank than the current state, or with less filled
 *   than we know, is out of order (ignored); any other move not in the table is illegal: reported
 *   (onReport) and not applied.
 * - Fills: keyed by the venue's trade id; a trade id seen before is a duplicate and ignored. The
 *   position (lots) and cash are the sum of the fills.
 * - Idempotent place: a place that fails with a retryable error (timeout, lost ack, 429, 5xx) may
 *   or may not have reached the venue; before sending again the order is looked up by its
 *   clientOrderId, and a retry resends the SAME id (the venue refuses a second live order with it).
 *   So a retry never creates a second order.
 * - Journal first: every order event and fill goes to the journal (core/paper/journal.ts) before the
 *   state changes or anyone is told (listeners, the quoter, the UI).
 *
 * Sources: FIX 4.4 OrdStatus semantics (New / Partially filled / Filled / Canceled / Rejected /
 * Expired), ccxt's unified order statuses, NautilusTrader's order FSM (illegal transitions are
 * errors, duplicates are not).
 */
import {
  ORDER_STATUS_RANK,
  isLegalTransition,
  isTerminal,
  isVenueError,
  type OrderSide,
  type OrderStatus,
  type OrderType,
  type OrderUpdate,
  type Venue,
  type VenueFill,
} from '../venues/venue';

export interface ManagedOrder {
  clientOrderId: string;
  venueOrderId: string;
  side: OrderSide;
  type: OrderType;
  price: number;
  amount: number;
  filled: number;
  remaining: number;
  avgPrice: number;
  status: OrderStatus;
  reason: string;
  /** A cancel was sent (the order may still fill until it is confirmed). */
  cancelRequested: boolean;
  exchangeTimeMs: number;
}

/** What the OMS journals (implemented by core/paper/journal.ts; a no-op in unit tests). */
export interface OmsJournal {
  order(kind: OrderEventKind, o: ManagedOrder): void;
  fill(f: VenueFill): void;
  note(kind: string, message: string): void;
}

export type OrderEventKind = 'submit' | 'update' | 'cancel-request' | 'retry' | 'recovered';

export type UpdateOutcome = 'applied' | 'duplicate' | 'stale' | 'illegal' | 'unknown' | 'orphan';

export interface OmsReport {
  kind: 'illegal-transition' | 'orphan' | 'discrepancy' | 'retry' | 'duplicate-fill' | 'unknown-fill';
  message: string;
}

export interface OmsOptions {
  venue: Venue;
  /** Session id: the client-id prefix is derived from it. */
  sessionId: string;
  journal: OmsJournal;
  /** Retries of a retryable failure (default 3). */
  retries?: number;
  /** Backoff before retry n (ms): base · 2^(n−1), capped at 2 s (default base 100). */
  backoffMs?: number;
  /** Venue units per lot (position in lots). */
  lotSize: number;
  onReport?: (r: OmsReport) => void;
  /** Told after a fill was journaled and applied. */
  onFill?: (f: VenueFill) => void;
  onOrder?: (o: ManagedOrder) => void;
  /** Waits (injected in tests); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export function clientIdPrefix(sessionId: string): string {
  return `qb${sessionId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}-`;
}

export interface ReconcileReport {
  discrepancies: string[];
  orphansCancelled: number;
  venuePositionLots: number;
  localPositionLots: number;
}

export class OrderManager {
  readonly prefix: string;
  private counter = 0;
  readonly orders = new Map<string, ManagedOrder>();
  private readonly tradeIds = new Set<string>();
  /** Orders whose submit() is still running (their ack may be on its way: not a discrepancy). */
  private readonly inFlight = new Set<string>();
  /**
   * Set by the kill switch (halt()): a limit order whose submit was still in flight when the
   * cancel-all went out may reach the venue after it, so it is cancelled as soon as its ack is in.
   */
  private halted = false;
  /** Position (lots) and cash (quote currency) from the fills. */
  position = 0;
  cash = 0;
  fillCount = 0;
  readonly reports: OmsReport[] = [];
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: OmsOptions) {
    this.prefix = clientIdPrefix(o.sessionId);
    this.retries = o.retries ?? 3;
    this.backoffMs = o.backoffMs ?? 100;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  nextClientId(): string {
    return `${this.prefix}${++this.counter}`;
  }

  /** Continue the id counter after recovery (ids above `n` are new). */
  resumeCounter(n: number): void {
    if (n > this.counter) this.counter = n;
  }

  ownsId(clientOrderId: string): boolean {
    return clientOrderId.startsWith(this.prefix);
  }

  /** Orders not in a terminal state. */
  openOrders(): ManagedOrder[] {
    const out: ManagedOrder[] = [];
    for (const m of this.orders.values()) if (!isTerminal(m.status)) out.push(m);
    return out;
  }

  /** The side's working order (not terminal, no cancel sent), if any. */
  working(side: OrderSide): ManagedOrder | null {
    for (const m of this.orders.values())
      if (m.side === side && m.type === 'limit' && !isTerminal(m.status) && !m.cancelRequested) return m;
    return null;
  }

  private report(kind: OmsReport['kind'], message: string): void {
    const r = { kind, message };
    this.reports.push(r);
    if (this.reports.length > 1000) this.reports.splice(0, 500);
    this.o.journal.note(kind, message);
    this.o.onReport?.(r);
  }

  // ——— venue → us ———

  /** Apply an order update from the venue (a push, an ack, or a lookup answer). */
  applyUpdate(u: OrderUpdate): UpdateOutcome {
    const m = this.orders.get(u.clientOrderId);
    if (m === undefined) {
      if (this.ownsId(u.clientOrderId)) {
        this.report('orphan', `venue reports ${u.clientOrderId} (${u.status}) that this session never sent`);
        return 'orphan';
      }
      return 'unknown';
    }
    if (u.status === m.status && u.filled === m.filled) {
      if (u.venueOrderId !== '' && m.venueOrderId === '') m.venueOrderId = u.venueOrderId;
      return 'duplicate';
    }
    const rankNew = ORDER_STATUS_RANK[u.status];
    const rankCur = ORDER_STATUS_RANK[m.status];
    if (rankNew < rankCur || (u.filled < m.filled && !isTerminal(u.status))) return 'stale';
    if (u.status !== m.status && !isLegalTransition(m.status, u.status)) {
      this.report(
        'illegal-transition',
        `${u.clientOrderId}: ${m.status} → ${u.status} is not a legal transition (update ignored)`,
      );
      return 'illegal';
    }
    const next: ManagedOrder = {
      ...m,
      status: u.status,
      venueOrderId: u.venueOrderId !== '' ? u.venueOrderId : m.venueOrderId,
      filled: Math.max(m.filled, u.filled),
      avgPrice: u.avgPrice === u.avgPrice ? u.avgPrice : m.avgPrice,
      reason: u.reason,
      exchangeTimeMs: u.exchangeTimeMs,
    };
    next.remaining = isTerminal(next.status) ? 0 : Math.max(0, next.amount - next.filled);
    this.o.journal.order('update', next);
    this.orders.set(m.clientOrderId, next);
    this.o.onOrder?.(next);
    return 'applied';
  }

  /** Apply a fill (deduplicated by trade id). Returns false for a duplicate. */
  applyFill(f: VenueFill): boolean {
    if (this.tradeIds.has(f.tradeId)) {
      this.report('duplicate-fill', `fill ${f.tradeId} seen before (ignored)`);
      return false;
    }
    const m = this.orders.get(f.clientOrderId);
    if (m === undefined)
      this.report(
        'unknown-fill',
        `fill ${f.tradeId} of ${f.clientOrderId || 'an unknown order'} (applied to the position)`,
      );
    this.o.journal.fill(f);
    this.tradeIds.add(f.tradeId);
    this.applyFillToAccount(f);
    if (m !== undefined && !isTerminal(m.status)) {
      const filled = m.filled + f.amount;
      if (filled > m.filled) {
        m.avgPrice =
          m.filled > 0 && m.avgPrice === m.avgPrice
            ? (m.avgPrice * m.filled + f.price * f.amount) / filled
            : f.price;
        m.filled = Math.min(m.amount, filled);
        m.remaining = Math.max(0, m.amount - m.filled);
      }
    }
    this.o.onFill?.(f);
    return true;
  }

  private applyFillToAccount(f: VenueFill): void {
    const sign = f.side === 'buy' ? 1 : -1;
    this.position += (sign * f.amount) / this.o.lotSize;
    this.cash -= sign * f.price * f.amount + f.fee;
    this.fillCount++;
  }

  hasFill(tradeId: string): boolean {
    return this.tradeIds.has(tradeId);
  }

  // ——— us → venue ———

  /** Send a new order; returns it in its state after the venue answered (or rejected). */
  async submit(req: {
    side: OrderSide;
    type: OrderType;
    price: number;
    amount: number;
    postOnly: boolean;
  }): Promise<ManagedOrder> {
    const id = this.nextClientId();
    const m: ManagedOrder = {
      clientOrderId: id,
      venueOrderId: '',
      side: req.side,
      type: req.type,
      price: req.price,
      amount: req.amount,
      filled: 0,
      remaining: req.amount,
      avgPrice: Number.NaN,
      status: 'pending',
      reason: '',
      cancelRequested: false,
      exchangeTimeMs: this.o.venue.now(),
    };
    this.o.journal.order('submit', m);
    this.orders.set(id, m);
    this.inFlight.add(id);
    try {
      return await this.send(id, req);
    } finally {
      this.inFlight.delete(id);
      if (this.halted && req.type === 'limit' && !isTerminal(this.orders.get(id)!.status))
        await this.cancel(id).catch((e: unknown) =>
          this.report('discrepancy', `cancel ${id} after the kill: ${(e as Error).message}`),
        );
    }
  }

  /** The kill switch: from now on, limit orders still in flight are cancelled once acknowledged. */
  halt(): void {
    this.halted = true;
  }

  private async send(
    id: string,
    req: { side: OrderSide; type: OrderType; price: number; amount: number; postOnly: boolean },
  ): Promise<ManagedOrder> {
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = await this.o.venue.place({ clientOrderId: id, ...req });
        this.applyUpdate(ack);
        return this.orders.get(id)!;
      } catch (e) {
        if (!isVenueError(e) || !e.retryable || attempt >= this.retries) {
          const reason = e instanceof Error ? e.message : String(e);
          if (isVenueError(e) && e.retryable) {
            // Out of retries and unknown whether it arrived: one last lookup decides.
            const found = await this.lookup(id);
            if (found !== null) {
              this.applyUpdate(found);
              return this.orders.get(id)!;
            }
          }
          this.applyUpdate(rejectedUpdate(this.orders.get(id)!, reason));
          return this.orders.get(id)!;
        }
        this.report('retry', `place ${id}: ${e.message} (attempt ${attempt + 1}); looking it up first`);
        const found = await this.lookup(id);
        if (found !== null) {
          this.applyUpdate(found);
          return this.orders.get(id)!;
        }
        this.o.journal.order('retry', this.orders.get(id)!);
        await this.sleep(Math.max(e.retryAfterMs, Math.min(2000, this.backoffMs * 2 ** attempt)));
      }
    }
  }

  /** The venue's view of an order, or null (lookup failures count as "not known"). */
  private async lookup(id: string): Promise<OrderUpdate | null> {
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        return await this.o.venue.fetchOrder(id);
      } catch (e) {
        if (!isVenueError(e) || !e.retryable) return null;
        await this.sleep(Math.min(2000, this.backoffMs * 2 ** attempt));
      }
    }
    return null;
  }

  /** Ask the venue to cancel an order (retried; a not-found answer is resolved by a lookup). */
  async cancel(id: string): Promise<void> {
    const m = this.orders.get(id);
    if (m === undefined || isTerminal(m.status)) return;
    m.cancelRequested = true;
    this.o.journal.order('cancel-request', m);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.o.venue.cancel(id);
        return;
      } catch (e) {
        if (isVenueError(e, 'not-found')) {
          const found = await this.lookup(id);
          if (found !== null) this.applyUpdate(found);
          else if (!isTerminal(this.orders.get(id)!.status))
            this.applyUpdate({
              ...toUpdate(this.orders.get(id)!),
              status: 'cancelled',
              reason: 'unknown to the venue',
            });
          return;
        }
        if (!isVenueError(e) || !e.retryable || attempt >= this.retries) throw e;
        this.report('retry', `cancel ${id}: ${e.message} (attempt ${attempt + 1})`);
        await this.sleep(Math.max(e.retryAfterMs, Math.min(2000, this.backoffMs * 2 ** attempt)));
      }
    }
  }

  /**
   * Cancel every open order in ONE round of requests: the venue's cancelAll when it has one, else
   * every cancel in parallel. Returns the number of requests sent.
   */
  async cancelAll(): Promise<number> {
    const open = this.openOrders();
    for (const m of open) {
      m.cancelRequested = true;
      this.o.journal.order('cancel-request', m);
    }
    if (this.o.venue.capabilities.cancelAll) {
      await this.o.venue.cancelAll();
      return 1;
    }
    // An order still in flight may not be at the venue yet: a cancel now could find nothing and
    // leave it to land open afterwards; submit() cancels it once acknowledged when halted.
    const known = open.filter((m) => !this.inFlight.has(m.clientOrderId));
    await Promise.all(known.map((m) => this.cancel(m.clientOrderId).catch(() => undefined)));
    return known.length;
  }

  /**
   * Compare our open orders and position with the venue's (on connect and every reconnect): venue
   * orders of our prefix that we do not know are cancelled (orphans); ours that the venue no longer
   * has open are looked up and their final state applied; a position mismatch is reported.
   */
  async reconcile(): Promise<ReconcileReport> {
    const venue = this.o.venue;
    const discrepancies: string[] = [];
    const open = await venue.fetchOpenOrders();
    const venueIds = new Set<string>();
    let orphans = 0;
    for (const u of open) {
      venueIds.add(u.clientOrderId);
      if (!this.ownsId(u.clientOrderId)) continue;
      const m = this.orders.get(u.clientOrderId);
      if (m === undefined) {
        discrepancies.push(`orphan order ${u.clientOrderId} open at the venue: cancelled`);
        try {
          await venue.cancel(u.clientOrderId);
          orphans++;
        } catch (e) {
          discrepancies.push(`orphan ${u.clientOrderId}: cancel failed: ${(e as Error).message}`);
        }
        continue;
      }
      if (this.inFlight.has(u.clientOrderId)) this.applyUpdate(u);
      else if (m.status !== u.status || m.filled !== u.filled) {
        discrepancies.push(
          `${u.clientOrderId}: local ${m.status} filled ${m.filled}, venue ${u.status} filled ${u.filled}`,
        );
        this.applyUpdate(u);
      }
    }
    for (const m of this.openOrders()) {
      if (venueIds.has(m.clientOrderId) || this.inFlight.has(m.clientOrderId)) continue;
      const found = await this.lookup(m.clientOrderId);
      if (found === null) {
        discrepancies.push(
          `${m.clientOrderId} (${m.status} locally) is unknown to the venue: marked rejected`,
        );
        this.applyUpdate(rejectedUpdate(m, 'unknown to the venue at reconciliation'));
      } else if (found.status !== m.status) {
        discrepancies.push(`${m.clientOrderId}: local ${m.status}, venue ${found.status}`);
        this.applyUpdate(found);
      }
    }
    const pos = await venue.fetchPosition();
    const venueLots = pos.amount / this.o.lotSize;
    if (Math.abs(venueLots - this.position) > 1e-9 * Math.max(1, Math.abs(venueLots)))
      discrepancies.push(`position: local ${this.position} lots, venue ${venueLots} lots`);
    for (const d of discrepancies) this.report('discrepancy', d);
    return {
      discrepancies,
      orphansCancelled: orphans,
      venuePositionLots: venueLots,
      localPositionLots: this.position,
    };
  }

  // ——— recovery ———

  /** Rebuild from the journal: the last state of every order, the fills (position, dedup set). */
  restore(orders: Iterable<ManagedOrder>, fills: Iterable<VenueFill>, counter: number): void {
    for (const m of orders) this.orders.set(m.clientOrderId, { ...m });
    for (const f of fills) {
      if (this.tradeIds.has(f.tradeId)) continue;
      this.tradeIds.add(f.tradeId);
      this.applyFillToAccount(f);
    }
    this.resumeCounter(counter);
  }
}

function toUpdate(m: ManagedOrder): OrderUpdate {
  return {
    clientOrderId: m.clientOrderId,
    venueOrderId: m.venueOrderId,
    status: m.status,
    side: m.side,
    type: m.type,
    price: m.price,
    amount: m.amount,
    filled: m.filled,
    remaining: m.remaining,
    avgPrice: m.avgPrice,
    reason: m.reason,
    exchangeTimeMs: m.exchangeTimeMs,
    localTimeMs: Date.now(),
  };
}

function rejectedUpdate(m: ManagedOrder, reason: string): OrderUpdate {
  return { ...toUpdate(m), status: m.status === 'pending' ? 'rejected' : 'expired', reason };
}
