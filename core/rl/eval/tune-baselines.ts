/**
 * Tuning the classical quoters an agent is compared with, on training paths only.
 *
 * A comparison against an untuned baseline says little, so before evaluating, each classical family
 * gets its best parameters by grid search on the agent's own training paths (trainingSeed(cfg), paths
 * 0 … paths − 1; evaluation uses evaluationSeed(cfg), a different seed, so no path is both):
 * - Avellaneda–Stoikov (inventory variant) and GLFT (exact): the risk aversion γ over `gammas`
 *   (default 10⁻³ … 10 in half-decades), every other parameter from the config's `baseline`
 *   (env-factory.ts makeBaselineQuoter);
 * - fixed spread with linear skew: the half-spread h over a grid inside the agent's offset box
 *   [minOffset, maxOffset] (h = minOffset + f·(maxOffset − minOffset), f ∈ {0, .03, .06, .1, .15, .2, .3,
 *   .5}, h > 0) times the skew per lot m·h / inventoryScale, m ∈ {0, 0.5, 1.5} (at an inventory of
 *   inventoryScale lots the centre has moved m half-spreads).
 * The objective is the agent's: the mean over paths of the episode reward (Σ env rewards with the
 * config's reward weights and horizon, core/rl/eval/scored-path.ts), the quantity the agent maximizes.
 * Ties go to the first candidate in grid order. Every candidate runs on the same paths (common random
 * numbers), so the grid is compared path by path.
 */
import type { RunMetricsOptions } from '../../metrics/run-metrics';
import { mean, sampleStd } from '../../metrics/stats';
import { buildQuoter } from '../../strategy/factory';
import type { Quoter } from '../../strategy/quoter';
import { trainingSeed, type TrainConfig } from '../train/config';
import { makeBaselineQuoter } from '../train/env-factory';
import { evaluate } from './evaluate';

export const DEFAULT_GAMMAS: readonly number[] = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const SPREAD_FRACTIONS = [0, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.5];
const SKEW_MULTIPLES = [0, 0.5, 1.5];

export type BaselineFamily = 'as' | 'glft' | 'fixed';

export interface TuneCandidate {
  family: BaselineFamily;
  /** γ for as / glft; halfSpread and skewPerLot for fixed. */
  params: Record<string, number>;
  /** Mean episode reward over the tuning paths, and its standard error. */
  reward: number;
  rewardSe: number;
}

export interface TuneResult {
  seed: number;
  firstPath: number;
  paths: number;
  objective: 'mean episode reward';
  candidates: TuneCandidate[];
  best: Record<BaselineFamily, TuneCandidate>;
}

export interface TuneOptions {
  cfg: TrainConfig;
  /** Training paths per candidate (integer ≥ 1). */
  paths: number;
  gammas?: readonly number[];
  /** Fixed-spread grid (price units); default from the offset box (see the header). */
  halfSpreads?: readonly number[];
  skewsPerLot?: readonly number[];
  metrics: RunMetricsOptions;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Display names of the tuned quoters in results. */
export const BASELINE_NAMES: Record<BaselineFamily, string> = {
  as: 'AS',
  glft: 'GLFT',
  fixed: 'fixed-spread',
};

/** The default fixed-spread grid of a config: [halfSpread, skewPerLot] pairs. */
export function fixedSpreadGrid(cfg: TrainConfig): Array<[number, number]> {
  const { minOffset, maxOffset, inventoryScale } = cfg.env;
  const out: Array<[number, number]> = [];
  for (const f of SPREAD_FRACTIONS) {
    const h = minOffset + f * (maxOffset - minOffset);
    if (!(h > 0)) continue;
    for (const m of SKEW_MULTIPLES) out.push([h, (m * h) / inventoryScale]);
  }
  return out;
}

/** The quoter of a candidate, under `name`. */
export function candidateQuoter(
  cfg: TrainConfig,
  c: Pick<TuneCandidate, 'family' | 'params'>,
  name: string,
): Quoter {
  if (c.family === 'fixed')
    return buildQuoter(
      {
        type: 'fixed-spread',
        name,
        halfSpread: c.params.halfSpread,
        skewPerLot: c.params.skewPerLot,
        orderSizeLots: cfg.env.orderSizeLots,
      },
      cfg.scenario,
    );
  return makeBaselineQuoter(cfg, c.family, { gamma: c.params.gamma!, name });
}

export function tuneBaselines(opts: TuneOptions): TuneResult {
  const { cfg, paths } = opts;
  if (!(Number.isSafeInteger(paths) && paths >= 1))
    throw new RangeError(`tuneBaselines: paths must be an integer ≥ 1 (got ${paths})`);
  const gammas = opts.gammas ?? DEFAULT_GAMMAS;
  if (gammas.length === 0 || gammas.some((g) => !(Number.isFinite(g) && g > 0)))
    throw new RangeError(`tuneBaselines: gammas must be finite numbers > 0 (got [${gammas.join(', ')}])`);
  let fixed = fixedSpreadGrid(cfg);
  if (opts.halfSpreads !== undefined || opts.skewsPerLot !== undefined) {
    const hs = opts.halfSpreads ?? [...new Set(fixed.map(([h]) => h))];
    const ss = opts.skewsPerLot ?? [0];
    if (hs.length === 0 || hs.some((h) => !(Number.isFinite(h) && h > 0)))
      throw new RangeError('tuneBaselines: halfSpreads must be finite numbers > 0');
    if (ss.length === 0 || ss.some((s) => !(Number.isFinite(s) && s >= 0)))
      throw new RangeError('tuneBaselines: skewsPerLot must be finite numbers ≥ 0');
    fixed = hs.flatMap((h) => ss.map((s): [number, number] => [h, s]));
  }
  const grid: Array<Pick<TuneCandidate, 'family' | 'params'>> = [
    ...gammas.map((gamma) => ({ family: 'as' as const, params: { gamma } })),
    ...gammas.map((gamma) => ({ family: 'glft' as const, params: { gamma } })),
    ...fixed.map(([halfSpread, skewPerLot]) => ({
      family: 'fixed' as const,
      params: { halfSpread, skewPerLot },
    })),
  ];
  const seed = trainingSeed(cfg);
  const result = evaluate({
    scenario: cfg.scenario,
    quoters: grid.map((c, i) => candidateQuoter(cfg, c, `${c.family}#${i}`)),
    seed,
    paths,
    firstPath: 0,
    reward: cfg.env.reward,
    ...(cfg.env.horizon !== undefined ? { horizon: cfg.env.horizon } : {}),
    metrics: opts.metrics,
    resamples: 1, // only the means are used
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const candidates = grid.map((c, i): TuneCandidate => {
    const r = result.quoters[i]!.perPath.reward;
    return {
      ...c,
      reward: mean(r),
      rewardSe: r.length >= 2 ? sampleStd(r) / Math.sqrt(r.length) : Number.NaN,
    };
  });
  const best = {} as Record<BaselineFamily, TuneCandidate>;
  for (const c of candidates) {
    const b = best[c.family];
    if (b === undefined || c.reward > b.reward) best[c.family] = c;
  }
  return { seed, firstPath: 0, paths, objective: 'mean episode reward', candidates, best };
}

/** The tuned AS, GLFT and fixed-spread quoters (named BASELINE_NAMES). */
export function tunedQuoters(cfg: TrainConfig, t: TuneResult): Quoter[] {
  return (['as', 'glft', 'fixed'] as const).map((f) => candidateQuoter(cfg, t.best[f], BASELINE_NAMES[f]));
}
