/**
 * The market-data catalog: datasets of normalized events under `<data dir>/datasets/<id>/`, stored as
 * Parquet through DuckDB (@duckdb/node-api; why DuckDB: docs/architecture.md "Market data"). Runs stay
 * in SQLite; the catalog is files, so a dataset can be copied, archived or queried with any Parquet tool.
 *
 * Layout of a dataset directory:
 *   dataset.json   metadata (DatasetInfo): id, name, venue, symbol, format, time range, counts, the
 *                  content hash of the source files, the import's verification counts
 *   events.parquet every source event in file order: seq (the venue's sequence: LOBSTER message row,
 *                  1-based; Binance update id u, or trade id), exchange_ts_ns, kind (EVENT_KIND),
 *                  order_id, side (1 buy, −1 sell), price (quote currency), size, local_ts_ns (the
 *                  capture host's receive time where the source has one, else NULL)
 *   top.parquet    the top of book after every book event: seq, exchange_ts_ns, bid_price, bid_size,
 *                  ask_price, ask_size (NULL price and 0 size for an empty side)
 *   trades.parquet the trades: seq, exchange_ts_ns, price, size, aggressor side (1 buyer-initiated)
 *   bars.parquet   only in OHLCV datasets (data download --what ohlcv): exchange_ts_ns (bar open), open,
 *                  high, low, close, volume (base currency)
 *
 * An import writes everything into `datasets/.import-<pid>-<random>/` and renames it into place only when
 * it is complete, so a failed import leaves nothing in the catalog; the directory of an import whose
 * process was killed is removed by the next import. The id is the first 16 hex digits of
 * the SHA-256 of the source files' bytes (and their roles), so importing the same files twice finds
 * the existing dataset instead of duplicating it.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { DuckDBDataChunk } from '@duckdb/node-api';
import {
  BIGINT,
  DOUBLE,
  DuckDBInstance,
  DuckDBTableFunction,
  INTEGER,
  TINYINT,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

export const DATASET_FORMAT_VERSION = 1;

/** Event kinds in events.parquet (L3 kinds follow LOBSTER's message types). */
export const EVENT_KIND = {
  add: 1,
  partialCancel: 2,
  delete: 3,
  execute: 4,
  hiddenExecute: 5,
  cross: 6,
  halt: 7,
  /** L2: a level of a REST snapshot (seq = the snapshot's lastUpdateId). */
  snapshotLevel: 10,
  /** L2: a level set by a depth update (absolute quantity; 0 removes it; seq = the update's u). */
  levelSet: 11,
  /** A trade (seq = the venue's trade id; side = the aggressor). */
  trade: 12,
} as const;

export interface DatasetInfo {
  formatVersion: number;
  id: string;
  name: string;
  venue: string;
  symbol: string;
  /** Source format (e.g. "lobster"). */
  format: string;
  /** Book depth of the source (LOBSTER: N levels of the orderbook file), when it has one. */
  levels: number | null;
  /** First and last exchange timestamps (ns since the Unix epoch, as decimal strings: beyond 2^53). */
  firstTsNs: string;
  lastTsNs: string;
  counts: { events: number; bookEvents: number; trades: number; bars?: number };
  /** SHA-256 of the source files (hex). */
  contentHash: string;
  sources: { role: string; file: string; bytes: number }[];
  /** What the import checked and repaired (format-specific counts). */
  verification: Record<string, number>;
}

export class CatalogError extends Error {
  override name = 'CatalogError';
}

/** Column buffers of one Parquet table, filled row by row, written in chunks. */
export interface TableSpec {
  name: 'events' | 'top' | 'trades' | 'bars';
  columns: { name: string; type: DuckDBType; sql: string }[];
}

export const EVENTS_TABLE: TableSpec = {
  name: 'events',
  columns: [
    { name: 'seq', type: BIGINT, sql: 'BIGINT' },
    { name: 'exchange_ts_ns', type: BIGINT, sql: 'BIGINT' },
    { name: 'kind', type: TINYINT, sql: 'TINYINT' },
    { name: 'order_id', type: BIGINT, sql: 'BIGINT' },
    { name: 'side', type: TINYINT, sql: 'TINYINT' },
    { name: 'price', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'size', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'local_ts_ns', type: BIGINT, sql: 'BIGINT' },
  ],
};

export const TOP_TABLE: TableSpec = {
  name: 'top',
  columns: [
    { name: 'seq', type: BIGINT, sql: 'BIGINT' },
    { name: 'exchange_ts_ns', type: BIGINT, sql: 'BIGINT' },
    { name: 'bid_price', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'bid_size', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'ask_price', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'ask_size', type: DOUBLE, sql: 'DOUBLE' },
  ],
};

export const TRADES_TABLE: TableSpec = {
  name: 'trades',
  columns: [
    { name: 'seq', type: BIGINT, sql: 'BIGINT' },
    { name: 'exchange_ts_ns', type: BIGINT, sql: 'BIGINT' },
    { name: 'price', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'size', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'side', type: TINYINT, sql: 'TINYINT' },
  ],
};

/** OHLCV bars (an additive table: only datasets built with `{ bars: true }` have it). */
export const BARS_TABLE: TableSpec = {
  name: 'bars',
  columns: [
    { name: 'exchange_ts_ns', type: BIGINT, sql: 'BIGINT' },
    { name: 'open', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'high', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'low', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'close', type: DOUBLE, sql: 'DOUBLE' },
    { name: 'volume', type: DOUBLE, sql: 'DOUBLE' },
  ],
};

/** Writers made in this process (names their table functions). */
let writerCount = 0;

/**
 * The rows of the writers whose COPY is running on the shared import instance, by writer number:
 * what `qb_rows(n)` (the one table function registered there) reads.
 */
const COPYING = new Map<number, { spec: TableSpec; next: (out: DuckDBDataChunk) => void }>();
/** Connections to the shared import instance (qb_rows is registered there). */
const SHARED_CONNECTIONS = new WeakSet<DuckDBConnection>();
let importDuck: Promise<DuckDBInstance> | null = null;

/**
 * The in-memory DuckDB instance of this thread's imports, made at the first import and kept: starting
 * and shutting down an instance cost ~20 + 15–35 ms of every import (docs/performance.md). Each import
 * has its own connection; the table function `qb_rows(n)` is registered once and reads writer n's
 * chunks. It holds no tables: the rows go from JavaScript through the COPY to the Parquet files.
 */
function importInstance(): Promise<DuckDBInstance> {
  importDuck ??= (async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    conn.registerTableFunction(
      DuckDBTableFunction.create({
        name: 'qb_rows',
        parameterTypes: [INTEGER],
        bindFunction: (b) => {
          const w = COPYING.get(Number(b.getParameter(0)));
          if (w === undefined) return b.setError('qb_rows: no such table writer');
          for (const c of w.spec.columns) b.addResultColumn(c.name, c.type);
          b.setBindData(w);
        },
        initFunction: (i) => i.setMaxThreads(1), // one scan in chunk order
        mainFunction: (info, out) => (info.bindData as { next: (o: DuckDBDataChunk) => void }).next(out),
      }),
    );
    conn.closeSync();
    return instance;
  })();
  importDuck.catch(() => (importDuck = null)); // a failed start is retried by the next import
  return importDuck;
}

/** A connection to the shared import instance (close it with closeSync). */
async function importConnection(): Promise<DuckDBConnection> {
  const conn = await (await importInstance()).connect();
  SHARED_CONNECTIONS.add(conn);
  return conn;
}

/** Rows per data chunk: DuckDB's vector size, the most one chunk can hold. */
const CHUNK_ROWS = 2048;

/**
 * Rows a table keeps in memory before they are written out as a Parquet part file (2^20 rows: about
 * 50 MB for `events`); a table of more rows is written as parts and the parts merged into one file at
 * the end (docs/performance.md, "bounded memory").
 */
export const SPILL_ROWS = 1 << 20;

/**
 * How the tables are written: zstd at level 1 (DuckDB's default is 3). Level 3 cost ~30% more of the
 * COPY for 3% smaller files (the Binance capture's events: 102 → 71 ms, 2.34 → 2.40 MB). Dictionary
 * pages stay: writing without them was as fast and smaller, but loading the events for a replay took
 * ~20–30% longer (docs/performance.md).
 */
const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1';

const TWO32 = 4294967296;
/** The largest |ms| whose ms·10⁶ fits a BIGINT. */
const MAX_MS = 9_223_372_036_854;

/** How a column is buffered: typed arrays for the numeric types the catalog uses, JS values otherwise. */
type ColumnKind = 'i64' | 'f64' | 'f32' | 'i32' | 'i16' | 'i8' | 'other';

const KIND_OF_SQL: Record<string, ColumnKind> = {
  BIGINT: 'i64',
  DOUBLE: 'f64',
  FLOAT: 'f32',
  INTEGER: 'i32',
  SMALLINT: 'i16',
  TINYINT: 'i8',
};

const WIDTH: Record<ColumnKind, number> = { i64: 8, f64: 8, f32: 4, i32: 4, i16: 2, i8: 1, other: 0 };

/**
 * One column of one chunk of CHUNK_ROWS rows: the values in DuckDB's in-memory layout (little-endian,
 * as on every platform DuckDB's Node binding ships for) behind one view per type, and a validity mask
 * of 64-bit words (bit r set = row r valid; handed to DuckDB only when a NULL was written).
 */
class ColumnBuffer {
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly f32: Float32Array;
  readonly i16: Int16Array;
  readonly i8: Int8Array;
  valid: Uint32Array | null = null;
  readonly values: unknown[] = [];

  /** Column bytes at `offset` of `bytes` (the chunk's one allocation); only its type's views. */
  constructor(
    readonly kind: ColumnKind,
    readonly width: number,
    readonly bytes: ArrayBuffer,
    readonly offset: number,
  ) {
    const n = CHUNK_ROWS;
    this.f64 = kind === 'f64' ? new Float64Array(bytes, offset, n) : NO_F64;
    this.u32 = kind === 'i64' ? new Uint32Array(bytes, offset, 2 * n) : NO_U32;
    this.i32 =
      kind === 'i64'
        ? new Int32Array(bytes, offset, 2 * n)
        : kind === 'i32'
          ? new Int32Array(bytes, offset, n)
          : NO_I32;
    this.i64 = kind === 'i64' ? new BigInt64Array(bytes, offset, n) : NO_I64;
    this.f32 = kind === 'f32' ? new Float32Array(bytes, offset, n) : NO_F32;
    this.i16 = kind === 'i16' ? new Int16Array(bytes, offset, n) : NO_I16;
    this.i8 = kind === 'i8' ? new Int8Array(bytes, offset, n) : NO_I8;
  }

  setNull(row: number): void {
    if (this.valid === null) this.valid = new Uint32Array(CHUNK_ROWS / 32).fill(0xffffffff);
    this.valid[row >>> 5]! &= ~(1 << (row & 31));
  }
}

const NO_F64 = new Float64Array(0);
const NO_U32 = new Uint32Array(0);
const NO_I32 = new Int32Array(0);
const NO_I64 = new BigInt64Array(0);
const NO_F32 = new Float32Array(0);
const NO_I16 = new Int16Array(0);
const NO_I8 = new Int8Array(0);

interface Chunk {
  rows: number;
  cols: ColumnBuffer[];
}

/**
 * The rows of one table, buffered as typed-array chunks in JavaScript and written to Parquet by
 * DuckDB's COPY reading them through a table function (`qb_rows_<table>`): no appender and no DuckDB
 * table in between (each cost more than the Parquet write itself, docs/performance.md), and no
 * JavaScript value per cell crosses into DuckDB — the chunk's bytes are copied into DuckDB's vectors.
 * NaN (also a NaN given for an integer column) is stored as NULL.
 *
 * Memory: at most SPILL_ROWS rows are held; `spill()` (called by buildDataset's `flushPoint`) writes
 * them to a Parquet part file in the dataset's temporary directory, and `finish` merges the parts.
 *
 * Two ways to write a row: `push(...values)` (BIGINT cells take safe integers or bigints), or the
 * column setters (`i64`, `i64Big`, `i64Parts`, `i64Sum`, `i64MsToNs`, `f64`, `i8`) for every column
 * followed by `endRow()`, which allocates nothing per row.
 */
export class TableWriter {
  private cols: ColumnBuffer[];
  private row = 0;
  private readonly chunks: Chunk[] = [];
  private held = 0;
  private total = 0;
  private readonly parts: string[] = [];
  /** The chunks the running COPY reads (the table function's source), and the next one to hand over. */
  private draining: Chunk[] = [];
  private drainAt = 0;

  private conn: DuckDBConnection | null = null;
  /** The table function's name: unique per writer, so writers can share a connection or instance. */
  private readonly functionName: string;
  /** This writer's number (qb_rows(n) on the shared import instance). */
  private readonly id: number;
  /** What the COPY selects from: qb_rows(n), or this writer's own table function. */
  private source = '';

  private constructor(
    private readonly connection: Promise<DuckDBConnection>,
    readonly spec: TableSpec,
    private readonly spillDir: string | null,
    private readonly spillRows: number,
  ) {
    this.cols = this.newColumns();
    this.id = ++writerCount;
    this.functionName = `qb_rows_${spec.name}_${this.id}`;
  }

  /**
   * A writer for `spec` on `conn`; part files (when more than `spillRows`, default SPILL_ROWS, are
   * held) go to `spillDir`. The connection may still be opening (a promise): rows are buffered in
   * JavaScript and DuckDB is first needed by the first COPY, so an import parses while DuckDB starts.
   */
  static async open(
    conn: DuckDBConnection | Promise<DuckDBConnection>,
    spec: TableSpec,
    spillDir?: string,
    spillRows = SPILL_ROWS,
  ): Promise<TableWriter> {
    return Promise.resolve(new TableWriter(Promise.resolve(conn), spec, spillDir ?? null, spillRows));
  }

  /** The connection, with this table's table function registered on it (once). */
  private async ready(): Promise<DuckDBConnection> {
    if (this.conn !== null) return this.conn;
    const conn = await this.connection;
    this.conn = conn;
    if (SHARED_CONNECTIONS.has(conn)) {
      this.source = `qb_rows(${this.id})`;
      return conn;
    }
    this.source = `${this.functionName}()`;
    conn.registerTableFunction(
      DuckDBTableFunction.create({
        name: this.functionName,
        bindFunction: (b) => {
          for (const c of this.spec.columns) b.addResultColumn(c.name, c.type);
        },
        initFunction: (i) => i.setMaxThreads(1), // one scan in chunk order
        mainFunction: (_info, out) => this.nextChunk(out),
      }),
    );
    this.conn = conn;
    return conn;
  }

  /** The columns of a new chunk, in one allocation (each column 8-byte aligned). */
  private newColumns(): ColumnBuffer[] {
    const kinds = this.spec.columns.map((c) => KIND_OF_SQL[c.sql] ?? 'other');
    const sizes = kinds.map((k) => Math.ceil((CHUNK_ROWS * WIDTH[k]) / 8) * 8);
    const bytes = new ArrayBuffer(sizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    return kinds.map((k, i) => {
      const b = new ColumnBuffer(k, WIDTH[k], bytes, offset);
      offset += sizes[i]!;
      return b;
    });
  }

  /** The table function's body: the next buffered chunk into DuckDB's output chunk (0 rows: done). */
  private nextChunk(out: DuckDBDataChunk): void {
    const ch = this.draining[this.drainAt];
    if (ch === undefined) {
      out.rowCount = 0;
      return;
    }
    this.draining[this.drainAt++] = undefined as unknown as Chunk; // let it be collected
    const rows = ch.rows;
    out.rowCount = rows;
    for (let c = 0; c < ch.cols.length; c++) {
      const b = ch.cols[c]!;
      if (b.kind === 'other') {
        out.setColumnValues(c, b.values as DuckDBValue[]);
        continue;
      }
      const vec = duckdb.data_chunk_get_vector(out.chunk, c);
      duckdb.copy_data_to_vector(vec, 0, b.bytes, b.offset, rows * b.width);
      if (b.valid !== null) {
        duckdb.vector_ensure_validity_writable(vec);
        duckdb.copy_data_to_vector_validity(
          vec,
          0,
          b.valid.buffer as ArrayBuffer,
          0,
          Math.ceil(rows / 64) * 8,
        );
      }
    }
  }

  /** A BIGINT cell from a safe integer (NaN: NULL). */
  i64(col: number, v: number): void {
    const b = this.cols[col]!;
    const r = this.row;
    if (v !== v) {
      b.setNull(r);
      b.u32[2 * r] = 0;
      b.i32[2 * r + 1] = 0;
      return;
    }
    if (!Number.isSafeInteger(v)) {
      if (Number.isInteger(v)) return this.i64Big(col, BigInt(v));
      throw new CatalogError(`${this.spec.name}.${this.spec.columns[col]!.name}: ${v} is not an integer`);
    }
    // v = hi·2³² + lo with 0 ≤ lo < 2³² (two's complement halves; exact for |v| ≤ 2^53)
    const hi = Math.floor(v / TWO32);
    b.u32[2 * r] = v - hi * TWO32;
    b.i32[2 * r + 1] = hi;
  }

  /** A BIGINT cell from a bigint (must fit 64 bits). */
  i64Big(col: number, v: bigint): void {
    if (BigInt.asIntN(64, v) !== v) throw new CatalogError(`bigint ${v} out of BIGINT range`);
    this.cols[col]!.i64[this.row] = v;
  }

  /** A BIGINT cell given as hi·2³² + lo (hi signed, 0 ≤ lo < 2³²): see splitI64. */
  i64Parts(col: number, hi: number, lo: number): void {
    const b = this.cols[col]!;
    b.u32[2 * this.row] = lo;
    b.i32[2 * this.row + 1] = hi;
  }

  /** A BIGINT cell hi·2³² + lo + off (splitI64 halves plus a safe integer offset ≥ 0), exactly. */
  i64Sum(col: number, hi: number, lo: number, off: number): void {
    const oh = Math.floor(off / TWO32);
    let l = lo + (off - oh * TWO32);
    let h = hi + oh;
    if (l >= TWO32) {
      l -= TWO32;
      h++;
    }
    if (h > 0x7fffffff) throw new CatalogError(`${this.spec.name}: timestamp beyond the BIGINT range`);
    this.i64Parts(col, h, l);
  }

  /** A BIGINT cell of ns from a time in ms (an integer): ms·10⁶, exactly (NaN: NULL). */
  i64MsToNs(col: number, ms: number): void {
    if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_MS) {
      if (Number.isInteger(ms)) return this.i64Big(col, BigInt(ms) * 1_000_000n); // range-checked
      return this.i64(col, ms); // NaN: NULL; a fraction: the error
    }
    // ms = mh·2³² + ml; ms·10⁶ = mh·10⁶·2³² + ml·10⁶, where ml·10⁶ < 2⁵² is exact
    const mh = Math.floor(ms / TWO32);
    const p = (ms - mh * TWO32) * 1e6;
    const ph = Math.floor(p / TWO32);
    this.i64Parts(col, mh * 1e6 + ph, p - ph * TWO32);
  }

  /** A DOUBLE cell (NaN: NULL). */
  f64(col: number, v: number): void {
    const b = this.cols[col]!;
    if (v !== v) b.setNull(this.row);
    b.f64[this.row] = v;
  }

  /** A TINYINT cell (NaN: NULL). */
  i8(col: number, v: number): void {
    const b = this.cols[col]!;
    if (v !== v) b.setNull(this.row);
    b.i8[this.row] = v;
  }

  /** The row whose cells were set is complete. */
  endRow(): void {
    if (++this.row === CHUNK_ROWS) this.seal();
  }

  /** One row, in column order (a bigint for a BIGINT value beyond 2^53, e.g. a timestamp in ns). */
  push(...values: (number | bigint)[]): void {
    const r = this.row;
    for (let c = 0; c < values.length; c++) {
      const v = values[c]!;
      const b = this.cols[c]!;
      switch (b.kind) {
        case 'i64':
          if (typeof v === 'bigint') this.i64Big(c, v);
          else this.i64(c, v);
          break;
        case 'f64':
          this.f64(c, Number(v));
          break;
        case 'f32':
          if (Number.isNaN(Number(v))) b.setNull(r);
          b.f32[r] = Number(v);
          break;
        case 'i32':
          if (Number.isNaN(Number(v))) b.setNull(r);
          b.i32[r] = Number(v);
          break;
        case 'i16':
          if (Number.isNaN(Number(v))) b.setNull(r);
          b.i16[r] = Number(v);
          break;
        case 'i8':
          this.i8(c, Number(v));
          break;
        default:
          b.values.push(typeof v === 'number' && Number.isNaN(v) ? null : v);
      }
    }
    this.endRow();
  }

  get count(): number {
    return this.total + this.row;
  }

  /** True when the table holds its spill threshold of rows or more (spill() would write a part). */
  get full(): boolean {
    return this.held + this.row >= this.spillRows;
  }

  /** The chunk being filled joins the buffered chunks. */
  private seal(): void {
    if (this.row === 0) return;
    this.chunks.push({ rows: this.row, cols: this.cols });
    this.held += this.row;
    this.total += this.row;
    this.row = 0;
    this.cols = this.newColumns();
  }

  /** COPY the buffered chunks (through the table function) to a Parquet file, and drop them. */
  private async copyBuffered(file: string): Promise<void> {
    const conn = await this.ready();
    this.draining = this.chunks.splice(0);
    this.drainAt = 0;
    this.held = 0;
    COPYING.set(this.id, { spec: this.spec, next: (out) => this.nextChunk(out) });
    try {
      await conn.run(`COPY (SELECT * FROM ${this.source}) TO '${sqlString(file)}' (${PARQUET_OPTIONS})`);
    } finally {
      COPYING.delete(this.id);
      this.draining = [];
    }
  }

  /** If the table is full, write its buffered rows to a part file (bounded memory). */
  async spill(): Promise<void> {
    if (!this.full) return;
    if (this.spillDir === null) throw new CatalogError(`${this.spec.name}: no directory for part files`);
    this.seal();
    const part = path.join(this.spillDir, `.${this.spec.name}.part-${this.parts.length}.parquet`);
    await this.copyBuffered(part);
    this.parts.push(part);
  }

  /** Write the table to `file` as Parquet (zstd), merging the part files if there are any. */
  async finish(file: string): Promise<number> {
    this.seal();
    if (this.parts.length === 0) {
      await this.copyBuffered(file);
      return this.total;
    }
    if (this.held > 0) {
      const part = path.join(path.dirname(file), `.${this.spec.name}.part-${this.parts.length}.parquet`);
      await this.copyBuffered(part);
      this.parts.push(part);
    }
    // read_parquet keeps the list's order and each file's row order (preserve_insertion_order)
    const list = this.parts.map((p) => `'${sqlString(p)}'`).join(', ');
    await (
      await this.ready()
    ).run(`COPY (SELECT * FROM read_parquet([${list}])) TO '${sqlString(file)}' (${PARQUET_OPTIONS})`);
    for (const p of this.parts.splice(0)) rmSync(p, { force: true });
    return this.total;
  }
}

/**
 * A 64-bit integer as the halves TableWriter.i64Parts and i64Sum take: v = hi·2³² + lo, hi signed,
 * 0 ≤ lo < 2³² (split a per-import base timestamp once, then add offsets without creating bigints).
 */
export function splitI64(v: bigint): { hi: number; lo: number } {
  return { hi: Number(BigInt.asIntN(64, v) >> 32n), lo: Number(BigInt.asUintN(32, v)) };
}

function sqlString(s: string): string {
  return s.replaceAll("'", "''");
}

/** The catalog directory of a data directory. */
export function datasetsDir(dataDir: string): string {
  return path.join(dataDir, 'datasets');
}

/** SHA-256 of the sources' bytes, each prefixed with its role and length (id = first 16 hex digits). */
export function contentHash(sources: { role: string; bytes: Uint8Array }[]): string {
  const h = createHash('sha256');
  for (const s of sources) {
    h.update(`${s.role}\0${s.bytes.length}\0`);
    h.update(s.bytes);
  }
  return h.digest('hex');
}

/** A fresh in-memory DuckDB connection (one per import or query). */
export async function openDuck(): Promise<{ conn: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * Runs `build` in a temporary dataset directory and moves it into the catalog under `info.id` when it
 * succeeds; removes it when it fails. Returns the info and whether the dataset already existed.
 */
export async function commitDataset(
  dataDir: string,
  build: (tmpDir: string) => Promise<DatasetInfo>,
): Promise<{ info: DatasetInfo; existed: boolean }> {
  const root = datasetsDir(dataDir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  removeAbandonedImports(root);
  const tmp = path.join(root, `.import-${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(tmp, { mode: 0o700 });
  try {
    const info = await build(tmp);
    const dest = path.join(root, info.id);
    if (existsSync(path.join(dest, 'dataset.json'))) {
      rmSync(tmp, { recursive: true, force: true });
      return { info: readDataset(dataDir, info.id), existed: true };
    }
    writeFileSync(path.join(tmp, 'dataset.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, dest);
    return { info, existed: false };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** SHA-256 of files streamed from disk, each prefixed with the format and its size. */
export async function hashSourceFiles(format: string, files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${format}\0${statSync(f).size}\0`);
    for await (const chunk of createReadStream(f)) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

export interface DatasetTables {
  events: TableWriter;
  top: TableWriter;
  trades: TableWriter;
  /** Present when buildDataset was asked for it (`{ bars: true }`). */
  bars?: TableWriter;
  /**
   * Write out every table holding SPILL_ROWS rows or more as a Parquet part (bounded memory): importers
   * await it now and then (e.g. every few thousand source lines); cheap when nothing is full.
   */
  spill: () => Promise<void>;
}

/**
 * Build a dataset atomically (commitDataset): `fill` writes the rows into the three tables of a fresh
 * DuckDB connection and returns the metadata; the tables are then written as Parquet and their row
 * counts complete the metadata.
 */
export async function buildDataset(
  dataDir: string,
  fill: (t: DatasetTables) => Promise<Omit<DatasetInfo, 'counts'>>,
  opts: { bars?: boolean; signal?: AbortSignal | undefined } = {},
): Promise<{ info: DatasetInfo; existed: boolean }> {
  const signal = opts.signal;
  signal?.throwIfAborted();
  return commitDataset(dataDir, async (tmp) => {
    // The connection opens (the first import of the thread: DuckDB starts, on its own thread) while
    // `fill` reads and parses; the writers wait for it at their first COPY.
    const conn = importConnection();
    conn.catch(() => undefined); // a failed start is reported by the first COPY, not as unhandled
    try {
      const t: DatasetTables = {
        events: await TableWriter.open(conn, EVENTS_TABLE, tmp),
        top: await TableWriter.open(conn, TOP_TABLE, tmp),
        trades: await TableWriter.open(conn, TRADES_TABLE, tmp),
        ...(opts.bars === true ? { bars: await TableWriter.open(conn, BARS_TABLE, tmp) } : {}),
        spill: async () => {
          // Every importer calls spill at its chunk boundaries: where a cancel takes effect. A COPY
          // already started runs to its end (the worker thread is never terminated inside DuckDB).
          signal?.throwIfAborted();
          for (const w of [t.events, t.top, t.trades, t.bars]) if (w?.full === true) await w.spill();
        },
      };
      const partial = await fill(t);
      signal?.throwIfAborted();
      const events = await t.events.finish(path.join(tmp, 'events.parquet'));
      const bookEvents = await t.top.finish(path.join(tmp, 'top.parquet'));
      const trades = await t.trades.finish(path.join(tmp, 'trades.parquet'));
      const bars = t.bars !== undefined ? { bars: await t.bars.finish(path.join(tmp, 'bars.parquet')) } : {};
      signal?.throwIfAborted(); // a cancel that arrived during the writes still wins: nothing is committed
      return { ...partial, counts: { events, bookEvents, trades, ...bars } };
    } finally {
      await conn.then(
        (c) => c.closeSync(),
        () => undefined,
      );
    }
  });
}

/**
 * Remove the temporary directories of imports whose process is gone (killed before it could clean up,
 * e.g. by SIGKILL or a power cut): `.import-<pid>-<random>` with no live process <pid>.
 */
export function removeAbandonedImports(root: string): number {
  let removed = 0;
  for (const name of existsSync(root) ? readdirSync(root) : []) {
    const m = /^\.import-(\d+)-[0-9a-f]+$/.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    rmSync(path.join(root, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, not ours
  }
}

/** Every dataset of the catalog, by name then id (unfinished imports are not datasets). */
export function listDatasets(dataDir: string): DatasetInfo[] {
  const root = datasetsDir(dataDir);
  if (!existsSync(root)) return [];
  const out: DatasetInfo[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    if (!existsSync(path.join(root, e.name, 'dataset.json'))) continue;
    out.push(readDataset(dataDir, e.name));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** The dataset `id` (or a unique prefix of it, or its unique name). */
export function readDataset(dataDir: string, idOrName: string): DatasetInfo {
  const root = datasetsDir(dataDir);
  const direct = path.join(root, idOrName, 'dataset.json');
  if (/^[0-9a-f]{16}$/.test(idOrName) && existsSync(direct))
    return JSON.parse(readFileSync(direct, 'utf8')) as DatasetInfo;
  const all = existsSync(root)
    ? readdirSync(root).filter((d) => !d.startsWith('.') && existsSync(path.join(root, d, 'dataset.json')))
    : [];
  const infos = all.map(
    (d) => JSON.parse(readFileSync(path.join(root, d, 'dataset.json'), 'utf8')) as DatasetInfo,
  );
  const hits = infos.filter((i) => i.id.startsWith(idOrName) || i.name === idOrName);
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) throw new CatalogError(`no dataset '${idOrName}' in ${root}`);
  throw new CatalogError(
    `'${idOrName}' matches ${hits.length} datasets (${hits.map((h) => h.id).join(', ')}): give more of the id`,
  );
}

export function datasetFile(dataDir: string, id: string, table: TableSpec['name']): string {
  return path.join(datasetsDir(dataDir), id, `${table}.parquet`);
}

/** Writes a table of a dataset to CSV (with a header) or Parquet, by the output file's extension. */
export async function exportTable(
  dataDir: string,
  id: string,
  table: TableSpec['name'],
  out: string,
): Promise<number> {
  const src = datasetFile(dataDir, id, table);
  if (!existsSync(src)) throw new CatalogError(`dataset ${id} has no ${table} table`);
  const { conn, close } = await openDuck();
  try {
    const parquet = out.toLowerCase().endsWith('.parquet');
    const rows = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${sqlString(src)}')`);
    await conn.run(
      // File order (DuckDB preserves insertion order): events mix sequences (update and trade ids).
      `COPY (SELECT * FROM read_parquet('${sqlString(src)}')) TO '${sqlString(out)}' ` +
        (parquet ? '(FORMAT parquet, COMPRESSION zstd)' : '(FORMAT csv, HEADER true)'),
    );
    return Number(rows.getRows()[0]![0]);
  } finally {
    close();
  }
}
