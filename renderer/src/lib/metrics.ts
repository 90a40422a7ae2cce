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
    key: 'sessionSharpe',
    label: 'Sharpe (session)',
    title: 'Session Sharpe: mean / sample std of the per-path (per-session) final PnL, not annualised',
    format: (x) => fmtFixed(x, 2),
    better: 1,
  },
  {
    key: 'sharpe',
    label: 'Sharpe (ann.)',
    title: 'Annualised Sharpe: session Sharpe × √(sessions per year); basis in docs/metrics.md',
    format: (x) => fmtFixed(x, 2),
    better: 1,
  },
  {
    key: 'sortino',
    label: 'Sortino (ann.)',
    title: 'Annualised Sortino of the per-session PnL (downside deviation about 0, all sessions)',
    format: (x) => fmtFixed(x, 2),
    better: 1,
  },
  {
    key: 'maxDrawdown',
    label: 'Max DD (mean)',
    title: 'Mean over paths of each path’s maximum drawdown',
    format: (x) => fmtFixed(x, 2),
    better: -1,
  },
  {
    key: 'maxDrawdownWorst',
    label: 'Max DD (worst)',
    title: 'Maximum drawdown of the worst path',
    format: (x) => fmtFixed(x, 2),
    better: -1,
  },
  {
    key: 'var95',
    label: 'VaR 95',
    title: 'Historical 95% VaR of per-bar PnL increments (loss > 0)',
    format: fmtNum,
    better: -1,
  },
  {
    key: 'es95',
    label: 'ES 95',
    title: 'Historical expected shortfall at 95% of per-bar PnL increments (loss > 0)',
    format: fmtNum,
    better: -1,
  },
  {
    key: 'es99',
    label: 'ES 99',
    title: 'Historical expected shortfall at 99% of per-bar PnL increments (loss > 0)',
    format: fmtNum,
    better: -1,
  },
  {
    key: 'fillRate',
    label: 'Fill rate',
    title: 'Total fills / total quotes posted',
    format: (x) => fmtPct(x, 2),
    better: 0,
  },
  {
    key: 'effectiveSpreadBps',
    label: 'Eff. spread',
    title: 'Effective spread: size-weighted edge of our fills against the mid at the fill (bps)',
    format: (x) => fmtFixed(x, 2),
    better: 1,
  },
  {
    key: 'realizedSpreadBps',
    label: 'Real. spread',
    title: 'Realized spread: edge of our fills against the mid the mark-out horizon later (bps)',
    format: (x) => fmtFixed(x, 2),
    better: 1,
  },
  {
    key: 'adverseSelectionBps',
    label: 'Adv. sel.',
    title: 'Adverse selection: effective − realized spread (bps)',
    format: (x) => fmtFixed(x, 2),
    better: -1,
  },
  {
    key: 'meanAbsInventory',
    label: '|Inv| mean',
    title: 'Mean absolute inventory (lots)',
    format: (x) => fmtFixed(x, 2),
    better: -1,
  },
];

/**
 * Keys whose meaning changed with the session conventions of issue 10 (docs/metrics.md). A run stored
 * before that change has no `sessionSharpe`: its `sharpe`, `sortino` and `calmar` were annualised per
 * bar, its `realizedSpreadBps` was what is now `effectiveSpreadBps`, and its `realizedSpreadMarkoutBps`
 * what is now `realizedSpreadBps`.
 */
const OLD_CONVENTION_HIDDEN = new Set(['sharpe', 'sortino', 'calmar']);
const OLD_CONVENTION_RENAMED: Record<string, string> = {
  effectiveSpreadBps: 'realizedSpreadBps',
  realizedSpreadBps: 'realizedSpreadMarkoutBps',
};

/**
 * The value of metric `key` of a stored result under the current conventions; undefined (shown as
 * "—") when the run does not have it — also for a run stored under the old conventions whose figure
 * meant something else.
 */
export function metricValue(metrics: Readonly<Record<string, number>>, key: string): number | undefined {
  const old = !('sessionSharpe' in metrics);
  if (!old) return metrics[key];
  if (OLD_CONVENTION_HIDDEN.has(key)) return undefined;
  const from = OLD_CONVENTION_RENAMED[key];
  if (from !== undefined) return metrics[from];
  if (key === 'adverseSelectionBps') {
    const e = metrics.realizedSpreadBps;
    const r = metrics.realizedSpreadMarkoutBps;
    return e !== undefined && r !== undefined ? e - r : undefined;
  }
  return metrics[key];
}

/** For each ranked column, the index of the best result (undefined when fewer than 2 results). */
export function bestByColumn(results: readonly RunResultRow[]): Map<string, number> {
  const best = new Map<string, number>();
  if (results.length < 2) return best;
  for (const col of METRIC_COLUMNS) {
    if (col.better === 0) continue;
    let bestIdx = -1;
    let bestVal = 0;
    for (const r of results) {
      const v = metricValue(r.metrics, col.key);
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
