/**
 * loadPolicy: a checkpoint read back from disk quotes exactly like the policy the trainer evaluated.
 * The trainer's own final evaluation (MarketMakingEnv, evaluation paths 0 … E − 1, deterministic
 * policy, normalized observations clipped at OBS_CLIP) is stored in the checkpoint as evalReturn; the
 * loaded PolicyQuoter run by core/rl/eval/evaluate.ts (its own simulators, runScoredPath's reward) on
 * the same paths must reproduce it. Also: run dir vs checkpoint dir, and clear errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../eval/evaluate';
import { loadTf } from '../tf/backend';
import { listCheckpoints } from './checkpoint';
import { evaluationSeed, type TrainConfig } from './config';
import { loadPolicy, PolicyLoadError } from './load-policy';
import { tinyTrainConfig } from './tiny-config.fixture';
import { createTrainer } from './trainer';

function tiny(algo: 'sac' | 'ppo'): TrainConfig {
  return tinyTrainConfig({
    name: `tiny-${algo}`,
    algo,
    env: '  reward: { inventory: 0.01 }\n',
    body: `normalizeObservations: true
sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 60 }
ppo: { hidden: [16, 16], nEnvs: 2, nSteps: 50, minibatchSize: 50, epochs: 2 }
budget: { totalSteps: 300, checkpointEvery: 100, evalEvery: 300, evalEpisodes: 3 }
`,
  });
}

let dir: string;
beforeAll(async () => {
  await loadTf({ quiet: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-load-policy-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function trainTiny(cfg: TrainConfig): Promise<string> {
  const runDir = path.join(dir, cfg.name);
  const t = await createTrainer(cfg, { runDir, quiet: true });
  try {
    const r = await t.run({});
    expect(r.status).toBe('finished');
  } finally {
    t.dispose();
  }
  return runDir;
}

describe('loadPolicy', () => {
  for (const algo of ['sac', 'ppo'] as const) {
    it(`${algo}: the loaded quoter reproduces the trainer's final evaluation`, async () => {
      const cfg = tiny(algo);
      const runDir = await trainTiny(cfg);
      const newest = listCheckpoints(runDir).at(-1)!;
      expect(newest.evalReturn).toBeDefined();

      const loaded = await loadPolicy(runDir); // a run dir means its newest checkpoint
      try {
        expect(loaded.checkpoint.id).toBe(newest.id);
        expect(loaded.cfg.algo).toBe(algo);
        expect(loaded.normalizer).toBeDefined();
        expect(loaded.normalizer!.count).toBeGreaterThan(0);
        const res = evaluate({
          scenario: cfg.scenario,
          quoters: [loaded.quoter('agent')],
          seed: evaluationSeed(cfg),
          paths: 3,
          reward: cfg.env.reward,
          metrics: { sessionsPerYear: 252, markoutHorizon: 0.1 },
          resamples: 10,
        });
        const q = res.quoters[0]!;
        expect(q.kind).toBe('agent');
        expect(q.summary.reward.mean).toBeCloseTo(newest.evalReturn!, 4);
        // quoting really depends on the trained weights: not a constant action
        expect(q.metrics.fillRate).toBeGreaterThan(0);
      } finally {
        loaded.dispose();
      }
    }, 60_000);
  }

  it('takes a checkpoint directory too, and names what is wrong', async () => {
    const cfg = tiny('sac');
    const runDir = await trainTiny(cfg);
    const first = listCheckpoints(runDir)[0]!;
    const loaded = await loadPolicy(first.dir);
    expect(loaded.checkpoint.step).toBe(first.step);
    expect(loaded.name).toBe(`sac-tiny-sac@${first.step}`);
    loaded.dispose();

    await expect(loadPolicy(path.join(dir, 'nope'))).rejects.toThrow(/no such directory/);
    fs.mkdirSync(path.join(dir, 'empty'));
    await expect(loadPolicy(path.join(dir, 'empty'))).rejects.toThrow(
      /neither a checkpoint directory .* nor a training run directory/,
    );
    // a corrupted weights file is caught by its hash
    const wf = path.join(first.dir, 'weights.bin');
    const buf = fs.readFileSync(wf);
    buf.writeUInt8(buf.readUInt8(buf.length - 1) ^ 0xff, buf.length - 1);
    fs.writeFileSync(wf, buf);
    await expect(loadPolicy(first.dir)).rejects.toThrow(PolicyLoadError);
    // a run config that is not a training config
    fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify({ config: { algo: 'dqn' } }));
    await expect(loadPolicy(runDir)).rejects.toThrow(/config\.json: invalid run config at 'config\./);
  }, 60_000);

  it("records the action map in the checkpoint; a checkpoint without one (older) loads with the config's mid-offset map", async () => {
    const cfg = tiny('ppo');
    const runDir = await trainTiny(cfg);
    const newest = listCheckpoints(runDir).at(-1)!;
    const file = path.join(newest.dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(manifest.action).toEqual({ map: 'mid-offset', dim: 2, low: 0, high: 3 });
    const scoreOf = async (): Promise<number> => {
      const loaded = await loadPolicy(newest.dir);
      try {
        const q = loaded.quoter('agent');
        expect(q.action.kind).toBe('mid-offset');
        const res = evaluate({
          scenario: cfg.scenario,
          quoters: [q],
          seed: evaluationSeed(cfg),
          paths: 2,
          reward: cfg.env.reward,
          metrics: { sessionsPerYear: 252, markoutHorizon: 0.1 },
          resamples: 10,
        });
        return res.quoters[0]!.summary.reward.mean;
      } finally {
        loaded.dispose();
      }
    };
    const withRecord = await scoreOf();
    // An older checkpoint: no `action` in its manifest. It loads and quotes exactly the same.
    delete manifest.action;
    fs.writeFileSync(file, JSON.stringify(manifest));
    expect(await scoreOf()).toBe(withRecord);
    // A record that disagrees with the run's config is refused, naming both.
    manifest.action = { map: 'ticks-from-mid', dim: 2, low: 0, high: 3 };
    fs.writeFileSync(file, JSON.stringify(manifest));
    await expect(loadPolicy(newest.dir)).rejects.toThrow(/action map .*ticks-from-mid.* differs/);
  }, 60_000);

  it('a run with a size action checkpoints a 4-entry policy that the loaded quoter reproduces', async () => {
    const cfg = tinyTrainConfig({
      name: 'tiny-sized',
      algo: 'sac',
      env: '  sizeAction: { minLots: 1, maxLots: 3 }\n',
      body: `sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 60 }
budget: { totalSteps: 200, checkpointEvery: 100, evalEvery: 200, evalEpisodes: 2 }
`,
    });
    const runDir = await trainTiny(cfg);
    const newest = listCheckpoints(runDir).at(-1)!;
    const m = JSON.parse(fs.readFileSync(path.join(newest.dir, 'manifest.json'), 'utf8')) as {
      action: unknown;
    };
    expect(m.action).toEqual({ map: 'mid-offset', dim: 4, low: 0, high: 3, minLots: 1, maxLots: 3 });
    const loaded = await loadPolicy(runDir);
    try {
      expect(loaded.policy.actionDim).toBe(4);
      const res = evaluate({
        scenario: cfg.scenario,
        quoters: [loaded.quoter('agent')],
        seed: evaluationSeed(cfg),
        paths: 2,
        reward: cfg.env.reward,
        metrics: { sessionsPerYear: 252, markoutHorizon: 0.1 },
        resamples: 10,
      });
      expect(res.quoters[0]!.summary.reward.mean).toBeCloseTo(newest.evalReturn!, 4);
    } finally {
      loaded.dispose();
    }
  }, 60_000);
});
