/**
 * The Stress view's state (issue 13 §3, first cut): the stored sweeps (`sweeps.list`), the one that
 * is open (`sweeps.get`), the metric the heatmap maps, and for a stress sweep whether it shows each
 * stressed cell's change against the base. The grid itself (strategy rows × scenario columns, a value,
 * a colour and a tooltip per cell) is derived here so the view only draws it.
 *
 * Colour: t ∈ [0, 1] with 1 the best value in the grid by the metric's direction (lib/metrics.ts
 * `better`; fill rate has none, so t is just its rank between min and max). In "change against base"
 * mode t = ½ + ½·(Δ·better)/max|Δ|: ½ is no change, above it a change for the better.
 */
import { makeAutoObservable, observable, runInAction } from 'mobx';
import {
  SWEEP_VIEW_METRICS,
  type SweepDetail,
  type SweepListRow,
  type SweepStat,
  type SweepViewMetric,
} from '../../../core/api/contract';
import { toCallError } from '../api/errors';
import type { ApiClient } from '../api/transport';
import { columnHeading, metricColumn } from '../lib/metrics';
import type { LoadStatus } from './preset-store';
import type { RootStore } from './root-store';

export const STRESS_METRICS: readonly SweepViewMetric[] = SWEEP_VIEW_METRICS;

export interface HeatCell {
  scenario: string;
  strategyIndex: number;
  /** The value mapped (the mean, or the mean change against the base); null: nothing to show. */
  stat: SweepStat | null;
  /** Colour position in [0, 1] (1 best), null when there is no value. */
  t: number | null;
  /** Shown in the cell. */
  text: string;
  /** The tooltip: mean, 95% interval (or why there is none) and seeds. */
  title: string;
}

export interface HeatRow {
  strategyIndex: number;
  label: string;
  cells: HeatCell[];
}

/** "Sharpe (session)" and the formatter of a view metric. */
export function metricLabel(m: SweepViewMetric): string {
  const c = metricColumn(m);
  return c ? columnHeading(c) : m;
}

function fmt(m: SweepViewMetric, x: number | null): string {
  if (x === null) return '—';
  return metricColumn(m)?.format(x) ?? String(x);
}

/** "mean 1.23 · 95% CI [0.9, 1.5] · 4 seeds", or "· 1 seed: no interval". */
export function statText(m: SweepViewMetric, s: SweepStat, change: boolean): string {
  const what = change ? 'change vs base' : 'mean';
  if (s.mean === null) return `${what}: no finite value over ${s.n} seeds`;
  const sign = change && s.mean > 0 ? '+' : '';
  const ci =
    s.low !== null && s.high !== null
      ? `95% CI [${fmt(m, s.low)}, ${fmt(m, s.high)}]`
      : 'no interval (1 seed)';
  return `${what} ${sign}${fmt(m, s.mean)} · ${ci} · ${s.n} ${s.n === 1 ? 'seed' : 'seeds'}`;
}

export class StressStore {
  readonly sweeps = observable.array<SweepListRow>([], { deep: false });
  listStatus: LoadStatus = 'idle';
  selectedId: string | null = null;
  detail: SweepDetail | null = null;
  detailStatus: 'idle' | 'loading' | 'ready' | 'error' = 'idle';
  error: string | null = null;
  metric: SweepViewMetric = 'sessionSharpe';
  /** Stress sweeps: show the change against the base instead of the level. */
  changeVsBase = false;

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
  ) {
    makeAutoObservable<this, 'api'>(this, { root: false, api: false }, { autoBind: true });
  }

  async loadList(): Promise<void> {
    this.listStatus = 'loading';
    try {
      const rows = await this.api.call('sweeps.list', {});
      runInAction(() => {
        this.sweeps.replace(rows);
        this.listStatus = 'ready';
      });
      const first = rows[0];
      if (!this.selectedId && first) await this.select(first.id);
    } catch (e) {
      runInAction(() => (this.listStatus = 'error'));
      this.root.ui.reportError('Could not load the sweeps', e);
    }
  }

  async select(id: string): Promise<void> {
    this.selectedId = id;
    this.detailStatus = 'loading';
    this.error = null;
    try {
      const detail = await this.api.call('sweeps.get', { id });
      runInAction(() => {
        if (this.selectedId !== id) return;
        this.detail = detail;
        this.detailStatus = 'ready';
        if (detail.sweep.kind !== 'stress') this.changeVsBase = false;
      });
    } catch (e) {
      runInAction(() => {
        if (this.selectedId !== id) return;
        this.detail = null;
        this.detailStatus = 'error';
        this.error = toCallError(e).message;
      });
    }
  }

  setMetric(m: SweepViewMetric): void {
    this.metric = m;
  }

  setChangeVsBase(on: boolean): void {
    this.changeVsBase = on && this.detail?.sweep.kind === 'stress';
  }

  /** Strategy rows × scenario columns of the open sweep for the chosen metric and mode. */
  get grid(): HeatRow[] {
    const d = this.detail;
    if (!d) return [];
    const m = this.metric;
    const change = this.changeVsBase;
    const byKey = new Map(d.cells.map((c) => [`${c.scenario}\u0000${c.strategyIndex}`, c]));
    const better = metricColumn(m)?.better ?? 0;
    const rows = d.strategies.map((s) => ({
      strategyIndex: s.index,
      label: s.label,
      stats: d.scenarios.map((sc) => {
        const c = byKey.get(`${sc.name}\u0000${s.index}`);
        return { scenario: sc.name, stat: c ? (change ? (c.delta?.[m] ?? null) : c.stats[m]) : null };
      }),
    }));
    const values = rows.flatMap((r) => r.stats.flatMap((c) => (c.stat?.mean != null ? [c.stat.mean] : [])));
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const maxAbs = Math.max(0, ...values.map(Math.abs));
    const position = (x: number): number => {
      if (change) return maxAbs === 0 ? 0.5 : 0.5 + (0.5 * x * (better === 0 ? 1 : better)) / maxAbs;
      if (hi === lo) return 0.5;
      const u = (x - lo) / (hi - lo);
      return better < 0 ? 1 - u : u;
    };
    return rows.map((r) => ({
      strategyIndex: r.strategyIndex,
      label: r.label,
      cells: r.stats.map(({ scenario, stat }) => {
        const mean = stat?.mean ?? null;
        const head = `${r.label} · ${scenario}\n${metricLabel(m)}\n`;
        return {
          scenario,
          strategyIndex: r.strategyIndex,
          stat,
          t: mean === null ? null : position(mean),
          text: mean === null ? '—' : `${change && mean > 0 ? '+' : ''}${fmt(m, mean)}`,
          title: stat
            ? head + statText(m, stat, change)
            : head + (change ? 'the base scenario (no change to show)' : 'no stored result'),
        };
      }),
    }));
  }
}
