/**
 * budget.maxMinutes is a safety stop, not part of the recipe (issue 9 §5): a run it stops is stored as
 * 'stopped' with the step it reached and a reason naming the time budget, so that the Training view
 * (and anyone reading the store) can label it "step N of M — stopped by the time budget". Runs the
 * scripted fake trainer (core/jobs/train-worker.fixture.ts) in a real worker, with a real store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayloads, TrainingRunRow } from '../api/contract';
import { progressLabel, stopCauseOfReason } from '../rl/train/run-label';
import { readCheckpoint } from '../rl/train/checkpoint';
import { AppService } from './app-service';

const FAKE_WORKER = new URL('../jobs/train-worker.fixture.ts', import.meta.url);

function yaml(maxMinutes: string): string {
  return `name: svc-budget
algo: sac
seed: 11
scenario: { mode: intensity, horizon: 1, dt: 0.01, s0: 100, price: { sigma: 2, increments: binomial }, intensity: { A: 140, k: 1.5 } }
env: { maxOffset: 2, inventoryScale: 5 }
budget: { totalSteps: 10000000, checkpointEvery: 100000, evalEvery: 0, evalEpisodes: 0${maxMinutes} }
sac: { hidden: [8] }
`;
}

let dataDir: string;
let svc: AppService;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-train-budget-'));
  svc = new AppService({
    dataDir,
    transport: 'websocket',
    version: '0.0.0-test',
    training: { workerEntry: FAKE_WORKER, persistEveryMs: 50 },
  });
});
afterEach(async () => {
  await svc.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function waitForStatus(id: string, status: string): Promise<EventPayloads['train.status']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run ${id} never became ${status}`)), 30_000);
    const off = svc.bus.subscribe('train.status', (r) => {
      if (r.id === id && r.status === status) {
        clearTimeout(timer);
        off();
        resolve(r);
      }
    });
  });
}

describe('a training run stopped by budget.maxMinutes', () => {
  it('is stored as stopped by the time budget, with the step it reached', async () => {
    const r = await svc.dispatch('train.start', { yaml: yaml(', maxMinutes: 0.005') }, { clientId: 't' });
    if (!r.ok) throw new Error(r.error.message);
    const id = (r.output as TrainingRunRow).id;
    await waitForStatus(id, 'stopped');
    const row = svc.store.training.get(id)!;
    expect(row.status).toBe('stopped');
    expect(row.reason).toMatch(/^stopped at step \d+: the time budget of 0\.005 min is spent$/);
    expect(stopCauseOfReason(row.reason)).toBe('time');
    expect(row.step).toBeGreaterThan(0);
    expect(row.step).toBeLessThan(10_000_000);
    expect(row.reason).toContain(`step ${row.step}:`);
    expect(row.lastCheckpointStep).toBe(row.step);
    expect(
      progressLabel({ step: row.step, totalSteps: row.totalSteps, stop: stopCauseOfReason(row.reason) }),
    ).toBe(`step ${row.step.toLocaleString('en-US')} of 10,000,000 — stopped by the time budget`);
    // The final checkpoint says so too (eval labels it without the store).
    const ck = svc.store.training.checkpoints(id).at(-1)!;
    expect(readCheckpoint(ck.dir).manifest).toMatchObject({
      step: row.step,
      totalSteps: 10_000_000,
      stop: { cause: 'time' },
    });
  }, 60_000);
});
