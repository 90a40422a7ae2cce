/**
 * The REST export against a local MLflow stand-in (mlflow-server.fixture.ts, 127.0.0.1 only): a real
 * tiny backtest (a 6 × 5 fixed-spread grid, so > 100 params and > 1000 metric points) stored in a
 * temporary store, mapped and exported; the server enforces log-batch's limits like MLflow, so an
 * over-full request would fail the export. Then: retries after 429 and 500, a 400 reported with the
 * endpoint and the server's message, artifacts byte for byte, the Bearer token, and a server that
 * does not proxy artifacts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/db';
import { storeBacktest, tinyConfig } from '../report/report.fixture';
import { exportRunsToServer } from './export';
import { MLFLOW_LIMITS } from './limits';
import { MlflowClient, MlflowError } from './mlflow-client';
import { startFakeMlflow, type FakeMlflow } from './mlflow-server.fixture';
import { mapStoredRun, type TrackedRun } from './run-mapping';

let dataDir: string;
let run: TrackedRun;
let server: FakeMlflow;
const noWait = (): Promise<void> => Promise.resolve();
const client = (o: { token?: string; attempts?: number } = {}): MlflowClient =>
  new MlflowClient({ uri: server.url, sleep: noWait, timeoutMs: 10_000, ...o });

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'qb-tracking-'));
  const store = openStore(dataDir);
  try {
    const cfg = tinyConfig({
      paths: 2,
      strategies: [
        {
          type: 'fixed-spread',
          halfSpread: [0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
          skewPerLot: [0, 0.01, 0.02, 0.03, 0.04],
        },
      ],
    });
    const { runId } = storeBacktest(store, cfg, 1);
    run = mapStoredRun(store, runId, { dataDir });
  } finally {
    store.close();
  }
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
beforeEach(async () => {
  server = await startFakeMlflow();
});
afterEach(async () => {
  await server.close();
});

describe('MLflow REST export', () => {
  it('a run with > 1000 metric points and > 100 params: several log-batch requests, each within the limits, and the server ends with exactly the run', async () => {
    expect(run.params.length).toBeGreaterThan(MLFLOW_LIMITS.paramsPerBatch);
    expect(run.metrics.length).toBeGreaterThan(MLFLOW_LIMITS.metricsPerBatch);
    const res = await exportRunsToServer(client(), 'qb-test', [run]);
    const batches = server.requests.filter((r) => r.endpoint === 'runs/log-batch');
    expect(batches.length).toBeGreaterThan(1);
    expect(res.runs[0]?.batches).toBe(batches.length);
    for (const b of batches) {
      const body = b.body as { metrics: unknown[]; params: unknown[]; tags: unknown[] };
      expect(body.metrics.length).toBeLessThanOrEqual(1000);
      expect(body.params.length).toBeLessThanOrEqual(100);
      expect(body.tags.length).toBeLessThanOrEqual(100);
      expect(body.metrics.length + body.params.length + body.tags.length).toBeLessThanOrEqual(1000);
      expect(b.bytes).toBeLessThanOrEqual(1_000_000);
    }
    const got = server.runs.get(res.runs[0]?.mlflowRunId ?? '');
    expect(got).toBeDefined();
    expect(server.experiments.get('qb-test')).toBe(res.experimentId);
    expect(got?.experimentId).toBe(res.experimentId);
    expect(got?.name).toBe(run.name);
    expect(got?.status).toBe('FINISHED');
    expect(got?.startTime).toBe(run.startTime);
    expect(got?.endTime).toBe(run.endTime);
    expect(Object.fromEntries(got?.params ?? [])).toEqual(
      Object.fromEntries(run.params.map((p) => [p.key, p.value])),
    );
    expect(Object.fromEntries(got?.tags ?? [])).toEqual(
      Object.fromEntries(run.tags.map((p) => [p.key, p.value])),
    );
    expect(got?.metrics).toEqual(run.metrics);
    // The mapping carries what the brief names.
    const params = new Map(run.params.map((p) => [p.key, p.value]));
    expect(params.get('seed')).toBe('7');
    expect(params.get('scenario.intensity.A')).toBe('140');
    expect(params.get('r29.param.halfSpread')).toBe('0.7');
    const tags = new Map(run.tags.map((p) => [p.key, p.value]));
    expect(tags.get('quotebench.kind')).toBe('backtest');
    expect(tags.get('quotebench.code_version')).toBe('test-version');
    expect(tags.get('mlflow.runName')).toBe('tiny');
    expect(run.metrics.some((m) => m.key === 'r0.path0.pnl' && m.step === 199)).toBe(true);
    // A second export reuses the experiment (get-by-name finds it).
    await exportRunsToServer(client(), 'qb-test', [run]);
    expect(server.requests.filter((r) => r.endpoint === 'experiments/create')).toHaveLength(1);
  });

  it('artifacts arrive byte for byte: config.json, config.yaml, the tear sheet', async () => {
    const res = await exportRunsToServer(client(), 'qb-test', [run]);
    const got = server.runs.get(res.runs[0]?.mlflowRunId ?? '');
    expect([...(got?.artifacts.keys() ?? [])].sort()).toEqual(run.artifacts.map((a) => a.path).sort());
    expect(run.artifacts.map((a) => a.path)).toContain('tear-sheet.html');
    for (const a of run.artifacts)
      expect(Buffer.compare(got?.artifacts.get(a.path) ?? Buffer.alloc(0), Buffer.from(a.data))).toBe(0);
  });

  it('retries after 429 and 500 and still logs everything once', async () => {
    server.failOnce('experiments/get-by-name', 500);
    server.failOnce('runs/create', 429);
    server.failOnce('runs/log-batch', 500);
    server.failOnce('runs/log-batch', 429);
    server.failOnce('mlflow-artifacts/artifacts', 503);
    server.failOnce('runs/update', 500);
    const res = await exportRunsToServer(client(), 'qb-test', [run]);
    expect(server.runs.size).toBe(1);
    const got = server.runs.get(res.runs[0]?.mlflowRunId ?? '');
    expect(got?.metrics).toEqual(run.metrics);
    expect(got?.params.size).toBe(run.params.length);
    expect(got?.artifacts.size).toBe(run.artifacts.length);
    expect(got?.status).toBe('FINISHED');
  });

  it('gives up after the attempts, naming the endpoint', async () => {
    for (let i = 0; i < 3; i++) server.failOnce('runs/create', 500, 'INTERNAL_ERROR', 'database is down');
    await expect(exportRunsToServer(client({ attempts: 3 }), 'qb-test', [run])).rejects.toThrow(
      /runs\/create: HTTP 500 INTERNAL_ERROR: database is down \(after 3 attempts\)/,
    );
  });

  it('a 400 is reported at once with the endpoint, the error code and the message; the run is marked FAILED', async () => {
    server.failOnce('runs/log-batch', 400, 'INVALID_PARAMETER_VALUE', 'Invalid value for metric');
    const err = await exportRunsToServer(client(), 'qb-test', [run]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).message).toBe(
      `run ${run.sourceId}: runs/log-batch: HTTP 400 INVALID_PARAMETER_VALUE: Invalid value for metric`,
    );
    expect(server.requests.filter((r) => r.endpoint === 'runs/log-batch')).toHaveLength(1);
    expect([...server.runs.values()][0]?.status).toBe('FAILED');
  });

  it('the server really enforces the limits: an unsplit batch is refused like MLflow does', async () => {
    const big = new MlflowClient({
      uri: server.url,
      sleep: noWait,
      limits: { ...MLFLOW_LIMITS, metricsPerBatch: 5000, entitiesPerBatch: 5000, batchBytes: 10_000_000 },
    });
    await expect(exportRunsToServer(big, 'qb-test', [run])).rejects.toThrow(
      /runs\/log-batch: HTTP 400 INVALID_PARAMETER_VALUE: A batch logging request can contain at most 1000 metrics/,
    );
  });

  it('sends the token as a Bearer header and never puts it in an error', async () => {
    server.failOnce('runs/create', 400, 'INVALID_PARAMETER_VALUE', 'bad');
    const err = await exportRunsToServer(client({ token: 's3cret-token' }), 'qb-test', [run]).catch(
      (e: unknown) => e,
    );
    expect(server.requests.every((r) => r.authorization === 'Bearer s3cret-token')).toBe(true);
    expect(String((err as Error).message)).not.toContain('s3cret');
  });

  it('a server that does not proxy artifacts: a clear error naming the artifact store', async () => {
    await server.close();
    server = await startFakeMlflow({ serveArtifacts: false });
    await expect(exportRunsToServer(client(), 'qb-test', [run])).rejects.toThrow(
      /not behind its artifact proxy.*--serve-artifacts/,
    );
  });
});
