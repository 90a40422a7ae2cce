/**
 * The SAC trainer: Soft Actor-Critic (Haarnoja, Zhou, Abbeel & Levine 2018; the twin-critic,
 * auto-temperature form of Haarnoja et al. 2018b, implemented in core/rl/sac/sac.ts) on one
 * MarketMakingEnv, off-policy from a replay buffer.
 *
 * Loop, per env step:
 *   1. act: uniform random actions in [−1, 1]² for the first `warmupSteps` steps (exploration that
 *      does not depend on the untrained networks, as SB3's learning_starts), then a sample of the
 *      stochastic policy on the normalized observation;
 *   2. step the env; the running normalizer is updated with the new raw observation, which is then
 *      normalized with the updated statistics;
 *   3. store (normalized s, a, rewardScale·r, normalized s', terminated). `terminated` only: a time-limit
 *      truncation (env.maxEpisodeSteps) is stored with done = 0, so the critic bootstraps through it
 *      (the time limit is not part of the MDP). Stored observations keep the statistics of the moment
 *      they were seen; the statistics settle quickly and this is what the standard implementations do;
 *   4. after warm-up, every `updateEvery` steps, updateEvery·updatesPerStep updates on batches drawn
 *      uniformly from the buffer.
 * Episodes run training paths (trainingSeed, 0), (trainingSeed, 1), …
 *
 * Resume is the same as never stopping: networks, target networks, α and the Adam moments
 * (Sac.getWeights with the optimizer), the agent's noise counters, the normalizer, the counters, the
 * next path index, the evaluation/checkpoint schedule, the replay buffer (contents and sampling state,
 * when it was small enough to be written: checkpoint.ts) and the running episode (its path, the
 * actions taken so far — replayed on the env at resume, trainer.ts EpisodeLog —, its return so far and
 * the normalized observation the agent acts on next, normalized with the statistics of the moment it
 * was seen) come back exactly, so a resumed run takes the same steps and updates, bit for bit, as one
 * that never stopped (resume-equivalence.test.ts). Two exceptions, both logged: a checkpoint from
 * before the running episode was saved abandons that episode and starts the next path; a buffer that
 * was not written is refilled: the trainer acts with the (trained, stochastic) policy and does not
 * update for another `warmupSteps` steps. Metric samples are per session (the last one of a stopped
 * session is forced out), so they are not in the checkpoint.
 */
import { Sac, type SacWeights } from '../sac/sac';
import type { Policy } from '../agent';
import { allocateBatch, ReplayBuffer, type ReplayBatch, type ReplayBufferMeta } from '../replay-buffer';
import { CheckpointError, type CheckpointState, type LoadedCheckpoint } from './checkpoint';
import { agentSeed, replaySeed, trainingSeed, type TrainConfig } from './config';
import { actionDimOfConfig, makeEnv, type TrainEnv } from './env-factory';
import {
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

/** The SAC agent of a config (untrained; setWeights loads a checkpoint's snapshot). */
export function makeSacAgent(cfg: TrainConfig, obsDim: number): Sac {
  const c = cfg.sac;
  return new Sac({
    obsDim,
    actionDim: actionDimOfConfig(cfg),
    seed: agentSeed(cfg),
    hidden: c.hidden,
    gamma: c.gamma,
    tau: c.tau,
    actorLr: c.actorLr,
    criticLr: c.criticLr,
    alphaLr: c.alphaLr,
    initialAlpha: c.initialAlpha,
    autoAlpha: c.autoAlpha,
    warmupSteps: c.warmupSteps,
    ...(c.targetEntropy !== undefined ? { targetEntropy: c.targetEntropy } : {}),
    ...(c.maxGradNorm !== undefined ? { maxGradNorm: c.maxGradNorm } : {}),
  });
}

export class SacTrainer extends BaseTrainer {
  readonly algo = 'sac' as const;
  private readonly te: TrainEnv;
  private agent: Sac | undefined;
  private buffer: ReplayBuffer | undefined;
  private batch: ReplayBatch | undefined;
  private nextPath = 0;
  /** The running episode: its actions, return so far, current normalized and raw observation. */
  private readonly episode: EpisodeLog;
  /** Entries of one action (2, or 4 with a size action). */
  private readonly actionDim: number;
  private episodeLive = false;
  private epReturn = 0;
  private obsN: Float32Array;
  private raw: Float64Array = new Float64Array(0);
  /** Uniform random actions before this step. */
  private randomUntil: number;
  /** Updates of the current burst still to do (a stop can fall between them). */
  private pendingUpdates = 0;
  /** No updates before this step. */
  private updatesFrom: number;

  constructor(s: TrainerSetup) {
    const te = makeEnv(s.cfg);
    super(s, te.obsDim);
    this.te = te;
    this.actionDim = te.actionDim;
    this.episode = new EpisodeLog(te.actionDim);
    this.hookTrainEnv(te, 0);
    this.randomUntil = s.cfg.sac.warmupSteps;
    this.updatesFrom = Math.max(1, s.cfg.sac.warmupSteps);
    this.obsN = new Float32Array(te.obsDim);
  }

  /** Replay capacity: bufferSize, but never more than the run can fill. */
  get bufferCapacity(): number {
    return Math.max(1, Math.min(this.cfg.sac.bufferSize, this.cfg.budget.totalSteps));
  }

  async init(checkpoint: LoadedCheckpoint | undefined): Promise<void> {
    const cfg = this.cfg;
    const c = cfg.sac;
    const D = this.te.obsDim;
    this.agent = makeSacAgent(cfg, D);
    this.batch = allocateBatch(c.batchSize, D, this.actionDim);
    const capacity = this.bufferCapacity;
    const fresh = (): ReplayBuffer =>
      new ReplayBuffer({ capacity, obsDim: D, actionDim: this.actionDim, seed: replaySeed(cfg) });
    if (!checkpoint) {
      this.buffer = fresh();
      return;
    }
    this.restoreBase(checkpoint);
    await this.agent.setWeights(checkpoint.agent as SacWeights);
    this.updates = this.agent.updateCount;
    const m = checkpoint.manifest;
    this.nextPath = m.nextPath[0]!;
    const savedFrom = checkpoint.trainer.updatesFrom;
    if (typeof savedFrom === 'number') this.updatesFrom = Math.max(this.updatesFrom, savedFrom);
    const pending = checkpoint.trainer.pendingUpdates;
    if (typeof pending === 'number' && Number.isInteger(pending) && pending >= 0)
      this.pendingUpdates = pending;
    this.restoreEpisode(checkpoint);
    if (checkpoint.replay) {
      const { meta, arrays } = checkpoint.replay;
      if (meta.obsDim !== D || meta.actionDim !== this.actionDim)
        throw new RangeError(`${checkpoint.info.dir}: replay buffer dimensions do not match the env`);
      if (meta.capacity === capacity) this.buffer = ReplayBuffer.restore(meta, arrays);
      else {
        // The budget changed the capacity: re-add the stored rows, oldest first.
        const buf = fresh();
        for (const row of chronological(meta))
          buf.add(
            arrays.obs,
            arrays.action,
            arrays.reward[row]!,
            arrays.nextObs,
            arrays.done[row]!,
            row * D,
            row * this.actionDim,
          );
        this.buffer = buf;
        this.log(`replay buffer resized from ${meta.capacity} to ${capacity} transitions`);
      }
    } else {
      this.buffer = fresh();
      this.pendingUpdates = 0; // nothing to sample from until the buffer is refilled
      this.updatesFrom = Math.max(this.updatesFrom, this.step + Math.max(1, c.warmupSteps));
      this.log(
        `the checkpoint has no replay contents (${m.replay?.omitted ?? 'not saved'}); ` +
          `refilling the buffer: no updates until step ${this.updatesFrom}`,
      );
    }
  }

  /** Continue the checkpoint's running episode (replayed on the env), if it has one. */
  private restoreEpisode(c: LoadedCheckpoint): void {
    const saved = c.trainer.episode;
    const obs = c.trainer.obs;
    if (saved === undefined) {
      this.log(`${c.info.id} holds no running episode: starting the next path (${this.nextPath})`);
      return;
    }
    const ep = parseEpisodeState(c, saved, 'the running episode');
    if (!(obs instanceof Float32Array) || obs.length !== this.obsN.length)
      throw new CheckpointError(c.info.dir, 'the running episode has no current observation');
    this.raw = replayEpisode(c, this.te, trainingSeed(this.cfg), ep, this.episode, 'the running episode');
    this.noteReset(this.te);
    this.obsN.set(obs);
    this.epReturn = ep.epReturn;
    this.refObs = this.raw;
    this.episodeLive = true;
  }

  protected policy(): Policy {
    return this.sac();
  }

  private sac(): Sac {
    if (!this.agent) throw new Error('SacTrainer: not initialized');
    return this.agent;
  }

  protected async loop(ctx: RunContext): Promise<TrainResult> {
    const cfg = this.cfg;
    const c = cfg.sac;
    const total = cfg.budget.totalSteps;
    const agent = this.sac();
    const buffer = this.buffer!;
    const batch = this.batch!;
    const env = this.te.env;
    const D = this.te.obsDim;
    const scale = cfg.rewardScale;
    const bound = cfg.guard.maxLoss;
    const burst = Math.round(c.updateEvery * c.updatesPerStep);
    const obsN = this.obsN;
    const nextN = new Float32Array(D);
    const act = new Float32Array(this.actionDim);
    this.startSchedule();
    const fail = (why: string): Promise<TrainResult> => this.fail(ctx, why);

    if (!this.episodeLive && this.step < total) this.startEpisode(obsN);
    for (;;) {
      if (!this.turnPending) {
        if (this.step >= total) break;
        const stop = await this.tick(ctx);
        if (stop) return this.stop(ctx, stop);

        if (this.step < this.randomUntil) agent.randomAction(act);
        else {
          agent.act(obsN, false, act);
          if (!allFinite(act))
            return fail(`the policy's action is non-finite at step ${this.step} (update ${this.updates})`);
        }
        const r = env.step(act);
        this.episode.push(act);
        if (!Number.isFinite(r.reward)) return fail(`reward is ${r.reward} at step ${this.step + 1}`);
        if (!allFinite(r.observation)) return fail(`the observation is non-finite at step ${this.step + 1}`);
        this.normalizer?.update(r.observation);
        this.normalizeInto(r.observation, nextN);
        buffer.add(obsN, act, r.reward * scale, nextN, r.terminated);
        this.epReturn += r.reward;
        ctx.metrics.addInventory(r.info.inventory);
        this.step++;
        if (r.terminated || r.truncated) {
          this.episodes++;
          ctx.metrics.addEpisode(this.epReturn, r.info.pnl);
          this.startEpisode(obsN);
        } else {
          obsN.set(nextN);
          this.raw = r.observation;
          this.refObs = r.observation;
        }
        if (this.step >= this.updatesFrom && this.step % c.updateEvery === 0) this.pendingUpdates = burst;
        this.turnPending = true;
      }

      // The rest of the turn: the burst's updates (a stop between them keeps the remainder owed).
      for (let k = 0; this.pendingUpdates > 0; k++) {
        if (k > 0) {
          // Between the burst's updates: a pause waits here (at the gate), a stop ends the turn.
          await yieldBetweenUpdates(ctx);
          if (await this.yieldAndCheck(ctx)) return this.stop(ctx, 'abort');
        }
        buffer.sample(batch);
        const u = agent.update(batch);
        this.updates++;
        this.pendingUpdates--;
        const bad = lossProblem(
          { 'critic loss': u.criticLoss, 'actor loss': u.actorLoss, alpha: u.alpha, entropy: u.entropy },
          bound,
        );
        if (bad !== undefined) return fail(`${bad} at update ${this.updates}`);
        ctx.metrics.addLosses({
          actorLoss: u.actorLoss,
          criticLoss: u.criticLoss,
          alpha: u.alpha,
          entropy: u.entropy,
        });
      }

      const ended = await this.periodicWork(ctx);
      if (ended !== undefined) return ended;
      this.turnPending = false;
    }
    return this.finish(ctx, 'finished');
  }

  /** Reset the env on the next training path; the normalized first observation goes into `out`. */
  private startEpisode(out: Float32Array): void {
    const path = this.nextPath++;
    const raw = this.te.env.reset(trainingSeed(this.cfg), path);
    this.episode.start(path);
    this.episodeLive = true;
    this.epReturn = 0;
    this.noteReset(this.te);
    this.normalizer?.update(raw);
    this.normalizeInto(raw, out);
    this.raw = raw;
    this.refObs = raw;
  }

  protected async checkpointState(): Promise<CheckpointState> {
    const buffer = this.buffer!;
    return {
      ...this.baseCheckpointState(),
      nextPath: [this.nextPath],
      trainer: {
        ...this.baseTrainerState(),
        updatesFrom: this.updatesFrom,
        bufferCapacity: buffer.capacity,
        pendingUpdates: this.pendingUpdates,
        ...(this.episodeLive
          ? { episode: episodeState(this.episode, this.epReturn, this.raw), obs: this.obsN.slice() }
          : {}),
      },
      agent: await this.sac().getWeights({ optimizer: true }),
      replay: { meta: buffer.meta(), arrays: buffer.arrays() },
    };
  }

  protected disposeAgent(): void {
    this.agent?.dispose();
    this.agent = undefined;
  }
}

/** Rows of a stored buffer from the oldest to the newest. */
function* chronological(meta: ReplayBufferMeta): Generator<number> {
  const { size, capacity, cursor } = meta;
  if (size < capacity) for (let i = 0; i < size; i++) yield i;
  else for (let i = 0; i < capacity; i++) yield (cursor + i) % capacity;
}
