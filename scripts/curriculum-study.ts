/**
 * Curriculum learning measured (issue 12 §2): the same algorithm trained on the same final scenario
 * for the same step budget, with and without a curriculum, over several seeds; both scored on the
 * same held-out paths of the final scenario.
 *
 *   npx tsx scripts/curriculum-study.ts [--algo reinforce|ppo|sac] [--steps 30000] [--seeds 1,2,…]
 *        [--paths 200] [--json out.json]
 *
 * Final scenario: the Avellaneda–Stoikov (2008) intensity model of the trainer tests
 * (tiny-config.fixture.ts: T = 1, dt = 0.02, 50 decisions per episode; mid moving ±σ√dt per step with
 * σ = 2; A = 140, k = 1.5), offsets in [0, 3], one lot per side, [q/5, time left] observations, pure
 * ΔPnL reward. Its difficulty is the mark-to-market noise q·ΔS, which does not depend on the quotes in
 * expectation but dominates the returns the policy gradient sees; the spread capture it must learn is
 * 2·A·e^{−kδ}·δ per unit time, largest at δ* = 1/k (68.7 per episode; 44.3 at the untrained δ = 1.5).
 *
 * Arms (everything else identical: seed, budget, network, hyperparameters):
 *   plain       the final scenario from the first step
 *   curriculum  σ = 0.2 until a periodic evaluation reaches 62 (90% of the optimum 68.7), then σ = 1
 *               until one reaches 62, then
 *               the final σ = 2 (evaluations every 2,000 steps on 10 paths of the current stage)
 *
 * Score: the final policy (deterministic, loadPolicy of the last checkpoint) on paths 0 … paths − 1 of
 * a seed used neither for training nor for the trainer's evaluations (deriveSeed(seed, 0x686f6c64));
 * the mean episode reward (= PnL: the reward is pure ΔPnL), and the AS quoter (γ = 0.01) on the same
 * paths as a reference. Reported per seed and as the mean over seeds with the paired difference.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deriveSeed } from '../core/rng/rng';
import { loadTf } from '../core/rl/tf/backend';
import { parseTrainConfig, type TrainConfig } from '../core/rl/train/config';
import { BaselineDriver, makeBaselineQuoter, makeEnv } from '../core/rl/train/env-factory';
import { loadPolicy } from '../core/rl/train/load-policy';
import { createTrainer, OBS_CLIP } from '../core/rl/train/trainer';

interface Args {
  algo: 'reinforce' | 'ppo' | 'sac';
  steps: number;
  seeds: number[];
  paths: number;
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    algo: 'reinforce',
    steps: 30_000,
    seeds: [1, 2, 3, 4, 5, 6, 7, 8],
    paths: 200,
    json: undefined,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    if (k === '--algo' && (v === 'reinforce' || v === 'ppo' || v === 'sac')) a.algo = v;
    else if (k === '--steps') a.steps = Number(v);
    else if (k === '--seeds') a.seeds = v.split(',').map(Number);
    else if (k === '--paths') a.paths = Number(v);
    else if (k === '--json') a.json = v;
    else throw new Error(`unknown or bad option ${k} ${v}`);
  }
  return a;
}

const ALGO_SECTION: Record<Args['algo'], string> = {
  reinforce:
    'reinforce: { hidden: [16], episodesPerUpdate: 8, policyLr: 0.03, baselineLr: 0.01, discount: 0.5 }',
  ppo: 'ppo: { hidden: [16, 16], nEnvs: 4, nSteps: 50, epochs: 4, minibatchSize: 100, gamma: 0.9 }',
  sac: 'sac: { hidden: [32, 32], gamma: 0.9, batchSize: 128, warmupSteps: 1000 }',
};

function config(algo: Args['algo'], seed: number, steps: number, curriculum: boolean): TrainConfig {
  const yaml = `name: curriculum-study-${curriculum ? 'curriculum' : 'plain'}
algo: ${algo}
seed: ${seed}
scenario:
  mode: intensity
  horizon: 1
  dt: 0.02
  s0: 100
  price: { sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
env:
  maxOffset: 3
  inventoryScale: 5
${ALGO_SECTION[algo]}
${
  curriculum
    ? `curriculum:
  stages:
    - { scenario: { price: { sigma: 0.2 } }, advanceWhen: { evalReturnAtLeast: 62 } }
    - { scenario: { price: { sigma: 1 } }, advanceWhen: { evalReturnAtLeast: 62 } }
`
    : ''
}budget: { totalSteps: ${steps}, checkpointEvery: ${steps}, evalEvery: 2000, evalEpisodes: 10 }
baseline: { gamma: 0.01 }
`;
  return parseTrainConfig(yaml, `curriculum-study-${seed}.yaml`);
}

/** Mean episode reward of the final policy of runDir and of AS on held-out paths of cfg's final scenario. */
async function heldOut(
  cfg: TrainConfig,
  runDir: string,
  paths: number,
): Promise<{ agent: number; as: number }> {
  const loaded = await loadPolicy(runDir);
  const te = makeEnv(cfg);
  const seed = deriveSeed(cfg.seed >>> 0, 0x686f6c64);
  const x = new Float32Array(te.obsDim);
  const scratch = new Float64Array(te.obsDim);
  const a = new Float32Array(te.actionDim);
  let agent = 0;
  for (let p = 0; p < paths; p++) {
    let obs = te.env.reset(seed, p);
    for (;;) {
      if (loaded.normalizer) {
        loaded.normalizer.normalize(obs, scratch, OBS_CLIP);
        x.set(scratch);
      } else x.set(obs);
      loaded.policy.act(x, true, a);
      const r = te.env.step(a);
      agent += r.reward;
      if (r.terminated || r.truncated) break;
      obs = r.observation;
    }
  }
  loaded.policy.dispose();
  const driver = new BaselineDriver(te, makeBaselineQuoter(cfg, 'as'), cfg.env.horizon);
  let as = 0;
  for (let p = 0; p < paths; p++) {
    te.env.reset(seed, p);
    driver.reset();
    for (;;) {
      driver.action(a);
      const r = te.env.step(a);
      as += r.reward;
      if (r.terminated || r.truncated) break;
    }
  }
  return { agent: agent / paths, as: as / paths };
}

interface Row {
  seed: number;
  plain: number;
  curriculum: number;
  as: number;
  /** Step at which the curriculum run reached each later stage (null: never). */
  stageSteps: (number | null)[];
  secondsPlain: number;
  secondsCurriculum: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await loadTf({ quiet: true });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-curriculum-study-'));
  const rows: Row[] = [];
  try {
    for (const seed of args.seeds) {
      const row: Partial<Row> = { seed };
      for (const arm of ['plain', 'curriculum'] as const) {
        const cfg = config(args.algo, seed, args.steps, arm === 'curriculum');
        const runDir = path.join(root, `${arm}-${seed}`);
        const t = await createTrainer(cfg, { runDir, quiet: true });
        const stageSteps: (number | null)[] = [null, null];
        const t0 = performance.now();
        const r = await t.run({
          onLog: (l) => {
            const m = /^curriculum: stage \d+ → (\d+).* at step (\d+)/.exec(l);
            if (m) stageSteps[Number(m[1]) - 1] = Number(m[2]);
          },
        });
        const secs = (performance.now() - t0) / 1000;
        t.dispose();
        if (r.status !== 'finished') throw new Error(`${arm} seed ${seed}: ${r.status} ${r.reason ?? ''}`);
        const score = await heldOut(cfg, runDir, args.paths);
        row[arm] = score.agent;
        row.as = score.as;
        if (arm === 'curriculum') {
          row.stageSteps = stageSteps;
          row.secondsCurriculum = secs;
        } else row.secondsPlain = secs;
      }
      rows.push(row as Row);
      const x = row as Row;
      process.stdout.write(
        `seed ${seed}: plain ${x.plain.toFixed(2)}  curriculum ${x.curriculum.toFixed(2)}  AS ${x.as.toFixed(2)}  ` +
          `stages reached at ${x.stageSteps.map((s) => s ?? '—').join(', ')}  (${x.secondsPlain.toFixed(1)} s, ${x.secondsCurriculum.toFixed(1)} s)\n`,
      );
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  const n = rows.length;
  const mean = (f: (r: Row) => number): number => rows.reduce((s, r) => s + f(r), 0) / n;
  const sd = (f: (r: Row) => number): number => {
    const m = mean(f);
    return Math.sqrt(rows.reduce((s, r) => s + (f(r) - m) ** 2, 0) / Math.max(1, n - 1));
  };
  const diff = (r: Row): number => r.curriculum - r.plain;
  const summary = {
    algo: args.algo,
    steps: args.steps,
    seeds: args.seeds,
    paths: args.paths,
    plain: { mean: mean((r) => r.plain), sd: sd((r) => r.plain) },
    curriculum: { mean: mean((r) => r.curriculum), sd: sd((r) => r.curriculum) },
    as: mean((r) => r.as),
    pairedDiff: { mean: mean(diff), sd: sd(diff), t: mean(diff) / (sd(diff) / Math.sqrt(n)) },
    reachedFinal: rows.filter((r) => r.stageSteps[1] !== null).length,
    rows,
  };
  process.stdout.write(
    `\n${args.algo}, ${args.steps} steps, ${n} seeds, ${args.paths} held-out paths of the final scenario (σ = 2):\n` +
      `  plain       ${summary.plain.mean.toFixed(2)} ± ${summary.plain.sd.toFixed(2)} (mean ± sd over seeds)\n` +
      `  curriculum  ${summary.curriculum.mean.toFixed(2)} ± ${summary.curriculum.sd.toFixed(2)}; reached the final stage in ${summary.reachedFinal}/${n}\n` +
      `  curriculum − plain: ${summary.pairedDiff.mean.toFixed(2)} ± ${summary.pairedDiff.sd.toFixed(2)} (paired t = ${summary.pairedDiff.t.toFixed(2)}, ${n - 1} df)\n` +
      `  AS (γ = 0.01) on the same paths: ${summary.as.toFixed(2)}\n`,
  );
  if (args.json !== undefined) fs.writeFileSync(args.json, `${JSON.stringify(summary, null, 2)}\n`);
}

await main();
