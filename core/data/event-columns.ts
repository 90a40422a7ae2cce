/**
 * A dataset's events.parquet read back into typed arrays (one array per column, file order), for
 * replay: DuckDB scans the Parquet file and its vectors are copied chunk by chunk into the arrays, so
 * no JavaScript value is created per event.
 *
 * Timestamps. ns since the epoch are ~1.7·10¹⁸, beyond 2^53, so they do not fit a double exactly.
 * Both time columns are returned as Float64Array of **nanoseconds since `baseTsNs`** (a bigint: the
 * dataset's `firstTsNs` from dataset.json, the same for every range read from one dataset). Offsets are
 * exact integers for any dataset shorter than 2^53 ns ≈ 104 days; seconds are `offset / 1e9`; the
 * absolute time of event i is `baseTsNs + BigInt(offset[i])`. A NULL local_ts_ns (sources without a
 * receive time, e.g. LOBSTER) is NaN.
 *
 * Other columns: seq and order_id as Float64Array (exact below 2^53: LOBSTER rows and order ids,
 * Binance update and trade ids are far below; NULL order_id is NaN), kind and side as Int8Array (a
 * NULL side is 0), price and size as Float64Array (a NULL price, e.g. a LOBSTER halt, is NaN).
 */
import { existsSync } from 'node:fs';
import { CatalogError, datasetFile, openDuck, readDataset } from './catalog';

export interface EventColumns {
  /** Number of events (every array has this length). */
  count: number;
  /** Dataset id. */
  id: string;
  /** The time origin of exchangeTsNs and localTsNs: the dataset's first exchange timestamp, ns. */
  baseTsNs: bigint;
  seq: Float64Array;
  /** exchange_ts_ns − baseTsNs, ns (exact integers for spans below ~104 days). */
  exchangeTsNs: Float64Array;
  kind: Int8Array;
  orderId: Float64Array;
  side: Int8Array;
  price: Float64Array;
  size: Float64Array;
  /** local_ts_ns − baseTsNs, ns; NaN where the source has no receive time. */
  localTsNs: Float64Array;
}

export interface LoadEventColumnsOptions {
  /** First row to return (0-based, file order). Default 0. */
  offset?: number;
  /** At most this many rows. Default: all. */
  limit?: number;
  /** Only events with exchange_ts_ns in [fromTsNs, toTsNs) (absolute ns). */
  fromTsNs?: bigint;
  toTsNs?: bigint;
}

const FLOAT_COLS = ['seq', 'exchangeTsNs', 'orderId', 'price', 'size', 'localTsNs'] as const;
const INT8_COLS = ['kind', 'side'] as const;

/**
 * The events of dataset `id` (an id, unique prefix or name) in `dataDir`, as typed arrays in file
 * order; `opts` selects a row range and/or an exchange-time range (applied in that order: the time
 * range first, then offset/limit over the matching rows).
 */
export async function loadEventColumns(
  dataDir: string,
  id: string,
  opts: LoadEventColumnsOptions = {},
): Promise<EventColumns> {
  const info = readDataset(dataDir, id);
  const file = datasetFile(dataDir, info.id, 'events');
  if (!existsSync(file)) throw new CatalogError(`dataset ${info.id} has no events table`);
  const base = BigInt(info.firstTsNs);
  const offset = opts.offset ?? 0;
  const limit = opts.limit;
  if (!Number.isInteger(offset) || offset < 0) throw new CatalogError(`offset must be an integer ≥ 0`);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
    throw new CatalogError(`limit must be an integer ≥ 0`);

  const where: string[] = [];
  if (opts.fromTsNs !== undefined) where.push(`exchange_ts_ns >= ${BigInt(opts.fromTsNs)}`);
  if (opts.toTsNs !== undefined) where.push(`exchange_ts_ns < ${BigInt(opts.toTsNs)}`);
  // Conversions happen inside DuckDB (vectorized): doubles with NaN for NULL, so the chunks' vectors
  // are copied as they are and no validity mask needs reading.
  const nan = `'NaN'::DOUBLE`;
  const sql =
    `SELECT coalesce(seq::DOUBLE, ${nan}), coalesce((exchange_ts_ns - ${base})::DOUBLE, ${nan}), ` +
    `coalesce(kind, 0)::TINYINT, coalesce(order_id::DOUBLE, ${nan}), coalesce(side, 0)::TINYINT, ` +
    `coalesce(price, ${nan}), coalesce(size, ${nan}), coalesce((local_ts_ns - ${base})::DOUBLE, ${nan}) ` +
    `FROM read_parquet('${file.replaceAll("'", "''")}')` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    (limit !== undefined ? ` LIMIT ${limit}` : '') +
    (offset > 0 ? `${limit === undefined ? ' LIMIT NULL' : ''} OFFSET ${offset}` : '');

  const { conn, close } = await openDuck();
  try {
    // File order: DuckDB keeps the Parquet scan's order (preserve_insertion_order, the default).
    let capacity =
      where.length === 0 ? Math.max(0, Math.min(info.counts.events - offset, limit ?? Infinity)) : 1 << 16;
    let out = allocate(Math.max(capacity, 1));
    let n = 0;
    const result = await conn.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const rows = chunk.rowCount;
      if (n + rows > capacity) {
        capacity = Math.max(capacity * 2, n + rows);
        out = grow(out, capacity, n);
      }
      for (let c = 0; c < 8; c++) {
        const items = (chunk.getColumnVector(c) as unknown as { items: Float64Array | Int8Array }).items;
        const name = COLUMN_ORDER[c]!;
        (out[name] as Float64Array | Int8Array).set(items.subarray(0, rows), n);
      }
      n += rows;
    }
    const cols = {} as Record<(typeof COLUMN_ORDER)[number], Float64Array | Int8Array>;
    for (const k of COLUMN_ORDER) cols[k] = n === out[k].length ? out[k] : out[k].slice(0, n);
    return {
      count: n,
      id: info.id,
      baseTsNs: base,
      seq: cols.seq as Float64Array,
      exchangeTsNs: cols.exchangeTsNs as Float64Array,
      kind: cols.kind as Int8Array,
      orderId: cols.orderId as Float64Array,
      side: cols.side as Int8Array,
      price: cols.price as Float64Array,
      size: cols.size as Float64Array,
      localTsNs: cols.localTsNs as Float64Array,
    };
  } finally {
    close();
  }
}

/** The SELECT's column order. */
const COLUMN_ORDER = [
  'seq',
  'exchangeTsNs',
  'kind',
  'orderId',
  'side',
  'price',
  'size',
  'localTsNs',
] as const;

type Buffers = Record<(typeof FLOAT_COLS)[number], Float64Array> &
  Record<(typeof INT8_COLS)[number], Int8Array>;

function allocate(n: number): Buffers {
  const b = {} as Buffers;
  for (const k of FLOAT_COLS) b[k] = new Float64Array(n);
  for (const k of INT8_COLS) b[k] = new Int8Array(n);
  return b;
}

function grow(b: Buffers, n: number, used: number): Buffers {
  const g = allocate(n);
  for (const k of FLOAT_COLS) g[k].set(b[k].subarray(0, used));
  for (const k of INT8_COLS) g[k].set(b[k].subarray(0, used));
  return g;
}
