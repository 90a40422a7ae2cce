/**
 * Stored runs of every kind as the compare view reads them (`runs.records`, contract RunRecord): the
 * config flattened to dotted params (the same flattening as the MLflow export, run-mapping.ts), the
 * final metrics, the metrics over time and the recorded files.
 *
 * - Metrics: a run's run-level metrics (run_metrics, result −1) and its strategy rows' metrics: plain
 *   keys when it has one row, `<strategy>.<key>` when several (`<strategy>#<index>.<key>` for a
 *   strategy that appears twice). A training run's final metrics are the last value of each field of
 *   its history.
 * - History: the run's logged steps (run_metric_steps: a sweep's cells done, …); for a backtest or
 *   replay the PnL and inventory of the first kept path of its first result (step = bar); for a
 *   training run every field of its metrics history (step = environment step). At most
 *   MAX_HISTORY_POINTS per series (thinned evenly, last kept).
 */
import type { RunRecord, RunSearchRow } from '../api/contract';
import type { Store } from '../store/db';
import { TRAIN_METRIC_FIELDS } from '../store/training-repository';
import { flattenConfig, UnknownRunError } from './run-mapping';

export const MAX_HISTORY_POINTS = 2000;

type History = RunRecord['history'];

function thinned(step: readonly number[], value: readonly number[]): { step: number[]; value: number[] } {
  const n = Math.min(step.length, value.length);
  if (n <= MAX_HISTORY_POINTS) return { step: step.slice(0, n), value: value.slice(0, n) };
  const out = { step: [] as number[], value: [] as number[] };
  const stride = (n - 1) / (MAX_HISTORY_POINTS - 1);
  for (let j = 0; j < MAX_HISTORY_POINTS; j++) {
    const i = Math.round(j * stride);
    out.step.push(step[i] ?? i);
    out.value.push(value[i] ?? NaN);
  }
  return out;
}

export function loadRecords(store: Store, ids: readonly string[]): RunRecord[] {
  return ids.map((id) => loadRecord(store, id));
}

export function loadRecord(store: Store, id: string): RunRecord {
  const detail = store.runs.get(id);
  if (detail !== null) {
    const { run, config, results } = detail;
    const row: RunSearchRow = {
      id: run.id,
      kind: run.kind,
      name: run.name,
      status: run.status,
      seed: run.seed,
      codeVersion: run.codeVersion,
      datasetHash: run.datasetHash ?? null,
      tags: run.tags ?? [],
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
      results: run.results,
      strategies: results.map((r) => r.strategy),
      sortValue: null,
    };
    const params: Record<string, string> = { seed: String(run.seed), paths: String(run.paths) };
    for (const [k, v] of flattenConfig(config)) params[k] = v;
    const metrics: Record<string, number> = { ...store.runs.runMetrics(id) };
    const counts = new Map<string, number>();
    for (const r of results) counts.set(r.strategy, (counts.get(r.strategy) ?? 0) + 1);
    for (const r of results) {
      const pre =
        results.length === 1
          ? ''
          : (counts.get(r.strategy) ?? 0) > 1
            ? `${r.strategy}#${r.index}.`
            : `${r.strategy}.`;
      for (const [k, v] of Object.entries(r.metrics)) metrics[`${pre}${k}`] = v;
    }
    const history: History = {};
    for (const [k, h] of Object.entries(store.runs.steps(id))) history[k] = thinned(h.step, h.value);
    const first = results[0];
    const path = detail.seriesPaths[0];
    if (first !== undefined && path !== undefined) {
      const s = store.runs.series(id, first.index, path);
      if (s !== null) {
        const steps = s.pnl.map((_, i) => i);
        history.pnl = thinned(steps, s.pnl);
        history.inventory = thinned(steps, s.inventory);
      }
    }
    return { run: row, params, metrics, history, files: store.runs.files(id) };
  }
  const t = store.training.get(id);
  if (t === null) throw new UnknownRunError(`no run ${id}`);
  const live = t.status === 'running' || t.status === 'paused';
  const row: RunSearchRow = {
    id: t.id,
    kind: 'train',
    name: t.name,
    status:
      t.status === 'finished'
        ? 'completed'
        : t.status === 'stopped'
          ? 'cancelled'
          : t.status === 'running' || t.status === 'paused'
            ? 'running'
            : t.status,
    seed: t.seed,
    codeVersion: t.codeVersion,
    datasetHash: null,
    tags: [t.algo],
    createdAt: t.createdAt,
    finishedAt: live ? null : t.updatedAt,
    results: 0,
    strategies: [],
    sortValue: null,
  };
  const params: Record<string, string> = { seed: String(t.seed), algo: t.algo };
  for (const [k, v] of flattenConfig(store.training.config(id))) params[k] = v;
  const h = store.training.metrics(id, MAX_HISTORY_POINTS);
  const metrics: Record<string, number> = {};
  const history: History = {};
  for (const field of TRAIN_METRIC_FIELDS) {
    const col = h[field];
    const step: number[] = [];
    const value: number[] = [];
    for (let i = 0; i < h.step.length; i++) {
      const v = col[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      step.push(h.step[i] ?? i);
      value.push(v);
    }
    if (value.length === 0) continue;
    history[field] = { step, value };
    metrics[field] = value[value.length - 1] ?? NaN;
  }
  return { run: row, params, metrics, history, files: [] };
}
