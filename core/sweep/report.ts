/**
 * The tables of a finished sweep. Every cell is one seed; a row is a scenario × strategy (its concrete
 * parameters) with the mean over seeds of the headline metrics and the number of seeds present. A stress
 * sweep adds, for every stressed scenario, each metric's change against the unstressed base for the
 * same strategy and seed (paired: path i of both sees the same random streams up to the stress onset),
 * averaged over the seeds both have.
 */
import type { StoredSweepCell } from '../store/sweep-repository';
import type { SweepPlan } from './cells';

export const REPORT_METRICS = [
  'pnlMean',
  'pnlStd',
  'sessionSharpe',
  'maxDrawdown',
  'es99',
  'fillRate',
  'realizedSpreadBps',
  'meanAbsInventory',
] as const;
export type ReportMetric = (typeof REPORT_METRICS)[number];

export interface ReportRow {
  scenario: string;
  stress?: string | undefined;
  strategy: string;
  params: Record<string, unknown>;
  seeds: number;
  /** Mean over seeds (NaN when no seed has a finite value). */
  mean: Record<ReportMetric, number>;
  /** Stress sweeps: mean over seeds of (stressed − base), per metric; absent for the base rows. */
  delta?: Record<ReportMetric, number>;
}

function meanOf(xs: number[]): number {
  const f = xs.filter((x) => Number.isFinite(x));
  return f.length === 0 ? Number.NaN : f.reduce((a, b) => a + b, 0) / f.length;
}

const metric = (c: StoredSweepCell, m: ReportMetric): number => c.metrics[m] ?? Number.NaN;

export function sweepReport(plan: SweepPlan, stored: readonly StoredSweepCell[]): ReportRow[] {
  const byKey = new Map(stored.map((c) => [c.cellKey, c]));
  // Group cells by (scenario, strategyIndex).
  const groups = new Map<
    string,
    { scenario: string; stress?: string | undefined; strategyIndex: number; keys: string[]; seeds: number[] }
  >();
  for (const cell of plan.cells) {
    const id = `${cell.scenario}\u0000${cell.strategyIndex}`;
    let g = groups.get(id);
    if (!g) {
      g = {
        scenario: cell.scenario,
        stress: cell.stress,
        strategyIndex: cell.strategyIndex,
        keys: [],
        seeds: [],
      };
      groups.set(id, g);
    }
    g.keys.push(cell.key);
    g.seeds.push(cell.seed);
  }
  const baseName = plan.kind === 'stress' ? plan.scenarios.find((s) => s.stress === 'base')?.name : undefined;
  const rows: ReportRow[] = [];
  for (const g of groups.values()) {
    const cells = g.keys.map((k) => byKey.get(k)).filter((c): c is StoredSweepCell => c !== undefined);
    const first = cells[0];
    if (!first) continue;
    const mean = Object.fromEntries(
      REPORT_METRICS.map((m) => [m, meanOf(cells.map((c) => metric(c, m)))]),
    ) as Record<ReportMetric, number>;
    const row: ReportRow = {
      scenario: g.scenario,
      stress: g.stress,
      strategy: first.strategy,
      params: first.params,
      seeds: cells.length,
      mean,
    };
    if (baseName !== undefined && g.scenario !== baseName) {
      const baseCells = new Map<number, StoredSweepCell>();
      for (const c of plan.cells)
        if (c.scenario === baseName && c.strategyIndex === g.strategyIndex) {
          const s = byKey.get(c.key);
          if (s) baseCells.set(c.seed, s);
        }
      row.delta = Object.fromEntries(
        REPORT_METRICS.map((m) => [
          m,
          meanOf(
            cells.flatMap((c) => {
              const b = baseCells.get(c.seed);
              return b ? [metric(c, m) - metric(b, m)] : [];
            }),
          ),
        ]),
      ) as Record<ReportMetric, number>;
    }
    rows.push(row);
  }
  return rows;
}

/** "avellaneda-stoikov · gamma 0.1 · k 1.5" (only the parameters that vary are worth reading, but all are given). */
export function strategyLabel(r: ReportRow): string {
  const params = Object.entries(r.params)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(' ');
  return params ? `${r.strategy} (${params})` : r.strategy;
}
