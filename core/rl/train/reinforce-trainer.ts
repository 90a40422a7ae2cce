/**
 * The REINFORCE trainer: the policy gradient with a learned state-value baseline (Williams 1992;
 * Sutton & Barto 2018 §13.4; core/rl/reinforce/reinforce.ts) on `episodesPerUpdate` = E independent
 * MarketMakingEnvs.
 *
 * One iteration (update u, counted by the agent):
 *   1. collection: env e runs ONE complete episode on training path u·E + e; the envs step in
 *      lockstep (an env whose episode has ended waits for the others). At vector step t the policy
 *      samples a raw Gaussian action for every env on the normalized observations, with the noise keyed
 *      by (u, t) (Reinforce.sample), so the draws do not depend on anything but the update and the step.
 *      Each row keeps (s_t, a_t, rewardScale·r_t). An episode cut off by the time limit
 *      (env.maxEpisodeSteps) bootstraps its returns with γ·b(s_final), as the PPO trainer does;
 *   2. G_t = discounted returns-to-go within each episode (returnsToGo), in env order;
 *   3. Reinforce.update: one policy step on Σ_t ∇ log π(a_t|s_t)(G_t − b(s_t)), then the baseline's
 *      least-squares steps.
 * The budget is checked between iterations and every iteration completes its episodes, so a run takes
 * up to E·(episode length) − 1 steps more than budget.totalSteps. Evaluation and checkpoints happen
 * between iterations (periodicWork), so a checkpoint never holds a half-collected batch.
 *
 * Stop and resume. A stop (signal, time budget) in the middle of a collection abandons the batch: the
 * step and episode counters and the observation normalizer go back to where the batch began and the
 * stop's checkpoint is the state before it; the resumed run collects the same batch again (same paths,
 * same noise keys) and continues exactly as one that never stopped (the metric samples emitted during
 * the abandoned part are not repeated identically: only the learned state is). A stop during the
 * periodic evaluation after an update is checkpointed with the turn pending (trainer.ts), as for PPO.
 */
import type { Policy } from '../agent';
import type { NormalizerState } from '../features/normalizer';
import { RunningNormalizer } from '../features/normalizer';
import { Reinforce, returnsToGo, type ReinforceWeights } from '../reinforce/reinforce';
import type { CheckpointState, LoadedCheckpoint } from './checkpoint';
import { agentSeed, trainingSeed, type TrainConfig } from './config';
import { actionDimOfConfig, makeEnvs, type TrainEnv } from './env-factory';
import {
  allFinite,
  BaseTrainer,
  lossProblem,
  type RunContext,
  type StopCause,
  type TrainerSetup,
} from './trainer';
import type { TrainResult } from './types';

/** The REINFORCE agent of a config (untrained; setWeights loads a checkpoint's snapshot). */
export function makeReinforceAgent(cfg: TrainConfig, obsDim: number): Reinforce {
  const r = cfg.reinforce;
  return new Reinforce({
    obsDim,
    actionDim: actionDimOfConfig(cfg),
    seed: agentSeed(cfg),
    hidden: r.hidden,
    ...(r.baselineHidden !== undefined ? { baselineHidden: r.baselineHidden } : {}),
    discount: r.discount,
    policyLr: r.policyLr,
    baselineLr: r.baselineLr,
    baselineSteps: r.baselineSteps,
    entCoef: r.entCoef,
    normalizeAdvantages: r.normalizeAdvantages,
    ...(r.maxGradNorm !== undefined ? { maxGradNorm: r.maxGradNorm } : {}),
    ...(r.initialLogStd !== undefined ? { initialLogStd: r.initialLogStd } : {}),
  });
}

/** One env's episode of the batch being collected (normalized observations, raw actions, scaled rewards). */
interface EpisodeRows {
  obs: number[];
  actions: number[];
  rewards: number[];
  bootstrap: number;
  done: boolean;
}

export class ReinforceTrainer extends BaseTrainer {
  readonly algo = 'reinforce' as const;
  private readonly envs: TrainEnv[];
  private agent: Reinforce | undefined;

  constructor(s: TrainerSetup) {
    const envs = makeEnvs(s.cfg, s.cfg.reinforce.episodesPerUpdate);
    super(s, envs[0]!.obsDim);
    this.envs = envs;
    envs.forEach((te, i) => this.hookTrainEnv(te, i));
  }

  async init(checkpoint: LoadedCheckpoint | undefined): Promise<void> {
    this.agent = makeReinforceAgent(this.cfg, this.envs[0]!.obsDim);
    if (!checkpoint) return;
    this.restoreBase(checkpoint);
    await this.agent.setWeights(checkpoint.agent as ReinforceWeights);
    this.updates = this.agent.updateCount;
  }

  protected policy(): Policy {
    return this.reinforce();
  }

  private reinforce(): Reinforce {
    if (!this.agent) throw new Error('ReinforceTrainer: not initialized');
    return this.agent;
  }

  /** Training paths of the next batch: u·E + e. */
  private nextPaths(): number[] {
    const E = this.envs.length;
    return this.envs.map((_, e) => this.reinforce().updateCount * E + e);
  }

  protected async loop(ctx: RunContext): Promise<TrainResult> {
    const cfg = this.cfg;
    const total = cfg.budget.totalSteps;
    const agent = this.reinforce();
    this.startSchedule();
    for (;;) {
      if (!this.turnPending) {
        if (this.step >= total) break;
        const collected = await this.collect(ctx);
        if (typeof collected === 'string') return this.fail(ctx, collected);
        if (!Array.isArray(collected)) return this.stop(ctx, collected.stop);
        this.turnPending = true;
        const batch = this.batchOf(collected);
        const u = agent.update(batch);
        this.updates = agent.updateCount;
        const bad = lossProblem(
          { 'policy loss': u.policyLoss, 'baseline loss': u.baselineLoss, entropy: u.entropy },
          cfg.guard.maxLoss,
        );
        if (bad !== undefined) return this.fail(ctx, `${bad} at update ${this.updates}`);
        ctx.metrics.addLosses({ actorLoss: u.policyLoss, criticLoss: u.baselineLoss, entropy: u.entropy });
      }
      const ended = await this.periodicWork(ctx);
      if (ended !== undefined) return ended;
      this.turnPending = false;
    }
    return this.finish(ctx, 'finished');
  }

  /**
   * Run one episode on every env (see the module header). Returns the episodes, a failure reason, or
   * the stop cause after rolling the counters and the normalizer back to the batch's start.
   */
  private async collect(ctx: RunContext): Promise<EpisodeRows[] | string | { stop: StopCause }> {
    const agent = this.reinforce();
    const E = this.envs.length;
    const D = this.envs[0]!.obsDim;
    const ACTION_DIM = this.envs[0]!.actionDim;
    const scale = this.cfg.rewardScale;
    const discount = agent.config.discount;
    const seed = trainingSeed(this.cfg);
    const u = agent.updateCount;
    const start = {
      step: this.step,
      episodes: this.episodes,
      normalizer: this.normalizer?.toJSON(),
    };
    const raw: Float64Array[] = [];
    const paths = this.nextPaths();
    for (let e = 0; e < E; e++) {
      raw.push(this.envs[e]!.env.reset(seed, paths[e]!));
      this.noteReset(this.envs[e]!);
    }
    const eps: EpisodeRows[] = this.envs.map(() => ({
      obs: [],
      actions: [],
      rewards: [],
      bootstrap: 0,
      done: false,
    }));
    const epReturn = new Float64Array(E);
    const obs = new Float32Array(E * D);
    const act = new Float32Array(E * ACTION_DIM);
    const logp = new Float32Array(E);
    const finalN = new Float32Array(D);
    const vFinal = new Float32Array(1);
    for (let t = 0; ; t++) {
      const stop = await this.tick(ctx);
      if (stop) {
        this.rollback(start);
        return { stop };
      }
      let live = 0;
      for (let e = 0; e < E; e++) {
        if (eps[e]!.done) continue;
        live++;
        if (this.normalizer) this.normalizer.update(raw[e]!);
      }
      if (live === 0) break;
      for (let e = 0; e < E; e++) if (!eps[e]!.done) this.normalizeInto(raw[e]!, obs, e * D);
      this.refObs = raw.find((_, e) => !eps[e]!.done) ?? null;
      agent.sample(obs, act, logp, u, t);
      if (!allFinite(act))
        return `the policy's action is non-finite at step ${this.step} (update ${this.updates})`;
      for (let e = 0; e < E; e++) {
        const ep = eps[e]!;
        if (ep.done) continue;
        const a = act.subarray(e * ACTION_DIM, e * ACTION_DIM + ACTION_DIM);
        const r = this.envs[e]!.env.step(a);
        this.step++;
        if (!Number.isFinite(r.reward)) return `reward is ${r.reward} at step ${this.step}`;
        if (!allFinite(r.observation)) return `the observation is non-finite at step ${this.step}`;
        for (let i = 0; i < D; i++) ep.obs.push(obs[e * D + i]!);
        for (let i = 0; i < ACTION_DIM; i++) ep.actions.push(a[i]!);
        ep.rewards.push(r.reward * scale);
        epReturn[e] = epReturn[e]! + r.reward;
        ctx.metrics.addInventory(r.info.inventory);
        if (r.terminated || r.truncated) {
          if (r.truncated && !r.terminated) {
            this.normalizeInto(r.observation, finalN);
            agent.baseline(finalN, vFinal);
            ep.bootstrap = discount * vFinal[0]!;
          }
          ep.done = true;
          this.episodes++;
          ctx.metrics.addEpisode(epReturn[e]!, r.info.pnl);
        } else raw[e] = r.observation;
      }
      this.emitMetrics(ctx);
    }
    return eps;
  }

  /** The batch of the collected episodes, in env order, with their discounted returns-to-go. */
  private batchOf(eps: readonly EpisodeRows[]): {
    obs: Float32Array;
    actions: Float32Array;
    returns: Float32Array;
  } {
    const B = eps.reduce((n, ep) => n + ep.rewards.length, 0);
    const D = this.envs[0]!.obsDim;
    const ACTION_DIM = this.envs[0]!.actionDim;
    const obs = new Float32Array(B * D);
    const actions = new Float32Array(B * ACTION_DIM);
    const returns = new Float32Array(B);
    const g = new Float64Array(B);
    let row = 0;
    for (const ep of eps) {
      obs.set(ep.obs, row * D);
      actions.set(ep.actions, row * ACTION_DIM);
      returnsToGo(ep.rewards, this.reinforce().config.discount, g, ep.bootstrap, row);
      row += ep.rewards.length;
    }
    returns.set(g);
    return { obs, actions, returns };
  }

  private rollback(start: { step: number; episodes: number; normalizer: NormalizerState | undefined }): void {
    this.step = start.step;
    this.episodes = start.episodes;
    if (this.normalizer && start.normalizer !== undefined)
      this.normalizer = RunningNormalizer.fromJSON(start.normalizer);
  }

  protected async checkpointState(): Promise<CheckpointState> {
    return {
      ...this.baseCheckpointState(),
      nextPath: this.nextPaths(),
      trainer: { ...this.baseTrainerState(), nEnvs: this.envs.length },
      agent: await this.reinforce().getWeights({ optimizer: true }),
    };
  }

  protected disposeAgent(): void {
    this.agent?.dispose();
    this.agent = undefined;
  }
}
