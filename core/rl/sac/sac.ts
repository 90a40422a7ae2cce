/**
 * Soft Actor-Critic (SAC) for continuous actions in [−1, 1]^|A|, on TensorFlow.js.
 *
 * References:
 *   - T. Haarnoja, A. Zhou, P. Abbeel, S. Levine, "Soft Actor-Critic: Off-Policy Maximum Entropy Deep
 *     Reinforcement Learning with a Stochastic Actor", ICML 2018 (arXiv:1801.01290).
 *   - T. Haarnoja, A. Zhou, K. Hartikainen, G. Tucker, S. Ha, J. Tan, V. Kumar, H. Zhu, A. Gupta,
 *     P. Abbeel, S. Levine, "Soft Actor-Critic Algorithms and Applications", 2018 (arXiv:1812.05905):
 *     twin Q critics without a separate V network, and the automatic entropy temperature.
 *   Defaults follow the second paper and Stable-Baselines3 (γ = 0.99, τ = 0.005, Adam lr 3·10⁻⁴,
 *   256×256 ReLU MLPs, batch 256, α₀ = 1, target entropy H̄ = −|A|).
 *
 * Policy (tanh-squashed Gaussian): the actor MLP maps s to [μ(s), log σ(s)] (log σ clipped to
 * [−20, 2]); u = μ + σ ⊙ ε with ε ~ N(0, I) (reparameterization), a = tanh(u). Its log-density is
 *     log π(a|s) = Σ_j [ log N(u_j; μ_j, σ_j) − log(1 − tanh²(u_j)) ],
 *     log N(u; μ, σ) = −ε²/2 − log σ − ½ log 2π,
 *     log(1 − tanh²(u)) = 2 (log 2 − u − softplus(−2u))        (numerically stable form).
 *
 * Losses on a batch (s, a, r, s', d), all evaluated at the same parameter snapshot (θ_i, θ̄_i, φ, α):
 *     target  y = r + γ (1 − d) [ min_i Q̄_i(s', a') − α log π(a'|s') ],  a' ~ π(·|s')
 *     critic  J_Q = ½ Σ_{i=1,2} mean (Q_i(s, a) − y)²                 (y held constant)
 *     actor   J_π = mean [ α log π(ã|s) − min_i Q_i(s, ã) ],  ã ~ π(·|s) reparameterized
 *             (differentiated through the critics with respect to the action only)
 *     temperature  J(α) = −mean [ log α · (log π(ã|s) + H̄) ],  gradient −mean(log π + H̄) w.r.t. log α
 *     Polyak  θ̄_i ← τ θ_i + (1 − τ) θ̄_i  after the Adam steps.
 * One `update` does all of it: the gradients of J_π, J(α) and J_Q at the snapshot, then the Adam
 * steps (one Adam over both critics), then Polyak. Evaluating every gradient at one snapshot is what
 * the original TF1 implementation did (all train ops in one session run); Stable-Baselines3 and the
 * later softlearning step the critics before evaluating J_π. Both alternate critic and actor steps;
 * the snapshot form lets J_π and J_Q share the critics' packed weights and Wᵀ on wasm (tf/dense.ts),
 * measured 1–2 ms (3–5%) faster per update.
 * Gradients may be clipped by global norm per group (critics, actor; off by default).
 *
 * Determinism: every random number comes from core/rng, never tf.random*. The noise of update k is
 * drawn from Rng(deriveSeed(seed, 1, k)) and the noise of the j-th stochastic act (or randomAction)
 * call from Rng(deriveSeed(seed, 2, j)); weights are initialized from deriveSeed(seed, 3, network).
 * So the same seed and the same batches give the same losses bit for bit on a given backend, and a
 * checkpoint (getWeights: networks, targets, log α, the Adam moments and step counts, the noise seed
 * and counters) resumes exactly: an agent that loads it acts and updates as the original would.
 *
 * Acting: `act` returns actions in [−1, 1]^|A| (tanh(μ) when deterministic); the env maps them to
 * quote offsets (MarketMakingEnv / VectorAsEnv with actionScale 'unit'). Inference runs either as a
 * tfjs forward pass or as a plain typed-array pass over a copy of the actor's weights
 * (Mlp.forwardTyped, refreshed lazily after each update). Measured for the 16→256→256→4 actor:
 *     wasm: 1 row  tfjs 0.047 ms, typed 0.061 ms;  64 rows  tfjs 0.31 ms, typed 4.3 ms
 *     cpu:  1 row  tfjs 0.24 ms,  typed 0.057 ms;  64 rows  tfjs 12.6 ms, typed 4.0 ms
 * (rollout of VectorAsEnv N = 64, sac/bench.ts: wasm 145k env-steps/s via tfjs vs 18k typed; cpu 18.5k
 * typed vs 4.6k tfjs). So `inference: 'auto'` (the default) uses tfjs on wasm and tensorflow, the
 * typed pass on cpu.
 *
 * Warm-up: `warmupSteps` is advisory for the training loop (act with `randomAction` and do not
 * update until that many env steps are stored), as SB3's learning_starts.
 *
 * Backend: call core/rl/tf/backend.ts `loadTf()` before constructing an agent (the inference path is
 * chosen from the active backend at construction).
 *
 * Ownership: the agent owns its variables and optimizers; `dispose()` frees them. `update` and `act`
 * leave no tensors behind (the tensor count is flat across updates; sac.test.ts checks it).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../../rng/rng';
import { checkSnapshot, type Policy } from '../agent';
import type { ReplayBatch } from '../replay-buffer';
import { Mlp } from '../tf/dense';
import { readOptimizer, writeOptimizer, type NamedTensor, type OptimizerState } from '../tf/optimizer-state';

const LOG_STD_MIN = -20;
const LOG_STD_MAX = 2;
const LOG_2PI = Math.log(2 * Math.PI);
const LOG_2 = Math.log(2);
const STREAM_UPDATE = 1;
const STREAM_ACT = 2;
const STREAM_INIT = 3;

export type InferenceMode = 'auto' | 'tf' | 'typed';

export interface SacConfig {
  obsDim: number;
  actionDim: number;
  seed: number;
  /** Hidden layer widths of the actor and both critics (default [256, 256]). */
  hidden?: readonly number[];
  /** Discount γ (default 0.99). */
  gamma?: number;
  /** Polyak coefficient τ (default 0.005). */
  tau?: number;
  /** Adam learning rates (default 3e-4 each). */
  actorLr?: number;
  criticLr?: number;
  alphaLr?: number;
  /** Initial temperature α₀ (default 1). */
  initialAlpha?: number;
  /** Learn α towards the target entropy (default true); false keeps α = initialAlpha. */
  autoAlpha?: boolean;
  /** Target entropy H̄ (default −actionDim). */
  targetEntropy?: number;
  /** Clip each group's gradients (critics, actor) to this global L2 norm (default: no clipping). */
  maxGradNorm?: number;
  /** Env steps of random actions before updates start (advisory for the trainer; default 1000). */
  warmupSteps?: number;
  /** Inference path for act (see the module header; default 'auto'). */
  inference?: InferenceMode;
}

export interface ResolvedSacConfig {
  obsDim: number;
  actionDim: number;
  seed: number;
  hidden: number[];
  gamma: number;
  tau: number;
  actorLr: number;
  criticLr: number;
  alphaLr: number;
  initialAlpha: number;
  autoAlpha: boolean;
  targetEntropy: number;
  maxGradNorm: number | undefined;
  warmupSteps: number;
  inference: InferenceMode;
}

export interface SacUpdateResult {
  /** J_Q: ½ Σ_i mean (Q_i − y)². */
  criticLoss: number;
  /** J_π. */
  actorLoss: number;
  /** α used in this update. */
  alpha: number;
  /** Policy entropy estimate −mean log π(ã|s) on the batch. */
  entropy: number;
}

export type { OptimizerState } from '../tf/optimizer-state';

export interface SacWeights {
  version: 1;
  obsDim: number;
  actionDim: number;
  hidden: number[];
  /** Seed of the noise streams (the agent adopts it on setWeights, so sampling resumes exactly). */
  seed: number;
  actor: Float32Array[];
  q1: Float32Array[];
  q2: Float32Array[];
  q1Target: Float32Array[];
  q2Target: Float32Array[];
  logAlpha: number;
  updates: number;
  actCalls: number;
  optimizers?: { actor: OptimizerState; critic: OptimizerState; alpha: OptimizerState };
}

let sacCounter = 0;

export function resolveSacConfig(c: SacConfig): ResolvedSacConfig {
  const pos = (name: string, v: number): number => {
    if (!(Number.isFinite(v) && v > 0))
      throw new RangeError(`Sac: ${name} must be a finite number > 0 (got ${v})`);
    return v;
  };
  for (const [k, v] of [
    ['obsDim', c.obsDim],
    ['actionDim', c.actionDim],
  ] as const)
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`Sac: ${k} must be an integer ≥ 1 (got ${v})`);
  if (!Number.isFinite(c.seed)) throw new RangeError(`Sac: seed must be finite (got ${c.seed})`);
  const hidden = [...(c.hidden ?? [256, 256])];
  if (!hidden.every((h) => Number.isInteger(h) && h >= 1))
    throw new RangeError(`Sac: hidden sizes must be integers ≥ 1 (got [${hidden.join(', ')}])`);
  const gamma = c.gamma ?? 0.99;
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`Sac: gamma must be in [0, 1] (got ${gamma})`);
  const tau = c.tau ?? 0.005;
  if (!(tau > 0 && tau <= 1)) throw new RangeError(`Sac: tau must be in (0, 1] (got ${tau})`);
  const targetEntropy = c.targetEntropy ?? -c.actionDim;
  if (!Number.isFinite(targetEntropy))
    throw new RangeError(`Sac: targetEntropy must be finite (got ${targetEntropy})`);
  if (c.maxGradNorm !== undefined) pos('maxGradNorm', c.maxGradNorm);
  const warmupSteps = c.warmupSteps ?? 1000;
  if (!(Number.isInteger(warmupSteps) && warmupSteps >= 0))
    throw new RangeError(`Sac: warmupSteps must be an integer ≥ 0 (got ${warmupSteps})`);
  const inference = c.inference ?? 'auto';
  if (inference !== 'auto' && inference !== 'tf' && inference !== 'typed')
    throw new RangeError(`Sac: inference must be 'auto', 'tf' or 'typed' (got ${String(inference)})`);
  return {
    obsDim: c.obsDim,
    actionDim: c.actionDim,
    seed: c.seed,
    hidden,
    gamma,
    tau,
    actorLr: pos('actorLr', c.actorLr ?? 3e-4),
    criticLr: pos('criticLr', c.criticLr ?? 3e-4),
    alphaLr: pos('alphaLr', c.alphaLr ?? 3e-4),
    initialAlpha: pos('initialAlpha', c.initialAlpha ?? 1),
    autoAlpha: c.autoAlpha ?? true,
    targetEntropy,
    maxGradNorm: c.maxGradNorm,
    warmupSteps,
    inference,
  };
}

type T2 = tf.Tensor2D;

/**
 * The part of log π(a|s) that depends on the noise only, for the row of ε at `offset`:
 * Σ_j (−ε_j²/2) − |A| (½ log 2π + 2 log 2). Computed in JavaScript (from the float32 values the
 * tensor holds) so that the tensor graph does not square ε.
 */
export function logProbConstant(eps: Float32Array, offset: number, actionDim: number): number {
  let s = -actionDim * (0.5 * LOG_2PI + 2 * LOG_2);
  for (let j = 0; j < actionDim; j++) {
    const e = eps[offset + j]!;
    s -= 0.5 * e * e;
  }
  return s;
}

/**
 * log π(tanh(u)|s) for u = μ + σ ε, per row ([B, 1]), in the stable form
 *   Σ_j [ −log σ_j + 2 u_j + 2 softplus(−2 u_j) ] + constTerm,
 * which is Σ_j [log N(u_j; μ_j, σ_j) − log(1 − tanh² u_j)] with log(1 − tanh² u) =
 * 2 (log 2 − u − softplus(−2u)) and constTerm = logProbConstant(ε) (see the module header).
 */
export function tanhGaussianLogProb(u: T2, logStd: T2, constTerm: T2): T2 {
  const perDim = tf.sub(tf.mul(2, tf.add(u, tf.softplus(tf.mul(-2, u)))), logStd);
  return tf.add(tf.sum(perDim, 1, true), constTerm) as T2;
}

export class Sac implements Policy {
  readonly config: ResolvedSacConfig;
  readonly name: string;
  private readonly actor: Mlp;
  private readonly q1: Mlp;
  private readonly q2: Mlp;
  private readonly q1Target: Mlp;
  private readonly q2Target: Mlp;
  private readonly logAlpha: tf.Variable<tf.Rank.R0>;
  private readonly actorOpt: tf.AdamOptimizer;
  private readonly criticOpt: tf.AdamOptimizer;
  private readonly alphaOpt: tf.AdamOptimizer;
  private readonly actorVars: tf.Variable[];
  private readonly criticVars: tf.Variable[];
  private readonly rng = new Rng(0);
  private readonly useTyped: boolean;
  private typedStale = true;
  private updates = 0;
  private actCalls = 0;
  /** Seed of the noise streams: config.seed, or the seed of the last snapshot loaded. */
  private noiseSeed: number;
  private disposed = false;
  // Per-update scratch (grown to the batch size on demand).
  private epsNext = new Float32Array(0);
  private epsCur = new Float32Array(0);
  private constNext = new Float32Array(0);
  private constCur = new Float32Array(0);
  // Per-act scratch.
  private obsScratch = new Float32Array(0);
  private rawScratch = new Float32Array(0);

  constructor(config: SacConfig) {
    const c = resolveSacConfig(config);
    this.config = c;
    this.noiseSeed = c.seed;
    this.name = `sac${sacCounter++}`;
    const { obsDim: D, actionDim: A, hidden, seed } = c;
    const init = (k: number): number => deriveSeed(seed, STREAM_INIT, k);
    this.actor = new Mlp({ sizes: [D, ...hidden, 2 * A], seed: init(0), name: `${this.name}/actor` });
    const qSizes = [D + A, ...hidden, 1];
    this.q1 = new Mlp({ sizes: qSizes, seed: init(1), name: `${this.name}/q1` });
    this.q2 = new Mlp({ sizes: qSizes, seed: init(2), name: `${this.name}/q2` });
    this.q1Target = new Mlp({ sizes: qSizes, seed: init(1), name: `${this.name}/q1t`, trainable: false });
    this.q2Target = new Mlp({ sizes: qSizes, seed: init(2), name: `${this.name}/q2t`, trainable: false });
    this.logAlpha = tf.tidy(() =>
      tf.variable(tf.scalar(Math.log(c.initialAlpha)), c.autoAlpha, `${this.name}/logAlpha`),
    );
    this.actorOpt = tf.train.adam(c.actorLr, 0.9, 0.999, 1e-8);
    this.criticOpt = tf.train.adam(c.criticLr, 0.9, 0.999, 1e-8);
    this.alphaOpt = tf.train.adam(c.alphaLr, 0.9, 0.999, 1e-8);
    this.actorVars = [...this.actor.variables];
    this.criticVars = [...this.q1.variables, ...this.q2.variables];
    const backend = tf.getBackend();
    this.useTyped = c.inference === 'typed' || (c.inference === 'auto' && backend === 'cpu');
  }

  get obsDim(): number {
    return this.config.obsDim;
  }

  get actionDim(): number {
    return this.config.actionDim;
  }

  /** Updates done so far. */
  get updateCount(): number {
    return this.updates;
  }

  /** Current temperature α (reads one scalar). */
  get alpha(): number {
    return Math.exp(this.logAlpha.dataSync()[0]!);
  }

  /** Which inference path `act` uses. */
  get inferencePath(): 'tf' | 'typed' {
    return this.useTyped ? 'typed' : 'tf';
  }

  /**
   * Actions for `rows = obs.length / obsDim` observations into `out` (rows × actionDim, in [−1, 1]).
   * Stochastic unless `deterministic` (then tanh(μ(s))).
   */
  act(obs: Float32Array | Float64Array, deterministic: boolean, out: Float32Array | Float64Array): void {
    this.assertLive();
    const { obsDim: D, actionDim: A } = this.config;
    const rows = Math.floor(obs.length / D);
    if (rows < 1 || rows * D !== obs.length)
      throw new RangeError(`Sac.act: obs length ${obs.length} is not a positive multiple of obsDim ${D}`);
    if (out.length < rows * A)
      throw new RangeError(`Sac.act: out has ${out.length} entries, need ${rows * A}`);
    if (this.rawScratch.length < rows * 2 * A) this.rawScratch = new Float32Array(rows * 2 * A);
    const raw = this.rawScratch;
    if (this.useTyped) {
      if (this.typedStale) {
        this.actor.syncTyped();
        this.typedStale = false;
      }
      this.actor.forwardTyped(obs, raw, rows);
    } else {
      let x: Float32Array;
      if (obs instanceof Float32Array) x = obs;
      else {
        if (this.obsScratch.length !== obs.length) this.obsScratch = new Float32Array(obs.length);
        this.obsScratch.set(obs);
        x = this.obsScratch;
      }
      tf.tidy(() => {
        raw.set(this.actor.apply(tf.tensor2d(x, [rows, D])).dataSync() as Float32Array);
      });
    }
    const rng = this.rng;
    if (!deterministic) rng.reseed(deriveSeed(this.noiseSeed, STREAM_ACT, this.actCalls++));
    for (let r = 0; r < rows; r++) {
      const o = r * 2 * A;
      for (let j = 0; j < A; j++) {
        let u = raw[o + j]!;
        if (!deterministic) {
          const ls = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, raw[o + A + j]!));
          u += Math.exp(ls) * rng.normal();
        }
        out[r * A + j] = Math.tanh(u);
      }
    }
  }

  /** A uniform random action in [−1, 1]^|A| per row of `out` (for warm-up), from the act stream. */
  randomAction(out: Float32Array | Float64Array): void {
    const rng = this.rng;
    rng.reseed(deriveSeed(this.noiseSeed, STREAM_ACT, this.actCalls++));
    for (let i = 0; i < out.length; i++) out[i] = 2 * rng.next() - 1;
  }

  /** One full SAC update on `batch` (critics, actor, α, Polyak). */
  update(batch: ReplayBatch): SacUpdateResult {
    this.assertLive();
    const c = this.config;
    const { obsDim: D, actionDim: A } = c;
    const B = batch.size;
    if (batch.obs.length < B * D || batch.nextObs.length < B * D || batch.action.length < B * A)
      throw new RangeError('Sac.update: batch arrays do not match obsDim/actionDim');
    this.drawNoise(B);
    let meanLogp: tf.Scalar | undefined;
    const stats = tf.tidy(() => {
      const obs = tf.tensor2d(batch.obs.subarray(0, B * D), [B, D]);
      const nextObs = tf.tensor2d(batch.nextObs.subarray(0, B * D), [B, D]);
      const act = tf.tensor2d(batch.action.subarray(0, B * A), [B, A]);
      const rew = tf.tensor2d(batch.reward.subarray(0, B), [B, 1]);
      const done = tf.tensor2d(batch.done.subarray(0, B), [B, 1]);
      const epsNext = tf.tensor2d(this.epsNext.subarray(0, B * A), [B, A]);
      const epsCur = tf.tensor2d(this.epsCur.subarray(0, B * A), [B, A]);
      const constNext = tf.tensor2d(this.constNext.subarray(0, B), [B, 1]);
      const constCur = tf.tensor2d(this.constCur.subarray(0, B), [B, 1]);
      const alpha = tf.exp(this.logAlpha);

      // Soft Bellman target (no gradient: computed outside any tape).
      const next = this.policy(nextObs, epsNext, constNext);
      const sa2 = tf.concat([nextObs, next.action], 1);
      const qNext = tf.minimum(this.q1Target.apply(sa2), this.q2Target.apply(sa2));
      const soft = tf.sub(qNext, tf.mul(alpha, next.logp));
      const y = tf.add(rew, tf.mul(tf.mul(tf.sub(1, done), c.gamma), soft));

      // Actor gradient, through the critics (frozen: gradients reach the action only).
      const actor = tf.variableGrads(() => {
        const cur = this.policy(obs, epsCur, constCur);
        meanLogp = tf.keep(tf.mean(cur.logp) as tf.Scalar);
        const s2 = tf.concat([obs, cur.action], 1);
        const q = tf.minimum(this.q1.apply(s2, { frozen: true }), this.q2.apply(s2, { frozen: true }));
        return tf.mean(tf.sub(tf.mul(alpha, cur.logp), q)) as tf.Scalar;
      }, this.actorVars);
      const ml = meanLogp!;

      // Critic gradient (the input is data: no gradient with respect to it).
      const sa = tf.concat([obs, act], 1);
      const critic = tf.variableGrads(() => {
        const l1 = tf.mean(tf.squaredDifference(this.q1.apply(sa, { inputGrad: false }), y));
        const l2 = tf.mean(tf.squaredDifference(this.q2.apply(sa, { inputGrad: false }), y));
        return tf.mul(0.5, tf.add(l1, l2)) as tf.Scalar;
      }, this.criticVars);

      // Steps, then Polyak.
      this.actorOpt.applyGradients(this.clip(actor.grads, this.actorVars));
      if (c.autoAlpha)
        this.alphaOpt.applyGradients([
          { name: this.logAlpha.name, tensor: tf.neg(tf.add(ml, c.targetEntropy)) },
        ]);
      this.criticOpt.applyGradients(this.clip(critic.grads, this.criticVars));
      this.q1Target.polyakFrom(this.q1, c.tau);
      this.q2Target.polyakFrom(this.q2, c.tau);
      return tf.stack([critic.value, actor.value, alpha, ml]);
    });
    const v = stats.dataSync();
    const result: SacUpdateResult = {
      criticLoss: v[0]!,
      actorLoss: v[1]!,
      alpha: v[2]!,
      entropy: -v[3]!,
    };
    stats.dispose();
    meanLogp?.dispose();
    this.updates++;
    this.typedStale = true;
    return result;
  }

  /** Snapshot of all learnable state (networks, targets, log α, Adam moments, counters). */
  async getWeights(opts: { optimizer?: boolean } = {}): Promise<SacWeights> {
    this.assertLive();
    const c = this.config;
    const w: SacWeights = {
      version: 1,
      obsDim: c.obsDim,
      actionDim: c.actionDim,
      hidden: [...c.hidden],
      seed: this.noiseSeed,
      actor: this.actor.toTypedArrays(),
      q1: this.q1.toTypedArrays(),
      q2: this.q2.toTypedArrays(),
      q1Target: this.q1Target.toTypedArrays(),
      q2Target: this.q2Target.toTypedArrays(),
      logAlpha: this.logAlpha.dataSync()[0]!,
      updates: this.updates,
      actCalls: this.actCalls,
    };
    if (opts.optimizer ?? true)
      w.optimizers = {
        actor: await readOptimizer(this.actorOpt, this.name),
        critic: await readOptimizer(this.criticOpt, this.name),
        alpha: await readOptimizer(this.alphaOpt, this.name),
      };
    return w;
  }

  /** Load a snapshot from getWeights (same obsDim, actionDim and hidden sizes). */
  async setWeights(w: SacWeights): Promise<void> {
    this.assertLive();
    const c = this.config;
    checkSnapshot('Sac.setWeights', w, c, { updates: w.updates, actCalls: w.actCalls });
    if (!Number.isFinite(w.logAlpha)) throw new RangeError('Sac.setWeights: logAlpha must be finite');
    this.actor.fromTypedArrays(w.actor);
    this.q1.fromTypedArrays(w.q1);
    this.q2.fromTypedArrays(w.q2);
    this.q1Target.fromTypedArrays(w.q1Target);
    this.q2Target.fromTypedArrays(w.q2Target);
    tf.tidy(() => this.logAlpha.assign(tf.scalar(w.logAlpha)));
    this.updates = w.updates;
    this.actCalls = w.actCalls;
    this.noiseSeed = w.seed;
    if (w.optimizers) {
      await writeOptimizer(this.actorOpt, w.optimizers.actor, this.actorVars, 'Sac.setWeights: actor');
      await writeOptimizer(this.criticOpt, w.optimizers.critic, this.criticVars, 'Sac.setWeights: critic');
      await writeOptimizer(this.alphaOpt, w.optimizers.alpha, [this.logAlpha], 'Sac.setWeights: alpha');
    }
    this.typedStale = true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const m of [this.actor, this.q1, this.q2, this.q1Target, this.q2Target]) m.dispose();
    this.logAlpha.dispose();
    this.actorOpt.dispose();
    this.criticOpt.dispose();
    this.alphaOpt.dispose();
  }

  /** a = tanh(μ + σ ε) and log π(a|s) as [B, 1]; `constTerm` = logProbConstant of each row's ε. */
  private policy(obs: T2, eps: T2, constTerm: T2): { action: T2; logp: T2 } {
    const [mu, rawLogStd] = tf.split(this.actor.apply(obs, { inputGrad: false }), 2, 1) as [T2, T2];
    const logStd = tf.clipByValue(rawLogStd, LOG_STD_MIN, LOG_STD_MAX);
    const u = tf.add(mu, tf.mul(tf.exp(logStd), eps)) as T2;
    return { action: tf.tanh(u), logp: tanhGaussianLogProb(u, logStd, constTerm) };
  }

  /** Noise for the next update: ε for a' (next) and ã (current), and their constant log-density parts. */
  private drawNoise(B: number): void {
    const A = this.config.actionDim;
    if (this.epsNext.length < B * A) {
      this.epsNext = new Float32Array(B * A);
      this.epsCur = new Float32Array(B * A);
      this.constNext = new Float32Array(B);
      this.constCur = new Float32Array(B);
    }
    const rng = this.rng;
    rng.reseed(deriveSeed(this.noiseSeed, STREAM_UPDATE, this.updates));
    for (const [eps, cst] of [
      [this.epsNext, this.constNext],
      [this.epsCur, this.constCur],
    ] as const) {
      for (let i = 0; i < B * A; i++) eps[i] = rng.normal();
      for (let r = 0; r < B; r++) cst[r] = logProbConstant(eps, r * A, A);
    }
  }

  /** The group's gradients in variable order, clipped to the global norm maxGradNorm when set. */
  private clip(grads: tf.NamedTensorMap, vars: readonly tf.Variable[]): NamedTensor[] {
    const list = vars.map((v) => {
      const g = grads[v.name];
      if (g === undefined) throw new Error(`Sac: no gradient for ${v.name}`);
      return { name: v.name, tensor: g };
    });
    const max = this.config.maxGradNorm;
    if (max === undefined) return list;
    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g.tensor)))));
    const scale = tf.minimum(1, tf.div(max, tf.add(norm, 1e-6)));
    return list.map((g) => ({ name: g.name, tensor: tf.mul(g.tensor, scale) }));
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`Sac ${this.name} was disposed`);
  }
}
