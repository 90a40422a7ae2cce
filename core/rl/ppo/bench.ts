/**
 * Benchmark of the PPO update, reported with the tfjs backend that ran it (core/rl/tf/backend.ts).
 *
 * ppoIterationSeconds — seconds for one PPO iteration's learning phase: Ppo.update over a rollout of
 * 2048 rows (nSteps 256 × nEnvs 8), 10 epochs of minibatches of 256 (80 Adam steps), 256×256 ReLU
 * MLPs for the actor and the critic, observation dim 24, action dim 2. The rollout is filled once
 * from seeded random data (random observations, actions, log-probs and values from Ppo.sample,
 * random rewards, a done with probability 1 %, GAE computed) and reused for every iteration; rollout
 * collection itself is not timed (sac/bench.ts benchRollout measures inference). One untimed
 * warm-up iteration (Adam creates its moments; XNNPACK and V8 warm up), then `iterations` timed ones
 * (fewer when the `seconds` budget runs out, at least one); the median is reported.
 *
 * A benchmark, not a test: run it from the CLI (`npx tsx core/rl/ppo/bench.ts` or
 * `quotebench bench --only ppo`), never assert on its speed.
 */
import { pathToFileURL } from 'node:url';
import { Rng } from '../../rng/rng';
import { loadTf, type TfPreference } from '../tf/backend';
import { Ppo } from './ppo';
import { RolloutBuffer } from './rollout';

export interface PpoBenchOptions {
  /** Time budget for the timed iterations (default 60 s; at least one iteration runs). */
  seconds?: number;
  /** Timed iterations (default 5). */
  iterations?: number;
  nSteps?: number;
  nEnvs?: number;
  epochs?: number;
  minibatchSize?: number;
  hidden?: readonly number[];
  obsDim?: number;
  actionDim?: number;
  seed?: number;
  /** Backend preference passed to loadTf (default: its own default / QUOTEBENCH_TF_BACKEND). */
  prefer?: TfPreference;
}

export interface PpoBenchResult {
  /** Median seconds per Ppo.update over the timed iterations. */
  ppoIterationSeconds: number;
  backend: string;
  /** Timed iterations actually run and each one's seconds. */
  iterations: number;
  samples: number[];
  /** Rows per rollout and Adam steps per iteration. */
  rows: number;
  minibatchesPerIteration: number;
  /** Mean milliseconds per minibatch step (median iteration / minibatches). */
  msPerMinibatch: number;
}

export async function benchPpo(opts: PpoBenchOptions = {}): Promise<PpoBenchResult> {
  const seconds = opts.seconds ?? 60;
  const iterations = opts.iterations ?? 5;
  if (!(seconds > 0)) throw new RangeError(`benchPpo: seconds must be > 0 (got ${seconds})`);
  if (!(Number.isInteger(iterations) && iterations >= 1))
    throw new RangeError(`benchPpo: iterations must be an integer ≥ 1 (got ${iterations})`);
  const { backend } = await loadTf(opts.prefer ? { prefer: opts.prefer, quiet: true } : { quiet: true });
  const D = opts.obsDim ?? 24;
  const A = opts.actionDim ?? 2;
  const nSteps = opts.nSteps ?? 256;
  const nEnvs = opts.nEnvs ?? 8;
  const seed = opts.seed ?? 1;
  const ppo = new Ppo({
    obsDim: D,
    actionDim: A,
    seed,
    hidden: opts.hidden ?? [256, 256],
    epochs: opts.epochs ?? 10,
    minibatchSize: opts.minibatchSize ?? 256,
  });
  try {
    const buf = new RolloutBuffer({ nSteps, nEnvs, obsDim: D, actionDim: A });
    const rng = new Rng(seed + 1);
    const obs = new Float32Array(nEnvs * D);
    const act = new Float32Array(nEnvs * A);
    const logp = new Float32Array(nEnvs);
    const val = new Float32Array(nEnvs);
    const rew = new Float32Array(nEnvs);
    const done = new Float32Array(nEnvs);
    for (let t = 0; t < nSteps; t++) {
      for (let i = 0; i < obs.length; i++) obs[i] = rng.normal();
      ppo.sample(obs, act, logp, val);
      for (let e = 0; e < nEnvs; e++) {
        rew[e] = rng.normal();
        done[e] = rng.next() < 0.01 ? 1 : 0;
      }
      buf.add(obs, act, logp, val, rew, done);
    }
    for (let i = 0; i < obs.length; i++) obs[i] = rng.normal();
    ppo.value(obs, val);
    buf.computeGae(val, ppo.config.gamma, ppo.config.gaeLambda);

    let sink = ppo.update(buf).valueLoss; // warm-up
    const samples: number[] = [];
    let minibatches = 0;
    const start = performance.now();
    while (
      samples.length < iterations &&
      (samples.length === 0 || performance.now() - start < 1000 * seconds)
    ) {
      const t0 = performance.now();
      const r = ppo.update(buf);
      samples.push((performance.now() - t0) / 1000);
      sink += r.valueLoss;
      minibatches = r.minibatches;
    }
    if (!Number.isFinite(sink)) throw new Error('benchPpo: non-finite loss');
    const sorted = [...samples].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
    return {
      ppoIterationSeconds: median,
      backend,
      iterations: samples.length,
      samples,
      rows: buf.size,
      minibatchesPerIteration: minibatches,
      msPerMinibatch: (1000 * median) / minibatches,
    };
  } finally {
    ppo.dispose();
  }
}

// `npx tsx core/rl/ppo/bench.ts` prints the result as JSON (also usable with --cpu-prof).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await benchPpo())}\n`);
}
