/**
 * The runs a config expands to, described for people: the one place grid expansion happens (the
 * runner, `scenarios.validate` for the app's editor and the order-book replay's strategy list all use
 * `expandGrid`, so an index here is the run index everywhere). Labels name the strategy (its `name`,
 * else its type and variant) and every parameter of the expanded run, defaults included, in schema
 * order: "avellaneda-stoikov/inventory · gamma 0.1 · k 1.5 · orderSizeLots 1".
 */
import { expandGrid, gridSize, type StrategySpec } from '../strategy/specs';

export interface RunLabel {
  /** Index after grid expansion (what replay.start's strategyIndex and a backtest's run index mean). */
  index: number;
  type: string;
  label: string;
}

/** Label the first `max` runs of the expanded strategies (a huge grid is counted, not listed). */
export function describeRuns(
  strategies: readonly StrategySpec[],
  max = 1000,
): { count: number; runs: RunLabel[] } {
  const count = strategies.reduce((n, s) => n + gridSize(s), 0);
  const runs: RunLabel[] = [];
  for (const s of strategies) {
    if (runs.length >= max) break;
    // A strategy whose grid alone exceeds what is left is not expanded (it could be millions of runs).
    if (gridSize(s) > max - runs.length) break;
    for (const run of expandGrid(s)) {
      const variant = typeof run.variant === 'string' ? run.variant : undefined;
      const head = typeof run.name === 'string' ? run.name : variant ? `${s.type}/${variant}` : s.type;
      const params = Object.entries(run)
        .filter(([k, v]) => k !== 'type' && k !== 'name' && k !== 'variant' && v !== undefined)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(' · ');
      runs.push({ index: runs.length, type: s.type, label: params ? `${head} · ${params}` : head });
    }
  }
  return { count, runs };
}
