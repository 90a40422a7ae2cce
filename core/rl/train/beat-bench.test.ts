import { beforeAll, describe, expect, it } from 'vitest';
import { metricOptionsOf } from '../../backtest/config';
import { evaluate } from '../eval/evaluate';
import { tuneBaselines, tunedQuoters } from '../eval/tune-baselines';
import { loadTf } from '../tf/backend';
import { benchTrainToBeatBaselines, resolveBudgetSeconds } from './beat-bench';
import { evaluationSeed, type TrainConfig } from './config';
import { tinyTrainConfig } from './tiny-config.fixture';

/** 300 steps of the tiny AS problem, a checkpoint (= a bench evaluation) every 100. */
function tiny(): TrainConfig {
  return tinyTrainConfig({
    seed: 11,
    env: '  reward: { inventory: 0.01 }\n',
    body: `normalizeObservations: true
sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 60 }
budget: { totalSteps: 300, checkpointEvery: 100, evalEvery: 150, evalEpisodes: 2, maxMinutes: 0.0001 }
`,
  });
}

beforeAll(async () => {
  await loadTf({ quiet: true });
});

// The plumbing only: no assertion on any time beyond its shape (a benchmark, not a timed test).
describe('trainToBeatBaselinesSeconds', () => {
  it('a baseline reward of −∞ is beaten at the first evaluation, which stops training', async () => {
    const r = await benchTrainToBeatBaselines({
      cfg: tiny(),
      evalPaths: 2,
      budgetSeconds: 3600,
      baselineOverride: { name: 'nothing', reward: Number.NEGATIVE_INFINITY },
    });
    expect(r.end).toBe('beaten');
    expect(r.evaluations.map((e) => e.step)).toEqual([100]);
    expect(r.beatenAtStep).toBe(100);
    expect(r.trainToBeatBaselinesSeconds).toBe(r.evaluations[0]!.trainSeconds);
    expect(r.trainToBeatBaselinesSeconds).toBeGreaterThan(0);
    expect(r.bestReward).toBe(r.evaluations[0]!.reward);
    expect(Number.isFinite(r.bestReward)).toBe(true);
    expect(r.steps).toBeLessThan(300); // stopped at the first env step after the checkpoint
    expect(r.baseline).toBe('nothing');
  });

  it('an unbeatable baseline gives null with the best reward, every checkpoint evaluated, reproducibly', async () => {
    const run = () =>
      benchTrainToBeatBaselines({
        cfg: tiny(),
        evalPaths: 2,
        budgetSeconds: 3600,
        baselineOverride: { name: 'oracle', reward: Number.POSITIVE_INFINITY },
      });
    const a = await run();
    expect(a.trainToBeatBaselinesSeconds).toBeNull();
    expect(a.beatenAtStep).toBeNull();
    expect(a.end).toBe('steps'); // the config's maxMinutes (6 ms) was dropped: the bench's budget rules
    expect(a.steps).toBe(300);
    expect(a.evaluations.map((e) => e.step)).toEqual([100, 200, 300]);
    expect(a.bestReward).toBe(Math.max(...a.evaluations.map((e) => e.reward)));
    expect(a.elapsedTrainSeconds).toBeGreaterThan(0);
    expect(
      a.evaluations.every((e, i) => i === 0 || e.trainSeconds >= a.evaluations[i - 1]!.trainSeconds),
    ).toBe(true);
    // What is learned depends on the config and seed only.
    const b = await run();
    expect(b.evaluations.map((e) => [e.step, e.reward])).toEqual(
      a.evaluations.map((e) => [e.step, e.reward]),
    );
  });

  it('an exhausted budget stops training with null and no evaluation', async () => {
    const r = await benchTrainToBeatBaselines({
      cfg: tiny(),
      evalPaths: 2,
      budgetSeconds: 0,
      baselineOverride: { name: 'oracle', reward: Number.POSITIVE_INFINITY },
    });
    expect(r.end).toBe('budget');
    expect(r.trainToBeatBaselinesSeconds).toBeNull();
    expect(r.bestReward).toBeNull();
    expect(r.evaluations).toEqual([]);
    expect(r.steps).toBeLessThan(100);
  });

  it('compares with the best tuned baseline on the held-out paths, as quotebench eval', async () => {
    const cfg = tiny();
    const r = await benchTrainToBeatBaselines({
      cfg,
      evalPaths: 3,
      firstPath: 7,
      tuneEpisodes: 2,
      budgetSeconds: 3600,
    });
    const tuning = tuneBaselines({ cfg, paths: 2, metrics: metricOptionsOf(cfg) });
    expect(r.baseline).toBe(tuning.bestBaseline);
    const q = tunedQuoters(cfg, tuning).find((b) => b.name === tuning.bestBaseline)!;
    const held = evaluate({
      scenario: cfg.scenario,
      quoters: [q],
      seed: evaluationSeed(cfg),
      paths: 3,
      firstPath: 7,
      reward: cfg.env.reward,
      metrics: metricOptionsOf(cfg),
      resamples: 1,
    });
    expect(r.baselineReward).toBe(held.quoters[0]!.summary.reward.mean);
    expect(r.tuneSeconds).toBeGreaterThan(0);
    expect(r.evaluations.length).toBeGreaterThan(0);
    if (r.trainToBeatBaselinesSeconds !== null) expect(r.bestReward!).toBeGreaterThan(r.baselineReward);
    else expect(r.bestReward!).toBeLessThanOrEqual(r.baselineReward);
  });

  it('reads the budget from QB_BENCH_TRAIN_BUDGET_S, else 600 s', () => {
    expect(resolveBudgetSeconds(undefined, undefined)).toBe(600);
    expect(resolveBudgetSeconds(undefined, '42')).toBe(42);
    expect(resolveBudgetSeconds(5, '42')).toBe(5);
    expect(() => resolveBudgetSeconds(undefined, 'ten')).toThrow(/budget/);
    expect(() => resolveBudgetSeconds(-1)).toThrow(/budget/);
  });
});
