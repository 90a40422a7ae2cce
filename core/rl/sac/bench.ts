/**
 * Benchmarks of the SAC agent, each reported with the tfjs backend that ran it (core/rl/tf/backend.ts).
 *
 * sacUpdatesPerSec — full SAC updates per second (Sac.update: target, both critics with their Adam
 * step, actor with its Adam step, α step, Polyak), with 256×256 ReLU MLPs, batch 256, observation
 * dim 16 and action dim 2 (the defaults), batches sampled from a replay buffer pre-filled with seeded
 * random transitions. Sampling is inside the timed loop (it is part of training; ~0.1 ms). A few
 * updates warm up first (Adam creates its moments on the first step; XNNPACK and V8 warm up), then
 * at least 20 updates are timed with performance.now(). Reference point: PyTorch 1.13 on one CPU
 * thread does 67–89 such updates per second.
 *
 * rolloutStepsPerSec — env-steps per second of VectorAsEnv (N = 64, the AS 2008 experiment with
 * actionScale 'unit') driven by the SAC policy: per step, `sac.act` on the N observations (stochastic)
 * then `env.step`. Both inference paths are timed (tfjs forward pass and the typed-array forward
 * pass, Mlp.forwardTyped) and reported; `rolloutStepsPerSec` is the one Sac uses by default
 * (`inference: 'auto'`) on this backend.
 *
 * A benchmark, not a test: run it from the CLI (`npx tsx core/rl/sac/bench.ts [sac|rollout|all]`),
 * never assert on its speed. Time comes from performance.now(); results vary by a few percent from
 * run to run on a shared machine.
 */
import { pathToFileURL } from 'node:url';
import { Rng } from '../../rng/rng';
import { as2008Scenario } from '../../sim/intensity-sim';
import { allocateBatch, ReplayBuffer } from '../replay-buffer';
import { loadTf, type TfPreference } from '../tf/backend';
import { VectorAsEnv } from '../vector-env';
import { Sac, type InferenceMode } from './sac';

export interface SacBenchOptions {
  /** Timed updates (default 30, at least 20 unless `allowShort`). */
  updates?: number;
  /** Untimed warm-up updates (default 5). */
  warmup?: number;
  batchSize?: number;
  hidden?: readonly number[];
  obsDim?: number;
  actionDim?: number;
  seed?: number;
  /** Backend preference passed to loadTf (default: its own default / QUOTEBENCH_TF_BACKEND). */
  prefer?: TfPreference;
  /** Permit fewer than 20 timed updates (smoke tests). */
  allowShort?: boolean;
}

export interface SacBenchResult {
  sacUpdatesPerSec: number;
  backend: string;
  updates: number;
  msPerUpdate: number;
}

export async function benchSac(opts: SacBenchOptions = {}): Promise<SacBenchResult> {
  const updates = opts.updates ?? 30;
  const warmup = opts.warmup ?? 5;
  if (!(Number.isInteger(updates) && updates >= (opts.allowShort === true ? 1 : 20)))
    throw new RangeError(`benchSac: updates must be an integer ≥ 20 (got ${updates})`);
  if (!(Number.isInteger(warmup) && warmup >= 0))
    throw new RangeError(`benchSac: warmup must be an integer ≥ 0 (got ${warmup})`);
  const { backend } = await loadTf(opts.prefer ? { prefer: opts.prefer, quiet: true } : { quiet: true });
  const D = opts.obsDim ?? 16;
  const A = opts.actionDim ?? 2;
  const B = opts.batchSize ?? 256;
  const seed = opts.seed ?? 1;
  const capacity = Math.max(4 * B, 10_000);
  const buffer = new ReplayBuffer({ capacity, obsDim: D, actionDim: A, seed });
  const rng = new Rng(seed + 1);
  const o = new Float32Array(D);
  const o2 = new Float32Array(D);
  const a = new Float32Array(A);
  for (let i = 0; i < capacity; i++) {
    for (let j = 0; j < D; j++) {
      o[j] = rng.normal();
      o2[j] = rng.normal();
    }
    for (let j = 0; j < A; j++) a[j] = 2 * rng.next() - 1;
    buffer.add(o, a, rng.normal(), o2, rng.next() < 0.005);
  }
  const batch = allocateBatch(B, D, A);
  const sac = new Sac({ obsDim: D, actionDim: A, seed, hidden: opts.hidden ?? [256, 256] });
  try {
    let sink = 0;
    for (let i = 0; i < warmup; i++) {
      buffer.sample(batch);
      sink += sac.update(batch).criticLoss;
    }
    const t0 = performance.now();
    for (let i = 0; i < updates; i++) {
      buffer.sample(batch);
      sink += sac.update(batch).criticLoss;
    }
    const ms = performance.now() - t0;
    if (!Number.isFinite(sink)) throw new Error('benchSac: non-finite loss');
    return { sacUpdatesPerSec: (1000 * updates) / ms, backend, updates, msPerUpdate: ms / updates };
  } finally {
    sac.dispose();
  }
}

export interface RolloutBenchOptions {
  /** Parallel envs (default 64). */
  n?: number;
  /** Timed env.step calls per inference path (default 400). */
  steps?: number;
  hidden?: readonly number[];
  seed?: number;
  prefer?: TfPreference;
}

export interface RolloutBenchResult {
  /** Env-steps per second with Sac's default inference path on this backend. */
  rolloutStepsPerSec: number;
  backend: string;
  /** The default path ('tf' or 'typed') and both measurements. */
  inference: 'tf' | 'typed';
  tfStepsPerSec: number;
  typedStepsPerSec: number;
  n: number;
  steps: number;
}

export async function benchRollout(opts: RolloutBenchOptions = {}): Promise<RolloutBenchResult> {
  const n = opts.n ?? 64;
  const steps = opts.steps ?? 400;
  if (!(Number.isInteger(n) && n >= 1))
    throw new RangeError(`benchRollout: n must be an integer ≥ 1 (got ${n})`);
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new RangeError(`benchRollout: steps must be an integer ≥ 1 (got ${steps})`);
  const { backend } = await loadTf(opts.prefer ? { prefer: opts.prefer, quiet: true } : { quiet: true });
  const seed = opts.seed ?? 1;
  const run = (inference: InferenceMode): { stepsPerSec: number; path: 'tf' | 'typed' } => {
    const env = new VectorAsEnv({
      scenario: as2008Scenario(),
      n,
      orderSizeLots: 1,
      maxOffset: 3,
      actionScale: 'unit',
      inventoryScale: 10,
      reward: { inventory: 0.01, turnover: 0.001, terminalInventory: 0.1 },
    });
    const sac = new Sac({
      obsDim: env.obsDim,
      actionDim: 2,
      seed,
      hidden: opts.hidden ?? [256, 256],
      inference,
    });
    try {
      const actions = new Float64Array(2 * n);
      let obs = env.reset(seed);
      let sink = 0;
      const warm = Math.min(50, steps);
      for (let s = 0; s < warm; s++) {
        sac.act(obs, false, actions);
        obs = env.step(actions).observations;
      }
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) {
        sac.act(obs, false, actions);
        const r = env.step(actions);
        obs = r.observations;
        sink += r.rewards[0]!;
      }
      const seconds = (performance.now() - t0) / 1000;
      if (Number.isNaN(sink)) throw new Error('benchRollout: non-finite reward');
      return { stepsPerSec: (n * steps) / seconds, path: sac.inferencePath };
    } finally {
      sac.dispose();
    }
  };
  const tf = run('tf');
  const typed = run('typed');
  const auto = new Sac({ obsDim: 2, actionDim: 2, seed, hidden: [1] });
  const path = auto.inferencePath;
  auto.dispose();
  return {
    rolloutStepsPerSec: path === 'tf' ? tf.stepsPerSec : typed.stepsPerSec,
    backend,
    inference: path,
    tfStepsPerSec: tf.stepsPerSec,
    typedStepsPerSec: typed.stepsPerSec,
    n,
    steps,
  };
}

// `npx tsx core/rl/sac/bench.ts [sac|rollout|all]` prints the results as JSON (also usable with --cpu-prof).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const which = process.argv[2] ?? 'all';
  const out: Record<string, unknown> = {};
  if (which === 'sac' || which === 'all') out.sac = await benchSac();
  if (which === 'rollout' || which === 'all') out.rollout = await benchRollout();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
