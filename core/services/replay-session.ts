/**
 * A live, paced run of one quoter in a market (./session-market.ts: the book-mode simulator, or a
 * recorded dataset replayed), for the order-book view: the session advances market time at `speed` ×
 * wall time (0 = as fast as the machine allows, in slices that
 * keep the event loop responsive), counts every background book update, and emits coalesced batches
 * (`book.snapshot`) at most `maxBatchesPerSec` times a second: the ladder after the last update, our
 * orders with their queue positions, the trades since the previous batch, and a thinned trail of
 * (t, mid, our bid, our ask) for the chart. Pause, resume, step (one simulator event, or one recorded
 * event of a dataset), seek and stop.
 *
 * Seek: the path restarts from time 0 (the same seed: the simulator's path and a dataset's tape are
 * deterministic) and runs, quoter and all, to the target time in the same bounded slices, recording no
 * trades or trail; then the session shows the book there (paused, or running again if it was). The
 * state says `seeking` meanwhile; step and resume wait for the seek to end.
 *
 * Bounded: the simulation runs in slices of at most ~8 ms (2000 events, then the wall clock is read),
 * so `stop` and `pause` take effect at the next tick. An error out of the simulator or the quoter
 * (e.g. a NonFiniteError, core/sim/guards.ts) stops the session (status 'stopped', `onError`) instead
 * of escaping from a timer callback and taking the process down.
 */
import type {
  AppliedEvent,
  BookSnapshot,
  LadderLevel,
  ReplayState,
  ReplayStatus,
  TradeView,
} from '../api/contract';
import { createDepthBuffers } from '../book/order-book';
import { BUY, SELL, type Side } from '../domain/side';
import { ADVANCE_DELIVERY, ADVANCE_END, type BookScenario } from '../sim/book-sim';
import { clearDecision } from '../sim/simulator';
import type { Quoter } from '../strategy/quoter';
import { emptyDecision, emptyObservation } from '../strategy/quoter';
import { SimulatedMarket, type OurOrderState, type SessionMarket } from './session-market';

export interface ReplaySessionOptions {
  sessionId: string;
  /** The market: a book-mode scenario (simulated), or any SessionMarket (e.g. a DatasetMarket). */
  scenario?: BookScenario;
  market?: SessionMarket;
  quoter: Quoter;
  seed: number;
  speed: number;
  depthLevels: number;
  maxBatchesPerSec: number;
  onSnapshot: (s: BookSnapshot) => void;
  onState: (s: ReplayState) => void;
  /** The session stopped on an error (default: logged to stderr). */
  onError?: (e: Error) => void;
  /** Wall clock in ms (injectable for tests). */
  now?: () => number;
}

/** Longest slice of synchronous simulation per tick when running as fast as possible (ms). */
const MAX_SLICE_MS = 8;
const TICK_MS = 4;
const TRAIL_MIN_DT = 0.01;
/** At most this many trail points per batch: the spacing widens with the speed. */
const MAX_TRAIL_POINTS = 256;
const MAX_TRADES_PER_BATCH = 200;

export class ReplaySession {
  readonly id: string;
  private readonly sim: SessionMarket;
  private readonly quoter: Quoter;
  private readonly obs = emptyObservation();
  private readonly dec = emptyDecision();
  private readonly depth;
  private readonly now: () => number;
  private status: ReplayStatus = 'paused';
  /** Why the session stopped, when an error stopped it (carried in every later state). */
  private error: string | undefined;
  private speed: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastWall = 0;
  /** Simulated time the session should have reached (advances with wall time × speed). */
  private simTarget = 0;
  private lastEmit = -Infinity;
  private seq = 0;
  private updates = 0;
  private trades: TradeView[] = [];
  private trail = {
    t: [] as number[],
    mid: [] as number[],
    bid: [] as (number | null)[],
    ask: [] as (number | null)[],
  };
  private lastTrailT = -Infinity;
  /** Simulated seconds covered by the previous batch (sizes the trail spacing at maximum speed). */
  private lastBatchSpan = 1;
  private lastBatchT = 0;
  private readonly ours: OurOrderState[] = [];
  /** The event the last step applied (cleared on resume). */
  private lastEvent: AppliedEvent | null = null;
  /** A seek in progress: the target time and whether to run on once there. */
  private seek: { t: number; resume: boolean } | null = null;

  constructor(private readonly opts: ReplaySessionOptions) {
    this.id = opts.sessionId;
    const market = opts.market ?? (opts.scenario ? new SimulatedMarket(opts.scenario) : undefined);
    if (!market) throw new TypeError('ReplaySession: give a scenario or a market');
    this.sim = market;
    this.quoter = opts.quoter;
    this.speed = opts.speed;
    this.now = opts.now ?? (() => performance.now());
    this.depth = createDepthBuffers(opts.depthLevels);
    this.sim.restart(opts.seed);
    this.quoter.reset();
    this.sim.listen({
      onBookEvent: () => {
        if (this.seek) return;
        this.updates++;
        this.recordTrail();
      },
      onTrade: (t, price, size, aggressor, ours) => {
        if (!this.seek && this.trades.length < MAX_TRADES_PER_BATCH) {
          this.trades.push({ t, price, size, side: aggressor === BUY ? 'buy' : 'sell', ours });
        }
      },
    });
  }

  state(): ReplayState {
    return {
      sessionId: this.id,
      status: this.status,
      speed: this.speed,
      t: this.sim.now(),
      horizon: this.sim.horizon,
      source: this.sim.source,
      tickSize: this.sim.tickSize,
      ...(this.seek ? { seeking: true } : {}),
      ...this.sim.position(),
      ...(this.error !== undefined ? { error: this.error } : {}),
      ...(this.lastEvent !== null ? { lastEvent: { ...this.lastEvent } } : {}),
    };
  }

  start(): ReplayState {
    this.resume();
    return this.state();
  }

  control(
    action: 'pause' | 'resume' | 'step' | 'speed' | 'seek' | 'stop',
    speed?: number,
    t?: number,
  ): ReplayState {
    if (this.seek && (action === 'pause' || action === 'resume' || action === 'step')) {
      if (action === 'pause') this.seek.resume = false;
      if (action === 'resume') this.seek.resume = true;
      return this.state(); // a step waits for the seek to end
    }
    switch (action) {
      case 'pause':
        if (this.status === 'running') {
          this.setStatus('paused');
          this.clearTimer();
          this.emit(true); // the paused view shows the book as it is now, not as of the last batch
        }
        break;
      case 'resume':
        this.resume();
        break;
      case 'step':
        if (this.status === 'running') {
          this.setStatus('paused');
          this.clearTimer();
          this.emit(true);
        }
        if (this.status === 'paused') {
          try {
            const before = this.ladderMap();
            const ref = this.sim.referencePrice();
            const trades = this.trades.length;
            const events = this.sim.events;
            this.run(Number.POSITIVE_INFINITY, 1);
            const recorded = this.sim.events > events ? this.recordedEvent(trades) : null;
            this.lastEvent = recorded ?? this.appliedEvent(before, ref, trades);
            this.emit(true);
          } catch (e) {
            this.fail(e);
          }
        }
        break;
      case 'speed':
        if (speed !== undefined) this.speed = speed;
        this.opts.onState(this.state());
        break;
      case 'seek':
        if (t !== undefined && this.status !== 'stopped') this.startSeek(t);
        break;
      case 'stop':
        this.clearTimer();
        this.seek = null;
        if (this.status !== 'finished') this.setStatus('stopped');
        break;
    }
    return this.state();
  }

  private resume(): void {
    if (this.status !== 'paused') return;
    this.lastEvent = null;
    this.setStatus('running');
    this.lastWall = this.now();
    this.simTarget = this.sim.now();
    this.schedule();
  }

  private schedule(): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.tick(), TICK_MS);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private tick(): void {
    this.timer = null;
    if (this.status !== 'running') return;
    try {
      this.tickBody();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Stop the session on an error thrown by the simulator or the quoter. */
  private fail(e: unknown): void {
    this.clearTimer();
    const err = e instanceof Error ? e : new Error(String(e));
    this.error = err.message;
    this.setStatus('stopped');
    if (this.opts.onError) this.opts.onError(err);
    else console.error(`replay ${this.id} stopped: ${err.message}`);
  }

  /** Restart the path and run it to time `t` in slices (see the header). */
  private startSeek(t: number): void {
    const resume = this.status === 'running' || (this.seek?.resume ?? false);
    this.clearTimer();
    this.sim.restart(this.opts.seed);
    this.quoter.reset();
    this.trades = [];
    this.trail = { t: [], mid: [], bid: [], ask: [] };
    this.lastTrailT = -Infinity;
    this.updates = 0;
    this.lastEvent = null;
    this.seek = { t: Math.max(0, Math.min(t, this.sim.horizon)), resume };
    this.status = 'paused';
    this.timer = setTimeout(() => this.seekTick(), 0);
    this.opts.onState(this.state());
  }

  private seekTick(): void {
    this.timer = null;
    const seek = this.seek;
    if (!seek) return;
    try {
      const done = this.run(seek.t, Number.POSITIVE_INFINITY, this.now() + MAX_SLICE_MS);
      if (!done && this.status !== 'finished') {
        this.timer = setTimeout(() => this.seekTick(), 0);
        return;
      }
      this.seek = null;
      this.lastTrailT = -Infinity;
      this.recordTrail();
      this.lastBatchT = this.sim.now();
      if (this.status === 'finished') return; // run() emitted the state and the book
      this.opts.onState(this.state());
      this.emit(true);
      if (seek.resume) this.resume();
    } catch (e) {
      this.seek = null;
      this.fail(e);
    }
  }

  private tickBody(): void {
    const wall = this.now();
    const dtWall = (wall - this.lastWall) / 1000;
    this.lastWall = wall;
    if (this.speed > 0) {
      // Accumulate the target so time advances even while the next event is far off; never let it run
      // more than a second of wall time ahead of the simulation (a slow machine then just runs slower).
      this.simTarget = Math.min(this.simTarget + dtWall * this.speed, this.sim.now() + this.speed);
      this.run(this.simTarget, Number.POSITIVE_INFINITY, wall + MAX_SLICE_MS);
    } else {
      this.run(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, wall + MAX_SLICE_MS);
    }
    this.emit(false);
    if (this.status === 'running') this.schedule();
  }

  /**
   * Advance to `tLimit` or by `maxEvents` events, answering every decision point with the quoter.
   * True when it stopped because the next event lies beyond `tLimit` (or the path ended).
   */
  private run(tLimit: number, maxEvents: number, wallDeadline = Number.POSITIVE_INFINITY): boolean {
    let left = maxEvents;
    for (;;) {
      const before = this.sim.events;
      const chunk = Math.min(left, 2000);
      const r = this.sim.advance(this.obs, tLimit, chunk);
      const n = this.sim.events - before;
      left -= n;
      if (r === ADVANCE_DELIVERY) {
        clearDecision(this.dec);
        this.quoter.quote(this.obs, this.dec);
        this.sim.act(this.dec);
      } else if (r === ADVANCE_END) {
        this.seek = null;
        this.setStatus('finished');
        this.clearTimer();
        this.emit(true);
        return true;
      } else if (n < chunk) {
        return true; // the next event lies beyond tLimit
      }
      if (left <= 0 || this.now() > wallDeadline) return false;
    }
  }

  /** The visible ladder as `side:priceTicks` → size and our size (for diffing one step). */
  private ladderMap(): Map<string, { size: number; ours: number }> {
    const tick = this.sim.tickSize;
    const levels = this.opts.depthLevels;
    this.sim.depth(levels, this.depth);
    this.sim.ourOrders(this.ours);
    const out = new Map<string, { size: number; ours: number }>();
    const add = (prices: Float64Array, sizes: Float64Array, side: Side): void => {
      for (let i = 0; i < levels; i++) {
        const p = prices[i] ?? NaN;
        if (p !== p) break;
        let ours = 0;
        for (const o of this.ours) if (o.side === side && Math.round(o.price / tick) === p) ours += o.size;
        out.set(`${side}:${p}`, { size: sizes[i] ?? 0, ours });
      }
    };
    add(this.depth.bidPrices, this.depth.bidSizes, BUY);
    add(this.depth.askPrices, this.depth.askSizes, SELL);
    return out;
  }

  /** The recorded event a step applied, as the source tells it (ours: one of our orders filled). */
  private recordedEvent(tradesBefore: number): AppliedEvent | null {
    const ev = this.sim.lastRecordedEvent();
    if (!ev) return null;
    ev.ours = this.trades.slice(tradesBefore).some((x) => x.ours);
    return ev;
  }

  /** What one step changed: trades first, then the ladder level that changed most, then the price. */
  private appliedEvent(
    before: Map<string, { size: number; ours: number }>,
    refBefore: number,
    tradesBefore: number,
  ): AppliedEvent {
    const tick = this.sim.tickSize;
    const trades = this.trades.slice(tradesBefore);
    const first = trades[0];
    if (first) {
      return {
        kind: 'trade',
        // A buy aggressor lifts the ask; a sell hits the bid.
        side: first.side === 'buy' ? 'ask' : 'bid',
        price: first.price,
        size: trades.reduce((a, x) => a + x.size, 0),
        ours: trades.some((x) => x.ours),
      };
    }
    const after = this.ladderMap();
    let best: { key: string; delta: number; ours: boolean } | null = null;
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      const b = before.get(key);
      const a = after.get(key);
      const delta = (a?.size ?? 0) - (b?.size ?? 0);
      if (delta === 0) continue;
      if (!best || Math.abs(delta) > Math.abs(best.delta))
        best = { key, delta, ours: (a?.ours ?? 0) !== (b?.ours ?? 0) };
    }
    if (best) {
      const [side, ticks] = best.key.split(':');
      return {
        kind: best.delta > 0 ? 'add' : 'cancel',
        side: Number(side) === BUY ? 'bid' : 'ask',
        price: Number(ticks) * tick,
        size: Math.abs(best.delta),
        ours: best.ours,
      };
    }
    const ref = this.sim.referencePrice();
    if (ref !== refBefore) return { kind: 'price', price: ref, ours: false };
    return { kind: 'none', ours: false };
  }

  private recordTrail(): void {
    const t = this.sim.now();
    const perBatch = this.speed > 0 ? this.speed / this.opts.maxBatchesPerSec : this.lastBatchSpan;
    const minDt = Math.max(TRAIL_MIN_DT, perBatch / MAX_TRAIL_POINTS);
    if (t - this.lastTrailT < minDt) return;
    this.lastTrailT = t;
    this.sim.ourOrders(this.ours);
    let bid: number | null = null;
    let ask: number | null = null;
    for (const o of this.ours) {
      if (o.side === BUY) bid = o.price;
      else ask = o.price;
    }
    if (this.trail.t.length >= 2 * MAX_TRAIL_POINTS) this.halveTrail();
    this.trail.t.push(t);
    this.trail.mid.push(this.sim.mid());
    this.trail.bid.push(bid);
    this.trail.ask.push(ask);
  }

  /** Keep every other trail point (bounds a batch when the simulation outruns the estimate). */
  private halveTrail(): void {
    const tr = this.trail;
    const keep = <T>(a: T[]): T[] => a.filter((_, i) => i % 2 === 1);
    this.trail = { t: keep(tr.t), mid: keep(tr.mid), bid: keep(tr.bid), ask: keep(tr.ask) };
  }

  private emit(force: boolean): void {
    const wall = this.now();
    if (!force && wall - this.lastEmit < 1000 / this.opts.maxBatchesPerSec) return;
    if (!force && this.updates === 0) return;
    this.lastEmit = wall;
    this.lastBatchSpan = Math.max(TRAIL_MIN_DT, this.sim.now() - this.lastBatchT);
    this.lastBatchT = this.sim.now();
    const tick = this.sim.tickSize;
    const levels = this.opts.depthLevels;
    this.sim.depth(levels, this.depth);
    this.sim.ourOrders(this.ours);
    const ladder = (prices: Float64Array, sizes: Float64Array, side: Side): LadderLevel[] => {
      const out: LadderLevel[] = [];
      for (let i = 0; i < levels; i++) {
        const p = prices[i] ?? NaN;
        if (p !== p) break;
        const price = p * tick;
        let ours = 0;
        for (const o of this.ours)
          if (o.side === side && Math.abs(o.price - price) < tick / 2) ours += o.size;
        out.push({ price, size: sizes[i] ?? 0, ours });
      }
      return out;
    };
    const acc = this.sim.account();
    const snapshot: BookSnapshot = {
      sessionId: this.id,
      seq: this.seq++,
      t: this.sim.now(),
      updates: this.updates,
      bids: ladder(this.depth.bidPrices, this.depth.bidSizes, BUY),
      asks: ladder(this.depth.askPrices, this.depth.askSizes, 1),
      ours: this.ours.map((o) => ({
        side: o.side === BUY ? 'buy' : 'sell',
        price: o.price,
        size: o.size,
        queueAhead: o.queueAhead,
      })),
      trades: this.trades,
      ticks: this.trail,
      inventory: acc.inventory,
      pnl: acc.pnl,
      cash: acc.cash,
    };
    const pos = this.sim.position();
    if (pos) snapshot.event = pos.event;
    this.updates = 0;
    this.trades = [];
    this.trail = { t: [], mid: [], bid: [], ask: [] };
    this.opts.onSnapshot(snapshot);
  }

  private setStatus(s: ReplayStatus): void {
    if (this.status === s) return;
    this.status = s;
    this.opts.onState(this.state());
  }

  dispose(): void {
    this.clearTimer();
    this.seek = null;
    this.sim.listen(null);
    if (this.status === 'running' || this.status === 'paused') this.status = 'stopped';
  }
}
