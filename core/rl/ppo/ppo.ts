/**
 * Proximal Policy Optimization (PPO-clip) for continuous actions, on TensorFlow.js.
 *
 * References:
 *   - J. Schulman, F. Wolski, P. Dhariwal, A. Radford, O. Klimov, "Proximal Policy Optimization
 *     Algorithms", 2017 (arXiv:1707.06347): the clipped surrogate (eq. 7) and the combined objective
 *     with a value loss and an entropy bonus (eq. 9).
 *   - J. Schulman, P. Moritz, S. Levine, M. Jordan, P. Abbeel, "High-dimensional continuous control
 *     using generalized advantage estimation", ICLR 2016: the advantages (rollout.ts).
 *   Defaults follow Stable-Baselines3's PPO (γ 0.99, λ 0.95, ε 0.2, Adam lr 3·10⁻⁴, 10 epochs,
 *   minibatch 256 here (SB3: 64), vfCoef 0.5, entCoef 0, max grad norm 0.5, per-minibatch advantage
 *   normalization, policy output layer initialized small) and the paper's MuJoCo setup (separate
 *   policy and value networks, state-independent log std).
 *
 * Policy: a diagonal Gaussian π(·|s) = N(μ(s), diag σ²) with μ an MLP [obsDim, …hidden, actionDim]
 * (ReLU hidden layers, linear output whose initial weights are scaled by 0.01, so μ ≈ 0 at first)
 * and log σ a free parameter vector (one per action dimension, state-independent, initialLogStd).
 * The value function V(s) is a separate MLP [obsDim, …hidden, 1] (ReLU; core/rl/tf/dense.ts Mlp,
 * whose customGrad layers avoid transposed matMul, ~15× slower on wasm).
 *     log π(a|s) = Σ_j [ −½ ((a_j − μ_j(s)) / σ_j)² − log σ_j − ½ log 2π ]
 *     H[π(·|s)]  = Σ_j [ log σ_j + ½ (1 + log 2π) ]             (the same for every s)
 *
 * Assumptions about the environment loop (the trainer, core/rl/train/):
 *   - `sample` returns the raw Gaussian sample a (NOT clipped) with log π_old(a|s) of that unclipped
 *     sample; the env clips the action to [−1, 1] when it maps it to quotes (VectorAsEnv with
 *     actionScale 'unit'). The buffer stores the unclipped a, so the ratio below is the ratio of
 *     densities of the sample that was actually drawn (as SB3 does; clipping happens outside π).
 *   - `act` (the Policy interface: evaluation, the policy quoter) returns actions clipped to [−1, 1]:
 *     μ(s) when deterministic, a clipped sample otherwise.
 *
 * Update (one call per rollout, after RolloutBuffer.computeGae): for each of `epochs` epochs, a
 * seeded permutation of the rollout's rows is cut into minibatches of `minibatchSize` (the last one
 * may be smaller), and for each minibatch, with Â the advantages (normalized per minibatch to mean 0,
 * unbiased std 1 when normalizeAdvantages and the minibatch has ≥ 2 rows) and R the GAE returns:
 *     ρ = exp(log π_θ(a|s) − log π_old(a|s))
 *     L^CLIP = −mean min(ρ Â, clip(ρ, 1 − ε, 1 + ε) Â)                  (eq. 7, as a loss)
 *     L^VF   = mean (V_θ(s) − R)²                                        (no value clipping)
 *     L      = L^CLIP + vfCoef · L^VF − entCoef · H                       (eq. 9, as a loss)
 * then one Adam step (one optimizer over the actor, the critic and log σ; ε_Adam = 10⁻⁵ as in SB3 and
 * OpenAI baselines) on the gradients clipped to the global L2 norm maxGradNorm (∞ disables it).
 * Where the clip applies (ρ > 1 + ε with Â > 0, or ρ < 1 − ε with Â < 0) min picks the clipped term,
 * whose gradient with respect to θ is zero (tfjs's Minimum gradient sends ties to the unclipped term).
 * Diagnostics per minibatch, at the parameters before its step: approx KL = mean((ρ − 1) − log ρ)
 * (the unbiased, non-negative "k3" estimator of KL(π_old‖π_θ), as SB3), clip fraction =
 * mean(|ρ − 1| > ε). With targetKl set, a minibatch whose approx KL exceeds 1.5·targetKl is not
 * applied and the update stops there (SB3's rule). Losses and diagnostics returned by `update` are
 * means over the minibatches evaluated (including one that triggered the stop); `minibatches` counts
 * the Adam steps taken.
 *
 * Determinism: every random number comes from core/rng, never tf.random*. The noise of the k-th
 * `sample` call is drawn from Rng(deriveSeed(seed, 1, k)), the noise of the k-th stochastic `act`
 * from Rng(deriveSeed(seed, 2, k)), the permutation of epoch e of the i-th `update` from
 * Rng(deriveSeed(seed, 4, i, e)); weights are initialized from deriveSeed(seed, 3, network). So the
 * same seed and the same data give the same actions, losses and weights bit for bit on a given
 * backend, and a snapshot (getWeights: networks, log σ, Adam moments and step count, the noise seed
 * and the counters) resumes exactly.
 *
 * Inference: `sample`, `value` and `act` run either as a tfjs forward pass or as a typed-array pass
 * (Mlp.forwardTyped on a copy of the weights refreshed lazily after each update), chosen as in SAC
 * (sac/sac.ts has the measurements): `inference: 'auto'` uses tfjs on wasm and tensorflow, the typed
 * pass on cpu. Apart from tfjs's own tensors on the tf path, they allocate only when their scratch
 * arrays must grow (a larger number of rows than before).
 *
 * Backend: call core/rl/tf/backend.ts `loadTf()` before constructing an agent.
 *
 * Ownership: the agent owns its variables and optimizer; `dispose()` frees them. `update`, `sample`,
 * `value` and `act` leave no tensors behind (ppo.test.ts checks the tensor count).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../../rng/rng';
import { checkSnapshot, type Policy } from '../agent';
import type { InferenceMode } from '../sac/sac';
import { Mlp } from '../tf/dense';
import { readOptimizer, writeOptimizer, type NamedTensor, type OptimizerState } from '../tf/optimizer-state';
import type { RolloutBuffer } from './rollout';

export type { InferenceMode } from '../sac/sac';
export type { OptimizerState } from '../tf/optimizer-state';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const STREAM_SAMPLE = 1;
const STREAM_ACT = 2;
const STREAM_INIT = 3;
const STREAM_SHUFFLE = 4;
/** Scale of the policy head's initial weights (SB3 uses an orthogonal init with gain 0.01). */
const ACTOR_OUTPUT_SCALE = 0.01;
const ADAM_EPSILON = 1e-5;

export interface PpoConfig {
  obsDim: number;
  actionDim: number;
  seed: number;
  /** Hidden layer widths of the actor and of the (separate) critic, ReLU (default [64, 64]). */
  hidden?: readonly number[];
  /** Discount γ (default 0.99; used by the trainer's computeGae). */
  gamma?: number;
  /** GAE λ (default 0.95; used by the trainer's computeGae). */
  gaeLambda?: number;
  /** Clip range ε of the probability ratio (default 0.2). */
  clipRatio?: number;
  /** Adam learning rate (default 3e-4). */
  lr?: number;
  /** Passes over each rollout (default 10). */
  epochs?: number;
  /** Rows per minibatch (default 256). */
  minibatchSize?: number;
  /** Entropy bonus coefficient (default 0). */
  entCoef?: number;
  /** Value loss coefficient (default 0.5). */
  vfCoef?: number;
  /** Global L2 norm the gradients are clipped to (default 0.5; Infinity disables clipping). */
  maxGradNorm?: number;
  /** Initial log σ of every action dimension (default −0.5). */
  initialLogStd?: number;
  /** Stop the epochs when a minibatch's approx KL exceeds 1.5·targetKl (default: never). */
  targetKl?: number;
  /** Normalize the advantages per minibatch (default true). */
  normalizeAdvantages?: boolean;
  /** Inference path for sample/value/act (see the module header; default 'auto'). */
  inference?: InferenceMode;
}

export interface ResolvedPpoConfig {
  obsDim: number;
  actionDim: number;
  seed: number;
  hidden: number[];
  gamma: number;
  gaeLambda: number;
  clipRatio: number;
  lr: number;
  epochs: number;
  minibatchSize: number;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
  initialLogStd: number;
  targetKl: number | undefined;
  normalizeAdvantages: boolean;
  inference: InferenceMode;
}

export interface PpoUpdateResult {
  /** L^CLIP, mean over the minibatches evaluated. */
  policyLoss: number;
  /** L^VF = mean (V − R)², mean over the minibatches evaluated. */
  valueLoss: number;
  /** Policy entropy H (state-independent), mean over the minibatches evaluated. */
  entropy: number;
  /** mean((ρ − 1) − log ρ) before each step, mean over the minibatches evaluated. */
  approxKl: number;
  /** Fraction of rows with |ρ − 1| > ε, mean over the minibatches evaluated. */
  clipFraction: number;
  /** Adam steps taken (minibatches applied). */
  minibatches: number;
  /** Epochs begun (one interrupted by targetKl counts). */
  epochsRun: number;
  /** Whether targetKl stopped the update early. */
  stoppedEarly: boolean;
}

export interface PpoWeights {
  version: 1;
  obsDim: number;
  actionDim: number;
  hidden: number[];
  /** Seed of the noise and shuffle streams (the agent adopts it on setWeights). */
  seed: number;
  actor: Float32Array[];
  critic: Float32Array[];
  logStd: Float32Array;
  /** Minibatch updates (Adam steps) so far. */
  updates: number;
  /** update() calls so far (keys the shuffle stream). */
  iterations: number;
  sampleCalls: number;
  actCalls: number;
  optimizer?: OptimizerState;
}

let ppoCounter = 0;

export function resolvePpoConfig(c: PpoConfig): ResolvedPpoConfig {
  const bad = (key: string, what: string, v: unknown): RangeError =>
    new RangeError(`Ppo: ${key} must be ${what} (got ${String(v)})`);
  const posInt = (key: string, v: number): number => {
    if (!(Number.isInteger(v) && v >= 1)) throw bad(key, 'an integer ≥ 1', v);
    return v;
  };
  const unit = (key: string, v: number): number => {
    if (!(v >= 0 && v <= 1)) throw bad(key, 'in [0, 1]', v);
    return v;
  };
  const nonNeg = (key: string, v: number): number => {
    if (!(Number.isFinite(v) && v >= 0)) throw bad(key, 'a finite number ≥ 0', v);
    return v;
  };
  posInt('obsDim', c.obsDim);
  posInt('actionDim', c.actionDim);
  if (!Number.isFinite(c.seed)) throw bad('seed', 'finite', c.seed);
  const hidden = [...(c.hidden ?? [64, 64])];
  if (!hidden.every((h) => Number.isInteger(h) && h >= 1))
    throw bad('hidden', 'a list of integers ≥ 1', `[${hidden.join(', ')}]`);
  const clipRatio = c.clipRatio ?? 0.2;
  if (!(clipRatio > 0 && clipRatio < 1)) throw bad('clipRatio', 'in (0, 1)', clipRatio);
  const lr = c.lr ?? 3e-4;
  if (!(Number.isFinite(lr) && lr > 0)) throw bad('lr', 'a finite number > 0', lr);
  const maxGradNorm = c.maxGradNorm ?? 0.5;
  if (!(maxGradNorm > 0)) throw bad('maxGradNorm', '> 0 (Infinity disables clipping)', maxGradNorm);
  const initialLogStd = c.initialLogStd ?? -0.5;
  if (!Number.isFinite(initialLogStd)) throw bad('initialLogStd', 'finite', initialLogStd);
  if (c.targetKl !== undefined && !(Number.isFinite(c.targetKl) && c.targetKl > 0))
    throw bad('targetKl', 'a finite number > 0', c.targetKl);
  const inference = c.inference ?? 'auto';
  if (inference !== 'auto' && inference !== 'tf' && inference !== 'typed')
    throw bad('inference', "'auto', 'tf' or 'typed'", inference);
  return {
    obsDim: c.obsDim,
    actionDim: c.actionDim,
    seed: c.seed,
    hidden,
    gamma: unit('gamma', c.gamma ?? 0.99),
    gaeLambda: unit('gaeLambda', c.gaeLambda ?? 0.95),
    clipRatio,
    lr,
    epochs: posInt('epochs', c.epochs ?? 10),
    minibatchSize: posInt('minibatchSize', c.minibatchSize ?? 256),
    entCoef: nonNeg('entCoef', c.entCoef ?? 0),
    vfCoef: nonNeg('vfCoef', c.vfCoef ?? 0.5),
    maxGradNorm,
    initialLogStd,
    targetKl: c.targetKl,
    normalizeAdvantages: c.normalizeAdvantages ?? true,
    inference,
  };
}

type T1 = tf.Tensor1D;
type T2 = tf.Tensor2D;

/**
 * log N(a; μ, diag σ²) of one row in float64: Σ_j [−½((a_j − μ_j)/σ_j)² − log σ_j − ½ log 2π], for
 * the row of `a` and `mu` starting at `offset` (logStd has one entry per action dimension).
 */
export function diagGaussianLogProb(
  a: ArrayLike<number>,
  mu: ArrayLike<number>,
  logStd: ArrayLike<number>,
  offset = 0,
): number {
  let s = 0;
  for (let j = 0; j < logStd.length; j++) {
    const ls = logStd[j]!;
    const z = (a[offset + j]! - mu[offset + j]!) * Math.exp(-ls);
    s += -0.5 * z * z - ls - HALF_LOG_2PI;
  }
  return s;
}

/** log N(a; μ, diag exp(logStd)²) per row: act, mu [B, A], logStd [A] → [B]. */
export function gaussianLogProb(act: T2, mu: T2, logStd: T1): T1 {
  const A = logStd.shape[0];
  const z = tf.mul(tf.sub(act, mu), tf.exp(tf.neg(logStd)));
  const norm = tf.add(tf.sum(logStd), A * HALF_LOG_2PI);
  return tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), norm) as T1;
}

/** Entropy Σ_j [log σ_j + ½(1 + log 2π)] of N(μ, diag exp(logStd)²), a scalar. */
export function gaussianEntropy(logStd: T1): tf.Scalar {
  return tf.add(tf.sum(logStd), logStd.shape[0] * (0.5 + HALF_LOG_2PI)) as tf.Scalar;
}

export class Ppo implements Policy {
  readonly config: ResolvedPpoConfig;
  readonly name: string;
  private readonly actor: Mlp;
  private readonly critic: Mlp;
  private readonly logStd: tf.Variable<tf.Rank.R1>;
  private readonly opt: tf.AdamOptimizer;
  /** Actor variables, critic variables, log σ: the order of the gradients and the Adam slots. */
  private readonly vars: tf.Variable[];
  private readonly rng = new Rng(0);
  private readonly useTyped: boolean;
  private typedStale = true;
  private logStdStale = true;
  private readonly logStdCache: Float32Array;
  private updates = 0;
  private iterations = 0;
  private sampleCalls = 0;
  private actCalls = 0;
  /** Seed of the noise and shuffle streams: config.seed, or the seed of the last snapshot loaded. */
  private noiseSeed: number;
  private disposed = false;
  // Inference scratch (grown on demand).
  private obsScratch = new Float32Array(0);
  private muScratch = new Float32Array(0);
  private vScratch = new Float32Array(0);
  // Update scratch (grown on demand).
  private perm = new Int32Array(0);
  private mbObs = new Float32Array(0);
  private mbAct = new Float32Array(0);
  private mbLogp = new Float32Array(0);
  private mbAdv = new Float32Array(0);
  private mbRet = new Float32Array(0);
  /** Diagnostics of the last minibatch: policy loss, value loss, entropy, approx KL, clip fraction. */
  private readonly mbStats = new Float64Array(5);

  constructor(config: PpoConfig) {
    const c = resolvePpoConfig(config);
    this.config = c;
    this.noiseSeed = c.seed;
    this.name = `ppo${ppoCounter++}`;
    const { obsDim: D, actionDim: A, hidden, seed } = c;
    const init = (k: number): number => deriveSeed(seed, STREAM_INIT, k);
    this.actor = new Mlp({
      sizes: [D, ...hidden, A],
      seed: init(0),
      name: `${this.name}/actor`,
      outputScale: ACTOR_OUTPUT_SCALE,
    });
    this.critic = new Mlp({ sizes: [D, ...hidden, 1], seed: init(1), name: `${this.name}/critic` });
    this.logStd = tf.tidy(() =>
      tf.variable(tf.fill([A], c.initialLogStd) as T1, true, `${this.name}/logStd`),
    );
    this.logStdCache = new Float32Array(A);
    this.opt = tf.train.adam(c.lr, 0.9, 0.999, ADAM_EPSILON);
    this.vars = [...this.actor.variables, ...this.critic.variables, this.logStd];
    this.useTyped = c.inference === 'typed' || (c.inference === 'auto' && tf.getBackend() === 'cpu');
  }

  get obsDim(): number {
    return this.config.obsDim;
  }

  get actionDim(): number {
    return this.config.actionDim;
  }

  /** Minibatch updates (Adam steps) so far. */
  get updateCount(): number {
    return this.updates;
  }

  /** update() calls so far. */
  get iterationCount(): number {
    return this.iterations;
  }

  /** Which inference path sample/value/act use. */
  get inferencePath(): 'tf' | 'typed' {
    return this.useTyped ? 'typed' : 'tf';
  }

  /** Current log σ per action dimension (a copy). */
  get logStdValues(): Float32Array {
    return Float32Array.from(this.currentLogStd());
  }

  /**
   * Policy interface: actions for `rows = obs.length / obsDim` observations into `out`
   * (rows × actionDim), clipped to [−1, 1]: μ(s) when deterministic, else a sample of N(μ(s), σ²).
   */
  act(obs: Float32Array | Float64Array, deterministic: boolean, out: Float32Array | Float64Array): void {
    this.assertLive();
    const A = this.config.actionDim;
    const rows = this.rowsOf(obs, 'act');
    if (out.length < rows * A)
      throw new RangeError(`Ppo.act: out has ${out.length} entries, need ${rows * A}`);
    const mu = this.growMu(rows);
    this.forward(this.actor, obs, rows, mu);
    if (deterministic) {
      for (let i = 0; i < rows * A; i++) out[i] = clampUnit(mu[i]!);
      return;
    }
    const ls = this.currentLogStd();
    const rng = this.rng;
    rng.reseed(deriveSeed(this.noiseSeed, STREAM_ACT, this.actCalls++));
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < A; j++) {
        const i = r * A + j;
        out[i] = clampUnit(mu[i]! + Math.exp(ls[j]!) * rng.normal());
      }
  }

  /**
   * Rollout step: raw samples a ~ N(μ(s), σ²) (not clipped) into outAction (rows × actionDim), their
   * log π(a|s) into outLogProb and V(s) into outValue (rows each), rows = obs.length / obsDim.
   */
  sample(obs: Float32Array, outAction: Float32Array, outLogProb: Float32Array, outValue: Float32Array): void {
    this.assertLive();
    const A = this.config.actionDim;
    const rows = this.rowsOf(obs, 'sample');
    if (outAction.length < rows * A || outLogProb.length < rows || outValue.length < rows)
      throw new RangeError(
        `Ppo.sample: outputs have ${outAction.length}/${outLogProb.length}/${outValue.length} entries, ` +
          `need ${rows * A}/${rows}/${rows}`,
      );
    const mu = this.growMu(rows);
    const v = this.growV(rows);
    if (this.useTyped) {
      this.syncTyped();
      this.actor.forwardTyped(obs, mu, rows);
      this.critic.forwardTyped(obs, v, rows);
    } else {
      const [muT, vT] = tf.tidy(() => {
        const x = tf.tensor2d(obs.subarray(0, rows * this.config.obsDim), [rows, this.config.obsDim]);
        return [this.inferTf(this.actor, x), this.inferTf(this.critic, x)];
      });
      mu.set(muT.dataSync() as Float32Array);
      v.set(vT.dataSync() as Float32Array);
      muT.dispose();
      vT.dispose();
    }
    const ls = this.currentLogStd();
    const rng = this.rng;
    rng.reseed(deriveSeed(this.noiseSeed, STREAM_SAMPLE, this.sampleCalls++));
    for (let r = 0; r < rows; r++) {
      let logp = 0;
      for (let j = 0; j < A; j++) {
        const i = r * A + j;
        const l = ls[j]!;
        // Store the float32 sample and take log π of exactly that value (update recomputes it).
        const a = Math.fround(mu[i]! + Math.exp(l) * rng.normal());
        outAction[i] = a;
        const z = (a - mu[i]!) * Math.exp(-l);
        logp += -0.5 * z * z - l - HALF_LOG_2PI;
      }
      outLogProb[r] = logp;
      outValue[r] = v[r]!;
    }
  }

  /** V(s) for rows = obs.length / obsDim observations into `out`. */
  value(obs: Float32Array, out: Float32Array): void {
    this.assertLive();
    const rows = this.rowsOf(obs, 'value');
    if (out.length < rows) throw new RangeError(`Ppo.value: out has ${out.length} entries, need ${rows}`);
    this.forward(this.critic, obs, rows, out);
  }

  /** PPO-clip epochs over a rollout whose advantages were computed (see the module header). */
  update(buf: RolloutBuffer): PpoUpdateResult {
    const steps = this.updateSteps(buf);
    for (;;) {
      const r = steps.next();
      if (r.done === true) return r.value;
    }
  }

  /**
   * `update` one minibatch at a time: the generator yields after every minibatch step and returns the
   * result at the end, so a caller can give the event loop a turn (and see a cancellation) between
   * minibatches. Abandoning it part-way leaves the networks and Adam partly updated (and the update
   * and iteration counters as they were): restore a getWeights snapshot taken before (setWeights).
   * Driven to the end, it is exactly `update`.
   */
  *updateSteps(buf: RolloutBuffer): Generator<void, PpoUpdateResult, void> {
    this.assertLive();
    const c = this.config;
    const { obsDim: D, actionDim: A } = c;
    if (buf.obsDim !== D || buf.actionDim !== A)
      throw new RangeError(
        `Ppo.update: buffer is obs ${buf.obsDim}, action ${buf.actionDim}; agent is obs ${D}, action ${A}`,
      );
    if (buf.size === 0) throw new RangeError('Ppo.update: the buffer is empty');
    if (!buf.hasAdvantages) throw new Error('Ppo.update: call buf.computeGae() before update()');
    const N = buf.size;
    const M = Math.min(c.minibatchSize, N);
    this.growUpdateScratch(N, M);
    const obs = buf.obs;
    const act = buf.actions;
    const logp = buf.logProbs;
    const adv = buf.advantages;
    const ret = buf.returns;
    const perm = this.perm;
    const rng = this.rng;
    const sums = new Float64Array(5);
    let evaluated = 0;
    let steps = 0;
    let epochsRun = 0;
    let stoppedEarly = false;
    for (let epoch = 0; epoch < c.epochs && !stoppedEarly; epoch++) {
      epochsRun++;
      rng.reseed(deriveSeed(this.noiseSeed, STREAM_SHUFFLE, this.iterations, epoch));
      for (let i = 0; i < N; i++) perm[i] = i;
      for (let i = N - 1; i > 0; i--) {
        const k = rng.int(i + 1);
        const t = perm[i]!;
        perm[i] = perm[k]!;
        perm[k] = t;
      }
      for (let start = 0; start < N; start += M) {
        const B = Math.min(M, N - start);
        let mean = 0;
        for (let b = 0; b < B; b++) {
          const row = perm[start + b]!;
          this.mbObs.set(obs.subarray(row * D, row * D + D), b * D);
          this.mbAct.set(act.subarray(row * A, row * A + A), b * A);
          this.mbLogp[b] = logp[row]!;
          this.mbRet[b] = ret[row]!;
          const a = adv[row]!;
          this.mbAdv[b] = a;
          mean += a;
        }
        if (c.normalizeAdvantages && B > 1) {
          mean /= B;
          let ss = 0;
          for (let b = 0; b < B; b++) ss += (this.mbAdv[b]! - mean) ** 2;
          const inv = 1 / (Math.sqrt(ss / (B - 1)) + 1e-8);
          for (let b = 0; b < B; b++) this.mbAdv[b] = (this.mbAdv[b]! - mean) * inv;
        }
        const applied = this.minibatchStep(B);
        this.typedStale = true;
        this.logStdStale = true;
        evaluated++;
        for (let k = 0; k < 5; k++) sums[k] = sums[k]! + this.mbStats[k]!;
        if (!applied) {
          stoppedEarly = true;
          break;
        }
        steps++;
        yield;
      }
    }
    this.updates += steps;
    this.iterations++;
    this.typedStale = true;
    this.logStdStale = true;
    return {
      policyLoss: sums[0]! / evaluated,
      valueLoss: sums[1]! / evaluated,
      entropy: sums[2]! / evaluated,
      approxKl: sums[3]! / evaluated,
      clipFraction: sums[4]! / evaluated,
      minibatches: steps,
      epochsRun,
      stoppedEarly,
    };
  }

  /** Snapshot of all learnable state (actor, critic, log σ, Adam moments, counters). */
  async getWeights(opts: { optimizer?: boolean } = {}): Promise<PpoWeights> {
    this.assertLive();
    const c = this.config;
    const w: PpoWeights = {
      version: 1,
      obsDim: c.obsDim,
      actionDim: c.actionDim,
      hidden: [...c.hidden],
      seed: this.noiseSeed,
      actor: this.actor.toTypedArrays(),
      critic: this.critic.toTypedArrays(),
      logStd: Float32Array.from(this.logStd.dataSync() as Float32Array),
      updates: this.updates,
      iterations: this.iterations,
      sampleCalls: this.sampleCalls,
      actCalls: this.actCalls,
    };
    if (opts.optimizer ?? true) w.optimizer = await readOptimizer(this.opt, this.name);
    return w;
  }

  /** Load a snapshot from getWeights (same obsDim, actionDim and hidden sizes). */
  async setWeights(w: PpoWeights): Promise<void> {
    this.assertLive();
    const c = this.config;
    checkSnapshot('Ppo.setWeights', w, c, {
      updates: w.updates,
      iterations: w.iterations,
      sampleCalls: w.sampleCalls,
      actCalls: w.actCalls,
    });
    if (w.logStd.length !== c.actionDim || !w.logStd.every((v) => Number.isFinite(v)))
      throw new RangeError(`Ppo.setWeights: logStd must hold ${c.actionDim} finite values`);
    this.actor.fromTypedArrays(w.actor);
    this.critic.fromTypedArrays(w.critic);
    tf.tidy(() => this.logStd.assign(tf.tensor1d(w.logStd.slice())));
    if (w.optimizer) await writeOptimizer(this.opt, w.optimizer, this.vars, 'Ppo.setWeights:');
    this.updates = w.updates;
    this.iterations = w.iterations;
    this.sampleCalls = w.sampleCalls;
    this.actCalls = w.actCalls;
    this.noiseSeed = w.seed;
    this.typedStale = true;
    this.logStdStale = true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.actor.dispose();
    this.critic.dispose();
    this.logStd.dispose();
    this.opt.dispose();
  }

  /**
   * Loss, gradients and (unless targetKl stops it) one Adam step on the minibatch in the mb* scratch
   * (B rows). Leaves the diagnostics in mbStats; returns whether the step was applied.
   */
  private minibatchStep(B: number): boolean {
    const c = this.config;
    const { obsDim: D, actionDim: A, clipRatio: eps } = c;
    let aux: tf.Tensor1D | undefined;
    let applied = false;
    try {
      tf.tidy(() => {
        const obs = tf.tensor2d(this.mbObs.subarray(0, B * D), [B, D]);
        const act = tf.tensor2d(this.mbAct.subarray(0, B * A), [B, A]);
        const oldLogp = tf.tensor1d(this.mbLogp.subarray(0, B));
        const adv = tf.tensor1d(this.mbAdv.subarray(0, B));
        const ret = tf.tensor1d(this.mbRet.subarray(0, B));
        const { grads } = tf.variableGrads(() => {
          const mu = this.actor.apply(obs, { inputGrad: false });
          const logRatio = tf.sub(gaussianLogProb(act, mu, this.logStd), oldLogp);
          const ratio = tf.exp(logRatio);
          const surrogate = tf.minimum(
            tf.mul(ratio, adv),
            tf.mul(tf.clipByValue(ratio, 1 - eps, 1 + eps), adv),
          );
          const policyLoss = tf.neg(tf.mean(surrogate));
          const v = tf.reshape(this.critic.apply(obs, { inputGrad: false }), [B]);
          const valueLoss = tf.mean(tf.squaredDifference(v, ret));
          const entropy = gaussianEntropy(this.logStd);
          // Diagnostics from the same forward pass (they do not enter the loss).
          const kl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
          const clipped = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), eps), 'float32'));
          aux = tf.keep(tf.stack([policyLoss, valueLoss, entropy, kl, clipped]) as tf.Tensor1D);
          let loss = tf.add(policyLoss, tf.mul(c.vfCoef, valueLoss));
          if (c.entCoef !== 0) loss = tf.sub(loss, tf.mul(c.entCoef, entropy));
          return loss as tf.Scalar;
        }, this.vars);
        const s = aux!.dataSync();
        for (let k = 0; k < 5; k++) this.mbStats[k] = s[k]!;
        if (c.targetKl !== undefined && s[3]! > 1.5 * c.targetKl) return;
        this.opt.applyGradients(this.clipGradients(grads));
        applied = true;
      });
    } finally {
      aux?.dispose();
    }
    return applied;
  }

  /** The gradients in variable order, clipped to the global norm maxGradNorm (when finite). */
  private clipGradients(grads: tf.NamedTensorMap): NamedTensor[] {
    const list = this.vars.map((v) => {
      const g = grads[v.name];
      if (g === undefined) throw new Error(`Ppo: no gradient for ${v.name}`);
      return { name: v.name, tensor: g };
    });
    const max = this.config.maxGradNorm;
    if (!Number.isFinite(max)) return list;
    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g.tensor)))));
    const scale = tf.minimum(1, tf.div(max, tf.add(norm, 1e-6)));
    return list.map((g) => ({ name: g.name, tensor: tf.mul(g.tensor, scale) }));
  }

  /** Forward pass of `net` on rows observations into `out` (tf or typed path). */
  private forward(
    net: Mlp,
    obs: Float32Array | Float64Array,
    rows: number,
    out: Float32Array | Float64Array,
  ): void {
    const D = this.config.obsDim;
    if (this.useTyped) {
      this.syncTyped();
      net.forwardTyped(obs, out, rows);
      return;
    }
    let x: Float32Array;
    if (obs instanceof Float32Array) x = obs.subarray(0, rows * D);
    else {
      if (this.obsScratch.length < rows * D) this.obsScratch = new Float32Array(rows * D);
      x = this.obsScratch.subarray(0, rows * D);
      x.set(obs.subarray(0, rows * D));
    }
    const y = tf.tidy(() => this.inferTf(net, tf.tensor2d(x, [rows, D])));
    out.set(y.dataSync() as Float32Array);
    y.dispose();
  }

  /** Plain forward pass (no gradient bookkeeping). */
  private inferTf(net: Mlp, x: T2): T2 {
    return net.apply(x, { frozen: true, inputGrad: false });
  }

  private syncTyped(): void {
    if (!this.typedStale) return;
    this.actor.syncTyped();
    this.critic.syncTyped();
    this.typedStale = false;
  }

  private currentLogStd(): Float32Array {
    if (this.logStdStale) {
      this.logStdCache.set(this.logStd.dataSync() as Float32Array);
      this.logStdStale = false;
    }
    return this.logStdCache;
  }

  private rowsOf(obs: Float32Array | Float64Array, what: string): number {
    const D = this.config.obsDim;
    const rows = Math.floor(obs.length / D);
    if (rows < 1 || rows * D !== obs.length)
      throw new RangeError(`Ppo.${what}: obs length ${obs.length} is not a positive multiple of obsDim ${D}`);
    return rows;
  }

  private growMu(rows: number): Float32Array {
    const n = rows * this.config.actionDim;
    if (this.muScratch.length < n) this.muScratch = new Float32Array(n);
    return this.muScratch;
  }

  private growV(rows: number): Float32Array {
    if (this.vScratch.length < rows) this.vScratch = new Float32Array(rows);
    return this.vScratch;
  }

  private growUpdateScratch(N: number, M: number): void {
    const { obsDim: D, actionDim: A } = this.config;
    if (this.perm.length < N) this.perm = new Int32Array(N);
    if (this.mbLogp.length < M) {
      this.mbObs = new Float32Array(M * D);
      this.mbAct = new Float32Array(M * A);
      this.mbLogp = new Float32Array(M);
      this.mbAdv = new Float32Array(M);
      this.mbRet = new Float32Array(M);
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`Ppo ${this.name} was disposed`);
  }
}

function clampUnit(x: number): number {
  return x < -1 ? -1 : x > 1 ? 1 : x;
}
