/**
 * Import a LOBSTER message + orderbook pair into the catalog (./catalog.ts).
 *
 * - Files: plain or gzip-compressed (by their magic bytes, whatever the extension); parsed strictly by
 *   ./lobster.ts (errors name the file, line and column).
 * - Book: core/data/lobster-replay.ts replayLobsterReconciled — the messages applied to an L3 book kept
 *   in sync with the orderbook file (what the messages cannot tell comes from the file, counted as
 *   repairs), so the top of book written here equals LOBSTER's own on every row, and the import fails
 *   if it does not.
 * - Time: LOBSTER's Time is seconds after midnight US/Eastern of the trading date, which is read from
 *   the file name (`SYMBOL_YYYY-MM-DD_…`) unless given; exchange_ts_ns = that midnight in UTC (with the
 *   date's own offset, EDT or EST) + round(Time·10⁹) — exact to the nanosecond for LOBSTER's 9 decimals.
 * - Prices: USD × 10000 in the files, USD in the catalog (price / 10000).
 * - Tables: events (every message: seq = message row, 1-based; kind = LOBSTER type; order_id; side =
 *   Direction; price; size), top (after every message: the replayed book's best bid and ask; the first
 *   row is the file's row 0, which seeds the book), trades (types 4 and 5: the aggressor is the side
 *   opposite to the resting order's Direction).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { OrderBook } from '../book/order-book';
import { replayLobsterReconciled } from './lobster-replay';
import {
  CatalogError,
  DATASET_FORMAT_VERSION,
  buildDataset,
  contentHash,
  splitI64,
  type DatasetInfo,
} from './catalog';
import { LOBSTER_CENT, parseLobsterMessages, parseLobsterOrderbook } from './lobster';
import { decodeText, readMaybeGzip } from './read-files';

export interface LobsterImportOptions {
  dataDir: string;
  messagePath: string;
  orderbookPath: string;
  /** Dataset name (default: the message file's name up to the date, e.g. "AMZN_2012-06-21"). */
  name?: string;
  /** Trading date YYYY-MM-DD (default: from the message file's name). */
  date?: string;
  onProgress?: (done: number, total: number) => void;
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
  const msgBytes = readMaybeGzip(opts.messagePath);
  const obBytes = readMaybeGzip(opts.orderbookPath);
  const messages = parseLobsterMessages(decodeText(msgBytes), opts.messagePath);
  const orderbook = parseLobsterOrderbook(decodeText(obBytes), opts.orderbookPath);
  if (orderbook.rows !== messages.count)
    throw new CatalogError(
      `${opts.orderbookPath}: ${orderbook.rows} rows but ${opts.messagePath} has ${messages.count} messages (they must be row-aligned)`,
    );
  if (messages.count === 0) throw new CatalogError(`${opts.messagePath}: no messages`);
  const hash = contentHash([
    { role: 'lobster-message', bytes: msgBytes },
    { role: 'lobster-orderbook', bytes: obBytes },
  ]);
  const id = hash.slice(0, 16);
  const name = opts.name ?? `${symbol}_${date}`;
  const tsNs = (i: number): bigint => midnight + BigInt(Math.round(messages.time[i]! * 1e9));

  const mid = splitI64(midnight);
  return buildDataset(opts.dataDir, async ({ events, top, trades }) => {
    const book = new OrderBook();
    writeRow(0);
    const report = replayLobsterReconciled(book, messages, orderbook, {
      onRow: (i) => {
        writeRow(i);
        if (i % 65536 === 0) opts.onProgress?.(i, messages.count);
      },
    });
    if (report.matchingRows !== report.rows)
      throw new CatalogError(
        `LOBSTER replay differs from the orderbook file at ${report.firstMismatch ?? '?'}`,
      );
    opts.onProgress?.(messages.count, messages.count);
    const info: Omit<DatasetInfo, 'counts'> = {
      formatVersion: DATASET_FORMAT_VERSION,
      id,
      name,
      venue: 'NASDAQ (LOBSTER)',
      symbol,
      format: 'lobster',
      levels: orderbook.levels,
      firstTsNs: tsNs(0).toString(),
      lastTsNs: tsNs(messages.count - 1).toString(),
      contentHash: hash,
      sources: [
        { role: 'message', file: path.resolve(opts.messagePath), bytes: statSync(opts.messagePath).size },
        {
          role: 'orderbook',
          file: path.resolve(opts.orderbookPath),
          bytes: statSync(opts.orderbookPath).size,
        },
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

    /** Message row i (0-based): its event, its trade, and the top of book after it (file row i). */
    function writeRow(i: number): void {
      // exchange_ts_ns = midnight + round(Time·10⁹), written as 64-bit halves (no bigint per row)
      const off = Math.round(messages.time[i]! * 1e9);
      const type = messages.type[i]!;
      const price = messages.price[i]!;
      const size = messages.size[i]!;
      const dir = messages.direction[i]!;
      events.i64(0, i + 1);
      events.i64Sum(1, mid.hi, mid.lo, off);
      events.i8(2, type);
      events.i64(3, messages.orderId[i]!);
      events.i8(4, dir);
      events.f64(5, type === 7 ? Number.NaN : price / 10000);
      events.f64(6, size);
      events.i64(7, Number.NaN); // LOBSTER has no receive time
      events.endRow();
      if (type === 4 || type === 5) {
        trades.i64(0, i + 1);
        trades.i64Sum(1, mid.hi, mid.lo, off);
        trades.f64(2, price / 10000);
        trades.f64(3, size);
        trades.i8(4, -dir);
        trades.endRow();
      }
      top.i64(0, i + 1);
      top.i64Sum(1, mid.hi, mid.lo, off);
      if (i === 0) {
        // the seed: the file's row 0 by definition
        const o = 0;
        const askSize = orderbook.data[o + 1]!;
        const bidSize = orderbook.data[o + 3]!;
        top.f64(2, bidSize > 0 ? orderbook.data[o + 2]! / 10000 : Number.NaN);
        top.f64(3, bidSize);
        top.f64(4, askSize > 0 ? orderbook.data[o]! / 10000 : Number.NaN);
        top.f64(5, askSize);
      } else {
        // the replayed book (equal to the file's row: checked after the replay)
        const bid = book.bestBid();
        const ask = book.bestAsk();
        top.f64(2, Number.isNaN(bid) ? Number.NaN : (bid * LOBSTER_CENT) / 10000);
        top.f64(3, book.bestBidQty());
        top.f64(4, Number.isNaN(ask) ? Number.NaN : (ask * LOBSTER_CENT) / 10000);
        top.f64(5, book.bestAskQty());
      }
      top.endRow();
    }
  });
}
