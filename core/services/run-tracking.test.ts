/**
 * The app's train.evaluate recorded as an 'eval' run (run-tracking.ts): completed with one result per
 * report row, cancelled when the evaluation was cancelled, failed with the reason otherwise; the
 * report or the error reaches the caller unchanged. (calibration.fit is covered end to end in
 * data-service.test.ts.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiException, type TrainEvalReport } from '../api/contract';
import { openStore, type Store } from '../store/db';
import { searchNewest } from '../store/test-fixtures';
import { readDataset } from '../data/catalog';
import { importLobster } from '../data/lobster-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../data/lobster-replay';
import { replayDatasetHash, trackTrainEvaluate } from './run-tracking';

let dir: string;
let store: Store;
let trainId: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-run-tracking-'));
  store = openStore(dir);
  trainId = store.training.create({
    name: 'svc-train',
    algo: 'ppo',
    config: { name: 'svc-train', algo: 'ppo', seed: 5, scenario: { name: 'calm' } },
    seed: 5,
    codeVersion: 'v',
    runDir: path.join(dir, 't'),
  }).id;
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ci = (mean: number) => ({ mean, low: mean - 1, high: mean + 1 });
const report = (): TrainEvalReport => ({
  runId: trainId,
  checkpoint: 'step-000000100',
  step: 100,
  episodes: 4,
  seed: 77,
  level: 0.95,
  rows: [
    {
      name: 'PPO',
      kind: 'agent',
      summary: { reward: ci(2), pnl: ci(3) } as TrainEvalReport['rows'][0]['summary'],
    },
    {
      name: 'AS',
      kind: 'baseline',
      params: { gamma: 0.1 },
      summary: { reward: ci(1), pnl: ci(1.5) } as TrainEvalReport['rows'][0]['summary'],
    },
  ],
  tuning: null,
  notes: [],
});

const evalRuns = () => searchNewest(store, { kinds: ['eval'] }).rows;

describe('trackTrainEvaluate', () => {
  it('records a completed evaluation with one result per row and returns the report unchanged', async () => {
    const r = report();
    const input = { id: trainId, episodes: 4, tuneEpisodes: 0 };
    expect(await trackTrainEvaluate(store, input, () => Promise.resolve(r))).toBe(r);
    const [row] = evalRuns();
    expect(row).toMatchObject({
      kind: 'eval',
      status: 'completed',
      tags: ['ppo', 'app'],
      strategies: ['PPO', 'AS'],
    });
    const d = store.runs.get(row!.id)!;
    expect(d.config).toMatchObject({ command: 'train.evaluate', trainingRun: trainId, episodes: 4 });
    expect(d.results[1]).toMatchObject({
      strategy: 'AS',
      params: { gamma: 0.1 },
      scenario: 'calm',
      paths: 4,
      metrics: { reward: 1, 'reward.low': 0, 'reward.high': 2, pnl: 1.5 },
    });
    expect(store.runs.runMetrics(row!.id)).toEqual({ episodes: 4, step: 100 });
  });

  it('records a cancelled evaluation as cancelled and any other error as failed, rethrowing both', async () => {
    const input = { id: trainId, episodes: 4, tuneEpisodes: 0 };
    const cancelled = new ApiException('conflict', `the evaluation of training run ${trainId} was cancelled`);
    await expect(trackTrainEvaluate(store, input, () => Promise.reject(cancelled))).rejects.toBe(cancelled);
    await expect(
      trackTrainEvaluate(store, input, () => Promise.reject(new Error('worker died'))),
    ).rejects.toThrow('worker died');
    const rows = evalRuns();
    expect(rows.map((r) => r.status).sort()).toEqual(['cancelled', 'failed']);
    const failed = store.runs.get(rows.find((r) => r.status === 'failed')!.id)!;
    expect(failed.run.error).toBe('worker died');
  });
});

describe('a record that cannot be written', () => {
  it('does not stop the evaluation: its report still answers', async () => {
    const runs = Object.create(store.runs) as Store['runs'];
    runs.create = () => {
      throw new Error('disk full');
    };
    const broken: Store = { ...store, runs };
    const r = report();
    expect(
      await trackTrainEvaluate(broken, { id: trainId, episodes: 4, tuneEpisodes: 0 }, () =>
        Promise.resolve(r),
      ),
    ).toBe(r);
    expect(evalRuns()).toEqual([]);
  });
});

describe('replayDatasetHash', () => {
  it("is the catalog's content hash of a replay's dataset, null otherwise", async () => {
    const p = lobsterSamplePaths(LOBSTER_SAMPLES.find((x) => x.name === 'AAPL_L10')!);
    const { info } = await importLobster({
      dataDir: dir,
      messagePath: p.messagePath,
      orderbookPath: p.orderbookPath,
    });
    expect(info.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(replayDatasetHash({ scenario: { mode: 'replay', dataset: info.id } }, dir)).toBe(
      readDataset(dir, info.id).contentHash,
    );
    expect(replayDatasetHash({ scenario: { mode: 'replay', dataset: 'no-such' } }, dir)).toBeNull();
    expect(replayDatasetHash({ scenario: { mode: 'book', dataset: info.id } }, dir)).toBeNull();
  }, 60_000);
});
