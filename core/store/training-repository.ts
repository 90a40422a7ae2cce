/**
 * Training runs (core/services/training-service.ts): one `training_runs` row per run (config, seed,
 * code version, status, backend, run directory, step reached), its metrics history (one
 * `training_metrics` row per TrainMetrics sample, a column per field) and the checkpoints the trainer
 * reported (`training_checkpoints`; the weights themselves stay in the run directory).
 *
 * Invariants:
 * - Every write is one IMMEDIATE transaction; metrics arrive in batches (the service buffers them and
 *   flushes about once a second), each batch one transaction that also advances the run's step.
 * - A 'running' or 'paused' run belongs to a live owner (pid + host, like backtest runs); openStore
 *   marks the others 'incomplete'. `claim` (resume) makes this process the owner again; a final
 *   status (finished/stopped/failed) releases it.
 * - `seq` orders a run's samples (continued across resumes); `truncateAfter` drops the samples (and
 *   checkpoint rows) a crash left beyond the checkpoint a run resumes from, so steps increase along seq.
 * - Required metric fields must be finite; a non-finite optional field (a NaN loss just before the
 *   trainer fails) is stored as NULL. Inputs are validated before any write.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type {
  CheckpointInfo,
  QuoteCurve,
  TrainAlgo,
  TrainingCheckpointRow,
  TrainingRunRow,
  TrainingStatus,
  TrainMetricField,
  TrainMetrics,
  TrainMetricsHistory,
} from '../api/contract';
import { StoreError } from './errors';
import { RunOwnership, currentOwner, type OwnerColumns } from './run-ownership';

export interface NewTrainingRun {
  /** Default: a random UUID (the service picks it to name the run directory). */
  id?: string;
  name: string;
  algo: TrainAlgo;
  config: unknown;
  seed: number;
  codeVersion: string;
  runDir: string;
  totalSteps?: number | null;
}

export type LiveTrainingStatus = 'running' | 'paused';
export type FinalTrainingStatus = 'finished' | 'stopped' | 'failed';

export interface StoredCurves {
  step: number;
  curves: QuoteCurve[];
}

/** What openStore writes into `reason` of a training run it finds orphaned. */
export const TRAINING_INCOMPLETE_REASON =
  'the process training this run stopped before it finished; resume it from its last checkpoint';

const FINAL: readonly FinalTrainingStatus[] = ['finished', 'stopped', 'failed'];
const ALGOS: readonly TrainAlgo[] = ['sac', 'ppo', 'reinforce'];

/** Metric fields ↔ columns (the order of the SELECT and INSERT lists below). */
const REQUIRED: readonly (readonly [TrainMetricField, string])[] = [
  ['totalSteps', 'total_steps'],
  ['updates', 'updates'],
  ['episodes', 'episodes'],
  ['elapsedSec', 'elapsed_sec'],
  ['stepsPerSec', 'steps_per_sec'],
];
const OPTIONAL: readonly (readonly [TrainMetricField, string])[] = [
  ['episodeReturn', 'episode_return'],
  ['episodePnl', 'episode_pnl'],
  ['meanAbsInventory', 'mean_abs_inventory'],
  ['actorLoss', 'actor_loss'],
  ['criticLoss', 'critic_loss'],
  ['alpha', 'alpha'],
  ['entropy', 'entropy'],
  ['approxKl', 'approx_kl'],
  ['clipFraction', 'clip_fraction'],
  ['evalReturn', 'eval_return'],
  ['evalBaselineReturn', 'eval_baseline_return'],
  ['curriculumStage', 'curriculum_stage'],
];
export const TRAIN_METRIC_FIELDS: readonly TrainMetricField[] = [...REQUIRED, ...OPTIONAL].map(([k]) => k);

interface RunDbRow {
  id: string;
  name: string;
  algo: string;
  seed: number;
  code_version: string;
  status: string;
  reason: string | null;
  backend: string | null;
  run_dir: string;
  step: number;
  total_steps: number | null;
  created_at: string;
  updated_at: string;
  checkpoints: number;
  last_checkpoint_step: number | null;
}

interface CheckpointDbRow {
  id: string;
  dir: string;
  step: number;
  updates: number;
  episodes: number;
  eval_return: number | null;
  created_at: string;
}

const RUN_COLUMNS = `r.id, r.name, r.algo, r.seed, r.code_version, r.status, r.reason, r.backend, r.run_dir,
  r.step, r.total_steps, r.created_at, r.updated_at,
  (SELECT count(*) FROM training_checkpoints c WHERE c.run_id = r.id) AS checkpoints,
  (SELECT max(step) FROM training_checkpoints c WHERE c.run_id = r.id) AS last_checkpoint_step`;

const METRIC_COLUMNS = [...REQUIRED, ...OPTIONAL].map(([, c]) => c);

/** Training runs of stores open in this process and not finished (see RunRepository's liveRuns). */
const liveTrainingRuns = new Set<string>();

type MetricRow = (number | null)[];

export class TrainingRepository {
  private readonly s;
  private readonly txAppend;
  private readonly txCheckpoint;
  private readonly txDelete;
  private readonly owned = new RunOwnership(liveTrainingRuns);

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {
    // Per bucket: its sample count, then the first row (the smallest step and each column's minimum)
    // and the second row (the largest step and each column's maximum); see metrics().
    const bucketSelect = [
      'count(*) AS n',
      'min(step)',
      ...METRIC_COLUMNS.map((c) => `min(${c})`),
      'max(step)',
      ...METRIC_COLUMNS.map((c) => `max(${c})`),
    ].join(', ');
    this.s = {
      insertRun: db.prepare<
        [
          string,
          string,
          string,
          string,
          number,
          string,
          string,
          number | null,
          string,
          string,
          number,
          string,
          number | null,
        ],
        never
      >(
        `INSERT INTO training_runs (id, name, algo, config_json, seed, code_version, status, run_dir, total_steps,
           created_at, updated_at, owner_pid, owner_host, owner_start)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)`,
      ),
      get: db.prepare<[string], RunDbRow>(`SELECT ${RUN_COLUMNS} FROM training_runs r WHERE r.id = ?`),
      list: db.prepare<[number], RunDbRow>(
        `SELECT ${RUN_COLUMNS} FROM training_runs r ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?`,
      ),
      config: db.prepare<[string], string>('SELECT config_json FROM training_runs WHERE id = ?').pluck(),
      curves: db
        .prepare<[string], string | null>('SELECT curves_json FROM training_runs WHERE id = ?')
        .pluck(),
      status: db.prepare<[string], string>('SELECT status FROM training_runs WHERE id = ?').pluck(),
      setLive: db.prepare<[string, string, number, string, number | null, string], never>(
        `UPDATE training_runs SET status = ?, reason = NULL, updated_at = ?, owner_pid = ?, owner_host = ?,
           owner_start = ? WHERE id = ?`,
      ),
      setFinal: db.prepare<[string, string | null, string, string], never>(
        `UPDATE training_runs SET status = ?, reason = ?, updated_at = ?, owner_pid = NULL, owner_host = NULL,
           owner_start = NULL WHERE id = ?`,
      ),
      setBackend: db.prepare<[string, string, string], never>(
        'UPDATE training_runs SET backend = ?, updated_at = ? WHERE id = ?',
      ),
      setCurves: db.prepare<[string, string, string], never>(
        'UPDATE training_runs SET curves_json = ?, updated_at = ? WHERE id = ?',
      ),
      advance: db.prepare<[number, number, string, string], never>(
        'UPDATE training_runs SET step = ?, total_steps = ?, updated_at = ? WHERE id = ?',
      ),
      nextSeq: db
        .prepare<[string], number>('SELECT coalesce(max(seq) + 1, 0) FROM training_metrics WHERE run_id = ?')
        .pluck(),
      insertMetric: db.prepare<[string, number, number, ...MetricRow], never>(
        `INSERT INTO training_metrics (run_id, seq, step, ${METRIC_COLUMNS.join(', ')})
         VALUES (?, ?, ?, ${METRIC_COLUMNS.map(() => '?').join(', ')})`,
      ),
      metricCount: db
        .prepare<[string], number>('SELECT count(*) FROM training_metrics WHERE run_id = ?')
        .pluck(),
      metricBuckets: db
        .prepare<[string, number, number], MetricRow>(
          `WITH r AS (
             SELECT *, row_number() OVER (ORDER BY seq) - 1 AS rn FROM training_metrics WHERE run_id = ?
           )
           SELECT ${bucketSelect}
           FROM r GROUP BY CAST((rn * ?) / ? AS INTEGER) ORDER BY min(seq)`,
        )
        .raw(),
      truncate: db.prepare<[string, number], never>(
        'DELETE FROM training_metrics WHERE run_id = ? AND step > ?',
      ),
      truncateCheckpoints: db.prepare<[string, number], never>(
        'DELETE FROM training_checkpoints WHERE run_id = ? AND step > ?',
      ),
      insertCheckpoint: db.prepare<
        [string, string, number, number, number, string, number | null, string],
        never
      >(
        `INSERT OR REPLACE INTO training_checkpoints (run_id, id, step, updates, episodes, dir, eval_return, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      checkpoints: db.prepare<[string], CheckpointDbRow>(
        `SELECT id, dir, step, updates, episodes, eval_return, created_at FROM training_checkpoints
         WHERE run_id = ? ORDER BY step, id`,
      ),
      removeCheckpoint: db.prepare<[string, string], never>(
        'DELETE FROM training_checkpoints WHERE run_id = ? AND id = ?',
      ),
      touch: db.prepare<[string, string], never>('UPDATE training_runs SET updated_at = ? WHERE id = ?'),
      delete: db.prepare<[string], never>('DELETE FROM training_runs WHERE id = ?'),
      live: db.prepare<[], { id: string } & OwnerColumns>(
        `SELECT id, owner_pid, owner_host, owner_start FROM training_runs WHERE status IN ('running', 'paused')`,
      ),
      markIncomplete: db.prepare<[string, string, string], never>(
        `UPDATE training_runs SET status = 'incomplete', reason = ?, updated_at = ?, owner_pid = NULL,
           owner_host = NULL, owner_start = NULL WHERE id = ? AND status IN ('running', 'paused')`,
      ),
    };

    this.txAppend = db.transaction((runId: string, rows: readonly [number, MetricRow][]) => {
      this.requireRun(runId);
      let seq = this.s.nextSeq.get(runId) ?? 0;
      let last: [number, MetricRow] | undefined;
      for (const r of rows) {
        this.s.insertMetric.run(runId, seq++, r[0], ...r[1]);
        last = r;
      }
      if (last) this.s.advance.run(last[0], last[1][0] ?? 0, this.stamp(), runId);
    });
    this.txCheckpoint = db.transaction((runId: string, c: CheckpointInfo) => {
      this.requireRun(runId);
      const at = this.stamp();
      this.s.insertCheckpoint.run(
        runId,
        c.id,
        c.step,
        c.updates,
        c.episodes,
        c.dir,
        c.evalReturn ?? null,
        at,
      );
      this.s.touch.run(at, runId);
    });
    this.txDelete = db.transaction((runId: string) => this.s.delete.run(runId).changes > 0);
  }

  /** Start a training run: status 'running', owned by this process. */
  create(input: NewTrainingRun): TrainingRunRow {
    if (typeof input.name !== 'string' || input.name === '')
      throw new StoreError('invalid', 'training run name must be a non-empty string');
    if (!ALGOS.includes(input.algo))
      throw new StoreError('invalid', `unknown algorithm ${String(input.algo)}`);
    checkInt(input.seed, 'seed', Number.MIN_SAFE_INTEGER);
    if (typeof input.runDir !== 'string' || input.runDir === '')
      throw new StoreError('invalid', 'runDir must be a non-empty path');
    const total = input.totalSteps ?? null;
    if (total !== null) checkInt(total, 'totalSteps', 0);
    const id = input.id ?? randomUUID();
    const at = this.stamp();
    this.s.insertRun.run(
      id,
      input.name,
      input.algo,
      JSON.stringify(input.config) ?? 'null',
      input.seed,
      String(input.codeVersion),
      input.runDir,
      total,
      at,
      at,
      currentOwner().pid,
      currentOwner().host,
      currentOwner().start,
    );
    this.owned.own(id);
    return this.row(id);
  }

  get(runId: string): TrainingRunRow | null {
    const r = this.s.get.get(runId);
    return r ? toRow(r) : null;
  }

  /** Newest first. */
  list(limit = 200): TrainingRunRow[] {
    const n = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 200;
    return this.s.list.all(n).map(toRow);
  }

  /** The stored config object (as given to create). */
  config(runId: string): unknown {
    const text = this.s.config.get(runId);
    if (text === undefined) throw new StoreError('not_found', `no training run ${runId}`);
    return parseJson(text, `training run ${runId} config`);
  }

  /**
   * pause ↔ running while this process trains it; or resume a stopped/failed/incomplete run (this
   * process becomes its owner again, the reason is cleared).
   */
  setLive(runId: string, status: LiveTrainingStatus): TrainingRunRow {
    if (status !== 'running' && status !== 'paused')
      throw new StoreError('invalid', `'${String(status)}' is not a live status`);
    const current = this.requireRun(runId);
    if (current === 'finished')
      throw new StoreError('read_only', `training run ${runId} is finished: its step budget is spent`);
    const me = currentOwner();
    this.s.setLive.run(status, this.stamp(), me.pid, me.host, me.start, runId);
    this.owned.own(runId);
    return this.row(runId);
  }

  /** End a run (finished / stopped / failed) with an optional reason; releases ownership. */
  finish(runId: string, status: FinalTrainingStatus, reason?: string | null): TrainingRunRow {
    if (!FINAL.includes(status))
      throw new StoreError('invalid', `cannot end a training run as '${String(status)}'`);
    this.requireRun(runId);
    this.s.setFinal.run(status, reason ?? null, this.stamp(), runId);
    this.owned.release(runId);
    return this.row(runId);
  }

  setBackend(runId: string, backend: string): TrainingRunRow {
    this.requireRun(runId);
    this.s.setBackend.run(String(backend), this.stamp(), runId);
    return this.row(runId);
  }

  /** Append metric samples in one transaction (seq continues the run's); advances the run's step. */
  appendMetrics(runId: string, samples: readonly TrainMetrics[]): void {
    if (samples.length === 0) return;
    const rows = samples.map((m, i) => toMetricRow(m, `sample ${i}`));
    this.txAppend.immediate(runId, rows);
  }

  /** Delete metrics and checkpoint rows beyond `step` (a resume from an earlier checkpoint). */
  truncateAfter(runId: string, step: number): void {
    checkInt(step, 'step', 0);
    this.db
      .transaction(() => {
        this.requireRun(runId);
        this.s.truncate.run(runId, step);
        this.s.truncateCheckpoints.run(runId, step);
        this.s.advance.run(step, this.row(runId).totalSteps ?? 0, this.stamp(), runId);
      })
      .immediate();
  }

  metricCount(runId: string): number {
    return this.s.metricCount.get(runId) ?? 0;
  }

  /**
   * The metrics history, column-wise, in ≤ maxPoints points: every sample while there are at most
   * maxPoints; beyond that ⌊maxPoints/2⌋ equal-count buckets of consecutive samples, each given as two
   * points — at its first step each column's minimum, at its last step each column's maximum — so a
   * spike survives the reduction (as in the renderer's min/max decimation). A column whose minimum equals
   * its maximum in a bucket (a constant, or a sparse field such as an evaluation with one sample there)
   * appears once, at the first point.
   */
  metrics(runId: string, maxPoints = 2000): TrainMetricsHistory {
    const total = this.metricCount(runId);
    const limit = Math.max(2, Math.floor(maxPoints));
    const buckets = total <= limit ? total : Math.floor(limit / 2);
    const out = emptyHistory(total, total > limit);
    if (total === 0) return out;
    const m = TRAIN_METRIC_FIELDS.length;
    const num = (v: number | null | undefined): number | null =>
      v === null || v === undefined ? null : Number(v);
    for (const row of this.s.metricBuckets.all(runId, buckets, total)) {
      const n = Number(row[0]);
      out.step.push(Number(row[1]));
      TRAIN_METRIC_FIELDS.forEach((k, i) => out[k].push(num(row[2 + i])));
      if (n < 2) continue;
      out.step.push(Number(row[2 + m]));
      TRAIN_METRIC_FIELDS.forEach((k, i) => {
        const lo = num(row[2 + i]);
        const hi = num(row[3 + m + i]);
        out[k].push(hi === lo ? null : hi);
      });
    }
    return out;
  }

  /** Record a checkpoint the trainer wrote (replaces one with the same id). */
  addCheckpoint(runId: string, c: CheckpointInfo): TrainingCheckpointRow {
    if (typeof c.id !== 'string' || c.id === '')
      throw new StoreError('invalid', 'checkpoint id must be a string');
    if (typeof c.dir !== 'string' || c.dir === '')
      throw new StoreError('invalid', 'checkpoint dir must be a path');
    checkInt(c.step, 'checkpoint step', 0);
    checkInt(c.updates, 'checkpoint updates', 0);
    checkInt(c.episodes, 'checkpoint episodes', 0);
    const evalReturn = c.evalReturn !== undefined && Number.isFinite(c.evalReturn) ? c.evalReturn : undefined;
    const info: CheckpointInfo = {
      id: c.id,
      dir: c.dir,
      step: c.step,
      updates: c.updates,
      episodes: c.episodes,
      ...(evalReturn !== undefined ? { evalReturn } : {}),
    };
    this.txCheckpoint.immediate(runId, info);
    const row = this.checkpoints(runId).find((x) => x.id === c.id);
    if (!row) throw new StoreError('not_found', `checkpoint ${c.id} of ${runId} vanished`);
    return row;
  }

  /** Forget a checkpoint (its directory was pruned); true if it was recorded. */
  removeCheckpoint(runId: string, checkpointId: string): boolean {
    return this.db
      .transaction(() => this.s.removeCheckpoint.run(runId, checkpointId).changes > 0)
      .immediate();
  }

  /** Oldest first. */
  checkpoints(runId: string): TrainingCheckpointRow[] {
    return this.s.checkpoints.all(runId).map((c) => ({
      id: c.id,
      dir: c.dir,
      step: c.step,
      updates: c.updates,
      episodes: c.episodes,
      ...(c.eval_return !== null ? { evalReturn: c.eval_return } : {}),
      createdAt: c.created_at,
    }));
  }

  /** The quote curves of the run's final policy (set when its worker ended or loaded a checkpoint). */
  setCurves(runId: string, value: StoredCurves): void {
    this.requireRun(runId);
    this.s.setCurves.run(JSON.stringify(value), this.stamp(), runId);
  }

  curves(runId: string): StoredCurves | null {
    const text = this.s.curves.get(runId);
    if (text === undefined) throw new StoreError('not_found', `no training run ${runId}`);
    return text === null ? null : (parseJson(text, `training run ${runId} curves`) as StoredCurves);
  }

  /** Delete a run with its metrics and checkpoint rows (not its directory: the caller owns that). */
  delete(runId: string): boolean {
    const deleted = this.txDelete.immediate(runId);
    this.owned.release(runId);
    return deleted;
  }

  /** Mark running/paused runs whose owner is gone 'incomplete' (one transaction); returns their ids. */
  recoverOrphans(): string[] {
    return this.db
      .transaction(() => {
        const marked: string[] = [];
        for (const r of this.s.live.all()) {
          if (this.owned.ownerAlive(r)) continue;
          this.s.markIncomplete.run(TRAINING_INCOMPLETE_REASON, this.stamp(), r.id);
          marked.push(r.id);
        }
        return marked;
      })
      .immediate();
  }

  /** Forget this repository's live runs (its store is closing). */
  detach(): void {
    this.owned.detach();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private row(runId: string): TrainingRunRow {
    const r = this.s.get.get(runId);
    if (!r) throw new StoreError('not_found', `no training run ${runId}`);
    return toRow(r);
  }

  private requireRun(runId: string): TrainingStatus {
    const status = this.s.status.get(runId);
    if (status === undefined) throw new StoreError('not_found', `no training run ${runId}`);
    return status as TrainingStatus;
  }
}

function emptyHistory(total: number, downsampled: boolean): TrainMetricsHistory {
  const h = { total, downsampled, step: [] as number[] } as TrainMetricsHistory;
  for (const k of TRAIN_METRIC_FIELDS) h[k] = [];
  return h;
}

function toMetricRow(m: TrainMetrics, what: string): [number, MetricRow] {
  if (typeof m !== 'object' || m === null) throw new StoreError('invalid', `${what} is not an object`);
  checkInt(m.step, `${what} step`, 0);
  const row: MetricRow = [];
  for (const [k] of REQUIRED) {
    const v = m[k];
    if (k === 'totalSteps' || k === 'updates' || k === 'episodes') checkInt(v, `${what} ${k}`, 0);
    else if (typeof v !== 'number' || !Number.isFinite(v))
      throw new StoreError('invalid', `${what} ${k} must be a finite number, got ${String(v)}`);
    row.push(v);
  }
  for (const [k] of OPTIONAL) {
    const v = m[k];
    row.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
  }
  return [m.step, row];
}

function toRow(r: RunDbRow): TrainingRunRow {
  return {
    id: r.id,
    name: r.name,
    algo: r.algo as TrainAlgo,
    seed: r.seed,
    codeVersion: r.code_version,
    status: r.status as TrainingStatus,
    reason: r.reason,
    backend: r.backend,
    runDir: r.run_dir,
    step: r.step,
    totalSteps: r.total_steps,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    checkpoints: r.checkpoints,
    lastCheckpointStep: r.last_checkpoint_step,
  };
}

function checkInt(v: unknown, what: string, min: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new StoreError('invalid', `${what} must be an integer${min === 0 ? ' ≥ 0' : ''}, got ${String(v)}`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StoreError('corrupt', `${what}: stored JSON does not parse`);
  }
}
