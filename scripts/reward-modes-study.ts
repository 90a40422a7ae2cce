/**
 * Reward modes compared on one scenario (issue 12 §2): PPO trained with each reward mode of
 * core/rl/reward.ts for the same step budget and the same seeds, every agent scored on the same number.
 *
 *   npx tsx scripts/reward-modes-study.ts [--steps 61440] [--seeds 1,2,3] [--every 10240]
 *        [--curve-paths 20] [--final-paths 200] [--modes delta-pnl,final-pnl,...] [--json out.json]
 *   npx tsx scripts/reward-modes-study.ts --combine a.json,b.json   (merge runs done in parallel)
 * (--steps must match between the merged parts: the table's header prints this process's --steps.)
 *
 * Scenario: the Avellaneda–Stoikov (2008) intensity model of sac-as.yaml (T = 1, dt = 0.005: 200
 * decisions per episode; σ = 2, A = 140, k = 1.5), offsets in [0, 3], one lot per side, [q/5, time left]
 * observations. PPO rather than SAC because it trains ~7× more env steps per second here
 * (docs/performance.md: 4,074 vs 566 steps/s); its settings are SB3's defaults with [64, 64] networks
 * (8 envs × 256 steps, 10 epochs, γ 0.99 so that the sparse reward's single payment reaches the start of
 * a 200-step episode at 0.99^200 ≈ 0.13 rather than vanishing as it would with 0.9).
 *
 * Arms (training reward only; everything else identical):
 *   delta-pnl             ΔPnL every step (the default)
 *   final-pnl             0, …, 0, episode PnL (sparse)
 *   time-weighted         ΔPnL · (1 + κ(1 − time left)), κ = 1
 *   inventory-penalized   ΔPnL − λq² − ζq_T², λ = 0.01, ζ = 0.1 (quadratic running and terminal)
 *
 * Evaluation, the same for every arm: the trained deterministic policy (loadPolicy → PolicyQuoter, the
 * backtest path) run by core/rl/eval evaluate() with zero reward weights, so its score is the episode's
 * mark-to-market PnL whatever the training reward was. Learning curve: every checkpoint (`--every`
 * steps) on evaluation paths 0 … curve-paths − 1 of the run's evaluation seed. Final: the last
 * checkpoint on paths 1000 … 1000 + final-paths − 1 of that seed (held out from the curve and from
 * training). The AS quoter (γ = 0.01, the scenario's σ, A, k) on the same final paths is the reference.
 *
 * "Fastest": the first checkpoint step at which the arm's seed-mean curve reaches 90% of the best
 * seed-mean final PnL of all arms (— when never), and the area under the curve (mean over its points).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluate } from '../core/rl/eval/evaluate';
import { REWARD_MODES, type RewardMode } from '../core/rl/reward';
import { listCheckpoints } from '../core/rl/train/checkpoint';
import { evaluationSeed, parseTrainConfig, type TrainConfig } from '../core/rl/train/config';
import { makeBaselineQuoter } from '../core/rl/train/env-factory';
import { loadPolicy } from '../core/rl/train/load-policy';
import { createTrainer } from '../core/rl/train/trainer';
import { loadTf } from '../core/rl/tf/backend';

const argv = process.argv.slice(2);
function arg(name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
}
const STEPS = Number(arg('steps', '61440'));
const EVERY = Number(arg('every', '10240'));
const SEEDS = arg('seeds', '1,2,3').split(',').map(Number);
const CURVE_PATHS = Number(arg('curve-paths', '20'));
const FINAL_PATHS = Number(arg('final-paths', '200'));
const FINAL_FIRST = 1000;
const MODES = arg('modes', REWARD_MODES.join(',')).split(',') as RewardMode[];
const JSON_OUT = arg('json', '');

const REWARD: Record<RewardMode, string> = {
  'delta-pnl': '{ mode: delta-pnl }',
  'final-pnl': '{ mode: final-pnl }',
  'time-weighted': '{ mode: time-weighted, timeWeight: 1 }',
  'inventory-penalized': '{ mode: inventory-penalized, inventory: 0.01, terminalInventory: 0.1 }',
};

export function studyConfig(mode: RewardMode, seed: number): TrainConfig {
  return parseTrainConfig(
    `name: rm-${mode}-s${seed}
algo: ppo
seed: ${seed}
scenario:
  mode: intensity
  name: as2008
  horizon: 1
  dt: 0.005
  timeUnitSeconds: 86400
  s0: 100
  price: { model: abm, sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
env:
  orderSizeLots: 1
  minOffset: 0
  maxOffset: 3
  inventoryScale: 5
  reward: ${REWARD[mode]}
features: { kind: intensity }
normalizeObservations: false
ppo: { hidden: [64, 64], nEnvs: 8, nSteps: 256, epochs: 10, minibatchSize: 256, gamma: 0.99, gaeLambda: 0.95 }
budget: { totalSteps: ${STEPS}, checkpointEvery: ${EVERY}, evalEvery: 0, evalEpisodes: 2, keepCheckpoints: 1000 }
baseline: { gamma: 0.01 }
`,
    `reward-modes-${mode}.yaml`,
  );
}

const METRICS = { sessionsPerYear: 252, markoutHorizon: 0.01 };

interface Run {
  mode: RewardMode;
  seed: number;
  seconds: number;
  curve: { step: number; pnl: number }[];
  finalPnl: number;
  finalSharpe: number;
  finalPnlStd: number;
  asPnl: number;
}

async function runOne(mode: RewardMode, seed: number, root: string): Promise<Run> {
  const cfg = studyConfig(mode, seed);
  const runDir = path.join(root, cfg.name);
  const t0 = performance.now();
  const t = await createTrainer(cfg, { runDir, quiet: true });
  try {
    const r = await t.run({});
    if (r.status !== 'finished') throw new Error(`${cfg.name}: training ${r.status}`);
  } finally {
    t.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const evalSeed = evaluationSeed(cfg);
  const score = (dir: string, firstPath: number, paths: number, withAs: boolean) =>
    loadPolicy(dir).then((lp) => {
      try {
        const quoters = [
          lp.quoter('agent'),
          ...(withAs ? [makeBaselineQuoter(cfg, 'as', { name: 'as' })] : []),
        ];
        return evaluate({
          scenario: cfg.scenario,
          quoters,
          seed: evalSeed,
          firstPath,
          paths,
          reward: {},
          metrics: METRICS,
          resamples: 10,
        });
      } finally {
        lp.dispose();
      }
    });
  const curve: Run['curve'] = [];
  for (const ck of listCheckpoints(runDir)) {
    const res = await score(ck.dir, 0, CURVE_PATHS, false);
    curve.push({ step: ck.step, pnl: res.quoters[0]!.summary.pnl.mean });
  }
  const last = listCheckpoints(runDir).at(-1)!;
  const fin = await score(last.dir, FINAL_FIRST, FINAL_PATHS, true);
  const agent = fin.quoters[0]!;
  const pnls = agent.perPath.pnl;
  const m = pnls.reduce((a, b) => a + b, 0) / pnls.length;
  const sd = Math.sqrt(pnls.reduce((a, b) => a + (b - m) ** 2, 0) / (pnls.length - 1));
  return {
    mode,
    seed,
    seconds,
    curve,
    finalPnl: agent.summary.pnl.mean,
    finalSharpe: agent.sessionSharpe.mean,
    finalPnlStd: sd,
    asPnl: fin.quoters[1]!.summary.pnl.mean,
  };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const se = (xs: number[]): number =>
  xs.length < 2
    ? 0
    : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length);

async function main(): Promise<void> {
  const combine = arg('combine', '');
  if (combine !== '') {
    // Runs done in separate processes (e.g. one per core), merged: --combine a.json,b.json
    const parts = combine.split(',').map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { runs: Run[] });
    const runs = parts.flatMap((p) => p.runs);
    SEEDS.splice(0, SEEDS.length, ...[...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b));
    printTable(runs);
    return;
  }
  await loadTf({ quiet: true });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-reward-modes-'));
  const runs: Run[] = [];
  for (const seed of SEEDS)
    for (const mode of MODES) {
      const r = await runOne(mode, seed, root);
      runs.push(r);
      console.log(
        `${mode.padEnd(20)} seed ${seed}: ${r.seconds.toFixed(1)} s, curve ${r.curve.map((c) => c.pnl.toFixed(1)).join(' ')}, ` +
          `final PnL ${r.finalPnl.toFixed(2)} (sd ${r.finalPnlStd.toFixed(2)}, session Sharpe ${r.finalSharpe.toFixed(2)}), AS ${r.asPnl.toFixed(2)}`,
      );
    }
  fs.rmSync(root, { recursive: true, force: true });
  if (JSON_OUT)
    fs.writeFileSync(JSON_OUT, JSON.stringify({ steps: STEPS, every: EVERY, seeds: SEEDS, runs }, null, 1));
  printTable(runs);
}

export function printTable(runs: Run[]): void {
  const modes = [...new Set(runs.map((r) => r.mode))];
  const curveOf = (mode: RewardMode): { step: number; pnl: number }[] => {
    const rs = runs.filter((r) => r.mode === mode);
    return rs[0]!.curve.map((c, j) => ({ step: c.step, pnl: mean(rs.map((r) => r.curve[j]!.pnl)) }));
  };
  const best = Math.max(...modes.map((m) => mean(runs.filter((r) => r.mode === m).map((r) => r.finalPnl))));
  console.log(
    `\nPPO, ${STEPS} steps, seeds ${SEEDS.join(', ')}; learning curve on ${CURVE_PATHS} evaluation paths, final on ${FINAL_PATHS} held-out paths; PnL per episode`,
  );
  console.log(
    '| reward mode | final PnL (mean ± SE over seeds) | PnL sd per path | session Sharpe | curve (seed mean) at each checkpoint | area under curve | steps to 90% of best final | train s/run |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const m of modes) {
    const rs = runs.filter((r) => r.mode === m);
    const c = curveOf(m);
    const hit = c.find((p) => p.pnl >= 0.9 * best);
    console.log(
      `| ${m} | ${mean(rs.map((r) => r.finalPnl)).toFixed(2)} ± ${se(rs.map((r) => r.finalPnl)).toFixed(2)} | ${mean(rs.map((r) => r.finalPnlStd)).toFixed(2)} | ${mean(rs.map((r) => r.finalSharpe)).toFixed(2)} | ${c.map((p) => p.pnl.toFixed(1)).join(', ')} | ${mean(c.map((p) => p.pnl)).toFixed(2)} | ${hit ? hit.step : '—'} | ${mean(rs.map((r) => r.seconds)).toFixed(0)} |`,
    );
  }
  console.log(`AS (γ 0.01) on the same final paths: ${mean(runs.map((r) => r.asPnl)).toFixed(2)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname))
  void main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
