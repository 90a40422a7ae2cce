/**
 * The training config file (YAML or JSON, validated with zod, strict: unknown keys are errors that
 * name file:line:col and the key path, see core/config/load-config.ts). One file defines one run:
 * the market (a backtest scenario), the environment around it (action box, reward weights, episode
 * length), the observation features, the algorithm (SAC, PPO or REINFORCE) with its hyperparameters, the budget
 * and the Avellaneda–Stoikov baseline of the periodic evaluation.
 *
 * Seeds. `seed` is the training seed: training episodes run simulator paths (seed, 0), (seed, 1), …
 * (PPO env e runs paths e, e + nEnvs, e + 2·nEnvs, … as VectorAsEnv does). Evaluation runs paths
 * (evaluationSeed(cfg), 0 … evalEpisodes − 1) with evaluationSeed = deriveSeed(seed, EVAL_STREAM)
 * (re-derived in the astronomically unlikely case it equals the training seed), so an evaluation path
 * is never a training path. The agent's own noise streams and the replay buffer's sampling stream are
 * further derived seeds (agentSeed, replaySeed). The eval CLI uses the same helpers.
 *
 * Identity. `configHash` hashes the part of the resolved config that defines the learning problem
 * (everything except name, description, budget, limits, and the section of the algorithm not in use): a
 * checkpoint only resumes under a config with the same hash, while the budget (e.g. `--steps`) may
 * change between sessions.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { loadConfigFile, parseConfigText } from '../../config/load-config';
import { deriveSeed } from '../../rng/rng';
import { scenarioSchema } from '../../backtest/config';
import { curriculumConfigSchema, stageScenarios } from './curriculum';
import { trainLimitsSchema } from './limits';

const finite = z.number().finite();
const positive = finite.positive();
const nonNegative = finite.nonnegative();
const posInt = z.number().int().positive();
const hiddenSchema = z.array(z.number().int().min(1).max(4096)).min(1).max(8);

/**
 * Exactly the keys of core/rl/reward.ts RewardConfig (weights default to 0: pure ΔPnL). `mode` and
 * `timeWeight` have no schema default (reward.ts supplies 'delta-pnl' and 1), so a config that does not
 * name them parses to the same object, and the same configHash, as before they existed; the env schema
 * also drops them when they equal those defaults.
 */
export const rewardConfigSchema = z.strictObject({
  mode: z.enum(['delta-pnl', 'final-pnl', 'time-weighted', 'inventory-penalized']).optional(),
  timeWeight: nonNegative.optional(),
  inventory: nonNegative.default(0),
  inventoryPenalty: z.enum(['quadratic', 'linear']).default('quadratic'),
  crossing: nonNegative.default(0),
  turnover: nonNegative.default(0),
  terminalInventory: nonNegative.default(0),
});

export const envConfigSchema = z
  .strictObject({
    /** Size of each quote, lots. */
    orderSizeLots: positive.default(1),
    /** Quote offsets from the mid span [minOffset, maxOffset] (price units); actions in [−1, 1] map onto it. */
    maxOffset: positive,
    minOffset: finite.default(0),
    /**
     * How actions become quotes (core/rl/env.ts mapAction): 'mid-offset' (absent: the offsets above),
     * 'ticks-from-touch' or 'ticks-from-mid' (whole ticks in [minTicks, maxTicks]; the scenario needs a
     * tickSize > 0). With a tick map, minOffset/maxOffset only bound the random baseline of tune-baselines.
     */
    actionMap: z.enum(['mid-offset', 'ticks-from-touch', 'ticks-from-mid']).optional(),
    minTicks: z.number().int().min(-1000).max(1000).optional(),
    maxTicks: z.number().int().min(-1000).max(1000).optional(),
    /** Order size per side as two more action dimensions, whole lots in [minLots, maxLots] (replaces orderSizeLots). */
    sizeAction: z
      .strictObject({
        minLots: z.number().int().min(1).max(1_000_000),
        maxLots: z.number().int().min(2).max(1_000_000),
      })
      .optional(),
    /** Lots that map to 1.0 in the inventory feature. */
    inventoryScale: positive,
    /** Episode length in time units (default: the whole session of the scenario). */
    horizon: positive.optional(),
    /** Truncate episodes after this many steps (bootstrapped, not terminal). */
    maxEpisodeSteps: posInt.optional(),
    reward: rewardConfigSchema.prefault({}),
  })
  // The keys added in issue 12 are dropped when they hold their defaults (actionMap 'mid-offset',
  // reward.mode 'delta-pnl', reward.timeWeight 1): a config that writes a default out parses to the same
  // object, and the same configHash, as one that leaves it out, so older runs keep resuming and loading.
  .transform(({ actionMap, reward, ...e }) => {
    const { mode, timeWeight, ...r } = reward;
    return {
      ...e,
      ...(actionMap !== undefined && actionMap !== 'mid-offset' ? { actionMap } : {}),
      reward: {
        ...r,
        ...(mode !== undefined && mode !== 'delta-pnl' ? { mode } : {}),
        ...(timeWeight !== undefined && timeWeight !== 1 ? { timeWeight } : {}),
      },
    };
  });

export const featuresConfigSchema = z.strictObject({
  /** 'intensity': [inventory, time left]; 'book': core/rl/features/book-features.ts (book mode only). */
  kind: z.enum(['intensity', 'book']).default('intensity'),
  levels: z.number().int().min(1).max(50).optional(),
  volHorizons: z.array(finite.min(1)).min(1).optional(),
  fillsEwmaSpan: finite.min(1).optional(),
});

/** Soft Actor-Critic (Haarnoja et al. 2018); defaults as core/rl/sac/sac.ts, smaller networks. */
export const sacConfigSchema = z.strictObject({
  hidden: hiddenSchema.default([64, 64]),
  gamma: finite.min(0).max(1).default(0.99),
  tau: finite.gt(0).max(1).default(0.005),
  actorLr: positive.default(3e-4),
  criticLr: positive.default(3e-4),
  alphaLr: positive.default(3e-4),
  initialAlpha: positive.default(1),
  autoAlpha: z.boolean().default(true),
  targetEntropy: finite.optional(),
  batchSize: posInt.max(65_536).default(256),
  /** Replay capacity (transitions); the buffer allocates min(bufferSize, budget.totalSteps). */
  bufferSize: posInt.default(1_000_000),
  /** Env steps of uniform random actions (and no updates) at the start. */
  warmupSteps: z.number().int().nonnegative().default(1000),
  /**
   * Gradient updates per env step after warm-up (the replay ratio, SB3's gradient_steps / train_freq);
   * may be a fraction (0.25 with updateEvery 4: one update every 4 steps, 4× more env samples per
   * second of compute). updateEvery·updatesPerStep must be a whole number ≥ 1.
   */
  updatesPerStep: positive.max(64).default(1),
  /** Do the updates in bursts every `updateEvery` env steps (updateEvery·updatesPerStep at a time). */
  updateEvery: posInt.default(1),
  maxGradNorm: positive.optional(),
});

/** PPO (Schulman et al. 2017) with GAE (Schulman et al. 2016); defaults after Stable-Baselines3. */
export const ppoConfigSchema = z.strictObject({
  hidden: hiddenSchema.default([64, 64]),
  nEnvs: posInt.max(256).default(8),
  nSteps: posInt.default(256),
  epochs: posInt.max(100).default(10),
  minibatchSize: posInt.default(256),
  clipRatio: positive.default(0.2),
  gaeLambda: finite.min(0).max(1).default(0.95),
  gamma: finite.min(0).max(1).default(0.99),
  lr: positive.default(3e-4),
  entCoef: nonNegative.default(0),
  vfCoef: nonNegative.default(0.5),
  maxGradNorm: positive.default(0.5),
  targetKl: positive.optional(),
  initialLogStd: finite.optional(),
  normalizeAdvantages: z.boolean().default(true),
});

/**
 * REINFORCE with a learned baseline (Williams 1992; Sutton & Barto 2018 §13.4; core/rl/reinforce/):
 * `episodesPerUpdate` complete episodes (one per env, stepped in lockstep) per update.
 */
export const reinforceConfigSchema = z.strictObject({
  hidden: hiddenSchema.default([64, 64]),
  /** Hidden widths of the baseline V(s) (default: as `hidden`). */
  baselineHidden: hiddenSchema.optional(),
  episodesPerUpdate: posInt.max(256).default(8),
  discount: finite.min(0).max(1).default(0.99),
  policyLr: positive.default(1e-3),
  baselineLr: positive.default(1e-3),
  /** Least-squares (Adam) steps of the baseline on each batch. */
  baselineSteps: posInt.max(100).default(5),
  /** Standardize G_t − b(s_t) over the batch (reward-to-go normalization). */
  normalizeAdvantages: z.boolean().default(true),
  entCoef: nonNegative.default(0),
  maxGradNorm: positive.optional(),
  initialLogStd: finite.optional(),
});

export const budgetConfigSchema = z.strictObject({
  /** Environment steps of the run (over all parallel envs). */
  totalSteps: posInt,
  /** Write a checkpoint every this many env steps. */
  checkpointEvery: posInt.default(10_000),
  /** Evaluate every this many env steps (0: no periodic evaluation; a final one still runs). */
  evalEvery: z.number().int().nonnegative().default(10_000),
  /** Held-out paths per evaluation (0 disables evaluation). */
  evalEpisodes: z.number().int().nonnegative().max(1000).default(5),
  /** Wall-clock budget of one session; training stops cleanly (final checkpoint) when exceeded. */
  maxMinutes: positive.optional(),
  /** Checkpoints kept (the newest K, plus the best by evaluation). */
  keepCheckpoints: posInt.default(5),
});

/** The Avellaneda–Stoikov / GLFT baseline (evaluation and quote curves). */
export const baselineConfigSchema = z.strictObject({
  /** Risk aversion γ of the AS and GLFT baselines. */
  gamma: positive.default(0.1),
  /** Intensity decay k and scale A; default from the scenario's intensity model (required in book mode). */
  k: positive.optional(),
  A: positive.optional(),
  /** GLFT inventory bound in clips (default: ⌈4·inventoryScale / orderSizeLots⌉, at least 1). */
  Q: posInt.optional(),
  /** σ (price / √time) for the formulas; default from the scenario (as core/backtest/quoters.ts). */
  sigma: positive.optional(),
});

export const guardConfigSchema = z.strictObject({
  /** A loss above this (or a non-finite one) fails the run: the last good checkpoint stays. */
  maxLoss: positive.default(1e8),
});

export const trainConfigSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only (it names the run directory)'),
    description: z.string().optional(),
    algo: z.enum(['sac', 'ppo', 'reinforce']),
    seed: z.number().int().nonnegative().max(0xffffffff),
    scenario: scenarioSchema,
    env: envConfigSchema,
    features: featuresConfigSchema.prefault({}),
    /** Running mean/std normalization of observations (default: true for book features, false for intensity). */
    normalizeObservations: z.boolean().optional(),
    /** Rewards are multiplied by this before learning (reported returns are unscaled). */
    rewardScale: positive.default(1),
    sac: sacConfigSchema.prefault({}),
    ppo: ppoConfigSchema.prefault({}),
    reinforce: reinforceConfigSchema.prefault({}),
    /** Stages of easier scenarios the run passes through before its own (core/rl/train/curriculum.ts). */
    curriculum: curriculumConfigSchema.optional(),
    budget: budgetConfigSchema,
    baseline: baselineConfigSchema.prefault({}),
    guard: guardConfigSchema.prefault({}),
    /** Raise the limits on network size, replay, steps and envs (core/rl/train/limits.ts). */
    limits: trainLimitsSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.features.kind === 'book' && cfg.scenario.mode !== 'book')
      ctx.addIssue({
        code: 'custom',
        path: ['features', 'kind'],
        message: "'book' features need a book-mode scenario (the intensity simulator has no order book)",
      });
    if (cfg.scenario.mode === 'book')
      for (const key of ['k', 'A'] as const)
        if (cfg.baseline[key] === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['baseline', key],
            message: `required in book mode (the scenario has no intensity model to take ${key} from)`,
          });
    const rw = cfg.env.reward;
    if (rw.mode === 'inventory-penalized' && !(rw.inventory > 0 || rw.terminalInventory > 0))
      ctx.addIssue({
        code: 'custom',
        path: ['env', 'reward', 'mode'],
        message: "'inventory-penalized' needs reward.inventory > 0 and/or reward.terminalInventory > 0",
      });
    const map = cfg.env.actionMap ?? 'mid-offset';
    if (map === 'mid-offset') {
      for (const key of ['minTicks', 'maxTicks'] as const)
        if (cfg.env[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: ['env', key], message: 'only with a tick actionMap' });
    } else {
      const lo = cfg.env.minTicks ?? 0;
      const hi = cfg.env.maxTicks;
      if (hi === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['env', 'maxTicks'],
          message: `required with actionMap '${map}'`,
        });
      else if (!(hi > lo))
        ctx.addIssue({ code: 'custom', path: ['env', 'maxTicks'], message: `must be > minTicks = ${lo}` });
      if (map === 'ticks-from-mid' && lo < 0)
        ctx.addIssue({
          code: 'custom',
          path: ['env', 'minTicks'],
          message: "must be ≥ 0 with 'ticks-from-mid'",
        });
      if (!((cfg.scenario.tickSize ?? 0) > 0))
        ctx.addIssue({
          code: 'custom',
          path: ['env', 'actionMap'],
          message: `'${map}' needs a scenario with tickSize > 0`,
        });
    }
    const sz = cfg.env.sizeAction;
    if (sz !== undefined && !(sz.maxLots > sz.minLots))
      ctx.addIssue({ code: 'custom', path: ['env', 'sizeAction', 'maxLots'], message: 'must be > minLots' });
    if (cfg.env.maxOffset <= cfg.env.minOffset)
      ctx.addIssue({ code: 'custom', path: ['env', 'maxOffset'], message: 'must be > env.minOffset' });
    const burst = cfg.sac.updateEvery * cfg.sac.updatesPerStep;
    if (cfg.algo === 'sac' && !(Math.abs(burst - Math.round(burst)) < 1e-9 && Math.round(burst) >= 1))
      ctx.addIssue({
        code: 'custom',
        path: ['sac', 'updatesPerStep'],
        message: `updateEvery·updatesPerStep must be a whole number ≥ 1 (got ${burst})`,
      });
    if (cfg.algo === 'ppo' && cfg.ppo.minibatchSize > cfg.ppo.nEnvs * cfg.ppo.nSteps)
      ctx.addIssue({
        code: 'custom',
        path: ['ppo', 'minibatchSize'],
        message: `must be ≤ nEnvs·nSteps = ${cfg.ppo.nEnvs * cfg.ppo.nSteps}`,
      });
    if (cfg.curriculum !== undefined) {
      for (const i of stageScenarios(cfg.scenario, cfg.curriculum).issues)
        ctx.addIssue({
          code: 'custom',
          path: ['curriculum', 'stages', i.stage, 'scenario', ...i.path],
          message: i.message,
        });
      for (const key of ['evalEvery', 'evalEpisodes'] as const)
        if (cfg.budget[key] === 0)
          ctx.addIssue({
            code: 'custom',
            path: ['budget', key],
            message: 'must be > 0 with a curriculum (its stages advance on the periodic evaluation)',
          });
    }
    if (
      cfg.features.volHorizons &&
      new Set(cfg.features.volHorizons).size !== cfg.features.volHorizons.length
    )
      ctx.addIssue({ code: 'custom', path: ['features', 'volHorizons'], message: 'must be distinct' });
  })
  .transform((cfg) => ({
    ...cfg,
    normalizeObservations: cfg.normalizeObservations ?? cfg.features.kind === 'book',
  }));

export type TrainConfig = z.output<typeof trainConfigSchema>;

/** Parse config text (`file` names it in messages). Throws ConfigError with file:line:col and key paths. */
export function parseTrainConfig(text: string, file: string): TrainConfig {
  return parseConfigText(text, file, trainConfigSchema);
}

/** Read and parse a training config file. Throws ConfigError. */
export function loadTrainConfig(path: string): TrainConfig {
  return loadConfigFile(path, trainConfigSchema);
}

/** Stream keys of the seeds derived from cfg.seed. */
export const SEED_STREAM = Object.freeze({ evaluation: 0x65766131, agent: 0x61676e74, replay: 0x72706c79 });

/** Seed of the training paths (cfg.seed, pathIndex 0, 1, 2, …). */
export function trainingSeed(cfg: Pick<TrainConfig, 'seed'>): number {
  return cfg.seed >>> 0;
}

/** Seed of the evaluation paths (evaluationSeed, pathIndex 0, 1, …); never equals trainingSeed. */
export function evaluationSeed(cfg: Pick<TrainConfig, 'seed'>): number {
  const train = trainingSeed(cfg);
  let s = deriveSeed(train, SEED_STREAM.evaluation);
  for (let k = 1; s === train; k++) s = deriveSeed(train, SEED_STREAM.evaluation, k);
  if (s === train) throw new Error('evaluationSeed: could not separate evaluation from training');
  return s;
}

/** Alias of evaluationSeed (the eval CLI's name for it). */
export const evalSeed = evaluationSeed;

export function agentSeed(cfg: Pick<TrainConfig, 'seed'>): number {
  return deriveSeed(trainingSeed(cfg), SEED_STREAM.agent);
}

export function replaySeed(cfg: Pick<TrainConfig, 'seed'>): number {
  return deriveSeed(trainingSeed(cfg), SEED_STREAM.replay);
}

/** The part of the config that defines the learning problem (see the module header). */
export function configIdentity(cfg: TrainConfig): Record<string, unknown> {
  const { name: _n, description: _d, budget: _b, limits: _l, sac, ppo, reinforce, ...rest } = cfg;
  return { ...rest, ...(cfg.algo === 'sac' ? { sac } : cfg.algo === 'ppo' ? { ppo } : { reinforce }) };
}

/** JSON with object keys sorted (stable across key order in the file). */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val !== null && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return val;
  });
}

/** sha256 (hex, first 16 chars) of the canonical identity of the config. */
export function configHash(cfg: TrainConfig): string {
  return createHash('sha256')
    .update(canonicalJson(configIdentity(cfg)))
    .digest('hex')
    .slice(0, 16);
}

/** Keys (dotted) whose values differ between two identities, for "refusing to resume" messages. */
export function identityDiff(a: unknown, b: unknown, prefix = ''): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) return [prefix === '' ? '(root)' : prefix];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => identityDiff(a[k], b[k], prefix === '' ? k : `${prefix}.${k}`));
}
