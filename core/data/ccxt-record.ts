/**
 * `data record`: live depth and trades through ccxt.pro websockets (`watchOrderBook`, `watchTrades`)
 * written as a catalog dataset (./catalog.ts) when the recording stops (its duration ends, or the
 * caller's stop signal: a recording stopped by the user is kept).
 *
 * ccxt does the venue's book synchronization (Binance: the REST snapshot plus the buffered diff-depth
 * stream by its U/u/pu rules) and hands out the whole book after each applied message; the raw diffs
 * stay inside ccxt. So the events are rebuilt by diffing each book against the previous one:
 * - the first book (and the first after a resync or a reconnect) → snapshotLevel events, one per level;
 * - every later book → levelSet events for the levels whose size changed (size 0: the level is gone);
 * seq = the book's nonce (Binance: the last applied update id u) when ccxt gives one, else a counter;
 * exchange_ts_ns = the book's timestamp (the event time E of its last update) else the receive time;
 * local_ts_ns = the receive time. A top row follows every book that changed something.
 * Books that arrive while the recorder was busy are merged by ccxt: their diff is one net change, so
 * the replayed book equals ccxt's book at every recorded instant, not at every venue message.
 *
 * Gaps: when ccxt finds a sequence gap it rejects the watch with a ChecksumError and drops its book;
 * the recorder counts a resync and the next book (ccxt fetches a new snapshot) is written as a
 * snapshot. A lost connection (NetworkError) is counted as a reconnect and handled the same way; the
 * trade stream reconnects likewise (trades are deduplicated by id, id gaps counted). More than
 * MAX_CONSECUTIVE_FAILURES failures in a row without a book or trade in between fail the recording.
 */
import { createHash } from 'node:crypto';
import ccxt, { type OrderBook, type Trade } from 'ccxt';
import { DATASET_FORMAT_VERSION, EVENT_KIND, buildDataset, type DatasetInfo } from './catalog';
import { checkBook } from './ccxt-download';
import { VenueError, openVenue, raceAbort, sleepAbortable, type Venue } from './ccxt-venue';

export const MAX_CONSECUTIVE_FAILURES = 10;

export interface RecordStats {
  /** Books received from ccxt. */
  books: number;
  /** Books written as snapshots (the first, and after every resync or reconnect). */
  snapshots: number;
  levelSets: number;
  /** Books identical to the previous one (nothing written). */
  unchangedBooks: number;
  trades: number;
  /** Sequence gaps ccxt found in the depth stream (each followed by a new snapshot). */
  resyncs: number;
  /** Lost websocket connections (depth or trades), each followed by a new subscription. */
  reconnects: number;
  duplicateTrades: number;
  tradeIdGaps: number;
  /** A book whose nonce is below the previous book's (should not happen; counted, written anyway). */
  nonceRegressions: number;
  /** The nonce of the last book, when ccxt gives one. */
  nonce: number | null;
}

export interface RecordOptions {
  dataDir: string;
  exchange: string;
  symbol: string;
  /** How long to record (ms), counted from the first book or trade received. */
  durationMs: number;
  /** Give up when neither a book nor a trade arrives this long after subscribing (ms; default 60 s). */
  startTimeoutMs?: number;
  /** Depth of the snapshots ccxt fetches (its default when omitted). */
  depth?: number;
  name?: string;
  url?: string | undefined;
  /** Aborting it stops the recording and keeps what was recorded. */
  stop?: AbortSignal;
  /** Called about once a second, and at the end. */
  onProgress?: (elapsedMs: number, stats: RecordStats) => void;
  onNote?: (message: string) => void;
  /** Every event as it is written (the live paper feed, core/venues/live-feed.ts, appends them to its tape). */
  onEvent?: (
    seq: number,
    exchangeNs: bigint,
    kind: number,
    side: number,
    price: number,
    size: number,
    localNs: bigint,
  ) => void;
  /** A stream fault as it happens: a sequence gap ccxt found (resync) or a lost connection (reconnect). */
  onFault?: (what: 'resync' | 'reconnect', stream: string) => void;
}

const MS_NS = 1_000_000n;
const nowNs = (): bigint => BigInt(Date.now()) * MS_NS;
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

interface Writer {
  push(...values: (number | bigint)[]): void;
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim().slice(0, 200);
}

/**
 * `p`, or 'stopped' as soon as `signal` aborts. The abort listener is removed when `p` settles, so a long
 * recording does not pile up one listener per message (as a race against one shared promise would).
 */
function unlessStopped<T>(p: Promise<T>, signal: AbortSignal): Promise<T | 'stopped'> {
  return raceAbort(p, signal).catch((e: unknown) => {
    if (signal.aborted) return 'stopped' as const;
    throw e;
  });
}

/**
 * Open the venue (websockets) for a live stream, run `body`, close the venue: the stop signal of
 * `opts` (and the duration timer inside `record`) abort the stream through `stopCtl`.
 */
async function withLiveVenue<T>(
  opts: RecordOptions,
  body: (venue: Venue, stopCtl: AbortController) => Promise<T>,
): Promise<T> {
  const stopCtl = new AbortController();
  const onStop = (): void => stopCtl.abort();
  if (opts.stop?.aborted) stopCtl.abort();
  opts.stop?.addEventListener('abort', onStop, { once: true });
  const venue = await openVenue({
    exchange: opts.exchange,
    symbol: opts.symbol,
    url: opts.url,
    websocket: true,
    signal: stopCtl.signal,
    onRetry: (m) => opts.onNote?.(m),
    needs: ['watchOrderBook'],
  });
  try {
    return await body(venue, stopCtl);
  } finally {
    opts.stop?.removeEventListener('abort', onStop);
    await venue.close();
  }
}

export async function recordDataset(opts: RecordOptions): Promise<{ info: DatasetInfo; existed: boolean }> {
  return withLiveVenue(opts, (venue, stopCtl) =>
    buildDataset(opts.dataDir, (t) => record(venue, opts, stopCtl, t.events, t.top, t.trades)),
  );
}

const NO_WRITER: Writer = { push: () => undefined };

/**
 * The same live stream as recordDataset, through `onEvent` only: no dataset is written (a live paper
 * session without --record). Resolves when `stop` aborts or the duration ends.
 */
export async function streamLive(opts: RecordOptions): Promise<void> {
  await withLiveVenue(opts, (venue, stopCtl) =>
    record(venue, opts, stopCtl, NO_WRITER, NO_WRITER, NO_WRITER),
  );
}

async function record(
  venue: Venue,
  opts: RecordOptions,
  stopCtl: AbortController,
  events: Writer,
  top: Writer,
  trades: Writer,
): Promise<Omit<DatasetInfo, 'counts'>> {
  const { ex } = venue;
  const symbol = venue.market.symbol;
  const stop = stopCtl.signal;
  const stats: RecordStats = {
    books: 0,
    snapshots: 0,
    levelSets: 0,
    unchangedBooks: 0,
    trades: 0,
    resyncs: 0,
    reconnects: 0,
    duplicateTrades: 0,
    tradeIdGaps: 0,
    nonceRegressions: 0,
    nonce: null,
  };
  const hash = createHash('sha256');
  const startNs = nowNs();
  hash.update(`record\0${venue.id}\0${symbol}\0${startNs}\n`);
  let first: bigint | null = null;
  let last = 0n;
  let counter = 0;
  const seen = (ns: bigint): void => {
    first ??= ns;
    if (ns > last) last = ns;
  };
  let started: number | null = null;
  let failure: Error | null = null;
  const fail = (e: Error): void => {
    failure ??= e;
    stopCtl.abort();
  };
  const subscribed = Date.now();
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  let timer = setTimeout(
    () =>
      fail(
        new VenueError(
          `${venue.id} ${symbol}: no order book and no trade within ${(startTimeoutMs / 1000).toFixed(0)} s of subscribing`,
        ),
      ),
    startTimeoutMs,
  );
  /** The first book or trade starts the clock of --duration. */
  const begin = (): void => {
    if (started !== null) return;
    started = Date.now();
    clearTimeout(timer);
    timer = setTimeout(() => stopCtl.abort(), opts.durationMs);
  };
  const elapsed = (): number => (started === null ? 0 : Date.now() - started);
  const ticker = setInterval(() => opts.onProgress?.(elapsed(), stats), 1000);

  /** A transient failure of a stream: counted, then the caller subscribes again after a pause. */
  const transient = async (e: unknown, stream: string, failures: number): Promise<boolean> => {
    if (stop.aborted) return false;
    if (!(e instanceof ccxt.NetworkError)) {
      fail(
        e instanceof VenueError
          ? e
          : new VenueError(
              `${venue.id} ${stream} ${symbol}: ${e instanceof Error ? e.constructor.name : 'error'}: ${oneLine(e)}`,
            ),
      );
      return false;
    }
    if (failures > MAX_CONSECUTIVE_FAILURES) {
      fail(
        new VenueError(
          `${venue.id} ${stream} ${symbol}: ${failures} failures in a row, the last: ${e.constructor.name}: ${oneLine(e)}`,
        ),
      );
      return false;
    }
    opts.onFault?.(e instanceof ccxt.ChecksumError ? 'resync' : 'reconnect', stream);
    if (e instanceof ccxt.ChecksumError) {
      stats.resyncs++;
      opts.onNote?.(
        `${stream}: ccxt found a sequence gap in the depth stream; resynchronizing from a new snapshot`,
      );
    } else {
      stats.reconnects++;
      opts.onNote?.(`${stream}: ${e.constructor.name} (${oneLine(e)}); subscribing again`);
    }
    try {
      await sleepAbortable(Math.min(5000, 100 * 2 ** (failures - 1)), stop);
    } catch {
      return false;
    }
    return true;
  };

  const bookLoop = async (): Promise<void> => {
    let prev: { bids: Map<number, number>; asks: Map<number, number> } | null = null;
    let failures = 0;
    while (!stop.aborted) {
      let ob: OrderBook | 'stopped';
      try {
        ob = await unlessStopped(ex.watchOrderBook(symbol, opts.depth), stop);
      } catch (e) {
        failures++;
        prev = null; // the next book is a fresh snapshot
        if (!(await transient(e, 'watchOrderBook', failures))) return;
        continue;
      }
      if (ob === 'stopped') return;
      failures = 0;
      const recv = nowNs();
      // the book object is ccxt's live one: read it now, before the next message changes it
      let book: ReturnType<typeof checkBook>;
      try {
        book = checkBook(ob, `${venue.id} watchOrderBook ${symbol} (book ${stats.books + 1})`);
      } catch (e) {
        fail(e as Error);
        return;
      }
      stats.books++;
      begin();
      const nonce = isInt(ob.nonce) ? ob.nonce : null;
      if (nonce !== null && stats.nonce !== null && nonce < stats.nonce && prev !== null)
        stats.nonceRegressions++;
      const seq = nonce ?? ++counter;
      const ns = isInt(ob.timestamp) ? BigInt(ob.timestamp) * MS_NS : recv;
      const next = { bids: new Map(book.bids), asks: new Map(book.asks) };
      let changed = 0;
      const write = (kind: number, side: number, p: number, q: number): void => {
        events.push(seq, ns, kind, Number.NaN, side, p, q, recv);
        opts.onEvent?.(seq, ns, kind, side, p, q, recv);
        hash.update(`${kind},${seq},${side},${p},${q}\n`);
        changed++;
      };
      if (prev === null) {
        for (const [p, q] of book.bids) write(EVENT_KIND.snapshotLevel, 1, p, q);
        for (const [p, q] of book.asks) write(EVENT_KIND.snapshotLevel, -1, p, q);
        stats.snapshots++;
      } else {
        for (const [side, before, after] of [
          [1, prev.bids, next.bids],
          [-1, prev.asks, next.asks],
        ] as const) {
          for (const [p, q] of after) if (before.get(p) !== q) write(EVENT_KIND.levelSet, side, p, q);
          for (const p of before.keys()) if (!after.has(p)) write(EVENT_KIND.levelSet, side, p, 0);
        }
        stats.levelSets += changed;
        if (changed === 0) stats.unchangedBooks++;
      }
      stats.nonce = nonce ?? stats.nonce;
      if (changed > 0 || prev === null) {
        seen(ns);
        top.push(
          seq,
          ns,
          book.bids[0]?.[0] ?? Number.NaN,
          book.bids[0]?.[1] ?? 0,
          book.asks[0]?.[0] ?? Number.NaN,
          book.asks[0]?.[1] ?? 0,
        );
      }
      prev = next;
    }
  };

  const tradeLoop = async (): Promise<void> => {
    let lastId: number | null = null;
    const recentIds = new Set<string>();
    let failures = 0;
    while (!stop.aborted) {
      let batch: Trade[] | 'stopped';
      try {
        batch = await unlessStopped(ex.watchTrades(symbol), stop);
      } catch (e) {
        failures++;
        if (!(await transient(e, 'watchTrades', failures))) return;
        continue;
      }
      if (batch === 'stopped') return;
      failures = 0;
      const recv = nowNs();
      for (let k = 0; k < batch.length; k++) {
        const t = batch[k]!;
        const where = `${venue.id} watchTrades ${symbol}: trade${t.id !== undefined ? ` id ${t.id}` : ` ${k + 1} of a batch`}`;
        if (!isInt(t.timestamp))
          return fail(new VenueError(`${where}: timestamp ${String(t.timestamp)} is not an integer (ms)`));
        if (!(typeof t.price === 'number' && Number.isFinite(t.price) && t.price > 0))
          return fail(new VenueError(`${where}: price ${String(t.price)} is not a positive number`));
        if (!(typeof t.amount === 'number' && Number.isFinite(t.amount) && t.amount > 0))
          return fail(new VenueError(`${where}: amount ${String(t.amount)} is not a positive number`));
        const id = t.id ?? '';
        const numericId = /^\d{1,15}$/.test(id) ? Number(id) : null;
        if (
          (numericId !== null && lastId !== null && numericId <= lastId) ||
          (id !== '' && recentIds.has(id))
        ) {
          stats.duplicateTrades++;
          continue;
        }
        if (numericId !== null && lastId !== null && numericId !== lastId + 1) stats.tradeIdGaps++;
        if (numericId !== null) lastId = numericId;
        if (numericId === null && id !== '') {
          recentIds.add(id);
          if (recentIds.size > 10_000) recentIds.clear(); // bounded; ids repeat only across a reconnect
        }
        const seq = numericId ?? ++counter;
        const ns = BigInt(t.timestamp) * MS_NS;
        const side = t.side === 'buy' ? 1 : t.side === 'sell' ? -1 : 0;
        events.push(seq, ns, EVENT_KIND.trade, Number.NaN, side, t.price, t.amount, recv);
        opts.onEvent?.(seq, ns, EVENT_KIND.trade, side, t.price, t.amount, recv);
        trades.push(seq, ns, t.price, t.amount, side);
        hash.update(`t,${seq},${t.timestamp},${t.price},${t.amount},${side}\n`);
        seen(ns);
        stats.trades++;
        begin();
      }
    }
  };

  try {
    const hasTrades = ex.has.watchTrades === true;
    if (!hasTrades) opts.onNote?.(`${venue.id} has no watchTrades in ccxt: recording the book only`);
    await Promise.all([bookLoop(), hasTrades ? tradeLoop() : Promise.resolve()]);
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
  }
  opts.onProgress?.(elapsed(), stats);
  if (failure !== null) throw failure;
  if (stats.books === 0 && stats.trades === 0)
    throw new VenueError(
      `${venue.id} ${symbol}: nothing was recorded (no order book and no trade in ${((Date.now() - subscribed) / 1000).toFixed(1)} s)`,
    );
  const digest = hash.digest('hex');
  const f: bigint = first ?? startNs;
  const date = new Date(Number(f / MS_NS)).toISOString().slice(0, 10);
  const { nonce: _nonce, ...counts } = stats;
  return {
    formatVersion: DATASET_FORMAT_VERSION,
    id: digest.slice(0, 16),
    name: opts.name ?? `${venue.market.id}_${venue.id}_record_${date}`,
    venue: venue.id,
    symbol,
    format: 'ccxt record',
    levels: null,
    firstTsNs: f.toString(),
    lastTsNs: last.toString(),
    contentHash: digest,
    sources: [{ role: 'websocket', file: websocketUrl(venue), bytes: 0 }],
    verification: { ...counts, durationMs: elapsed() },
  };
}

/** The websocket URL(s) ccxt used (for the dataset's sources). */
function websocketUrl(venue: Venue): string {
  const clients = (venue.ex as unknown as { clients?: Record<string, unknown> }).clients ?? {};
  const urls = Object.keys(clients);
  return urls.length > 0 ? urls.join(' ') : venue.lastEndpoint();
}
