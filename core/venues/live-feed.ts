/**
 * A live public feed for the paper venue: ccxt.pro watchOrderBook / watchTrades through the
 * recorder's own loop (core/data/ccxt-record.ts: ccxt's snapshot + diff synchronization, the book
 * diffed into snapshot levels and level sets, trades deduplicated by id, reconnects with backoff and
 * a new snapshot after every sequence gap), appended to a growing ReplayTape that the paper venue's
 * replay market reads as it grows. With `record`, the same events are also written as a catalog
 * dataset (the recorder's dataset builder), so the session can be replayed with `quotebench
 * backtest` and compared with its own paper fills.
 *
 * Tape time: exchange timestamps (the book's E, the trade's T), seconds since the first event, made
 * monotone (a running maximum), as core/replay/tape.ts builds it from a recorded dataset; so the
 * decisions of a live session are those a replay of its recording makes. The tick size is inferred
 * from the first snapshot's prices (core/data/tick.ts), as a replay infers it from the dataset.
 * Between a stream fault (a gap or a lost connection) and the next snapshot the feed is not synced:
 * the paper venue publishes its book with synced false and the session stops quoting.
 */
import { EVENT_KIND } from '../data/catalog';
import { recordDataset, streamLive } from '../data/ccxt-record';
import { TickFinder } from '../data/tick';
import type { ReplayTape } from '../replay/tape';
import type { PaperFeed } from './paper-venue';
import type { ConnectionEvent } from './venue';

/** A tape that grows: columns reallocated (doubled) as events arrive; readers re-read the fields. */
export class GrowingTape implements ReplayTape {
  readonly id: string;
  readonly name: string;
  readonly venue: string;
  readonly symbol: string;
  readonly format = 'ccxt live';
  readonly l3 = false;
  tick = 0;
  count = 0;
  t = new Float64Array(1024);
  seq = new Float64Array(1024);
  kind = new Int8Array(1024);
  side = new Int8Array(1024);
  price = new Float64Array(1024);
  size = new Float64Array(1024);
  orderId = new Float64Array(1024).fill(Number.NaN);
  readonly delay = null;
  readonly top = null;
  /** ns of tape time 0 (the first event's exchange time). */
  originNs: bigint | null = null;
  private lastT = 0;

  constructor(info: { id: string; name: string; venue: string; symbol: string }) {
    this.id = info.id;
    this.name = info.name;
    this.venue = info.venue;
    this.symbol = info.symbol;
  }

  append(seq: number, exchangeNs: bigint, kind: number, side: number, price: number, size: number): void {
    if (this.count === this.t.length) this.grow();
    this.originNs ??= exchangeNs;
    const ts = Number(exchangeNs - this.originNs) / 1e9;
    if (ts > this.lastT) this.lastT = ts;
    const i = this.count;
    this.t[i] = this.lastT;
    this.seq[i] = seq;
    this.kind[i] = kind;
    this.side[i] = side;
    this.price[i] = price;
    this.size[i] = size;
    this.orderId[i] = Number.NaN;
    this.count = i + 1;
  }

  private grow(): void {
    const n = this.t.length * 2;
    const f = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const g = (a: Int8Array): Int8Array<ArrayBuffer> => {
      const b = new Int8Array(n);
      b.set(a);
      return b;
    };
    this.t = f(this.t);
    this.seq = f(this.seq);
    this.kind = g(this.kind);
    this.side = g(this.side);
    this.price = f(this.price);
    this.size = f(this.size);
    const o = new Float64Array(n).fill(Number.NaN);
    o.set(this.orderId);
    this.orderId = o;
  }
}

export interface LiveFeedOptions {
  exchange: string;
  symbol: string;
  url?: string | undefined;
  dataDir: string;
  /** Also write the feed as a catalog dataset. */
  record: boolean;
  onNote: (m: string) => void;
  /** Give up when nothing arrives this long after subscribing (ms; default 60 s). */
  startTimeoutMs?: number;
}

export class LiveFeed implements PaperFeed {
  readonly tape: GrowingTape;
  readonly live = true;
  ended = false;
  resyncs = 0;
  onConnection: ((e: ConnectionEvent) => void) | undefined;
  /** False between a stream fault and the next snapshot. */
  synced = false;
  private readonly stopCtl = new AbortController();
  private run: Promise<void> | null = null;
  private waiters: (() => void)[] = [];
  private ready: (() => void) | null = null;
  private failed: Error | null = null;
  private snapshots = 0;
  private lastSnapSeq = Number.NaN;
  private checkQueued = false;
  private datasetId: string | null = null;
  private readonly ticks = new TickFinder();
  private reconnects = 0;
  private reconnecting = false;

  constructor(private readonly o: LiveFeedOptions) {
    this.tape = new GrowingTape({
      id: 'live',
      name: `${o.exchange} ${o.symbol} live`,
      venue: o.exchange,
      symbol: o.symbol,
    });
  }

  get originMs(): number {
    return this.tape.originNs === null ? 0 : Number(this.tape.originNs / 1000n) / 1000;
  }

  /** The recorded dataset's id once the recording has been written (after close), else null. */
  recordedDatasetId(): string | null {
    return this.datasetId;
  }

  start(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.stopCtl.abort(), { once: true });
    const ready = new Promise<void>((resolve, reject) => {
      this.ready = resolve;
      this.stopCtl.signal.addEventListener(
        'abort',
        () => reject(this.failed ?? new Error('live feed stopped')),
        {
          once: true,
        },
      );
    });
    const opts = {
      dataDir: this.o.dataDir,
      exchange: this.o.exchange,
      symbol: this.o.symbol,
      durationMs: 7 * 86_400_000,
      ...(this.o.startTimeoutMs !== undefined ? { startTimeoutMs: this.o.startTimeoutMs } : {}),
      url: this.o.url,
      stop: this.stopCtl.signal,
      onNote: this.o.onNote,
      onEvent: (seq: number, ns: bigint, kind: number, side: number, p: number, q: number) =>
        this.onEvent(seq, ns, kind, side, p, q),
      onFault: (what: 'resync' | 'reconnect') => {
        this.synced = false;
        if (what === 'reconnect') {
          this.reconnects++;
          this.reconnecting = true;
          this.onConnection?.({
            status: 'reconnecting',
            attempt: this.reconnects,
            reason: 'connection lost',
            localTimeMs: Date.now(),
          });
        }
      },
    };
    this.run = (async () => {
      try {
        if (this.o.record) this.datasetId = (await recordDataset(opts)).info.id;
        else await streamLive(opts);
      } catch (e) {
        this.failed = e instanceof Error ? e : new Error(String(e));
        this.o.onNote(`live feed: ${this.failed.message}`);
      } finally {
        this.ended = true;
        this.wake();
        this.stopCtl.abort();
      }
    })();
    return ready;
  }

  private onEvent(seq: number, ns: bigint, kind: number, side: number, p: number, q: number): void {
    this.tape.append(seq, ns, kind, side, p, q);
    if (kind === EVENT_KIND.snapshotLevel) {
      if (this.tape.tick === 0 && p > 0) this.ticks.add(p);
      if (seq !== this.lastSnapSeq || this.snapshots === 0) {
        this.lastSnapSeq = seq;
        this.snapshots++;
        if (this.snapshots > 1) this.resyncs++;
      }
      if (!this.checkQueued) {
        // The snapshot's levels arrive in one synchronous burst: look at the book after it.
        this.checkQueued = true;
        queueMicrotask(() => {
          this.checkQueued = false;
          this.afterSnapshot();
        });
      }
    } else if (kind === EVENT_KIND.levelSet) this.lastSnapSeq = Number.NaN;
    this.wake();
  }

  private afterSnapshot(): void {
    if (this.tape.tick === 0) {
      const tick = this.ticks.tick();
      if (tick > 0) this.tape.tick = tick;
    }
    this.synced = true;
    if (this.ready !== null && this.tape.tick > 0) {
      const r = this.ready;
      this.ready = null;
      r();
    } else if (this.reconnecting) {
      this.reconnecting = false;
      this.onConnection?.({ status: 'connected', attempt: 0, reason: '', localTimeMs: Date.now() });
    }
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  waitForData(count: number, signal: AbortSignal): Promise<void> {
    if (this.tape.count > count || this.ended || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    this.stopCtl.abort();
    await this.run;
  }
}

export async function openLiveFeed(o: LiveFeedOptions): Promise<LiveFeed> {
  return Promise.resolve(new LiveFeed(o));
}
