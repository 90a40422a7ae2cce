/**
 * The MLflow export of the run kinds tracking added (issue 13 §5): an evaluation, a calibration and a
 * sweep recorded as core/store/run-recorder.ts records them, mapped (run-mapping.ts) and exported to
 * the local MLflow stand-in (127.0.0.1, enforcing log-batch's limits) and offline. Checked: kind,
 * code version and dataset-hash tags; config params and seed; run-level metrics, strategy metrics and
 * metrics over time with their steps (more than one batch's worth); the recorded files uploaded byte
 * for byte with files.json, and a file changed since the run left out with a note.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/db';
import { RunRecorder } from '../store/run-recorder';
import { exportRunsToServer } from './export';
import { exportRunsToFileStore } from './file-store';
import { MLFLOW_LIMITS } from './limits';
import { MlflowClient } from './mlflow-client';
import { startFakeMlflow, type FakeMlflow } from './mlflow-server.fixture';
import { mapStoredRun, type TrackedRun } from './run-mapping';

const HASH = 'ab12'.repeat(16);
let dir: string;
let evalRun: TrackedRun;
let calRun: TrackedRun;
let sweepRun: TrackedRun;
let server: FakeMlflow;
const client = (): MlflowClient =>
  new MlflowClient({ uri: server.url, sleep: () => Promise.resolve(), timeoutMs: 10_000 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qb-tracking-kinds-'));
  const store = openStore(join(dir, 'data'));
  try {
    const json = join(dir, 'eval.json');
    writeFileSync(json, '{"evaluation":1}\n');
    const ev = RunRecorder.start(store.runs, {
      kind: 'eval',
      name: 'eval SAC',
      config: { command: 'eval', options: { episodes: 1500 } },
      seed: 77,
      paths: 1500,
      codeVersion: 'v1-2-gabcdef1',
      datasetHash: HASH,
      tags: ['sac', 'replay'],
    });
    ev.steps(
      'SAC.pnl',
      Array.from({ length: 1500 }, (_, i) => [1000 + i, Math.sin(i)] as const),
    );
    await ev.complete({
      results: [
        {
          index: 0,
          strategy: 'SAC',
          params: {},
          scenario: 'calm',
          paths: 1500,
          metrics: { pnl: 1.5, 'pnl.low': 1 },
        },
        {
          index: 1,
          strategy: 'AS',
          params: { gamma: 0.1 },
          scenario: 'calm',
          paths: 1500,
          metrics: { pnl: 0.5 },
        },
      ],
      metrics: { quoters: 2, 'SAC-vs-AS.pnl.pHolm': 0.03 },
      files: [json],
    });
    evalRun = mapStoredRun(store, ev.id);

    const yaml = join(dir, 'cal.yaml');
    const report = join(dir, 'cal.json');
    writeFileSync(yaml, 'name: cal\n');
    writeFileSync(report, '{}\n');
    const cal = RunRecorder.start(store.runs, {
      kind: 'calibrate',
      name: 'calibrate AAPL',
      config: { command: 'calibrate', dataset: 'aapl', interval: 10 },
      seed: 7,
      paths: 0,
      codeVersion: 'v1',
      datasetHash: HASH,
    });
    await cal.complete({ metrics: { garchPersistence: 0.97, intensityA: 140 }, files: [yaml, report] });
    writeFileSync(report, '{"changed":true}\n'); // after the run: not the file it wrote
    calRun = mapStoredRun(store, cal.id);

    const sw = RunRecorder.start(store.runs, {
      kind: 'sweep',
      name: 'grid',
      config: { sweep: 'abc', seeds: [1, 2] },
      seed: 1,
      paths: 2,
      codeVersion: 'v1',
      tags: ['stress'],
    });
    sw.steps('elapsedSeconds', [
      [0, 0],
      [1, 0.5],
      [2, 0.9],
    ]);
    sw.cancel({ cells: 4, computed: 2 });
    sweepRun = mapStoredRun(store, sw.id);
  } finally {
    store.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  server = await startFakeMlflow();
});
afterEach(async () => {
  await server.close();
});

const tagsOf = (r: TrackedRun): Map<string, string> => new Map(r.tags.map((t) => [t.key, t.value]));
const paramsOf = (r: TrackedRun): Map<string, string> => new Map(r.params.map((t) => [t.key, t.value]));

describe('MLflow export of eval, calibrate and sweep runs', () => {
  it('maps kind, code version, dataset hash, params, metrics over time and the recorded files', () => {
    const t = tagsOf(evalRun);
    expect(t.get('quotebench.kind')).toBe('eval');
    expect(t.get('quotebench.code_version')).toBe('v1-2-gabcdef1');
    expect(t.get('mlflow.source.git.commit')).toBe('abcdef1');
    expect(t.get('quotebench.dataset_hash')).toBe(HASH);
    expect(t.get('quotebench.tags')).toBe('sac replay');
    const p = paramsOf(evalRun);
    expect(p.get('seed')).toBe('77');
    expect(p.get('options.episodes')).toBe('1500');
    expect(p.get('r1.param.gamma')).toBe('0.1');
    const m = evalRun.metrics;
    expect(m.find((x) => x.key === 'r0.pnl')?.value).toBe(1.5);
    expect(m.find((x) => x.key === 'quoters')?.value).toBe(2);
    expect(m.find((x) => x.key === 'SAC-vs-AS.pnl.pHolm')?.value).toBe(0.03);
    const pnl = m.filter((x) => x.key === 'SAC.pnl');
    expect(pnl).toHaveLength(1500);
    expect(pnl[0]?.step).toBe(1000);
    expect(pnl.at(-1)?.step).toBe(2499);
    expect(evalRun.artifacts.map((a) => a.path).sort()).toEqual([
      'config.json',
      'config.yaml',
      'files.json',
      'files/eval.json',
    ]);
    expect(evalRun.notes).toEqual([]);

    expect(tagsOf(calRun).get('quotebench.kind')).toBe('calibrate');
    expect(tagsOf(calRun).get('quotebench.dataset_hash')).toBe(HASH);
    expect(calRun.metrics.find((x) => x.key === 'garchPersistence')?.value).toBe(0.97);
    expect(calRun.artifacts.map((a) => a.path)).toContain('files/cal.yaml');
    expect(calRun.artifacts.map((a) => a.path)).not.toContain('files/cal.json');
    expect(calRun.notes.join('\n')).toMatch(/cal\.json changed since the run recorded it/);
    const listed = JSON.parse(
      new TextDecoder().decode(calRun.artifacts.find((a) => a.path === 'files.json')?.data),
    ) as { path: string; sha256: string }[];
    expect(listed.map((f) => f.path).sort()).toEqual([join(dir, 'cal.json'), join(dir, 'cal.yaml')]);

    expect(sweepRun.status).toBe('KILLED');
    expect(tagsOf(sweepRun).get('quotebench.kind')).toBe('sweep');
    expect(sweepRun.metrics.filter((x) => x.key === 'elapsedSeconds').map((x) => x.step)).toEqual([0, 1, 2]);
  });

  it('exports all three within the batch limits; the server ends with the same params, tags, metrics and files', async () => {
    const res = await exportRunsToServer(client(), 'qb-kinds', [evalRun, calRun, sweepRun]);
    expect(res.runs).toHaveLength(3);
    const batches = server.requests.filter((r) => r.endpoint === 'runs/log-batch');
    expect(batches.length).toBeGreaterThan(3); // the evaluation's 1500 points need two
    for (const b of batches) {
      const body = b.body as { metrics: unknown[]; params: unknown[]; tags: unknown[] };
      expect(body.metrics.length).toBeLessThanOrEqual(MLFLOW_LIMITS.metricsPerBatch);
      expect(body.params.length).toBeLessThanOrEqual(MLFLOW_LIMITS.paramsPerBatch);
    }
    for (const [i, run] of [evalRun, calRun, sweepRun].entries()) {
      const got = server.runs.get(res.runs[i]?.mlflowRunId ?? '');
      expect(got?.metrics).toEqual(run.metrics);
      expect(Object.fromEntries(got?.params ?? [])).toEqual(
        Object.fromEntries(run.params.map((p) => [p.key, p.value])),
      );
      expect(Object.fromEntries(got?.tags ?? [])).toEqual(
        Object.fromEntries(run.tags.map((p) => [p.key, p.value])),
      );
      for (const a of run.artifacts)
        expect(Buffer.compare(got?.artifacts.get(a.path) ?? Buffer.alloc(0), Buffer.from(a.data))).toBe(0);
    }
    const evalGot = server.runs.get(res.runs[0]?.mlflowRunId ?? '');
    expect(evalGot?.artifacts.get('files/eval.json')?.toString()).toBe('{"evaluation":1}\n');
    expect(server.runs.get(res.runs[2]?.mlflowRunId ?? '')?.status).toBe('KILLED');
  });

  it('writes them offline too, the recorded files under artifacts/files/', () => {
    const out = join(dir, 'mlruns-out');
    const res = exportRunsToFileStore(out, 'qb-kinds', [evalRun, calRun]);
    const evalDir = res.runs[0]?.dir ?? '';
    expect(readFileSync(join(evalDir, 'artifacts', 'files', 'eval.json'), 'utf8')).toBe('{"evaluation":1}\n');
    expect(existsSync(join(evalDir, 'tags', 'quotebench.dataset_hash'))).toBe(true);
  });
});
