import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Ppo } from '../ppo/ppo';
import type { RolloutBuffer } from '../ppo/rollout';
import { loadTf } from '../tf/backend';
import { listCheckpoints, readCheckpoint } from './checkpoint';
import type { TrainConfig } from './config';
import { createTrainer } from './trainer';
import type { TrainMetrics } from './types';
import { tinyTrainConfig } from './tiny-config.fixture';

/** A tiny PPO run: 4 envs × 25 steps per iteration on 50-step AS episodes, 16×16 networks. */
function tiny(
  extra = '',
  budget = 'totalSteps: 600, checkpointEvery: 200, evalEvery: 300, evalEpisodes: 2',
): TrainConfig {
  return tinyTrainConfig({
    name: 'tiny-ppo',
    algo: 'ppo',
    seed: 3,
    body: `${extra}normalizeObservations: true
ppo: { hidden: [16, 16], nEnvs: 4, nSteps: 25, epochs: 2, minibatchSize: 50 }
budget: { ${budget} }
`,
  });
}

let dir: string;
beforeAll(async () => {
  await loadTf({ quiet: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-ppo-train-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('PpoTrainer', () => {
  it('trains to the budget with evaluations, checkpoints and a flat tensor count', async () => {
    const before = tf.memory().numTensors;
    let clock = 0;
    const t = await createTrainer(tiny(), { runDir: dir, quiet: true, clock: () => (clock += 50) });
    const metrics: TrainMetrics[] = [];
    const counts: number[] = [];
    const r = await t.run({
      onMetrics: (m) => {
        metrics.push(m);
        if (m.updates > 0) counts.push(tf.memory().numTensors);
      },
    });
    expect(r.status).toBe('finished');
    expect(r.step).toBe(600);
    expect(r.episodes).toBe(12);
    // 6 iterations × 2 epochs × 2 minibatches of 50.
    expect(r.updates).toBe(24);
    expect(counts.length).toBeGreaterThan(3);
    expect(Math.max(...counts)).toBe(Math.min(...counts));
    const last = metrics.at(-1)!;
    expect(last).toMatchObject({ step: 600, updates: 24, episodes: 12 });
    expect(last.evalReturn).toBeTypeOf('number');
    expect(last.evalBaselineReturn).toBeTypeOf('number');
    expect(metrics.some((m) => m.approxKl !== undefined && m.clipFraction !== undefined)).toBe(true);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([200, 400, 600]);
    const ck = readCheckpoint(listCheckpoints(dir).at(-1)!.dir, { algo: 'ppo' });
    // Env e runs paths e, e + 4, e + 8 (3 episodes each) and has already reset onto e + 12 when the
    // budget ends, so the next paths are 16 … 19.
    expect(ck.manifest.nextPath).toEqual([16, 17, 18, 19]);
    expect(ck.manifest.normalizer).not.toBeNull();
    const curves = t.quoteCurves([-2, 0, 2]);
    expect(curves.map((c) => c.name)).toEqual(['agent', 'AS', 'GLFT']);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on abort and resumes from the checkpoint to the end of the budget', async () => {
    const cfg = tiny();
    const ac = new AbortController();
    const t = await createTrainer(cfg, { runDir: dir, quiet: true });
    const r1 = await t.run({ signal: ac.signal, onCheckpoint: () => ac.abort() });
    t.dispose();
    expect(r1.status).toBe('stopped');
    expect(r1.step).toBe(200);
    const t2 = await createTrainer(cfg, { runDir: dir, quiet: true, resume: true });
    expect(t2.startStep).toBe(200);
    const r2 = await t2.run();
    t2.dispose();
    expect(r2.status).toBe('finished');
    expect(r2.step).toBe(600);
    expect(r2.updates).toBe(24);
  });

  it('honours a pause between minibatches, and a paused update learns exactly what an unpaused one does', async () => {
    const cfg = tiny('', 'totalSteps: 600, checkpointEvery: 600, evalEvery: 0, evalEpisodes: 0');
    const finalWeights = (runDir: string): Buffer =>
      fs.readFileSync(path.join(listCheckpoints(runDir).at(-1)!.dir, 'weights.bin'));
    const plainDir = path.join(dir, 'plain');
    const t1 = await createTrainer(cfg, { runDir: plainDir, quiet: true });
    const r1 = await t1.run();
    t1.dispose();

    const pausedDir = path.join(dir, 'paused');
    const t2 = await createTrainer(cfg, { runDir: pausedDir, quiet: true });
    // Mark when the minibatch loop runs (the trainer drives Ppo.updateSteps).
    const agent = (t2 as unknown as { agent: Ppo }).agent;
    const updateSteps = agent.updateSteps.bind(agent);
    let inUpdate = false;
    agent.updateSteps = function* (buf: RolloutBuffer) {
      inUpdate = true;
      try {
        return yield* updateSteps(buf);
      } finally {
        inUpdate = false;
      }
    };
    let gateCalls = 0;
    let midUpdatePauses = 0;
    const r2 = await t2.run({
      signal: new AbortController().signal,
      gate: () => {
        gateCalls++;
        if (!inUpdate) return Promise.resolve();
        // Paused mid-update: the trainer waits here until a later macrotask resumes it.
        midUpdatePauses++;
        return new Promise<void>((resolve) => setTimeout(resolve, 1));
      },
    });
    t2.dispose();
    // 150 vector steps consult the gate; so do the minibatch boundaries: 6 updates × 2 epochs × 2
    // minibatches, the generator yielding after each one.
    expect(midUpdatePauses).toBe(24);
    expect(gateCalls).toBe(150 + 24);
    expect(r2).toMatchObject({
      status: 'finished',
      step: r1.step,
      updates: r1.updates,
      episodes: r1.episodes,
    });
    expect(finalWeights(pausedDir).equals(finalWeights(plainDir))).toBe(true);
  });

  it('handles truncated episodes (bootstrapped) and cuts the last rollout at the budget', async () => {
    const cfg = tiny('', 'totalSteps: 130, checkpointEvery: 1000, evalEvery: 0, evalEpisodes: 0');
    const withTrunc: TrainConfig = { ...cfg, env: { ...cfg.env, maxEpisodeSteps: 10 } };
    const t = await createTrainer(withTrunc, { runDir: dir, quiet: true });
    const r = await t.run();
    t.dispose();
    expect(r.status).toBe('finished');
    // 130 steps = 32 vector steps of 4 (128) plus one more (132): the budget is reached mid-rollout.
    expect(r.step).toBe(132);
    expect(r.episodes).toBe(4 * 3);
  });

  it('fails on a non-finite reward, keeping the last checkpoint', async () => {
    const cfg = tiny('', 'totalSteps: 600, checkpointEvery: 100, evalEvery: 0, evalEpisodes: 0');
    let n = 0;
    const t = await createTrainer(cfg, {
      runDir: dir,
      quiet: true,
      envHook: (te, role, i) => {
        if (role !== 'train' || i !== 2) return;
        const step = te.env.step.bind(te.env);
        te.env.step = (a) => {
          const res = step(a);
          if (++n === 60) res.reward = Number.POSITIVE_INFINITY;
          return res;
        };
      },
    });
    const r = await t.run();
    t.dispose();
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/reward is Infinity at step 239; kept checkpoint step-000000200/);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([100, 200]);
  });
});
