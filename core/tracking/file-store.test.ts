/**
 * The offline export: a stored backtest and a stored training run written in MLflow's file-store
 * layout (mlruns/<experiment_id>/meta.yaml, <run_id>/{meta.yaml, params/, tags/, metrics/,
 * artifacts/}), and every file parsed back the way MLflow's FileStore reads it (params and tags: the
 * file's text; metrics: "<timestamp> <value> <step>" lines) gives the same params, tags, metrics and
 * artifacts as the mapped run. Exporting again replaces the run instead of adding a second one.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { TrainMetrics } from '../api/contract';
import { openStore } from '../store/db';
import { storeBacktest, tinyConfig } from '../report/report.fixture';
import { exportRunsToFileStore, experimentIdFor, mlflowRunIdFor } from './file-store';
import type { MlflowMetric } from './limits';
import { mapStoredRun, type TrackedRun } from './run-mapping';

let dir: string;
let backtest: TrackedRun;
let training: TrackedRun;

const sample = (step: number): TrainMetrics => ({
  step,
  totalSteps: 1000,
  updates: step / 10,
  episodes: Math.floor(step / 100),
  elapsedSec: step / 50,
  stepsPerSec: 50,
  episodeReturn: step / 7,
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qb-mlruns-'));
  const store = openStore(join(dir, 'data'));
  try {
    const { runId } = storeBacktest(store, tinyConfig({ paths: 2 }), 2);
    backtest = mapStoredRun(store, runId);
    const t = store.training.create({
      name: 'sac-small',
      algo: 'sac',
      config: { algo: 'sac', seed: 3, optimizer: { lr: 3e-4 }, note: 'y'.repeat(7000) },
      seed: 3,
      codeVersion: 'v1.2.3-4-g2255fb2-dirty',
      runDir: join(dir, 'train'),
      totalSteps: 1000,
    });
    store.training.appendMetrics(t.id, [100, 200, 300].map(sample));
    store.training.finish(t.id, 'finished');
    training = mapStoredRun(store, t.id);
  } finally {
    store.close();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readRun(runDir: string): {
  meta: Record<string, unknown>;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: MlflowMetric[];
} {
  const files = (sub: string): Record<string, string> =>
    Object.fromEntries(
      readdirSync(join(runDir, sub)).map((f) => [f, readFileSync(join(runDir, sub, f), 'utf8')]),
    );
  const metrics: MlflowMetric[] = [];
  for (const [key, text] of Object.entries(files('metrics'))) {
    for (const line of text.split('\n').filter((l) => l !== '')) {
      const parts = line.split(' ');
      expect(parts).toHaveLength(3);
      metrics.push({
        key,
        timestamp: Number.parseInt(parts[0] ?? ''),
        value: Number.parseFloat(parts[1] ?? ''),
        step: Number.parseInt(parts[2] ?? ''),
      });
    }
  }
  return {
    meta: parseYaml(readFileSync(join(runDir, 'meta.yaml'), 'utf8')) as Record<string, unknown>,
    params: files('params'),
    tags: files('tags'),
    metrics,
  };
}

const byKeyStep = (a: MlflowMetric, b: MlflowMetric): number =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step;

describe('offline export in MLflow file-store layout', () => {
  it('writes the documented layout and its files parse back to the same run', () => {
    const root = join(dir, 'mlruns');
    const res = exportRunsToFileStore(root, 'offline', [backtest, training]);
    const expId = experimentIdFor('offline');
    expect(res.experimentId).toBe(expId);
    expect(readdirSync(root).sort()).toEqual(['.trash', '0', expId].sort());
    const exp = parseYaml(readFileSync(join(root, expId, 'meta.yaml'), 'utf8')) as Record<string, unknown>;
    expect(exp).toMatchObject({ experiment_id: expId, name: 'offline', lifecycle_stage: 'active' });
    expect(String(exp.artifact_location)).toMatch(/^file:\/\//);
    expect(parseYaml(readFileSync(join(root, '0', 'meta.yaml'), 'utf8'))).toMatchObject({
      experiment_id: '0',
      name: 'Default',
    });

    for (const run of [backtest, training]) {
      const runId = mlflowRunIdFor(run.sourceId);
      const runDir = join(root, expId, runId);
      expect(readdirSync(runDir).sort()).toEqual(['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);
      const back = readRun(runDir);
      expect(back.meta).toMatchObject({
        run_id: runId,
        run_uuid: runId,
        run_name: run.name,
        experiment_id: expId,
        status: 3,
        start_time: run.startTime,
        end_time: run.endTime,
        lifecycle_stage: 'active',
        tags: [],
      });
      expect(fileURLToPath(String(back.meta.artifact_uri))).toBe(join(runDir, 'artifacts'));
      expect(back.params).toEqual(Object.fromEntries(run.params.map((p) => [p.key, p.value])));
      expect(back.tags).toEqual(Object.fromEntries(run.tags.map((p) => [p.key, p.value])));
      expect(back.metrics.sort(byKeyStep)).toEqual([...run.metrics].sort(byKeyStep));
      for (const a of run.artifacts)
        expect(Buffer.compare(readFileSync(join(runDir, 'artifacts', a.path)), Buffer.from(a.data))).toBe(0);
    }
    // No temporary directory left behind.
    expect(readdirSync(join(root, expId)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('maps a training run: history with steps, truncated long values, the git commit', () => {
    const reward = training.metrics.filter((m) => m.key === 'episodeReturn');
    expect(reward.map((m) => [m.step, m.value])).toEqual([100, 200, 300].map((s) => [s, s / 7]));
    const params = new Map(training.params.map((p) => [p.key, p.value]));
    expect(params.get('optimizer.lr')).toBe('0.0003');
    expect(params.get('note')).toHaveLength(6000);
    expect(params.get('note')?.endsWith('…[truncated]')).toBe(true);
    const tags = new Map(training.tags.map((p) => [p.key, p.value]));
    expect(tags.get('mlflow.source.git.commit')).toBe('2255fb2');
    expect(tags.get('quotebench.kind')).toBe('train');
    expect(training.status).toBe('FINISHED');
    expect(training.artifacts.map((a) => a.path)).toEqual(['config.json', 'config.yaml']);
  });

  it('a second export of the same run replaces it (same MLflow run id, same data, not twice); a directory of another experiment is refused', () => {
    const root = join(dir, 'again');
    exportRunsToFileStore(root, 'e', [backtest]);
    exportRunsToFileStore(root, 'e', [backtest]);
    const runs = readdirSync(join(root, experimentIdFor('e'))).filter((f) => f !== 'meta.yaml');
    expect(runs).toEqual([mlflowRunIdFor(backtest.sourceId)]);
    const m = readRun(join(root, experimentIdFor('e'), runs[0] ?? ''));
    expect(m.metrics).toHaveLength(backtest.metrics.length);
    mkdirSync(join(root, experimentIdFor('f')));
    // A directory with the experiment's id but another name in its meta.yaml is not written into.
    writeFileSync(join(root, experimentIdFor('f'), 'meta.yaml'), 'name: someone-else\n', { flag: 'wx' });
    expect(() => exportRunsToFileStore(root, 'f', [backtest])).toThrow(
      /holds experiment someone-else, not f/,
    );
    expect(readdirSync(join(root, experimentIdFor('f')))).toEqual(['meta.yaml']);
  });
});
