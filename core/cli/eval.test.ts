/**
 * `quotebench eval` in process: a SAC and a PPO run trained on one tiny problem, evaluated together
 * against tuned AS / GLFT / fixed-spread on held-out paths; the printed table and the JSON; determinism;
 * invalid input (exit 2).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluationSeed, trainingSeed, type TrainConfig } from '../rl/train/config';
import { tinyTrainConfig } from '../rl/train/tiny-config.fixture';
import { runEval, trainRun } from './eval.fixture';

function tiny(algo: 'sac' | 'ppo', seed = 9): TrainConfig {
  return tinyTrainConfig({
    name: `tiny-${algo}`,
    algo,
    seed,
    env: '  reward: { inventory: 0.01 }\n',
    body: `sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 60 }
ppo: { hidden: [16, 16], nEnvs: 2, nSteps: 50, minibatchSize: 50, epochs: 2 }
budget: { totalSteps: 200, checkpointEvery: 100, evalEvery: 200, evalEpisodes: 2 }
`,
  });
}

let dir: string;
let sacRun: string;
let ppoRun: string;
let otherRun: string;
let out = '';
let err = '';

function train(cfg: TrainConfig, name: string): Promise<string> {
  return trainRun(cfg, dir, name);
}

async function run(args: string[]): Promise<number> {
  const r = await runEval(args);
  out = r.out;
  err = r.err;
  return r.code;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-eval-cli-'));
  sacRun = await train(tiny('sac'), 'sac');
  ppoRun = await train(tiny('ppo'), 'ppo');
  otherRun = await train(tiny('sac', 10), 'sac-other-seed');
}, 120_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface EvalJson {
  backend: string;
  agents: Array<{ name: string; algo: string; step: number; trainingSeed: number }>;
  tuning: {
    seed: number;
    paths: number;
    candidates: Array<{ family: string; stage: string; params: Record<string, number>; reward: number }>;
    best: Record<string, { name: string; params: Record<string, number>; reward: number }>;
    bestBaseline: string;
  };
  evaluation: {
    seed: number;
    firstPath: number;
    paths: number;
    quoters: Array<{
      name: string;
      kind: string;
      params: Record<string, unknown>;
      perPath: { reward: number[] };
    }>;
  };
  comparison: {
    baselines: string[];
    tests: Array<{ agent: string; baseline: string; reward: { pValue: number; pHolm: number } }>;
  };
}

describe('quotebench eval', () => {
  it('evaluates SAC and PPO against tuned baselines on held-out paths', async () => {
    const json = path.join(dir, 'out', 'eval.json');
    const args = [
      '--checkpoint',
      sacRun,
      '--checkpoint',
      ppoRun,
      '--episodes',
      '6',
      '--tune-episodes',
      '3',
      '--gammas',
      '0.01,0.1,1',
      '--resamples',
      '200',
      '--json',
      json,
      '--quiet',
    ];
    expect(await run(args)).toBe(0);
    expect(out).toMatch(/backend: (wasm|cpu|tensorflow)/);
    expect(out).toMatch(/Baselines tuned on 3 training paths \(seed 9\)/);
    for (const name of ['SAC', 'PPO', 'AS', 'GLFT', 'fixed-spread', 'static', 'random'])
      expect(out).toContain(name);
    expect(out).toMatch(/Paired tests against \S+ \(best by mean reward on 3 tuning paths, seed 9\)/);
    expect(out).toMatch(/Holm: adjusted over all 8 tests/);

    const j = JSON.parse(fs.readFileSync(json, 'utf8')) as EvalJson;
    expect(j.agents.map((a) => [a.name, a.algo, a.step])).toEqual([
      ['SAC', 'sac', 200],
      ['PPO', 'ppo', 200],
    ]);
    const cfg = tiny('sac');
    // tuning on training paths, evaluation on the evaluation seed past the trainer's eval paths
    expect(j.tuning.seed).toBe(trainingSeed(cfg));
    expect(j.evaluation.seed).toBe(evaluationSeed(cfg));
    expect(j.evaluation.seed).not.toBe(j.tuning.seed);
    expect(j.evaluation.firstPath).toBe(1000);
    expect(j.evaluation.paths).toBe(6);
    expect(j.evaluation.quoters.map((q) => [q.name, q.kind])).toEqual([
      ['SAC', 'agent'],
      ['PPO', 'agent'],
      ['AS', 'baseline'],
      ['GLFT', 'baseline'],
      ['fixed-spread', 'baseline'],
      ['static', 'baseline'],
      ['random', 'baseline'],
    ]);
    // the coarse γ grid is the given list (× the k grid); the tuned AS is the best candidate of its
    // family by mean reward, and it is what the AS quoter ran with
    const asCands = j.tuning.candidates.filter((c) => c.family === 'as');
    expect([...new Set(asCands.filter((c) => c.stage === 'grid').map((c) => c.params.gamma))]).toEqual([
      0.01, 0.1, 1,
    ]);
    const bestAs = asCands.reduce((b, c) => (c.reward > b.reward ? c : b));
    expect(j.tuning.best.as!.params).toEqual(bestAs.params);
    expect(j.evaluation.quoters[2]!.params).toMatchObject(bestAs.params);
    // the reference baseline is the best on the tuning paths (not on the held-out ones), and every
    // agent is tested against it only
    const finalists = Object.values(j.tuning.best);
    const bestOnTuning = finalists.reduce((b, c) => (c.reward > b.reward ? c : b));
    expect(j.tuning.bestBaseline).toBe(bestOnTuning.name);
    expect(j.comparison.baselines).toEqual([bestOnTuning.name]);
    expect(j.comparison.tests.map((t) => [t.agent, t.baseline])).toEqual([
      ['SAC', bestOnTuning.name],
      ['PPO', bestOnTuning.name],
    ]);
    for (const t of j.comparison.tests) {
      expect(t.reward.pValue).toBeGreaterThanOrEqual(0);
      expect(t.reward.pHolm).toBeGreaterThanOrEqual(t.reward.pValue);
    }

    // same inputs, same numbers
    const first = fs.readFileSync(json, 'utf8');
    expect(await run(args)).toBe(0);
    expect(fs.readFileSync(json, 'utf8')).toBe(first);
  }, 120_000);

  it('rejects invalid input with exit code 2 and a message naming it', async () => {
    expect(await run([])).toBe(2);
    expect(err).toMatch(/--checkpoint DIR is required/);
    expect(await run(['--checkpoint', sacRun, '--episodes', '1'])).toBe(2);
    expect(err).toMatch(/--episodes must be an integer from 2 to/);
    expect(await run(['--checkpoint', sacRun, '--gammas', '0.1,-1'])).toBe(2);
    expect(err).toMatch(/--gammas/);
    expect(await run(['--checkpoint', sacRun, '--box', 'k=0:5'])).toBe(2);
    expect(err).toMatch(/--box k: need finite 0 ≤ LO ≤ HI/);
    expect(await run(['--checkpoint', sacRun, '--box', 'theta=1:2'])).toBe(2);
    expect(err).toMatch(/--box must be P=LO:HI with P one of gamma, A, k, halfSpread, skewPerLot/);
    expect(await run(['--checkpoint', sacRun, '--box', 'A=1:2', '--box', 'A=2:3'])).toBe(2);
    expect(err).toMatch(/--box A is given twice/);
    expect(await run(['--checkpoint', sacRun, '--refine-budget=1.5'])).toBe(2);
    expect(err).toMatch(/--refine-budget/);
    expect(await run(['--checkpoint', sacRun, '--pick', 'worst'])).toBe(2);
    expect(err).toMatch(/--pick must be latest or best/);
    expect(await run(['--checkpoint', path.join(dir, 'missing'), '--quiet'])).toBe(2);
    expect(err).toMatch(/no such directory/);
    // agents trained on different seeds would not face the same held-out paths
    expect(await run(['--checkpoint', sacRun, '--checkpoint', otherRun, '--quiet'])).toBe(2);
    expect(err).toMatch(/trained on another problem/);
  }, 60_000);
});
