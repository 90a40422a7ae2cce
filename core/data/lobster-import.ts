/**
 * Import a LOBSTER message + orderbook pair into the catalog (./catalog.ts).
 *
 * - Files: plain or gzip-compressed (by their magic bytes, whatever the extension), streamed in
 *   lockstep K rows at a time (chunkRows, default LOBSTER_CHUNK_ROWS = 65,536): each piece parsed
 *   strictly by ./lobster.ts (errors name the file, its line in the file and the column; a header row
 *   only at line 1), replayed, written, and dropped. Files of different lengths are an error naming
 *   both, found when one ends before the other.
 * - Memory: K rows of each file (their bytes in a reused buffer, their text, their typed arrays, and one
 *   copy of the orderbook piece with the row before it) plus at most one ~1 MB block read ahead per
 *   file, the L3 book, and ≤ 2^20 buffered rows per table (spilled as Parquet parts after every piece)
 *   — not the files (docs/architecture.md, Market data, Memory).
 * - Id: the SHA-256 of catalog.ts contentHash over the decompressed bytes (role, length, bytes: the
 *   message file, then the orderbook file), computed while streaming where the framing allows (a plain
 *   message file's bytes as they are read) and by one more streamed read otherwise (the orderbook file,
 *   whose bytes must follow the whole message file, and a gzip message file, whose length is known only
 *   at its end). The same files give the same id as when they were read whole.
 * - Book: core/data/lobster-replay.ts LobsterReconciledReplay (replayLobsterReconciled fed piece by
 *   piece) — the messages applied to an L3 book kept in sync with the orderbook file (what the messages
 *   cannot tell comes from the file, counted as repairs), so the top of book written here equals
 *   LOBSTER's own on every row, and the import fails if it does not.
 * - Time: LOBSTER's Time is seconds after midnight US/Eastern of the trading date, which is read from
 *   the file name (`SYMBOL_YYYY-MM-DD_…`) unless given; exchange_ts_ns = that midnight in UTC (with the
 *   date's own offset, EDT or EST) + round(Time·10⁹) — exact to the nanosecond for LOBSTER's 9 decimals.
 * - Prices: USD × 10000 in the files, USD in the catalog (price / 10000).
 * - Tables: events (every message: seq = message row, 1-based; kind = LOBSTER type; order_id; side =
 *   Direction; price; size), top (after every message: the replayed book's best bid and ask; the first
 *   row is the file's row 0, which seeds the book), trades (types 4 and 5: the aggressor is the side
 *   opposite to the resting order's Direction).
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { OrderBook } from '../book/order-book';
import { LobsterReconciledReplay } from './lobster-replay';
import { CatalogError, DATASET_FORMAT_VERSION, buildDataset, splitI64, type DatasetInfo } from './catalog';
import {
  LOBSTER_CENT,
  parseLobsterMessages,
  parseLobsterOrderbook,
  startsWithHeader,
  type LobsterMessages,
  type LobsterOrderbook,
} from './lobster';
import { LineChunks, hashFileBytes, isGzipFile, type LinePiece } from './read-files';

/** Rows of each file parsed and replayed at a time (LobsterImportOptions.chunkRows). */
export const LOBSTER_CHUNK_ROWS = 65536;

export interface LobsterImportOptions {
  dataDir: string;
  messagePath: string;
  orderbookPath: string;
  /** Dataset name (default: the message file's name up to the date, e.g. "AMZN_2012-06-21"). */
  name?: string;
  /** Trading date YYYY-MM-DD (default: from the message file's name). */
  date?: string;
  /** Progress in bytes of the message file read (compressed, for gzip) of its size. */
  onProgress?: (done: number, total: number) => void;
  /** Cancels the import at its next chunk boundary (nothing is added to the catalog). */
  signal?: AbortSignal;
  /** Rows of each file parsed and replayed at a time (default LOBSTER_CHUNK_ROWS). */
  chunkRows?: number;
  /** Called with the rows of each piece of the message and orderbook files as it is parsed. */
  onChunk?: (messageRows: number, orderbookRows: number) => void;
}

export interface LobsterImportResult {
  info: DatasetInfo;
  /** True when the same files were imported before (nothing was written). */
  existed: boolean;
}

const NAME_RE = /^([A-Za-z0-9.^-]+)_(\d{4}-\d{2}-\d{2})_/;

/** Midnight of `date` (YYYY-MM-DD) in America/New_York, in ns since the epoch. */
export function easternMidnightNs(date: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) throw new CatalogError(`date must be YYYY-MM-DD, got "${date}"`);
  const utcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(utcMidnight) || new Date(utcMidnight).toISOString().slice(0, 10) !== date)
    throw new CatalogError(`not a calendar date: "${date}"`);
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  for (const hours of [4, 5]) {
    const t = utcMidnight + hours * 3_600_000;
    const parts = Object.fromEntries(fmt.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
    if (`${parts.year}-${parts.month}-${parts.day}` === date && parts.hour === '00' && parts.minute === '00')
      return BigInt(t) * 1_000_000n;
  }
  throw new CatalogError(`cannot place midnight of ${date} in America/New_York`);
}

export async function importLobster(opts: LobsterImportOptions): Promise<LobsterImportResult> {
  const base = path.basename(opts.messagePath);
  const nm = NAME_RE.exec(base);
  const date = opts.date ?? nm?.[2];
  if (date === undefined)
    throw new CatalogError(
      `${opts.messagePath}: the trading date is not in the file name (SYMBOL_YYYY-MM-DD_…): give --date`,
    );
  const midnight = easternMidnightNs(date);
  const symbol = nm?.[1] ?? path.basename(opts.messagePath).split(/[_.]/)[0]!;
  const name = opts.name ?? `${symbol}_${date}`;
  const K = opts.chunkRows ?? LOBSTER_CHUNK_ROWS;
  if (!Number.isInteger(K) || K < 1) throw new CatalogError(`chunkRows must be a positive integer, got ${K}`);
  const { messagePath, orderbookPath } = opts;
  const messageSize = statSync(messagePath).size;
  const orderbookSize = statSync(orderbookPath).size;

  // The content hash, as catalog.ts contentHash frames it: role, length, bytes — the message file,
  // then the orderbook file. A plain message file's length is known before it is read, so its bytes
  // are hashed as they stream by; the rest (a gzip message file, whose length is known only at its
  // end, and the orderbook file, whose bytes must follow all of the message file's) is hashed in a
  // second streamed read after the import.
  const hash = createHash('sha256');
  const messageGzip = isGzipFile(messagePath);
  let messageBytes = 0;
  let orderbookBytes = 0;
  if (!messageGzip) hash.update(`lobster-message\0${messageSize}\0`);
  const messageIn = new LineChunks(messagePath, undefined, (b) => {
    messageBytes += b.length;
    if (!messageGzip) hash.update(b);
  });
  const orderbookIn = new LineChunks(orderbookPath, undefined, (b) => {
    orderbookBytes += b.length;
  });

  const mid = splitI64(midnight);
  try {
    return await buildDataset(
      opts.dataDir,
      async ({ events, top, trades, spill }) => {
        const book = new OrderBook();
        let replay: LobsterReconciledReplay | null = null;
        let levels: number | undefined;
        let rows = 0;
        let firstTime = 0;
        let lastTime = 0;
        const parseMessages = (p: LinePiece | null): LobsterMessages =>
          parseLobsterMessages(p?.text ?? '', messagePath, p?.firstLine ?? 1);
        const parseOrderbook = (p: LinePiece | null): LobsterOrderbook => {
          const ob = parseLobsterOrderbook(p?.text ?? '', orderbookPath, levels, p?.firstLine ?? 1);
          if (ob.rows > 0) levels = ob.levels;
          return ob;
        };
        // Pieces of K rows of both files; the first may start with a header row (one line more).
        let messageLines = K + (startsWithHeader(await messageIn.peek()) ? 1 : 0);
        let orderbookLines = K + (startsWithHeader(await orderbookIn.peek()) ? 1 : 0);
        for (;;) {
          const messages = parseMessages(await messageIn.take(messageLines));
          const orderbook = parseOrderbook(await orderbookIn.take(orderbookLines));
          messageLines = orderbookLines = K;
          opts.onChunk?.(messages.count, orderbook.rows);
          if (messages.count !== orderbook.rows) {
            // one file ended before the other: count the rest of the longer one (strictly parsed)
            let m = rows + messages.count;
            let o = rows + orderbook.rows;
            if (m < o) for (let p; (p = await orderbookIn.take(K)) !== null;) o += parseOrderbook(p).rows;
            else for (let p; (p = await messageIn.take(K)) !== null;) m += parseMessages(p).count;
            throw new CatalogError(
              `${orderbookPath}: ${o} rows but ${messagePath} has ${m} messages (they must be row-aligned)`,
            );
          }
          if (messages.count === 0) break;
          if (replay === null) {
            replay = new LobsterReconciledReplay(book, orderbook.levels);
            firstTime = messages.time[0]!;
            writeSeed(messages, orderbook);
          }
          replay.feed(messages, orderbook, (row, j) => writeRow(messages, j, row));
          rows += messages.count;
          lastTime = messages.time[messages.count - 1]!;
          opts.onProgress?.(messageIn.bytesRead, messageSize);
          await spill();
        }
        if (replay === null) throw new CatalogError(`${messagePath}: no messages`);
        const report = replay.report;
        if (report.matchingRows !== report.rows)
          throw new CatalogError(
            `LOBSTER replay differs from the orderbook file at ${report.firstMismatch ?? '?'}`,
          );
        if (messageGzip) {
          hash.update(`lobster-message\0${messageBytes}\0`);
          if ((await hashFileBytes(hash, messagePath)) !== messageBytes) changed(messagePath);
        } else if (messageBytes !== messageSize) changed(messagePath);
        hash.update(`lobster-orderbook\0${orderbookBytes}\0`);
        if ((await hashFileBytes(hash, orderbookPath)) !== orderbookBytes) changed(orderbookPath);
        const contentHash = hash.digest('hex');
        opts.onProgress?.(messageSize, messageSize);
        const info: Omit<DatasetInfo, 'counts'> = {
          formatVersion: DATASET_FORMAT_VERSION,
          id: contentHash.slice(0, 16),
          name,
          venue: 'NASDAQ (LOBSTER)',
          symbol,
          format: 'lobster',
          levels: replay.levels,
          firstTsNs: (midnight + BigInt(Math.round(firstTime * 1e9))).toString(),
          lastTsNs: (midnight + BigInt(Math.round(lastTime * 1e9))).toString(),
          contentHash,
          sources: [
            { role: 'message', file: path.resolve(messagePath), bytes: messageSize },
            { role: 'orderbook', file: path.resolve(orderbookPath), bytes: orderbookSize },
          ],
          verification: {
            rowsChecked: report.rows,
            rowsMatching: report.matchingRows,
            rowsWithoutRepair: report.rowsWithoutRepair,
            rowsRepaired: report.repairs.rows,
            repairQtyAdded: report.repairs.qtyAdded,
            repairQtyRemovedSynthetic: report.repairs.qtyRemovedSynthetic,
            repairQtyRemovedKnown: report.repairs.qtyRemovedKnown,
            repairLevelsRemoved: report.repairs.levelsRemoved,
            unknownIds: report.counters.unknownId,
            messagesConsistent: report.deltaConsistent,
            messagesChecked: report.deltaChecked,
          },
        };
        return info;

        /** The file's row 0: the event, and the top of book from the orderbook row (it seeds the book). */
        function writeSeed(messages: LobsterMessages, orderbook: LobsterOrderbook): void {
          const off = writeEvent(messages, 0, 0);
          const askSize = orderbook.data[1]!;
          const bidSize = orderbook.data[3]!;
          top.i64(0, 1);
          top.i64Sum(1, mid.hi, mid.lo, off);
          top.f64(2, bidSize > 0 ? orderbook.data[2]! / 10000 : Number.NaN);
          top.f64(3, bidSize);
          top.f64(4, askSize > 0 ? orderbook.data[0]! / 10000 : Number.NaN);
          top.f64(5, askSize);
          top.endRow();
        }

        /** Row `row` of the file (j of this piece) after its replay: its event, and the replayed top. */
        function writeRow(messages: LobsterMessages, j: number, row: number): void {
          const off = writeEvent(messages, j, row);
          // the replayed book (equal to the file's row: checked after the replay)
          const bid = book.bestBid();
          const ask = book.bestAsk();
          top.i64(0, row + 1);
          top.i64Sum(1, mid.hi, mid.lo, off);
          top.f64(2, Number.isNaN(bid) ? Number.NaN : (bid * LOBSTER_CENT) / 10000);
          top.f64(3, book.bestBidQty());
          top.f64(4, Number.isNaN(ask) ? Number.NaN : (ask * LOBSTER_CENT) / 10000);
          top.f64(5, book.bestAskQty());
          top.endRow();
        }

        /** Message j of the piece (file row `row`): its event and its trade; returns its time offset in ns. */
        function writeEvent(messages: LobsterMessages, j: number, row: number): number {
          // exchange_ts_ns = midnight + round(Time·10⁹), written as 64-bit halves (no bigint per row)
          const off = Math.round(messages.time[j]! * 1e9);
          const type = messages.type[j]!;
          const price = messages.price[j]!;
          const size = messages.size[j]!;
          const dir = messages.direction[j]!;
          events.i64(0, row + 1);
          events.i64Sum(1, mid.hi, mid.lo, off);
          events.i8(2, type);
          events.i64(3, messages.orderId[j]!);
          events.i8(4, dir);
          events.f64(5, type === 7 ? Number.NaN : price / 10000);
          events.f64(6, size);
          events.i64(7, Number.NaN); // LOBSTER has no receive time
          events.endRow();
          if (type === 4 || type === 5) {
            trades.i64(0, row + 1);
            trades.i64Sum(1, mid.hi, mid.lo, off);
            trades.f64(2, price / 10000);
            trades.f64(3, size);
            trades.i8(4, -dir);
            trades.endRow();
          }
          return off;
        }
      },
      { signal: opts.signal },
    );
  } finally {
    await messageIn.close();
    await orderbookIn.close();
  }
}

function changed(file: string): never {
  throw new CatalogError(`${file}: changed while it was being imported`);
}
