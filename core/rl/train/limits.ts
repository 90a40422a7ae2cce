/**
 * Limits on the work and memory a training config implies, checked before the run starts (issue 9 §2):
 * network sizes (trainable parameters of every network of the algorithm, target copies included),
 * replay-buffer bytes, total env steps, parallel envs, and the per-path series and fills of the
 * scenario and the bars an evaluation keeps (as core/backtest/limits.ts). Over a limit `checkTrainLimits` throws the backtest module's
 * LimitError naming the config key (`limits.maxNetworkParams`, …); a `limits:` section in the training
 * config raises them (strict: unknown keys are errors).
 *
 * Estimates:
 * - parameters of an MLP with sizes [n₀, …, n_L]: Σ (n_{i−1} + 1)·n_i. SAC: actor [D, …h, 2A] and four
 *   critics [D + A, …h, 1] (two trained, two targets); PPO: actor [D, …h, A] + A log-stds and critic
 *   [D, …h, 1]. D = observation size (2 for intensity features, the book feature builder's size
 *   otherwise), A = 2 (bid and ask offsets);
 * - replay bytes (SAC): min(bufferSize, totalSteps) × (2D + A + 2) × 4 (Float32 obs, next obs, action,
 *   reward, done), as core/rl/replay-buffer.ts allocates.
 *
 * Invariant: the defaults admit every shipped training config and test config; a training job within
 * them holds at most ~160 MB of parameters with their Adam moments and gradients (16 bytes each) and
 * 2 GB of replay.
 */
import { z } from 'zod';
import { DEFAULT_BACKTEST_LIMITS, LimitError, scenarioPathWork, type PathWork } from '../../backtest/limits';
import type { ScenarioConfig } from '../../backtest/config';
import { BookFeatureBuilder } from '../features/book-features';

const limit = z.number().positive();

/** The `limits:` section of a training config; a missing key takes its default from DEFAULT_TRAIN_LIMITS. */
export const trainLimitsSchema = z.strictObject({
  /** Parameters of all networks of the algorithm, target copies included (default 1e7). */
  maxNetworkParams: limit.optional(),
  /** Bytes of the SAC replay buffer (default 2e9). */
  maxReplayBytes: limit.optional(),
  /** budget.totalSteps (default 2e7). */
  maxTotalSteps: limit.optional(),
  /** Parallel envs (ppo.nEnvs; default 64). */
  maxEnvs: limit.optional(),
  /** Series bars of one path of the scenario (default 1e7, as backtests). */
  maxSeriesBars: limit.optional(),
  /** evalEpisodes × series bars, kept by an evaluation's metrics (default 1e8, as backtests). */
  maxRunBars: limit.optional(),
  /** Estimated fills of ours on one path (default 5e7, as backtests). */
  maxFillsPerPath: limit.optional(),
});

export type TrainLimitsConfig = z.output<typeof trainLimitsSchema>;
export type TrainLimits = { [K in keyof TrainLimitsConfig]-?: number };

/**
 * Defaults. Shipped configs: networks [64, 64] (≈ 2·10⁴ parameters for SAC), replay ≤ 3·10⁵ ×
 * (2D + 4) floats ≈ 0.1 GB, totalSteps ≤ 2·10⁶ (ppo-default), nEnvs ≤ 8. 2·10⁷ steps is ~10 h of SAC
 * at the measured ~570 steps/s and ~1 h of PPO at ~4,900 steps/s.
 */
export const DEFAULT_TRAIN_LIMITS: Readonly<TrainLimits> = Object.freeze({
  maxNetworkParams: 1e7,
  maxReplayBytes: 2e9,
  maxTotalSteps: 2e7,
  maxEnvs: 64,
  maxSeriesBars: DEFAULT_BACKTEST_LIMITS.maxSeriesBars,
  maxRunBars: DEFAULT_BACKTEST_LIMITS.maxRunBars,
  maxFillsPerPath: DEFAULT_BACKTEST_LIMITS.maxFillsPerPath,
});

/** Action size of the quoting env: bid and ask offsets. */
const ACTION_DIM = 2;

/** The part of a training config the limits read (structural, so config.ts need not be imported). */
export interface TrainLimitsInput {
  algo: 'sac' | 'ppo' | 'reinforce';
  scenario: ScenarioConfig;
  features: {
    kind: 'intensity' | 'book';
    levels?: number | undefined;
    volHorizons?: number[] | undefined;
    fillsEwmaSpan?: number | undefined;
  };
  sac: { hidden: number[]; bufferSize: number };
  ppo: { hidden: number[]; nEnvs: number };
  reinforce: { hidden: number[]; baselineHidden?: number[] | undefined; episodesPerUpdate: number };
  budget: { totalSteps: number; evalEpisodes: number };
  limits?: TrainLimitsConfig | undefined;
}

export interface TrainWork extends PathWork {
  obsDim: number;
  networkParams: number;
  replayBytes: number;
  totalSteps: number;
  envs: number;
  /** evalEpisodes × bars: what one evaluation's metrics keep. */
  evalBars: number;
}

/** Trainable parameters of a dense MLP with layer sizes `sizes`. */
export function mlpParams(sizes: readonly number[]): number {
  let n = 0;
  for (let i = 1; i < sizes.length; i++) n += ((sizes[i - 1] ?? 0) + 1) * (sizes[i] ?? 0);
  return n;
}

/** Observation size of the config's features. */
export function observationSize(cfg: Pick<TrainLimitsInput, 'features'>): number {
  const f = cfg.features;
  if (f.kind !== 'book') return 2;
  return new BookFeatureBuilder({
    ...(f.levels !== undefined ? { levels: f.levels } : {}),
    ...(f.volHorizons !== undefined ? { volHorizons: f.volHorizons } : {}),
    ...(f.fillsEwmaSpan !== undefined ? { fillsEwmaSpan: f.fillsEwmaSpan } : {}),
  }).names.length;
}

export function estimateTrainWork(cfg: TrainLimitsInput): TrainWork {
  const D = observationSize(cfg);
  const A = ACTION_DIM;
  let networkParams: number;
  let replayBytes = 0;
  let envs = 1;
  if (cfg.algo === 'sac') {
    const h = cfg.sac.hidden;
    networkParams = mlpParams([D, ...h, 2 * A]) + 4 * mlpParams([D + A, ...h, 1]);
    const capacity = Math.max(1, Math.min(cfg.sac.bufferSize, cfg.budget.totalSteps));
    replayBytes = capacity * (2 * D + A + 2) * 4;
  } else if (cfg.algo === 'reinforce') {
    const r = cfg.reinforce;
    networkParams = mlpParams([D, ...r.hidden, A]) + A + mlpParams([D, ...(r.baselineHidden ?? r.hidden), 1]);
    envs = r.episodesPerUpdate;
  } else {
    const h = cfg.ppo.hidden;
    networkParams = mlpParams([D, ...h, A]) + A + mlpParams([D, ...h, 1]);
    envs = cfg.ppo.nEnvs;
  }
  const path = scenarioPathWork(cfg.scenario);
  return {
    ...path,
    evalBars: cfg.budget.evalEpisodes * path.bars,
    obsDim: D,
    networkParams,
    replayBytes,
    totalSteps: cfg.budget.totalSteps,
    envs,
  };
}

export function resolveTrainLimits(section: TrainLimitsConfig | undefined): TrainLimits {
  const out: TrainLimits = { ...DEFAULT_TRAIN_LIMITS };
  for (const [k, v] of Object.entries(section ?? {}) as [keyof TrainLimits, number | undefined][])
    if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Check a validated training config (after any --steps override) against its limits. Throws
 * LimitError naming the first limit exceeded; returns the estimate otherwise.
 */
export function checkTrainLimits(cfg: TrainLimitsInput): TrainWork {
  const lim = resolveTrainLimits(cfg.limits);
  const w = estimateTrainWork(cfg);
  const check = (key: keyof TrainLimits, value: number, quantity: string): void => {
    if (!(value <= lim[key])) throw new LimitError(`limits.${key}`, lim[key], value, quantity);
  };
  check('maxTotalSteps', w.totalSteps, 'budget.totalSteps');
  check(
    'maxEnvs',
    w.envs,
    cfg.algo === 'reinforce' ? 'parallel envs (reinforce.episodesPerUpdate)' : 'parallel envs (ppo.nEnvs)',
  );
  check('maxNetworkParams', w.networkParams, `network parameters (${cfg.algo}.hidden)`);
  check('maxReplayBytes', w.replayBytes, 'replay buffer bytes (min(sac.bufferSize, totalSteps) × row)');
  check('maxSeriesBars', w.bars, 'series bars per path');
  check('maxRunBars', w.evalBars, 'budget.evalEpisodes × series bars');
  check('maxFillsPerPath', w.fills, 'fills per path (estimated)');
  return w;
}
