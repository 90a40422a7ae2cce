/**
 * A catalog dataset read once into typed arrays for calibration and validation: the top of book, the
 * trades and the events (times in seconds from the dataset's first top-of-book row, so doubles keep
 * sub-microsecond resolution), plus helpers every consumer needs: the mid sampled on a regular grid,
 * the mid just before every event (for flow-rates.ts), the tick and the lot.
 */
import { existsSync } from 'node:fs';
import { EVENT_KIND, datasetFile, openDuck, readDataset, type DatasetInfo } from '../data/catalog';
import type { FlowEvents } from './flow-rates';
import { TickFinder } from '../data/tick';

/**
 * A time window of a dataset: seconds after its first exchange timestamp (DatasetInfo.firstTsNs, the
 * origin of a replay's `from`/`to` too, core/replay/scenario.ts), `from` inclusive, `to` exclusive;
 * either end may be left open. Calibrating on [0, T) and replaying [T, end) keeps the data apart.
 */
export interface TimeWindow {
  from?: number | undefined;
  to?: number | undefined;
}

/** Seconds from the dataset's first to its last exchange timestamp. */
export function datasetSpanSeconds(info: DatasetInfo): number {
  return Number(BigInt(info.lastTsNs) - BigInt(info.firstTsNs)) / 1e9;
}

/** Validate a window against the dataset; RangeError naming the bound. */
export function checkWindow(info: DatasetInfo, w: TimeWindow | undefined): void {
  if (w === undefined) return;
  const span = datasetSpanSeconds(info);
  if (w.from !== undefined && !(Number.isFinite(w.from) && w.from >= 0))
    throw new RangeError(`window from must be a number of seconds ≥ 0 (got ${w.from})`);
  if (w.to !== undefined && !(Number.isFinite(w.to) && w.to > 0))
    throw new RangeError(`window to must be a number of seconds > 0 (got ${w.to})`);
  if (w.from !== undefined && w.to !== undefined && !(w.to > w.from))
    throw new RangeError(`window to (${w.to}) must be greater than from (${w.from})`);
  if (w.from !== undefined && w.from >= span)
    throw new RangeError(
      `window from (${w.from} s) is past the end of dataset ${info.id} (it spans ${span.toFixed(3)} s)`,
    );
}

/**
 * The SQL condition selecting exchange_ts_ns inside the window ('TRUE' without one); the bounds are
 * integers computed here, never text from the user.
 */
export function windowCondition(info: DatasetInfo, w: TimeWindow | undefined): string {
  const base = BigInt(info.firstTsNs);
  const parts: string[] = [];
  if (w?.from !== undefined) parts.push(`exchange_ts_ns >= ${base + BigInt(Math.round(w.from * 1e9))}`);
  if (w?.to !== undefined) parts.push(`exchange_ts_ns < ${base + BigInt(Math.round(w.to * 1e9))}`);
  return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
}

export interface DatasetArrays {
  info: DatasetInfo;
  /** ns of t = 0 (the first top-of-book row). */
  t0Ns: bigint;
  top: { seq: Float64Array; t: Float64Array; bid: Float64Array; ask: Float64Array };
  trades: { t: Float64Array; price: Float64Array; size: Float64Array; side: Int8Array };
  events: {
    seq: Float64Array;
    t: Float64Array;
    kind: Int8Array;
    orderId: Float64Array;
    side: Int8Array;
    price: Float64Array;
    size: Float64Array;
    /** local − exchange time in ms, NaN without a receive time. */
    receiveLagMs: Float64Array;
  };
}

export async function loadDatasetArrays(
  dataDir: string,
  idOrName: string,
  signal?: AbortSignal,
  window?: TimeWindow,
): Promise<DatasetArrays> {
  const info = readDataset(dataDir, idOrName);
  checkWindow(info, window);
  const where = windowCondition(info, window);
  const f = (t: 'top' | 'trades' | 'events'): string => datasetFile(dataDir, info.id, t);
  for (const t of ['top', 'trades', 'events'] as const)
    if (!existsSync(f(t))) throw new RangeError(`dataset ${info.id} has no ${t} table`);
  const { conn, close } = await openDuck();
  let top: unknown[][];
  let tr: unknown[][];
  let ev: unknown[][];
  try {
    const q = (table: 'top' | 'trades' | 'events', cols: string): Promise<unknown[][]> =>
      conn
        .runAndReadAll(`SELECT ${cols} FROM read_parquet('${f(table).replaceAll("'", "''")}') WHERE ${where}`)
        .then((r) => r.getRows() as unknown[][]);
    // `signal`: stop between the queries (each runs off the main thread)
    top = await q('top', 'seq, exchange_ts_ns, bid_price, ask_price');
    signal?.throwIfAborted();
    tr = await q('trades', 'exchange_ts_ns, price, size, side');
    signal?.throwIfAborted();
    ev = await q('events', 'seq, exchange_ts_ns, kind, order_id, side, price, size, local_ts_ns');
    signal?.throwIfAborted();
  } finally {
    close();
  }
  if (top.length < 2)
    throw new RangeError(
      `dataset ${info.id}: fewer than two top-of-book rows${window !== undefined ? ' in the window' : ''}`,
    );
  const t0Ns = top[0]![1] as bigint;
  const sec = (ns: unknown): number => Number((ns as bigint) - t0Ns) / 1e9;
  const num = (x: unknown): number => (x === null || x === undefined ? Number.NaN : Number(x));
  return {
    info,
    t0Ns,
    top: {
      seq: Float64Array.from(top, (r) => num(r[0])),
      t: Float64Array.from(top, (r) => sec(r[1])),
      bid: Float64Array.from(top, (r) => num(r[2])),
      ask: Float64Array.from(top, (r) => num(r[3])),
    },
    trades: {
      t: Float64Array.from(tr, (r) => sec(r[0])),
      price: Float64Array.from(tr, (r) => num(r[1])),
      size: Float64Array.from(tr, (r) => num(r[2])),
      side: Int8Array.from(tr, (r) => num(r[3])),
    },
    events: {
      seq: Float64Array.from(ev, (r) => num(r[0])),
      t: Float64Array.from(ev, (r) => sec(r[1])),
      kind: Int8Array.from(ev, (r) => num(r[2])),
      orderId: Float64Array.from(ev, (r) => num(r[3])),
      side: Int8Array.from(ev, (r) => num(r[4])),
      price: Float64Array.from(ev, (r) => num(r[5])),
      size: Float64Array.from(ev, (r) => num(r[6])),
      receiveLagMs: Float64Array.from(ev, (r) =>
        r[7] === null ? Number.NaN : Number((r[7] as bigint) - (r[1] as bigint)) / 1e6,
      ),
    },
  };
}

/** Mid of a top row, NaN when a side is empty or the book is locked/crossed. */
export function topMid(d: DatasetArrays, i: number): number {
  const b = d.top.bid[i]!;
  const a = d.top.ask[i]!;
  return a > b ? (a + b) / 2 : Number.NaN;
}

/**
 * The mid at t = start + k·dt for k = 0 … ⌊(end − start)/dt⌋: the last top row at or before each grid
 * time (NaN until the first two-sided book), carried forward over one-sided or crossed rows.
 */
export function midGrid(d: DatasetArrays, dt: number): { t: Float64Array; mid: Float64Array } {
  const n = d.top.t.length;
  const start = d.top.t[0]!;
  const end = d.top.t[n - 1]!;
  const m = Math.floor((end - start) / dt + 1e-9) + 1;
  const t = new Float64Array(m);
  const mid = new Float64Array(m);
  let j = -1;
  let last = Number.NaN;
  for (let k = 0; k < m; k++) {
    const tk = start + k * dt;
    while (j + 1 < n && d.top.t[j + 1]! <= tk) {
      j++;
      const x = topMid(d, j);
      if (Number.isFinite(x)) last = x;
    }
    t[k] = tk;
    mid[k] = last;
  }
  return { t, mid };
}

/** Smallest positive gap between distinct best prices (TickFinder, as book-stats.ts does). */
export function inferTick(d: DatasetArrays): number {
  const finder = new TickFinder();
  for (let i = 0; i < d.top.t.length; i++) {
    finder.add(d.top.bid[i]!);
    finder.add(d.top.ask[i]!);
  }
  const tick = finder.tick();
  if (!(tick > 0)) throw new RangeError('too few distinct prices to infer the tick');
  return tick;
}

/** The lot: the smallest positive trade size (1 share on LOBSTER, 0.001 BTC on the Binance capture). */
export function inferLot(d: DatasetArrays): number {
  let m = Number.POSITIVE_INFINITY;
  for (let i = 0; i < d.trades.size.length; i++)
    if (d.trades.size[i]! > 0) m = Math.min(m, d.trades.size[i]!);
  return Number.isFinite(m) ? Number(m.toPrecision(9)) : 1;
}

const BOOK_KINDS = new Set<number>([
  EVENT_KIND.add,
  EVENT_KIND.partialCancel,
  EVENT_KIND.delete,
  EVENT_KIND.execute,
  EVENT_KIND.hiddenExecute,
  EVENT_KIND.cross,
  EVENT_KIND.halt,
  EVENT_KIND.snapshotLevel,
  EVENT_KIND.levelSet,
]);

/**
 * The events with the mid just before each, in time order: book events keep their source order (the
 * book's own sequence), and venue trades (kind `trade`, a separate stream on Binance and Tardis) are
 * merged into it by exchange time, a trade before a book event of the same time (the update that
 * shows a trade's effect on a level is stamped at or after the trade). Top rows are matched by seq (the
 * catalog writes one top row after each book event or group of events sharing a seq, e.g. one Binance
 * depth update, or after the last row of a Tardis group); trades see the latest top row applied.
 */
export function flowEvents(d: DatasetArrays): FlowEvents {
  const e = d.events;
  const n = e.t.length;
  const book: number[] = [];
  const other: number[] = [];
  for (let i = 0; i < n; i++) (BOOK_KINDS.has(e.kind[i]!) ? book : other).push(i);
  const order = new Int32Array(n);
  let a = 0;
  let b = 0;
  for (let k = 0; k < n; k++) {
    const takeOther = b < other.length && (a >= book.length || e.t[other[b]!]! <= e.t[book[a]!]!);
    order[k] = takeOther ? other[b++]! : book[a++]!;
  }
  const pick = <T extends Float64Array | Int8Array>(src: T, out: T): T => {
    for (let k = 0; k < n; k++) out[k] = src[order[k]!]!;
    return out;
  };
  const seq = pick(e.seq, new Float64Array(n));
  const kind = pick(e.kind, new Int8Array(n));
  const midBefore = new Float64Array(n);
  const bidBefore = new Float64Array(n);
  const askBefore = new Float64Array(n);
  let k = 0;
  let cur = Number.NaN;
  let bid = Number.NaN;
  let ask = Number.NaN;
  const apply = (): void => {
    const x = topMid(d, k);
    if (Number.isFinite(x)) cur = x;
    bid = d.top.bid[k]!;
    ask = d.top.ask[k]!;
    k++;
  };
  // the next book event after position i (trades in between do not end a group)
  const nextBook = new Int32Array(n).fill(-1);
  for (let i = n - 2, nb = -1; i >= 0; i--) {
    if (BOOK_KINDS.has(kind[i + 1]!)) nb = i + 1;
    nextBook[i] = nb;
  }
  for (let i = 0; i < n; i++) {
    const isBook = BOOK_KINDS.has(kind[i]!);
    const s = seq[i]!;
    if (isBook) while (k < d.top.seq.length && d.top.seq[k]! < s) apply();
    midBefore[i] = cur;
    bidBefore[i] = bid;
    askBefore[i] = ask;
    if (isBook && k < d.top.seq.length && d.top.seq[k] === s) {
      const j = nextBook[i]!;
      if (j < 0 || seq[j] !== s) apply();
    }
  }
  return {
    t: pick(e.t, new Float64Array(n)),
    kind,
    orderId: pick(e.orderId, new Float64Array(n)),
    side: pick(e.side, new Int8Array(n)),
    price: pick(e.price, new Float64Array(n)),
    size: pick(e.size, new Float64Array(n)),
    midBefore,
    bidBefore,
    askBefore,
  };
}
