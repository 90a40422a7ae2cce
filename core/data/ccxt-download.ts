/**
 * `data download`: history from an exchange's REST API through ccxt (./ccxt-venue.ts) into a catalog
 * dataset (./catalog.ts), streamed page by page into the table writers (one page in memory at a time).
 *
 * - trades: `fetchTrades` pages from --since until --until (exclusive). Binance-family venues page by
 *   trade id (`fromId`) once a first trade is found, and by one-hour windows before that (their
 *   startTime/endTime limit; an empty hour moves the window on); other venues page by time (`since` =
 *   the last trade's timestamp, trades already written dropped by id; an empty page ends the download).
 *   → the trades table and trade events (seq = the venue's trade id when it is an integer, else the
 *   trade's position; side = the aggressor; local_ts_ns NULL).
 * - ohlcv: `fetchOHLCV` pages of up to 1000 bars from --since, next page from the last bar's open plus
 *   the timeframe, until --until (bars opening at or after it are not written) → the bars table.
 * - book: N `fetchOrderBook` snapshots --interval seconds apart → snapshotLevel events (seq = the
 *   book's nonce, e.g. Binance's lastUpdateId, else the snapshot's number) and one top row each;
 *   exchange_ts_ns = the venue's timestamp, else the receive time (spot Binance sends none).
 *
 * Every row is validated (finite positive prices and sizes, integer timestamps in order, sides, an
 * uncrossed book with sorted levels; OHLC consistent); the first bad row fails the download with a
 * VenueError naming the request and the row, and the dataset is not written. The id is the SHA-256 of
 * the venue, symbol, kind and the normalized rows, so downloading the same history twice finds the
 * existing dataset.
 */
import { createHash } from 'node:crypto';
import type { OHLCV, OrderBook, Trade } from 'ccxt';
import { DATASET_FORMAT_VERSION, EVENT_KIND, buildDataset, type DatasetInfo } from './catalog';
import { VenueError, abortError, openVenue, sleepAbortable, type Venue } from './ccxt-venue';

export type DownloadKind = 'trades' | 'ohlcv' | 'book';

export interface DownloadOptions {
  dataDir: string;
  exchange: string;
  symbol: string;
  what: DownloadKind;
  /** ms since the epoch (trades, ohlcv) */
  sinceMs: number;
  /** ms since the epoch, exclusive (trades, ohlcv) */
  untilMs: number;
  /** ohlcv: ccxt timeframe, e.g. "1m" */
  timeframe?: string;
  /** book: number of snapshots and the pause between them (ms), and the depth asked for */
  snapshots?: number;
  intervalMs?: number;
  depth?: number;
  name?: string;
  /** Base URL replacing the venue's origins (tests, proxies). */
  url?: string | undefined;
  signal?: AbortSignal;
  /** Progress: `done` of `total` (ms of the time range, or snapshots), rows written so far. */
  onProgress?: (done: number, total: number, rows: number) => void;
  /** Notes for the user (retries). */
  onNote?: (message: string) => void;
}

export interface DownloadResult {
  info: DatasetInfo;
  existed: boolean;
}

const MS_NS = 1_000_000n;
/** Binance's largest page of trades and bars, and its aggTrades time window. */
const PAGE = 1000;
const BINANCE_TRADE_WINDOW_MS = 3_600_000;
const FROM_ID_PAGING = new Set(['binance', 'binanceusdm', 'binancecoinm', 'binanceus']);

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** Keeps the first and last timestamp and the content hash of what was written. */
class Written {
  first: bigint | null = null;
  last = 0n;
  rows = 0;
  readonly hash = createHash('sha256');

  constructor(header: string) {
    this.hash.update(`${header}\n`);
  }

  row(ns: bigint, line: string): void {
    this.first ??= ns;
    if (ns > this.last) this.last = ns;
    this.rows++;
    this.hash.update(line);
    this.hash.update('\n');
  }
}

export async function downloadDataset(opts: DownloadOptions): Promise<DownloadResult> {
  const venue = await openVenue({
    exchange: opts.exchange,
    symbol: opts.symbol,
    url: opts.url,
    signal: opts.signal,
    onRetry: (m) => opts.onNote?.(m),
    needs: [{ trades: 'fetchTrades', ohlcv: 'fetchOHLCV', book: 'fetchOrderBook' }[opts.what]],
  });
  try {
    const symbol = venue.market.symbol;
    const header = [venue.id, symbol, opts.what, opts.what === 'ohlcv' ? (opts.timeframe ?? '1m') : ''].join(
      '\0',
    );
    const w = new Written(header);
    const verification: Record<string, number> = {};
    const roles: string[] = [];
    const result = await buildDataset(
      opts.dataDir,
      async (t) => {
        if (opts.what === 'trades') {
          roles.push('fetchTrades');
          Object.assign(verification, await downloadTrades(venue, opts, w, t.events, t.trades));
        } else if (opts.what === 'ohlcv') {
          roles.push('fetchOHLCV');
          Object.assign(verification, await downloadBars(venue, opts, w, t.bars!));
        } else {
          roles.push('fetchOrderBook');
          Object.assign(verification, await downloadBooks(venue, opts, w, t.events, t.top));
        }
        if (w.rows === 0)
          throw new VenueError(
            `${venue.id} ${symbol}: nothing to download (${opts.what === 'book' ? 'no book' : `no ${opts.what} from ${iso(opts.sinceMs)} to ${iso(opts.untilMs)}`})`,
          );
        verification.retries = venue.retries();
        const hash = w.hash.digest('hex');
        const first = w.first ?? 0n;
        const date = new Date(Number(first / MS_NS)).toISOString().slice(0, 10);
        const kind = opts.what === 'ohlcv' ? `ohlcv_${opts.timeframe ?? '1m'}` : opts.what;
        const info: Omit<DatasetInfo, 'counts'> = {
          formatVersion: DATASET_FORMAT_VERSION,
          id: hash.slice(0, 16),
          name: opts.name ?? `${venue.market.id}_${venue.id}_${kind}_${date}`,
          venue: venue.id,
          symbol,
          format: `ccxt ${kind}`,
          levels: opts.what === 'book' ? (opts.depth ?? null) : null,
          firstTsNs: first.toString(),
          lastTsNs: w.last.toString(),
          contentHash: hash,
          sources: roles.map((role) => ({ role, file: venue.lastEndpoint(), bytes: venue.bytes() })),
          verification,
        };
        return info;
      },
      { bars: opts.what === 'ohlcv' },
    );
    return result;
  } finally {
    await venue.close();
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

interface Writer {
  push(...values: (number | bigint)[]): void;
}

/** Aggressor side: 1 buyer-initiated, −1 seller-initiated, 0 unknown. */
function sideOf(t: Trade): number {
  return t.side === 'buy' ? 1 : t.side === 'sell' ? -1 : 0;
}

function checkTrade(t: Trade, where: string, k: number): void {
  const name = `${where}: trade ${k + 1} of the page${t.id !== undefined ? ` (id ${t.id})` : ''}`;
  if (!isInt(t.timestamp))
    throw new VenueError(`${name}: timestamp ${String(t.timestamp)} is not an integer (ms)`);
  if (!positive(t.price)) throw new VenueError(`${name}: price ${String(t.price)} is not a positive number`);
  if (!positive(t.amount))
    throw new VenueError(`${name}: amount ${String(t.amount)} is not a positive number`);
  const side = t.side as unknown;
  if (side !== 'buy' && side !== 'sell' && side !== undefined && side !== null)
    throw new VenueError(`${name}: side ${JSON.stringify(side)} is not buy or sell`);
}

async function downloadTrades(
  venue: Venue,
  opts: DownloadOptions,
  w: Written,
  events: Writer,
  trades: Writer,
): Promise<Record<string, number>> {
  const { ex } = venue;
  const symbol = venue.market.symbol;
  const byId = FROM_ID_PAGING.has(venue.id);
  let since = opts.sinceMs;
  let lastId: number | null = null;
  let lastTs = -1;
  /** ids written at lastTs (time paging: the next page starts at lastTs again) */
  let idsAtLastTs = new Set<string>();
  let pages = 0;
  let emptyWindows = 0;
  let duplicates = 0;
  let idGaps = 0;
  let position = 0;
  const total = opts.untilMs - opts.sinceMs;
  for (;;) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const fromId = byId && lastId !== null ? lastId + 1 : null;
    const what = fromId !== null ? `fetchTrades fromId ${fromId}` : `fetchTrades since ${iso(since)}`;
    const page: Trade[] = await venue.call(what, () =>
      fromId !== null
        ? ex.fetchTrades(symbol, undefined, PAGE, { fromId })
        : ex.fetchTrades(symbol, since, PAGE),
    );
    pages++;
    if (!Array.isArray(page)) throw new VenueError(`${venue.id} ${what}: the answer is not a list of trades`);
    if (page.length === 0) {
      if (byId && lastId === null && since + BINANCE_TRADE_WINDOW_MS < opts.untilMs) {
        since += BINANCE_TRADE_WINDOW_MS; // an empty window: the next one
        emptyWindows++;
        opts.onProgress?.(since - opts.sinceMs, total, w.rows);
        continue;
      }
      break;
    }
    let fresh = 0;
    let reachedUntil = false;
    for (let k = 0; k < page.length; k++) {
      const t = page[k]!;
      checkTrade(t, `${venue.id} ${what}`, k);
      const ts = t.timestamp!;
      if (ts < opts.sinceMs) continue;
      if (ts >= opts.untilMs) {
        reachedUntil = true;
        break;
      }
      const id = t.id ?? '';
      const numericId = /^\d{1,15}$/.test(id) ? Number(id) : null;
      if (ts < lastTs)
        throw new VenueError(
          `${venue.id} ${what}: trade ${k + 1} of the page (id ${id}) at ${iso(ts)} is older than the previous trade (${iso(lastTs)})`,
        );
      if (
        (numericId !== null && lastId !== null && numericId <= lastId) ||
        (ts === lastTs && idsAtLastTs.has(id))
      ) {
        duplicates++;
        continue;
      }
      if (numericId !== null && lastId !== null && numericId !== lastId + 1) idGaps++;
      if (ts !== lastTs) idsAtLastTs = new Set();
      idsAtLastTs.add(id);
      lastTs = ts;
      if (numericId !== null) lastId = numericId;
      fresh++;
      position++;
      const seq = numericId ?? position;
      const ns = BigInt(ts) * MS_NS;
      const side = sideOf(t);
      const price = t.price as number; // checked by checkTrade
      const amount = t.amount!;
      events.push(seq, ns, EVENT_KIND.trade, Number.NaN, side, price, amount, Number.NaN);
      trades.push(seq, ns, price, amount, side);
      w.row(ns, `${seq},${ts},${t.price},${t.amount},${side}`);
    }
    opts.onProgress?.(Math.max(0, lastTs - opts.sinceMs), total, w.rows);
    if (reachedUntil) break;
    if (fresh === 0) {
      if (byId && lastId !== null) break; // fromId paging gave nothing new: caught up
      if (page.length < PAGE) break;
      since = lastTs + 1; // a full page of one millisecond, all written: move past it
      continue;
    }
    if (!byId) since = lastTs;
    else if (lastId === null) since = lastTs + 1; // trades without integer ids: time paging
  }
  return { pages, trades: w.rows, duplicatesDropped: duplicates, tradeIdGaps: idGaps, emptyWindows };
}

/** Milliseconds of a ccxt timeframe ("1m", "15m", "1h", "1d", "1w"). */
export function timeframeMs(tf: string): number {
  const m = /^(\d+)([smhdwM])$/.exec(tf);
  if (m === null) throw new VenueError(`timeframe "${tf}" is not N followed by s, m, h, d, w or M`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000 }[m[2]!]!;
  return Number(m[1]) * unit;
}

async function downloadBars(
  venue: Venue,
  opts: DownloadOptions,
  w: Written,
  bars: Writer,
): Promise<Record<string, number>> {
  const tf = opts.timeframe ?? '1m';
  const step = timeframeMs(tf);
  const tfs = venue.ex.timeframes as Record<string, unknown> | undefined;
  if (tfs !== undefined && Object.keys(tfs).length > 0 && !(tf in tfs))
    throw new VenueError(`${venue.id} has no ${tf} bars (its timeframes: ${Object.keys(tfs).join(', ')})`);
  const symbol = venue.market.symbol;
  let since = opts.sinceMs;
  let lastOpen = -1;
  let pages = 0;
  let duplicates = 0;
  let gaps = 0;
  const total = opts.untilMs - opts.sinceMs;
  for (;;) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const what = `fetchOHLCV ${tf} since ${iso(since)}`;
    const page: OHLCV[] = await venue.call(what, () => venue.ex.fetchOHLCV(symbol, tf, since, PAGE));
    pages++;
    if (!Array.isArray(page)) throw new VenueError(`${venue.id} ${what}: the answer is not a list of bars`);
    let fresh = 0;
    let reachedUntil = false;
    for (let k = 0; k < page.length; k++) {
      const bar = page[k]!;
      const name = `${venue.id} ${what}: bar ${k + 1} of the page`;
      if (!Array.isArray(bar) || bar.length < 6)
        throw new VenueError(`${name} is not [time, open, high, low, close, volume]`);
      const [ts, o, h, l, c, v] = bar;
      if (!isInt(ts)) throw new VenueError(`${name}: open time ${String(ts)} is not an integer (ms)`);
      for (const [label, x] of [
        ['open', o],
        ['high', h],
        ['low', l],
        ['close', c],
      ] as const)
        if (!positive(x))
          throw new VenueError(`${name} (${iso(ts)}): ${label} ${String(x)} is not a positive number`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new VenueError(`${name} (${iso(ts)}): volume ${String(v)} is not a number ≥ 0`);
      if (!(h! >= Math.max(o!, c!, l!) && l! <= Math.min(o!, c!)))
        throw new VenueError(
          `${name} (${iso(ts)}): high ${h} / low ${l} do not bound open ${o} and close ${c}`,
        );
      if (ts < opts.sinceMs) continue;
      if (ts >= opts.untilMs) {
        reachedUntil = true;
        break;
      }
      if (ts <= lastOpen) {
        duplicates++;
        continue;
      }
      if (lastOpen >= 0 && ts !== lastOpen + step) gaps++;
      lastOpen = ts;
      fresh++;
      const ns = BigInt(ts) * MS_NS;
      bars.push(ns, o!, h!, l!, c!, v);
      w.row(ns, `${ts},${o},${h},${l},${c},${v}`);
    }
    opts.onProgress?.(Math.max(0, lastOpen + step - opts.sinceMs), total, w.rows);
    if (reachedUntil || fresh === 0) break;
    since = lastOpen + step;
    if (since >= opts.untilMs) break;
  }
  return { pages, bars: w.rows, duplicatesDropped: duplicates, barGaps: gaps };
}

/** Levels of one side checked: finite positive prices and sizes, strictly ordered best first. */
function checkSide(levels: unknown, bids: boolean, where: string): [number, number][] {
  const side = bids ? 'bid' : 'ask';
  if (!Array.isArray(levels)) throw new VenueError(`${where}: the ${side}s are not a list`);
  const out: [number, number][] = [];
  for (let i = 0; i < levels.length; i++) {
    const lv = levels[i] as unknown;
    if (!Array.isArray(lv)) throw new VenueError(`${where}: ${side} level ${i + 1} is not [price, size]`);
    const [p, q] = lv as unknown[];
    if (!positive(p))
      throw new VenueError(`${where}: ${side} level ${i + 1}: price ${String(p)} is not a positive number`);
    if (!positive(q))
      throw new VenueError(
        `${where}: ${side} level ${i + 1} (${p}): size ${String(q)} is not a positive number`,
      );
    const prev = out[i - 1];
    if (prev !== undefined && (bids ? p >= prev[0] : p <= prev[0]))
      throw new VenueError(
        `${where}: ${side} level ${i + 1} (${p}) is not ${bids ? 'below' : 'above'} level ${i} (${prev[0]})`,
      );
    out.push([p, q]);
  }
  return out;
}

/** A ccxt order book checked (sides sorted and uncrossed); the levels as numbers. */
export function checkBook(
  ob: OrderBook,
  where: string,
): { bids: [number, number][]; asks: [number, number][] } {
  if (ob === null || typeof ob !== 'object')
    throw new VenueError(`${where}: the answer is not an order book`);
  const bids = checkSide(ob.bids, true, where);
  const asks = checkSide(ob.asks, false, where);
  if (bids.length > 0 && asks.length > 0 && bids[0]![0] >= asks[0]![0])
    throw new VenueError(`${where}: the book is crossed (best bid ${bids[0]![0]} ≥ best ask ${asks[0]![0]})`);
  if (ob.timestamp !== undefined && ob.timestamp !== null && !isInt(ob.timestamp))
    throw new VenueError(`${where}: timestamp ${String(ob.timestamp)} is not an integer (ms)`);
  if (ob.nonce !== undefined && ob.nonce !== null && !isInt(ob.nonce))
    throw new VenueError(`${where}: nonce ${String(ob.nonce)} is not an integer`);
  return { bids, asks };
}

async function downloadBooks(
  venue: Venue,
  opts: DownloadOptions,
  w: Written,
  events: Writer,
  top: Writer,
): Promise<Record<string, number>> {
  const n = opts.snapshots ?? 1;
  const symbol = venue.market.symbol;
  let levels = 0;
  let withoutTimestamp = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) await sleepAbortable(opts.intervalMs ?? 0, opts.signal);
    const what = `fetchOrderBook${opts.depth !== undefined ? ` limit ${opts.depth}` : ''} (snapshot ${i + 1} of ${n})`;
    const ob: OrderBook = await venue.call(what, () => venue.ex.fetchOrderBook(symbol, opts.depth));
    const recvMs = Date.now();
    const { bids, asks } = checkBook(ob, `${venue.id} ${what}`);
    const seq = isInt(ob.nonce) ? ob.nonce : i + 1;
    if (!isInt(ob.timestamp)) withoutTimestamp++;
    const ns = BigInt(isInt(ob.timestamp) ? ob.timestamp : recvMs) * MS_NS;
    const local = BigInt(recvMs) * MS_NS;
    for (const [side, lv] of [
      [1, bids],
      [-1, asks],
    ] as const)
      for (const [p, q] of lv) {
        events.push(seq, ns, EVENT_KIND.snapshotLevel, Number.NaN, side, p, q, local);
        w.row(ns, `${seq},${side},${p},${q}`);
        levels++;
      }
    top.push(
      seq,
      ns,
      bids[0]?.[0] ?? Number.NaN,
      bids[0]?.[1] ?? 0,
      asks[0]?.[0] ?? Number.NaN,
      asks[0]?.[1] ?? 0,
    );
    opts.onProgress?.(i + 1, n, w.rows);
  }
  return { snapshots: n, levels, snapshotsWithoutVenueTimestamp: withoutTimestamp };
}
