/**
 * The read side of the sweep store for the app (`sweeps.list`, `sweeps.get`; the Stress view of
 * issue 13 §3). A sweep's cells are found by re-expanding the config it was recorded with
 * (core/sweep/cells.ts `expandSweep`): a cell names only the sweep that first computed it, and another
 * sweep sharing its key reuses the row, so "cells whose sweep_id is this sweep" would miss the shared
 * ones. When the expansion no longer gives the sweep's id (a policy's checkpoint changed since, so its
 * keys did), the grid falls back to the cells this sweep computed itself and says so (`source`).
 *
 * Statistics, per scenario × strategy and metric, over the seeds with a finite value (x₁…xₙ):
 *   mean x̄ = Σxᵢ/n;  95% interval x̄ ± t₀.₉₇₅,ₙ₋₁ · s/√n, s the sample std (n − 1 denominator)
 * (Student's t interval for a mean; with the handful of seeds a sweep has, a percentile bootstrap
 * covers far less than its nominal level, so it is not used here). n = 1: no interval (null bounds),
 * n = 0: no mean. The t quantile is the inverse of core/metrics/inference.ts `studentTCdf`, by
 * bisection. Stress sweeps also carry, for each stressed scenario, the paired change against the base:
 * dᵢ = stressed − base for the same strategy and seed, with the same mean and interval over the seeds
 * both have (the pairing is what core/sweep/report.ts uses for its delta table).
 */
import {
  SWEEP_VIEW_METRICS,
  type SweepDetail,
  type SweepGridCell,
  type SweepListRow,
  type SweepStat,
  type SweepViewMetric,
} from '../api/contract';
import { studentTCdf } from '../metrics/inference';
import type { Store } from '../store/db';
import type { StoredSweepCell, SweepRow } from '../store/sweep-repository';
import { expandSweep, type SweepPlan } from '../sweep/cells';
import type { SweepPlanInput } from '../sweep/config';

const LEVEL = 0.95;

/** t quantile q with P(T_df ≤ q) = p, p in (0.5, 1), df ≥ 1: bisection to machine precision. */
export function studentTQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean and 95% t interval of the finite values (see the header). */
export function meanInterval(values: readonly (number | null | undefined)[]): SweepStat {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, low: null, high: null };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, low: null, high: null };
  const s = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = studentTQuantile(1 - (1 - LEVEL) / 2, n - 1) * (s / Math.sqrt(n));
  return { n, mean, low: mean - half, high: mean + half };
}

function isPlanInput(x: unknown): x is SweepPlanInput {
  if (x === null || typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  return (
    Array.isArray(o.scenarios) &&
    Array.isArray(o.strategies) &&
    Array.isArray(o.seeds) &&
    typeof o.paths === 'number'
  );
}

/** The sweep's plan from its stored config, or undefined when the config is not one (an older row). */
function planOf(store: Store, row: SweepRow): SweepPlan | undefined {
  const cfg = store.sweeps.config(row.id);
  if (!isPlanInput(cfg)) return undefined;
  try {
    return expandSweep({ ...cfg, kind: row.kind, name: row.name });
  } catch {
    return undefined; // e.g. a policy whose checkpoint directory is gone
  }
}

function listRow(row: SweepRow, plan: SweepPlan | undefined, stored: number): SweepListRow {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    cells: row.cells,
    stored,
    scenarios: plan?.scenarios.length ?? 0,
    strategies: plan?.strategies.length ?? 0,
    seeds: plan?.seeds.length ?? 0,
    error: row.error,
  };
}

/** The cells of a sweep: by its expansion when that still gives its id, else those it computed. */
function cellsOf(
  store: Store,
  row: SweepRow,
  plan: SweepPlan | undefined,
): { cells: StoredSweepCell[]; byExpansion: boolean } {
  if (plan && plan.id === row.id)
    return { cells: store.sweeps.cells(plan.cells.map((c) => c.key)), byExpansion: true };
  return { cells: store.sweeps.cellsOfSweep(row.id), byExpansion: false };
}

/** `sweeps.list`: newest first. */
export function listSweeps(store: Store): SweepListRow[] {
  return store.sweeps
    .list()
    .reverse()
    .map((row) => {
      const plan = planOf(store, row);
      return listRow(row, plan, cellsOf(store, row, plan).cells.length);
    });
}

/** "avellaneda-stoikov (variant inventory gamma 0.1)": the type and its scalar parameters. */
export function strategySpecLabel(spec: Record<string, unknown>): string {
  const type = typeof spec.type === 'string' ? spec.type : 'strategy';
  const params = Object.entries(spec)
    .filter(
      ([k, v]) => k !== 'type' && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'),
    )
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(' ');
  return params ? `${type} (${params})` : type;
}

const statsOf = (f: (m: SweepViewMetric) => SweepStat): Record<SweepViewMetric, SweepStat> =>
  Object.fromEntries(SWEEP_VIEW_METRICS.map((m) => [m, f(m)])) as Record<SweepViewMetric, SweepStat>;

/** `sweeps.get`: the grid, or undefined when there is no such sweep. */
export function sweepDetail(store: Store, id: string): SweepDetail | undefined {
  const row = store.sweeps.get(id);
  if (!row) return undefined;
  const plan = planOf(store, row);
  const { cells, byExpansion } = cellsOf(store, row, plan);
  const byKey = new Map(cells.map((c) => [c.cellKey, c]));

  // (scenario, strategyIndex) → seed → stored cell.
  const groups = new Map<
    string,
    { scenario: string; strategyIndex: number; bySeed: Map<number, StoredSweepCell> }
  >();
  const group = (scenario: string, strategyIndex: number): Map<number, StoredSweepCell> => {
    const k = `${scenario}\u0000${strategyIndex}`;
    let g = groups.get(k);
    if (!g) {
      g = { scenario, strategyIndex, bySeed: new Map() };
      groups.set(k, g);
    }
    return g.bySeed;
  };
  const scenarios: SweepDetail['scenarios'] = [];
  const strategies: SweepDetail['strategies'] = [];
  if (byExpansion && plan) {
    for (const sc of plan.scenarios) scenarios.push({ name: sc.name, stress: sc.stress ?? null });
    plan.strategies.forEach((spec, index) =>
      strategies.push({ index, type: spec.type, label: strategySpecLabel(spec) }),
    );
    for (const c of plan.cells) {
      const stored = byKey.get(c.key);
      if (stored) group(c.scenario, c.strategyIndex).set(c.seed, stored);
    }
  } else {
    // Without the expansion the strategy axis is the distinct config hashes per scenario, in order.
    const scenarioNames = [...new Set(cells.map((c) => c.scenario))];
    for (const name of scenarioNames) scenarios.push({ name, stress: null });
    const strategyIndex = new Map<string, number>();
    for (const c of cells) {
      const label = strategySpecLabel({ type: c.strategy, ...c.params });
      let i = strategyIndex.get(label);
      if (i === undefined) {
        i = strategyIndex.size;
        strategyIndex.set(label, i);
        strategies.push({ index: i, type: c.strategy, label });
      }
      group(c.scenario, i).set(c.seed, c);
    }
  }

  const base = row.kind === 'stress' ? scenarios.find((s) => s.stress === 'base')?.name : undefined;
  const gridCells: SweepGridCell[] = [];
  for (const g of groups.values()) {
    if (g.bySeed.size === 0) continue;
    const seeds = [...g.bySeed.values()];
    const cell: SweepGridCell = {
      scenario: g.scenario,
      strategyIndex: g.strategyIndex,
      seeds: seeds.length,
      stats: statsOf((m) => meanInterval(seeds.map((c) => c.metrics[m]))),
    };
    if (base !== undefined && g.scenario !== base) {
      const baseSeeds = groups.get(`${base}\u0000${g.strategyIndex}`)?.bySeed;
      cell.delta = statsOf((m) =>
        meanInterval(
          [...g.bySeed].map(([seed, c]) => {
            const a = c.metrics[m];
            const b = baseSeeds?.get(seed)?.metrics[m];
            return typeof a === 'number' && typeof b === 'number' ? a - b : null;
          }),
        ),
      );
    }
    gridCells.push(cell);
  }
  const seedSet = new Set<number>(plan?.seeds ?? cells.map((c) => c.seed));
  return {
    sweep: listRow(row, plan, cells.length),
    scenarios,
    strategies,
    seeds: [...seedSet].sort((a, b) => a - b),
    metrics: [...SWEEP_VIEW_METRICS],
    cells: gridCells,
    source: byExpansion ? 'expansion' : 'sweep-cells',
  };
}
