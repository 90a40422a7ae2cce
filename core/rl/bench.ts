/**
 * Throughput benchmark of VectorAsEnv: env-steps per second = N × step() calls / seconds.
 *
 * Scenario: the AS 2008 section 4 experiment (s0 = 100, σ = 2, binomial increments, T = 1,
 * dt = 0.005, A = 140, k = 1.5), so episodes are 200 steps and auto-resets are part of what is timed.
 * Actions are pre-generated outside the timed region (a few random sets in price units, drawn from
 * a seeded Rng and cycled), the kernel is warmed up first so that the timed calls run optimized code,
 * and time is measured with performance.now(). A benchmark, not a test: run it from the CLI
 * (`npx tsx core/rl/bench.ts [n] [steps] [gaussian]`), never assert on its speed.
 */
import { pathToFileURL } from 'node:url';
import { Rng } from '../rng/rng';
import { as2008Scenario, type IntensityScenario } from '../sim/intensity-sim';
import { sample } from './spaces';
import { VectorAsEnv } from './vector-env';

export interface VectorEnvBenchResult {
  vectorEnvStepsPerSec: number;
  n: number;
  /** step() calls timed (each steps N envs). */
  steps: number;
}

export const AS2008_SCENARIO: IntensityScenario = as2008Scenario();

const ACTION_SETS = 8;

export interface VectorEnvBenchOptions {
  /** Parallel envs (default 1024). */
  n?: number;
  /** Timed step() calls (default 2000). */
  steps?: number;
  seed?: number;
  /** Mid increments (default 'binomial', as in AS 2008; 'gaussian' adds the polar method). */
  increments?: 'binomial' | 'gaussian';
}

export function benchVectorEnv(opts: VectorEnvBenchOptions = {}): VectorEnvBenchResult {
  const n = opts.n ?? 1024;
  const steps = opts.steps ?? 2000;
  const seed = opts.seed ?? 1;
  if (!(Number.isInteger(n) && n >= 1))
    throw new RangeError(`benchVectorEnv: n must be an integer ≥ 1 (got ${n})`);
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new RangeError(`benchVectorEnv: steps must be an integer ≥ 1 (got ${steps})`);
  const env = new VectorAsEnv({
    scenario: {
      ...AS2008_SCENARIO,
      price: { ...AS2008_SCENARIO.price, increments: opts.increments ?? 'binomial' },
    },
    n,
    orderSizeLots: 1,
    maxOffset: 3,
    inventoryScale: 10,
    reward: { inventory: 0.01, turnover: 0.001, terminalInventory: 0.1 },
  });
  const rng = new Rng(seed);
  const row = new Float64Array(2);
  const sets: Float64Array[] = [];
  for (let s = 0; s < ACTION_SETS; s++) {
    const a = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      sample(env.actionSpace, rng, row);
      a[2 * i] = row[0]!;
      a[2 * i + 1] = row[1]!;
    }
    sets.push(a);
  }
  const pick = (c: number): Float64Array => sets[c % ACTION_SETS]!;

  env.reset(seed);
  const warmup = Math.max(50, Math.min(steps, Math.ceil(200_000 / n)));
  let sink = 0;
  for (let c = 0; c < warmup; c++) sink += env.step(pick(c)).rewards[0]!;

  const t0 = performance.now();
  for (let c = 0; c < steps; c++) sink += env.step(pick(c)).rewards[0]!;
  const seconds = (performance.now() - t0) / 1000;
  if (Number.isNaN(sink)) throw new Error('benchVectorEnv: non-finite reward');
  return { vectorEnvStepsPerSec: (n * steps) / seconds, n, steps };
}

// `npx tsx core/rl/bench.ts [n] [steps] [binomial|gaussian]` prints the result as JSON (also usable with --cpu-prof).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = process.argv[2] !== undefined ? Number(process.argv[2]) : undefined;
  const steps = process.argv[3] !== undefined ? Number(process.argv[3]) : undefined;
  const increments = process.argv[4] === 'gaussian' ? 'gaussian' : 'binomial';
  process.stdout.write(`${JSON.stringify(benchVectorEnv({ n, steps, increments }))}\n`);
}
