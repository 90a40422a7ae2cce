/**
 * Stored runs of every kind (the SQLite run store behind `runs.*`): the searchable history list (filters,
 * sort and paging run on the back end through `runs.search`), run details, the per-path series for
 * charts (cached, bounded), the run that is open, the 2–8 runs being compared (their `runs.records`),
 * and delete. Details, records and series are large, read-only payloads: held as observable
 * references, not converted into deep observables. A slower answer to an older search never replaces
 * a newer one (a sequence number), and typing in the text filter searches once it pauses (debounceMs).
 */
import { makeAutoObservable, observable, runInAction } from 'mobx';
import type {
  RunDetail,
  RunRecord,
  RunSearchRow,
  RunStatus,
  SearchKind,
  SeriesPayload,
} from '../../../core/api/contract';
import type { ApiClient } from '../api/transport';
import { downloadBlob, downloadText } from '../lib/export';
import { metricColumn } from '../lib/metrics';
import type { LoadStatus } from './preset-store';
import type { RootStore } from './root-store';

export type FetchState = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready' };

const MAX_CACHED_SERIES = 24;
/** Runs one comparison holds (runs.records and runs.report take at most 8). */
export const MAX_COMPARE = 8;
export const PAGE_SIZE = 100;

/** 'createdAt' | 'name' | 'kind' | 'status' | 'seed', or a metric key (each run's best result). */
export type RunSortKey = string;
const ROW_SORT_KEYS = new Set(['createdAt', 'name', 'kind', 'status', 'seed']);

export function isMetricSort(key: RunSortKey): boolean {
  return !ROW_SORT_KEYS.has(key);
}

/** Kinds whose runs.get detail (results, paths) the detail pane and the A/B comparison show. */
export function hasResults(kind: SearchKind): boolean {
  return kind === 'backtest' || kind === 'replay' || kind === 'eval';
}

export function seriesKey(runId: string, resultIndex: number, path: number): string {
  return `${runId}/${resultIndex}/${path}`;
}

/** A date input's yyyy-mm-dd as the ISO start of that UTC day; `end` → the start of the next day. */
export function dayBound(day: string, end = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const t = Date.parse(`${day}T00:00:00.000Z`);
  if (!Number.isFinite(t)) return undefined;
  return new Date(end ? t + 86_400_000 : t).toISOString();
}

export class RunsStore {
  /** The current page of the history, in the back end's order. */
  rows: RunSearchRow[] = [];
  /** Runs matching the filters (all pages). */
  total = 0;
  offset = 0;
  listStatus: LoadStatus = 'idle';
  readonly details = observable.map<string, RunDetail>({}, { deep: false });
  readonly detailState = observable.map<string, FetchState>({}, { deep: false });
  readonly records = observable.map<string, RunRecord>({}, { deep: false });
  readonly recordState = observable.map<string, FetchState>({}, { deep: false });
  readonly series = observable.map<string, SeriesPayload>({}, { deep: false });
  readonly seriesState = observable.map<string, FetchState>({}, { deep: false });
  /** The run shown in the detail pane of the Runs view. */
  openRunId: string | null = null;
  /** Up to MAX_COMPARE runs picked for comparison (oldest pick first). */
  compareIds: string[] = [];
  comparing = false;
  /** The run whose delete button awaits confirmation. */
  confirmDeleteId: string | null = null;
  readonly deleting = new Set<string>();
  /** Sort of the history list: a column or metric key, and its direction (+1 ascending). */
  sortKey: RunSortKey = 'createdAt';
  sortDir: 1 | -1 = -1;
  /** Search words (runs.search `text`: name, strategy, scenario, config, tags; `strategy:` … prefixes). */
  filterText = '';
  /** Kinds shown (empty: every kind). */
  kinds: SearchKind[] = [];
  /** Status shown ('' : every status). */
  status: RunStatus | '' = '';
  codeVersion = '';
  datasetHash = '';
  /** Created from / to (inclusive) as yyyy-mm-dd, UTC days ('' : open). */
  fromDay = '';
  toDay = '';
  /** The runs whose report is being written (key: their ids joined by ','). */
  readonly reporting = new Set<string>();
  /** How long the text and code/dataset filters wait for typing to pause (ms). */
  debounceMs = 250;
  /** Where a report goes: a file download (replaced in tests). */
  saveFile: (text: string, fileName: string, mime: string) => void = downloadText;
  saveBytes: (bytes: Uint8Array<ArrayBuffer>, fileName: string, mime: string) => void = (
    bytes,
    fileName,
    mime,
  ) => downloadBlob(new Blob([bytes], { type: mime }), fileName);
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
  ) {
    makeAutoObservable<this, 'api' | 'seq' | 'timer'>(
      this,
      {
        root: false,
        api: false,
        details: false,
        detailState: false,
        records: false,
        recordState: false,
        series: false,
        seriesState: false,
        saveFile: false,
        saveBytes: false,
        seq: false,
        timer: false,
      },
      { autoBind: true },
    );
  }

  /** The history as listed (one page, filtered and sorted by the back end). */
  get visibleRuns(): RunSearchRow[] {
    return this.rows;
  }

  get filtered(): boolean {
    return (
      this.filterText.trim() !== '' ||
      this.kinds.length > 0 ||
      this.status !== '' ||
      this.codeVersion.trim() !== '' ||
      this.datasetHash.trim() !== '' ||
      this.fromDay !== '' ||
      this.toDay !== ''
    );
  }

  row(runId: string): RunSearchRow | undefined {
    return this.rows.find((r) => r.id === runId) ?? this.records.get(runId)?.run;
  }

  /**
   * Sorts by `key`; the same key again flips the direction. Names, kinds and statuses start ascending,
   * dates and seeds newest/highest first, a metric best first (by its better direction).
   */
  setSort(key: RunSortKey): void {
    if (key === this.sortKey) this.sortDir = this.sortDir > 0 ? -1 : 1;
    else {
      this.sortKey = key;
      if (key === 'createdAt' || key === 'seed') this.sortDir = -1;
      else if (key === 'name' || key === 'status' || key === 'kind') this.sortDir = 1;
      else this.sortDir = (metricColumn(key)?.better ?? 1) < 0 ? 1 : -1;
    }
    this.reload();
  }

  setFilter(text: string): void {
    this.filterText = text;
    this.reload(true);
  }

  toggleKind(kind: SearchKind): void {
    const i = this.kinds.indexOf(kind);
    if (i >= 0) this.kinds.splice(i, 1);
    else this.kinds.push(kind);
    this.reload();
  }

  setStatus(status: RunStatus | ''): void {
    this.status = status;
    this.reload();
  }

  setCodeVersion(v: string): void {
    this.codeVersion = v;
    this.reload(true);
  }

  setDatasetHash(v: string): void {
    this.datasetHash = v;
    this.reload(true);
  }

  setDays(fromDay: string, toDay: string): void {
    this.fromDay = fromDay;
    this.toDay = toDay;
    this.reload();
  }

  clearFilters(): void {
    this.filterText = '';
    this.kinds = [];
    this.status = '';
    this.codeVersion = '';
    this.datasetHash = '';
    this.fromDay = '';
    this.toDay = '';
    this.reload();
  }

  setPage(offset: number): void {
    this.offset = Math.max(0, offset);
    void this.loadList();
  }

  /** Back to the first page and search again (after a pause in typing when `debounced`). */
  private reload(debounced = false): void {
    this.offset = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (debounced && this.debounceMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.loadList();
      }, this.debounceMs);
    } else void this.loadList();
  }

  get canCompare(): boolean {
    return this.compareIds.length >= 2 && this.compareIds.length <= MAX_COMPARE;
  }

  /** The picked runs' kinds (from the list or their records). */
  get compareKinds(): (SearchKind | undefined)[] {
    return this.compareIds.map((id) => this.row(id)?.kind);
  }

  /** Two runs with results: the A/B table and path charts are shown too. */
  get comparePair(): boolean {
    return (
      this.compareIds.length === 2 &&
      this.compareKinds.every((k) => k !== undefined && k !== 'train' && hasResults(k))
    );
  }

  /** Tear sheets are of stored runs (training runs have their own view). */
  get canReport(): boolean {
    return this.canCompare && this.compareKinds.every((k) => k !== 'train');
  }

  async loadList(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const seq = ++this.seq;
    this.listStatus = this.listStatus === 'ready' ? 'ready' : 'loading';
    const from = dayBound(this.fromDay);
    const to = dayBound(this.toDay, true);
    const text = this.filterText.trim();
    const code = this.codeVersion.trim();
    const hash = this.datasetHash.trim();
    const metric = isMetricSort(this.sortKey);
    try {
      const page = await this.api.call('runs.search', {
        ...(this.kinds.length > 0 ? { kinds: [...this.kinds] } : {}),
        ...(text !== '' ? { text } : {}),
        ...(code !== '' ? { codeVersion: code } : {}),
        ...(hash !== '' ? { datasetHash: hash } : {}),
        ...(this.status !== '' ? { statuses: [this.status] } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        sortBy: this.sortKey,
        sortDir: this.sortDir > 0 ? 'asc' : 'desc',
        best: metric && this.sortDir > 0 ? 'min' : 'max',
        offset: this.offset,
        limit: PAGE_SIZE,
      });
      if (seq !== this.seq) return;
      runInAction(() => {
        for (const r of page.rows) {
          // A run that changed status since its detail was loaded gets reloaded on next view.
          const d = this.details.get(r.id);
          if (d && d.run.status !== r.status) {
            this.details.delete(r.id);
            this.detailState.delete(r.id);
          }
          const rec = this.records.get(r.id);
          if (rec && rec.run.status !== r.status) {
            this.records.delete(r.id);
            this.recordState.delete(r.id);
          }
        }
        this.rows = page.rows;
        this.total = page.total;
        this.listStatus = 'ready';
      });
    } catch (e) {
      if (seq !== this.seq) return;
      runInAction(() => {
        this.listStatus = 'error';
      });
      this.root.ui.reportError('Loading the run history failed', e);
    }
  }

  /** Loads the records (params, metrics, history) of runs not loaded yet, in one call. */
  async fetchRecords(runIds: readonly string[]): Promise<void> {
    const ids = runIds.filter(
      (id) => !this.records.has(id) && this.recordState.get(id)?.status !== 'loading',
    );
    if (ids.length === 0) return;
    for (const id of ids) this.recordState.set(id, { status: 'loading' });
    try {
      const recs = await this.api.call('runs.records', { runIds: ids.slice(0, MAX_COMPARE) });
      runInAction(() => {
        for (const r of recs) {
          this.records.set(r.run.id, r);
          this.recordState.set(r.run.id, { status: 'ready' });
        }
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      runInAction(() => {
        for (const id of ids) this.recordState.set(id, { status: 'error', message });
      });
      this.root.ui.reportError('Loading the runs to compare failed', e);
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
    if (!runId) return;
    const kind = this.row(runId)?.kind;
    if (kind !== undefined && hasResults(kind)) void this.fetchDetail(runId);
    else void this.fetchRecords([runId]);
  }

  /** Picks or unpicks a run for comparison (at most MAX_COMPARE: the oldest pick makes room). */
  toggleCompare(runId: string): void {
    const i = this.compareIds.indexOf(runId);
    if (i >= 0) this.compareIds.splice(i, 1);
    else {
      this.compareIds.push(runId);
      if (this.compareIds.length > MAX_COMPARE) this.compareIds.shift();
    }
    if (this.compareIds.length < 2) this.comparing = false;
    else if (this.comparing) this.loadCompare();
  }

  startCompare(): void {
    if (!this.canCompare) return;
    this.comparing = true;
    this.loadCompare();
  }

  private loadCompare(): void {
    void this.fetchRecords(this.compareIds);
    if (this.comparePair) for (const id of this.compareIds) void this.fetchDetail(id);
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
    this.rows = this.rows.filter((r) => r.id !== runId);
    this.records.delete(runId);
    this.recordState.delete(runId);
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
