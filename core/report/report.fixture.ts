/**
 * Small stored backtests for the report's tests: a real backtest (core/backtest/run.ts) of an
 * intensity-mode scenario, written to a store exactly as the app does (runs.create + writeCompleted),
 * with the paths it kept returned too, so a test can compare the report with an independent
 * computation on the very same paths.
 */
import { backtestConfigSchema, type BacktestConfig } from '../backtest/config';
import { runBacktest, type MarketInputs } from '../backtest/run';
import type { PathResult } from '../sim/path-result';
import type { Store } from '../store/db';
import type { StoredPath } from '../store/run-repository';

export function tinyConfig(
  over: { name?: string; seed?: number; strategies?: unknown[]; paths?: number } = {},
): BacktestConfig {
  return backtestConfigSchema.parse({
    name: over.name ?? 'tiny',
    seed: over.seed ?? 7,
    paths: over.paths ?? 4,
    scenario: {
      mode: 'intensity',
      name: 'tiny-abm',
      horizon: 1,
      dt: 0.005,
      timeUnitSeconds: 86400,
      s0: 100,
      price: { model: 'abm', sigma: 2, increments: 'binomial' },
      intensity: { A: 140, k: 1.5 },
    },
    strategies: over.strategies ?? [{ type: 'avellaneda-stoikov', variant: 'inventory', gamma: 0.1 }],
  });
}

export interface StoredFixture {
  runId: string;
  cfg: BacktestConfig;
  /** Kept paths per result index, as the backtest produced them. */
  kept: Map<number, PathResult[]>;
  /** The metrics the backtest computed over all paths, per result index. */
  metrics: Record<string, number>[];
}

/** Run `cfg` (on `market`'s dataset for a replay) keeping `keepPaths` paths per strategy run and store it as a completed run. */
export function storeBacktest(
  store: Store,
  cfg: BacktestConfig,
  keepPaths: number,
  market?: MarketInputs,
): StoredFixture {
  const run = store.runs.create({
    kind: 'backtest',
    name: cfg.name,
    config: cfg,
    seed: cfg.seed,
    paths: cfg.paths,
    codeVersion: 'test-version',
  });
  const paths: StoredPath[] = [];
  const kept = new Map<number, PathResult[]>();
  const result = runBacktest(cfg, {
    ...(market !== undefined ? { market } : {}),
    keepPaths,
    onPath: (r, p) => {
      paths.push({ resultIndex: r, path: p });
      kept.set(r, [...(kept.get(r) ?? []), p]);
    },
  });
  store.runs.writeCompleted(
    run.id,
    result.runs.map((r, index) => ({ index, ...r })),
    paths,
  );
  return {
    runId: run.id,
    cfg,
    kept,
    metrics: result.runs.map((r) => ({ ...r.metrics }) as unknown as Record<string, number>),
  };
}
