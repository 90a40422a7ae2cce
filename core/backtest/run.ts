/**
 * Backtest runner: strategies (grids expanded) × one scenario × paths. Pure computation with progress
 * callbacks and an AbortSignal, so the CLI, the app's worker pool and tests all drive it the same way.
 * Results carry no timestamps or timings: the same config and seed give byte-identical output.
 *
 * Cancellation is polled inside every path (StopPoller, ./guards.ts: every 4096 steps or events), not
 * only between paths, so one enormous path stops as promptly as many small ones. Memory: one path's
 * series and fills at a time, plus what onPath keeps and the metrics accumulator (per-bar increments).
 */
import type { Annualization } from '../metrics/annualization';
import { RunMetricsAccumulator, type RunMetrics } from '../metrics/run-metrics';
import { buildQuoter } from './quoters';
import type { ParamValue } from '../strategy/quoter';
import { expandGrid } from '../strategy/specs';
import { annualizationOf, metricOptionsOf, type BacktestConfig, type ScenarioConfig } from './config';
import { abortErrorOf, makeStopPoller } from '../sim/guards';
import { IntensitySimulator } from '../sim/intensity-sim';
import type { PathResult } from '../sim/path-result';
import { BookSimulator } from '../sim/book-sim';
import { toBookScenario, toIntensityScenario } from '../sim/scenario';
import { ReplayMarket } from '../replay/replay-market';
import { toReplayScenario } from '../replay/scenario';
import { loadTape, type ReplayTape } from '../replay/tape';
import { runPath, type MarketSimulator } from '../sim/simulator';

export interface RunSummary {
  strategy: string;
  params: Record<string, ParamValue>;
  scenario: string;
  paths: number;
  metrics: RunMetrics;
  /** The basis of the annualised ratios in `metrics` (docs/metrics.md). */
  annualization: Annualization;
}

export interface BacktestProgress {
  /** Index of the current run (strategy × params) and the number of runs. */
  run: number;
  runs: number;
  strategy: string;
  /**
   * Paths finished over all runs, and the total. Between paths `done` is an integer; during a long path
   * (reported at most at every stop poll) it carries the finished share of the current path.
   */
  done: number;
  total: number;
}

export interface BacktestOptions {
  onProgress?: (p: BacktestProgress) => void;
  signal?: AbortSignal;
  /**
   * Polled with the signal, every few thousand steps inside a path (e.g. a worker's shared flag, which
   * a synchronous run cannot learn from a message); true cancels the run with an AbortError.
   */
  shouldStop?: () => boolean;
  /** Report progress within a path too (at most once per stop poll; default false). */
  progressWithinPath?: boolean;
  /**
   * Called with every finished path (e.g. to keep one for charts), or only with those whose index is
   * below `keepPaths` when that is given; a path passed to onPath is the callee's. Paths not passed on
   * are handed back to the simulator (MarketSimulator.recycle) and their arrays reused.
   */
  onPath?: (run: number, path: PathResult) => void;
  keepPaths?: number;
  /**
   * Compute only these runs (indices into the expanded strategy list), in this order; all by default.
   * Runs are independent (each has its own simulator and metrics; path i sees the same market in every
   * run), so splitting a backtest's runs over several workers gives the same numbers bit for bit.
   * Progress `run`/`runs` and onPath's `run` keep the indices of the whole list.
   */
  runIndices?: readonly number[];
  /** The loaded inputs of the market (a replay's dataset: loadMarketInputs). */
  market?: MarketInputs;
}

export interface BacktestResult {
  runs: RunSummary[];
}

/** What a market needs beyond its config: the loaded dataset of a replay (loadMarketInputs). */
export interface MarketInputs {
  tape?: ReplayTape | undefined;
}

/**
 * Load what the scenario's market needs before a (synchronous) run: a replay's dataset from the catalog
 * in `dataDir`. Simulated scenarios need nothing.
 */
export async function loadMarketInputs(
  sc: ScenarioConfig,
  dataDir: string | undefined,
): Promise<MarketInputs> {
  if (sc.mode !== 'replay') return {};
  if (dataDir === undefined) throw new RangeError('a replay needs the data directory of its dataset');
  const tape = await loadTape(dataDir, sc.dataset, {
    ...(sc.to !== undefined ? { toSeconds: sc.to } : {}),
    ...(sc.tickSize !== undefined ? { tick: sc.tickSize } : {}),
  });
  return { tape };
}

/** The market of a scenario: a simulator, or a replay of the dataset in `inputs`. */
export function makeSimulator(sc: ScenarioConfig, inputs: MarketInputs = {}): MarketSimulator {
  switch (sc.mode) {
    case 'intensity':
      return new IntensitySimulator(toIntensityScenario(sc));
    case 'book':
      return new BookSimulator(toBookScenario(sc));
    case 'replay': {
      const tape = inputs.tape;
      if (tape === undefined)
        throw new RangeError(
          `scenario.dataset: ${sc.dataset} is not loaded (loadMarketInputs before the run)`,
        );
      return new ReplayMarket(tape, toReplayScenario(sc, tape));
    }
  }
}

export function runBacktest(cfg: BacktestConfig, opts: BacktestOptions = {}): BacktestResult {
  const specs = cfg.strategies.flatMap((s) => expandGrid(s));
  const selected = opts.runIndices ?? specs.map((_, i) => i);
  for (const i of selected) {
    if (!Number.isInteger(i) || i < 0 || i >= specs.length)
      throw new RangeError(`runIndices: ${i} is not a run index (0..${specs.length - 1})`);
  }
  // Only the selected runs' quoters, all built before any work (a bad strategy fails at once).
  const quoters = selected.map((i) => buildQuoter(specs[i] as (typeof specs)[number], cfg.scenario));
  const total = selected.length * cfg.paths;
  const runCount = specs.length;
  const inputs = opts.market ?? {};
  const probe = cfg.scenario.mode === 'replay' ? makeSimulator(cfg.scenario, inputs) : null;
  const replayHorizon = probe instanceof ReplayMarket ? probe.horizon : undefined;
  const annual = annualizationOf(cfg, replayHorizon);
  const metricOpts = metricOptionsOf(cfg, replayHorizon);
  const runs: RunSummary[] = [];
  let done = 0;
  let sim: MarketSimulator | null = null;
  let current = { run: 0, strategy: '' };
  const onPoll =
    opts.progressWithinPath === true && opts.onProgress !== undefined
      ? (): void => {
          const frac = sim?.pathProgress?.() ?? 0;
          opts.onProgress?.({
            run: current.run,
            runs: runCount,
            strategy: current.strategy,
            done: done + frac,
            total,
          });
        }
      : undefined;
  const stop = makeStopPoller(
    { signal: opts.signal, shouldStop: opts.shouldStop, ...(onPoll ? { onPoll } : {}) },
    'backtest cancelled',
  );
  selected.forEach((run, k) => {
    const quoter = quoters[k] as (typeof quoters)[number];
    sim = makeSimulator(cfg.scenario, inputs);
    sim.setStopPoller?.(stop);
    current = { run, strategy: quoter.name };
    const metrics = new RunMetricsAccumulator(metricOpts);
    for (let p = 0; p < cfg.paths; p++) {
      if (opts.signal?.aborted) throw abortErrorOf(opts.signal, 'backtest cancelled');
      stop?.check();
      const path = runPath(sim, quoter, cfg.seed, p);
      metrics.add(path);
      if (opts.onPath && (opts.keepPaths === undefined || p < opts.keepPaths)) opts.onPath(run, path);
      else sim.recycle?.(path);
      done++;
      opts.onProgress?.({ run, runs: runCount, strategy: quoter.name, done, total });
    }
    runs.push({
      strategy: quoter.name,
      params: { ...quoter.params },
      scenario: cfg.scenario.name,
      paths: cfg.paths,
      metrics: metrics.result(),
      annualization: { ...annual },
    });
  });
  return { runs };
}
