/**
 * Tuning the classical quoters an agent is compared with, on training paths only.
 *
 * A comparison against a badly tuned baseline flatters the agent, so before evaluating, every free
 * parameter of every classical family is searched on the agent's own training paths (trainingSeed(cfg),
 * paths 0 … paths − 1; evaluation uses evaluationSeed(cfg), a different seed, so no path is both):
 * - Avellaneda–Stoikov (inventory variant; Avellaneda & Stoikov 2008): risk aversion γ and the
 *   intensity decay k (A does not enter its quotes); σ stays the config's (the scenario's volatility);
 * - GLFT (exact; Guéant, Lehalle & Fernandez-Tapia 2013): γ, A and k;
 * - fixed spread with linear skew: half-spread h and skew per lot;
 * - static: the fixed spread without skew (h only) — the simplest quoter that still earns the spread;
 * - random: both quotes uniform in the agent's action box (core/strategy/random-quoter.ts); nothing to
 *   tune, it is run on the tuning paths only so that it can take part in the choice below.
 *
 * Search (per family, in a unit cube: each parameter maps u ∈ [0, 1] onto its box, log-uniformly for
 * γ, A, k and linearly for h and the skew):
 *   1. a coarse grid over the whole box (γ in half-decades 10⁻³ … 10³ — or the `gammas` list —, A and k
 *      in decades over [x₀/100, 100·x₀] around the config's baseline values x₀ — rough guesses in book
 *      mode, hence the wide box —, h in 11 steps over [minOffset, maxOffset], the skew in 6 steps over
 *      [0, 5·maxOffset/inventoryScale], so that at inventoryScale lots the centre can move up to five
 *      times the widest quote);
 *   2. a compass (coordinate pattern) search from each of the `starts` (default 3) best grid points
 *      (Kolda, Lewis & Torczon, "Optimization by direct search", SIAM Review 45(3), 2003, §3): poll
 *      u ± s along every axis (clamped to the box), move to the best polled point when it beats the
 *      incumbent, otherwise halve s; start at half the grid spacing, stop below 1/16 of it or after
 *      `refineBudget` (default 16 per parameter) new evaluations. Several starts, because the objective
 *      is a noisy sample mean with local bumps; points already evaluated are not run again.
 * The objective is the agent's: the mean over paths of the episode reward (Σ env rewards with the
 * config's reward weights and horizon, scored-path.ts), the quantity the agent maximizes. Every
 * candidate runs on the same paths (common random numbers), so the objective is a deterministic
 * function of the parameters and candidates are compared path by path. Ties go to the earlier point.
 * An optimum on the boundary of its box — within two of the finest compass steps of it — is flagged
 * (`edges`): the box may be too small there (except a skew of 0, the natural lower limit).
 *
 * "The best baseline" — the one agents are tested against — is chosen here, by mean reward on the
 * tuning paths among the tuned AS, GLFT, fixed spread, static and random quoters; never on the
 * evaluation paths, which would pick whichever baseline was luckiest there.
 */
import type { RunMetricsOptions } from '../../metrics/run-metrics';
import { mean, sampleStd, sharpeRatio } from '../../metrics/stats';
import { renamed } from '../../backtest/quoters';
import { FixedSpreadQuoter } from '../../strategy/fixed-spread';
import type { Quoter } from '../../strategy/quoter';
import { RandomQuoter } from '../../strategy/random-quoter';
import { trainingSeed, type TrainConfig } from '../train/config';
import { baselineParams, makeBaselineQuoter } from '../train/env-factory';
import { evaluate } from './evaluate';

/** Half-decades from 10⁻³ to 10³ (γ = 10 was the upper edge of the old 10⁻³ … 10 box on the book). */
export const DEFAULT_GAMMAS: readonly number[] = [
  0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000,
];

export type BaselineFamily = 'as' | 'glft' | 'fixed' | 'static' | 'random';
export const BASELINE_FAMILIES: readonly BaselineFamily[] = ['as', 'glft', 'fixed', 'static', 'random'];
export type ParamName = 'gamma' | 'A' | 'k' | 'halfSpread' | 'skewPerLot';
export const PARAM_NAMES: readonly ParamName[] = ['gamma', 'A', 'k', 'halfSpread', 'skewPerLot'];

/** Display names of the baselines in results. */
export const BASELINE_NAMES: Record<BaselineFamily, string> = {
  as: 'AS',
  glft: 'GLFT',
  fixed: 'fixed-spread',
  static: 'static',
  random: 'random',
};

/** The parameters each family searches (random: none). */
export const FAMILY_PARAMS: Record<BaselineFamily, readonly ParamName[]> = {
  as: ['gamma', 'k'],
  glft: ['gamma', 'A', 'k'],
  fixed: ['halfSpread', 'skewPerLot'],
  static: ['halfSpread'],
  random: [],
};

export interface ParamBox {
  lo: number;
  hi: number;
  scale: 'log' | 'linear';
  /** Coarse grid points (u values in [0, 1], ascending). */
  grid: number[];
}

export interface TuneCandidate {
  family: BaselineFamily;
  params: Record<string, number>;
  stage: 'grid' | 'refine' | 'fixed';
  /** Mean episode reward over the tuning paths, and its standard error. */
  reward: number;
  rewardSe: number;
  /** Mean PnL over the tuning paths and the session Sharpe (mean / std of the per-path PnLs). */
  pnl: number;
  sessionSharpe: number;
}

export interface ParamEdge {
  param: ParamName;
  bound: 'lower' | 'upper';
  value: number;
}

export interface TunedBaseline extends TuneCandidate {
  name: string;
  /** Parameters whose optimum lies on the boundary of the search box. */
  edges: ParamEdge[];
  /** Candidates of this family that were run (grid + refinement). */
  evaluations: number;
}

export interface TuneResult {
  seed: number;
  firstPath: number;
  paths: number;
  objective: 'mean episode reward';
  boxes: Partial<Record<ParamName, ParamBox>>;
  /** Every candidate run, in order. */
  candidates: TuneCandidate[];
  best: Record<BaselineFamily, TunedBaseline>;
  /** The name of the baseline with the highest mean reward on the tuning paths. */
  bestBaseline: string;
}

export interface TuneOptions {
  cfg: TrainConfig;
  /** Training paths per candidate (integer ≥ 1). */
  paths: number;
  /** Coarse γ grid (default DEFAULT_GAMMAS); the γ box is [min, max] of it. */
  gammas?: readonly number[];
  /** Overrides of the search boxes, [lo, hi] per parameter. */
  boxes?: Partial<Record<ParamName, readonly [number, number]>>;
  /** New evaluations allowed per compass search (default 16 per searched parameter). */
  refineBudget?: number;
  /** Compass searches per family, from the best grid points (default 3). */
  starts?: number;
  metrics: RunMetricsOptions;
  signal?: AbortSignal;
  /** Polled inside the candidates' paths (e.g. a worker's shared flag); true cancels with an AbortError. */
  shouldStop?: () => boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Points of a coarse grid of n points over [0, 1]. */
function unitGrid(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? 0.5 : i / (n - 1)));
}

function logGrid(lo: number, hi: number, n: number): ParamBox {
  return { lo, hi, scale: 'log', grid: unitGrid(n) };
}

/** The search boxes of a config (see the header), with `overrides` applied and checked. */
export function searchBoxes(
  cfg: TrainConfig,
  gammas: readonly number[] = DEFAULT_GAMMAS,
  overrides: TuneOptions['boxes'] = {},
): Record<ParamName, ParamBox> {
  if (gammas.length === 0 || gammas.some((g) => !(Number.isFinite(g) && g > 0)))
    throw new RangeError(`tuneBaselines: gammas must be finite numbers > 0 (got [${gammas.join(', ')}])`);
  const p = baselineParams(cfg);
  const { minOffset, maxOffset, inventoryScale } = cfg.env;
  const gLo = Math.min(...gammas);
  const gHi = Math.max(...gammas);
  const gammaBox: ParamBox =
    gLo === gHi
      ? { lo: gLo, hi: gHi, scale: 'log', grid: [0] }
      : {
          lo: gLo,
          hi: gHi,
          scale: 'log',
          grid: [...new Set(gammas)]
            .sort((a, b) => a - b)
            .map((g) => Math.log(g / gLo) / Math.log(gHi / gLo)),
        };
  const boxes: Record<ParamName, ParamBox> = {
    gamma: gammaBox,
    A: logGrid(p.A / 100, p.A * 100, 5),
    k: logGrid(p.k / 100, p.k * 100, 5),
    halfSpread: { lo: minOffset, hi: maxOffset, scale: 'linear', grid: unitGrid(11) },
    skewPerLot: { lo: 0, hi: (5 * maxOffset) / inventoryScale, scale: 'linear', grid: unitGrid(6) },
  };
  for (const [key, range] of Object.entries(overrides) as [ParamName, readonly [number, number]][]) {
    if (!PARAM_NAMES.includes(key))
      throw new RangeError(`tuneBaselines: unknown parameter '${key}' in boxes`);
    const [lo, hi] = range;
    const positive = boxes[key].scale === 'log';
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo && (positive ? lo > 0 : lo >= 0)))
      throw new RangeError(
        `tuneBaselines: box of ${key} must be finite with ${positive ? '0 < lo' : '0 ≤ lo'} ≤ hi (got [${lo}, ${hi}])`,
      );
    const n = key === 'gamma' ? 9 : boxes[key].grid.length;
    boxes[key] = { lo, hi, scale: boxes[key].scale, grid: lo === hi ? [0] : unitGrid(n) };
  }
  return boxes;
}

/** Parameter value at u ∈ [0, 1] of its box. */
export function fromUnit(box: ParamBox, u: number): number {
  if (box.lo === box.hi) return box.lo;
  if (u <= 0) return box.lo;
  if (u >= 1) return box.hi;
  return box.scale === 'log' ? box.lo * Math.pow(box.hi / box.lo, u) : box.lo + u * (box.hi - box.lo);
}

/** The quoter of a family with the given parameters, under `name`. */
export function candidateQuoter(
  cfg: TrainConfig,
  c: Pick<TuneCandidate, 'family' | 'params'>,
  name: string,
): Quoter {
  const p = c.params;
  switch (c.family) {
    case 'fixed':
    case 'static':
      // The class, not buildQuoter: the search box may include a half-spread of 0 (at the mid or, on a
      // tick grid, at the touch), which a backtest config does not accept.
      return renamed(
        new FixedSpreadQuoter({
          halfSpread: p.halfSpread!,
          skewPerLot: c.family === 'static' ? 0 : p.skewPerLot!,
          orderSizeLots: cfg.env.orderSizeLots,
        }),
        name,
      );
    case 'random':
      return new RandomQuoter({
        name,
        minOffset: cfg.env.minOffset,
        maxOffset: cfg.env.maxOffset,
        orderSizeLots: cfg.env.orderSizeLots,
        seed: cfg.seed,
      });
    case 'as':
    case 'glft':
      return makeBaselineQuoter(cfg, c.family, {
        ...(p.gamma !== undefined ? { gamma: p.gamma } : {}),
        ...(p.A !== undefined ? { A: p.A } : {}),
        ...(p.k !== undefined ? { k: p.k } : {}),
        name,
      });
  }
}

/**
 * The baselines with the config's own parameters (no tuning): AS and GLFT with baseline γ, A, k; fixed
 * spread and static at the middle of the half-spread box (fixed with the middle skew); random.
 */
export function untunedQuoters(cfg: TrainConfig): Quoter[] {
  const b = baselineParams(cfg);
  const boxes = searchBoxes(cfg);
  const h = fromUnit(boxes.halfSpread, 0.5);
  const params: Record<BaselineFamily, Record<string, number>> = {
    as: { gamma: b.gamma, k: b.k },
    glft: { gamma: b.gamma, A: b.A, k: b.k },
    fixed: { halfSpread: h, skewPerLot: fromUnit(boxes.skewPerLot, 0.5) },
    static: { halfSpread: h },
    random: {},
  };
  return BASELINE_FAMILIES.map((f) =>
    candidateQuoter(cfg, { family: f, params: params[f] }, BASELINE_NAMES[f]),
  );
}

interface Point {
  u: number[];
  candidate: TuneCandidate;
}

export function tuneBaselines(opts: TuneOptions): TuneResult {
  const { cfg, paths } = opts;
  if (!(Number.isSafeInteger(paths) && paths >= 1))
    throw new RangeError(`tuneBaselines: paths must be an integer ≥ 1 (got ${paths})`);
  const boxes = searchBoxes(cfg, opts.gammas ?? DEFAULT_GAMMAS, opts.boxes ?? {});
  const budgetOf = (f: BaselineFamily): number => opts.refineBudget ?? 16 * FAMILY_PARAMS[f].length;
  if (opts.refineBudget !== undefined && !(Number.isSafeInteger(opts.refineBudget) && opts.refineBudget >= 0))
    throw new RangeError(`tuneBaselines: refineBudget must be an integer ≥ 0 (got ${opts.refineBudget})`);
  const starts = opts.starts ?? 3;
  if (!(Number.isSafeInteger(starts) && starts >= 1))
    throw new RangeError(`tuneBaselines: starts must be an integer ≥ 1 (got ${starts})`);
  const seed = trainingSeed(cfg);

  // Progress: the grids are known in advance, the refinements at most their budgets.
  const gridSize = (f: BaselineFamily): number =>
    FAMILY_PARAMS[f].reduce((n, key) => n * boxes[key].grid.length, 1);
  // static's grid is fixed's zero-skew slice, already run.
  let total = 0;
  for (const f of BASELINE_FAMILIES)
    total +=
      f === 'random' ? 1 : (f === 'static' ? 0 : gridSize(f)) + budgetOf(f) * Math.min(starts, gridSize(f));
  let done = 0;
  const progress = (n: number): void => {
    done += n;
    opts.onProgress?.(Math.min(done, total), total);
  };

  const candidates: TuneCandidate[] = [];
  const cache = new Map<string, TuneCandidate>();
  // static is fixed spread with skew 0: the same runs, one cache entry.
  const keyOf = (f: BaselineFamily, params: Record<string, number>): string => {
    const fam = f === 'static' ? 'fixed' : f;
    const vals = FAMILY_PARAMS[fam].map((k) => (f === 'static' && k === 'skewPerLot' ? 0 : (params[k] ?? 0)));
    return `${fam}|${vals.map((v) => v.toPrecision(12)).join('|')}`;
  };

  /** Runs the candidates not yet in the cache (one evaluate() over all of them) and returns all. */
  const run = (
    family: BaselineFamily,
    stage: TuneCandidate['stage'],
    list: Record<string, number>[],
  ): TuneCandidate[] => {
    const fresh: Record<string, number>[] = [];
    const freshKeys = new Set<string>();
    for (const params of list) {
      const key = keyOf(family, params);
      if (!cache.has(key) && !freshKeys.has(key)) {
        fresh.push(params);
        freshKeys.add(key);
      }
    }
    if (fresh.length > 0) {
      const result = evaluate({
        scenario: cfg.scenario,
        quoters: fresh.map((params, i) =>
          candidateQuoter(cfg, { family, params }, `${family}#${candidates.length + i}`),
        ),
        seed,
        paths,
        firstPath: 0,
        reward: cfg.env.reward,
        ...(cfg.env.horizon !== undefined ? { horizon: cfg.env.horizon } : {}),
        metrics: opts.metrics,
        resamples: 1, // only the means are used
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.shouldStop ? { shouldStop: opts.shouldStop } : {}),
        // Progress inside a batch too (a GLFT grid is hundreds of candidates in one call).
        ...(opts.onProgress
          ? {
              onProgress: (d: number) =>
                opts.onProgress?.(Math.min(done + Math.floor(d / paths), total), total),
            }
          : {}),
      });
      fresh.forEach((params, i) => {
        const q = result.quoters[i]!;
        const r = q.perPath.reward;
        const c: TuneCandidate = {
          family,
          params: { ...params },
          stage,
          reward: mean(r),
          rewardSe: r.length >= 2 ? sampleStd(r) / Math.sqrt(r.length) : Number.NaN,
          pnl: mean(q.perPath.pnl),
          sessionSharpe: sharpeRatio(q.perPath.pnl),
        };
        candidates.push(c);
        cache.set(keyOf(family, params), c);
      });
      progress(fresh.length);
    }
    return list.map((params) => cache.get(keyOf(family, params))!);
  };

  const best = {} as Record<BaselineFamily, TunedBaseline>;
  for (const family of BASELINE_FAMILIES) {
    const keys = FAMILY_PARAMS[family];
    if (keys.length === 0) {
      const [c] = run(family, 'fixed', [{}]);
      best[family] = { ...c!, name: BASELINE_NAMES[family], edges: [], evaluations: 1 };
      continue;
    }
    const paramsAt = (u: number[]): Record<string, number> =>
      Object.fromEntries(keys.map((k, i) => [k, fromUnit(boxes[k], u[i]!)]));
    const evaluationsBefore = candidates.length;
    /** Compass search from `from` with steps spacing/2 … spacing/16 and `budget` new evaluations. */
    const compass = (from: Point, spacing: number, budget: number): Point => {
      let incumbent = from;
      let step = spacing / 2;
      const minStep = spacing / 16;
      const startCount = candidates.length;
      while (step >= minStep && candidates.length - startCount < budget) {
        const poll: number[][] = [];
        for (let d = 0; d < keys.length; d++) {
          if (boxes[keys[d]!].lo === boxes[keys[d]!].hi) continue;
          for (const sign of [-1, 1]) {
            const u = [...incumbent.u];
            u[d] = Math.min(1, Math.max(0, u[d]! + sign * step));
            if (u[d] !== incumbent.u[d]) poll.push(u);
          }
        }
        // Within the budget: every already-run poll point, and new ones while there is room.
        let room = budget - (candidates.length - startCount);
        const kept = poll.filter((u) => cache.has(keyOf(family, paramsAt(u))) || room-- > 0);
        const polled = run(family, 'refine', kept.map(paramsAt));
        let moved = false;
        polled.forEach((c, i) => {
          if (c.reward > incumbent.candidate.reward) {
            incumbent = { u: kept[i]!, candidate: c };
            moved = true;
          }
        });
        if (kept.length < poll.length) break; // budget spent
        if (!moved) step /= 2;
      }
      return incumbent;
    };
    // 1. Coarse grid (static: fixed's zero-skew slice).
    let grid: number[][] = [[]];
    for (const k of keys) grid = grid.flatMap((u) => boxes[k].grid.map((g) => [...u, g]));
    const gridCandidates = run(family, 'grid', grid.map(paramsAt));
    // 2. Compass search from each of the best `starts` grid points; the best point found wins.
    const order = gridCandidates
      .map((_, i) => i)
      .sort((a, b) => gridCandidates[b]!.reward - gridCandidates[a]!.reward || a - b);
    let incumbent: Point = { u: grid[order[0]!]!, candidate: gridCandidates[order[0]!]! };
    const spacing = Math.min(
      ...keys.map((k) => (boxes[k].grid.length > 1 ? 1 / (boxes[k].grid.length - 1) : 1)),
    );
    const budget = budgetOf(family);
    const startCount = candidates.length;
    for (const start of order.slice(0, starts)) {
      const found = compass({ u: grid[start]!, candidate: gridCandidates[start]! }, spacing, budget);
      if (found.candidate.reward > incumbent.candidate.reward) incumbent = found;
    }
    // Unused refinement budget still counts as done for the progress bar.
    progress(Math.max(0, budget * Math.min(starts, order.length) - (candidates.length - startCount)));
    // On the edge: within two of the finest compass steps of a bound (the search cannot tell such a
    // point from the bound itself).
    const edges: ParamEdge[] = [];
    const near = spacing / 8 + 1e-12;
    keys.forEach((k, i) => {
      const box = boxes[k];
      if (box.lo === box.hi) return;
      const u = incumbent.u[i]!;
      // A skew of 0 is the natural lower limit (a negative skew would add to inventory), not a choice.
      if (u <= near && !(k === 'skewPerLot' && box.lo === 0))
        edges.push({ param: k, bound: 'lower', value: box.lo });
      else if (u >= 1 - near) edges.push({ param: k, bound: 'upper', value: box.hi });
    });
    best[family] = {
      ...incumbent.candidate,
      family,
      name: BASELINE_NAMES[family],
      edges,
      evaluations: candidates.length - evaluationsBefore + (family === 'static' ? gridCandidates.length : 0),
    };
  }
  let bestBaseline = best[BASELINE_FAMILIES[0]!];
  for (const f of BASELINE_FAMILIES) if (best[f].reward > bestBaseline.reward) bestBaseline = best[f];
  opts.onProgress?.(total, total);
  return {
    seed,
    firstPath: 0,
    paths,
    objective: 'mean episode reward',
    boxes: Object.fromEntries(
      [...new Set(BASELINE_FAMILIES.flatMap((f) => FAMILY_PARAMS[f]))].map((k) => [k, boxes[k]]),
    ),
    candidates,
    best,
    bestBaseline: bestBaseline.name,
  };
}

/** The tuned baselines (named BASELINE_NAMES), in BASELINE_FAMILIES order. */
export function tunedQuoters(cfg: TrainConfig, t: TuneResult): Quoter[] {
  return BASELINE_FAMILIES.map((f) => candidateQuoter(cfg, t.best[f], BASELINE_NAMES[f]));
}
