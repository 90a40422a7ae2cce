/**
 * A replay tape: one dataset's events in memory as typed arrays, in the order they were recorded, with
 * what the replay needs besides the raw columns — a monotone clock in seconds, the tick size, whether
 * order ids give exact (L3) queues, recorded feed delays, and for LOBSTER the venue's own top of book
 * after every message (the replay repairs its derived book from it, see ./replay-market.ts).
 *
 * Time: `t[i]` is seconds since the dataset's first exchange timestamp, made monotone (a running
 * maximum): captures are in receive order, and the exchange timestamps of different streams (depth,
 * trades) can be out of order by a few milliseconds. Delays: `delay[i]` = (local − exchange) receive
 * time in seconds where the source records a receive time (Binance captures), else NaN; it includes the
 * capture host's clock offset, which ./recorded-latency.ts removes.
 *
 * Loading reads events.parquet through core/data/event-columns.ts (DuckDB vectors copied into typed
 * arrays), so nothing is allocated per event; a tape of n events takes ≈ 50·n bytes.
 */
import { existsSync } from 'node:fs';
import { EVENT_KIND, datasetFile, openDuck, readDataset, type DatasetInfo } from '../data/catalog';
import { loadEventColumns, type EventColumns } from '../data/event-columns';
import { TickFinder } from '../data/tick';

export interface TopColumns {
  bid: Float64Array;
  bidSize: Float64Array;
  ask: Float64Array;
  askSize: Float64Array;
}

export interface ReplayTape {
  id: string;
  name: string;
  venue: string;
  symbol: string;
  format: string;
  /** Events carry order ids with adds, cancels and executions (LOBSTER): exact FIFO queues possible. */
  l3: boolean;
  /** Price grid of the instrument (quote currency). */
  tick: number;
  count: number;
  t: Float64Array;
  seq: Float64Array;
  kind: Int8Array;
  /** +1 buy / −1 sell: the resting order's side for L3 kinds and levels, the aggressor's for trades. */
  side: Int8Array;
  price: Float64Array;
  size: Float64Array;
  orderId: Float64Array;
  /** Receive − exchange time (s) per event; NaN where not recorded. Null when nothing is recorded. */
  delay: Float64Array | null;
  /** The venue's top of book after each event (NaN where none), for L3 sources with a top table. */
  top: TopColumns | null;
}

/** Kinds that change the book. */
export function isBookKind(k: number): boolean {
  return (
    (k >= EVENT_KIND.add && k <= EVENT_KIND.execute) ||
    k === EVENT_KIND.snapshotLevel ||
    k === EVENT_KIND.levelSet
  );
}

/**
 * The tick size implied by the prices: the smallest positive difference between distinct prices,
 * snapped to 10⁻⁹ (prices are decimal numbers in quote currency). Throws when fewer than 2 distinct
 * prices exist.
 */
export function inferTick(price: Float64Array, kind: Int8Array, count: number): number {
  const finder = new TickFinder();
  for (let i = 0; i < count && finder.distinct < 20_000; i++) {
    const p = price[i]!;
    if (p > 0 && isBookKind(kind[i]!)) finder.add(p);
  }
  const tick = finder.tick();
  if (!(tick > 0)) throw new RangeError('too few distinct book prices to infer the tick size');
  return tick;
}

/** Assemble a tape from event columns (and, for L3 sources, the top table aligned by seq). */
export function buildTape(
  info: Pick<DatasetInfo, 'id' | 'name' | 'venue' | 'symbol' | 'format'>,
  cols: EventColumns,
  opts: { tick?: number; top?: { seq: Float64Array } & TopColumns } = {},
): ReplayTape {
  const n = cols.count;
  const t = new Float64Array(n);
  let last = Number.NEGATIVE_INFINITY;
  let l3 = false;
  let anyDelay = false;
  const delay = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ts = cols.exchangeTsNs[i]! / 1e9;
    if (ts > last) last = ts;
    t[i] = last;
    const k = cols.kind[i]!;
    if (k === EVENT_KIND.add) l3 = true;
    const d = (cols.localTsNs[i]! - cols.exchangeTsNs[i]!) / 1e9;
    delay[i] = d;
    if (d === d) anyDelay = true;
  }
  const tick = opts.tick ?? inferTick(cols.price, cols.kind, n);
  if (!(tick > 0)) throw new RangeError(`tick size must be > 0 (got ${tick})`);
  let top: TopColumns | null = null;
  if (opts.top !== undefined) {
    const src = opts.top;
    top = {
      bid: new Float64Array(n).fill(Number.NaN),
      bidSize: new Float64Array(n),
      ask: new Float64Array(n).fill(Number.NaN),
      askSize: new Float64Array(n),
    };
    // Both are in seq order: walk them together.
    let j = 0;
    for (let i = 0; i < n; i++) {
      const s = cols.seq[i]!;
      while (j < src.seq.length && src.seq[j]! < s) j++;
      if (j < src.seq.length && src.seq[j] === s) {
        top.bid[i] = src.bid[j]!;
        top.bidSize[i] = src.bidSize[j]!;
        top.ask[i] = src.ask[j]!;
        top.askSize[i] = src.askSize[j]!;
      }
    }
  }
  return {
    id: info.id,
    name: info.name,
    venue: info.venue,
    symbol: info.symbol,
    format: info.format,
    l3,
    tick,
    count: n,
    t,
    seq: cols.seq,
    kind: cols.kind,
    side: cols.side,
    price: cols.price,
    size: cols.size,
    orderId: cols.orderId,
    delay: anyDelay ? delay : null,
    top,
  };
}

export interface LoadTapeOptions {
  /** Events after this many seconds from the dataset's start are not loaded. */
  toSeconds?: number;
  /** Override the inferred tick size. */
  tick?: number;
}

/** Load a dataset (id, unique prefix or name) of the catalog in `dataDir` as a tape. */
export async function loadTape(dataDir: string, id: string, opts: LoadTapeOptions = {}): Promise<ReplayTape> {
  const info = readDataset(dataDir, id);
  const base = BigInt(info.firstTsNs);
  const toTsNs = opts.toSeconds !== undefined ? base + BigInt(Math.ceil(opts.toSeconds * 1e9)) : undefined;
  const cols = await loadEventColumns(dataDir, info.id, toTsNs !== undefined ? { toTsNs } : {});
  let top: ({ seq: Float64Array } & TopColumns) | undefined;
  const hasL3 = cols.kind.includes(EVENT_KIND.add);
  const topFile = datasetFile(dataDir, info.id, 'top');
  if (hasL3 && existsSync(topFile)) top = await loadTop(topFile, cols.count);
  return buildTape(info, cols, {
    ...(opts.tick !== undefined ? { tick: opts.tick } : {}),
    ...(top ? { top } : {}),
  });
}

async function loadTop(file: string, capacityHint: number): Promise<{ seq: Float64Array } & TopColumns> {
  const nan = `'NaN'::DOUBLE`;
  const sql =
    `SELECT seq::DOUBLE, coalesce(bid_price, ${nan}), coalesce(bid_size, 0), coalesce(ask_price, ${nan}), ` +
    `coalesce(ask_size, 0) FROM read_parquet('${file.replaceAll("'", "''")}')`;
  const { conn, close } = await openDuck();
  try {
    let cap = Math.max(16, capacityHint + 1);
    let cols = [0, 1, 2, 3, 4].map(() => new Float64Array(cap));
    let n = 0;
    const result = await conn.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const rows = chunk.rowCount;
      if (n + rows > cap) {
        cap = Math.max(cap * 2, n + rows);
        cols = cols.map((a) => {
          const b = new Float64Array(cap);
          b.set(a.subarray(0, n));
          return b;
        });
      }
      for (let c = 0; c < 5; c++) {
        const items = (chunk.getColumnVector(c) as unknown as { items: Float64Array }).items;
        cols[c]!.set(items.subarray(0, rows), n);
      }
      n += rows;
    }
    const [seq, bid, bidSize, ask, askSize] = cols.map((a) => a.subarray(0, n)) as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    return { seq, bid, bidSize, ask, askSize };
  } finally {
    close();
  }
}
