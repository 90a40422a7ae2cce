/**
 * Runs and everything measured in them: one `runs` row (config, seed, code version, status, timestamps),
 * one `run_results` row per strategy run (params + metrics as JSON), and for the paths kept for charts
 * one `series` row and one `fills` row each (typed-array columns as BLOBs, see columns.ts).
 *
 * Invariants:
 * - Every write method is one IMMEDIATE transaction: it happens entirely or not at all, and a process
 *   killed in the middle leaves the previous state (SQLite's WAL guarantees it; tested by killing a
 *   writer with SIGKILL). `writeCompleted` writes all results, all kept paths and the final status in
 *   a single transaction — the normal way a finished backtest is persisted.
 * - A run accepts writes while it is 'running' or 'incomplete' (a run wrongly presumed dead can still be
 *   finished by its owner); once completed/cancelled/failed it is read-only (artifacts excepted).
 * - Metrics and numeric params must be finite (JSON has no NaN); inputs are validated before any write.
 * - Reads return the exact shapes of core/api/contract.ts; bid/ask NaN (no quote) is returned as null.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type Database from 'better-sqlite3';
import type {
  RunDetail,
  RunFileRow,
  RunKind,
  RunResultRow,
  RunRow,
  RunSearchInput,
  RunSearchPage,
  RunStatus,
  SeriesPayload,
} from '../api/contract';
import { RUN_KINDS } from '../api/contract';
import { FillLog, type PathResult, type PathSeries } from '../sim/path-result';
import { blobF64, blobU8, f64Blob, u8Blob } from './columns';
import { StoreError } from './errors';
import { RunOwnership, currentOwner, type OwnerColumns } from './run-ownership';
import { searchRuns } from './run-search';

export type ParamValue = number | string | boolean;

/** An object whose every field is a number (accepts interfaces such as RunMetrics). */
export type NumericFields<M> = { readonly [K in keyof M]: number };

export interface NewRun {
  /** 'backtest' is stored as 'replay' when its scenario is a replay (scenario.mode). */
  kind: RunKind;
  name: string;
  /** The validated config (stored as JSON; returned by get()). */
  config: unknown;
  seed: number;
  paths: number;
  codeVersion: string;
  /** The catalog's content hash of the dataset the run reads (core/data/catalog.ts DatasetInfo). */
  datasetHash?: string | null;
  /** Words for search (letters, digits, `_ - . : /`), e.g. the algorithm or the dataset name. */
  tags?: readonly string[];
}

/** A file a run wrote outside the store, recorded by path, size and SHA-256. */
export interface RunFileInput {
  path: string;
  bytes: number;
  sha256: string;
}

/** What a non-backtest run stores when it ends (all in the transaction that sets its status). */
export interface RunOutcome<M extends NumericFields<M> = Record<string, number>> {
  status: FinalStatus;
  error?: string;
  /** Strategy rows (an evaluation's quoters); replaces none: indices must be new. */
  results?: readonly ResultInput<M>[];
  /** Run-level final metrics; non-finite values are left out (JSON has no NaN). */
  metrics?: Readonly<Record<string, number>>;
  files?: readonly RunFileInput[];
}

/** SHA-256 and size of a file, streamed (a checkpoint may be large). */
export async function hashFile(file: string): Promise<RunFileInput> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { path: file, bytes, sha256: h.digest('hex') };
}

/** One strategy run's summary (a RunSummary plus its index in the run). */
export interface ResultInput<M extends NumericFields<M> = Record<string, number>> {
  index: number;
  strategy: string;
  params: Readonly<Record<string, ParamValue>>;
  scenario: string;
  paths: number;
  metrics: M;
}

/** A path kept for charts, tagged with the result (strategy run) it belongs to. */
export interface StoredPath {
  resultIndex: number;
  path: PathResult;
}

export type FinalStatus = 'completed' | 'cancelled' | 'failed';

const FINAL: readonly FinalStatus[] = ['completed', 'cancelled', 'failed'];

/** What openStore writes into `error` of a run it finds orphaned. */
export const INCOMPLETE_MESSAGE = 'the process writing this run stopped before it finished';

interface RunDbRow {
  id: string;
  kind: string;
  name: string;
  status: string;
  config_json: string;
  seed: number;
  paths: number;
  code_version: string;
  created_at: string;
  finished_at: string | null;
  error: string | null;
  dataset_hash: string | null;
  tags: string;
  results: number;
}

interface ResultDbRow {
  idx: number;
  strategy: string;
  params_json: string;
  scenario: string;
  paths: number;
  metrics_json: string;
}

interface SeriesDbRow {
  path: number;
  path_seed: number;
  bars: number;
  lot_size: number;
  quotes_posted: number;
  t: Buffer;
  mid: Buffer;
  bid: Buffer;
  ask: Buffer;
  inventory: Buffer;
  cash: Buffer;
  pnl: Buffer;
}

interface FillsDbRow {
  count: number;
  t: Buffer;
  side: Buffer;
  price: Buffer;
  size: Buffer;
  fee: Buffer;
  mid_at_fill: Buffer;
}

const RUN_COLUMNS = `r.id, r.kind, r.name, r.status, r.config_json, r.seed, r.paths, r.code_version, r.created_at,
  r.finished_at, r.error, r.dataset_hash, r.tags,
  (SELECT count(*) FROM run_results x WHERE x.run_id = r.id) AS results`;

type Key3 = [string, number, number];

/**
 * Runs created by a store that is open in this thread and not yet finished. Another store opened in
 * the same process (same pid) must not take them for orphans; a run left here when its store closes is
 * dropped, so the next open marks it incomplete.
 */
const liveRuns = new Set<string>();

export class RunRepository {
  private readonly s;
  private readonly txAddResult;
  private readonly txAddPath;
  private readonly txFinish;
  private readonly txWriteCompleted;
  private readonly txDelete;
  private readonly txEnd;
  private readonly txSteps;
  /** Runs this repository created and has not finished. */
  private readonly owned = new RunOwnership(liveRuns);

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.s = {
      insertRun: db.prepare<
        [
          string,
          string,
          string,
          string,
          number,
          number,
          string,
          string,
          number,
          string,
          number | null,
          string | null,
          string,
        ],
        never
      >(
        `INSERT INTO runs (id, kind, name, status, config_json, seed, paths, code_version, created_at, owner_pid,
           owner_host, owner_start, dataset_hash, tags)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteResultMetrics: db.prepare<[string, number], never>(
        'DELETE FROM run_metrics WHERE run_id = ? AND result_idx = ?',
      ),
      insertMetric: db.prepare<[string, number, string, number], never>(
        'INSERT OR REPLACE INTO run_metrics (run_id, result_idx, key, value) VALUES (?, ?, ?, ?)',
      ),
      insertStep: db.prepare<[string, string, number, number], never>(
        'INSERT OR REPLACE INTO run_metric_steps (run_id, key, step, value) VALUES (?, ?, ?, ?)',
      ),
      insertFile: db.prepare<[string, string, number, string], never>(
        'INSERT OR REPLACE INTO run_files (run_id, path, bytes, sha256) VALUES (?, ?, ?, ?)',
      ),
      runMetrics: db.prepare<[string], { key: string; value: number }>(
        'SELECT key, value FROM run_metrics WHERE run_id = ? AND result_idx = -1 ORDER BY key',
      ),
      steps: db.prepare<[string], { key: string; step: number; value: number }>(
        'SELECT key, step, value FROM run_metric_steps WHERE run_id = ? ORDER BY key, step',
      ),
      files: db.prepare<[string], RunFileRow>(
        'SELECT path, bytes, sha256 FROM run_files WHERE run_id = ? ORDER BY path',
      ),
      status: db.prepare<[string], string>('SELECT status FROM runs WHERE id = ?').pluck(),
      resultIdxs: db.prepare<[string], number>('SELECT idx FROM run_results WHERE run_id = ?').pluck(),
      insertResult: db.prepare<[string, number, string, string, string, number, string], never>(
        `INSERT OR REPLACE INTO run_results (run_id, idx, strategy, params_json, scenario, paths, metrics_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertSeries: db.prepare<[string, number, number, number, number, number, number, ...Buffer[]], never>(
        `INSERT OR REPLACE INTO series
           (run_id, result_idx, path, path_seed, bars, lot_size, quotes_posted, t, mid, bid, ask, inventory, cash, pnl)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertFills: db.prepare<[string, number, number, number, ...Buffer[]], never>(
        `INSERT OR REPLACE INTO fills (run_id, result_idx, path, count, t, side, price, size, fee, mid_at_fill)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      finish: db.prepare<[string, string, string | null, string], never>(
        `UPDATE runs SET status = ?, finished_at = ?, error = ?, owner_pid = NULL, owner_host = NULL, owner_start = NULL
         WHERE id = ?`,
      ),
      list: db.prepare<[number], RunDbRow>(
        `SELECT ${RUN_COLUMNS} FROM runs r ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?`,
      ),
      get: db.prepare<[string], RunDbRow>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`),
      results: db.prepare<[string], ResultDbRow>(
        `SELECT idx, strategy, params_json, scenario, paths, metrics_json FROM run_results WHERE run_id = ? ORDER BY idx`,
      ),
      seriesPaths: db
        .prepare<[string], number>('SELECT DISTINCT path FROM series WHERE run_id = ? ORDER BY path')
        .pluck(),
      series: db.prepare<Key3, SeriesDbRow>(
        `SELECT path, path_seed, bars, lot_size, quotes_posted, t, mid, bid, ask, inventory, cash, pnl
         FROM series WHERE run_id = ? AND result_idx = ? AND path = ?`,
      ),
      fills: db.prepare<Key3, FillsDbRow>(
        `SELECT count, t, side, price, size, fee, mid_at_fill FROM fills WHERE run_id = ? AND result_idx = ? AND path = ?`,
      ),
      delete: db.prepare<[string], never>('DELETE FROM runs WHERE id = ?'),
      running: db.prepare<[], { id: string } & OwnerColumns>(
        `SELECT id, owner_pid, owner_host, owner_start FROM runs WHERE status = 'running'`,
      ),
      markIncomplete: db.prepare<[string, string], never>(
        `UPDATE runs SET status = 'incomplete', error = ?, owner_pid = NULL, owner_host = NULL, owner_start = NULL
         WHERE id = ? AND status = 'running'`,
      ),
    };

    this.txAddResult = db.transaction((runId: string, r: ResultInput<Record<string, number>>) => {
      this.requireWritable(runId);
      this.insertResult(runId, r);
    });
    this.txAddPath = db.transaction((runId: string, p: StoredPath) => {
      this.requireWritable(runId);
      this.insertPath(runId, p);
    });
    this.txFinish = db.transaction((runId: string, status: FinalStatus, error: string | null) => {
      this.requireWritable(runId);
      this.s.finish.run(status, this.now().toISOString(), error, runId);
    });
    this.txWriteCompleted = db.transaction(
      (
        runId: string,
        results: readonly ResultInput<Record<string, number>>[],
        paths: readonly StoredPath[],
      ) => {
        this.requireWritable(runId);
        const known = new Set([...this.s.resultIdxs.all(runId), ...results.map((r) => r.index)]);
        for (const p of paths) {
          if (!known.has(p.resultIndex)) {
            throw new StoreError(
              'invalid',
              `path ${p.path.pathIndex} refers to result ${p.resultIndex}, which the run does not have`,
            );
          }
        }
        for (const r of results) this.insertResult(runId, r);
        for (const p of paths) this.insertPath(runId, p);
        this.s.finish.run('completed', this.now().toISOString(), null, runId);
      },
    );
    this.txDelete = db.transaction((runId: string) => this.s.delete.run(runId).changes > 0);
    this.txEnd = db.transaction((runId: string, o: CheckedOutcome) => {
      this.requireWritable(runId);
      const known = new Set(this.s.resultIdxs.all(runId));
      for (const r of o.results) {
        if (known.has(r.index))
          throw new StoreError('invalid', `result index ${r.index} is already stored for run ${runId}`);
        this.insertResult(runId, r);
      }
      for (const [k, v] of Object.entries(o.metrics)) this.s.insertMetric.run(runId, -1, k, v);
      for (const f of o.files) this.s.insertFile.run(runId, f.path, f.bytes, f.sha256);
      this.s.finish.run(o.status, this.now().toISOString(), o.error, runId);
    });
    this.txSteps = db.transaction((runId: string, key: string, points: readonly [number, number][]) => {
      this.requireWritable(runId);
      for (const [step, value] of points) this.s.insertStep.run(runId, key, step, value);
    });
  }

  /** Start a run: status 'running', owned by this process until finished. */
  create(input: NewRun): RunRow {
    if (!(RUN_KINDS as readonly string[]).includes(input.kind))
      throw new StoreError('invalid', `unknown run kind ${String(input.kind)}`);
    if (typeof input.name !== 'string') throw new StoreError('invalid', 'run name must be a string');
    checkInt(input.seed, 'seed', Number.MIN_SAFE_INTEGER);
    checkInt(input.paths, 'paths', 0);
    const hash = input.datasetHash ?? null;
    if (hash !== null && !/^[0-9a-f]{16,128}$/.test(hash))
      throw new StoreError('invalid', `datasetHash must be a hex digest, got ${String(hash)}`);
    const tags = (input.tags ?? []).map((t) => String(t).trim()).filter((t) => t !== '');
    for (const t of tags)
      if (!/^[\p{L}\p{N}_.:/-]{1,100}$/u.test(t))
        throw new StoreError('invalid', `tag "${t}" must be 1–100 letters, digits or _ . : / -`);
    const mode = (input.config as { scenario?: { mode?: unknown } } | null)?.scenario?.mode;
    const kind = input.kind === 'backtest' && mode === 'replay' ? 'replay' : input.kind;
    const configJson = JSON.stringify(input.config) ?? 'null';
    const id = randomUUID();
    const createdAt = this.now().toISOString();
    this.s.insertRun.run(
      id,
      kind,
      input.name,
      configJson,
      input.seed,
      input.paths,
      String(input.codeVersion),
      createdAt,
      currentOwner().pid,
      currentOwner().host,
      currentOwner().start,
      hash,
      [...new Set(tags)].join(' '),
    );
    this.owned.own(id);
    return this.row(id);
  }

  /** Store one strategy run's summary (replaces a result with the same index). */
  addResult<M extends NumericFields<M>>(runId: string, result: ResultInput<M>): void {
    const r = checkResult(result);
    this.txAddResult.immediate(runId, r);
  }

  /** Store one path's series and fills (replaces the same path of the same result). */
  addPath(runId: string, resultIndex: number, path: PathResult): void {
    const p = { resultIndex, path };
    checkPath(p);
    this.txAddPath.immediate(runId, p);
  }

  /** Close a run that did not complete normally (or completed without results to write). */
  finish(runId: string, status: FinalStatus, error?: string): RunRow {
    if (!FINAL.includes(status))
      throw new StoreError('invalid', `cannot finish a run as '${String(status)}'`);
    this.txFinish.immediate(runId, status, error ?? null);
    this.owned.release(runId);
    return this.row(runId);
  }

  /**
   * Persist a finished backtest: all results, all kept paths and status 'completed', in ONE transaction.
   * Everything is validated first; on any error nothing is written and the run stays as it was.
   */
  writeCompleted<M extends NumericFields<M>>(
    runId: string,
    results: readonly ResultInput<M>[],
    paths: readonly StoredPath[],
  ): RunRow {
    const rs = results.map(checkResult);
    const seen = new Set<number>();
    for (const r of rs) {
      if (seen.has(r.index)) throw new StoreError('invalid', `result index ${r.index} given twice`);
      seen.add(r.index);
    }
    const keys = new Set<string>();
    for (const p of paths) {
      checkPath(p);
      const key = `${p.resultIndex}/${p.path.pathIndex}`;
      if (keys.has(key))
        throw new StoreError('invalid', `path ${p.path.pathIndex} of result ${p.resultIndex} given twice`);
      keys.add(key);
    }
    this.txWriteCompleted.immediate(runId, rs, paths);
    this.owned.release(runId);
    return this.row(runId);
  }

  /**
   * End a run with its outcome (results, run-level metrics, files) and final status in ONE transaction;
   * validated first, nothing written on error. The way eval, calibrate and sweep runs are closed.
   */
  end<M extends NumericFields<M>>(runId: string, outcome: RunOutcome<M>): RunRow {
    if (!FINAL.includes(outcome.status))
      throw new StoreError('invalid', `cannot finish a run as '${String(outcome.status)}'`);
    const results = (outcome.results ?? []).map(checkResult);
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(outcome.metrics ?? {})) {
      checkKey(k, 'metric');
      if (typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
    }
    const files = (outcome.files ?? []).map((f) => {
      if (typeof f.path !== 'string' || f.path === '')
        throw new StoreError('invalid', 'file path must be given');
      checkInt(f.bytes, `file ${f.path} bytes`, 0);
      if (!/^[0-9a-f]{64}$/.test(f.sha256))
        throw new StoreError('invalid', `file ${f.path} sha256 must be 64 hex digits`);
      return f;
    });
    this.txEnd.immediate(runId, {
      status: outcome.status,
      error: outcome.error ?? null,
      results,
      metrics,
      files,
    });
    this.owned.release(runId);
    return this.row(runId);
  }

  /** Append metrics over time (`step` ascending by convention); non-finite values are skipped. */
  logSteps(runId: string, key: string, points: readonly (readonly [step: number, value: number])[]): void {
    checkKey(key, 'metric');
    const ok: [number, number][] = [];
    for (const [step, value] of points) {
      checkInt(step, `${key} step`, Number.MIN_SAFE_INTEGER);
      if (Number.isFinite(value)) ok.push([step, value]);
    }
    if (ok.length > 0) this.txSteps.immediate(runId, key, ok);
  }

  /** A run's run-level final metrics (result_idx −1). */
  runMetrics(runId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.s.runMetrics.all(runId)) out[r.key] = r.value;
    return out;
  }

  /** A run's metrics over time, per key: steps ascending. */
  steps(runId: string): Record<string, { step: number[]; value: number[] }> {
    const out: Record<string, { step: number[]; value: number[] }> = {};
    for (const r of this.s.steps.all(runId)) {
      const h = (out[r.key] ??= { step: [], value: [] });
      h.step.push(r.step);
      h.value.push(r.value);
    }
    return out;
  }

  /** Files the run recorded (path, size, SHA-256). */
  files(runId: string): RunFileRow[] {
    return this.s.files.all(runId);
  }

  /**
   * The searchable runs table (issue 13 §5): `runs` and `training_runs` (kind 'train') as one list,
   * filtered, sorted and paged in SQL (run-search.ts builds the statement from fixed fragments; every
   * user value is a bound parameter).
   */
  search(input: RunSearchInput): RunSearchPage {
    return searchRuns(this.db, input);
  }

  /** Newest first, with the number of results of each run. */
  list(limit = 200): RunRow[] {
    const n = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 200;
    return this.s.list.all(n).map(toRunRow);
  }

  get(runId: string): RunDetail | null {
    const row = this.s.get.get(runId);
    if (!row) return null;
    return {
      run: toRunRow(row),
      config: parseJson(row.config_json, `run ${runId} config`),
      results: this.s.results.all(runId).map((r) => toResultRow(runId, r)),
      seriesPaths: this.s.seriesPaths.all(runId),
    };
  }

  /** A stored path's bar series for charts (bid/ask NaN → null; drawdown = pnl − running max). */
  series(runId: string, resultIndex: number, path: number): SeriesPayload | null {
    const row = this.s.series.get(runId, resultIndex, path);
    if (!row) return null;
    const s = decodeSeries(row, `run ${runId} result ${resultIndex} path ${path}`);
    const pnl = Array.from(s.pnl);
    const drawdown = new Array<number>(pnl.length);
    let peak = -Infinity;
    for (let i = 0; i < pnl.length; i++) {
      const v = pnl[i] ?? NaN;
      if (v > peak) peak = v;
      drawdown[i] = v - peak;
    }
    return {
      t: Array.from(s.t),
      mid: Array.from(s.mid),
      bid: Array.from(s.bid, nanToNull),
      ask: Array.from(s.ask, nanToNull),
      inventory: Array.from(s.inventory),
      pnl,
      drawdown,
    };
  }

  /** A stored path's fills log (capacity = count, at least 1). */
  fills(runId: string, resultIndex: number, path: number): FillLog | null {
    const row = this.s.fills.get(runId, resultIndex, path);
    if (!row) return null;
    return decodeFills(row, `run ${runId} result ${resultIndex} path ${path} fills`);
  }

  /** A stored path rebuilt as a PathResult (for reports and metric recomputation). */
  path(runId: string, resultIndex: number, path: number): PathResult | null {
    const row = this.s.series.get(runId, resultIndex, path);
    if (!row) return null;
    const what = `run ${runId} result ${resultIndex} path ${path}`;
    const f = this.s.fills.get(runId, resultIndex, path);
    return {
      pathIndex: row.path,
      seed: row.path_seed,
      series: decodeSeries(row, what),
      fills: f ? decodeFills(f, `${what} fills`) : new FillLog(1),
      quotesPosted: row.quotes_posted,
      lotSize: row.lot_size,
    };
  }

  /** Delete a run and (by cascade) its results, series, fills and artifacts. */
  delete(runId: string): boolean {
    const deleted = this.txDelete.immediate(runId);
    this.owned.release(runId);
    // Hand the freed pages back to the file system (auto_vacuum = INCREMENTAL); outside the transaction.
    if (deleted) this.db.pragma('incremental_vacuum');
    return deleted;
  }

  /**
   * Mark 'running' runs whose owner process is gone as 'incomplete' (one transaction). A run stays
   * 'running' only if its owner is another live process on this host, or a store open in this process.
   * Returns the ids marked.
   */
  recoverOrphans(): string[] {
    return this.db
      .transaction(() => {
        const marked: string[] = [];
        for (const r of this.s.running.all()) {
          if (this.owned.ownerAlive(r)) continue;
          this.s.markIncomplete.run(INCOMPLETE_MESSAGE, r.id);
          marked.push(r.id);
        }
        return marked;
      })
      .immediate();
  }

  /** Forget this repository's unfinished runs (its store is closing). */
  detach(): void {
    this.owned.detach();
  }

  private row(runId: string): RunRow {
    const row = this.s.get.get(runId);
    if (!row) throw new StoreError('not_found', `no run ${runId}`);
    return toRunRow(row);
  }

  private requireWritable(runId: string): void {
    const status = this.s.status.get(runId);
    if (status === undefined) throw new StoreError('not_found', `no run ${runId}`);
    if (status !== 'running' && status !== 'incomplete') {
      throw new StoreError('read_only', `run ${runId} is ${status}: a finished run cannot be changed`);
    }
  }

  private insertResult(runId: string, r: ResultInput<Record<string, number>>): void {
    this.s.insertResult.run(
      runId,
      r.index,
      r.strategy,
      JSON.stringify(r.params),
      r.scenario,
      r.paths,
      JSON.stringify(r.metrics),
    );
    this.s.deleteResultMetrics.run(runId, r.index);
    for (const [k, v] of Object.entries(r.metrics)) this.s.insertMetric.run(runId, r.index, k, v);
  }

  private insertPath(runId: string, { resultIndex, path }: StoredPath): void {
    const s = path.series;
    const n = s.bars + 1;
    const what = `path ${path.pathIndex}`;
    this.s.insertSeries.run(
      runId,
      resultIndex,
      path.pathIndex,
      path.seed,
      s.bars,
      path.lotSize,
      path.quotesPosted,
      f64Blob(s.t, n, `${what} t`),
      f64Blob(s.mid, n, `${what} mid`),
      f64Blob(s.bid, n, `${what} bid`),
      f64Blob(s.ask, n, `${what} ask`),
      f64Blob(s.inventory, n, `${what} inventory`),
      f64Blob(s.cash, n, `${what} cash`),
      f64Blob(s.pnl, n, `${what} pnl`),
    );
    const f = path.fills;
    const c = f.count;
    this.s.insertFills.run(
      runId,
      resultIndex,
      path.pathIndex,
      c,
      f64Blob(f.t, c, `${what} fills.t`),
      u8Blob(f.side, c, `${what} fills.side`),
      f64Blob(f.price, c, `${what} fills.price`),
      f64Blob(f.size, c, `${what} fills.size`),
      f64Blob(f.fee, c, `${what} fills.fee`),
      f64Blob(f.midAtFill, c, `${what} fills.midAtFill`),
    );
  }
}

// ------------------------------------------------------------------------------------------------
// Validation (before any write) and decoding

function checkInt(v: unknown, what: string, min: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new StoreError('invalid', `${what} must be an integer${min === 0 ? ' ≥ 0' : ''}, got ${String(v)}`);
  }
}

function checkKey(k: string, what: string): void {
  if (typeof k !== 'string' || k.length === 0 || k.length > 200)
    throw new StoreError('invalid', `${what} key must be 1–200 characters, got "${String(k)}"`);
}

interface CheckedOutcome {
  status: FinalStatus;
  error: string | null;
  results: ResultInput<Record<string, number>>[];
  metrics: Record<string, number>;
  files: RunFileInput[];
}

function checkFinite(v: unknown, what: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new StoreError('invalid', `${what} must be a finite number, got ${String(v)}`);
  }
}

function checkResult<M extends NumericFields<M>>(r: ResultInput<M>): ResultInput<Record<string, number>> {
  checkInt(r.index, 'result index', 0);
  const what = `result ${r.index}`;
  checkInt(r.paths, `${what} paths`, 0);
  if (typeof r.strategy !== 'string') throw new StoreError('invalid', `${what} strategy must be a string`);
  if (typeof r.scenario !== 'string') throw new StoreError('invalid', `${what} scenario must be a string`);
  for (const [k, v] of Object.entries(r.params)) {
    if (typeof v === 'number') checkFinite(v, `${what} params.${k}`);
    else if (typeof v !== 'string' && typeof v !== 'boolean') {
      throw new StoreError('invalid', `${what} params.${k} must be a number, string or boolean`);
    }
  }
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.metrics as object)) {
    checkFinite(v, `${what} metrics.${k}`);
    metrics[k] = v;
  }
  return {
    index: r.index,
    strategy: r.strategy,
    params: r.params,
    scenario: r.scenario,
    paths: r.paths,
    metrics,
  };
}

function checkPath({ resultIndex, path }: StoredPath): void {
  checkInt(resultIndex, 'resultIndex', 0);
  checkInt(path.pathIndex, 'pathIndex', 0);
  const what = `path ${path.pathIndex}`;
  checkInt(path.seed, `${what} seed`, Number.MIN_SAFE_INTEGER);
  checkFinite(path.lotSize, `${what} lotSize`);
  checkInt(path.quotesPosted, `${what} quotesPosted`, 0);
  const s = path.series;
  checkInt(s.bars, `${what} bars`, 0);
  for (const k of SERIES_KEYS) {
    if (!(s[k] instanceof Float64Array) || s[k].length < s.bars + 1) {
      throw new StoreError('invalid', `${what} series.${k} must be a Float64Array of ${s.bars + 1} values`);
    }
  }
  const f = path.fills;
  checkInt(f.count, `${what} fills.count`, 0);
  for (const k of ['t', 'price', 'size', 'fee', 'midAtFill'] as const) {
    if (!(f[k] instanceof Float64Array) || f[k].length < f.count) {
      throw new StoreError('invalid', `${what} fills.${k} must be a Float64Array of ≥ ${f.count} values`);
    }
  }
  if (!(f.side instanceof Uint8Array) || f.side.length < f.count) {
    throw new StoreError('invalid', `${what} fills.side must be a Uint8Array of ≥ ${f.count} values`);
  }
}

const SERIES_KEYS = ['t', 'mid', 'bid', 'ask', 'inventory', 'cash', 'pnl'] as const;

function decodeSeries(row: SeriesDbRow, what: string): PathSeries {
  const n = row.bars + 1;
  const col = (b: Buffer, k: string): Float64Array => corruptOnThrow(() => blobF64(b, n, `${what} ${k}`));
  return {
    bars: row.bars,
    t: col(row.t, 't'),
    mid: col(row.mid, 'mid'),
    bid: col(row.bid, 'bid'),
    ask: col(row.ask, 'ask'),
    inventory: col(row.inventory, 'inventory'),
    cash: col(row.cash, 'cash'),
    pnl: col(row.pnl, 'pnl'),
  };
}

function decodeFills(row: FillsDbRow, what: string): FillLog {
  const n = row.count;
  const log = new FillLog(Math.max(1, n));
  corruptOnThrow(() => {
    log.t.set(blobF64(row.t, n, `${what} t`));
    log.side.set(blobU8(row.side, n, `${what} side`));
    log.price.set(blobF64(row.price, n, `${what} price`));
    log.size.set(blobF64(row.size, n, `${what} size`));
    log.fee.set(blobF64(row.fee, n, `${what} fee`));
    log.midAtFill.set(blobF64(row.mid_at_fill, n, `${what} midAtFill`));
  });
  log.count = n;
  return log;
}

function corruptOnThrow<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new StoreError('corrupt', (e as Error).message);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StoreError('corrupt', `${what}: stored JSON does not parse`);
  }
}

function toRunRow(r: RunDbRow): RunRow {
  return {
    id: r.id,
    kind: r.kind as RunRow['kind'],
    name: r.name,
    status: r.status as RunStatus,
    seed: r.seed,
    paths: r.paths,
    codeVersion: r.code_version,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    error: r.error,
    datasetHash: r.dataset_hash,
    tags: r.tags === '' ? [] : r.tags.split(' '),
    results: r.results,
  };
}

function toResultRow(runId: string, r: ResultDbRow): RunResultRow {
  const what = `run ${runId} result ${r.idx}`;
  return {
    index: r.idx,
    strategy: r.strategy,
    params: parseJson(r.params_json, `${what} params`) as RunResultRow['params'],
    scenario: r.scenario,
    paths: r.paths,
    metrics: parseJson(r.metrics_json, `${what} metrics`) as RunResultRow['metrics'],
  };
}

function nanToNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
