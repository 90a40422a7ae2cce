/**
 * The REINFORCE trainer end to end on the tiny Avellaneda–Stoikov intensity problem
 * (tiny-config.fixture.ts: T = 1, dt = 0.02, A = 140, k = 1.5, offsets in [0, 3], pure ΔPnL reward):
 * it learns, it resumes bit for bit, its checkpoints load as a policy, and its config errors name
 * the key.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/load-config';
import { loadTf } from '../tf/backend';
import { latestCheckpoint, listCheckpoints, readCheckpoint } from './checkpoint';
import { evaluationSeed, parseTrainConfig, type TrainConfig } from './config';
import { makeEnv } from './env-factory';
import { loadPolicy } from './load-policy';
import { makeReinforceAgent } from './reinforce-trainer';
import { everyCallClock } from './resume.fixture';
import { tinyTrainConfig, tinyTrainYaml } from './tiny-config.fixture';
import { createTrainer } from './trainer';
import type { TrainResult } from './types';

function tiny(body: string, seed = 3): TrainConfig {
  return tinyTrainConfig({ name: 'tiny-reinforce', algo: 'reinforce', seed, body });
}

let dir: string;
beforeAll(async () => {
  await loadTf({ quiet: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-reinforce-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Mean return of the untrained deterministic policy on the evaluation paths 0 … E − 1 of cfg. */
function untrainedEvalReturn(cfg: TrainConfig): number {
  const te = makeEnv(cfg);
  const agent = makeReinforceAgent(cfg, te.obsDim);
  const seed = evaluationSeed(cfg);
  const E = cfg.budget.evalEpisodes;
  const x = new Float32Array(te.obsDim);
  const a = new Float32Array(2);
  let total = 0;
  for (let e = 0; e < E; e++) {
    let obs = te.env.reset(seed, e);
    for (;;) {
      x.set(obs);
      agent.act(x, true, a);
      const r = te.env.step(a);
      total += r.reward;
      if (r.terminated || r.truncated) break;
      obs = r.observation;
    }
  }
  agent.dispose();
  return total / E;
}

describe('ReinforceTrainer', () => {
  it('learns the tiny intensity problem: the evaluation return rises by half the gap to the optimum', async () => {
    // The simulator fills a quote at distance δ with probability min(1, λ(δ)·dt), λ(δ) = A·e^{−kδ}
    // (inventory PnL has mean zero), so quoting δ on both sides earns 2·δ·min(1, λ(δ)·dt) a step, 50
    // steps an episode. The untrained policy's μ ≈ 0 maps to δ = 1.5 (the middle of [0, 3]):
    // 100·1.5·140·e^{−2.25}·0.02 = 44.3. The optimum is where the fill becomes certain,
    // δ* = ln(A·dt)/k = ln 2.8/1.5 = 0.686: 100·0.686 = 68.6. Training
    // must close at least half the gap, 12.1, on the same 20 held-out paths. σ is lowered from the
    // fixture's 2 to 0.2 so the mark-to-market noise of the inventory (which does not depend on δ in
    // expectation) does not drown the spread signal in 60 updates; γ = 0.5 for the same reason.
    const cfg = parseTrainConfig(
      tinyTrainYaml({
        name: 'tiny-reinforce',
        algo: 'reinforce',
        seed: 3,
        body: `reinforce: { hidden: [16], episodesPerUpdate: 8, policyLr: 0.03, baselineLr: 0.01, discount: 0.5 }
budget: { totalSteps: 24000, checkpointEvery: 100000, evalEvery: 100000, evalEpisodes: 20 }
`,
      }).replace('sigma: 2,', 'sigma: 0.2,'),
      'tiny-reinforce.yaml',
    );
    expect(cfg.scenario.mode === 'intensity' && cfg.scenario.price.sigma).toBe(0.2);
    const before = untrainedEvalReturn(cfg);
    expect(before).toBeGreaterThan(44.3 - 6);
    expect(before).toBeLessThan(44.3 + 6);
    const t = await createTrainer(cfg, { runDir: dir, quiet: true });
    const lines: string[] = [];
    const r = await t.run({ onLog: (l) => lines.push(l) });
    t.dispose();
    expect(r.status).toBe('finished');
    // 60 updates of 8 episodes of 50 steps.
    expect(r).toMatchObject({ step: 24000, updates: 60, episodes: 480 });
    const ck = readCheckpoint(latestCheckpoint(dir)!.dir, { algo: 'reinforce' });
    const after = ck.manifest.evalReturn!;
    console.log(
      `REINFORCE tiny problem: untrained ${before.toFixed(2)}, trained ${after.toFixed(2)} (optimum 68.6)`,
    );
    expect(after - before).toBeGreaterThan(0.5 * (68.6 - 44.3));
    // The checkpoint loads as a policy (the path of `quotebench eval` and the Training view).
    const loaded = await loadPolicy(dir);
    expect(loaded.name).toBe('reinforce-tiny-reinforce@24000');
    loaded.policy.dispose();
  }, 60_000);

  it('a stop at a checkpoint or in the middle of a batch resumes to the uninterrupted result', async () => {
    // 4 episodes of 50 steps per update (200 steps); checkpoints every 200, evaluations every 400.
    const cfg = tiny(
      `normalizeObservations: true
reinforce: { hidden: [8], episodesPerUpdate: 4, policyLr: 0.01, baselineSteps: 2 }
budget: { totalSteps: 1200, checkpointEvery: 200, evalEvery: 400, evalEpisodes: 1, keepCheckpoints: 100 }
`,
      11,
    );
    async function session(
      runDir: string,
      resume: boolean,
      stop?: { checkpoint?: number; reads?: number },
    ): Promise<TrainResult> {
      const t = await createTrainer(cfg, { runDir, quiet: true, resume, clock: everyCallClock() });
      const ac = new AbortController();
      let reads = 0;
      const counted = {
        get aborted(): boolean {
          return ++reads >= (stop?.reads ?? Number.POSITIVE_INFINITY);
        },
      };
      try {
        return await t.run({
          signal: stop?.reads !== undefined ? (counted as unknown as AbortSignal) : ac.signal,
          onCheckpoint: (c) => {
            if (c.step === stop?.checkpoint) ac.abort();
          },
        });
      } finally {
        t.dispose();
      }
    }
    function final(runDir: string): { manifest: Record<string, unknown>; files: Record<string, string> } {
      const ck = latestCheckpoint(runDir)!;
      const manifest = JSON.parse(fs.readFileSync(path.join(ck.dir, 'manifest.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      delete manifest.createdAt;
      const files: Record<string, string> = {};
      for (const f of fs.readdirSync(ck.dir).sort())
        if (f.endsWith('.bin')) files[f] = fs.readFileSync(path.join(ck.dir, f)).toString('base64');
      return { manifest, files };
    }
    const whole = await session(path.join(dir, 'whole'), false);
    expect(whole).toMatchObject({ status: 'finished', step: 1200, updates: 6 });
    const want = final(path.join(dir, 'whole'));
    // The signal is read once per vector step (50 per batch) and once per evaluation step: reads
    // 1–100 collect batches 1 and 2, 101–200 are the evaluation at step 400 (the policy, then the AS
    // baseline, computed once), 201–250 collect batch 3. Stops: right after checkpoint 400; during
    // that evaluation (read 120: checkpointed with the turn pending); 20 steps into batch 3 (read 220:
    // the batch is abandoned, the checkpoint is step 400's state, and the resumed run collects it
    // again).
    for (const [stop, pending] of [
      [{ checkpoint: 400 }, false],
      [{ reads: 120 }, true],
      [{ reads: 220 }, false],
    ] as const) {
      const runDir = path.join(dir, `stop-${JSON.stringify(stop).replace(/\W/g, '')}`);
      const a = await session(runDir, false, stop);
      expect(a).toMatchObject({ status: 'stopped', step: 400 });
      const ck = readCheckpoint(latestCheckpoint(runDir)!.dir, undefined, { replay: false });
      expect(ck.trainer.turnPending === true, JSON.stringify(stop)).toBe(pending);
      const b = await session(runDir, true);
      expect(b).toMatchObject({ status: 'finished', step: 1200 });
      expect(final(runDir), JSON.stringify(stop)).toEqual(want);
    }
    expect(listCheckpoints(path.join(dir, 'whole')).map((c) => c.step)).toEqual([
      200, 400, 600, 800, 1000, 1200,
    ]);
  }, 120_000);

  it('names the key of a bad reinforce setting', () => {
    const bad = (body: string): string => {
      try {
        tinyTrainConfig({ algo: 'reinforce', body: `${body}budget: { totalSteps: 100 }\n` });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad('reinforce: { discount: 1.5 }\n')).toMatch(/reinforce\.discount/);
    expect(bad('reinforce: { episodesPerUpdate: 0 }\n')).toMatch(/reinforce\.episodesPerUpdate/);
    expect(bad('reinforce: { policyLr: -1 }\n')).toMatch(/reinforce\.policyLr/);
    expect(bad('reinforce: { gamma: 0.9 }\n')).toMatch(/reinforce.*gamma/);
    expect(tinyTrainYaml({ algo: 'reinforce' })).toMatch(/algo: reinforce/);
  });
});
