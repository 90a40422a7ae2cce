/**
 * What every trained agent offers to the code that runs it (evaluation, the policy quoter, the
 * training monitor): a batch of observations in, a batch of actions in [−1, 1] out. SAC and PPO both
 * implement it; the env maps [−1, 1] to quote offsets with `actionScale: 'unit'`.
 */
export interface Policy {
  readonly obsDim: number;
  readonly actionDim: number;
  /**
   * Actions for `rows = obs.length / obsDim` observations into `out` (rows × actionDim, in [−1, 1]).
   * Stochastic unless `deterministic`. Must not retain `obs` or `out`.
   */
  act(obs: Float32Array | Float64Array, deterministic: boolean, out: Float32Array | Float64Array): void;
}
