/**
 * Stored runs (the SQLite run store behind `runs.*`): the history list, run details, the per-path
 * series for charts (cached, bounded), the run that is open, the two runs being compared, and delete.
 * Details and series are large, read-only payloads: they are held as observable references, not
 * converted into deep observables.
 */
import { makeAutoObservable, observable, runInAction } from 'mobx';
import type { RunDetail, RunListRow, RunSummary, SeriesPayload } from '../../../core/api/contract';
import type { ApiClient } from '../api/transport';
import { downloadBlob, downloadText } from '../lib/export';
import { metricColumn, metricValue, strategyLabel } from '../lib/metrics';
import type { LoadStatus } from './preset-store';
import type { RootStore } from './root-store';

export type FetchState = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready' };

const MAX_CACHED_SERIES = 24;

/** 'createdAt' | 'name' | 'status' | 'seed' | 'paths', or a RunMetrics key (the run's best result). */
export type RunSortKey = string;
const ROW_SORT_KEYS = new Set(['createdAt', 'name', 'status', 'seed', 'paths']);

export function isMetricSort(key: RunSortKey): boolean {
  return !ROW_SORT_KEYS.has(key);
}

/**
 * A run's value of a metric: its best result by the metric's direction (the first when unranked),
 * from the summary the runs list carries (no detail needed).
 */
export function runMetric(summary: RunSummary | undefined, key: string): number | undefined {
  if (!summary) return undefined;
  const dir = metricColumn(key)?.better ?? 0;
  let best: number | undefined;
  for (const m of summary.metrics) {
    const v = metricValue(m, key);
    if (v === undefined || !Number.isFinite(v)) continue;
    if (best === undefined) best = v;
    else if (dir !== 0 && (v - best) * dir > 0) best = v;
  }
  return best;
}

/** The list's summary of a run, from its detail (the detail may be newer than the list). */
export function summaryOf(detail: RunDetail): RunSummary {
  return {
    strategies: detail.results.map((r) => r.strategy),
    metrics: detail.results.map((r) => r.metrics),
  };
}

export function seriesKey(runId: string, resultIndex: number, path: number): string {
  return `${runId}/${resultIndex}/${path}`;
}

export class RunsStore {
  readonly runs = observable.map<string, RunListRow>({}, { deep: false });
  listStatus: LoadStatus = 'idle';
  readonly details = observable.map<string, RunDetail>({}, { deep: false });
  readonly detailState = observable.map<string, FetchState>({}, { deep: false });
  readonly series = observable.map<string, SeriesPayload>({}, { deep: false });
  readonly seriesState = observable.map<string, FetchState>({}, { deep: false });
  /** The run shown in the detail pane of the Runs view. */
  openRunId: string | null = null;
  /** Up to two runs picked for side-by-side comparison (oldest pick first). */
  compareIds: string[] = [];
  comparing = false;
  /** The run whose delete button awaits confirmation. */
  confirmDeleteId: string | null = null;
  readonly deleting = new Set<string>();
  /** Sort of the history list: a column or metric key, and its direction (+1 ascending). */
  sortKey: RunSortKey = 'createdAt';
  sortDir: 1 | -1 = -1;
  /** Case-insensitive text filter on the run name and (once loaded) its strategies. */
  filterText = '';
  /** The runs whose report is being written (key: their ids joined by ','). */
  readonly reporting = new Set<string>();
  /** Where a report goes: a file download (replaced in tests). */
  saveFile: (text: string, fileName: string, mime: string) => void = downloadText;
  saveBytes: (bytes: Uint8Array<ArrayBuffer>, fileName: string, mime: string) => void = (
    bytes,
    fileName,
    mime,
  ) => downloadBlob(new Blob([bytes], { type: mime }), fileName);

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
  ) {
    makeAutoObservable<this, 'api'>(
      this,
      {
        root: false,
        api: false,
        runs: false,
        details: false,
        detailState: false,
        series: false,
        seriesState: false,
        saveFile: false,
        saveBytes: false,
      },
      { autoBind: true },
    );
  }

  /** Newest first. */
  get sortedRuns(): RunListRow[] {
    return [...this.runs.values()].sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
    );
  }

  /** The history as listed: filtered by `filterText`, sorted by `sortKey` (missing values last). */
  get visibleRuns(): RunListRow[] {
    const q = this.filterText.trim().toLowerCase();
    const rows = q ? this.sortedRuns.filter((r) => this.searchText(r).includes(q)) : this.sortedRuns;
    const key = this.sortKey;
    const dir = this.sortDir;
    if (key === 'createdAt') return dir < 0 ? rows : [...rows].reverse();
    const value = (r: RunListRow): string | number | undefined => {
      if (ROW_SORT_KEYS.has(key)) return r[key as 'name' | 'status' | 'seed' | 'paths'];
      return runMetric(r.summary, key);
    };
    // Stable over the newest-first order, so ties stay newest first.
    return [...rows].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      if (va === undefined || vb === undefined) return va === undefined ? (vb === undefined ? 0 : 1) : -1;
      if (typeof va === 'string' || typeof vb === 'string') return String(va).localeCompare(String(vb)) * dir;
      return (va - vb) * dir;
    });
  }

  /** Name, id and the strategies of the run's results (from the list's summary), lower-cased. */
  private searchText(r: RunListRow): string {
    const strategies = r.summary.strategies.map((x) => `${x} ${strategyLabel(x)}`).join(' ');
    return `${r.name} ${r.id} ${strategies}`.toLowerCase();
  }

  /**
   * Sorts by `key`; the same key again flips the direction. Names and statuses start ascending, dates
   * newest first, a metric best first (by its better direction), on the list's summaries.
   */
  setSort(key: RunSortKey): void {
    if (key === this.sortKey) {
      this.sortDir = this.sortDir > 0 ? -1 : 1;
      return;
    }
    this.sortKey = key;
    if (key === 'createdAt' || key === 'seed' || key === 'paths') this.sortDir = -1;
    else if (key === 'name' || key === 'status') this.sortDir = 1;
    else {
      this.sortDir = (metricColumn(key)?.better ?? 1) < 0 ? 1 : -1;
    }
  }

  setFilter(text: string): void {
    this.filterText = text;
  }

  get openRun(): RunListRow | undefined {
    return this.openRunId ? this.runs.get(this.openRunId) : undefined;
  }

  get canCompare(): boolean {
    return this.compareIds.length === 2;
  }

  async loadList(): Promise<void> {
    this.listStatus = this.listStatus === 'ready' ? 'ready' : 'loading';
    try {
      const rows = await this.api.call('runs.list', { limit: 500 });
      runInAction(() => {
        const seen = new Set<string>();
        for (const r of rows) {
          seen.add(r.id);
          const old = this.runs.get(r.id);
          if (!old || JSON.stringify(old) !== JSON.stringify(r)) this.runs.set(r.id, r);
          // A run that changed status since its detail was loaded gets reloaded on next view.
          const d = this.details.get(r.id);
          if (d && d.run.status !== r.status) {
            this.details.delete(r.id);
            this.detailState.delete(r.id);
          }
        }
        for (const id of [...this.runs.keys()]) if (!seen.has(id)) this.forget(id);
        this.listStatus = 'ready';
      });
    } catch (e) {
      runInAction(() => {
        this.listStatus = 'error';
      });
      this.root.ui.reportError('Loading the run history failed', e);
    }
  }

  /** Loads a run's detail once (again with `force`); errors show as a banner and in the pane. */
  async fetchDetail(runId: string, force = false): Promise<RunDetail | undefined> {
    const have = this.details.get(runId);
    if (have && !force) return have;
    if (this.detailState.get(runId)?.status === 'loading') return undefined;
    this.detailState.set(runId, { status: 'loading' });
    try {
      const detail = await this.api.call('runs.get', { runId });
      runInAction(() => {
        this.details.set(runId, detail);
        this.runs.set(runId, { ...detail.run, summary: summaryOf(detail) });
        this.detailState.set(runId, { status: 'ready' });
      });
      return detail;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      runInAction(() => this.detailState.set(runId, { status: 'error', message }));
      this.root.ui.reportError('Loading the run failed', e);
      return undefined;
    }
  }

  async fetchSeries(runId: string, resultIndex: number, path: number): Promise<void> {
    const key = seriesKey(runId, resultIndex, path);
    if (this.series.has(key) || this.seriesState.get(key)?.status === 'loading') return;
    this.seriesState.set(key, { status: 'loading' });
    try {
      const s = await this.api.call('runs.series', { runId, resultIndex, path });
      runInAction(() => {
        this.series.set(key, s);
        this.seriesState.set(key, { status: 'ready' });
        while (this.series.size > MAX_CACHED_SERIES) {
          const oldest = this.series.keys().next().value;
          if (oldest === undefined) break;
          this.series.delete(oldest);
          this.seriesState.delete(oldest);
        }
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      runInAction(() => this.seriesState.set(key, { status: 'error', message }));
      this.root.ui.reportError('Loading the path series failed', e);
    }
  }

  open(runId: string | null): void {
    this.openRunId = runId;
    this.comparing = false;
    if (runId) void this.fetchDetail(runId);
  }

  toggleCompare(runId: string): void {
    const i = this.compareIds.indexOf(runId);
    if (i >= 0) this.compareIds.splice(i, 1);
    else {
      this.compareIds.push(runId);
      if (this.compareIds.length > 2) this.compareIds.shift();
    }
    if (this.compareIds.length < 2) this.comparing = false;
  }

  startCompare(): void {
    if (!this.canCompare) return;
    this.comparing = true;
    for (const id of this.compareIds) void this.fetchDetail(id);
  }

  stopCompare(): void {
    this.comparing = false;
  }

  isReporting(runIds: readonly string[]): boolean {
    return this.reporting.has(runIds.join(','));
  }

  /**
   * Asks the back end for the tear sheet of these runs (one, or a comparison: docs/reports.md), as
   * HTML or printed to PDF, and saves it as a file; a failure shows as a banner.
   */
  async report(runIds: readonly string[], format: 'html' | 'pdf' = 'html'): Promise<void> {
    const key = runIds.join(',');
    if (runIds.length === 0 || this.reporting.has(key)) return;
    this.reporting.add(key);
    try {
      if (format === 'html') {
        const { fileName, html } = await this.api.call('runs.report', { runIds: [...runIds] });
        this.saveFile(html, fileName, 'text/html');
      } else {
        const { fileName, pdfBase64 } = await this.api.call('runs.reportPdf', { runIds: [...runIds] });
        this.saveBytes(decodeBase64(pdfBase64), fileName, 'application/pdf');
      }
    } catch (e) {
      this.root.ui.reportError('Writing the report failed', e);
    } finally {
      runInAction(() => this.reporting.delete(key));
    }
  }

  askDelete(runId: string | null): void {
    this.confirmDeleteId = runId;
  }

  async deleteRun(runId: string): Promise<void> {
    this.confirmDeleteId = null;
    this.deleting.add(runId);
    try {
      const { deleted } = await this.api.call('runs.delete', { runId });
      runInAction(() => {
        this.forget(runId);
      });
      if (!deleted)
        this.root.ui.notify('info', 'Run already gone', `Run ${runId} was no longer in the store.`);
    } catch (e) {
      this.root.ui.reportError('Deleting the run failed', e);
    } finally {
      runInAction(() => this.deleting.delete(runId));
    }
  }

  private forget(runId: string): void {
    this.runs.delete(runId);
    this.details.delete(runId);
    this.detailState.delete(runId);
    for (const key of [...this.series.keys()]) if (key.startsWith(`${runId}/`)) this.series.delete(key);
    for (const key of [...this.seriesState.keys()])
      if (key.startsWith(`${runId}/`)) this.seriesState.delete(key);
    if (this.openRunId === runId) this.openRunId = null;
    const i = this.compareIds.indexOf(runId);
    if (i >= 0) this.compareIds.splice(i, 1);
    if (this.compareIds.length < 2) this.comparing = false;
    if (this.root.backtest.shownRunId === runId) this.root.backtest.clearShownRun();
  }
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
