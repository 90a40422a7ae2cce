/**
 * Rollout buffer for on-policy agents (PPO): nSteps time steps of nEnvs parallel environments,
 * stored time-major (row i = t·nEnvs + e) in flat Float32Arrays allocated once at construction.
 *
 * Per row: the observation s_t the action was taken in, the raw (unclipped) Gaussian action sample
 * a_t, its log-probability log π_old(a_t|s_t), the value estimate V(s_t), the reward r_t and done_t
 * (1 when the episode ended at this step, terminated or truncated; for a truncation the trainer has
 * already added γ·V(s_final) to r_t, so the buffer never bootstraps across a done).
 *
 * Generalized advantage estimation (Schulman, Moritz, Levine, Jordan, Abbeel, "High-dimensional
 * continuous control using generalized advantage estimation", ICLR 2016, eq. 16), per env, backwards
 * in time over the T stored steps:
 *     δ_t = r_t + γ V(s_{t+1}) (1 − done_t) − V(s_t),      V(s_T) = lastValue (the bootstrap)
 *     A_t = δ_t + γ λ (1 − done_t) A_{t+1},                A_T = 0
 *     R_t = A_t + V(s_t)                                   (the value-function target, TD(λ) return)
 * λ = 0 gives the one-step TD error, λ = 1 the discounted return minus V. Accumulated in float64,
 * stored in float32.
 *
 * Usage per PPO iteration: clear(); add() nSteps times; computeGae(V(s_T), γ, λ); Ppo.update(buffer).
 * Any add() or clear() invalidates the advantages (`hasAdvantages`).
 */

export interface RolloutBufferOptions {
  nSteps: number;
  nEnvs: number;
  obsDim: number;
  actionDim: number;
}

export class RolloutBuffer {
  readonly nSteps: number;
  readonly nEnvs: number;
  readonly obsDim: number;
  readonly actionDim: number;
  private readonly obsData: Float32Array;
  private readonly actionData: Float32Array;
  private readonly logProbData: Float32Array;
  private readonly valueData: Float32Array;
  private readonly rewardData: Float32Array;
  private readonly doneData: Float32Array;
  private readonly advantageData: Float32Array;
  private readonly returnData: Float32Array;
  private readonly lastGae: Float64Array;
  /** Time steps stored. */
  private steps = 0;
  private gaeDone = false;

  constructor(o: RolloutBufferOptions) {
    for (const k of ['nSteps', 'nEnvs', 'obsDim', 'actionDim'] as const) {
      const v = o[k];
      if (!(Number.isInteger(v) && v >= 1))
        throw new RangeError(`RolloutBuffer: ${k} must be an integer ≥ 1 (got ${v})`);
    }
    this.nSteps = o.nSteps;
    this.nEnvs = o.nEnvs;
    this.obsDim = o.obsDim;
    this.actionDim = o.actionDim;
    const rows = o.nSteps * o.nEnvs;
    this.obsData = new Float32Array(rows * o.obsDim);
    this.actionData = new Float32Array(rows * o.actionDim);
    this.logProbData = new Float32Array(rows);
    this.valueData = new Float32Array(rows);
    this.rewardData = new Float32Array(rows);
    this.doneData = new Float32Array(rows);
    this.advantageData = new Float32Array(rows);
    this.returnData = new Float32Array(rows);
    this.lastGae = new Float64Array(o.nEnvs);
  }

  /** Rows (transitions) stored: steps added × nEnvs; nSteps·nEnvs when full. */
  get size(): number {
    return this.steps * this.nEnvs;
  }

  /** Time steps stored (0 … nSteps). */
  get stepCount(): number {
    return this.steps;
  }

  get full(): boolean {
    return this.steps === this.nSteps;
  }

  /** Whether computeGae ran since the last add/clear (Ppo.update requires it). */
  get hasAdvantages(): boolean {
    return this.gaeDone;
  }

  clear(): void {
    this.steps = 0;
    this.gaeDone = false;
  }

  /**
   * One time step for all envs (copied). obs: nEnvs·obsDim, the observations the actions were taken
   * in; action: nEnvs·actionDim raw (unclipped) Gaussian samples; logProb, value, reward, done: nEnvs
   * each, done 0 or 1 (1 when the episode ended at this step, terminated or truncated). Throws
   * RangeError when the buffer is full, a length is wrong or a done is neither 0 nor 1.
   */
  add(
    obs: ArrayLike<number>,
    action: ArrayLike<number>,
    logProb: ArrayLike<number>,
    value: ArrayLike<number>,
    reward: ArrayLike<number>,
    done: ArrayLike<number>,
  ): void {
    if (this.full) throw new RangeError(`RolloutBuffer.add: buffer is full (${this.nSteps} steps)`);
    const N = this.nEnvs;
    const check = (name: string, a: ArrayLike<number>, n: number): void => {
      if (a.length !== n)
        throw new RangeError(`RolloutBuffer.add: ${name} has length ${a.length}, expected ${n}`);
    };
    check('obs', obs, N * this.obsDim);
    check('action', action, N * this.actionDim);
    check('logProb', logProb, N);
    check('value', value, N);
    check('reward', reward, N);
    check('done', done, N);
    for (let e = 0; e < N; e++) {
      const d = done[e]!;
      if (d !== 0 && d !== 1) throw new RangeError(`RolloutBuffer.add: done[${e}] must be 0 or 1 (got ${d})`);
    }
    const row = this.steps * N;
    this.obsData.set(obs, row * this.obsDim);
    this.actionData.set(action, row * this.actionDim);
    this.logProbData.set(logProb, row);
    this.valueData.set(value, row);
    this.rewardData.set(reward, row);
    this.doneData.set(done, row);
    this.steps++;
    this.gaeDone = false;
  }

  /**
   * GAE(γ, λ) over the stored steps (see the module header): fills `advantages` and `returns`.
   * lastValue: V(s_T) per env, the value of the observation after the last stored step (ignored for
   * envs whose last step is done).
   */
  computeGae(lastValue: ArrayLike<number>, gamma: number, lambda: number): void {
    const N = this.nEnvs;
    if (this.steps === 0) throw new RangeError('RolloutBuffer.computeGae: the buffer is empty');
    if (lastValue.length !== N)
      throw new RangeError(
        `RolloutBuffer.computeGae: lastValue has length ${lastValue.length}, expected ${N}`,
      );
    if (!(gamma >= 0 && gamma <= 1))
      throw new RangeError(`RolloutBuffer.computeGae: gamma must be in [0, 1] (got ${gamma})`);
    if (!(lambda >= 0 && lambda <= 1))
      throw new RangeError(`RolloutBuffer.computeGae: lambda must be in [0, 1] (got ${lambda})`);
    const V = this.valueData;
    const r = this.rewardData;
    const d = this.doneData;
    const adv = this.advantageData;
    const ret = this.returnData;
    const gae = this.lastGae;
    gae.fill(0);
    const gl = gamma * lambda;
    for (let t = this.steps - 1; t >= 0; t--) {
      const last = t === this.steps - 1;
      for (let e = 0; e < N; e++) {
        const i = t * N + e;
        const nonTerminal = 1 - d[i]!;
        const nextV = last ? lastValue[e]! : V[i + N]!;
        const delta = r[i]! + gamma * nextV * nonTerminal - V[i]!;
        const a = delta + gl * nonTerminal * gae[e]!;
        gae[e] = a;
        adv[i] = a;
        ret[i] = a + V[i]!;
      }
    }
    this.gaeDone = true;
  }

  /** Observations, size × obsDim (a view of the stored rows; valid until the next add/clear). */
  get obs(): Float32Array {
    return this.view(this.obsData, this.obsDim);
  }

  /** Raw Gaussian action samples, size × actionDim. */
  get actions(): Float32Array {
    return this.view(this.actionData, this.actionDim);
  }

  /** log π_old(a|s), size. */
  get logProbs(): Float32Array {
    return this.view(this.logProbData, 1);
  }

  /** V_old(s), size. */
  get values(): Float32Array {
    return this.view(this.valueData, 1);
  }

  get rewards(): Float32Array {
    return this.view(this.rewardData, 1);
  }

  get dones(): Float32Array {
    return this.view(this.doneData, 1);
  }

  /** GAE advantages Â, size (meaningful after computeGae). */
  get advantages(): Float32Array {
    return this.view(this.advantageData, 1);
  }

  /** Value targets R = Â + V_old, size (meaningful after computeGae). */
  get returns(): Float32Array {
    return this.view(this.returnData, 1);
  }

  private view(a: Float32Array, width: number): Float32Array {
    return this.full ? a : a.subarray(0, this.size * width);
  }
}
