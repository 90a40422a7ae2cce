/**
 * What every trained agent offers to the code that runs it (evaluation, the policy quoter, the
 * training monitor): a batch of observations in, a batch of actions in [−1, 1] out. SAC, PPO and REINFORCE
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

/** What an agent snapshot (getWeights of SAC, PPO, REINFORCE) records about the agent it came from. */
export interface SnapshotHeader {
  version: number;
  obsDim: number;
  actionDim: number;
  hidden: readonly number[];
  seed: number;
}

/**
 * The checks every agent's setWeights starts with: the snapshot's version, its network shape against
 * the agent's, a finite noise seed and counters that are integers ≥ 0. `who` prefixes the messages
 * ("Sac.setWeights").
 */
export function checkSnapshot(
  who: string,
  w: SnapshotHeader,
  agent: Pick<SnapshotHeader, 'obsDim' | 'actionDim' | 'hidden'>,
  counters: Record<string, number>,
): void {
  if (w.version !== 1) throw new RangeError(`${who}: unknown version ${String(w.version)}`);
  if (
    w.obsDim !== agent.obsDim ||
    w.actionDim !== agent.actionDim ||
    w.hidden.length !== agent.hidden.length ||
    w.hidden.some((h, i) => h !== agent.hidden[i])
  )
    throw new RangeError(
      `${who}: snapshot is obs ${w.obsDim}, action ${w.actionDim}, hidden [${w.hidden.join(', ')}]; ` +
        `agent is obs ${agent.obsDim}, action ${agent.actionDim}, hidden [${agent.hidden.join(', ')}]`,
    );
  if (!Number.isFinite(w.seed)) throw new RangeError(`${who}: seed must be finite`);
  for (const [k, v] of Object.entries(counters))
    if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`${who}: ${k} must be an integer ≥ 0`);
}
