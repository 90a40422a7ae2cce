/**
 * Backtest runner: strategies (grids expanded) × one scenario × paths. Pure computation with progress
 * callbacks and an AbortSignal, so the CLI, the app's worker pool and tests all drive it the same way.
 * Results carry no timestamps or timings: the same config and seed give byte-identical output.
 */
import { RunMetricsAccumulator, type RunMetrics } from '../metrics/run-metrics';
import { buildQuoter } from '../strategy/factory';
import type { ParamValue } from '../strategy/quoter';
import { expandGrid } from '../strategy/specs';
import { markoutHorizon, periodsPerYear, type BacktestConfig, type ScenarioConfig } from './backtest-config';
import { IntensitySimulator } from './intensity-sim';
import type { PathResult } from './path-result';
import { BookSimulator } from './book-sim';
import { toBookScenario, toIntensityScenario } from './scenario';
import { runPath, type MarketSimulator } from './simulator';

export interface RunSummary {
  strategy: string;
  params: Record<string, ParamValue>;
  scenario: string;
  paths: number;
  metrics: RunMetrics;
}

export interface BacktestProgress {
  /** Index of the current run (strategy × params) and the number of runs. */
  run: number;
  runs: number;
  strategy: string;
  /** Paths finished over all runs, and the total. */
  done: number;
  total: number;
}

export interface BacktestOptions {
  onProgress?: (p: BacktestProgress) => void;
  signal?: AbortSignal;
  /** Called with every finished path (e.g. to keep one for charts); paths are not retained otherwise. */
  onPath?: (run: number, path: PathResult) => void;
}

export interface BacktestResult {
  runs: RunSummary[];
}

export function makeSimulator(sc: ScenarioConfig): MarketSimulator {
  switch (sc.mode) {
    case 'intensity':
      return new IntensitySimulator(toIntensityScenario(sc));
    case 'book':
      return new BookSimulator(toBookScenario(sc));
  }
}

export function runBacktest(cfg: BacktestConfig, opts: BacktestOptions = {}): BacktestResult {
  const specs = cfg.strategies.flatMap((s) => expandGrid(s));
  const quoters = specs.map((s) => buildQuoter(s, cfg.scenario));
  const total = quoters.length * cfg.paths;
  const metricOpts = { periodsPerYear: periodsPerYear(cfg), markoutHorizon: markoutHorizon(cfg) };
  const runs: RunSummary[] = [];
  let done = 0;
  quoters.forEach((quoter, run) => {
    const sim = makeSimulator(cfg.scenario);
    const metrics = new RunMetricsAccumulator(metricOpts);
    for (let p = 0; p < cfg.paths; p++) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const path = runPath(sim, quoter, cfg.seed, p);
      metrics.add(path);
      opts.onPath?.(run, path);
      done++;
      opts.onProgress?.({ run, runs: quoters.length, strategy: quoter.name, done, total });
    }
    runs.push({
      strategy: quoter.name,
      params: { ...quoter.params },
      scenario: cfg.scenario.name,
      paths: cfg.paths,
      metrics: metrics.result(),
    });
  });
  return { runs };
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('backtest cancelled');
  e.name = 'AbortError';
  return e;
}
