/**
 * Run one sweep cell (cells.ts) to its RunSummary: a classical strategy through the backtest runner
 * (runBacktest with one strategy: the cell is a backtest config), a trained policy through the same
 * primitives (makeSimulator, runPath, RunMetricsAccumulator) with the PolicyQuoter of its checkpoint, so
 * a policy cell's path i sees the same market as every classical cell's path i of that seed.
 * Runs synchronously (in a worker thread: cell-worker.ts); `shouldStop` is polled inside every path.
 */
import {
  annualizationOf,
  backtestConfigSchema,
  metricOptionsOf,
  type BacktestConfig,
} from '../backtest/config';
import { loadMarketInputs, makeSimulator, runBacktest, type RunSummary } from '../backtest/run';
import { RunMetricsAccumulator } from '../metrics/run-metrics';
import { makeStopPoller } from '../sim/guards';
import { runPath } from '../sim/simulator';
import { ReplayMarket } from '../replay/replay-market';
import type { Quoter } from '../strategy/quoter';
import { checkpointFingerprint, type CellConfig } from './cells';

export interface RunCellOptions {
  dataDir?: string | undefined;
  shouldStop?: () => boolean;
  onProgress?: (done: number, total: number, strategy: string) => void;
  /** A quoter for a policy cell (the worker caches loaded policies); required for policy cells. */
  policyQuoter?: (checkpoint: string, pick: 'latest' | 'best', name: string | undefined) => Promise<Quoter>;
}

/** A cell's config as a backtest config of the given strategies (one strategy: the cell's backtest). */
export function backtestOf(c: CellConfig, strategies: unknown[]): BacktestConfig {
  return backtestConfigSchema.parse({
    name: c.name,
    seed: c.seed,
    paths: c.paths,
    scenario: c.scenario,
    strategies,
    metrics: c.metrics,
    ...(c.limits !== undefined ? { limits: c.limits } : {}),
  });
}

export async function runCell(c: CellConfig, opts: RunCellOptions = {}): Promise<RunSummary> {
  const isPolicy = c.strategy.type === 'policy';
  // A policy cell is checked as a backtest of a placeholder strategy (scenario, metrics, limits).
  const cfg = backtestOf(c, [isPolicy ? { type: 'fixed-spread', halfSpread: 1 } : c.strategy]);
  const market = await loadMarketInputs(cfg.scenario, opts.dataDir);
  if (!isPolicy) {
    const r = runBacktest(cfg, {
      market,
      ...(opts.shouldStop ? { shouldStop: opts.shouldStop } : {}),
      progressWithinPath: true,
      onProgress: (p) => opts.onProgress?.(p.done, p.total, p.strategy),
    });
    const run = r.runs[0];
    if (!run) throw new Error('the backtest of a cell returned no run');
    return run;
  }
  if (!opts.policyQuoter) throw new Error('a policy cell needs a policy loader');
  const s = c.strategy as unknown as {
    checkpoint: string;
    pick?: 'latest' | 'best';
    name?: string;
    fingerprint?: string;
  };
  if (s.fingerprint !== undefined && checkpointFingerprint(s.checkpoint) !== s.fingerprint)
    throw new Error(
      `checkpoint ${s.checkpoint} here is not the one the sweep was planned with (its manifest differs): ` +
        'give every worker the same checkpoint files at the same path',
    );
  const quoter = await opts.policyQuoter(s.checkpoint, s.pick ?? 'latest', s.name);
  const sim = makeSimulator(cfg.scenario, market);
  const replayHorizon = sim instanceof ReplayMarket ? sim.horizon : undefined;
  const stop = makeStopPoller({ shouldStop: opts.shouldStop }, 'cell cancelled');
  sim.setStopPoller?.(stop);
  const metrics = new RunMetricsAccumulator(metricOptionsOf(cfg, replayHorizon));
  for (let p = 0; p < cfg.paths; p++) {
    stop?.check();
    const path = runPath(sim, quoter, cfg.seed, p);
    metrics.add(path);
    sim.recycle?.(path);
    opts.onProgress?.(p + 1, cfg.paths, quoter.name);
  }
  return {
    strategy: quoter.name,
    params: { ...quoter.params },
    scenario: cfg.scenario.name,
    paths: cfg.paths,
    metrics: metrics.result(),
    annualization: annualizationOf(cfg, replayHorizon),
  };
}
