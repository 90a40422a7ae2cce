/**
 * Binance order-book capture: a REST depth snapshot plus the diff-depth stream, synchronized by the
 * venue's own rules, and the check of the rebuilt top of book against the venue's bookTicker.
 *
 * Input ("raw stream" captures, one or more files read in order, plain or gzip): one message per line,
 * `<local_receive_ts_ns> <json>`, where the JSON is either a REST depth snapshot
 * `{"lastUpdateId","E"?,"T"?,"bids":[[price,qty],…],"asks":[…]}` or a combined-stream message
 * `{"stream":"…","data":{…}}` with data.e one of depthUpdate (U, u, pu on futures, b, a, E, T?), trade
 * (t, p, q, m, T, E) or bookTicker (u, b, B, a, A). Anything else is an error naming file and line.
 *
 * Synchronization (Binance API docs, "How to manage a local order book correctly"):
 * - USD-M futures (depth messages carry `pu`): drop every event with u < lastUpdateId; the first event
 *   applied must have U ≤ lastUpdateId ≤ u; after it every event's pu must equal the previous event's u.
 * - Spot (no `pu`): drop every event with u ≤ lastUpdateId; the first applied must have
 *   U ≤ lastUpdateId + 1 ≤ u; after it every event's U must equal the previous u + 1.
 * Diffs that arrive before the snapshot are buffered (at most `maxBuffered`, the oldest dropped and
 * counted) and replayed against it. A broken chain is a gap: counted, described (first 20), and the
 * book is invalid until the next snapshot, from which it resynchronizes (a new snapshot always
 * restarts the synchronization). Quantities are absolute: 0 removes the level.
 *
 * Verification: the venue's bookTicker carries the update id u of the book state it describes; where a
 * bookTicker's u equals the u of an applied depth event, the rebuilt best bid/ask (price and quantity)
 * must equal it. Both sides are kept for a while (bounded maps) since either may arrive first.
 *
 * Prices and quantities are the venue's decimal strings converted with Number() (exact for the
 * comparison: the same string gives the same double; levels are keyed by that double).
 */
import { CatalogError } from './catalog';
import { readLineBatches, readLines } from './read-files';

export type BinanceMarket = 'futures' | 'spot';

export interface DepthEvent {
  U: number;
  u: number;
  pu: number | undefined;
  E: number;
  bids: [number, number][];
  asks: [number, number][];
  localTsNs: bigint;
}

/**
 * A depth event read by the fast line reader: its levels as flat [p0, q0, p1, q1, …] arrays (one
 * allocation per side instead of one per level: the pairs were ~5% of an import plus their garbage
 * collection); `bids` and `asks` build the pairs when something asks for them.
 */
export class FlatDepthEvent implements DepthEvent {
  constructor(
    readonly U: number,
    readonly u: number,
    readonly pu: number | undefined,
    readonly E: number,
    readonly flatBids: number[],
    readonly flatAsks: number[],
    readonly localTsNs: bigint,
  ) {}

  get bids(): [number, number][] {
    return pairs(this.flatBids);
  }

  get asks(): [number, number][] {
    return pairs(this.flatAsks);
  }
}

function pairs(flat: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/** The levels of a depth event as flat [p0, q0, p1, q1, …] arrays (bids, asks). */
export function flatLevels(ev: DepthEvent): { bids: number[]; asks: number[] } {
  if (ev instanceof FlatDepthEvent) return { bids: ev.flatBids, asks: ev.flatAsks };
  return { bids: ev.bids.flat(), asks: ev.asks.flat() };
}

export interface SyncReport {
  market: BinanceMarket | null;
  /** The symbol of the first stream message that names one (`s`). */
  symbol: string | null;
  lines: number;
  snapshots: number;
  depthEvents: number;
  applied: number;
  /** Events older than the snapshot (dropped by the rule). */
  dropped: number;
  /** Events that waited for a snapshot; `bufferOverflow` of them were dropped for lack of room. */
  buffered: number;
  bufferOverflow: number;
  /** Breaks of the update-id chain (resynchronized from the next snapshot), and events skipped meanwhile. */
  gaps: number;
  skippedWhileOutOfSync: number;
  gapDetails: string[];
  trades: number;
  bookTickers: number;
  /** bookTickers whose u matched an applied depth event, and how many of those agreed exactly. */
  tickerChecks: number;
  tickerMatches: number;
  firstTickerMismatch: string | null;
}

/**
 * One side of an L2 book: price → quantity, with the best price at hand. The levels are kept sorted in
 * two typed arrays with the best level last (keys: the price for bids, −price for asks, ascending), so
 * an update near the top moves a few entries, and removing the best level needs no rescan
 * (docs/performance.md, "dataset ingest": the Map and its best-price rescans cost ~11% of an import).
 * Prices are finite (every parser checks that); 0 and −0 are one level, as in a Map.
 */
export class L2Side {
  private keys = new Float64Array(256);
  private qtys = new Float64Array(256);
  private n = 0;

  constructor(readonly isBid: boolean) {}

  clear(): void {
    this.n = 0;
  }

  /** Number of levels. */
  get size(): number {
    return this.n;
  }

  /** The levels, best first (a copy). */
  get levels(): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = this.n - 1; i >= 0; i--) m.set(this.isBid ? this.keys[i]! : -this.keys[i]!, this.qtys[i]!);
    return m;
  }

  set(price: number, qty: number): void {
    const k = this.isBid ? price : -price;
    const keys = this.keys;
    const n = this.n;
    // first index whose key is ≥ k (updates are mostly at the top: the end)
    let lo = 0;
    let hi = n;
    if (n > 0 && keys[n - 1]! < k) lo = n;
    else
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid]! < k) lo = mid + 1;
        else hi = mid;
      }
    const found = lo < n && keys[lo] === k;
    if (qty === 0) {
      if (!found) return;
      if (lo < n - 1) {
        keys.copyWithin(lo, lo + 1, n);
        this.qtys.copyWithin(lo, lo + 1, n);
      }
      this.n = n - 1;
      return;
    }
    if (found) {
      this.qtys[lo] = qty;
      return;
    }
    if (n === keys.length) this.grow();
    const K = this.keys;
    const Q = this.qtys;
    if (lo < n) {
      K.copyWithin(lo + 1, lo, n);
      Q.copyWithin(lo + 1, lo, n);
    }
    K[lo] = k === 0 ? 0 : k;
    Q[lo] = qty;
    this.n = n + 1;
  }

  private grow(): void {
    const k = new Float64Array(this.keys.length * 2);
    const q = new Float64Array(this.keys.length * 2);
    k.set(this.keys);
    q.set(this.qtys);
    this.keys = k;
    this.qtys = q;
  }

  bestPrice(): number {
    if (this.n === 0) return Number.NaN;
    const k = this.keys[this.n - 1]!;
    return this.isBid ? k : k === 0 ? 0 : -k;
  }

  bestQty(): number {
    return this.n === 0 ? 0 : this.qtys[this.n - 1]!;
  }
}

export interface SyncCallbacks {
  /** After the snapshot is loaded (the book is its state). */
  onSnapshot?(lastUpdateId: number, localTsNs: bigint, exchangeMs: number): void;
  /** After a depth event was applied: the book is the state after update id ev.u. */
  onApplied?(ev: DepthEvent): void;
  onTrade?(t: {
    id: number;
    price: number;
    qty: number;
    buyerMaker: boolean;
    timeMs: number;
    localTsNs: bigint;
  }): void;
}

/** Best bid, its quantity, best ask, its quantity. */
type Top = [number, number, number, number];

/**
 * Tops (best bid, qty, ask, qty) waiting under their update id u for the other stream's top at the
 * same u: a Map<u, Top> in behaviour (insertion order; the oldest entry goes when there are more than
 * `max`), stored as parallel typed arrays in insertion order while the ids come in increasing order
 * (as they do: depth updates and bookTickers are each in update-id order), found by binary search.
 * The first id that is not larger than the last one turns it into a Map of the same entries.
 * (A Map of number keys and a 4-array per top cost ~7% of an import: docs/performance.md.)
 */
export class PendingTops {
  private us = new Float64Array(1024);
  private vals = new Float64Array(4096);
  private dead = new Uint8Array(1024);
  /** Entries live in [head, len) (dead ones marked). */
  private head = 0;
  private len = 0;
  size = 0;
  private map: Map<number, Top> | null = null;

  constructor(private readonly max: number) {}

  /** Position of u (a live entry), or −1. */
  find(u: number): number {
    if (this.map !== null) return this.map.has(u) ? 0 : -1;
    const us = this.us;
    let lo = this.head;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (us[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.len && us[lo] === u && this.dead[lo] === 0 ? lo : -1;
  }

  /** Value k (0–3) of the entry at `at` (from find) under u. */
  value(at: number, u: number, k: number): number {
    return this.map !== null ? this.map.get(u)![k]! : this.vals[4 * at + k]!;
  }

  delete(at: number, u: number): void {
    if (this.map !== null) {
      this.map.delete(u);
      return;
    }
    this.dead[at] = 1;
    this.size--;
    while (this.head < this.len && this.dead[this.head] === 1) this.head++;
  }

  set(u: number, a: number, b: number, c: number, d: number): void {
    if (this.map === null && this.len > this.head && !(u > this.us[this.len - 1]!)) this.toMap();
    if (this.map !== null) {
      this.map.set(u, [a, b, c, d]);
      if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
      return;
    }
    if (this.len === this.us.length) this.makeRoom();
    const i = this.len++;
    this.us[i] = u;
    this.dead[i] = 0;
    const v = this.vals;
    v[4 * i] = a;
    v[4 * i + 1] = b;
    v[4 * i + 2] = c;
    v[4 * i + 3] = d;
    if (++this.size > this.max) this.delete(this.head, this.us[this.head]!); // the oldest live entry
  }

  /** Drop the dead entries before `head`, or grow. */
  private makeRoom(): void {
    const h = this.head;
    const n = this.len - h;
    if (h >= n) {
      this.us.copyWithin(0, h, this.len);
      this.vals.copyWithin(0, 4 * h, 4 * this.len);
      this.dead.copyWithin(0, h, this.len);
    } else {
      const us = new Float64Array(this.us.length * 2);
      const vals = new Float64Array(this.vals.length * 2);
      const dead = new Uint8Array(this.dead.length * 2);
      us.set(this.us.subarray(h, this.len));
      vals.set(this.vals.subarray(4 * h, 4 * this.len));
      dead.set(this.dead.subarray(h, this.len));
      this.us = us;
      this.vals = vals;
      this.dead = dead;
    }
    this.head = 0;
    this.len = n;
  }

  private toMap(): void {
    const m = new Map<number, Top>();
    for (let i = this.head; i < this.len; i++) {
      if (this.dead[i] === 1) continue;
      const v = this.vals;
      m.set(this.us[i]!, [v[4 * i]!, v[4 * i + 1]!, v[4 * i + 2]!, v[4 * i + 3]!]);
    }
    this.map = m;
  }
}

export class BinanceDepthSync {
  readonly bids = new L2Side(true);
  readonly asks = new L2Side(false);
  /** The levels of the last snapshot, in the snapshot's order (duplicates merged, 0 quantities dropped). */
  snapshotLevels: { bids: Map<number, number>; asks: Map<number, number> } = {
    bids: new Map(),
    asks: new Map(),
  };
  readonly report: SyncReport = {
    market: null,
    symbol: null,
    lines: 0,
    snapshots: 0,
    depthEvents: 0,
    applied: 0,
    dropped: 0,
    buffered: 0,
    bufferOverflow: 0,
    gaps: 0,
    skippedWhileOutOfSync: 0,
    gapDetails: [],
    trades: 0,
    bookTickers: 0,
    tickerChecks: 0,
    tickerMatches: 0,
    firstTickerMismatch: null,
  };
  private state: 'noSnapshot' | 'syncing' | 'live' | 'gap' = 'noSnapshot';
  private lastUpdateId = Number.NaN;
  private prevU = Number.NaN;
  private readonly buffer: DepthEvent[] = [];
  private readonly tops: PendingTops;
  private readonly tickers: PendingTops;

  constructor(
    private readonly cb: SyncCallbacks = {},
    private readonly opts: { market?: BinanceMarket; maxBuffered?: number; maxPending?: number } = {},
  ) {
    const max = opts.maxPending ?? 200_000;
    this.tops = new PendingTops(max);
    this.tickers = new PendingTops(max);
  }

  /** A REST snapshot: replaces the book and restarts the synchronization. */
  snapshot(
    lastUpdateId: number,
    bids: [number, number][],
    asks: [number, number][],
    localTsNs: bigint,
    exchangeMs: number,
  ): void {
    this.report.snapshots++;
    const load = (side: L2Side, levels: [number, number][]): Map<number, number> => {
      // the snapshot's levels in the order a Map of them has (its order of first insertion)
      const m = new Map<number, number>();
      for (const [p, q] of levels) {
        if (q === 0) m.delete(p);
        else m.set(p, q);
      }
      side.clear();
      for (const [p, q] of m) side.set(p, q);
      return m;
    };
    this.snapshotLevels = { bids: load(this.bids, bids), asks: load(this.asks, asks) };
    this.lastUpdateId = lastUpdateId;
    this.state = 'syncing';
    this.cb.onSnapshot?.(lastUpdateId, localTsNs, exchangeMs);
    const waiting = this.buffer.splice(0);
    for (const ev of waiting) this.process(ev);
  }

  depth(ev: DepthEvent): void {
    this.report.depthEvents++;
    const market: BinanceMarket = this.opts.market ?? (ev.pu !== undefined ? 'futures' : 'spot');
    if (this.report.market === null) this.report.market = market;
    this.process(ev);
  }

  private process(ev: DepthEvent): void {
    const r = this.report;
    const futures = (this.report.market ?? 'futures') === 'futures';
    if (this.state === 'noSnapshot' || this.state === 'gap') {
      if (this.state === 'gap') {
        r.skippedWhileOutOfSync++;
        return;
      }
      this.buffer.push(ev);
      r.buffered++;
      const max = this.opts.maxBuffered ?? 100_000;
      if (this.buffer.length > max) {
        this.buffer.shift();
        r.bufferOverflow++;
      }
      return;
    }
    const L = this.lastUpdateId;
    if (this.state === 'syncing') {
      if (futures ? ev.u < L : ev.u <= L) {
        r.dropped++;
        return;
      }
      const first = futures ? ev.U <= L && L <= ev.u : ev.U <= L + 1 && L + 1 <= ev.u;
      if (!first)
        return this.gap(
          `first event after snapshot ${L} is U=${ev.U} u=${ev.u}: it does not straddle the snapshot`,
        );
      this.apply(ev);
      this.state = 'live';
      return;
    }
    const chained = futures ? ev.pu === this.prevU : ev.U === this.prevU + 1;
    if (!chained)
      return this.gap(
        futures
          ? `event u=${ev.u} has pu=${String(ev.pu)}, previous u=${this.prevU}`
          : `event U=${ev.U} does not follow previous u=${this.prevU}`,
      );
    this.apply(ev);
  }

  private gap(detail: string): void {
    this.report.gaps++;
    if (this.report.gapDetails.length < 20) this.report.gapDetails.push(detail);
    this.state = 'gap';
  }

  private apply(ev: DepthEvent): void {
    if (ev instanceof FlatDepthEvent) {
      const b = ev.flatBids;
      for (let i = 0; i < b.length; i += 2) this.bids.set(b[i]!, b[i + 1]!);
      const a = ev.flatAsks;
      for (let i = 0; i < a.length; i += 2) this.asks.set(a[i]!, a[i + 1]!);
    } else {
      for (const [p, q] of ev.bids) this.bids.set(p, q);
      for (const [p, q] of ev.asks) this.asks.set(p, q);
    }
    this.prevU = ev.u;
    this.report.applied++;
    this.cb.onApplied?.(ev);
    this.remember(
      true,
      ev.u,
      this.bids.bestPrice(),
      this.bids.bestQty(),
      this.asks.bestPrice(),
      this.asks.bestQty(),
    );
  }

  /** A bookTicker: checked against the rebuilt book at the same update id. */
  bookTicker(u: number, bid: number, bidQty: number, ask: number, askQty: number): void {
    this.report.bookTickers++;
    this.remember(false, u, bid, bidQty, ask, askQty);
  }

  trade(t: Parameters<NonNullable<SyncCallbacks['onTrade']>>[0]): void {
    this.report.trades++;
    this.cb.onTrade?.(t);
  }

  /**
   * Store the top (bid, bid qty, ask, ask qty) under u in the book's tops (`isBook`) or the tickers;
   * if the other already has u, compare and count. Equal numbers are equal strings and back
   * (String(−0) = String(0); a ticker never holds NaN, and NaN is taken as equal to NaN), so this is
   * the comparison of the values as text.
   */
  private remember(isBook: boolean, u: number, a: number, b: number, c: number, d: number): void {
    const mine = isBook ? this.tops : this.tickers;
    const other = isBook ? this.tickers : this.tops;
    const at = other.find(u);
    if (at >= 0) {
      const r = this.report;
      r.tickerChecks++;
      const seen: Top = [
        other.value(at, u, 0),
        other.value(at, u, 1),
        other.value(at, u, 2),
        other.value(at, u, 3),
      ];
      const value: Top = [a, b, c, d];
      const [top, ticker] = isBook ? [value, seen] : [seen, value];
      if (
        same(top[0], ticker[0]) &&
        same(top[1], ticker[1]) &&
        same(top[2], ticker[2]) &&
        same(top[3], ticker[3])
      )
        r.tickerMatches++;
      else
        r.firstTickerMismatch ??= `u=${u}: book ${top.join('|')}, bookTicker ${ticker.join('|')} (bid|qty|ask|qty)`;
      other.delete(at, u);
      return;
    }
    mine.set(u, a, b, c, d);
  }

  /** True when the book is synchronized (a snapshot and an unbroken chain since). */
  get inSync(): boolean {
    return this.state === 'live';
  }
}

/** Equal doubles, NaN equal to NaN (as their texts are). */
function same(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

type Json = Record<string, unknown>;

function num(v: unknown, where: string | Where, key: string): number {
  const x = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
  if (!Number.isFinite(x))
    throw new CatalogError(`${where}: ${key} must be a number, got ${JSON.stringify(v)}`);
  return x;
}

function levels(v: unknown, where: string | Where, key: string): [number, number][] {
  if (!Array.isArray(v)) throw new CatalogError(`${where}: ${key} must be an array of [price, qty]`);
  const out: [number, number][] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const pq: unknown = v[i];
    if (!Array.isArray(pq) || pq.length < 2)
      throw new CatalogError(`${where}: ${key}[${i}] must be [price, qty]`);
    const p = toNum(pq[0]);
    const q = toNum(pq[1]);
    // the key text is built only for an error
    out[i] = [
      Number.isFinite(p) ? p : num(pq[0], where, `${key}[${i}] price`),
      Number.isFinite(q) ? q : num(pq[1], where, `${key}[${i}] qty`),
    ];
  }
  return out;
}

function toNum(v: unknown): number {
  return typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
}

/**
 * Feed every line of the capture files (in order) into `sync`. Errors name the file and line.
 */
export async function readBinanceRaw(
  files: string[],
  sync: BinanceDepthSync,
  onLine?: (line: number) => void,
  /** Awaited after every block of lines (e.g. to write out full tables: DatasetTables.spill). */
  afterBlock?: () => Promise<void>,
): Promise<void> {
  for (const file of files) {
    const where = new Where(file);
    for await (const batch of readLineBatches(file)) {
      for (let k = 0; k < batch.length; k++) {
        where.line++;
        sync.report.lines++;
        if (readRawLine(batch[k]!, where, sync) && (sync.report.lines & 0x3fff) === 0)
          onLine?.(sync.report.lines);
      }
      if (afterBlock !== undefined) await afterBlock();
    }
  }
}

/** `file:line` for error messages, formatted only when one is thrown. */
class Where {
  line = 0;
  constructor(readonly file: string) {}
  toString(): string {
    return `${this.file}:${this.line}`;
  }
}

const CH_0 = 48;
const CH_9 = 57;

/** One `<local_ts_ns> <json>` line into `sync`; false for a blank line (skipped). */
function readRawLine(raw: string, where: Where, sync: BinanceDepthSync): boolean {
  const c0 = raw.charCodeAt(0);
  if (!(c0 >= CH_0 && c0 <= CH_9) && raw.trim() === '') return false;
  const sp = raw.indexOf(' ');
  // ^\d{1,20}$ for the receive time, without a regular expression or a substring
  let digits = sp > 0 && sp <= 20;
  for (let i = 0; digits && i < sp; i++) {
    const c = raw.charCodeAt(i);
    if (c < CH_0 || c > CH_9) digits = false;
  }
  if (!digits)
    throw new CatalogError(
      `${where}: expected "<local_ts_ns> <json>", got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  if (fastStreamLine(raw, sp, sync)) return true;
  const localTsNs = BigInt(raw.slice(0, sp));
  let msg: Json;
  try {
    msg = JSON.parse(raw.slice(sp + 1)) as Json;
  } catch (e) {
    throw new CatalogError(`${where}: not JSON (${(e as Error).message})`);
  }
  if (msg === null || typeof msg !== 'object') throw new CatalogError(`${where}: not a JSON object`);
  if ('lastUpdateId' in msg) {
    sync.snapshot(
      num(msg.lastUpdateId, where, 'lastUpdateId'),
      levels(msg.bids, where, 'bids'),
      levels(msg.asks, where, 'asks'),
      localTsNs,
      msg.E !== undefined ? num(msg.E, where, 'E') : Number.NaN,
    );
    return true;
  }
  const d = (msg.data ?? msg) as Json;
  const e = d.e;
  if (sync.report.symbol === null && typeof d.s === 'string') sync.report.symbol = d.s;
  if (e === 'depthUpdate') {
    sync.depth({
      U: num(d.U, where, 'U'),
      u: num(d.u, where, 'u'),
      pu: d.pu !== undefined ? num(d.pu, where, 'pu') : undefined,
      E: num(d.E, where, 'E'),
      bids: levels(d.b, where, 'b'),
      asks: levels(d.a, where, 'a'),
      localTsNs,
    });
  } else if (e === 'bookTicker' || (e === undefined && 'B' in d && 'A' in d && 'u' in d)) {
    sync.bookTicker(
      num(d.u, where, 'u'),
      num(d.b, where, 'b'),
      num(d.B, where, 'B'),
      num(d.a, where, 'a'),
      num(d.A, where, 'A'),
    );
  } else if (e === 'trade' || e === 'aggTrade') {
    sync.trade({
      id: num(e === 'trade' ? d.t : d.a, where, e === 'trade' ? 't' : 'a'),
      price: num(d.p, where, 'p'),
      qty: num(d.q, where, 'q'),
      buyerMaker: d.m === true,
      timeMs: num(d.T, where, 'T'),
      localTsNs,
    });
  } else {
    throw new CatalogError(`${where}: unknown message (e = ${JSON.stringify(e)})`);
  }
  return true;
}

/**
 * The three combined-stream messages of a USD-M capture in the exact layout Binance sends them
 * (keys in its order, no whitespace, no escapes, decimals as plain digit strings) are read straight
 * from the line: no JSON objects, no strings per value. A line that deviates in any way returns false
 * and takes the general path (JSON.parse), so what is accepted, the values and the errors are those
 * of the general path: integers are JSON integer literals (the same double as JSON.parse), decimal
 * strings with at most 15 digits are m / 10^k (the same double as Number(), one correctly rounded
 * division of exact doubles). The receive time (the digits before `sp`) becomes a bigint only for the
 * messages that keep it (not for bookTicker).
 */
function fastStreamLine(raw: string, sp: number, sync: BinanceDepthSync): boolean {
  const c = FAST;
  c.s = raw;
  c.i = sp + 1;
  c.ok = true;
  if (!c.lit('{"stream":"') || !c.skipString() || !c.lit(',"data":{"e":"')) return false;
  if (c.lit('bookTicker","u":')) {
    const u = c.int();
    if (!c.lit(',"s":"')) return false;
    const sym = c.string();
    if (sym === null || !c.lit(',"b":')) return false;
    const b = c.dec();
    if (!c.lit(',"B":')) return false;
    const bq = c.dec();
    if (!c.lit(',"a":')) return false;
    const a = c.dec();
    if (!c.lit(',"A":')) return false;
    const aq = c.dec();
    if (!c.lit(',"T":')) return false;
    c.int();
    if (!c.lit(',"E":')) return false;
    c.int();
    if (!c.lit('}}') || c.i !== raw.length || !c.ok) return false;
    if (sync.report.symbol === null) sync.report.symbol = sym;
    sync.bookTicker(u, b, bq, a, aq);
    return true;
  }
  if (c.lit('trade","E":')) {
    c.int();
    if (!c.lit(',"T":')) return false;
    const T = c.int();
    if (!c.lit(',"s":"')) return false;
    const sym = c.string();
    if (sym === null || !c.lit(',"t":')) return false;
    const t = c.int();
    if (!c.lit(',"p":')) return false;
    const price = c.dec();
    if (!c.lit(',"q":')) return false;
    const qty = c.dec();
    if (!c.lit(',"X":"') || !c.skipString() || !c.lit(',"m":')) return false;
    const m = c.lit('true') ? true : c.lit('false') ? false : null;
    if (m === null || !c.lit('}}') || c.i !== raw.length || !c.ok) return false;
    if (sync.report.symbol === null) sync.report.symbol = sym;
    sync.trade({ id: t, price, qty, buyerMaker: m, timeMs: T, localTsNs: BigInt(raw.slice(0, sp)) });
    return true;
  }
  if (c.lit('depthUpdate","E":')) {
    const E = c.int();
    if (!c.lit(',"T":')) return false;
    c.int();
    if (!c.lit(',"s":"')) return false;
    const sym = c.string();
    if (sym === null || !c.lit(',"U":')) return false;
    const U = c.int();
    if (!c.lit(',"u":')) return false;
    const u = c.int();
    if (!c.lit(',"pu":')) return false;
    const pu = c.int();
    if (!c.lit(',"b":')) return false;
    const bids = c.flatLevels();
    if (bids === null || !c.lit(',"a":')) return false;
    const asks = c.flatLevels();
    if (asks === null || !c.lit('}}') || c.i !== raw.length || !c.ok) return false;
    if (sync.report.symbol === null) sync.report.symbol = sym;
    sync.depth(new FlatDepthEvent(U, u, pu, E, bids, asks, BigInt(raw.slice(0, sp))));
    return true;
  }
  return false;
}

/** The cursor of fastStreamLine; `ok` turns false at the first value that is not in the layout. */
class FastCursor {
  s = '';
  i = 0;
  ok = true;

  lit(t: string): boolean {
    if (!this.s.startsWith(t, this.i)) return false;
    this.i += t.length;
    return true;
  }

  /** After an opening quote: to the closing quote; false on an escape or a control character. */
  skipString(): boolean {
    const s = this.s;
    for (let j = this.i; j < s.length; j++) {
      const ch = s.charCodeAt(j);
      if (ch === 34) {
        this.i = j + 1;
        return true;
      }
      if (ch === 92 || ch < 32) return false;
    }
    return false;
  }

  string(): string | null {
    const from = this.i;
    return this.skipString() ? this.s.slice(from, this.i - 1) : null;
  }

  /** A JSON integer literal: -?(0|[1-9][0-9]*), not followed by a fraction or exponent. */
  int(): number {
    const s = this.s;
    const from = this.i;
    let j = from;
    if (s.charCodeAt(j) === 45) j++;
    const d0 = j;
    let v = 0;
    for (; j < s.length; j++) {
      const ch = s.charCodeAt(j);
      if (ch < 48 || ch > 57) break;
      v = v * 10 + (ch - 48);
    }
    const nd = j - d0;
    const next = s.charCodeAt(j);
    if (nd === 0 || (nd > 1 && s.charCodeAt(d0) === 48) || next === 46 || next === 101 || next === 69) {
      this.ok = false;
      return Number.NaN;
    }
    this.i = j;
    if (nd > 15) return Number(s.slice(from, j));
    return d0 > from ? -v : v;
  }

  /** A string holding digits[.digits] (at most 15 digits), as Number() reads it. */
  dec(): number {
    const s = this.s;
    if (s.charCodeAt(this.i) !== 34) {
      this.ok = false;
      return Number.NaN;
    }
    let j = this.i + 1;
    let m = 0;
    let nd = 0;
    let frac = -1;
    for (; j < s.length; j++) {
      const ch = s.charCodeAt(j);
      if (ch >= 48 && ch <= 57) {
        m = m * 10 + (ch - 48);
        nd++;
        if (frac >= 0) frac++;
      } else if (ch === 46 && frac < 0) frac = 0;
      else break;
    }
    if (s.charCodeAt(j) !== 34 || nd === 0 || nd > 15 || frac === 0 || (frac > 0 && nd === frac)) {
      this.ok = false;
      return Number.NaN;
    }
    this.i = j + 1;
    return frac > 0 ? m / POW10[frac]! : m;
  }

  /** [["p","q"],…] of dec strings as [p0, q0, p1, q1, …]; null when not in that layout. */
  flatLevels(): number[] | null {
    if (!this.lit('[')) return null;
    const out: number[] = [];
    if (this.lit(']')) return out;
    for (;;) {
      if (!this.lit('[')) return null;
      const p = this.dec();
      if (!this.lit(',')) return null;
      const q = this.dec();
      if (!this.ok || !this.lit(']')) return null;
      out.push(p, q);
      if (this.lit(']')) return out;
      if (!this.lit(',')) return null;
    }
  }
}

const FAST = new FastCursor();
const POW10: number[] = [];
for (let k = 0; k <= 22; k++) POW10.push(10 ** k);

const CSV_HEADERS = {
  snapshot: 'local_ts_ns,last_update_id,event_time_ms,transact_time_ms,side,price,qty',
  updates:
    'local_ts_ns,event_time_ms,transact_time_ms,first_update_id,final_update_id,prev_final_update_id,side,price,qty',
  trades: 'local_ts_ns,event_time_ms,trade_time_ms,trade_id,price,qty,is_buyer_maker,order_type',
  bookTicker: 'local_ts_ns,update_id,event_time_ms,transact_time_ms,bid_price,bid_qty,ask_price,ask_qty',
  /** Binance's historical order-book files (data.binance.vision futures "bookDepth"-style L2 deltas). */
  historical: 'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu',
} as const;
type CsvKind = keyof typeof CSV_HEADERS;

/**
 * The CSV form of a capture (one row per level of a snapshot or update; trades; bookTicker), told
 * apart by the header. Files are processed snapshot first, then updates, then bookTicker and trades
 * (the bookTicker check does not depend on arrival order). Rows of one snapshot share last_update_id,
 * rows of one update share (U, u): each group is one message. Errors name the file and line.
 */
export async function readBinanceCsv(
  files: string[],
  sync: BinanceDepthSync,
  /** Awaited every 4096 lines (e.g. DatasetTables.spill, to keep memory bounded). */
  everyLines?: () => Promise<void>,
): Promise<void> {
  const kinds = new Map<string, CsvKind>();
  for (const file of files) {
    let header = '';
    for await (const line of readLines(file)) {
      header = line.replace(/^\uFEFF/, '');
      break;
    }
    const kind = (Object.keys(CSV_HEADERS) as CsvKind[]).find((k) => CSV_HEADERS[k] === header);
    if (kind === undefined)
      throw new CatalogError(
        `${file}:1: not a Binance CSV header (depth snapshot, depth updates, trades, bookTicker or historical depth), got ${JSON.stringify(header.slice(0, 80))}`,
      );
    kinds.set(file, kind);
  }
  const order: CsvKind[] = ['snapshot', 'historical', 'updates', 'bookTicker', 'trades'];
  for (const kind of order)
    for (const file of files.filter((f) => kinds.get(f) === kind))
      await readCsvFile(file, kind, sync, everyLines);
}

interface CsvMessage {
  snapshot: boolean;
  U: number;
  u: number;
  pu: number | undefined;
  E: number;
  local: bigint;
}

/**
 * The level rows of one depth message (consecutive rows with the same key) collected and handed to the
 * synchronizer as one snapshot (lastUpdateId = u) or one update.
 */
class LevelRowGroups {
  private key = '';
  private msg: (CsvMessage & { bids: [number, number][]; asks: [number, number][] }) | null = null;

  constructor(private readonly sync: BinanceDepthSync) {}

  /** A level row of the message `key`; `start` describes the message when the key is new. */
  row(key: string, start: () => CsvMessage, bid: boolean, price: number, qty: number): void {
    if (key !== this.key || this.msg === null) {
      this.flush();
      this.key = key;
      this.msg = { ...start(), bids: [], asks: [] };
    }
    (bid ? this.msg.bids : this.msg.asks).push([price, qty]);
  }

  flush(): void {
    const m = this.msg;
    if (m === null) return;
    if (m.snapshot) this.sync.snapshot(m.u, m.bids, m.asks, m.local, m.E);
    else
      this.sync.depth({ U: m.U, u: m.u, pu: m.pu, E: m.E, bids: m.bids, asks: m.asks, localTsNs: m.local });
    this.msg = null;
  }
}

/**
 * Binance historical depth CSV: `symbol,timestamp,first_update_id,last_update_id,side (b/a),
 * update_type (snap/set),price,qty,pu`; rows of one message share (update_type, first, last); a `snap`
 * group is a snapshot with lastUpdateId = last_update_id, a `set` group an update (U, u, pu). No receive
 * time: local_ts_ns = the exchange timestamp.
 */
async function readHistoricalFile(
  file: string,
  sync: BinanceDepthSync,
  everyLines?: () => Promise<void>,
): Promise<void> {
  let n = 0;
  const groups = new LevelRowGroups(sync);
  for await (const raw of readLines(file)) {
    n++;
    if ((n & 4095) === 0 && everyLines !== undefined) await everyLines();
    if (n === 1 || raw === '') continue;
    sync.report.lines++;
    const where = `${file}:${n}`;
    const c = raw.split(',');
    if (c.length !== 9) throw new CatalogError(`${where}: expected 9 columns, got ${c.length}`);
    if (sync.report.symbol === null) sync.report.symbol = c[0]!;
    const type = c[5];
    if (type !== 'snap' && type !== 'set')
      throw new CatalogError(
        `${where}: column update_type: expected snap or set, got ${JSON.stringify(type)}`,
      );
    const side = c[4];
    if (side !== 'b' && side !== 'a')
      throw new CatalogError(`${where}: column side: expected b or a, got ${JSON.stringify(side)}`);
    const price = num(c[6], where, 'price');
    const qty = num(c[7], where, 'qty');
    groups.row(
      `${type}|${c[2]}|${c[3]}`,
      () => {
        const E = num(c[1], where, 'timestamp');
        return {
          snapshot: type === 'snap',
          U: num(c[2], where, 'first_update_id'),
          u: num(c[3], where, 'last_update_id'),
          pu: num(c[8], where, 'pu'),
          E,
          local: BigInt(Math.round(E)) * 1_000_000n,
        };
      },
      side === 'b',
      price,
      qty,
    );
  }
  groups.flush();
}

async function readCsvFile(
  file: string,
  kind: CsvKind,
  sync: BinanceDepthSync,
  everyLines?: () => Promise<void>,
): Promise<void> {
  if (kind === 'historical') return readHistoricalFile(file, sync, everyLines);
  const width = CSV_HEADERS[kind].split(',').length;
  let n = 0;
  const groups = new LevelRowGroups(sync);
  for await (const raw of readLines(file)) {
    n++;
    if ((n & 4095) === 0 && everyLines !== undefined) await everyLines();
    if (n === 1 || raw === '') continue;
    sync.report.lines++;
    const where = `${file}:${n}`;
    const c = raw.split(',');
    if (c.length !== width) throw new CatalogError(`${where}: expected ${width} columns, got ${c.length}`);
    if (!/^\d{1,20}$/.test(c[0]!))
      throw new CatalogError(`${where}: column local_ts_ns: not an integer: ${JSON.stringify(c[0])}`);
    const local = BigInt(c[0]!);
    if (kind === 'bookTicker') {
      sync.bookTicker(
        num(c[1], where, 'update_id'),
        num(c[4], where, 'bid_price'),
        num(c[5], where, 'bid_qty'),
        num(c[6], where, 'ask_price'),
        num(c[7], where, 'ask_qty'),
      );
      continue;
    }
    if (kind === 'trades') {
      const m = c[6];
      if (m !== 'true' && m !== 'false')
        throw new CatalogError(
          `${where}: column is_buyer_maker: expected true or false, got ${JSON.stringify(m)}`,
        );
      sync.trade({
        id: num(c[3], where, 'trade_id'),
        price: num(c[4], where, 'price'),
        qty: num(c[5], where, 'qty'),
        buyerMaker: m === 'true',
        timeMs: num(c[2], where, 'trade_time_ms'),
        localTsNs: local,
      });
      continue;
    }
    const side = kind === 'snapshot' ? c[4] : c[6];
    if (side !== 'bid' && side !== 'ask')
      throw new CatalogError(`${where}: column side: expected bid or ask, got ${JSON.stringify(side)}`);
    const price = num(kind === 'snapshot' ? c[5] : c[7], where, 'price');
    const qty = num(kind === 'snapshot' ? c[6] : c[8], where, 'qty');
    groups.row(
      kind === 'snapshot' ? c[1]! : `${c[3]}|${c[4]}`,
      () =>
        kind === 'snapshot'
          ? {
              snapshot: true,
              U: 0,
              u: num(c[1], where, 'last_update_id'),
              pu: undefined,
              E: num(c[2], where, 'event_time_ms'),
              local,
            }
          : {
              snapshot: false,
              U: num(c[3], where, 'first_update_id'),
              u: num(c[4], where, 'final_update_id'),
              pu: c[5] === '' ? undefined : num(c[5], where, 'prev_final_update_id'),
              E: num(c[1], where, 'event_time_ms'),
              local,
            },
      side === 'bid',
      price,
      qty,
    );
  }
  groups.flush();
}
