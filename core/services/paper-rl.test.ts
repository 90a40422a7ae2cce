// An RL checkpoint paper-trades unchanged: a tiny SAC agent trained on a book-mode scenario is loaded
// by PaperService from its run directory (as `quotebench eval` loads it) and quotes a dataset session
// through the same Quoter interface.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainRun } from '../cli/eval.fixture';
import { writeSyntheticDataset } from '../paper/synthetic-tape.fixture';
import { parseTrainConfig } from '../rl/train/config';
import { PaperService } from './paper-service';

const AGENT = `name: tiny-book
algo: sac
seed: 4
scenario:
  mode: book
  horizon: 10
  warmup: 5
  tickSize: 0.1
  s0: 100
  price: { model: abm, sigma: 0.05 }
  flow: { limitRate: 10, depthMeanTicks: 3, cancelRate: 0.2, marketRate: 2 }
  decisionInterval: 0.5
env:
  maxOffset: 0.5
  inventoryScale: 5
  reward: { inventory: 0.001 }
features: { kind: book, levels: 3, volHorizons: [5] }
sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 40 }
budget: { totalSteps: 120, checkpointEvery: 120, evalEvery: 120, evalEpisodes: 1 }
baseline: { gamma: 0.1, A: 2, k: 50 }
`;

let dir = '';
let runDir = '';
let dataset = '';
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-paper-rl-'));
  runDir = await trainRun(parseTrainConfig(AGENT, 'tiny-book.yaml'), dir, 'sac');
  dataset = await writeSyntheticDataset(dir, { seed: 9, seconds: 60 });
}, 300_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('paper trading an RL checkpoint', () => {
  it('loads the run directory and quotes a dataset session', async () => {
    const svc = new PaperService({ dataDir: dir });
    await svc.start({
      dataset,
      speed: 0,
      decisionIntervalMs: 500,
      quoter: { kind: 'checkpoint', path: runDir },
      limits: { maxInventory: 5 },
    });
    await svc.whenEnded();
    const d = svc.details()!;
    expect(svc.snapshot().status).toBe('stopped');
    expect(d.counters.decisions).toBeGreaterThan(100);
    expect(d.counters.placed).toBeGreaterThan(0);
    await svc.close();
  }, 120_000);
});
