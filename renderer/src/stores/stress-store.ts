/**
 * The Stress view's state (issue 13 §3): the stored sweeps (`sweeps.list`), the one that is open
 * (`sweeps.get`), the metric the heatmap maps, and for a stress sweep whether it shows each stressed
 * cell's change against the base. The grid itself (strategy rows × scenario columns, a value, a colour
 * and a tooltip per cell) and its legend are derived here so the view only draws them.
 *
 * Running a sweep from the app: the YAML editor (pre-filled with the quickest shipped stress sweep,
 * `sweeps.presets`), `sweeps.start`, `sweeps.cancel`; `sweep.progress` events move the progress bar and
 * refresh the list and the open heatmap (one refresh in flight at a time, one more queued if events
 * arrived meanwhile), `sweep.done` ends it. Opening a cell (`sweeps.openCell`) gives its stored run and,
 * for a stressed cell, its base run; their series come through the runs store (`runs.series`).
 *
 * Colour: t ∈ [0, 1] with 1 the best value in the grid by the metric's direction (lib/metrics.ts
 * `better`; fill rate has none, so t is just its rank between min and max). In "change against base"
 * mode t = ½ + ½·(Δ·better)/max|Δ|: ½ is no change, above it a change for the better.
 */
import { makeAutoObservable, observable, runInAction } from 'mobx';
import {
  SWEEP_VIEW_METRICS,
  type EventPayload,
  type SweepCellRuns,
  type SweepDetail,
  type SweepListRow,
  type SweepPreset,
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

/** The colour legend of the heatmap: what the ends of the scale mean for the chosen metric and mode. */
export interface HeatLegend {
  metric: string;
  mode: 'level' | 'change';
  /** 'higher' / 'lower' is better, or 'none' (the metric has no better direction: shaded by rank). */
  better: 'higher' | 'lower' | 'none';
  /** The value at the left (t = 0) and right (t = 1) end of the scale, formatted; null with no values. */
  low: string | null;
  high: string | null;
  /** One sentence for the legend. */
  text: string;
}

export interface SweepRunState {
  sweepId: string;
  name: string;
  done: number;
  total: number;
  failed: number;
  last: string | null;
  status: 'running' | 'cancelling' | 'completed' | 'cancelled' | 'failed';
  error: string | null;
}

export interface OpenCellState {
  sweepId: string;
  scenario: string;
  strategyIndex: number;
  seed: number | null;
  status: 'loading' | 'ready' | 'error';
  result: SweepCellRuns | null;
  error: string | null;
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

  /** The sweep editor: the shipped sweep configs and the YAML being edited. */
  readonly presets = observable.array<SweepPreset>([], { deep: false });
  presetId: string | null = null;
  yaml = '';
  editorOpen = false;
  startError: string | null = null;
  starting = false;
  /** The sweep started from this window (its progress), until another is started. */
  run: SweepRunState | null = null;
  /** The opened heatmap cell. */
  cell: OpenCellState | null = null;

  private listening: (() => void) | null = null;
  private refreshing = false;
  private refreshAgain = false;
  /**
   * Events that arrive while `sweeps.start` is in flight, by sweep: the first progress event is sent
   * before the call's answer, and a sweep whose cells are all stored may even end before it.
   */
  private early = new Map<
    string,
    { progress?: EventPayload<'sweep.progress'>; done?: EventPayload<'sweep.done'> }
  >();

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
  ) {
    makeAutoObservable<this, 'api' | 'listening' | 'refreshing' | 'refreshAgain' | 'early'>(
      this,
      { root: false, api: false, listening: false, refreshing: false, refreshAgain: false, early: false },
      { autoBind: true },
    );
  }

  /** Listen to sweep events (idempotent); returns the function that stops listening. */
  listen(): () => void {
    if (!this.listening) {
      const offP = this.api.subscribe('sweep.progress', (p) => this.onProgress(p));
      const offD = this.api.subscribe('sweep.done', (d) => this.onDone(d));
      this.listening = () => {
        offP();
        offD();
      };
    }
    return () => {
      this.listening?.();
      this.listening = null;
    };
  }

  private onProgress(p: EventPayload<'sweep.progress'>): void {
    if (this.starting) this.early.set(p.sweepId, { ...this.early.get(p.sweepId), progress: p });
    if (this.run?.sweepId === p.sweepId) {
      this.run.done = p.done;
      this.run.total = p.total;
      this.run.failed = p.failed;
      this.run.last = p.last;
    }
    void this.refresh(p.sweepId);
  }

  private onDone(d: EventPayload<'sweep.done'>): void {
    if (this.starting) this.early.set(d.sweepId, { ...this.early.get(d.sweepId), done: d });
    if (this.run?.sweepId === d.sweepId) {
      this.run.status = d.status;
      this.run.error = d.error;
      if (d.status === 'completed') this.run.done = this.run.total;
    }
    void this.refresh(d.sweepId);
  }

  /**
   * Re-read the list and, when `sweepId` is open (or nothing is), its grid, without a loading state:
   * one refresh at a time; events during one schedule exactly one more.
   */
  async refresh(sweepId?: string): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      do {
        this.refreshAgain = false;
        const rows = await this.api.call('sweeps.list', {});
        runInAction(() => {
          this.sweeps.replace(rows);
          this.listStatus = 'ready';
        });
        const id = this.selectedId ?? sweepId ?? null;
        if (id !== null && (sweepId === undefined || id === sweepId)) {
          const detail = await this.api.call('sweeps.get', { id });
          runInAction(() => {
            if (this.selectedId !== null && this.selectedId !== id) return;
            this.selectedId = id;
            this.detail = detail;
            this.detailStatus = 'ready';
          });
        }
      } while (this.refreshAgain);
    } catch (e) {
      this.root.ui.reportError('Could not refresh the sweeps', e);
    } finally {
      runInAction(() => (this.refreshing = false));
    }
  }

  /** Load the shipped sweep configs and put the quickest stress sweep in the editor (once). */
  async loadPresets(): Promise<void> {
    try {
      const list = await this.api.call('sweeps.presets', {});
      runInAction(() => {
        this.presets.replace(list);
        if (this.yaml === '') {
          const first = list.find((p) => p.kind === 'stress') ?? list[0];
          if (first) this.choosePreset(first.id);
        }
      });
    } catch (e) {
      this.root.ui.reportError('Could not load the sweep presets', e);
    }
  }

  choosePreset(id: string): void {
    const p = this.presets.find((x) => x.id === id);
    if (!p) return;
    this.presetId = id;
    this.yaml = p.yaml;
    this.startError = null;
  }

  setYaml(text: string): void {
    this.yaml = text;
    this.startError = null;
  }

  setEditorOpen(open: boolean): void {
    this.editorOpen = open;
    if (open && this.presets.length === 0) void this.loadPresets();
  }

  get isRunning(): boolean {
    return this.run?.status === 'running' || this.run?.status === 'cancelling';
  }

  /** `sweeps.start` with the editor's YAML; the new sweep is opened and followed. */
  async start(): Promise<void> {
    if (this.starting || this.isRunning) return;
    this.listen();
    this.starting = true;
    this.startError = null;
    this.early.clear();
    try {
      const s = await this.api.call('sweeps.start', { yaml: this.yaml });
      runInAction(() => {
        this.run = {
          sweepId: s.sweepId,
          name: s.name,
          done: 0,
          total: s.cells,
          failed: 0,
          last: null,
          status: 'running',
          error: null,
        };
        this.selectedId = s.sweepId;
        this.cell = null;
        const early = this.early.get(s.sweepId);
        this.early.clear();
        if (early?.progress) this.onProgress(early.progress);
        if (early?.done) this.onDone(early.done);
      });
      await this.refresh(s.sweepId);
    } catch (e) {
      runInAction(() => (this.startError = toCallError(e).message));
    } finally {
      runInAction(() => {
        this.starting = false;
        this.early.clear();
      });
    }
  }

  async cancel(): Promise<void> {
    const r = this.run;
    if (!r || r.status !== 'running') return;
    r.status = 'cancelling';
    try {
      await this.api.call('sweeps.cancel', { id: r.sweepId });
    } catch (e) {
      this.root.ui.reportError('Cancelling the sweep failed', e);
    }
  }

  /**
   * Open a heatmap cell: its run (and its base's, for a stressed cell) for the seed chosen (default
   * the sweep's first), computed by the back end the first time and found again after.
   */
  async openCell(scenario: string, strategyIndex: number, seed?: number): Promise<void> {
    const sweepId = this.selectedId;
    if (sweepId === null) return;
    this.cell = {
      sweepId,
      scenario,
      strategyIndex,
      seed: seed ?? null,
      status: 'loading',
      result: null,
      error: null,
    };
    // The observable copy MobX made of it: a later click replaces it, and this answer is then dropped.
    const state = this.cell;
    try {
      const result = await this.api.call('sweeps.openCell', {
        id: sweepId,
        scenario,
        strategyIndex,
        ...(seed !== undefined ? { seed } : {}),
      });
      runInAction(() => {
        if (this.cell !== state) return;
        state.result = result;
        state.seed = result.seed;
        state.status = 'ready';
      });
      if (!result.run.cached || (result.base !== null && !result.base.cached)) void this.root.runs.loadList();
    } catch (e) {
      runInAction(() => {
        if (this.cell !== state) return;
        state.status = 'error';
        state.error = toCallError(e).message;
      });
    }
  }

  closeCell(): void {
    this.cell = null;
  }

  /** The runs of the open cell, the stressed one first (for its report). */
  get cellRunIds(): string[] {
    const r = this.cell?.result;
    if (!r) return [];
    return r.base ? [r.run.runId, r.base.runId] : [r.run.runId];
  }

  /** Tear sheet of the open cell's run and its base (runs.report / runs.reportPdf). */
  report(format: 'html' | 'pdf'): Promise<void> {
    return this.root.runs.report(this.cellRunIds, format);
  }

  /** The legend of the heatmap for the chosen metric and mode. */
  get legend(): HeatLegend {
    const m = this.metric;
    const change = this.changeVsBase;
    const dir = metricColumn(m)?.better ?? 0;
    const better = dir > 0 ? 'higher' : dir < 0 ? 'lower' : 'none';
    const values = this.grid.flatMap((r) =>
      r.cells.flatMap((c) => (c.stat?.mean != null ? [c.stat.mean] : [])),
    );
    const label = metricLabel(m);
    if (values.length === 0)
      return {
        metric: label,
        mode: change ? 'change' : 'level',
        better,
        low: null,
        high: null,
        text: 'no values',
      };
    if (change) {
      const maxAbs = Math.max(...values.map(Math.abs));
      const d = better === 'none' ? 1 : dir;
      const worst = fmt(m, -d * maxAbs);
      const best = fmt(m, d * maxAbs);
      const sign = (x: string): string => (x.startsWith('-') || x.startsWith('−') ? x : `+${x}`);
      return {
        metric: label,
        mode: 'change',
        better,
        low: sign(worst),
        high: sign(best),
        text:
          better === 'none'
            ? `change against base: ${sign(worst)} … 0 … ${sign(best)} (the metric has no better direction)`
            : `change against base: red for worse, green for better (${better} is better); ${sign(worst)} … 0 … ${sign(best)}`,
      };
    }
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const [left, right] = better === 'lower' ? [hi, lo] : [lo, hi];
    return {
      metric: label,
      mode: 'level',
      better,
      low: fmt(m, left),
      high: fmt(m, right),
      text:
        better === 'none'
          ? `${label}: no better direction, shaded from the lowest to the highest`
          : `${label}: ${better} is better; red is the worst in this grid, green the best`,
    };
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
