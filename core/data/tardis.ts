/**
 * Tardis.dev normalized CSV files (docs.tardis.dev, "Downloadable CSV files"): incremental_book_L2,
 * trades and book_snapshot_N, told apart by their header row; plain or gzip, streamed line by line.
 *
 * Columns (timestamps in µs since the epoch; `timestamp` = the exchange's, `local_timestamp` = arrival
 * at Tardis' recorder):
 * - incremental_book_L2: exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount —
 *   `amount` is the new absolute size of the level (0 removes it); `is_snapshot` rows are a full book:
 *   a snapshot row that follows non-snapshot rows starts a new book (the recorder reconnected).
 * - trades: exchange,symbol,timestamp,local_timestamp,id,side,price,amount — `side` is the aggressor
 *   (buy, sell or unknown); `id` is the venue's trade id, any string.
 * - book_snapshot_N: exchange,symbol,timestamp,local_timestamp, then asks[i].price, asks[i].amount,
 *   bids[i].price, bids[i].amount for i = 0 … N−1 (an empty level has empty fields).
 * Every row is checked (column count, numbers, side, is_snapshot, non-decreasing local_timestamp) and an
 * error names the file and line.
 */
import { CatalogError } from './catalog';
import { L2Side } from './binance-raw';
import { readLines } from './read-files';

export type TardisKind = 'incremental_book_L2' | 'trades' | 'book_snapshot';

const L2_HEADER = 'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount';
const TRADES_HEADER = 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount';

export interface TardisRowSink {
  /** A level of the incremental book (after it was applied to `book`); `reset` before a new snapshot. */
  onLevel?(r: {
    row: number;
    tsUs: number;
    localUs: number;
    snapshot: boolean;
    side: 1 | -1;
    price: number;
    amount: number;
  }): void;
  /** After the last row of a group with the same timestamps (one venue message): the book is complete. */
  onBookEvent?(row: number, tsUs: number, localUs: number): void;
  onTrade?(r: {
    row: number;
    tsUs: number;
    localUs: number;
    side: 1 | -1 | 0;
    price: number;
    amount: number;
  }): void;
  /** A book_snapshot_N row: the levels, best first (NaN price for an empty level). */
  onSnapshotRow?(r: {
    row: number;
    tsUs: number;
    localUs: number;
    bids: [number, number][];
    asks: [number, number][];
  }): void;
}

export interface TardisFileReport {
  file: string;
  kind: TardisKind;
  levels: number | null;
  rows: number;
  exchange: string;
  symbol: string;
  /** incremental_book_L2: snapshots seen (book resets). */
  snapshots: number;
}

function num(text: string, where: string, col: string): number {
  const x = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(x))
    throw new CatalogError(`${where}: column ${col}: not a number: ${JSON.stringify(text)}`);
  return x;
}

function micros(text: string, where: string, col: string): number {
  if (!/^\d{1,17}$/.test(text))
    throw new CatalogError(
      `${where}: column ${col}: expected µs since the epoch, got ${JSON.stringify(text)}`,
    );
  return Number(text);
}

/** Reads one Tardis CSV file into `sink` (and, for incremental_book_L2, into `bids`/`asks`). */
export async function readTardisFile(
  file: string,
  sink: TardisRowSink,
  book: { bids: L2Side; asks: L2Side } = { bids: new L2Side(true), asks: new L2Side(false) },
  /** Awaited every 4096 lines (e.g. DatasetTables.spill, to keep memory bounded). */
  everyLines?: () => Promise<void>,
): Promise<TardisFileReport> {
  let line = 0;
  let kind: TardisKind | null = null;
  let levels: number | null = null;
  let width = 0;
  const report: TardisFileReport = {
    file,
    kind: 'trades',
    levels: null,
    rows: 0,
    exchange: '',
    symbol: '',
    snapshots: 0,
  };
  let lastLocal = 0;
  let inSnapshot = false;
  let pending: { row: number; ts: number; local: number } | null = null;
  const flush = (): void => {
    if (pending !== null) sink.onBookEvent?.(pending.row, pending.ts, pending.local);
    pending = null;
  };
  for await (const raw of readLines(file)) {
    line++;
    if ((line & 4095) === 0 && everyLines !== undefined) await everyLines();
    const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    const where = `${file}:${line}`;
    if (line === 1) {
      if (text === L2_HEADER) kind = 'incremental_book_L2';
      else if (text === TRADES_HEADER) kind = 'trades';
      else if (
        text.startsWith(
          'exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount',
        )
      ) {
        const cols = text.split(',');
        levels = (cols.length - 4) / 4;
        if (!Number.isInteger(levels) || levels < 1)
          throw new CatalogError(
            `${where}: a book_snapshot header needs 4 columns per level, got ${cols.length}`,
          );
        for (let i = 0; i < levels; i++) {
          const want = [`asks[${i}].price`, `asks[${i}].amount`, `bids[${i}].price`, `bids[${i}].amount`];
          if (cols.slice(4 + 4 * i, 8 + 4 * i).join() !== want.join())
            throw new CatalogError(
              `${where}: expected ${want.join(',')} at columns ${5 + 4 * i}–${8 + 4 * i}`,
            );
        }
        kind = 'book_snapshot';
      } else
        throw new CatalogError(
          `${where}: not a Tardis CSV header (incremental_book_L2, trades or book_snapshot_N), got ${JSON.stringify(text.slice(0, 80))}`,
        );
      report.kind = kind;
      report.levels = levels;
      width = kind === 'book_snapshot' ? 4 + 4 * levels! : 8;
      continue;
    }
    if (text === '') continue;
    const c = text.split(',');
    if (c.length !== width) throw new CatalogError(`${where}: expected ${width} columns, got ${c.length}`);
    report.rows++;
    if (report.rows === 1) {
      report.exchange = c[0]!;
      report.symbol = c[1]!;
    }
    const ts = micros(c[2]!, where, 'timestamp');
    const local = micros(c[3]!, where, 'local_timestamp');
    if (local < lastLocal)
      throw new CatalogError(`${where}: local_timestamp ${local} is before the previous row's ${lastLocal}`);
    lastLocal = local;
    if (kind === 'trades') {
      const s = c[5]!;
      if (s !== 'buy' && s !== 'sell' && s !== 'unknown')
        throw new CatalogError(
          `${where}: column side: expected buy, sell or unknown, got ${JSON.stringify(s)}`,
        );
      // validated whether or not anyone listens (an optional call would skip its arguments)
      const price = num(c[6]!, where, 'price');
      const amount = num(c[7]!, where, 'amount');
      sink.onTrade?.({
        row: line,
        tsUs: ts,
        localUs: local,
        side: s === 'buy' ? 1 : s === 'sell' ? -1 : 0,
        price,
        amount,
      });
    } else if (kind === 'incremental_book_L2') {
      const snap = c[4]!;
      if (snap !== 'true' && snap !== 'false')
        throw new CatalogError(
          `${where}: column is_snapshot: expected true or false, got ${JSON.stringify(snap)}`,
        );
      const side = c[5]!;
      if (side !== 'bid' && side !== 'ask')
        throw new CatalogError(`${where}: column side: expected bid or ask, got ${JSON.stringify(side)}`);
      const price = num(c[6]!, where, 'price');
      const amount = num(c[7]!, where, 'amount');
      if (amount < 0) throw new CatalogError(`${where}: column amount: must be ≥ 0, got ${amount}`);
      const isSnap = snap === 'true';
      if (pending !== null && (pending.ts !== ts || pending.local !== local)) flush();
      if (isSnap && !inSnapshot) {
        // a new snapshot: the book starts over
        book.bids.clear();
        book.asks.clear();
        report.snapshots++;
      }
      inSnapshot = isSnap;
      (side === 'bid' ? book.bids : book.asks).set(price, amount);
      sink.onLevel?.({
        row: line,
        tsUs: ts,
        localUs: local,
        snapshot: isSnap,
        side: side === 'bid' ? 1 : -1,
        price,
        amount,
      });
      pending = { row: line, ts, local };
    } else {
      const bids: [number, number][] = [];
      const asks: [number, number][] = [];
      for (let i = 0; i < levels!; i++) {
        const o = 4 + 4 * i;
        const level = (p: string, a: string, col: string): [number, number] =>
          p === '' && a === ''
            ? [Number.NaN, 0]
            : [num(p, where, `${col}[${i}].price`), num(a, where, `${col}[${i}].amount`)];
        asks.push(level(c[o]!, c[o + 1]!, 'asks'));
        bids.push(level(c[o + 2]!, c[o + 3]!, 'bids'));
      }
      sink.onSnapshotRow?.({ row: line, tsUs: ts, localUs: local, bids, asks });
    }
  }
  if (line === 0) throw new CatalogError(`${file}: empty file`);
  flush();
  return report;
}
