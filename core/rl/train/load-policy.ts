/**
 * A trained policy back from disk, ready to quote: `loadPolicy(dir)` reads a checkpoint written by the
 * training service (checkpoint.ts) together with its run's config.json and rebuilds exactly what the
 * trainer acted with:
 * - the agent (SAC, PPO or REINFORCE, makeSacAgent / makePpoAgent / makeReinforceAgent of the run's config, then setWeights with the
 *   checkpoint's snapshot: hashes checked, algorithm and config hash must match);
 * - the observation statistics, frozen as they were at the checkpoint (RunningNormalizer.fromJSON; the
 *   trainer's clip OBS_CLIP);
 * - the observation builder and action map of the config (env-factory.ts makeFeatures / envOptions);
 *   the checkpoint's recorded action map (manifest `action`) must equal the config's; a checkpoint
 *   without one (written before issue 12) acted through 'mid-offset', which its config parses to.
 * `quoter()` wraps them in a PolicyQuoter (core/rl/eval/policy-quoter.ts): a fresh builder per call
 * (it reads our fills from the observation), so several quoters of one policy can run at once. The
 * deterministic policy (the mean action) is used, as in the trainer's own evaluation.
 *
 * `dir` is a checkpoint directory (`<run>/checkpoints/step-NNNNNNNNN`, holding manifest.json) or a run
 * directory, which means its newest valid checkpoint (`pick: 'best'` takes the best by the trainer's
 * periodic evaluation instead; note that this selection looked at evaluation paths 0 … evalEpisodes − 1).
 * Every problem is a PolicyLoadError naming the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PolicyQuoter } from '../eval/policy-quoter';
import { RunningNormalizer } from '../features/normalizer';
import { loadTf } from '../tf/backend';
import type { Ppo, PpoWeights } from '../ppo/ppo';
import type { Reinforce, ReinforceWeights } from '../reinforce/reinforce';
import type { Sac, SacWeights } from '../sac/sac';
import {
  bestCheckpoint,
  CheckpointError,
  listCheckpoints,
  readCheckpoint,
  scanCheckpoints,
} from './checkpoint';
import { progressLabel, type StopCause } from './run-label';
import { configHash, trainConfigSchema, type TrainConfig } from './config';
import { actionRecordOf, envOptions, makeFeatures } from './env-factory';
import { makePpoAgent } from './ppo-trainer';
import { makeReinforceAgent } from './reinforce-trainer';
import { makeSacAgent } from './sac-trainer';
import { CONFIG_FILE, OBS_CLIP } from './trainer';
import type { CheckpointInfo } from './types';

const MANIFEST = 'manifest.json';

export class PolicyLoadError extends Error {
  override name = 'PolicyLoadError';
}

export interface LoadedPolicy {
  readonly cfg: TrainConfig;
  readonly runDir: string;
  readonly checkpoint: CheckpointInfo;
  readonly policy: Sac | Ppo | Reinforce;
  /** Frozen training statistics (undefined when the config does not normalize observations). */
  readonly normalizer: RunningNormalizer | undefined;
  /** Default quoter name: "<algo>-<config name>@<step>", e.g. "sac-sac-default@90000". */
  readonly name: string;
  /**
   * The checkpoint's step against the run's totalSteps (the manifest's, or the run's config for older
   * checkpoints) and, when the session that wrote it was stopped, why (the manifest's `stop`).
   */
  readonly progress: { step: number; totalSteps: number; stop?: StopCause; stopReason?: string };
  /**
   * run-label.ts progressLabel of the checkpoint, e.g. "step 120,000 of 300,000 — stopped by the time
   * budget"; undefined when it reached its totalSteps.
   */
  readonly label: string | undefined;
  /** A new PolicyQuoter of this policy (own builder). */
  quoter(name?: string): PolicyQuoter;
  /** Free the agent's tensors (the quoters stop working). */
  dispose(): void;
}

export interface LoadPolicyOptions {
  /** For a run directory: the newest checkpoint (default) or the best by periodic evaluation. */
  pick?: 'latest' | 'best';
}

/** The checkpoint directory `dir` designates (see the header). */
export function resolveCheckpointDir(dir: string, opts: LoadPolicyOptions = {}): string {
  const abs = path.resolve(dir);
  if (fs.existsSync(path.join(abs, MANIFEST))) return abs;
  if (!fs.existsSync(abs)) throw new PolicyLoadError(`${abs}: no such directory`);
  if (!fs.existsSync(path.join(abs, 'checkpoints')))
    throw new PolicyLoadError(
      `${abs}: neither a checkpoint directory (no ${MANIFEST}) nor a training run directory (no checkpoints/)`,
    );
  const pick =
    opts.pick === 'best' ? (bestCheckpoint(abs) ?? listCheckpoints(abs).at(-1)) : listCheckpoints(abs).at(-1);
  if (pick === undefined) {
    const bad = scanCheckpoints(abs).invalid[0];
    throw new PolicyLoadError(
      `${abs}: the run has no valid checkpoint${bad ? ` (${bad.id}: ${bad.reason})` : ''}`,
    );
  }
  return pick.dir;
}

/** The run directory of a checkpoint directory and its validated config. */
export function readRunConfig(checkpointDir: string): { runDir: string; cfg: TrainConfig } {
  const parent = path.dirname(checkpointDir);
  if (path.basename(parent) !== 'checkpoints')
    throw new PolicyLoadError(
      `${checkpointDir}: a checkpoint must sit in <run>/checkpoints/ beside the run's ${CONFIG_FILE}`,
    );
  const runDir = path.dirname(parent);
  const file = path.join(runDir, CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PolicyLoadError(`${file}: cannot read the run's config (${(e as Error).message})`);
  }
  const parsed = trainConfigSchema.safeParse((raw as { config?: unknown } | null)?.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue ? ['config', ...issue.path.map(String)].join('.') : 'config';
    throw new PolicyLoadError(`${file}: invalid run config at '${key}': ${issue?.message ?? 'invalid'}`);
  }
  return { runDir, cfg: parsed.data };
}

export async function loadPolicy(dir: string, opts: LoadPolicyOptions = {}): Promise<LoadedPolicy> {
  const ckDir = resolveCheckpointDir(dir, opts);
  const { runDir, cfg } = readRunConfig(ckDir);
  let loaded;
  try {
    loaded = readCheckpoint(ckDir, { algo: cfg.algo, configHash: configHash(cfg) }, { replay: false });
  } catch (e) {
    if (e instanceof CheckpointError) throw new PolicyLoadError(e.message);
    throw e;
  }
  // The action map: the manifest's record must be the config's (a checkpoint from before it was
  // recorded has none and acted through 'mid-offset', which is what its config parses to).
  const recorded = loaded.manifest.action;
  if (recorded !== undefined) {
    const want = actionRecordOf(cfg);
    if (JSON.stringify(recorded) !== JSON.stringify(want))
      throw new PolicyLoadError(
        `${path.join(ckDir, MANIFEST)}: the checkpoint's action map ${JSON.stringify(recorded)} differs from the run config's ${JSON.stringify(want)}`,
      );
  }
  const probe = makeFeatures(cfg, () => {
    throw new Error('loadPolicy: the probe builder reads no fills');
  });
  const obsDim = probe.builder.names.length;

  let normalizer: RunningNormalizer | undefined;
  if (cfg.normalizeObservations) {
    const state = loaded.manifest.normalizer;
    if (state === null || state === undefined)
      throw new PolicyLoadError(
        `${path.join(ckDir, MANIFEST)}: no observation normalizer, but the run's config normalizes observations`,
      );
    try {
      normalizer = RunningNormalizer.fromJSON(state);
    } catch (e) {
      throw new PolicyLoadError(`${path.join(ckDir, MANIFEST)}: normalizer: ${(e as Error).message}`);
    }
    if (normalizer.dim !== obsDim)
      throw new PolicyLoadError(
        `${path.join(ckDir, MANIFEST)}: normalizer has ${normalizer.dim} features, the config's builder ${obsDim}`,
      );
  }

  await loadTf({ quiet: true });
  const policy =
    cfg.algo === 'sac'
      ? makeSacAgent(cfg, obsDim)
      : cfg.algo === 'ppo'
        ? makePpoAgent(cfg, obsDim)
        : makeReinforceAgent(cfg, obsDim);
  try {
    if (cfg.algo === 'sac') await (policy as Sac).setWeights(loaded.agent as SacWeights);
    else if (cfg.algo === 'ppo') await (policy as Ppo).setWeights(loaded.agent as PpoWeights);
    else await (policy as Reinforce).setWeights(loaded.agent as ReinforceWeights);
  } catch (e) {
    policy.dispose();
    throw new PolicyLoadError(`${path.join(ckDir, MANIFEST)}: ${(e as Error).message}`);
  }

  const info = loaded.info;
  const name = `${cfg.algo}-${cfg.name}@${info.step}`;
  const m = loaded.manifest;
  const progress: LoadedPolicy['progress'] = {
    step: info.step,
    totalSteps: m.totalSteps ?? cfg.budget.totalSteps,
    ...(m.stop ? { stop: m.stop.cause, stopReason: m.stop.reason } : {}),
  };
  const env = envOptions(cfg);
  return {
    cfg,
    runDir,
    checkpoint: info,
    policy,
    normalizer,
    name,
    progress,
    label: progressLabel(progress),
    quoter(qname = name) {
      const { builder } = makeFeatures(cfg);
      return PolicyQuoter.fromEnvOptions(env, {
        name: qname,
        policy,
        builder,
        ...(normalizer ? { normalizer } : {}),
        clip: OBS_CLIP,
        params: { algo: cfg.algo, config: cfg.name, checkpoint: info.id, step: info.step },
      });
    },
    dispose() {
      policy.dispose();
    },
  };
}
