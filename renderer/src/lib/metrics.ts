/**
 * The metric columns the results tables can show — every field of RunMetrics
 * (core/metrics/run-metrics.ts), in order — with a label, the unit shown under it, a one-line
 * definition for the header tooltip (from docs/metrics.md), one formatter per metric, which direction
 * is better (for marking the best result and the better side of a comparison) and whether the column
 * is in the default choice (a subset that fits a 1280 px window).
 */
import type { RunResultRow } from '../../../core/api/contract';
import { fmtFixed, fmtInt, fmtPct, fmtSig } from './format';

export interface MetricColumn {
  key: string;
  label: string;
  /** Shown under the label: 'ccy' (quote currency), 'bp', 'lots', '%', 'price', 'bars'…; '' for a ratio. */
  unit: string;
  title: string;
  format: (x: number | undefined) => string;
  /** +1: higher is better, −1: lower is better, 0: no ranking. */
  better: 1 | -1 | 0;
  /** In the default column choice. */
  byDefault: boolean;
}

const sig3 = (x: number | undefined): string => fmtSig(x, 3);
const sig4 = (x: number | undefined): string => fmtSig(x, 4);
const fix2 = (x: number | undefined): string => fmtFixed(x, 2);
const pct1 = (x: number | undefined): string => fmtPct(x, 1);

function col(
  key: string,
  label: string,
  unit: string,
  format: (x: number | undefined) => string,
  better: 1 | -1 | 0,
  byDefault: boolean,
  title: string,
): MetricColumn {
  return { key, label, unit, format, better, byDefault, title };
}

export const METRIC_COLUMNS: readonly MetricColumn[] = [
  col('pnlMean', 'PnL mean', 'ccy', sig4, 1, true, 'Mean across paths of the final PnL'),
  col('pnlStd', 'PnL std', 'ccy', sig4, -1, true, 'Sample std across paths of the final PnL'),
  col(
    'sessionSharpe',
    'Sharpe',
    'session',
    fix2,
    1,
    true,
    'Session Sharpe: mean / sample std of the per-path (per-session) final PnL, not annualised',
  ),
  col(
    'sharpe',
    'Sharpe',
    'ann.',
    fix2,
    1,
    false,
    'Annualised Sharpe: session Sharpe × √(sessions per year); basis in docs/metrics.md',
  ),
  col(
    'sessionSortino',
    'Sortino',
    'session',
    fix2,
    1,
    false,
    'Session Sortino: mean / downside deviation (about 0, all sessions) of the final PnL',
  ),
  col(
    'sortino',
    'Sortino',
    'ann.',
    fix2,
    1,
    false,
    'Annualised Sortino: session Sortino × √(sessions per year)',
  ),
  col('calmar', 'Calmar', 'ann.', fix2, 1, false, 'Annualised mean PnL / mean per-session max drawdown'),
  col(
    'perBarSharpe',
    'Sharpe',
    'per bar',
    (x) => fmtSig(x, 3),
    1,
    false,
    'Mean / sample std of the pooled per-bar PnL increments, per bar, not annualised',
  ),
  col(
    'maxDrawdown',
    'Max DD',
    'mean, ccy',
    sig3,
    -1,
    true,
    'Mean over paths of each path’s maximum peak-to-trough PnL fall',
  ),
  col('maxDrawdownWorst', 'Max DD', 'worst, ccy', sig3, -1, true, 'Maximum drawdown of the worst path'),
  col(
    'maxDrawdownDuration',
    'DD duration',
    'time unit',
    sig3,
    -1,
    false,
    'Mean over paths of the longest time under water (series time unit)',
  ),
  col(
    'var95',
    'VaR 95',
    'ccy/bar',
    sig3,
    -1,
    false,
    'Historical 95% VaR of the pooled per-bar PnL increments (loss > 0)',
  ),
  col(
    'es95',
    'ES 95',
    'ccy/bar',
    sig3,
    -1,
    false,
    'Historical 95% expected shortfall of the pooled per-bar PnL increments (loss > 0)',
  ),
  col(
    'var99',
    'VaR 99',
    'ccy/bar',
    sig3,
    -1,
    false,
    'Historical 99% VaR of the pooled per-bar PnL increments (loss > 0)',
  ),
  col(
    'es99',
    'ES 99',
    'ccy/bar',
    sig3,
    -1,
    false,
    'Historical 99% expected shortfall of the pooled per-bar PnL increments (loss > 0)',
  ),
  col('fillRate', 'Fill rate', '%', pct1, 0, false, 'Total fills / total quotes posted'),
  col(
    'effectiveSpreadBps',
    'Eff. spread',
    'bp',
    fix2,
    1,
    true,
    'Effective spread: size-weighted edge of our fills against the mid at the fill (half-spread, + = earned)',
  ),
  col(
    'realizedSpreadBps',
    'Real. spread',
    'bp',
    fix2,
    1,
    true,
    'Realized spread: edge of our fills against the mid the mark-out horizon later',
  ),
  col(
    'adverseSelectionBps',
    'Adv. sel.',
    'bp',
    fix2,
    -1,
    false,
    'Adverse selection: effective − realized spread',
  ),
  col(
    'avgSpread',
    'Avg spread',
    'price',
    sig3,
    0,
    false,
    'Mean quoted spread (ask − bid) where both sides are quoted',
  ),
  col('meanAbsInventory', '|Inv| mean', 'lots', sig3, -1, true, 'Mean absolute inventory over all samples'),
  col(
    'finalInventoryMean',
    'Final inv.',
    'mean, lots',
    sig3,
    0,
    false,
    'Mean across paths of the final inventory',
  ),
  col(
    'finalInventoryStd',
    'Final inv.',
    'std, lots',
    sig3,
    -1,
    false,
    'Sample std across paths of the final inventory',
  ),
  col(
    'turnover',
    'Turnover',
    'ccy/path',
    sig3,
    0,
    false,
    'Mean per path of the traded notional Σ|price·size·lot size|',
  ),
  col(
    'winRate',
    'Win rate',
    '% of bars',
    pct1,
    1,
    false,
    'Share of non-zero per-bar PnL increments that are positive',
  ),
  col('fills', 'Fills', 'total', (x) => fmtInt(x), 0, false, 'Total fills over all paths'),
  col('fillsPerPath', 'Fills', 'per path', sig3, 0, false, 'Mean number of fills per path'),
  col('paths', 'Paths', '', (x) => fmtInt(x), 0, false, 'Number of simulated paths'),
];

export const DEFAULT_METRIC_KEYS: readonly string[] = METRIC_COLUMNS.filter((c) => c.byDefault).map(
  (c) => c.key,
);

export function metricColumn(key: string): MetricColumn | undefined {
  return METRIC_COLUMNS.find((c) => c.key === key);
}

/** "PnL mean (ccy)": label and unit in one string (CSV headers, tooltips). */
export function columnHeading(c: { label: string; unit: string }): string {
  return c.unit ? `${c.label} (${c.unit})` : c.label;
}

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
