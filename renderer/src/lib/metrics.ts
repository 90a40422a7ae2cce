/**
 * The metric columns the results tables show, in order, with labels, units, formatting and which
 * direction is better (for highlighting the best strategy per column). Keys are those of
 * core/metrics/run-metrics.ts (RunMetrics).
 */
import type { RunResultRow } from '../../../core/api/contract';
import { fmtFixed, fmtNum, fmtPct } from './format';

export interface MetricColumn {
  key: string;
  label: string;
  title: string;
  format: (x: number | undefined) => string;
  /** +1: higher is better, −1: lower is better, 0: no ranking. */
  better: 1 | -1 | 0;
}

export const METRIC_COLUMNS: readonly MetricColumn[] = [
  {
    key: 'avgSpread',
    label: 'Avg spread',
    title: 'Mean quoted spread (ask − bid), price units',
    format: fmtNum,
    better: 0,
  },
  {
    key: 'pnlMean',
    label: 'PnL mean',
    title: 'Mean final PnL across paths',
    format: (x) => fmtFixed(x, 2),
    better: 1,
  },
  {
    key: 'pnlStd',
    label: 'PnL std',
    title: 'Std of final PnL across paths',
    format: (x) => fmtFixed(x, 2),
    better: -1,
  },
  {
    key: 'sharpe',
    label: 'Sharpe',
    title: 'Annualised Sharpe of per-bar PnL increments',
    format: (x) => fmtFixed(x, 2),
    better: 1,
  },
  {
    key: 'sortino',
    label: 'Sortino',
    title: 'Annualised Sortino of per-bar PnL increments',
    format: (x) => fmtFixed(x, 2),
    better: 1,
  },
  {
    key: 'maxDrawdown',
    label: 'Max DD',
    title: 'Mean over paths of the maximum drawdown',
    format: (x) => fmtFixed(x, 2),
    better: -1,
  },
  {
    key: 'var95',
    label: 'VaR 95',
    title: 'Historical 95% VaR of per-bar increments (loss > 0)',
    format: fmtNum,
    better: -1,
  },
  { key: 'es95', label: 'ES 95', title: 'Expected shortfall at 95%', format: fmtNum, better: -1 },
  { key: 'es99', label: 'ES 99', title: 'Expected shortfall at 99%', format: fmtNum, better: -1 },
  {
    key: 'fillRate',
    label: 'Fill rate',
    title: 'Total fills / total quotes posted',
    format: (x) => fmtPct(x, 2),
    better: 0,
  },
  {
    key: 'realizedSpreadBps',
    label: 'Real. spread',
    title: 'Size-weighted realized spread at the fill (bps)',
    format: (x) => fmtFixed(x, 2),
    better: 1,
  },
  {
    key: 'meanAbsInventory',
    label: '|Inv| mean',
    title: 'Mean absolute inventory (lots)',
    format: (x) => fmtFixed(x, 2),
    better: -1,
  },
];

/** For each ranked column, the index of the best result (undefined when fewer than 2 results). */
export function bestByColumn(results: readonly RunResultRow[]): Map<string, number> {
  const best = new Map<string, number>();
  if (results.length < 2) return best;
  for (const col of METRIC_COLUMNS) {
    if (col.better === 0) continue;
    let bestIdx = -1;
    let bestVal = 0;
    for (const r of results) {
      const v = r.metrics[col.key];
      if (v === undefined || !Number.isFinite(v)) continue;
      if (bestIdx < 0 || (col.better > 0 ? v > bestVal : v < bestVal)) {
        bestIdx = r.index;
        bestVal = v;
      }
    }
    if (bestIdx >= 0) best.set(col.key, bestIdx);
  }
  return best;
}

const HIDDEN_PARAMS = new Set(['type', 'name', 'variant']);

/** A parameter value as written in a config: 0.1, 100, 1e-7 (no padding zeros). */
export function fmtParam(v: number | string | boolean): string {
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/** "gamma 0.1 · k 100" — the parameters that distinguish a strategy run. */
export function formatParams(params: RunResultRow['params']): string {
  return Object.entries(params)
    .filter(([k]) => !HIDDEN_PARAMS.has(k))
    .map(([k, v]) => `${k} ${fmtParam(v)}`)
    .join(' · ');
}

export const STRATEGY_LABELS: Record<string, string> = {
  'fixed-spread': 'Fixed spread',
  'avellaneda-stoikov': 'Avellaneda–Stoikov',
  inventory: 'AS inventory',
  symmetric: 'AS symmetric',
  glft: 'GLFT',
};

export function strategyLabel(type: string): string {
  return STRATEGY_LABELS[type] ?? type;
}

/** Parameters whose values differ between the results (what tells them apart), e.g. "gamma 0.1". */
export function distinguishingParams(results: readonly RunResultRow[]): (r: RunResultRow) => string {
  const keys = new Set<string>();
  const all = new Set<string>();
  for (const r of results) for (const k of Object.keys(r.params)) all.add(k);
  for (const k of all) {
    if (HIDDEN_PARAMS.has(k)) continue;
    const values = new Set(results.map((r) => String(r.params[k])));
    if (values.size > 1) keys.add(k);
  }
  return (r) =>
    [...keys]
      .filter((k) => r.params[k] !== undefined)
      .map((k) => `${k} ${fmtParam(r.params[k] as number | string | boolean)}`)
      .join(' · ');
}
