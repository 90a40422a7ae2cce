/**
 * The PPO trainer: Proximal Policy Optimization with the clipped surrogate (Schulman, Wolski,
 * Dhariwal, Radford & Klimov 2017; core/rl/ppo/ppo.ts) and generalized advantage estimation
 * (Schulman, Moritz, Levine, Jordan & Abbeel 2016; core/rl/ppo/rollout.ts), on `nEnvs` independent
 * MarketMakingEnvs stepped in lockstep.
 *
 * One iteration:
 *   1. rollout: nSteps vector steps; at each, the policy samples a raw (unclipped) Gaussian action per
 *      env on the normalized observations, with its log-probability and V(s); each env steps (it
 *      clips the action to [−1, 1] when it maps it to quotes); the rollout buffer stores
 *      (s, a, log π, V, rewardScale·r, done) with done = terminated OR truncated. A truncated step
 *      (env.maxEpisodeSteps, a time limit outside the MDP) gets γ·V(s_final) added to its reward, so
 *      that the advantage still bootstraps from the state the time limit cut off — the usual
 *      correction (as SB3 does) that lets GAE treat every done alike. Ended envs reset at once onto
 *      their next path: env e runs training paths e, e + nEnvs, e + 2·nEnvs, …;
 *   2. GAE(γ, λ) with V(s_T) of the observations after the last step as the bootstrap;
 *   3. Ppo.update: `epochs` passes of minibatch PPO-clip steps.
 * The last rollout of the budget is cut short so that no more than totalSteps (+ nEnvs − 1) env
 * steps are taken. Evaluation and checkpoints happen between iterations (a checkpoint never holds a
 * half-collected rollout). The running normalizer is updated with every raw observation of the
 * training envs (all envs of a vector step, then normalization with the updated statistics).
 *
 * Resume is the same as never stopping: weights, log σ, the Adam state and the agent's counters
 * (Ppo.getWeights with the optimizer), the normalizer, the counters, each env's next path index, the
 * evaluation/checkpoint schedule, every env's running episode (path, actions so far — replayed on the
 * env at resume, trainer.ts EpisodeLog —, return so far), the normalized observations the agent acts
 * on next, and the rollout collected so far (a stop in the middle of a rollout checkpoints its rows
 * and the resumed run completes that rollout) come back exactly, so a resumed run takes the same steps
 * and updates, bit for bit, as one that never stopped (resume-equivalence.test.ts). A checkpoint from
 * before this state was saved abandons the running episodes and the partial rollout (logged).
 */
import type { Policy } from '../agent';
import { Ppo, type PpoUpdateResult, type PpoWeights } from '../ppo/ppo';
import { RolloutBuffer } from '../ppo/rollout';
import { CheckpointError, type CheckpointState, type LoadedCheckpoint } from './checkpoint';
import { agentSeed, trainingSeed, type TrainConfig } from './config';
import { actionDimOfConfig, makeEnvs, type TrainEnv } from './env-factory';
import {
  ABORTED,
  allFinite,
  BaseTrainer,
  EpisodeLog,
  episodeState,
  lossProblem,
  parseEpisodeState,
  replayEpisode,
  type RunContext,
  type TrainerSetup,
} from './trainer';
import type { TrainResult } from './types';
import { yieldBetweenUpdates } from './update-yield';

/** The PPO agent of a config (untrained; setWeights loads a checkpoint's snapshot). */
export function makePpoAgent(cfg: TrainConfig, obsDim: number): Ppo {
  const p = cfg.ppo;
  return new Ppo({
    obsDim,
    actionDim: actionDimOfConfig(cfg),
    seed: agentSeed(cfg),
    hidden: p.hidden,
    gamma: p.gamma,
    gaeLambda: p.gaeLambda,
    clipRatio: p.clipRatio,
    lr: p.lr,
    epochs: p.epochs,
    minibatchSize: p.minibatchSize,
    entCoef: p.entCoef,
    vfCoef: p.vfCoef,
    maxGradNorm: p.maxGradNorm,
    normalizeAdvantages: p.normalizeAdvantages,
    ...(p.targetKl !== undefined ? { targetKl: p.targetKl } : {}),
    ...(p.initialLogStd !== undefined ? { initialLogStd: p.initialLogStd } : {}),
  });
}

export class PpoTrainer extends BaseTrainer {
  readonly algo = 'ppo' as const;
  private readonly envs: TrainEnv[];
  private agent: Ppo | undefined;
  private rollout: RolloutBuffer | undefined;
  /** Next training path of each env. */
  private nextPath: number[];
  /** The running episodes (actions, return so far, raw observation) and the normalized observations. */
  private readonly episodeLogs: EpisodeLog[];
  private readonly epReturn: Float64Array;
  private readonly raw: Float64Array[];
  private readonly obs: Float32Array;
  private live = false;

  constructor(s: TrainerSetup) {
    const envs = makeEnvs(s.cfg, s.cfg.ppo.nEnvs);
    super(s, envs[0]!.obsDim);
    this.envs = envs;
    envs.forEach((te, i) => this.hookTrainEnv(te, i));
    this.nextPath = envs.map((_, e) => e);
    this.episodeLogs = envs.map((te) => new EpisodeLog(te.actionDim));
    this.epReturn = new Float64Array(envs.length);
    this.raw = envs.map(() => new Float64Array(0));
    this.obs = new Float32Array(envs.length * envs[0]!.obsDim);
  }

  async init(checkpoint: LoadedCheckpoint | undefined): Promise<void> {
    const cfg = this.cfg;
    const p = cfg.ppo;
    const D = this.envs[0]!.obsDim;
    this.agent = makePpoAgent(cfg, D);
    this.rollout = new RolloutBuffer({
      nSteps: p.nSteps,
      nEnvs: p.nEnvs,
      obsDim: D,
      actionDim: this.envs[0]!.actionDim,
    });
    if (!checkpoint) return;
    this.restoreBase(checkpoint);
    await this.agent.setWeights(checkpoint.agent as PpoWeights);
    this.updates = this.agent.updateCount;
    const np = checkpoint.manifest.nextPath;
    if (np.length !== p.nEnvs)
      throw new RangeError(
        `${checkpoint.info.dir}: ${np.length} env cursors, the config has ${p.nEnvs} envs`,
      );
    this.nextPath = [...np];
    this.restoreEpisodes(checkpoint);
  }

  /** Continue the checkpoint's running episodes (replayed on the envs) and its partial rollout. */
  private restoreEpisodes(c: LoadedCheckpoint): void {
    const eps = c.trainer.episodes;
    const obs = c.trainer.obs;
    if (eps === undefined) {
      this.log(`${c.info.id} holds no running episodes: every env starts on its next path`);
      return;
    }
    const N = this.envs.length;
    if (!Array.isArray(eps) || eps.length !== N)
      throw new CheckpointError(c.info.dir, `the running episodes are not ${N} (one per env)`);
    if (!(obs instanceof Float32Array) || obs.length !== this.obs.length)
      throw new CheckpointError(c.info.dir, 'the running episodes have no current observations');
    const seed = trainingSeed(this.cfg);
    for (let e = 0; e < N; e++) {
      const what = `env ${e}'s running episode`;
      const ep = parseEpisodeState(c, eps[e], what);
      this.raw[e] = replayEpisode(c, this.envs[e]!, seed, ep, this.episodeLogs[e]!, what);
      this.noteReset(this.envs[e]!);
      this.epReturn[e] = ep.epReturn;
    }
    this.obs.set(obs);
    this.refObs = this.raw[0]!;
    const ro = c.trainer.rollout;
    if (ro !== undefined) {
      const r = ro as Record<string, unknown>;
      const parts = ['obs', 'action', 'logProb', 'value', 'reward', 'done'] as const;
      const widths = {
        obs: this.obs.length / N,
        action: this.envs[0]!.actionDim,
        logProb: 1,
        value: 1,
        reward: 1,
        done: 1,
      };
      const steps = r.steps;
      if (!(
        typeof steps === 'number' &&
        Number.isInteger(steps) &&
        steps >= 0 &&
        steps <= this.cfg.ppo.nSteps
      ))
        throw new CheckpointError(c.info.dir, 'the partial rollout is malformed');
      for (const k of parts) {
        const a = r[k];
        if (!(a instanceof Float32Array) || a.length !== steps * N * widths[k])
          throw new CheckpointError(c.info.dir, `the partial rollout's ${k} is malformed`);
      }
      const rows = r as Record<(typeof parts)[number], Float32Array>;
      const rollout = this.rollout!;
      rollout.clear();
      for (let t = 0; t < steps; t++) {
        const at = (k: (typeof parts)[number]): Float32Array =>
          rows[k].subarray(t * N * widths[k], (t + 1) * N * widths[k]);
        rollout.add(at('obs'), at('action'), at('logProb'), at('value'), at('reward'), at('done'));
      }
    }
    this.live = true;
  }

  protected policy(): Policy {
    return this.ppo();
  }

  private ppo(): Ppo {
    if (!this.agent) throw new Error('PpoTrainer: not initialized');
    return this.agent;
  }

  protected async loop(ctx: RunContext): Promise<TrainResult> {
    const cfg = this.cfg;
    const p = cfg.ppo;
    const total = cfg.budget.totalSteps;
    const agent = this.ppo();
    const rollout = this.rollout!;
    const N = p.nEnvs;
    const D = this.envs[0]!.obsDim;
    const scale = cfg.rewardScale;
    const gamma = agent.config.gamma;
    const bound = cfg.guard.maxLoss;
    const obs = this.obs;
    const ACTION_DIM = this.envs[0]!.actionDim;
    const act = new Float32Array(N * ACTION_DIM);
    const logp = new Float32Array(N);
    const val = new Float32Array(N);
    const rew = new Float32Array(N);
    const done = new Float32Array(N);
    const lastVal = new Float32Array(N);
    const finalN = new Float32Array(D);
    const vFinal = new Float32Array(1);
    const epReturn = this.epReturn;
    const raw = this.raw;
    this.startSchedule();
    const fail = (why: string): Promise<TrainResult> => this.fail(ctx, why);

    if (!this.live && this.step < total) {
      for (let e = 0; e < N; e++) raw[e] = this.resetEnv(e);
      this.observe(raw, obs);
      this.live = true;
    }

    for (;;) {
      if (!this.turnPending) {
        if (this.step >= total) break;
        // A resumed run first completes the rollout its checkpoint was taken in.
        while (rollout.stepCount < p.nSteps && this.step < total) {
          const stop = await this.tick(ctx);
          if (stop) return this.stop(ctx, stop);
          agent.sample(obs, act, logp, val);
          if (!allFinite(act) || !allFinite(val))
            return fail(`the policy's output is non-finite at step ${this.step} (update ${this.updates})`);
          for (let e = 0; e < N; e++) {
            const te = this.envs[e]!;
            const r = te.env.step(act.subarray(e * ACTION_DIM, e * ACTION_DIM + ACTION_DIM));
            this.episodeLogs[e]!.push(act, e * ACTION_DIM);
            if (!Number.isFinite(r.reward)) return fail(`reward is ${r.reward} at step ${this.step + e + 1}`);
            if (!allFinite(r.observation))
              return fail(`the observation is non-finite at step ${this.step + e + 1}`);
            let reward = r.reward * scale;
            epReturn[e] = epReturn[e]! + r.reward;
            ctx.metrics.addInventory(r.info.inventory);
            if (r.truncated && !r.terminated) {
              this.normalizeInto(r.observation, finalN);
              agent.value(finalN, vFinal);
              reward += gamma * vFinal[0]!;
            }
            rew[e] = reward;
            if (r.terminated || r.truncated) {
              done[e] = 1;
              this.episodes++;
              ctx.metrics.addEpisode(epReturn[e]!, r.info.pnl);
              epReturn[e] = 0;
              raw[e] = this.resetEnv(e);
            } else {
              done[e] = 0;
              raw[e] = r.observation;
            }
          }
          rollout.add(obs, act, logp, val, rew, done);
          this.step += N;
          this.observe(raw, obs);
          this.emitMetrics(ctx);
        }
        this.turnPending = true;
      }

      // The rest of the turn: the update (cancellable between minibatches), then the periodic work.
      if (rollout.stepCount > 0) {
        agent.value(obs, lastVal);
        rollout.computeGae(lastVal, gamma, agent.config.gaeLambda);
        const u = await this.cancellableUpdate(ctx, rollout);
        if (u === ABORTED) return this.stop(ctx, 'abort');
        rollout.clear();
        this.updates += u.minibatches;
        const bad = lossProblem(
          {
            'policy loss': u.policyLoss,
            'value loss': u.valueLoss,
            entropy: u.entropy,
            'approx KL': u.approxKl,
          },
          bound,
        );
        if (bad !== undefined) return fail(`${bad} at update ${this.updates}`);
        ctx.metrics.addLosses({
          actorLoss: u.policyLoss,
          criticLoss: u.valueLoss,
          entropy: u.entropy,
          approxKl: u.approxKl,
          clipFraction: u.clipFraction,
        });
      }

      const ended = await this.periodicWork(ctx);
      if (ended !== undefined) return ended;
      this.turnPending = false;
    }
    return this.finish(ctx, 'finished');
  }

  /**
   * Ppo.update one minibatch at a time; between minibatches the trainer yields to the event loop when
   * UPDATE_YIELD_MS (update-yield.ts, 10 ms; a minibatch of ppo-default takes ~21 ms on wasm) have
   * passed, waits at the gate while paused and checks the signal (yieldAndCheck), so a pause or stop
   * that arrives mid-update is honoured at the next minibatch boundary instead of after the whole
   * update (ppo-default: 80 minibatches, ~1.7 s on wasm). Waiting at the gate changes
   * nothing that is computed: a paused and resumed update is bit-identical to an uninterrupted one.
   * On an abort the agent goes back to its state from before the update (a snapshot, restored
   * exactly), so the stop's checkpoint holds the collected rollout and the weights it is to be learned
   * from: the resumed run redoes this update as if it had never stopped.
   */
  private async cancellableUpdate(
    ctx: RunContext,
    rollout: RolloutBuffer,
  ): Promise<PpoUpdateResult | typeof ABORTED> {
    const agent = this.ppo();
    const before = ctx.opts.signal ? await agent.getWeights({ optimizer: true }) : undefined;
    const steps = agent.updateSteps(rollout);
    for (;;) {
      const r = steps.next();
      if (r.done === true) return r.value;
      await yieldBetweenUpdates(ctx);
      if ((await this.yieldAndCheck(ctx)) && before !== undefined) {
        await agent.setWeights(before);
        return ABORTED;
      }
    }
  }

  /** Reset env e onto its next path; returns the raw first observation. */
  private resetEnv(e: number): Float64Array {
    const te = this.envs[e]!;
    const path = this.nextPath[e]!;
    this.nextPath[e] = path + this.envs.length;
    const o = te.env.reset(trainingSeed(this.cfg), path);
    this.episodeLogs[e]!.start(path);
    this.epReturn[e] = 0;
    this.noteReset(te);
    return o;
  }

  /** Update the normalizer with every env's raw observation, then normalize them all into `out`. */
  private observe(raw: readonly Float64Array[], out: Float32Array): void {
    const D = this.envs[0]!.obsDim;
    if (this.normalizer) for (const r of raw) this.normalizer.update(r);
    raw.forEach((r, e) => this.normalizeInto(r, out, e * D));
    // The reference observation of the quote curves: env 0's current (non-terminal) observation.
    this.refObs = raw[0]!;
  }

  protected async checkpointState(): Promise<CheckpointState> {
    return {
      ...this.baseCheckpointState(),
      nextPath: [...this.nextPath],
      trainer: {
        ...this.baseTrainerState(),
        nEnvs: this.envs.length,
        ...(this.live
          ? {
              episodes: this.envs.map((_, e) =>
                episodeState(this.episodeLogs[e]!, this.epReturn[e]!, this.raw[e]!),
              ),
              obs: this.obs.slice(),
              ...(this.rollout!.stepCount > 0 ? { rollout: this.partialRollout() } : {}),
            }
          : {}),
      },
      agent: await this.ppo().getWeights({ optimizer: true }),
    };
  }

  /** The rows of the rollout collected so far (a stop mid-rollout; copies). */
  private partialRollout(): Record<string, unknown> {
    const r = this.rollout!;
    return {
      steps: r.stepCount,
      obs: r.obs.slice(),
      action: r.actions.slice(),
      logProb: r.logProbs.slice(),
      value: r.values.slice(),
      reward: r.rewards.slice(),
      done: r.dones.slice(),
    };
  }

  protected disposeAgent(): void {
    this.agent?.dispose();
    this.agent = undefined;
  }
}
