/**
 * Evaluation of RL agents against classical quoters on common random numbers.
 *
 * Design. Every quoter (agents as PolicyQuoter, classical quoters from buildQuoter) runs on the same
 * paths (seed, firstPath + i), i = 0 … paths − 1, each quoter with a fresh simulator from
 * makeSimulator(scenario); everything random in a path is a function of (seed, pathIndex), so path i
 * is the same market for every quoter and differences between quoters are paired by path. Each path is
 * run by runScoredPath (./scored-path.ts): the env's reward for the episode and the full PathResult.
 * Quoters learn of their own fills only through the observation (`obs.fills`), so a quoter runs in
 * whichever simulator is created here without being told about it.
 *
 * Per quoter the result holds
 * - `metrics`: the pooled RunMetrics of all paths (RunMetricsAccumulator), what a backtest reports;
 * - `perPath`: one number per path for each PathMetricKey, the single-path values of the existing
 *   metric code (computeRunMetrics on [path], so the definitions are docs/metrics.md's):
 *     reward             Σ env step rewards over the episode (scored-path.ts), always in the ΔPnL
 *                        form: the config's reward weights, never its training reward.mode
 *     pnl                final mark-to-market PnL of the path
 *     maxDrawdown        largest peak-to-trough fall of the path's PnL (≥ 0)
 *     es99               historical 99% expected shortfall of the path's per-bar increments (loss > 0)
 *     fillRate           fills / quotes posted on the path
 *     effectiveSpreadBps size-weighted edge of the path's fills against the mid at the fill
 *     realizedSpreadBps  the same against the mid markoutHorizon after each fill
 *   Undefined single-path values are 0, as in run-metrics.ts (a path without fills has fillRate 0 and
 *   spreads 0); the pooled `metrics` are the better summary of such sparse quantities. There is no
 *   per-path Sharpe: one path is one session, and a Sharpe ratio is a statistic over sessions
 *   (docs/metrics.md). It is `sessionSharpe`: mean / sample std of the per-path PnLs, with a
 *   percentile-bootstrap CI of that ratio over resampled paths.
 * - `summary`: for each key, the mean over paths and its percentile-bootstrap CI (Efron 1979; see
 *   core/metrics/inference.ts), B = `resamples` (default 2000) at `level` (default 0.95). Every vector
 *   is bootstrapped with the same seed (`bootstrapSeed`, default `seed`), i.e. the same resampled path
 *   sets, so a quoter's intervals do not depend on which other quoters were evaluated.
 *
 * compareAgents tests each agent against each given baseline path by path: reward, PnL and max drawdown
 * by pairedTest (bootstrap CI of the mean difference, Cohen's d_z with CI, paired t, Wilcoxon
 * signed-rank), the session Sharpe by its difference agent − baseline with a paired percentile-bootstrap
 * CI and p-value (the same resampled paths for both quoters); all p-values of the family agents ×
 * baselines × metrics get Holm's adjustment. Which baselines to test against is the caller's choice:
 * the CLI passes the one that was best on the tuning paths (tune-baselines.ts), never one chosen on
 * the evaluation paths themselves.
 *
 * Replay windows (`replay`). With a replay scenario (core/replay/scenario.ts) the market is recorded,
 * so there is one path per time window of the data instead of one per seed: path i is the replay of
 * `replay.windows[i]` ([from, to) in seconds after the dataset's first event; the book before `from`
 * is built from the data, not quoted), and `paths` must equal the number of windows. Every quoter sees
 * the same windows, so the pairing by path holds as on simulated paths; windows that do not overlap
 * make the paths independent draws of the day only in so far as the market forgets between them.
 *
 * Output: plain JSON-able data (arrays of numbers, no typed arrays, no timings or timestamps): the same
 * options give deep-equal results. The one non-JSON number that can appear is t = ±Infinity in a
 * paired test whose differences are all equal and non-zero (see inference.ts).
 */
import { bootstrapCi, holmAdjust, pairedTest, type PairedTestResult } from '../../metrics/inference';
import { sharpeRatio } from '../../metrics/stats';
import {
  RunMetricsAccumulator,
  computeRunMetrics,
  type RunMetrics,
  type RunMetricsOptions,
} from '../../metrics/run-metrics';
import { makeSimulator, type MarketInputs } from '../../backtest/run';
import { abortErrorOf, makeStopPoller } from '../../sim/guards';
import type { ScenarioConfig } from '../../backtest/config';
import type { MarketSimulator } from '../../sim/simulator';
import type { ParamValue, Quoter } from '../../strategy/quoter';
import { resolveReward, type RewardConfig, type RewardWeights } from '../reward';
import { PolicyQuoter } from './policy-quoter';
import { runScoredPath } from './scored-path';

export type PathMetricKey =
  'reward' | 'pnl' | 'maxDrawdown' | 'es99' | 'fillRate' | 'effectiveSpreadBps' | 'realizedSpreadBps';

export const PATH_METRIC_KEYS: readonly PathMetricKey[] = [
  'reward',
  'pnl',
  'maxDrawdown',
  'es99',
  'fillRate',
  'effectiveSpreadBps',
  'realizedSpreadBps',
];

/** Mean across paths and its bootstrap CI. */
export interface MeanCi {
  mean: number;
  low: number;
  high: number;
}

export interface QuoterEval {
  name: string;
  /** 'agent' for a PolicyQuoter, 'baseline' otherwise. */
  kind: 'agent' | 'baseline';
  params: Record<string, ParamValue>;
  /** Pooled over all paths, as a backtest reports them. */
  metrics: RunMetrics;
  /** One value per path (index i ↔ path firstPath + i). */
  perPath: Record<PathMetricKey, number[]>;
  /** Env steps scored per path. */
  steps: number[];
  summary: Record<PathMetricKey, MeanCi>;
  /** Session Sharpe (mean / sample std of the per-path PnLs; 0 for one path) and its bootstrap CI. */
  sessionSharpe: MeanCi;
}

export interface EvalResult {
  scenario: string;
  seed: number;
  firstPath: number;
  paths: number;
  /** Episode horizon used for the reward (null: to the session end). */
  horizon: number | null;
  /** A replay evaluation: the dataset and the window of each path (absent on simulated paths). */
  replay?: { dataset: string; windows: ReplayWindow[] };
  /** The weights the reward was scored with (always the ΔPnL form: the training reward.mode is ignored). */
  reward: RewardWeights;
  level: number;
  resamples: number;
  bootstrapSeed: number;
  quoters: QuoterEval[];
}

/** A session of a recorded market: [from, to) seconds after the dataset's first event. */
export interface ReplayWindow {
  from: number;
  to: number;
}

export interface EvalOptions {
  scenario: ScenarioConfig;
  /**
   * With a replay scenario: the loaded dataset (loadMarketInputs) and one window per path (see the
   * header); `paths` must equal windows.length.
   */
  replay?: { inputs: MarketInputs; windows: readonly ReplayWindow[] };
  /** Agents (PolicyQuoter) and classical quoters; names must be distinct. */
  quoters: Quoter[];
  seed: number;
  /** Number of paths (integer ≥ 1). */
  paths: number;
  /** Index of the first path (default 0): use paths not seen in training. */
  firstPath?: number;
  /**
   * Reward weights; missing ones are 0. A `mode` is ignored: every agent is scored with the ΔPnL form
   * (reward.ts 'delta-pnl') whatever reward it was trained with, so results compare across modes.
   */
  reward: Partial<RewardConfig>;
  /** Episode horizon for the reward (default: to the session end). */
  horizon?: number;
  metrics: RunMetricsOptions;
  /**
   * Cancels the evaluation: polled between paths and, through the simulators' StopPoller, every few
   * thousand steps/events inside a path; throws the signal's reason or an AbortError.
   */
  signal?: AbortSignal;
  /** Polled with the signal (e.g. a worker's shared flag); true cancels with an AbortError. */
  shouldStop?: () => boolean;
  onProgress?: (done: number, total: number) => void;
  /** Bootstrap resamples (default 2000), level (default 0.95) and seed (default `seed`). */
  resamples?: number;
  level?: number;
  bootstrapSeed?: number;
}

export function evaluate(opts: EvalOptions): EvalResult {
  const who = 'evaluate';
  const { scenario, quoters, seed, paths } = opts;
  const firstPath = opts.firstPath ?? 0;
  if (!(Number.isSafeInteger(paths) && paths >= 1))
    throw new RangeError(`${who}: paths must be an integer ≥ 1 (got ${paths})`);
  if (!(Number.isSafeInteger(firstPath) && firstPath >= 0))
    throw new RangeError(`${who}: firstPath must be an integer ≥ 0 (got ${firstPath})`);
  if (!Number.isFinite(seed)) throw new RangeError(`${who}: seed must be finite (got ${seed})`);
  if (quoters.length === 0) throw new RangeError(`${who}: no quoters to evaluate`);
  const names = new Set<string>();
  for (const q of quoters) {
    if (names.has(q.name)) throw new RangeError(`${who}: duplicate quoter name '${q.name}'`);
    names.add(q.name);
  }
  if (opts.horizon !== undefined && !(opts.horizon > 0))
    throw new RangeError(`${who}: horizon must be > 0 (got ${opts.horizon})`);
  const replay = opts.replay;
  if (scenario.mode === 'replay') {
    if (replay === undefined)
      throw new RangeError(`${who}: a replay scenario needs replay windows and the loaded dataset`);
    if (replay.windows.length !== paths)
      throw new RangeError(
        `${who}: paths (${paths}) must equal the number of replay windows (${replay.windows.length})`,
      );
    for (const [i, w] of replay.windows.entries())
      if (!(Number.isFinite(w.from) && w.from >= 0 && Number.isFinite(w.to) && w.to > w.from))
        throw new RangeError(`${who}: replay window ${i} must have 0 ≤ from < to (got [${w.from}, ${w.to}))`);
  } else if (replay !== undefined)
    throw new RangeError(`${who}: replay windows need a replay scenario (got mode '${scenario.mode}')`);
  const {
    mode: _mode,
    timeWeight: _timeWeight,
    ...weights
  } = resolveReward({
    ...opts.reward,
    mode: 'delta-pnl',
  });
  const reward: RewardConfig = { ...weights, mode: 'delta-pnl', timeWeight: 1 };
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const bootstrapSeed = opts.bootstrapSeed ?? seed;
  // Validate everything up front rather than after all the simulation.
  if (!(Number.isSafeInteger(resamples) && resamples >= 1))
    throw new RangeError(`${who}: resamples must be an integer ≥ 1 (got ${resamples})`);
  if (!(level > 0 && level < 1)) throw new RangeError(`${who}: level must be in (0, 1) (got ${level})`);
  if (!Number.isFinite(bootstrapSeed))
    throw new RangeError(`${who}: bootstrapSeed must be finite (got ${bootstrapSeed})`);
  void new RunMetricsAccumulator(opts.metrics); // throws on invalid metric options

  const total = quoters.length * paths;
  let done = 0;
  const scoredOpts = {
    reward,
    lotSize: scenario.lotSize,
    ...(opts.horizon !== undefined ? { horizon: opts.horizon } : {}),
  };
  const out: QuoterEval[] = [];
  const stop = makeStopPoller({ signal: opts.signal, shouldStop: opts.shouldStop }, 'evaluation cancelled');
  const marketOf = (i: number): MarketSimulator => {
    const w = replay?.windows[i];
    const sim =
      w !== undefined && scenario.mode === 'replay'
        ? makeSimulator({ ...scenario, from: w.from, to: w.to }, replay?.inputs)
        : makeSimulator(scenario);
    sim.setStopPoller?.(stop);
    return sim;
  };
  for (const quoter of quoters) {
    // Simulated paths share one simulator per quoter (reset per path); a replay has one per window.
    const shared = replay === undefined ? marketOf(0) : undefined;
    const pooled = new RunMetricsAccumulator(opts.metrics);
    const perPath = emptyPerPath();
    const steps: number[] = [];
    for (let i = 0; i < paths; i++) {
      if (opts.signal?.aborted) throw abortErrorOf(opts.signal, 'evaluation cancelled');
      stop?.check();
      const sim = shared ?? marketOf(i);
      const scored = runScoredPath(sim, quoter, seed, firstPath + i, scoredOpts);
      const path = scored.path;
      pooled.add(path);
      const m = computeRunMetrics([path], opts.metrics);
      perPath.reward.push(scored.reward);
      perPath.pnl.push(m.pnlMean);
      perPath.maxDrawdown.push(m.maxDrawdown);
      perPath.es99.push(m.es99);
      perPath.fillRate.push(m.fillRate);
      perPath.effectiveSpreadBps.push(m.effectiveSpreadBps);
      perPath.realizedSpreadBps.push(m.realizedSpreadBps);
      steps.push(scored.steps);
      done++;
      opts.onProgress?.(done, total);
    }
    const summary = {} as Record<PathMetricKey, MeanCi>;
    for (const key of PATH_METRIC_KEYS) {
      const ci = bootstrapCi(perPath[key], { resamples, level, seed: bootstrapSeed });
      summary[key] = { mean: ci.estimate, low: ci.low, high: ci.high };
    }
    const ss = bootstrapCi(perPath.pnl, { resamples, level, seed: bootstrapSeed, statistic: sharpeRatio });
    out.push({
      name: quoter.name,
      kind: quoter instanceof PolicyQuoter ? 'agent' : 'baseline',
      params: { ...quoter.params },
      metrics: pooled.result(),
      perPath,
      steps,
      summary,
      sessionSharpe: { mean: ss.estimate, low: ss.low, high: ss.high },
    });
  }
  return {
    scenario: scenario.name,
    seed,
    firstPath,
    paths,
    horizon: opts.horizon ?? null,
    ...(replay !== undefined && scenario.mode === 'replay'
      ? {
          replay: {
            dataset: scenario.dataset,
            windows: replay.windows.map((w) => ({ from: w.from, to: w.to })),
          },
        }
      : {}),
    reward: { ...weights },
    level,
    resamples,
    bootstrapSeed,
    quoters: out,
  };
}

function emptyPerPath(): Record<PathMetricKey, number[]> {
  return {
    reward: [],
    pnl: [],
    maxDrawdown: [],
    es99: [],
    fillRate: [],
    effectiveSpreadBps: [],
    realizedSpreadBps: [],
  };
}

// --- Paired comparison of agents against baselines ---------------------------------------------

/** The metrics every agent–baseline pair is tested on, and which direction is better. */
export type CompareMetric = 'reward' | 'pnl' | 'maxDrawdown' | 'sessionSharpe';
export const COMPARE_METRICS: readonly CompareMetric[] = ['reward', 'pnl', 'maxDrawdown', 'sessionSharpe'];
export const BETTER: Record<CompareMetric, 'higher' | 'lower'> = {
  reward: 'higher',
  pnl: 'higher',
  maxDrawdown: 'lower',
  sessionSharpe: 'higher',
};

/** A difference of a statistic over paths (agent − baseline) and its paired bootstrap CI. */
export interface StatisticDiff {
  diff: number;
  ciLow: number;
  ciHigh: number;
  /** Two-sided percentile-bootstrap p-value of "no difference" (inference.ts BootstrapCi.pZero). */
  pValue: number;
}

/** A per-path paired test with its Holm-adjusted p-value (of the paired t p-value). */
export type PairedMetricTest = PairedTestResult & { pHolm: number };

export interface AgentComparison {
  agent: string;
  baseline: string;
  /** Paired tests of agent − baseline, path by path (maxDrawdown: lower is better). */
  reward: PairedMetricTest;
  pnl: PairedMetricTest;
  maxDrawdown: PairedMetricTest;
  /** sessionSharpe(agent) − sessionSharpe(baseline), CI from resampling the paths jointly. */
  sessionSharpe: StatisticDiff & { pHolm: number };
}

export interface Comparison {
  /** The baselines every agent is tested against. */
  baselines: string[];
  /** How they were chosen, in words (e.g. "best by mean reward on 20 tuning paths"). */
  chosenBy: string;
  level: number;
  /**
   * The family the Holm adjustment runs over: every (agent, baseline, metric) test below, with the
   * paired t p-value for reward, PnL and max drawdown and the bootstrap p-value for the session
   * Sharpe difference.
   */
  familySize: number;
  tests: AgentComparison[];
}

export interface CompareOptions {
  agents: string[];
  /**
   * The baselines to test every agent against. To compare with "the best baseline", choose it before
   * (on the tuning paths: tune-baselines.ts) and pass only that one: choosing it on the evaluation
   * paths would bias the comparison in the baseline's favour.
   */
  baselines: string[];
  /** How `baselines` were chosen (reported as is). */
  chosenBy: string;
}

/**
 * Paired comparison of each agent with each given baseline on the evaluation's paths (reward, PnL, max
 * drawdown: bootstrap CI of the mean difference, Cohen's d_z with CI, paired t and Wilcoxon; session
 * Sharpe: difference with a paired bootstrap CI and p-value), Holm-adjusted over agents × baselines ×
 * metrics.
 */
export function compareAgents(result: EvalResult, opts: CompareOptions): Comparison {
  const who = 'compareAgents';
  const byName = new Map(result.quoters.map((q) => [q.name, q]));
  const find = (name: string): QuoterEval => {
    const q = byName.get(name);
    if (q === undefined) throw new RangeError(`${who}: no quoter named '${name}' in the result`);
    return q;
  };
  if (opts.baselines.length === 0) throw new RangeError(`${who}: no baselines given`);
  const baselines = opts.baselines.map(find);
  const agents = opts.agents.map(find);
  const testOpts = { resamples: result.resamples, level: result.level, seed: result.bootstrapSeed };
  const tests: AgentComparison[] = [];
  for (const a of agents)
    for (const b of baselines) {
      const paired = (key: 'reward' | 'pnl' | 'maxDrawdown'): PairedMetricTest => ({
        ...pairedTest(a.perPath[key], b.perPath[key], testOpts),
        pHolm: Number.NaN,
      });
      tests.push({
        agent: a.name,
        baseline: b.name,
        reward: paired('reward'),
        pnl: paired('pnl'),
        maxDrawdown: paired('maxDrawdown'),
        sessionSharpe: { ...sessionSharpeDiff(a.perPath.pnl, b.perPath.pnl, testOpts), pHolm: Number.NaN },
      });
    }
  const raw: number[] = [];
  for (const t of tests)
    for (const m of COMPARE_METRICS) raw.push(m === 'sessionSharpe' ? t.sessionSharpe.pValue : t[m].pValue);
  const adjusted = holmAdjust(raw);
  let k = 0;
  for (const t of tests) for (const m of COMPARE_METRICS) t[m].pHolm = adjusted[k++]!;
  return {
    baselines: baselines.map((b) => b.name),
    chosenBy: opts.chosenBy,
    level: result.level,
    familySize: raw.length,
    tests,
  };
}

/**
 * sharpeRatio(a) − sharpeRatio(b) of paired per-path PnLs, with a percentile-bootstrap CI and p-value:
 * each resample draws path indices with replacement and evaluates both ratios on the same paths.
 */
export function sessionSharpeDiff(
  a: readonly number[],
  b: readonly number[],
  opts: { resamples: number; level: number; seed: number },
): StatisticDiff {
  if (a.length !== b.length) throw new RangeError(`sessionSharpeDiff: ${a.length} vs ${b.length} paths`);
  const n = a.length;
  const xa = new Float64Array(n);
  const xb = new Float64Array(n);
  const statistic = (idx: Float64Array): number => {
    for (let i = 0; i < n; i++) {
      xa[i] = a[idx[i]!]!;
      xb[i] = b[idx[i]!]!;
    }
    return sharpeRatio(xa) - sharpeRatio(xb);
  };
  const indices = Array.from({ length: n }, (_, i) => i);
  const ci = bootstrapCi(indices, { ...opts, statistic });
  return { diff: ci.estimate, ciLow: ci.low, ciHigh: ci.high, pValue: ci.pZero };
}
