/**
 * Curriculum learning (curriculum.ts, trainer.ts): the config's errors name the key, the stage
 * advances exactly when an evaluation reaches the threshold (a scripted, deterministic evaluation),
 * the overrides reach the envs (the price increments of each episode are the stage's σ√dt), and a
 * resumed run (PPO and SAC, stopped with a stage switch pending) continues in the stage it stopped in,
 * bit-identical to one that never stopped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/load-config';
import { loadTf } from '../tf/backend';
import { latestCheckpoint, readCheckpoint } from './checkpoint';
import type { TrainConfig } from './config';
import { Curriculum, mergeOverrides } from './curriculum';
import { everyCallClock } from './resume.fixture';
import { tinyTrainConfig } from './tiny-config.fixture';
import { createTrainer } from './trainer';
import type { TrainMetrics, TrainResult } from './types';

let dir: string;
beforeAll(async () => {
  await loadTf({ quiet: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-curriculum-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function configError(body: string): string {
  try {
    tinyTrainConfig({ algo: 'reinforce', body });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('curriculum config', () => {
  it('merges overrides key by key and replaces a model of another kind', () => {
    const base = {
      price: { model: 'abm', sigma: 2, increments: 'binomial' },
      latency: { model: 'constant', value: 0 },
    };
    expect(mergeOverrides(base, { price: { sigma: 0.5 } })).toEqual({
      price: { model: 'abm', sigma: 0.5, increments: 'binomial' },
      latency: { model: 'constant', value: 0 },
    });
    expect(mergeOverrides(base, { latency: { model: 'uniform', min: 0, max: 1 } })).toEqual({
      price: base.price,
      latency: { model: 'uniform', min: 0, max: 1 },
    });
    expect(base.price.sigma).toBe(2);
  });

  it('names the key of a bad stage, a fixed key, and a missing evaluation', () => {
    const budget = 'budget: { totalSteps: 100, evalEvery: 50 }\n';
    expect(
      configError(
        `curriculum: { stages: [{ scenario: { price: { sigma: -1 } }, advanceWhen: { evalReturnAtLeast: 1 } }] }\n${budget}`,
      ),
    ).toMatch(/curriculum\.stages\[0\]\.scenario\.price\.sigma/);
    expect(
      configError(
        `curriculum: { stages: [{ scenario: { price: { sigma: 1 } }, advanceWhen: { evalReturnAtLeast: 1 } }, { scenario: { dt: 0.01 }, advanceWhen: { evalReturnAtLeast: 2 } }] }\n${budget}`,
      ),
    ).toMatch(/curriculum\.stages\[1\]\.scenario\.dt.*shape of the problem/);
    expect(configError(`curriculum: { stages: [{ scenario: {}, advanceWhen: {} }] }\n${budget}`)).toMatch(
      /curriculum\.stages\[0\]\.advanceWhen\.evalReturnAtLeast/,
    );
    expect(
      configError(
        `curriculum: { stages: [{ scenario: {}, advanceWhen: { evalReturnAtLeast: 1 } }] }\nbudget: { totalSteps: 100, evalEvery: 0 }\n`,
      ),
    ).toMatch(/budget\.evalEvery/);
  });

  it('advances one stage exactly when an evaluation reaches the threshold, and stops at the final stage', () => {
    const cfg = tinyTrainConfig({
      algo: 'reinforce',
      body: `curriculum: { stages: [{ scenario: { price: { sigma: 0.5 } }, advanceWhen: { evalReturnAtLeast: 3 } }, { scenario: { price: { sigma: 1 } }, advanceWhen: { evalReturnAtLeast: 5 } }] }
budget: { totalSteps: 100 }
`,
    });
    const c = new Curriculum(cfg.scenario, cfg.curriculum!);
    expect(c.scenarios.map((s) => (s.mode === 'intensity' ? s.price.sigma : NaN))).toEqual([0.5, 1, 2]);
    const stages = [2.99, 3, 4.99, 100, 5, 1e9].map((r) => (c.afterEvaluation(r), c.stage));
    // 2.99 < 3 stays; 3 ≥ 3 advances; 4.99 < 5 stays; 100 ≥ 5 advances to the final stage, where it stays.
    expect(stages).toEqual([0, 1, 1, 2, 2, 2]);
    expect(c.threshold).toBeUndefined();
  });
});

describe('curriculum in the trainer', () => {
  it('moves through the stages on a scripted evaluation and runs each episode on its stage (REINFORCE)', async () => {
    // 4 episodes of 50 steps per update; an evaluation (1 path of 50 steps) every 400 steps. The eval
    // env's rewards are replaced by a script keyed by the training step: the evaluation returns are
    // 50·r with r = 7/128, 1/16, 1/16, 1/8, 1/8 at steps 400 … 2000, i.e. 2.734375, 3.125, 3.125, 6.25,
    // 6.25 (exact in binary). Thresholds 3.125 and 6.25: stage 0 → 1 at step 800 (equality passes), 1 → 2
    // at step 1600.
    const cfg = tinyTrainConfig({
      name: 'cur',
      algo: 'reinforce',
      seed: 4,
      body: `reinforce: { hidden: [8], episodesPerUpdate: 4 }
curriculum:
  stages:
    - { scenario: { price: { sigma: 0.5 } }, advanceWhen: { evalReturnAtLeast: 3.125 } }
    - { scenario: { price: { sigma: 1 } }, advanceWhen: { evalReturnAtLeast: 6.25 } }
budget: { totalSteps: 2000, checkpointEvery: 100000, evalEvery: 400, evalEpisodes: 1 }
`,
    });
    const script: Record<number, number> = {
      400: 7 / 128,
      800: 1 / 16,
      1200: 1 / 16,
      1600: 1 / 8,
      2000: 1 / 8,
    };
    let trainStep = 0;
    const evalStages: [number, number][] = [];
    /** Per training episode: the stage of its simulator and the distinct |Δmid| it saw. */
    const episodes: { stage: number; moves: Set<number> }[] = [];
    const t = await createTrainer(cfg, {
      runDir: dir,
      quiet: true,
      clock: everyCallClock(),
      envHook: (te, role) => {
        const step = te.env.step.bind(te.env);
        const reset = te.env.reset.bind(te.env);
        if (role === 'eval') {
          te.env.reset = (seed, p) => {
            evalStages.push([trainStep, te.sim.tag]);
            return reset(seed, p);
          };
          te.env.step = (a) => ({ ...step(a), reward: script[trainStep]! });
          return;
        }
        let last = Number.NaN;
        let cur: { stage: number; moves: Set<number> } | undefined;
        te.env.reset = (seed, p) => {
          const o = reset(seed, p);
          cur = { stage: te.sim.tag, moves: new Set() };
          episodes.push(cur);
          last = te.sim.lastObservation()!.mid;
          return o;
        };
        te.env.step = (a) => {
          const r = step(a);
          trainStep++;
          const mid = te.sim.lastObservation()!.mid;
          cur!.moves.add(Math.round(Math.abs(mid - last) * 1e9) / 1e9);
          last = mid;
          return r;
        };
      },
    });
    const metrics: TrainMetrics[] = [];
    const lines: string[] = [];
    const r = await t.run({ onMetrics: (m) => metrics.push(m), onLog: (l) => lines.push(l) });
    t.dispose();
    expect(r).toMatchObject({ status: 'finished', step: 2000 });
    expect(lines.filter((l) => l.startsWith('curriculum'))).toEqual([
      'curriculum: stage 0 → 1 at step 800 (eval 3.125 ≥ 3.125)',
      'curriculum: stage 1 → 2 (the final scenario) at step 1600 (eval 6.250 ≥ 6.250)',
    ]);
    // The metrics carry the stage: 0 up to the evaluation at 800, 1 up to 1600, then 2.
    const stageAt = (step: number): number | undefined =>
      metrics.filter((m) => m.step <= step).at(-1)?.curriculumStage;
    expect([stageAt(399), stageAt(799), stageAt(801), stageAt(1599), stageAt(1601), stageAt(2000)]).toEqual([
      0, 0, 1, 1, 2, 2,
    ]);
    // Every evaluation ran on the stage current at its step (the AS baseline is recomputed per stage).
    expect(evalStages.filter(([s]) => s === 400 || s === 800).every(([, k]) => k === 0)).toBe(true);
    expect(evalStages.filter(([s]) => s === 1200 || s === 1600).every(([, k]) => k === 1)).toBe(true);
    expect(evalStages.filter(([s]) => s === 2000).every(([, k]) => k === 2)).toBe(true);
    // The training episodes: 16 on stage 0 (steps 0–800), 16 on stage 1, 8 on stage 2; binomial
    // increments of exactly σ√dt = σ·√0.02 per step, the stage's σ.
    expect(episodes.map((e) => e.stage)).toEqual([
      ...Array(16).fill(0),
      ...Array(16).fill(1),
      ...Array(8).fill(2),
    ]);
    for (const e of episodes) {
      const sigma = [0.5, 1, 2][e.stage]!;
      expect([...e.moves]).toEqual([Math.round(sigma * Math.sqrt(0.02) * 1e9) / 1e9]);
    }
  }, 60_000);

  for (const cs of [
    {
      // 2 envs × 25 steps per iteration, 50-step episodes: every env's episode ends at global steps
      // 100, 200, …; evaluations at 150 and 300 are mid-episode. Thresholds far below any return: the
      // stage advances at each evaluation, so at 150 both envs are on stage 0 with a switch to 1 pending.
      algo: 'ppo',
      section: 'ppo: { hidden: [8, 8], nEnvs: 2, nSteps: 25, epochs: 2, minibatchSize: 25 }',
      evalEvery: 150,
      stopAt: 150,
      saved: { stage: 1, envStages: [0, 0], nextStages: [1, 1] },
    },
    {
      // One env, 50-step episodes; the evaluation at 75 is mid-episode (switch to 1 pending).
      algo: 'sac',
      section: 'sac: { hidden: [8, 8], batchSize: 16, warmupSteps: 40, updateEvery: 2, updatesPerStep: 1 }',
      evalEvery: 75,
      stopAt: 75,
      saved: { stage: 1, envStages: [0], nextStages: [1] },
    },
  ] as const)
    it(`a stopped ${cs.algo.toUpperCase()} run resumes in its stage, with the pending switches, bit-identical to the uninterrupted run`, async () => {
      const cfg: TrainConfig = tinyTrainConfig({
        name: `cur-${cs.algo}`,
        algo: cs.algo,
        seed: 23,
        body: `normalizeObservations: true
${cs.section}
curriculum:
  stages:
    - { scenario: { price: { sigma: 0.5 } }, advanceWhen: { evalReturnAtLeast: -1e12 } }
    - { scenario: { price: { sigma: 1 } }, advanceWhen: { evalReturnAtLeast: -1e12 } }
budget: { totalSteps: 400, checkpointEvery: 25, evalEvery: ${cs.evalEvery}, evalEpisodes: 1, keepCheckpoints: 100 }
`,
      });
      async function session(
        runDir: string,
        resume: boolean,
        stopAt?: number,
      ): Promise<{ r: TrainResult; m: TrainMetrics[] }> {
        const t = await createTrainer(cfg, { runDir, quiet: true, resume, clock: everyCallClock() });
        const ac = new AbortController();
        const m: TrainMetrics[] = [];
        try {
          const r = await t.run({
            signal: ac.signal,
            onMetrics: (x) => m.push(x),
            onCheckpoint: (c) => {
              if (c.step === stopAt) ac.abort();
            },
          });
          return { r, m };
        } finally {
          t.dispose();
        }
      }
      const final = (runDir: string): unknown => {
        const ck = latestCheckpoint(runDir)!;
        const manifest = JSON.parse(fs.readFileSync(path.join(ck.dir, 'manifest.json'), 'utf8')) as Record<
          string,
          unknown
        >;
        delete manifest.createdAt;
        const bins = fs
          .readdirSync(ck.dir)
          .filter((f) => f.endsWith('.bin'))
          .sort()
          .map((f) => fs.readFileSync(path.join(ck.dir, f)).toString('base64'));
        return { manifest, bins };
      };
      const whole = await session(path.join(dir, 'whole'), false);
      expect(whole.r).toMatchObject({ status: 'finished', step: 400 });
      expect(whole.m.at(-1)?.curriculumStage).toBe(2);
      const runDir = path.join(dir, 'stopped');
      const a = await session(runDir, false, cs.stopAt);
      expect(a.r).toMatchObject({ status: 'stopped', step: cs.stopAt });
      const saved = readCheckpoint(latestCheckpoint(runDir)!.dir, undefined, { replay: false }).trainer
        .curriculum;
      expect(saved).toEqual(cs.saved);
      const b = await session(runDir, true);
      expect(b.r).toMatchObject({ status: 'finished', step: 400 });
      expect(b.m[0]?.curriculumStage).toBe(1);
      expect(final(runDir)).toEqual(final(path.join(dir, 'whole')));
    }, 60_000);
});
