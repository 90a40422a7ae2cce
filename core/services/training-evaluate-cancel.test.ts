/**
 * Cancelling a `train.evaluate` (issue 9 §2): an evaluation runs synchronously in a short-lived worker,
 * so the service raises the worker's stop flag and terminates the worker; the call rejects at once and
 * the next evaluation is not held up. Also on close(). The fake worker's "fake-eval-block" evaluation
 * blocks its thread and ignores the flag (the worst case).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrainingRunRow } from '../api/contract';
import { AppService } from './app-service';

const FAKE_WORKER = new URL('../jobs/train-worker.fixture.ts', import.meta.url);

const YAML = `name: fake-eval-block
algo: sac
seed: 11
scenario: { mode: intensity, horizon: 1, dt: 0.01, s0: 100, price: { sigma: 2, increments: binomial }, intensity: { A: 140, k: 1.5 } }
env: { maxOffset: 2, inventoryScale: 5 }
budget: { totalSteps: 100, checkpointEvery: 100, evalEvery: 0, evalEpisodes: 0 }
sac: { hidden: [8] }
`;

let dataDir: string;
let svc: AppService;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-eval-cancel-'));
  svc = new AppService({
    dataDir,
    transport: 'websocket',
    version: '0.0.0-test',
    training: { workerEntry: FAKE_WORKER },
  });
});
afterEach(async () => {
  await svc.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function finishedRun(): Promise<string> {
  const r = await svc.dispatch('train.start', { yaml: YAML }, { clientId: 't' });
  if (!r.ok) throw new Error(r.error.message);
  const id = (r.output as TrainingRunRow).id;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the fake run did not finish')), 30_000);
    const off = svc.bus.subscribe('train.status', (row) => {
      if (row.id === id && row.status === 'finished') {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
  return id;
}

/**
 * Wait until the blocking evaluation is running: its heartbeat file exists and says something other
 * than `previous` (a fresh worker starts counting again). Polls, so a slow machine only waits longer.
 */
async function beatStarted(file: string, previous?: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const now = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (now !== undefined && now !== previous) return;
    if (performance.now() > deadline) throw new Error('the blocking evaluation never started');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Start an evaluation, wait until its worker blocks, cancel; ms from the cancel to the rejection. */
async function cancelAfter(
  start: (signal: AbortSignal) => Promise<unknown>,
  cancel: () => void,
  running: () => Promise<void>,
): Promise<number> {
  const ac = new AbortController();
  const p = start(ac.signal);
  const settled = p.then(
    () => new Error('the evaluation should have been cancelled'),
    (e: unknown) => e,
  );
  await running(); // the worker loaded and blocks
  const t0 = performance.now();
  cancel();
  ac.abort();
  const e = await settled;
  const ms = performance.now() - t0;
  expect(e).toMatchObject({
    code: 'conflict',
    message: expect.stringMatching(/cancelled|closing/) as string,
  });
  return ms;
}

/** Ms until the heartbeat file stops changing (it is unchanged over 300 ms). */
async function heartbeatStops(file: string): Promise<number> {
  const t0 = performance.now();
  let last = fs.readFileSync(file, 'utf8');
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const now = fs.readFileSync(file, 'utf8');
    if (now === last) return performance.now() - t0 - 300;
    last = now;
    if (performance.now() - t0 > 10_000) return Number.POSITIVE_INFINITY;
  }
}

describe('train.evaluate cancellation', () => {
  it('a cancelled evaluation rejects at once and its blocked worker is terminated', async () => {
    const id = await finishedRun();
    const beat = path.join(svc.store.training.get(id)!.runDir, 'eval-heartbeat');
    const ms = await cancelAfter(
      (signal) => svc.training.evaluate(id, undefined, 5, signal),
      () => undefined,
      () => beatStarted(beat),
    );
    console.log(`train.evaluate cancel → rejection: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(5000); // generous; measured numbers are in the report
    // The blocked thread is gone: its heartbeat stops.
    const stoppedAfter = await heartbeatStops(beat);
    console.log(`train.evaluate cancel → worker thread gone: ≤ ${stoppedAfter.toFixed(0)} ms`);
    expect(stoppedAfter).toBeLessThan(5000);
    // A second evaluation starts in a fresh worker (not stuck behind the first): cancel it too.
    const last = fs.readFileSync(beat, 'utf8');
    const ms2 = await cancelAfter(
      (signal) => svc.training.evaluate(id, undefined, 5, signal),
      () => undefined,
      () => beatStarted(beat, last),
    );
    expect(ms2).toBeLessThan(5000);
  }, 60_000);

  it('close() cancels running evaluations', async () => {
    const id = await finishedRun();
    const p = svc.training.evaluate(id, undefined, 5).then(
      () => new Error('should have been cancelled'),
      (e: unknown) => e,
    );
    await beatStarted(path.join(svc.store.training.get(id)!.runDir, 'eval-heartbeat'));
    const t0 = performance.now();
    await svc.close();
    const e = await p;
    const ms = performance.now() - t0;
    console.log(`close() with a blocked evaluation: ${ms.toFixed(0)} ms`);
    expect(e).toMatchObject({ code: 'conflict' });
    expect(ms).toBeLessThan(5000);
  }, 60_000);
});
