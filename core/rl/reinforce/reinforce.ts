/**
 * REINFORCE with a learned state-value baseline, for continuous actions, on TensorFlow.js.
 *
 * References:
 *   - R. J. Williams, "Simple statistical gradient-following algorithms for connectionist
 *     reinforcement learning", Machine Learning 8, 1992: the likelihood-ratio policy gradient and the
 *     reinforcement baseline (any b(s) that does not depend on the action keeps it unbiased).
 *   - R. S. Sutton, A. G. Barto, "Reinforcement Learning: An Introduction", 2nd ed., 2018, §13.3–13.4
 *     (REINFORCE with baseline): the baseline as a learned state-value function ŵ.
 *
 * The estimator. For a batch of complete episodes with rows t = (s_t, a_t, r_t), the discounted
 * return-to-go G_t = Σ_{k≥t} γ^{k−t} r_k (within its own episode, returnsToGo below) and the baseline
 * b(s_t) = V_w(s_t) evaluated before the update,
 *     ∇J(θ) ≈ Σ_t ∇_θ log π_θ(a_t|s_t) (G_t − b(s_t)).
 * `update` takes one Adam step on the policy loss
 *     L_π = −(1/B) Σ_t log π_θ(a_t|s_t) Â_t − entCoef · H[π],     Â_t = G_t − b(s_t)
 * (B rows in the batch: the estimator divided by B, a constant scale that the learning rate absorbs;
 * with `normalizeAdvantages` the Â_t are standardized over the batch to mean 0 and unbiased std 1, the
 * usual reward-to-go normalization, which keeps the step size independent of the reward scale), then
 * `baselineSteps` Adam steps on the least-squares fit of the baseline to the returns,
 *     L_b = (1/B) Σ_t (V_w(s_t) − G_t)².
 * The policy and the baseline have separate networks, optimizers and learning rates; the baseline's
 * fit never changes the Â_t of the update it follows (they are computed first).
 *
 * Policy: the diagonal Gaussian of PPO (core/rl/ppo/ppo.ts: μ(s) an MLP with a small output layer,
 * state-independent log σ; the same log-density and entropy functions, imported from there), actions
 * sampled raw (not clipped, the env clips them), `act` returning μ(s) or a clipped sample.
 *     log π(a|s) = Σ_j [ −½ ((a_j − μ_j(s)) / σ_j)² − log σ_j − ½ log 2π ]
 *
 * Determinism: every random number comes from core/rng. `sample(obs, …, key)` draws its noise from
 * Rng(deriveSeed(seed, 1, …key)) — the caller names the draw (the trainer: update index and step
 * within the batch), so a batch that is abandoned and collected again draws the same noise; stochastic
 * `act` calls use Rng(deriveSeed(seed, 2, k)) for the k-th call; weights are initialized from
 * deriveSeed(seed, 3, network). Inference (sample, baseline, act) is the typed-array forward pass of
 * core/rl/tf/dense.ts Mlp (refreshed after each update), the same on every backend. A snapshot
 * (getWeights: networks, log σ, both Adam states, counters) resumes exactly.
 *
 * Backend: call core/rl/tf/backend.ts `loadTf()` before constructing an agent. `dispose()` frees the
 * variables and optimizers; `update` leaves no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../../rng/rng';
import { checkSnapshot, type Policy } from '../agent';
import { gaussianEntropy, gaussianLogProb } from '../ppo/ppo';
import { Mlp } from '../tf/dense';
import { readOptimizer, writeOptimizer, type NamedTensor, type OptimizerState } from '../tf/optimizer-state';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const STREAM_SAMPLE = 1;
const STREAM_ACT = 2;
const STREAM_INIT = 3;
/** Scale of the policy head's initial weights (μ ≈ 0 at first, as PPO). */
const ACTOR_OUTPUT_SCALE = 0.01;
const ADAM_EPSILON = 1e-5;

export interface ReinforceConfig {
  obsDim: number;
  actionDim: number;
  seed: number;
  /** Hidden widths of the policy network μ(s), ReLU (default [64, 64]; [] is a linear policy). */
  hidden?: readonly number[];
  /** Hidden widths of the baseline network V(s) (default: as `hidden`). */
  baselineHidden?: readonly number[];
  /** Discount γ of the returns-to-go (default 0.99; used by the trainer's returnsToGo). */
  discount?: number;
  /** Adam learning rate of the policy and log σ (default 1e-3). */
  policyLr?: number;
  /** Adam learning rate of the baseline (default 1e-3). */
  baselineLr?: number;
  /** Least-squares steps of the baseline per update (default 5). */
  baselineSteps?: number;
  /** Entropy bonus coefficient (default 0). */
  entCoef?: number;
  /** Standardize Â over the batch (default true). */
  normalizeAdvantages?: boolean;
  /** Global L2 norm the policy gradient is clipped to (default Infinity: no clipping). */
  maxGradNorm?: number;
  /** Initial log σ of every action dimension (default −0.5). */
  initialLogStd?: number;
}

export type ResolvedReinforceConfig = Required<Omit<ReinforceConfig, 'hidden' | 'baselineHidden'>> & {
  hidden: number[];
  baselineHidden: number[];
};

/** One batch of complete episodes, row-major: obs B×obsDim, actions B×actionDim (raw samples), returns B. */
export interface ReinforceBatch {
  obs: Float32Array;
  actions: Float32Array;
  /** Discounted returns-to-go G_t (returnsToGo). */
  returns: Float32Array;
}

export interface ReinforceUpdateResult {
  /** L_π before the step (without the entropy term). */
  policyLoss: number;
  /** L_b before the first baseline step. */
  baselineLoss: number;
  /** H[π] before the step. */
  entropy: number;
  /** Mean of G_t − b(s_t) before normalization. */
  meanAdvantage: number;
}

export interface ReinforceWeights {
  version: 1;
  obsDim: number;
  actionDim: number;
  hidden: number[];
  baselineHidden: number[];
  seed: number;
  actor: Float32Array[];
  baseline: Float32Array[];
  logStd: Float32Array;
  /** update() calls so far. */
  updates: number;
  actCalls: number;
  policyOptimizer?: OptimizerState;
  baselineOptimizer?: OptimizerState;
}

let counter = 0;

export function resolveReinforceConfig(c: ReinforceConfig): ResolvedReinforceConfig {
  const bad = (key: string, what: string, v: unknown): RangeError =>
    new RangeError(`Reinforce: ${key} must be ${what} (got ${String(v)})`);
  const posInt = (key: string, v: number): number => {
    if (!(Number.isInteger(v) && v >= 1)) throw bad(key, 'an integer ≥ 1', v);
    return v;
  };
  const pos = (key: string, v: number): number => {
    if (!(Number.isFinite(v) && v > 0)) throw bad(key, 'a finite number > 0', v);
    return v;
  };
  const widths = (key: string, h: readonly number[]): number[] => {
    if (!h.every((x) => Number.isInteger(x) && x >= 1))
      throw bad(key, 'a list of integers ≥ 1', `[${h.join(', ')}]`);
    return [...h];
  };
  posInt('obsDim', c.obsDim);
  posInt('actionDim', c.actionDim);
  if (!Number.isFinite(c.seed)) throw bad('seed', 'finite', c.seed);
  const hidden = widths('hidden', c.hidden ?? [64, 64]);
  const discount = c.discount ?? 0.99;
  if (!(discount >= 0 && discount <= 1)) throw bad('discount', 'in [0, 1]', discount);
  const entCoef = c.entCoef ?? 0;
  if (!(Number.isFinite(entCoef) && entCoef >= 0)) throw bad('entCoef', 'a finite number ≥ 0', entCoef);
  const maxGradNorm = c.maxGradNorm ?? Number.POSITIVE_INFINITY;
  if (!(maxGradNorm > 0)) throw bad('maxGradNorm', '> 0 (Infinity disables clipping)', maxGradNorm);
  const initialLogStd = c.initialLogStd ?? -0.5;
  if (!Number.isFinite(initialLogStd)) throw bad('initialLogStd', 'finite', initialLogStd);
  return {
    obsDim: c.obsDim,
    actionDim: c.actionDim,
    seed: c.seed,
    hidden,
    baselineHidden: widths('baselineHidden', c.baselineHidden ?? hidden),
    discount,
    policyLr: pos('policyLr', c.policyLr ?? 1e-3),
    baselineLr: pos('baselineLr', c.baselineLr ?? 1e-3),
    baselineSteps: posInt('baselineSteps', c.baselineSteps ?? 5),
    entCoef,
    normalizeAdvantages: c.normalizeAdvantages ?? true,
    maxGradNorm,
    initialLogStd,
  };
}

/**
 * Discounted returns-to-go of one episode: out[t] = Σ_{k≥t} γ^{k−t} r_k + γ^{T−t} · bootstrap
 * (bootstrap: the value of the state a time limit cut the episode off in, 0 for a terminal end).
 * Accumulated in float64 backwards.
 */
export function returnsToGo(
  rewards: ArrayLike<number>,
  discount: number,
  out: Float32Array | Float64Array,
  bootstrap = 0,
  offset = 0,
): void {
  let g = bootstrap;
  for (let t = rewards.length - 1; t >= 0; t--) {
    g = rewards[t]! + discount * g;
    out[offset + t] = g;
  }
}

export class Reinforce implements Policy {
  readonly config: ResolvedReinforceConfig;
  readonly name: string;
  private readonly actor: Mlp;
  private readonly baselineNet: Mlp;
  private readonly logStd: tf.Variable<tf.Rank.R1>;
  private readonly policyOpt: tf.AdamOptimizer;
  private readonly baselineOpt: tf.AdamOptimizer;
  private readonly policyVars: tf.Variable[];
  private readonly rng = new Rng(0);
  private readonly logStdCache: Float32Array;
  private updates = 0;
  private actCalls = 0;
  private noiseSeed: number;
  private disposed = false;
  private muScratch = new Float32Array(0);

  constructor(config: ReinforceConfig) {
    const c = resolveReinforceConfig(config);
    this.config = c;
    this.noiseSeed = c.seed;
    this.name = `reinforce${counter++}`;
    const { obsDim: D, actionDim: A } = c;
    this.actor = new Mlp({
      sizes: [D, ...c.hidden, A],
      seed: deriveSeed(c.seed, STREAM_INIT, 0),
      name: `${this.name}/actor`,
      outputScale: ACTOR_OUTPUT_SCALE,
    });
    this.baselineNet = new Mlp({
      sizes: [D, ...c.baselineHidden, 1],
      seed: deriveSeed(c.seed, STREAM_INIT, 1),
      name: `${this.name}/baseline`,
    });
    this.logStd = tf.tidy(() =>
      tf.variable(tf.fill([A], c.initialLogStd) as tf.Tensor1D, true, `${this.name}/logStd`),
    );
    this.logStdCache = new Float32Array(A).fill(Math.fround(c.initialLogStd));
    this.policyOpt = tf.train.adam(c.policyLr, 0.9, 0.999, ADAM_EPSILON);
    this.baselineOpt = tf.train.adam(c.baselineLr, 0.9, 0.999, ADAM_EPSILON);
    this.policyVars = [...this.actor.variables, this.logStd];
  }

  get obsDim(): number {
    return this.config.obsDim;
  }

  get actionDim(): number {
    return this.config.actionDim;
  }

  /** update() calls so far. */
  get updateCount(): number {
    return this.updates;
  }

  /** Current log σ per action dimension (a copy). */
  get logStdValues(): Float32Array {
    return this.logStdCache.slice();
  }

  /** Policy interface: μ(s) (deterministic) or a sample of N(μ(s), σ²), clipped to [−1, 1]. */
  act(obs: Float32Array | Float64Array, deterministic: boolean, out: Float32Array | Float64Array): void {
    this.assertLive();
    const A = this.config.actionDim;
    const rows = this.rowsOf(obs, 'act');
    if (out.length < rows * A)
      throw new RangeError(`Reinforce.act: out has ${out.length} entries, need ${rows * A}`);
    const mu = this.mu(obs, rows);
    if (deterministic) {
      for (let i = 0; i < rows * A; i++) out[i] = clampUnit(mu[i]!);
      return;
    }
    this.rng.reseed(deriveSeed(this.noiseSeed, STREAM_ACT, this.actCalls++));
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < A; j++) {
        const i = r * A + j;
        out[i] = clampUnit(mu[i]! + Math.exp(this.logStdCache[j]!) * this.rng.normal());
      }
  }

  /**
   * Raw samples a ~ N(μ(s), σ²) (not clipped, float32) into outAction and log π(a|s) into outLogProb
   * for rows = obs.length / obsDim observations; the noise is Rng(deriveSeed(seed, 1, …key)).
   */
  sample(obs: Float32Array, outAction: Float32Array, outLogProb: Float32Array, ...key: number[]): void {
    this.assertLive();
    const A = this.config.actionDim;
    const rows = this.rowsOf(obs, 'sample');
    if (outAction.length < rows * A || outLogProb.length < rows)
      throw new RangeError(`Reinforce.sample: outputs too short for ${rows} rows`);
    const mu = this.mu(obs, rows);
    const ls = this.logStdCache;
    this.rng.reseed(deriveSeed(this.noiseSeed, STREAM_SAMPLE, ...key));
    for (let r = 0; r < rows; r++) {
      let logp = 0;
      for (let j = 0; j < A; j++) {
        const i = r * A + j;
        const a = Math.fround(mu[i]! + Math.exp(ls[j]!) * this.rng.normal());
        outAction[i] = a;
        const z = (a - mu[i]!) * Math.exp(-ls[j]!);
        logp += -0.5 * z * z - ls[j]! - HALF_LOG_2PI;
      }
      outLogProb[r] = logp;
    }
  }

  /** b(s) = V_w(s) for rows = obs.length / obsDim observations into `out`. */
  baseline(obs: Float32Array, out: Float32Array | Float64Array): void {
    this.assertLive();
    const rows = this.rowsOf(obs, 'baseline');
    if (out.length < rows)
      throw new RangeError(`Reinforce.baseline: out has ${out.length} entries, need ${rows}`);
    this.baselineNet.forwardTyped(obs, out, rows);
  }

  /** The advantages Â_t = G_t − b(s_t) of a batch (normalized when configured) and their raw mean. */
  advantages(batch: ReinforceBatch): { adv: Float32Array; mean: number } {
    const B = this.checkBatch(batch);
    const b = new Float64Array(B);
    this.baselineNet.forwardTyped(batch.obs, b, B);
    const raw = new Float64Array(B);
    let mean = 0;
    for (let t = 0; t < B; t++) {
      raw[t] = batch.returns[t]! - b[t]!;
      mean += raw[t]!;
    }
    mean /= B;
    const adv = new Float32Array(B);
    if (this.config.normalizeAdvantages && B > 1) {
      let ss = 0;
      for (let t = 0; t < B; t++) ss += (raw[t]! - mean) ** 2;
      const inv = 1 / (Math.sqrt(ss / (B - 1)) + 1e-8);
      for (let t = 0; t < B; t++) adv[t] = (raw[t]! - mean) * inv;
    } else adv.set(raw);
    return { adv, mean };
  }

  /**
   * ∇_θ L_π of a batch at the current parameters, without a step (the gradient the next `update`
   * applies before clipping): one array per policy variable, [W0, b0, …, log σ].
   */
  policyGradient(batch: ReinforceBatch): Float32Array[] {
    this.assertLive();
    const { adv } = this.advantages(batch);
    return tf.tidy(() => {
      const { stats, grads } = this.policyGrads(batch, adv);
      stats.dispose();
      return this.policyVars.map((v) => Float32Array.from(grads[v.name]!.dataSync() as Float32Array));
    });
  }

  /** One policy step and `baselineSteps` baseline steps on a batch (see the module header). */
  update(batch: ReinforceBatch): ReinforceUpdateResult {
    this.assertLive();
    const c = this.config;
    const B = this.checkBatch(batch);
    const { adv, mean } = this.advantages(batch);
    const stats = tf.tidy(() => {
      const { stats: s, grads } = this.policyGrads(batch, adv);
      const out = Array.from(s.dataSync());
      s.dispose();
      this.policyOpt.applyGradients(this.clip(grads));
      return out;
    });
    let baselineLoss = Number.NaN;
    tf.tidy(() => {
      const obs = tf.tensor2d(batch.obs.subarray(0, B * c.obsDim), [B, c.obsDim]);
      const ret = tf.tensor1d(batch.returns.subarray(0, B));
      for (let k = 0; k < c.baselineSteps; k++) {
        const { value, grads } = tf.variableGrads(
          () =>
            tf.mean(
              tf.squaredDifference(tf.reshape(this.baselineNet.apply(obs, { inputGrad: false }), [B]), ret),
            ) as tf.Scalar,
          this.baselineNet.variables as tf.Variable[],
        );
        if (k === 0) baselineLoss = value.dataSync()[0]!;
        this.baselineOpt.applyGradients(
          this.baselineNet.variables.map((v) => ({ name: v.name, tensor: grads[v.name]! })),
        );
      }
    });
    this.updates++;
    this.refresh();
    return { policyLoss: stats[0]!, baselineLoss, entropy: stats[1]!, meanAdvantage: mean };
  }

  async getWeights(opts: { optimizer?: boolean } = {}): Promise<ReinforceWeights> {
    this.assertLive();
    const c = this.config;
    const w: ReinforceWeights = {
      version: 1,
      obsDim: c.obsDim,
      actionDim: c.actionDim,
      hidden: [...c.hidden],
      baselineHidden: [...c.baselineHidden],
      seed: this.noiseSeed,
      actor: this.actor.toTypedArrays(),
      baseline: this.baselineNet.toTypedArrays(),
      logStd: Float32Array.from(this.logStd.dataSync() as Float32Array),
      updates: this.updates,
      actCalls: this.actCalls,
    };
    if (opts.optimizer ?? true) {
      w.policyOptimizer = await readOptimizer(this.policyOpt, this.name);
      w.baselineOptimizer = await readOptimizer(this.baselineOpt, this.name);
    }
    return w;
  }

  async setWeights(w: ReinforceWeights): Promise<void> {
    this.assertLive();
    const c = this.config;
    checkSnapshot('Reinforce.setWeights', w, c, { updates: w.updates, actCalls: w.actCalls });
    if (!Array.isArray(w.baselineHidden) || w.baselineHidden.join(',') !== c.baselineHidden.join(','))
      throw new RangeError(
        `Reinforce.setWeights: snapshot baseline is [${String(w.baselineHidden)}], agent is [${c.baselineHidden.join(', ')}]`,
      );
    if (w.logStd.length !== c.actionDim || !w.logStd.every((v) => Number.isFinite(v)))
      throw new RangeError(`Reinforce.setWeights: logStd must hold ${c.actionDim} finite values`);
    this.actor.fromTypedArrays(w.actor);
    this.baselineNet.fromTypedArrays(w.baseline);
    tf.tidy(() => this.logStd.assign(tf.tensor1d(w.logStd.slice())));
    if (w.policyOptimizer)
      await writeOptimizer(
        this.policyOpt,
        w.policyOptimizer,
        this.policyVars,
        'Reinforce.setWeights: policy',
      );
    if (w.baselineOptimizer)
      await writeOptimizer(
        this.baselineOpt,
        w.baselineOptimizer,
        this.baselineNet.variables,
        'Reinforce.setWeights: baseline',
      );
    this.updates = w.updates;
    this.actCalls = w.actCalls;
    this.noiseSeed = w.seed;
    this.refresh();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.actor.dispose();
    this.baselineNet.dispose();
    this.logStd.dispose();
    this.policyOpt.dispose();
    this.baselineOpt.dispose();
  }

  /** [L_π, H] (kept: the caller disposes it) and the gradients of the loss (inside the caller's tidy). */
  private policyGrads(
    batch: ReinforceBatch,
    adv: Float32Array,
  ): { stats: tf.Tensor1D; grads: tf.NamedTensorMap } {
    const { obsDim: D, actionDim: A, entCoef } = this.config;
    const B = adv.length;
    const obs = tf.tensor2d(batch.obs.subarray(0, B * D), [B, D]);
    const act = tf.tensor2d(batch.actions.subarray(0, B * A), [B, A]);
    const advT = tf.tensor1d(adv);
    let stats: tf.Tensor1D | undefined;
    const { grads } = tf.variableGrads(() => {
      const mu = this.actor.apply(obs, { inputGrad: false });
      const pgLoss = tf.neg(tf.mean(tf.mul(gaussianLogProb(act, mu, this.logStd), advT))) as tf.Scalar;
      const entropy = gaussianEntropy(this.logStd);
      stats = tf.keep(tf.stack([pgLoss, entropy]) as tf.Tensor1D);
      return (entCoef !== 0 ? tf.sub(pgLoss, tf.mul(entCoef, entropy)) : pgLoss) as tf.Scalar;
    }, this.policyVars);
    return { stats: stats!, grads };
  }

  /** The policy gradients in variable order, clipped to the global norm maxGradNorm (when finite). */
  private clip(grads: tf.NamedTensorMap): NamedTensor[] {
    const list = this.policyVars.map((v) => ({ name: v.name, tensor: grads[v.name]! }));
    const max = this.config.maxGradNorm;
    if (!Number.isFinite(max)) return list;
    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g.tensor)))));
    const scale = tf.minimum(1, tf.div(max, tf.add(norm, 1e-6)));
    return list.map((g) => ({ name: g.name, tensor: tf.mul(g.tensor, scale) }));
  }

  private refresh(): void {
    this.actor.syncTyped();
    this.baselineNet.syncTyped();
    this.logStdCache.set(this.logStd.dataSync() as Float32Array);
  }

  private mu(obs: Float32Array | Float64Array, rows: number): Float32Array {
    const n = rows * this.config.actionDim;
    if (this.muScratch.length < n) this.muScratch = new Float32Array(n);
    this.actor.forwardTyped(obs, this.muScratch, rows);
    return this.muScratch;
  }

  private checkBatch(b: ReinforceBatch): number {
    const { obsDim: D, actionDim: A } = this.config;
    const B = b.returns.length;
    if (B < 1) throw new RangeError('Reinforce: the batch is empty');
    if (b.obs.length !== B * D || b.actions.length !== B * A)
      throw new RangeError(
        `Reinforce: batch of ${B} returns has ${b.obs.length} obs and ${b.actions.length} action values (obs ${D}, action ${A})`,
      );
    return B;
  }

  private rowsOf(obs: Float32Array | Float64Array, what: string): number {
    const D = this.config.obsDim;
    const rows = Math.floor(obs.length / D);
    if (rows < 1 || rows * D !== obs.length)
      throw new RangeError(
        `Reinforce.${what}: obs length ${obs.length} is not a positive multiple of obsDim ${D}`,
      );
    return rows;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`Reinforce ${this.name} was disposed`);
  }
}

function clampUnit(x: number): number {
  return x < -1 ? -1 : x > 1 ? 1 : x;
}
