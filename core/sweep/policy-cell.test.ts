/**
 * A trained RL checkpoint as a sweep strategy: a tiny SAC run is trained here, then swept through the
 * local worker-thread pool (TensorFlow.js loaded in the cell worker) next to a classical quoter; the
 * stored metrics equal those of the same PolicyQuoter run in this thread on the same market paths.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestConfigSchema, metricOptionsOf } from '../backtest/config';
import { makeSimulator } from '../backtest/run';
import { RunMetricsAccumulator } from '../metrics/run-metrics';
import { loadPolicy } from '../rl/train/load-policy';
import { tinyTrainConfig } from '../rl/train/tiny-config.fixture';
import { createTrainer } from '../rl/train/trainer';
import { loadTf } from '../rl/tf/backend';
import { runPath } from '../sim/simulator';
import { openStore } from '../store/db';
import { expandSweep } from './cells';
import { loadSweepConfig } from './config';
import { runSweepLocal } from './local';

let dir: string;
beforeAll(async () => {
  await loadTf({ quiet: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-sweep-policy-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('policy cells', () => {
  it('sweeps a trained checkpoint; its cell equals the PolicyQuoter run directly', async () => {
    const cfg = tinyTrainConfig({
      name: 'tiny-sac',
      algo: 'sac',
      body: `sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 60 }
budget: { totalSteps: 200, checkpointEvery: 100, evalEvery: 200, evalEpisodes: 2 }
`,
    });
    const runDir = path.join(dir, 'run');
    const t = await createTrainer(cfg, { runDir, quiet: true });
    try {
      expect((await t.run({})).status).toBe('finished');
    } finally {
      t.dispose();
    }
    const file = path.join(dir, 'sweep.yaml');
    fs.writeFileSync(
      file,
      `paths: 3\nseeds: [5]\nscenarios:\n  - scenario: ${JSON.stringify(cfg.scenario)}\nstrategies:\n  - { type: policy, checkpoint: run, name: agent }\n  - { type: fixed-spread, halfSpread: 0.5 }\n`,
    );
    const plan = expandSweep(loadSweepConfig(file));
    expect(plan.cells).toHaveLength(2);
    const store = openStore(path.join(dir, 'data'));
    try {
      const out = await runSweepLocal(store, plan, { workers: 1, codeVersion: 'test' });
      expect(out).toMatchObject({ status: 'completed', computed: 2, failures: [] });
      const [agent] = store.sweeps.cells([plan.cells[0]!.key]);
      expect(agent?.strategy).toBe('agent');

      const bt = backtestConfigSchema.parse({
        seed: 5,
        paths: 3,
        scenario: cfg.scenario,
        strategies: [{ type: 'fixed-spread', halfSpread: 0.5 }],
      });
      const loaded = await loadPolicy(runDir);
      try {
        const quoter = loaded.quoter('agent');
        const sim = makeSimulator(bt.scenario);
        const acc = new RunMetricsAccumulator(metricOptionsOf(bt));
        for (let p = 0; p < 3; p++) acc.add(runPath(sim, quoter, 5, p));
        const want = acc.result();
        expect(agent?.metrics.pnlMean).toBe(want.pnlMean);
        expect(agent?.metrics.fills).toBe(want.fills);
        expect(agent?.metrics.meanAbsInventory).toBe(want.meanAbsInventory);
      } finally {
        loaded.dispose();
      }

      // The checkpoint changed after the sweep was planned (here: a new checkpoint in the run, which
      // changes what 'latest' means): the policy cell refuses to run, the classical one runs.
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('paths: 3', 'paths: 2'));
      const plan2 = expandSweep(loadSweepConfig(file));
      fs.mkdirSync(path.join(runDir, 'checkpoints', 'step-999999999'));
      const out2 = await runSweepLocal(store, plan2, { workers: 1, codeVersion: 'test' });
      expect(out2.status).toBe('failed');
      expect(out2.computed).toBe(1);
      expect(out2.failures[0]?.error).toMatch(/is not the one the sweep was planned with/);
    } finally {
      store.close();
    }
  }, 240_000);
});
