/**
 * The Data view's state: the catalog (data.list), the selected dataset's details and price/spread
 * series (data.get), and one import at a time. An import in the web shell first uploads the chosen
 * files (api/upload.ts, with byte progress), then calls `data.import` with the references; in Electron
 * the native dialog (data.pickFiles) gives host paths directly. Every data job's progress and end
 * (`data.progress` / `data.done`, imports and calibration fits alike) is recorded in `jobs` by id, so a
 * job whose events arrive before its id does is still followed; the calibration store reads it too.
 */
import { makeAutoObservable, observable, runInAction } from 'mobx';
import type {
  DataImportFormat,
  DataJobInfo,
  DatasetDetail,
  DatasetInfo,
  EventPayload,
} from '../../../core/api/contract';
import { toCallError } from '../api/errors';
import type { ApiClient } from '../api/transport';
import { uploadFile, type UploadHandle } from '../api/upload';
import type { LoadStatus } from './preset-store';
import type { RootStore } from './root-store';

export interface DataJobState {
  info: DataJobInfo | null;
  end: EventPayload<'data.done'> | null;
}

/** `unknown`: the job ended while the connection was down (its data.done was missed). */
export type ImportPhase = 'uploading' | 'running' | 'completed' | 'failed' | 'cancelled' | 'unknown';

export interface ImportState {
  phase: ImportPhase;
  /** The file names. */
  label: string;
  jobId: string | null;
  /** Upload bytes sent and total (web shell). */
  sent: number;
  bytes: number;
  error: string | null;
  dataset: string | null;
  existed: boolean;
}

export const FORMAT_LABELS: Record<DataImportFormat, string> = {
  lobster: 'LOBSTER (message + orderbook CSV)',
  'binance-raw': 'Binance raw capture',
  'binance-csv': 'Binance capture CSV tables',
  tardis: 'Tardis CSV',
};

/** Most data jobs remembered (oldest forgotten first). */
const MAX_JOBS = 50;

export class DataStore {
  readonly datasets = new Map<string, DatasetInfo>();
  status: LoadStatus = 'idle';
  selectedId: string | null = null;
  detail: DatasetDetail | null = null;
  detailStatus: LoadStatus = 'idle';
  format: DataImportFormat = 'lobster';
  importState: ImportState | null = null;
  /** The connection dropped while a data job ran: its state is unknown until `resync()`. */
  connectionLost = false;
  readonly jobs = observable.map<string, DataJobState>();
  private uploads: UploadHandle[] = [];

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
  ) {
    makeAutoObservable<this, 'api' | 'uploads'>(
      this,
      { root: false, api: false, uploads: false, jobs: false },
      { autoBind: true },
    );
  }

  get list(): DatasetInfo[] {
    return [...this.datasets.values()].sort(
      (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
    );
  }

  get selected(): DatasetInfo | undefined {
    return this.selectedId ? this.datasets.get(this.selectedId) : undefined;
  }

  get importing(): boolean {
    return this.importState?.phase === 'uploading' || this.importState?.phase === 'running';
  }

  /** Electron has a native file dialog; the web shell uploads from a file input. */
  get nativeDialog(): boolean {
    return this.api.kind === 'electron';
  }

  /** Progress of the import as done/total (uploads by bytes, then the job's own count). */
  get importProgress(): { done: number; total: number; phase: string } {
    const s = this.importState;
    if (!s) return { done: 0, total: 0, phase: '' };
    if (s.phase === 'uploading') return { done: s.sent, total: s.bytes, phase: 'uploading' };
    const info = s.jobId ? this.jobs.get(s.jobId)?.info : null;
    if (s.phase !== 'running') return { done: 1, total: 1, phase: s.phase };
    return { done: info?.done ?? 0, total: info?.total ?? 0, phase: info?.phase ?? 'queued' };
  }

  listen(): () => void {
    const offProgress = this.api.subscribe('data.progress', (p) => this.record(p.jobId, { info: p }));
    const offDone = this.api.subscribe('data.done', (p) => {
      this.record(p.jobId, { end: p });
      if (p.kind === 'import') this.onImportDone(p);
      else this.root.calibration.onJobDone(p);
    });
    return () => {
      offProgress();
      offDone();
    };
  }

  /** After a (re)load of the page: follow data jobs already running on the server. */
  async attachRunningJobs(): Promise<void> {
    let running: DataJobInfo[];
    try {
      running = await this.api.call('data.jobs', {});
    } catch {
      return; // an older server or no connection yet: nothing to follow
    }
    runInAction(() => {
      for (const j of running) this.record(j.jobId, { info: j });
      const imp = running.find((j) => j.kind === 'import');
      if (imp && !this.importState)
        this.importState = {
          phase: 'running',
          label: imp.label,
          jobId: imp.jobId,
          sent: 0,
          bytes: 0,
          error: null,
          dataset: null,
          existed: false,
        };
    });
    const fit = running.find((j) => j.kind === 'calibration');
    if (fit?.dataset) this.root.calibration.attach(fit.jobId, fit.dataset);
  }

  onConnectionLost(): void {
    if (this.importState?.phase === 'running' || this.root.calibration.running) this.connectionLost = true;
  }

  /**
   * The connection is back: reload the catalog and ask which data jobs still run. A followed job that
   * is gone ended while the connection was down (its end event was missed): it says so instead of
   * guessing, and the catalog / the stored fit show what it left.
   */
  async resync(): Promise<void> {
    await this.load();
    let running: DataJobInfo[];
    try {
      running = await this.api.call('data.jobs', {});
    } catch {
      return;
    }
    runInAction(() => {
      this.connectionLost = false;
      const ids = new Set(running.map((j) => j.jobId));
      for (const j of running) this.record(j.jobId, { info: j });
      const s = this.importState;
      if (s?.phase === 'running' && s.jobId && !ids.has(s.jobId) && !this.jobs.get(s.jobId)?.end)
        s.phase = 'unknown';
    });
    await this.root.calibration.resync(new Set(running.map((j) => j.jobId)));
  }

  setFormat(format: DataImportFormat): void {
    this.format = format;
  }

  async load(): Promise<void> {
    this.status = 'loading';
    try {
      const list = await this.api.call('data.list', {});
      runInAction(() => {
        this.datasets.clear();
        for (const d of list) this.datasets.set(d.id, d);
        this.status = 'ready';
        if (this.selectedId && !this.datasets.has(this.selectedId)) this.selectedId = null;
      });
      this.root.calibration.onDatasetsLoaded();
    } catch (e) {
      runInAction(() => {
        this.status = 'error';
      });
      this.root.ui.reportError('Loading the data catalog failed', e);
    }
  }

  async select(id: string): Promise<void> {
    this.selectedId = id;
    this.detailStatus = 'loading';
    try {
      const detail = await this.api.call('data.get', { id, maxPoints: 2000 });
      runInAction(() => {
        if (this.selectedId !== id) return;
        this.detail = detail;
        this.detailStatus = 'ready';
      });
    } catch (e) {
      runInAction(() => {
        if (this.selectedId === id) this.detailStatus = 'error';
      });
      this.root.ui.reportError('Loading the dataset failed', e);
    }
  }

  /** Web shell: upload the chosen files, then import them. */
  async importFiles(files: readonly File[]): Promise<void> {
    if (this.importing || files.length === 0) return;
    const label = files.map((f) => f.name).join(', ');
    const sizes = files.map((f) => f.size);
    const sent = files.map(() => 0);
    this.importState = {
      phase: 'uploading',
      label,
      jobId: null,
      sent: 0,
      bytes: sizes.reduce((a, b) => a + b, 0),
      error: null,
      dataset: null,
      existed: false,
    };
    const refs: string[] = [];
    try {
      for (const [i, file] of files.entries()) {
        const handle = uploadFile(file, (n) => {
          sent[i] = n;
          runInAction(() => {
            if (this.importState?.phase === 'uploading')
              this.importState.sent = sent.reduce((a, b) => a + b, 0);
          });
        });
        this.uploads = [handle];
        refs.push(await handle.promise);
      }
    } catch (e) {
      runInAction(() => {
        if (this.importState?.phase !== 'uploading') return;
        const cancelled = this.importState.error === 'cancelled';
        this.importState.phase = cancelled ? 'cancelled' : 'failed';
        this.importState.error = cancelled ? null : toCallError(e).message;
      });
      return;
    } finally {
      this.uploads = [];
    }
    await this.startImport(refs, label);
  }

  /** Electron: choose files in the native dialog, then import them. */
  async importFromDialog(): Promise<void> {
    if (this.importing) return;
    try {
      const { paths } = await this.api.call('data.pickFiles', { format: this.format });
      if (paths.length === 0) return;
      await this.startImport(paths, paths.map((p) => p.split(/[/\\]/).pop() ?? p).join(', '));
    } catch (e) {
      this.root.ui.reportError('Choosing files failed', e);
    }
  }

  async cancelImport(): Promise<void> {
    const s = this.importState;
    if (!s) return;
    if (s.phase === 'uploading') {
      s.error = 'cancelled';
      for (const u of this.uploads) u.abort();
      return;
    }
    if (s.phase !== 'running' || !s.jobId) return;
    try {
      await this.api.call('jobs.cancel', { jobId: s.jobId });
    } catch (e) {
      this.root.ui.reportError('Cancelling the import failed', e);
    }
  }

  dismissImport(): void {
    if (!this.importing) this.importState = null;
  }

  private async startImport(paths: string[], label: string): Promise<void> {
    this.importState = {
      phase: 'running',
      label,
      jobId: null,
      sent: this.importState?.sent ?? 0,
      bytes: this.importState?.bytes ?? 0,
      error: null,
      dataset: null,
      existed: false,
    };
    try {
      const { jobId } = await this.api.call('data.import', { format: this.format, paths });
      const early = this.jobs.get(jobId)?.end;
      runInAction(() => {
        if (this.importState) this.importState.jobId = jobId;
      });
      if (early) this.onImportDone(early);
    } catch (e) {
      runInAction(() => {
        if (!this.importState) return;
        this.importState.phase = 'failed';
        this.importState.error = toCallError(e).message;
      });
    }
  }

  private onImportDone(end: EventPayload<'data.done'>): void {
    const s = this.importState;
    if (!s || s.jobId !== end.jobId || s.phase !== 'running') return;
    s.phase = end.status;
    s.error = end.error;
    s.dataset = end.dataset;
    s.existed = end.existed;
    if (end.status === 'completed' && end.dataset) {
      const id = end.dataset;
      void this.load().then(() => this.select(id));
    }
  }

  private record(jobId: string, patch: Partial<DataJobState>): void {
    const cur = this.jobs.get(jobId) ?? { info: null, end: null };
    this.jobs.set(jobId, { ...cur, ...patch });
    while (this.jobs.size > MAX_JOBS) {
      const oldest = this.jobs.keys().next().value;
      if (oldest === undefined) break;
      this.jobs.delete(oldest);
    }
  }
}
