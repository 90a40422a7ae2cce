/**
 * The training service through the API dispatcher, with real worker threads running the scripted fake
 * trainer (core/jobs/train-worker.fixture.ts; no tfjs) and a real SQLite store: start → live metrics
 * (throttled, batched, persisted) → checkpoints → finish with final quote curves; pause/resume; stop →
 * resume from the checkpoint with the step continuing; failures and a crashed worker; a SIGKILLed
 * host process leaves an 'incomplete' run that resumes; typed errors for bad input and conflicts;
 * presets are split from the backtest presets.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ApiError,
  EventPayloads,
  TrainingCheckpointRow,
  TrainingDetail,
  TrainingRunRow,
  TrainingStatus,
  TrainQuoteCurves,
} from '../api/contract';
import type { MethodName } from '../api/names';
import { listCheckpoints } from '../rl/train/checkpoint';
import { AppService } from './app-service';
import { loadPresets, loadTrainPresets } from './presets';

const FAKE_WORKER = new URL('../jobs/train-worker.fixture.ts', import.meta.url);
const ctx = { clientId: 'test' };

function yaml(name: string, totalSteps: number, checkpointEvery: number): string {
  return `name: ${name}
algo: sac
seed: 11
scenario:
  mode: intensity
  name: tiny
  horizon: 1
  dt: 0.01
  s0: 100
  price: { model: abm, sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
env:
  maxOffset: 2
  inventoryScale: 5
budget:
  totalSteps: ${totalSteps}
  checkpointEvery: ${checkpointEvery}
  evalEvery: 0
  evalEpisodes: 0
sac:
  hidden: [8]
`;
}

let dataDir: string;
let svc: AppService;
const services: AppService[] = [];

function open(dir = dataDir): AppService {
  const s = new AppService({
    dataDir: dir,
    transport: 'websocket',
    version: '0.0.0-test',
    training: { workerEntry: FAKE_WORKER, persistEveryMs: 200 },
  });
  services.push(s);
  return s;
}

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-train-svc-'));
  svc = open();
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function call<T>(method: MethodName, input: unknown, s = svc): Promise<T> {
  const r = await s.dispatch(method, input, ctx);
  if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), { api: r.error });
  return r.output as T;
}

async function fail(method: MethodName, input: unknown, s = svc): Promise<ApiError> {
  const r = await s.dispatch(method, input, ctx);
  if (r.ok) throw new Error(`${method} should have failed`);
  return r.error;
}

function waitFor<K extends keyof EventPayloads>(
  topic: K,
  pred: (p: EventPayloads[K]) => boolean,
  s = svc,
  timeoutMs = 20_000,
): Promise<EventPayloads[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${topic} event in ${timeoutMs} ms`));
    }, timeoutMs);
    const off = s.bus.subscribe(topic, (p) => {
      if (pred(p)) {
        clearTimeout(timer);
        off();
        resolve(p);
      }
    });
  });
}

const statusOf = (id: string, status: TrainingStatus) => (r: TrainingRunRow) =>
  r.id === id && r.status === status;

describe('training service', () => {
  it('trains to the end: status, throttled metrics batches, checkpoints, stored history, final curves', async () => {
    const batches: { at: number; n: number; steps: number[] }[] = [];
    svc.bus.subscribe('train.metrics', (m) =>
      batches.push({ at: performance.now(), n: m.samples.length, steps: m.samples.map((x) => x.step) }),
    );
    const checkpoints: TrainingCheckpointRow[] = [];
    svc.bus.subscribe('train.checkpoint', (c) => checkpoints.push(c.checkpoint));
    const logs: string[] = [];
    svc.bus.subscribe('train.log', (l) => logs.push(l.line));

    const row = await call<TrainingRunRow>('train.start', {
      yaml: yaml('svc-train', 1000, 400),
      name: 'first',
    });
    expect(row).toMatchObject({ name: 'first', algo: 'sac', seed: 11, status: 'running', totalSteps: 1000 });
    expect(row.runDir).toBe(path.join(dataDir, 'training', row.id));
    const done = await waitFor('train.status', statusOf(row.id, 'finished'));
    expect(done).toMatchObject({ backend: 'fake', step: 1000, reason: null });

    // every sample arrived once, in order, in batches at most ~10 a second (the last one is flushed
    // when the run ends)
    const steps = batches.flatMap((b) => b.steps);
    expect(steps).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) * 20));
    for (let i = 1; i < batches.length - 1; i++) {
      expect((batches[i]?.at ?? 0) - (batches[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(95);
    }
    expect(batches.length).toBeLessThan(50);
    expect(checkpoints.map((c) => c.id)).toEqual(['step-000000400', 'step-000000800', 'step-000001000']);
    expect(logs.some((l) => /fake trainer from step 0/.test(l))).toBe(true);

    const detail = await call<TrainingDetail>('train.get', { id: row.id });
    expect(detail.run).toMatchObject({ status: 'finished', checkpoints: 3, lastCheckpointStep: 1000 });
    expect(detail.metrics.total).toBe(50);
    expect(detail.metrics.step).toEqual(steps);
    expect(detail.metrics.episodeReturn.at(-1)).toBe(10);
    expect(detail.metrics.evalReturn.filter((v) => v !== null)).toHaveLength(5);
    expect((detail.config as { name: string }).name).toBe('svc-train');
    const small = await call<TrainingDetail>('train.get', { id: row.id, maxPoints: 10 });
    expect(small.metrics).toMatchObject({ total: 50, downsampled: true });
    expect(small.metrics.step).toHaveLength(10);

    const curves = await call<TrainQuoteCurves>('train.quoteCurves', { id: row.id });
    expect(curves).toMatchObject({ runId: row.id, source: 'final', step: 1000 });
    expect(curves.curves.map((c) => c.name)).toEqual(['agent', 'AS', 'GLFT']);
    // 21 inventories over ±2·inventoryScale
    expect(curves.curves[0]?.points.map((p) => p.q)).toEqual(Array.from({ length: 21 }, (_, k) => k - 10));
    // custom inventories for a run that is not running: the newest checkpoint is loaded in a worker
    const custom = await call<TrainQuoteCurves>('train.quoteCurves', { id: row.id, inventories: [-1, 0, 1] });
    expect(custom).toMatchObject({ source: 'checkpoint', step: 1000 });
    expect(custom.curves[0]?.points.map((p) => p.q)).toEqual([-1, 0, 1]);

    // a checkpoint directory pruned on disk disappears from the list
    fs.rmSync(path.join(row.runDir, 'checkpoints', 'step-000000400'), { recursive: true });
    const left = await call<TrainingCheckpointRow[]>('train.checkpoints', { id: row.id });
    expect(left.map((c) => c.id)).toEqual(['step-000000800', 'step-000001000']);

    const list = await call<TrainingRunRow[]>('train.list', {});
    expect(list.map((r) => r.id)).toEqual([row.id]);
    expect((await fail('train.resume', { id: row.id })).message).toMatch(/finished/);
  });

  it('pauses, resumes, stops with a final checkpoint, and resumes from it with the step continuing', async () => {
    const row = await call<TrainingRunRow>('train.start', { yaml: yaml('svc-train', 100_000, 200) });
    await waitFor('train.checkpoint', (c) => c.runId === row.id);
    const paused = await call<TrainingRunRow>('train.control', { id: row.id, action: 'pause' });
    expect(paused.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 150)); // the sample in flight lands
    let during = 0;
    const off = svc.bus.subscribe('train.metrics', () => during++);
    await new Promise((r) => setTimeout(r, 300));
    off();
    expect(during).toBe(0);
    // live curves while paused
    const live = await call<TrainQuoteCurves>('train.quoteCurves', { id: row.id });
    expect(live.source).toBe('live');
    expect(live.step).toBeGreaterThan(0);
    // one training at a time
    expect(await fail('train.start', { yaml: yaml('other', 1000, 100) })).toMatchObject({ code: 'conflict' });
    expect(await fail('train.resume', { id: row.id })).toMatchObject({ code: 'conflict', path: 'id' });

    expect((await call<TrainingRunRow>('train.control', { id: row.id, action: 'resume' })).status).toBe(
      'running',
    );
    await waitFor('train.metrics', (m) => m.runId === row.id);
    const stopped = waitFor('train.status', statusOf(row.id, 'stopped'));
    await call('train.control', { id: row.id, action: 'stop' });
    const end = await stopped;
    expect(end.reason).toBe('stopped by the user');
    expect(end.lastCheckpointStep).toBe(end.step);
    const cps = await call<TrainingCheckpointRow[]>('train.checkpoints', { id: row.id });
    expect(cps.at(-1)?.step).toBe(end.step);
    expect(await fail('train.control', { id: row.id, action: 'pause' })).toMatchObject({ code: 'conflict' });
    expect((await call<TrainingRunRow>('train.control', { id: row.id, action: 'stop' })).status).toBe(
      'stopped',
    );

    const resumed = await call<TrainingRunRow>('train.resume', { id: row.id });
    expect(resumed).toMatchObject({ status: 'running', reason: null });
    const next = await waitFor('train.metrics', (m) => m.runId === row.id);
    expect(next.samples[0]?.step).toBe(end.step + 20);
    await waitFor('train.checkpoint', (c) => c.runId === row.id && c.checkpoint.step > end.step);
    // stop while paused: the gate opens and the trainer still writes its final checkpoint
    expect((await call<TrainingRunRow>('train.control', { id: row.id, action: 'pause' })).status).toBe(
      'paused',
    );
    const stopped2 = waitFor('train.status', statusOf(row.id, 'stopped'));
    await call('train.control', { id: row.id, action: 'stop' });
    const end2 = await stopped2;
    expect(end2.lastCheckpointStep).toBe(end2.step);
    const detail = await call<TrainingDetail>('train.get', { id: row.id });
    for (let i = 1; i < detail.metrics.step.length; i++)
      expect(detail.metrics.step[i]).toBeGreaterThan(detail.metrics.step[i - 1] ?? Infinity);
    expect(detail.metrics.step).toContain(end.step + 20);
  });

  it("records a trainer's failure and a crashed worker as 'failed' (resumable from the last checkpoint)", async () => {
    const a = await call<TrainingRunRow>('train.start', { yaml: yaml('fake-nan', 1000, 100) });
    const failed = await waitFor('train.status', statusOf(a.id, 'failed'));
    expect(failed.reason).toMatch(/critic loss is NaN/);
    expect(failed.lastCheckpointStep).toBe(100);

    const b = await call<TrainingRunRow>('train.start', { yaml: yaml('fake-crash', 1000, 100) });
    const crashed = await waitFor('train.status', statusOf(b.id, 'failed'));
    expect(crashed.reason).toMatch(/exited with code 3/);
    expect(crashed.lastCheckpointStep).toBe(100);

    const c = await call<TrainingRunRow>('train.start', { yaml: yaml('fake-throw', 1000, 100) });
    const thrown = await waitFor('train.status', statusOf(c.id, 'failed'));
    expect(thrown.reason).toBe('cannot build the networks');
    expect(await fail('train.resume', { id: c.id })).toMatchObject({ code: 'conflict' });
    expect((await fail('train.quoteCurves', { id: c.id })).code).toBe('not_found');

    const again = await call<TrainingRunRow>('train.resume', { id: a.id });
    expect(again.status).toBe('running');
    const next = await waitFor('train.metrics', (m) => m.runId === a.id);
    expect(next.samples[0]?.step).toBe(120);
  });

  it('gives typed errors for bad input, unknown runs and the unwired evaluation', async () => {
    const bad = await fail('train.start', {
      yaml: yaml('svc-train', 1000, 100).replace('maxOffset: 2', 'maxOffset: -2'),
    });
    expect(bad).toMatchObject({ code: 'bad_config', path: 'env.maxOffset' });
    expect(bad.message).toMatch(/config\.yaml:\d+:\d+: env\.maxOffset/);
    const unknown = await fail('train.start', { yaml: `${yaml('svc-train', 1000, 100)}bogus: 1\n` });
    expect(unknown).toMatchObject({ code: 'bad_config', path: 'bogus' });
    expect(await fail('train.start', {})).toMatchObject({ code: 'invalid_input' });
    expect(await fail('train.start', { preset: 'nope' })).toMatchObject({
      code: 'not_found',
      path: 'preset',
    });
    expect(await fail('train.get', { id: 'nope' })).toMatchObject({ code: 'not_found', path: 'id' });
    expect(await fail('train.control', { id: 'x', action: 'jump' })).toMatchObject({
      code: 'invalid_input',
      path: 'action',
    });
    expect(await fail('train.quoteCurves', { id: 'x', inventories: [1] })).toMatchObject({
      code: 'invalid_input',
      path: 'inventories',
    });

    const row = await call<TrainingRunRow>('train.start', { yaml: yaml('svc-train', 200, 100) });
    await waitFor('train.status', statusOf(row.id, 'finished'));
    expect(await fail('train.evaluate', { id: row.id, checkpoint: 'step-000000999' })).toMatchObject({
      code: 'not_found',
      path: 'checkpoint',
    });
    const unavailable = await fail('train.evaluate', { id: row.id, episodes: 3 });
    expect(unavailable.code).toBe('unavailable');
    expect(unavailable.message).toMatch(/not available/);
  });

  it("a host killed mid-training leaves an 'incomplete' run that resumes from its newest checkpoint", async () => {
    const file = path.join(dataDir, 'crash.yaml');
    fs.writeFileSync(file, yaml('svc-crash', 1_000_000, 100));
    const fixture = fileURLToPath(new URL('./training-crash.fixture.ts', import.meta.url));
    const crashDir = path.join(dataDir, 'crashed');
    const { runId, lastStep } = await new Promise<{ runId: string; lastStep: number }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, crashDir, file], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if ((out.match(/checkpointed/g) ?? []).length >= 3 && /run \S+/.test(out)) child.kill('SIGKILL');
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.on('exit', () => {
        clearTimeout(guard);
        const id = /run (\S+)/.exec(out)?.[1];
        const steps = [...out.matchAll(/checkpointed (\d+)/g)].map((m) => Number(m[1]));
        if (!id || steps.length < 3) reject(new Error(`fixture did not train:\n${out}\n${err}`));
        else resolve({ runId: id, lastStep: Math.max(...steps) });
      });
    });

    const s2 = open(crashDir);
    expect(s2.store.recoveredTraining).toEqual([runId]);
    const row = await call<TrainingRunRow>('train.get', { id: runId }, s2).then(
      (d) => (d as unknown as TrainingDetail).run,
    );
    expect(row.status).toBe('incomplete');
    expect(row.reason).toMatch(/resume it from its last checkpoint/);
    const cps = await call<TrainingCheckpointRow[]>('train.checkpoints', { id: runId }, s2);
    const newest = cps.at(-1)?.step ?? 0;
    expect(newest).toBeGreaterThanOrEqual(lastStep);
    // every valid checkpoint on disk is listed (also one written just before the kill, unreported)
    expect(cps.map((c) => c.id)).toEqual(listCheckpoints(row.runDir).map((c) => c.id));
    await call('train.resume', { id: runId }, s2);
    const next = await waitFor('train.metrics', (m) => m.runId === runId, s2);
    expect(next.samples[0]?.step).toBe(newest + 20);
    const detail = await call<TrainingDetail>('train.get', { id: runId }, s2);
    expect(Math.max(...detail.metrics.step.filter((x) => x < next.samples[0]!.step))).toBeLessThanOrEqual(
      newest,
    );
  });

  it('keeps training presets and backtest presets apart', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-presets-'));
    try {
      fs.writeFileSync(path.join(dir, 'as.yaml'), 'name: as\nscenario: { mode: intensity }\n');
      fs.writeFileSync(
        path.join(dir, 'sac-x.yaml'),
        yaml('sac-x', 100, 10).replace('seed: 11', 'description: tiny\nseed: 11'),
      );
      expect(loadPresets(dir).map((p) => p.id)).toEqual(['as']);
      expect(loadTrainPresets(dir)).toEqual([
        { id: 'sac-x', title: 'sac-x', description: 'tiny', algo: 'sac', yaml: expect.any(String) as string },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
