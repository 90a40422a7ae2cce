/**
 * A stored run (a backtest, replay, evaluation, calibration or sweep from `runs`, or a training run
 * from `training_runs`) as an MLflow run: the one shape both exports write (REST in export.ts, files in
 * file-store.ts).
 *
 * Mapping (docs/tracking.md):
 * - params: the config flattened to dotted keys (`scenario.intensity.A`, `strategies.0.gamma`), the
 *   seed, and for a backtest each result's strategy, scenario and parameters (`r<i>.strategy`,
 *   `r<i>.param.<name>`). Values longer than MLflow accepts are cut with TRUNCATION_MARKER.
 * - tags: mlflow.runName, mlflow.source.name, quotebench.kind/id/status/code_version,
 *   mlflow.source.git.commit when the code version is a git commit, quotebench.tags (the run's search
 *   words), quotebench.dataset_hash when the run recorded one (replay, calibrate, eval --replay, a sweep
 *   of replays), and for a replay quotebench.dataset (its id) and quotebench.dataset_name.
 * - metrics: each result's summary metrics (step 0; prefixed `r<i>.` when the run has several
 *   results), the run-level metrics (run_metrics: an evaluation's counts, a calibration's fitted
 *   values, a sweep's cells and cells per second), and over time: a backtest's kept paths as
 *   `r<i>.path<p>.pnl` / `.inventory` with step = bar (thinned to at most MAX_SERIES_POINTS per
 *   series), the run's logged steps (run_metric_steps: an evaluation's per-path PnL, a sweep's
 *   progress) with their steps, a training run's metrics history with step = environment step.
 * - artifacts: config.json and config.yaml; for a backtest or replay the HTML tear sheet (core/report)
 *   when it builds; every artifact stored with the run; the files the run recorded (run_files) under
 *   `files/` when they still exist with the recorded SHA-256 and are at most MAX_FILE_BYTES (else a
 *   note), and `files.json` listing every recorded path, size and SHA-256.
 * Keys are reduced to the characters MLflow accepts (letters, digits, `_ - . /` and space; no `/`
 * here, so a key is one file name in the offline layout) and cut to 250 characters.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { Store } from '../store/db';
import { TRAIN_METRIC_FIELDS } from '../store/training-repository';
import { loadReport } from '../report/model';
import { renderReportHtml } from '../report/html';
import { MLFLOW_LIMITS, truncateValue, type MlflowKeyValue, type MlflowMetric } from './limits';

/** Points kept per metric history (a longer series is thinned evenly, last point kept). */
export const MAX_SERIES_POINTS = 2000;
/** A recorded file larger than this is listed in files.json but not uploaded. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** Training samples read per run at most (the store downsamples beyond). */
const MAX_TRAINING_POINTS = 100_000;

export interface TrackedArtifact {
  /** Relative path under the run's artifact root. */
  path: string;
  mime: string;
  data: Uint8Array;
}

export interface TrackedRun {
  /** The Quotebench run id. */
  sourceId: string;
  kind: 'backtest' | 'replay' | 'eval' | 'calibrate' | 'sweep' | 'train';
  name: string;
  /** ms since the epoch. */
  startTime: number;
  endTime: number | null;
  status: 'FINISHED' | 'FAILED' | 'KILLED' | 'RUNNING';
  params: MlflowKeyValue[];
  tags: MlflowKeyValue[];
  metrics: MlflowMetric[];
  artifacts: TrackedArtifact[];
  /** What could not be included (e.g. the tear sheet did not build), one line each. */
  notes: string[];
}

export class UnknownRunError extends Error {
  override name = 'UnknownRunError';
}

/** MLflow key: allowed characters only, never empty or dots only, at most 250 characters. */
export function mlflowKey(raw: string): string {
  let k = raw.replace(/[^A-Za-z0-9_.\- ]/g, '_');
  if (k === '' || /^\.+$/.test(k)) k = `_${k}`;
  return k.slice(0, MLFLOW_LIMITS.keyLength);
}

/** `{a:{b:1},c:[2,3]}` → a.b=1, c.0=2, c.1=3 (values as strings; null as "null"). */
export function flattenConfig(
  value: unknown,
  prefix = '',
  out: Map<string, string> = new Map(),
): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    if (entries.length === 0 && prefix !== '') out.set(prefix, Array.isArray(value) ? '[]' : '{}');
    for (const [k, v] of entries) flattenConfig(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') {
    out.set(prefix, value === undefined ? '' : String(value));
  }
  return out;
}

/** The stored run `id` (backtest/replay or training) as an MLflow run; UnknownRunError if neither. */
export function mapStoredRun(store: Store, id: string, opts: { dataDir?: string } = {}): TrackedRun {
  if (store.runs.get(id) !== null) return mapBacktest(store, id, opts);
  if (store.training.get(id) !== null) return mapTraining(store, id);
  throw new UnknownRunError(`no run ${id} in ${store.file}`);
}

class Builder {
  readonly params = new Map<string, string>();
  readonly tags = new Map<string, string>();
  readonly metrics: MlflowMetric[] = [];
  param(key: string, value: string): void {
    const k = mlflowKey(key);
    if (!this.params.has(k)) this.params.set(k, truncateValue(value, MLFLOW_LIMITS.paramValueLength));
  }
  tag(key: string, value: string): void {
    this.tags.set(mlflowKey(key), truncateValue(value, MLFLOW_LIMITS.tagValueLength));
  }
  metric(key: string, value: number, timestamp: number, step: number): void {
    if (Number.isFinite(value)) this.metrics.push({ key: mlflowKey(key), value, timestamp, step });
  }
  kv(m: Map<string, string>): MlflowKeyValue[] {
    return [...m].map(([key, value]) => ({ key, value }));
  }
}

function commonTags(
  b: Builder,
  id: string,
  name: string,
  kind: string,
  status: string,
  codeVersion: string,
): void {
  b.tag('mlflow.runName', name);
  b.tag('mlflow.source.name', 'quotebench');
  b.tag('mlflow.source.type', 'LOCAL');
  b.tag('quotebench.kind', kind);
  b.tag('quotebench.id', id);
  b.tag('quotebench.status', status);
  b.tag('quotebench.code_version', codeVersion);
  // `git describe --always --dirty` gives the abbreviated commit (store/code-version.ts).
  const commit = /^(?:.*-g)?([0-9a-f]{7,40})(?:-dirty)?$/.exec(codeVersion)?.[1];
  if (commit !== undefined) b.tag('mlflow.source.git.commit', commit);
}

function configArtifacts(config: unknown): TrackedArtifact[] {
  const enc = new TextEncoder();
  return [
    {
      path: 'config.json',
      mime: 'application/json',
      data: enc.encode(`${JSON.stringify(config, null, 2)}\n`),
    },
    { path: 'config.yaml', mime: 'application/yaml', data: enc.encode(toYaml(config)) },
  ];
}

/** Indices 0..n-1 thinned to at most `max`, evenly, always keeping the last. */
function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const stride = (n - 1) / (max - 1);
  for (let j = 0; j < max; j++) out.push(Math.round(j * stride));
  return out;
}

function mapBacktest(store: Store, id: string, opts: { dataDir?: string }): TrackedRun {
  const detail = store.runs.get(id);
  if (detail === null) throw new UnknownRunError(`no run ${id}`);
  const { run, config, results } = detail;
  const b = new Builder();
  const start = Date.parse(run.createdAt);
  const end = run.finishedAt !== null ? Date.parse(run.finishedAt) : null;
  const kind = run.kind;
  const notes: string[] = [];

  commonTags(b, id, run.name, kind, run.status, run.codeVersion);
  if (run.datasetHash) b.tag('quotebench.dataset_hash', run.datasetHash);
  if (run.tags && run.tags.length > 0) b.tag('quotebench.tags', run.tags.join(' '));
  b.param('seed', String(run.seed));
  b.param('paths', String(run.paths));
  for (const [k, v] of flattenConfig(config)) b.param(k, v);

  const several = results.length > 1;
  for (const r of results) {
    const pre = several ? `r${r.index}.` : '';
    b.param(`${pre}strategy`, r.strategy);
    b.param(`${pre}scenario_name`, r.scenario);
    for (const [k, v] of Object.entries(r.params)) b.param(`${pre}param.${k}`, String(v));
    for (const [k, v] of Object.entries(r.metrics)) b.metric(`${pre}${k}`, v, end ?? start, 0);
  }
  for (const [k, v] of Object.entries(store.runs.runMetrics(id))) b.metric(k, v, end ?? start, 0);
  for (const [k, h] of Object.entries(store.runs.steps(id)))
    for (const i of thin(h.step.length, MAX_SERIES_POINTS))
      b.metric(k, h.value[i] ?? NaN, start, h.step[i] ?? i);
  // Metrics over time: each kept path's PnL and inventory, step = bar index.
  for (const r of results) {
    for (const p of detail.seriesPaths) {
      const s = store.runs.series(id, r.index, p);
      if (s === null) continue;
      const pre = `${several ? `r${r.index}.` : ''}path${p}.`;
      for (const i of thin(s.pnl.length, MAX_SERIES_POINTS)) {
        b.metric(`${pre}pnl`, s.pnl[i] ?? NaN, start, i);
        b.metric(`${pre}inventory`, s.inventory[i] ?? NaN, start, i);
      }
    }
  }

  const artifacts = configArtifacts(config);
  if (kind === 'backtest' || kind === 'replay') tearSheet(store, id, config, opts, b, artifacts, notes);
  for (const a of store.artifacts.list(id)) {
    const full = store.artifacts.get(id, a.name);
    if (full) artifacts.push({ path: `stored/${mlflowKey(a.name)}`, mime: a.mime, data: full.data });
  }
  recordedFiles(store, id, artifacts, notes);

  return {
    sourceId: id,
    kind,
    name: run.name,
    startTime: start,
    endTime: end,
    status: statusOf(run.status),
    params: b.kv(b.params),
    tags: b.kv(b.tags),
    metrics: b.metrics,
    artifacts,
    notes,
  };
}

/** The files a run recorded: each uploaded under files/ when unchanged and small enough; files.json lists all. */
function recordedFiles(store: Store, id: string, artifacts: TrackedArtifact[], notes: string[]): void {
  const files = store.runs.files(id);
  if (files.length === 0) return;
  const enc = new TextEncoder();
  artifacts.push({
    path: 'files.json',
    mime: 'application/json',
    data: enc.encode(`${JSON.stringify(files, null, 2)}\n`),
  });
  const used = new Set<string>();
  for (const f of files) {
    const size = statSync(f.path, { throwIfNoEntry: false })?.size;
    if (size === undefined) {
      notes.push(`file ${f.path} no longer exists: listed in files.json only`);
      continue;
    }
    if (size > MAX_FILE_BYTES) {
      notes.push(`file ${f.path} is ${size} bytes (over ${MAX_FILE_BYTES}): listed in files.json only`);
      continue;
    }
    const data = readFileSync(f.path);
    if (createHash('sha256').update(data).digest('hex') !== f.sha256) {
      notes.push(`file ${f.path} changed since the run recorded it: listed in files.json only`);
      continue;
    }
    let name = mlflowKey(basename(f.path));
    for (let k = 2; used.has(name); k++) name = mlflowKey(`${k}-${basename(f.path)}`);
    used.add(name);
    artifacts.push({ path: `files/${name}`, mime: 'application/octet-stream', data });
  }
}

/** A backtest's or replay's tear sheet, and a replay's dataset tags from the report model. */
function tearSheet(
  store: Store,
  id: string,
  config: unknown,
  opts: { dataDir?: string },
  b: Builder,
  artifacts: TrackedArtifact[],
  notes: string[],
): void {
  try {
    const model = loadReport(store, [id], opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {});
    const ds = model.runs[0]?.dataset;
    if (ds) {
      const datasetId = (config as { scenario?: { dataset?: unknown } }).scenario?.dataset;
      b.tag('quotebench.dataset', typeof datasetId === 'string' ? datasetId : ds.name);
      if (ds.name !== datasetId) b.tag('quotebench.dataset_name', ds.name);
      if (ds.hash !== null) b.tag('quotebench.dataset_hash', ds.hash);
      else notes.push(`dataset ${ds.name} is not in the catalog: no dataset hash`);
    }
    artifacts.push({
      path: 'tear-sheet.html',
      mime: 'text/html',
      data: new TextEncoder().encode(renderReportHtml(model)),
    });
  } catch (e) {
    notes.push(`no tear sheet: ${(e as Error).message}`);
  }
}

function mapTraining(store: Store, id: string): TrackedRun {
  const run = store.training.get(id);
  if (run === null) throw new UnknownRunError(`no run ${id}`);
  const config = store.training.config(id);
  const b = new Builder();
  const start = Date.parse(run.createdAt);
  const end = Date.parse(run.updatedAt);
  commonTags(b, id, run.name, 'train', run.status, run.codeVersion);
  b.tag('quotebench.algo', run.algo);
  if (run.backend !== null) b.tag('quotebench.backend', run.backend);
  b.param('seed', String(run.seed));
  b.param('algo', run.algo);
  for (const [k, v] of flattenConfig(config)) b.param(k, v);
  const h = store.training.metrics(id, MAX_TRAINING_POINTS);
  for (const field of TRAIN_METRIC_FIELDS) {
    const col = h[field];
    for (let i = 0; i < h.step.length; i++) {
      const v = col[i];
      if (v !== null && v !== undefined) b.metric(field, v, start, h.step[i] ?? i);
    }
  }
  const notes = h.downsampled
    ? [`training history of ${h.total} samples downsampled to ${h.step.length} points`]
    : [];
  return {
    sourceId: id,
    kind: 'train',
    name: run.name,
    startTime: start,
    endTime: run.status === 'running' || run.status === 'paused' ? null : end,
    status:
      run.status === 'finished'
        ? 'FINISHED'
        : run.status === 'failed'
          ? 'FAILED'
          : run.status === 'stopped'
            ? 'KILLED'
            : run.status === 'incomplete'
              ? 'FAILED'
              : 'RUNNING',
    params: b.kv(b.params),
    tags: b.kv(b.tags),
    metrics: b.metrics,
    artifacts: configArtifacts(config),
    notes,
  };
}

function statusOf(s: string): TrackedRun['status'] {
  if (s === 'completed') return 'FINISHED';
  if (s === 'cancelled') return 'KILLED';
  if (s === 'running') return 'RUNNING';
  return 'FAILED';
}
