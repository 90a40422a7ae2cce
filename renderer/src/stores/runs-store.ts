/**
 * Stored runs (the SQLite run store behind `runs.*`): the history list, run details, the per-path
 * series for charts (cached, bounded), the run that is open, the two runs being compared, and delete.
 * Details and series are large, read-only payloads: they are held as observable references, not
 * converted into deep observables.
 */
import { makeAutoObservable, observable, runInAction } from 'mobx';
import type { RunDetail, RunRow, SeriesPayload } from '../../../core/api/contract';
import type { ApiClient } from '../api/transport';
import type { LoadStatus } from './preset-store';
import type { RootStore } from './root-store';

export type FetchState = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready' };

const MAX_CACHED_SERIES = 24;

export function seriesKey(runId: string, resultIndex: number, path: number): string {
  return `${runId}/${resultIndex}/${path}`;
}

export class RunsStore {
  readonly runs = observable.map<string, RunRow>({}, { deep: false });
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
      },
      { autoBind: true },
    );
  }

  /** Newest first. */
  get sortedRuns(): RunRow[] {
    return [...this.runs.values()].sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
    );
  }

  get openRun(): RunRow | undefined {
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
        this.runs.set(runId, detail.run);
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
