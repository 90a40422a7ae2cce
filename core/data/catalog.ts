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
import {
  BIGINT,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBInstance,
  TINYINT,
  type DuckDBConnection,
  type DuckDBType,
} from '@duckdb/node-api';

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
  counts: { events: number; bookEvents: number; trades: number };
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
  name: 'events' | 'top' | 'trades';
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

const CHUNK_ROWS = 2048;

/**
 * Writes rows of one table into DuckDB in chunks of 2048 (the appender's data-chunk path), then to
 * Parquet. BIGINT columns take integers or bigints (numbers are converted per chunk); NaN is stored as
 * NULL.
 */
export class TableWriter {
  private readonly cols: (number | bigint | null)[][];
  private rows = 0;
  private total = 0;

  private constructor(
    private readonly conn: DuckDBConnection,
    readonly spec: TableSpec,
    private readonly appender: Awaited<ReturnType<DuckDBConnection['createAppender']>>,
  ) {
    this.cols = spec.columns.map(() => []);
  }

  static async open(conn: DuckDBConnection, spec: TableSpec): Promise<TableWriter> {
    await conn.run(`CREATE TABLE ${spec.name} (${spec.columns.map((c) => `${c.name} ${c.sql}`).join(', ')})`);
    return new TableWriter(conn, spec, await conn.createAppender(spec.name));
  }

  /** One row, in column order (a bigint for a BIGINT value beyond 2^53, e.g. a timestamp in ns). */
  push(...values: (number | bigint)[]): void {
    for (let c = 0; c < values.length; c++) {
      const v = values[c]!;
      this.cols[c]!.push(typeof v === 'number' && Number.isNaN(v) ? null : v);
    }
    if (++this.rows === CHUNK_ROWS) this.flushChunk();
  }

  get count(): number {
    return this.total + this.rows;
  }

  private flushChunk(): void {
    if (this.rows === 0) return;
    const spec = this.spec;
    const columns = spec.columns.map((c, i) => {
      const raw = this.cols[i]!;
      return c.sql === 'BIGINT' ? raw.map((v) => (v === null || typeof v === 'bigint' ? v : BigInt(v))) : raw;
    });
    const chunk = DuckDBDataChunk.create(
      spec.columns.map((c) => c.type),
      this.rows,
    );
    chunk.setColumns(columns);
    this.appender.appendDataChunk(chunk);
    this.total += this.rows;
    this.rows = 0;
    for (const c of this.cols) c.length = 0;
  }

  /** Flush, close the appender and write the table to `file` as Parquet (zstd). */
  async finish(file: string): Promise<number> {
    this.flushChunk();
    this.appender.closeSync();
    await this.conn.run(`COPY ${this.spec.name} TO '${sqlString(file)}' (FORMAT parquet, COMPRESSION zstd)`);
    return this.total;
  }
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
}

/**
 * Build a dataset atomically (commitDataset): `fill` writes the rows into the three tables of a fresh
 * DuckDB connection and returns the metadata; the tables are then written as Parquet and their row
 * counts complete the metadata.
 */
export async function buildDataset(
  dataDir: string,
  fill: (t: DatasetTables) => Promise<Omit<DatasetInfo, 'counts'>>,
): Promise<{ info: DatasetInfo; existed: boolean }> {
  return commitDataset(dataDir, async (tmp) => {
    const { conn, close } = await openDuck();
    try {
      const t: DatasetTables = {
        events: await TableWriter.open(conn, EVENTS_TABLE),
        top: await TableWriter.open(conn, TOP_TABLE),
        trades: await TableWriter.open(conn, TRADES_TABLE),
      };
      const partial = await fill(t);
      const events = await t.events.finish(path.join(tmp, 'events.parquet'));
      const bookEvents = await t.top.finish(path.join(tmp, 'top.parquet'));
      const trades = await t.trades.finish(path.join(tmp, 'trades.parquet'));
      return { ...partial, counts: { events, bookEvents, trades } };
    } finally {
      close();
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
