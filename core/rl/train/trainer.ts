/**
 * The training service: `createTrainer(cfg, opts)` builds a SAC, PPO or REINFORCE trainer (sac-trainer.ts,
 * ppo-trainer.ts, reinforce-trainer.ts) behind the one Trainer interface of types.ts, and this module holds what both
 * share: the run directory (config.json, refusing to resume under another config), resuming from the
 * newest readable checkpoint, the metrics throttle, the NaN / explosion guard, cooperative yielding
 * (gate, AbortSignal, wall-clock budget), periodic evaluation against the Avellaneda–Stoikov baseline,
 * checkpoint writing with retention, and the quote curves.
 *
 * Conventions every trainer follows:
 * - Reported returns (episodeReturn, evalReturn, evalBaselineReturn) are undiscounted sums of the env
 *   reward, before `rewardScale` (which only scales what the learner sees).
 * - Observations are normalized by a RunningNormalizer (when `normalizeObservations`) updated with
 *   every raw training observation and clipped to ±10 (as SB3's VecNormalize); evaluation and quote
 *   curves use the statistics as they are, without updating them.
 * - Metrics go out at most maxMetricsHz times a second (time-based throttle: each sample aggregates
 *   everything since the previous one) and once more at the end, whatever the status.
 * - Guard: a non-finite or exploding loss (|loss| > guard.maxLoss), a non-finite reward, a non-finite
 *   action or non-finite weights stop the run at once with status 'failed' and a reason naming the
 *   quantity, its value, the update (or step) and the last good checkpoint, which stays on disk: no
 *   checkpoint is written after a failure.
 * - Cooperation: `opts.gate` is awaited before every env step (SAC) / vector step (PPO) and the
 *   trainer yields to the event loop at least every 50 ms — also between the updates of a SAC burst,
 *   between PPO minibatches and inside evaluations, where it also awaits the gate and checks the
 *   signal — so a worker can pause it within about 100 ms and stop it within a second; an aborted
 *   signal or an exceeded `budget.maxMinutes` (checked at step boundaries: the wall clock decides
 *   only when to stop, never what is learned) writes a final checkpoint and returns 'stopped'.
 * - A loop turn is: the env step(s) (SAC: one step; PPO: the rollout), then the updates, then the
 *   periodic evaluation/checkpoint. A stop inside the second half (`turnPending`) checkpoints what the
 *   turn still owes — SAC's remaining burst updates, PPO's collected rollout with the weights from
 *   before its interrupted update, an evaluation that was due — and a resumed run completes the turn
 *   first, so resuming stays the same as never stopping.
 * - Evaluation: `budget.evalEpisodes` paths (evaluationSeed(cfg), 0 …) with the deterministic policy
 *   on a separate env; the AS baseline runs on the same paths through the same env and reward
 *   (env-factory.ts BaselineDriver: its quotes become unit actions, clipped to the env's offset box;
 *   computed once and cached, it does not change during a run — except at a curriculum stage change).
 * - Curriculum (`curriculum:`, curriculum.ts): after a periodic evaluation that reaches the current
 *   stage's threshold the stage advances; the evaluation env switches at once, each training env (the
 *   subclasses register them through hookTrainEnv) at its next reset. The stage, and the stage of
 *   every training env's running and next episode, are checkpointed; the metrics carry curriculumStage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { z } from 'zod';
import { makeSimulator } from '../../backtest/run';
import type { MarketSimulator } from '../../sim/simulator';
import { asQuotes } from '../../strategy/avellaneda-stoikov';
import { GlftModel } from '../../strategy/glft';
import type { Policy } from '../agent';
import { actionToOffset } from '../env';
import { RunningNormalizer } from '../features/normalizer';
import { describeTf, loadTf } from '../tf/backend';
import {
  CheckpointError,
  mkdirPrivate,
  NonFiniteWeightsError,
  PRIVATE_FILE_MODE,
  pruneCheckpoints,
  readCheckpoint,
  scanCheckpoints,
  writeCheckpoint,
  type CheckpointState,
  type CheckpointStop,
  type LoadedCheckpoint,
} from './checkpoint';
import { configHash, configIdentity, evaluationSeed, identityDiff, type TrainConfig } from './config';
import { Curriculum } from './curriculum';
import { baselineParams, BaselineDriver, makeBaselineQuoter, makeEnv, type TrainEnv } from './env-factory';
import { actionRecordOf } from './env-factory';
import { requestStopReason, timeBudgetReason } from './run-label';
import type {
  CheckpointInfo,
  QuoteCurve,
  TrainAlgo,
  Trainer,
  TrainMetrics,
  TrainResult,
  TrainRunOptions,
  TrainStatus,
} from './types';

/** Observation clip after normalization (SB3 VecNormalize's clip_obs). */
export const OBS_CLIP = 10;
/** The trainer yields to the event loop at least this often (ms). */
export const YIELD_MS = 50;
export const CONFIG_FILE = 'config.json';

export interface CreateTrainerOptions {
  runDir: string;
  /** Continue from the newest valid checkpoint in runDir (an error when there is none). */
  resume?: boolean;
  /** Metrics samples per second (0 < hz ≤ 10, default 10). */
  maxMetricsHz?: number;
  /** No log line about the backend (other log lines still go to onLog). */
  quiet?: boolean;
  /** Clock of the metrics throttle in ms (default performance.now; tests pass a deterministic one). */
  clock?: () => number;
  /** Replay buffers larger than this are not written into checkpoints (default 256 MiB). */
  maxReplayBytes?: number;
  /** Test hook, called once for every env the trainer creates (e.g. to wrap env.step). */
  envHook?: (te: TrainEnv, role: 'train' | 'eval', index: number) => void;
}

/** A Trainer with what the CLI and the worker show besides. */
export interface TrainerHandle extends Trainer {
  readonly config: TrainConfig;
  /** describeTf of the backend, e.g. "tfjs 4.22.0 backend: wasm (SIMD, 1 thread) — …". */
  readonly backendLine: string;
  /** Step the trainer starts (or resumed) from. */
  readonly startStep: number;
  readonly resumedFrom: CheckpointInfo | undefined;
}

/** Setup problems the user can fix (no checkpoint to resume, another config, …): CLI exit 2. */
export class TrainSetupError extends Error {
  override name = 'TrainSetupError';
}

/** Build the trainer for cfg.algo (loads tfjs once, prepares runDir, resumes when asked). */
export async function createTrainer(cfg: TrainConfig, opts: CreateTrainerOptions): Promise<TrainerHandle> {
  const hz = opts.maxMetricsHz ?? 10;
  if (!(hz > 0 && hz <= 10))
    throw new RangeError(`createTrainer: maxMetricsHz must be in (0, 10] (got ${hz})`);
  const loaded = await loadTf({ quiet: true });
  const setup: TrainerSetup = {
    cfg,
    runDir: path.resolve(opts.runDir),
    backend: loaded.backend,
    backendLine: describeTf(loaded),
    opts: { ...opts, maxMetricsHz: hz },
  };
  const checkpoint = prepareRunDir(setup);
  const trainer =
    cfg.algo === 'sac'
      ? new (await import('./sac-trainer')).SacTrainer(setup)
      : cfg.algo === 'ppo'
        ? new (await import('./ppo-trainer')).PpoTrainer(setup)
        : new (await import('./reinforce-trainer')).ReinforceTrainer(setup);
  try {
    await trainer.init(checkpoint);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  return trainer;
}

export interface TrainerSetup {
  cfg: TrainConfig;
  runDir: string;
  backend: string;
  backendLine: string;
  opts: CreateTrainerOptions & { maxMetricsHz: number };
  /** Log lines produced during setup (flushed through the first run's onLog). */
  log?: string[];
}

/**
 * Fresh start: refuse a runDir that already has checkpoints, write config.json. Resume: refuse another
 * config (listing the keys that differ) and return the newest checkpoint that reads cleanly.
 */
function prepareRunDir(s: TrainerSetup): LoadedCheckpoint | undefined {
  const { cfg, runDir } = s;
  const log = (s.log ??= []);
  if (s.opts.quiet !== true) log.push(s.backendLine);
  const cfgFile = path.join(runDir, CONFIG_FILE);
  const hash = configHash(cfg);
  const { checkpoints, invalid } = scanCheckpoints(runDir);
  const writeConfig = (): void => {
    mkdirPrivate(runDir);
    const tmp = `${cfgFile}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify({ configHash: hash, config: cfg }, null, 2)}\n`, {
      mode: PRIVATE_FILE_MODE,
    });
    fs.chmodSync(tmp, PRIVATE_FILE_MODE);
    fs.renameSync(tmp, cfgFile);
  };
  if (s.opts.resume !== true) {
    if (checkpoints.length > 0)
      throw new TrainSetupError(
        `${runDir} already holds a training run (${checkpoints.length} checkpoint(s), newest ${checkpoints.at(-1)!.id}); ` +
          'resume it or choose another run directory',
      );
    writeConfig();
    return undefined;
  }
  if (fs.existsSync(cfgFile)) {
    let saved: { config?: unknown } | undefined;
    try {
      saved = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as { config?: unknown };
    } catch (e) {
      throw new TrainSetupError(`${cfgFile}: cannot read the run's config (${(e as Error).message})`);
    }
    const old = saved?.config as TrainConfig | undefined;
    if (old === undefined || typeof old !== 'object')
      throw new TrainSetupError(`${cfgFile}: no 'config' in the run's config file`);
    const diff = identityDiff(configIdentity(old), configIdentity(cfg));
    if (diff.length > 0)
      throw new TrainSetupError(
        `refusing to resume ${runDir} with a different config: ${diff.slice(0, 8).join(', ')}${diff.length > 8 ? ', …' : ''} ` +
          `differ from ${cfgFile} (only name, description and budget may change)`,
      );
  }
  for (const bad of invalid) log.push(`ignoring checkpoint ${bad.id}: ${bad.reason}`);
  if (checkpoints.length === 0)
    throw new TrainSetupError(
      `nothing to resume: no valid checkpoint in ${path.join(runDir, 'checkpoints')}`,
    );
  let firstError: Error | undefined;
  for (let i = checkpoints.length - 1; i >= 0; i--) {
    const c = checkpoints[i]!;
    try {
      const loaded = readCheckpoint(c.dir, { algo: cfg.algo, configHash: hash });
      writeConfig();
      return loaded;
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      firstError ??= e;
      log.push(`skipping checkpoint ${c.id}: ${e.message}`);
    }
  }
  throw new TrainSetupError(`cannot resume ${runDir}: ${firstError?.message ?? 'no readable checkpoint'}`);
}

// -----------------------------------------------------------------------------------------------------
// Metrics.

export interface LossSample {
  actorLoss?: number;
  criticLoss?: number;
  alpha?: number;
  entropy?: number;
  approxKl?: number;
  clipFraction?: number;
}

type LossKey = keyof LossSample;
const LOSS_KEYS: readonly LossKey[] = [
  'actorLoss',
  'criticLoss',
  'alpha',
  'entropy',
  'approxKl',
  'clipFraction',
];

/** Aggregates everything since the previous sample and emits at most `hz` samples a second. */
export class MetricsWindow {
  private lastClock: number;
  private lastReal = performance.now();
  private lastStep: number;
  private epN = 0;
  private epReturn = 0;
  private epPnl = 0;
  private invN = 0;
  private invAbs = 0;
  private lossN = 0;
  private readonly lossSum: Record<LossKey, number> = {
    actorLoss: 0,
    criticLoss: 0,
    alpha: 0,
    entropy: 0,
    approxKl: 0,
    clipFraction: 0,
  };
  private readonly lossCount: Record<LossKey, number> = {
    actorLoss: 0,
    criticLoss: 0,
    alpha: 0,
    entropy: 0,
    approxKl: 0,
    clipFraction: 0,
  };
  private emitted = 0;

  constructor(
    private readonly hz: number,
    private readonly clock: () => number,
    private readonly emit: ((m: TrainMetrics) => void) | undefined,
    startStep: number,
  ) {
    this.lastClock = clock();
    this.lastStep = startStep;
  }

  /** Samples emitted so far. */
  get count(): number {
    return this.emitted;
  }

  addEpisode(ret: number, pnl: number): void {
    this.epN++;
    this.epReturn += ret;
    this.epPnl += pnl;
  }

  addInventory(q: number): void {
    this.invN++;
    this.invAbs += Math.abs(q);
  }

  addLosses(s: LossSample): void {
    this.lossN++;
    for (const k of LOSS_KEYS) {
      const v = s[k];
      if (v !== undefined) {
        this.lossSum[k] += v;
        this.lossCount[k]++;
      }
    }
  }

  /** Emit when the interval has passed (or `force`). */
  maybeEmit(
    base: { step: number; totalSteps: number; updates: number; episodes: number; elapsedSec: number },
    evals: {
      evalReturn?: number | undefined;
      evalBaselineReturn?: number | undefined;
      curriculumStage?: number | undefined;
    },
    force = false,
  ): void {
    if (this.emit === undefined) return;
    const now = this.clock();
    if (!force && now - this.lastClock < 1000 / this.hz) return;
    this.lastClock = now;
    const real = performance.now();
    const dt = (real - this.lastReal) / 1000;
    const m: TrainMetrics = {
      ...base,
      stepsPerSec: dt > 0 ? (base.step - this.lastStep) / dt : 0,
    };
    this.lastReal = real;
    this.lastStep = base.step;
    if (this.epN > 0) {
      m.episodeReturn = this.epReturn / this.epN;
      m.episodePnl = this.epPnl / this.epN;
    }
    if (this.invN > 0) m.meanAbsInventory = this.invAbs / this.invN;
    for (const k of LOSS_KEYS) if (this.lossCount[k] > 0) m[k] = this.lossSum[k] / this.lossCount[k];
    if (evals.evalReturn !== undefined) m.evalReturn = evals.evalReturn;
    if (evals.evalBaselineReturn !== undefined) m.evalBaselineReturn = evals.evalBaselineReturn;
    if (evals.curriculumStage !== undefined) m.curriculumStage = evals.curriculumStage;
    this.epN = this.epReturn = this.epPnl = this.invN = this.invAbs = this.lossN = 0;
    for (const k of LOSS_KEYS) this.lossSum[k] = this.lossCount[k] = 0;
    this.emitted++;
    this.emit(m);
  }
}

/** The guard: the first non-finite loss, or one whose magnitude exceeds `bound` (undefined: all fine). */
export function lossProblem(losses: Record<string, number>, bound: number): string | undefined {
  for (const [name, v] of Object.entries(losses)) {
    if (!Number.isFinite(v)) return `${name} is ${v}`;
    if (Math.abs(v) > bound) return `${name} ${v.toExponential(3)} exceeds the bound ${bound}`;
  }
  return undefined;
}

export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

// -----------------------------------------------------------------------------------------------------
// The shared trainer.

export interface RunContext {
  opts: TrainRunOptions;
  metrics: MetricsWindow;
  startReal: number;
  deadline: number;
  lastYield: number;
}

export type StopCause = 'abort' | 'time';

/** An evaluation (or update) cut short by the signal. */
export const ABORTED: unique symbol = Symbol('aborted');

/** The evaluation/checkpoint schedule saved in a checkpoint's trainer state (null: never). */
interface ScheduleState {
  evalEvery: number;
  checkpointEvery: number;
  nextEvalAt: number | null;
  nextCheckpointAt: number | null;
}
const scheduleSchema = z.object({
  evalEvery: z.number(),
  checkpointEvery: z.number(),
  nextEvalAt: z.number().nullable(),
  nextCheckpointAt: z.number().nullable(),
});

interface CurriculumState {
  stage: number;
  envStages: number[];
  nextStages: number[];
}
const curriculumStateSchema = z.object({
  stage: z.number(),
  envStages: z.array(z.number()),
  nextStages: z.array(z.number()),
});

export abstract class BaseTrainer implements TrainerHandle {
  abstract readonly algo: TrainAlgo;
  readonly config: TrainConfig;
  readonly backend: string;
  readonly backendLine: string;
  readonly runDir: string;
  startStep = 0;
  resumedFrom: CheckpointInfo | undefined;

  protected readonly cfg: TrainConfig;
  protected readonly opts: TrainerSetup['opts'];
  protected readonly hash: string;
  /** Replaced (never mutated in place by the base) when a trainer rolls an abandoned batch back. */
  protected normalizer: RunningNormalizer | null;
  protected step = 0;
  protected updates = 0;
  protected episodes = 0;
  protected evalReturn: number | undefined;
  protected evalBaselineReturn: number | undefined;
  protected lastEvalStep = -1;
  /** The env steps of the current loop turn are done; its updates / periodic work are not. */
  protected turnPending = false;
  protected lastCheckpoint: CheckpointInfo | undefined;
  /** Most recent raw training observation (the reference of the quote curves). */
  protected refObs: Float64Array | null = null;
  /** Episode length in time units (known after the first reset). */
  protected episodeHorizon = Number.NaN;
  protected disposed = false;
  private running = false;
  private pendingLog: string[];
  private logSink: ((line: string) => void) | undefined;
  private evalEnv: TrainEnv | undefined;
  private baselineCache: number | undefined;
  /** The curriculum schedule (undefined without `curriculum:`), the training envs (hookTrainEnv order). */
  protected readonly curriculum: Curriculum | undefined;
  private readonly trainEnvs: TrainEnv[] = [];
  /** Stages the training envs switch to at their next reset, restored from a checkpoint. */
  private pendingStages: number[] | undefined;
  private normScratch: Float64Array;

  constructor(s: TrainerSetup, obsDim: number) {
    this.cfg = s.cfg;
    this.config = s.cfg;
    this.backend = s.backend;
    this.backendLine = s.backendLine;
    this.runDir = s.runDir;
    this.opts = s.opts;
    this.hash = configHash(s.cfg);
    this.pendingLog = [...(s.log ?? [])];
    this.normalizer = s.cfg.normalizeObservations ? new RunningNormalizer(obsDim) : null;
    this.curriculum = s.cfg.curriculum ? new Curriculum(s.cfg.scenario, s.cfg.curriculum) : undefined;
    this.normScratch = new Float64Array(obsDim);
  }

  /** Build the agent and, when resuming, load the checkpoint. */
  abstract init(checkpoint: LoadedCheckpoint | undefined): Promise<void>;
  protected abstract policy(): Policy;
  protected abstract loop(ctx: RunContext): Promise<TrainResult>;
  /** The state for writeCheckpoint (counters, cursors, agent snapshot, replay). */
  protected abstract checkpointState(): Promise<CheckpointState>;
  protected abstract disposeAgent(): void;

  async run(opts: TrainRunOptions = {}): Promise<TrainResult> {
    if (this.disposed) throw new Error('Trainer.run: the trainer was disposed');
    if (this.running) throw new Error('Trainer.run: already running');
    this.running = true;
    this.logSink = opts.onLog;
    for (const line of this.pendingLog.splice(0)) opts.onLog?.(line);
    const startReal = performance.now();
    const maxMin = this.cfg.budget.maxMinutes;
    const ctx: RunContext = {
      opts,
      metrics: new MetricsWindow(
        this.opts.maxMetricsHz,
        this.opts.clock ?? (() => performance.now()),
        opts.onMetrics,
        this.step,
      ),
      startReal,
      deadline: maxMin !== undefined ? startReal + maxMin * 60_000 : Number.POSITIVE_INFINITY,
      lastYield: startReal,
    };
    try {
      const result = await this.loop(ctx);
      this.emitMetrics(ctx, true);
      return result;
    } finally {
      this.running = false;
      this.logSink = undefined;
    }
  }

  quoteCurves(inventories: readonly number[]): QuoteCurve[] {
    if (this.disposed) throw new Error('Trainer.quoteCurves: the trainer was disposed');
    const cfg = this.cfg;
    const ref = this.referenceObservation();
    const te = this.evalEnvironment();
    const m = te.env.options.action;
    const policy = this.policy();
    const x = new Float32Array(ref.length);
    const a = new Float32Array(policy.actionDim);
    const raw = Float64Array.from(ref);
    const agent: QuoteCurve = { name: 'agent', points: [] };
    for (const q of inventories) {
      raw[te.inventoryIndex] = q / cfg.env.inventoryScale;
      this.normalizeInto(raw, x);
      policy.act(x, true, a);
      agent.points.push({ q, bid: actionToOffset(m, a[0]!), ask: actionToOffset(m, a[1]!) });
    }
    const bp = baselineParams(cfg);
    const timeLeft = ref[te.timeLeftIndex]!;
    const tau = Number.isFinite(this.episodeHorizon) ? timeLeft * this.episodeHorizon : 0;
    const clips = inventories.map((q) => q / bp.orderSizeLots);
    const as: QuoteCurve = {
      name: 'AS',
      points: asQuotes({ sigma: bp.sigma, k: bp.k, gamma: bp.gamma, T: tau }, clips).map((r, i) => ({
        q: inventories[i]!,
        bid: r.bid,
        ask: r.ask,
      })),
    };
    const glft = new GlftModel({
      gamma: bp.gamma,
      sigma: bp.sigma,
      A: bp.A,
      k: bp.k,
      Q: bp.Q,
      method: 'exact',
    });
    const gl: QuoteCurve = {
      name: 'GLFT',
      points: inventories.map((q) => {
        const c = Math.max(-bp.Q, Math.min(bp.Q, Math.round(q / bp.orderSizeLots)));
        return { q, bid: glft.bidDistance(c, tau), ask: glft.askDistance(c, tau) };
      }),
    };
    return [agent, as, gl];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeAgent();
  }

  // --------------------------------------------------------------------------------------------------
  // Helpers for the loops.

  protected log(line: string): void {
    if (this.logSink) this.logSink(line);
    else this.pendingLog.push(line);
  }

  /** Gate, yield at least every YIELD_MS, then report a stop cause (abort, time budget) if any. */
  protected async tick(ctx: RunContext): Promise<StopCause | null> {
    if (ctx.opts.gate) await ctx.opts.gate();
    const now = performance.now();
    if (now - ctx.lastYield >= YIELD_MS) {
      await yieldToLoop();
      ctx.lastYield = performance.now();
    }
    if (ctx.opts.signal?.aborted === true) return 'abort';
    if (now > ctx.deadline) return 'time';
    return null;
  }

  /** Yield to the event loop when YIELD_MS have passed since the last yield (no gate, no stop check). */
  protected async maybeYield(ctx: RunContext): Promise<void> {
    if (performance.now() - ctx.lastYield >= YIELD_MS) {
      await yieldToLoop();
      ctx.lastYield = performance.now();
    }
  }

  /**
   * maybeYield, then the gate (a pause is honoured here too, not only at the next env step), then
   * whether the signal asks to stop (used inside updates and evaluations).
   */
  protected async yieldAndCheck(ctx: RunContext): Promise<boolean> {
    await this.maybeYield(ctx);
    if (ctx.opts.gate && ctx.opts.signal?.aborted !== true) await ctx.opts.gate();
    return ctx.opts.signal?.aborted === true;
  }

  protected emitMetrics(ctx: RunContext, force = false): void {
    ctx.metrics.maybeEmit(
      {
        step: this.step,
        totalSteps: this.cfg.budget.totalSteps,
        updates: this.updates,
        episodes: this.episodes,
        elapsedSec: (performance.now() - ctx.startReal) / 1000,
      },
      {
        evalReturn: this.evalReturn,
        evalBaselineReturn: this.evalBaselineReturn,
        curriculumStage: this.curriculum?.stage,
      },
      force,
    );
  }

  /** y = clip((x − mean)/std, ±OBS_CLIP) without updating the statistics (or a plain copy). */
  protected normalizeInto(raw: ArrayLike<number>, out: Float32Array, offset = 0): void {
    const n = this.normScratch.length;
    if (this.normalizer) {
      this.normalizer.normalize(raw, this.normScratch, OBS_CLIP);
      for (let i = 0; i < n; i++) out[offset + i] = this.normScratch[i]!;
    } else for (let i = 0; i < n; i++) out[offset + i] = raw[i]!;
  }

  /** Record the episode length on the first reset of any env. */
  protected noteReset(te: TrainEnv): void {
    if (Number.isFinite(this.episodeHorizon)) return;
    const o = te.sim.lastObservation();
    if (o === null) return;
    this.episodeHorizon = this.cfg.env.horizon ?? o.horizon - o.t;
  }

  /** Let the test hook see a training env (call once per env, after super()). */
  protected hookTrainEnv(te: TrainEnv, index: number): void {
    this.trainEnvs.push(te);
    const cur = this.curriculum;
    if (cur) te.sim.switchTo(this.stageSimulator(cur.stage), cur.stage, true);
    this.opts.envHook?.(te, 'train', index);
  }

  private evalEnvironment(): TrainEnv {
    if (!this.evalEnv) {
      this.evalEnv = makeEnv(this.cfg);
      const cur = this.curriculum;
      if (cur) this.evalEnv.sim.switchTo(this.stageSimulator(cur.stage), cur.stage, true);
      this.opts.envHook?.(this.evalEnv, 'eval', 0);
    }
    return this.evalEnv;
  }

  // --------------------------------------------------------------------------------------------------
  // Curriculum (core/rl/train/curriculum.ts).

  /** A fresh simulator of curriculum stage k. */
  private stageSimulator(k: number): MarketSimulator {
    const sc = this.curriculum?.scenarios[k];
    if (sc === undefined) throw new RangeError(`no curriculum stage ${k}`);
    return makeSimulator(sc);
  }

  /**
   * After a successful periodic evaluation: advance the curriculum when the evaluation passed the
   * stage's threshold. The evaluation env switches at once (and the AS baseline is recomputed on the new
   * stage), every training env at its next reset.
   */
  private advanceCurriculum(): void {
    const cur = this.curriculum;
    if (cur === undefined || this.evalReturn === undefined) return;
    const from = cur.stage;
    const threshold = cur.threshold;
    if (!cur.afterEvaluation(this.evalReturn)) return;
    const k = cur.stage;
    for (const te of this.trainEnvs) te.sim.switchTo(this.stageSimulator(k), k);
    this.evalEnv?.sim.switchTo(this.stageSimulator(k), k, true);
    this.baselineCache = undefined;
    this.log(
      `curriculum: stage ${from} → ${k}${k === cur.finalStage ? ' (the final scenario)' : ''} at step ${this.step} ` +
        `(eval ${fmt(this.evalReturn)} ≥ ${fmt(threshold)})`,
    );
  }

  /** The curriculum's part of a checkpoint: the stage, and the stage each training env runs and will run next. */
  private curriculumState(): CurriculumState | undefined {
    const cur = this.curriculum;
    if (cur === undefined) return undefined;
    return {
      stage: cur.stage,
      envStages: this.trainEnvs.map((te) => te.sim.tag),
      nextStages: this.trainEnvs.map((te) => te.sim.nextTag),
    };
  }

  /**
   * Restore the curriculum of a checkpoint: the stage, and each training env's simulator (the stage its
   * running episode began on, so that the subclass's episode replay reproduces it). The switches the
   * envs still owe are applied by startSchedule, after that replay.
   */
  private restoreCurriculum(c: LoadedCheckpoint): void {
    const cur = this.curriculum;
    if (cur === undefined) return;
    const r = curriculumStateSchema.safeParse(c.trainer.curriculum);
    const n = this.trainEnvs.length;
    if (!r.success || r.data.envStages.length !== n || r.data.nextStages.length !== n)
      throw new CheckpointError(
        c.info.dir,
        `has no curriculum state for ${n} env(s), but the config has a curriculum`,
      );
    const ok = (k: number): boolean => Number.isInteger(k) && k >= 0 && k <= cur.finalStage;
    if (![r.data.stage, ...r.data.envStages, ...r.data.nextStages].every(ok))
      throw new CheckpointError(c.info.dir, `curriculum stages out of range 0 … ${cur.finalStage}`);
    cur.stage = r.data.stage;
    this.trainEnvs.forEach((te, i) => {
      const k = r.data.envStages[i]!;
      te.sim.switchTo(this.stageSimulator(k), k, true);
    });
    this.pendingStages = r.data.nextStages;
  }

  private referenceObservation(): Float64Array {
    if (this.refObs) return this.refObs;
    const te = this.evalEnvironment();
    const obs = te.env.reset(evaluationSeed(this.cfg), 0);
    this.noteReset(te);
    return obs;
  }

  /**
   * Evaluate the deterministic policy (and, once, the AS baseline) on the evaluation paths. Returns a
   * failure reason when the policy produced a non-finite action.
   */
  protected async evaluate(ctx: RunContext): Promise<string | typeof ABORTED | undefined> {
    const E = this.cfg.budget.evalEpisodes;
    if (E === 0) return undefined;
    const te = this.evalEnvironment();
    const seed = evaluationSeed(this.cfg);
    const policy = this.policy();
    const x = new Float32Array(te.obsDim);
    const a = new Float32Array(policy.actionDim);
    let total = 0;
    for (let e = 0; e < E; e++) {
      let obs = te.env.reset(seed, e);
      this.noteReset(te);
      for (;;) {
        this.normalizeInto(obs, x);
        policy.act(x, true, a);
        if (!allFinite(a)) return `the policy's action is non-finite in evaluation (update ${this.updates})`;
        const r = te.env.step(a);
        total += r.reward;
        if (r.terminated || r.truncated) break;
        obs = r.observation;
        if (await this.yieldAndCheck(ctx)) return ABORTED;
      }
    }
    if (this.baselineCache === undefined) {
      const driver = new BaselineDriver(te, makeBaselineQuoter(this.cfg, 'as'), this.cfg.env.horizon);
      let base = 0;
      for (let e = 0; e < E; e++) {
        te.env.reset(seed, e);
        driver.reset();
        for (;;) {
          driver.action(a);
          const r = te.env.step(a);
          base += r.reward;
          if (r.terminated || r.truncated) break;
          if (await this.yieldAndCheck(ctx)) return ABORTED;
        }
      }
      this.baselineCache = base / E;
    }
    this.evalReturn = total / E;
    this.evalBaselineReturn = this.baselineCache;
    this.lastEvalStep = this.step;
    this.log(
      `eval at step ${this.step}: return ${fmt(this.evalReturn)} (AS baseline ${fmt(this.evalBaselineReturn)}) over ${E} paths`,
    );
    return undefined;
  }

  /** Write a checkpoint (and prune). Returns a failure reason when the weights are non-finite. */
  protected async saveCheckpoint(ctx: RunContext, stop?: CheckpointStop): Promise<string | undefined> {
    const state = await this.checkpointState();
    if (stop !== undefined) state.stop = stop;
    let info: CheckpointInfo;
    try {
      info = writeCheckpoint(this.runDir, state, {
        ...(this.opts.maxReplayBytes !== undefined ? { maxReplayBytes: this.opts.maxReplayBytes } : {}),
      });
    } catch (e) {
      if (e instanceof NonFiniteWeightsError)
        return `weights are non-finite at update ${this.updates} (${e.where}); ${this.keptCheckpoint()}`;
      throw e;
    }
    this.lastCheckpoint = info;
    pruneCheckpoints(this.runDir, this.cfg.budget.keepCheckpoints);
    ctx.opts.onCheckpoint?.(info);
    this.log(
      `checkpoint ${info.id} (step ${info.step}, ${info.updates} updates, ${info.episodes} episodes` +
        `${info.evalReturn !== undefined ? `, eval ${fmt(info.evalReturn)}` : ''})`,
    );
    return undefined;
  }

  /** Steps at which the next periodic evaluation and checkpoint are due (set by startSchedule). */
  private nextEvalAt = Number.POSITIVE_INFINITY;
  private nextCheckpointAt = Number.POSITIVE_INFINITY;

  /** The schedule read from the checkpoint resumed from (used by the first startSchedule). */
  private restoredSchedule: ScheduleState | undefined;

  /** The next multiple of `every` after the current step (∞ when `every` is 0: disabled). */
  private nextMultiple(every: number): number {
    return every > 0 ? (Math.floor(this.step / every) + 1) * every : Number.POSITIVE_INFINITY;
  }

  /**
   * Schedule evaluations and checkpoints (budget.evalEvery, checkpointEvery) from the current step. A
   * resumed trainer takes the due steps saved in its checkpoint (PPO may stop mid-rollout, past a
   * multiple that the rollout's end would have served), unless the budget changed the intervals.
   */
  protected startSchedule(): void {
    const pending = this.pendingStages;
    this.pendingStages = undefined;
    pending?.forEach((k, i) => {
      const te = this.trainEnvs[i]!;
      if (k !== te.sim.tag) te.sim.switchTo(this.stageSimulator(k), k);
    });
    const b = this.cfg.budget;
    const r = this.restoredSchedule;
    this.restoredSchedule = undefined;
    if (r !== undefined && r.evalEvery === b.evalEvery && r.checkpointEvery === b.checkpointEvery) {
      this.nextEvalAt = r.nextEvalAt ?? Number.POSITIVE_INFINITY;
      this.nextCheckpointAt = r.nextCheckpointAt ?? Number.POSITIVE_INFINITY;
      return;
    }
    this.nextEvalAt = this.nextMultiple(b.evalEvery);
    this.nextCheckpointAt = this.nextMultiple(b.checkpointEvery);
  }

  /**
   * The shared part of the trainer state of a checkpoint: the schedule as it stands and the step of
   * the latest evaluation (with the subclass's episode state, all a resumed run needs to continue as
   * if it never stopped).
   */
  protected baseTrainerState(): Record<string, unknown> {
    const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
    const schedule: ScheduleState = {
      evalEvery: this.cfg.budget.evalEvery,
      checkpointEvery: this.cfg.budget.checkpointEvery,
      nextEvalAt: fin(this.nextEvalAt),
      nextCheckpointAt: fin(this.nextCheckpointAt),
    };
    const curriculum = this.curriculumState();
    return {
      schedule,
      lastEvalStep: this.lastEvalStep,
      turnPending: this.turnPending,
      ...(curriculum ? { curriculum } : {}),
    };
  }

  /**
   * After the env steps of a loop turn: evaluate and checkpoint when due, then emit metrics. Returns the
   * run's result when one of them failed, else undefined.
   */
  protected async periodicWork(ctx: RunContext): Promise<TrainResult | undefined> {
    if (this.step >= this.nextEvalAt) {
      const due = this.nextEvalAt;
      this.nextEvalAt = this.nextMultiple(this.cfg.budget.evalEvery);
      const bad = await this.evaluate(ctx);
      if (bad === ABORTED) {
        // Still owed: the resumed run evaluates here before its next step (turnPending).
        this.nextEvalAt = due;
        return this.stop(ctx, 'abort');
      }
      if (bad !== undefined) return this.fail(ctx, bad);
      this.advanceCurriculum();
    }
    if (this.step >= this.nextCheckpointAt) {
      this.nextCheckpointAt = this.nextMultiple(this.cfg.budget.checkpointEvery);
      const bad = await this.saveCheckpoint(ctx);
      if (bad !== undefined) return this.finish(ctx, 'failed', bad);
    }
    this.emitMetrics(ctx);
    return undefined;
  }

  /** End the run as failed, naming the checkpoint that was kept. */
  protected fail(ctx: RunContext, why: string): Promise<TrainResult> {
    return this.finish(ctx, 'failed', `${why}; ${this.keptCheckpoint()}`);
  }

  /** "kept checkpoint step-…" or "no checkpoint was written yet". */
  protected keptCheckpoint(): string {
    return this.lastCheckpoint
      ? `kept checkpoint ${this.lastCheckpoint.id}`
      : 'no checkpoint was written yet';
  }

  protected baseCheckpointState(): Omit<CheckpointState, 'agent' | 'nextPath' | 'trainer' | 'replay'> {
    return {
      algo: this.algo,
      step: this.step,
      totalSteps: this.cfg.budget.totalSteps,
      updates: this.updates,
      episodes: this.episodes,
      configHash: this.hash,
      action: actionRecordOf(this.cfg),
      ...(this.evalReturn !== undefined ? { evalReturn: this.evalReturn } : {}),
      ...(this.evalBaselineReturn !== undefined ? { evalBaselineReturn: this.evalBaselineReturn } : {}),
      normalizer: this.normalizer ? this.normalizer.toJSON() : null,
    };
  }

  /** Counters, normalizer and evaluation from a checkpoint. */
  protected restoreBase(c: LoadedCheckpoint): void {
    const m = c.manifest;
    this.step = m.step;
    this.updates = m.updates;
    this.episodes = m.episodes;
    this.startStep = m.step;
    this.resumedFrom = c.info;
    this.lastCheckpoint = c.info;
    this.evalReturn = m.evalReturn;
    this.evalBaselineReturn = m.evalBaselineReturn;
    const sched = scheduleSchema.safeParse(c.trainer.schedule);
    if (sched.success) this.restoredSchedule = sched.data;
    const lastEval = c.trainer.lastEvalStep;
    if (typeof lastEval === 'number' && Number.isInteger(lastEval)) this.lastEvalStep = lastEval;
    this.turnPending = c.trainer.turnPending === true;
    this.restoreCurriculum(c);
    if (this.normalizer) {
      if (m.normalizer === null)
        throw new CheckpointError(c.info.dir, 'has no observation normalizer, but the config normalizes');
      const n = RunningNormalizer.fromJSON(m.normalizer);
      if (n.dim !== this.normalizer.dim)
        throw new CheckpointError(
          c.info.dir,
          `normalizer has dim ${n.dim}, the env has ${this.normalizer.dim}`,
        );
      this.normalizer.merge(n);
    }
    this.log(`resuming from ${c.info.id} (step ${m.step}, ${m.updates} updates, ${m.episodes} episodes)`);
  }

  /**
   * Final bookkeeping of a loop: failure (no checkpoint), or final eval/checkpoint then the result. A
   * stop (`cause`) always ends with a checkpoint of the current step that records why it stopped (it
   * replaces a periodic checkpoint of the same step: same state, plus the mark), so that `eval` can
   * label a checkpoint of a run that did not reach its totalSteps even without the store.
   */
  protected async finish(
    ctx: RunContext,
    status: TrainStatus,
    reason?: string,
    cause?: StopCause,
  ): Promise<TrainResult> {
    if (status !== 'failed') {
      if (status === 'finished' && this.lastEvalStep !== this.step) {
        const bad = await this.evaluate(ctx);
        // An abort during the final evaluation: stop; the resumed run evaluates and finishes.
        if (bad === ABORTED) return this.stop(ctx, 'abort');
        if (bad !== undefined) return this.finish(ctx, 'failed', `${bad}; ${this.keptCheckpoint()}`);
      }
      const stop: CheckpointStop | undefined =
        status === 'stopped'
          ? { cause: cause === 'time' ? 'time' : 'request', reason: reason ?? 'stopped' }
          : undefined;
      if (
        stop !== undefined ||
        this.lastCheckpoint?.step !== this.step ||
        this.lastCheckpoint.evalReturn !== this.evalReturn
      ) {
        const bad = await this.saveCheckpoint(ctx, stop);
        if (bad !== undefined) return this.finish(ctx, 'failed', bad);
      }
    }
    if (reason !== undefined) this.log(`${status}: ${reason}`);
    return {
      status,
      ...(reason !== undefined ? { reason } : {}),
      ...(status === 'stopped' ? { stoppedBy: cause === 'time' ? 'time' : 'request' } : {}),
      totalSteps: this.cfg.budget.totalSteps,
      step: this.step,
      updates: this.updates,
      episodes: this.episodes,
      ...(this.lastCheckpoint ? { lastCheckpoint: this.lastCheckpoint } : {}),
    };
  }

  /** End the session on a stop (request or time budget): final checkpoint marked with the cause. */
  protected stop(ctx: RunContext, cause: StopCause): Promise<TrainResult> {
    return this.finish(ctx, 'stopped', this.stopReason(cause), cause);
  }

  protected stopReason(cause: StopCause): string {
    return cause === 'abort'
      ? requestStopReason(this.step)
      : timeBudgetReason(this.step, this.cfg.budget.maxMinutes);
  }
}

export function fmt(x: number | undefined): string {
  if (x === undefined) return '–';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(3) : x.toFixed(a >= 100 ? 1 : 3);
}

// -----------------------------------------------------------------------------------------------------
// The running episode in a checkpoint.

/**
 * The actions an env has taken since its episode began (float32, as the env received them), so that a
 * checkpoint can hold the running episode without serializing the simulator: a resumed trainer resets
 * the env on the same path and replays them (everything random in an episode is a function of
 * (seed, path) and the actions, core/rl/env.ts), then checks that it arrived at the saved observation.
 */
export class EpisodeLog {
  private data: Float32Array;
  private n = 0;

  constructor(
    readonly actionDim: number,
    /** Training path of the episode. */
    public path = 0,
  ) {
    this.data = new Float32Array(64 * actionDim);
  }

  /** Steps taken in the episode. */
  get steps(): number {
    return this.n;
  }

  start(path: number): void {
    this.path = path;
    this.n = 0;
  }

  push(a: ArrayLike<number>, offset = 0): void {
    const d = this.actionDim;
    if ((this.n + 1) * d > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    for (let i = 0; i < d; i++) this.data[this.n * d + i] = a[offset + i]!;
    this.n++;
  }

  /** A copy of the actions so far (steps × actionDim). */
  actions(): Float32Array {
    return this.data.slice(0, this.n * this.actionDim);
  }

  /** Load saved actions (replace the log). */
  load(path: number, actions: Float32Array): void {
    this.path = path;
    this.n = actions.length / this.actionDim;
    if (this.data.length < actions.length) this.data = new Float32Array(actions.length);
    this.data.set(actions);
  }
}

/** What a checkpoint holds of one env's running episode. */
export interface EpisodeState {
  path: number;
  /** The actions since the reset (steps × actionDim). */
  actions: Float32Array;
  /** Undiscounted reward sum so far. */
  epReturn: number;
  /** The raw observation the env is in (a check of the replay). */
  raw: number[];
}

export function episodeState(log: EpisodeLog, epReturn: number, raw: ArrayLike<number>): EpisodeState {
  return { path: log.path, actions: log.actions(), epReturn, raw: Array.from(raw) };
}

const episodeSchema = z.object({
  path: z.number().int().nonnegative(),
  actions: z.instanceof(Float32Array),
  epReturn: z.number(),
  raw: z.array(z.number()),
});

/** Parse a saved episode state (a CheckpointError naming the checkpoint when it is malformed). */
export function parseEpisodeState(c: LoadedCheckpoint, v: unknown, what: string): EpisodeState {
  const r = episodeSchema.safeParse(v);
  if (!r.success) throw new CheckpointError(c.info.dir, `${what} is malformed`);
  return r.data;
}

/**
 * Reset `te` on training path `ep.path` and replay the saved actions; returns the raw observation the
 * env is in. Throws a CheckpointError when the replay does not arrive where the checkpoint says (the
 * episode ended early, or another observation: the simulator is not the one that wrote it).
 */
export function replayEpisode(
  c: LoadedCheckpoint,
  te: TrainEnv,
  seed: number,
  ep: EpisodeState,
  log: EpisodeLog,
  what: string,
): Float64Array {
  const d = log.actionDim;
  if (ep.actions.length % d !== 0)
    throw new CheckpointError(
      c.info.dir,
      `${what}: ${ep.actions.length} action values, not a multiple of ${d}`,
    );
  let obs = te.env.reset(seed, ep.path);
  const steps = ep.actions.length / d;
  for (let k = 0; k < steps; k++) {
    const r = te.env.step(ep.actions.subarray(k * d, k * d + d));
    if (r.terminated || r.truncated)
      throw new CheckpointError(
        c.info.dir,
        `${what}: replaying path ${ep.path} ended the episode at step ${k + 1} of ${steps}`,
      );
    obs = r.observation;
  }
  if (obs.length !== ep.raw.length || obs.some((x, i) => x !== ep.raw[i]))
    throw new CheckpointError(
      c.info.dir,
      `${what}: replaying path ${ep.path} (${steps} steps) does not reproduce the saved observation (another simulator version?)`,
    );
  log.load(ep.path, ep.actions);
  return obs;
}
