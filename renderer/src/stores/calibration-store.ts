/**
 * The Calibration view's state: the dataset being calibrated, its stored fit (calibration.get), a fit
 * job (calibration.fit, followed through DataStore.jobs) and "save as scenario"
 * (calibration.saveScenario), after which the presets are reloaded so the Backtest view offers the new
 * scenario, and "Open in Backtest" selects it there.
 */
import { makeAutoObservable, runInAction } from 'mobx';
import type { CalibrationResult, EventPayload, ScenarioPreset } from '../../../core/api/contract';
import { toCallError } from '../api/errors';
import type { ApiClient } from '../api/transport';
import type { DataJobState } from './data-store';
import type { RootStore } from './root-store';

/** `unknown`: the fit ended while the connection was down (its data.done was missed). */
export type FitPhase = 'starting' | 'running' | 'completed' | 'failed' | 'cancelled' | 'unknown';

export class CalibrationStore {
  datasetId: string | null = null;
  result: CalibrationResult | null = null;
  resultStatus: 'idle' | 'loading' | 'ready' | 'none' | 'error' = 'idle';
  jobId: string | null = null;
  phase: FitPhase | null = null;
  error: string | null = null;
  scenarioName = '';
  saving = false;
  saved: ScenarioPreset | null = null;
  saveError: string | null = null;

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
  ) {
    makeAutoObservable<this, 'api'>(this, { root: false, api: false }, { autoBind: true });
  }

  get running(): boolean {
    return this.phase === 'starting' || this.phase === 'running';
  }

  get job(): DataJobState | undefined {
    return this.jobId ? this.root.data.jobs.get(this.jobId) : undefined;
  }

  /** After the catalog loads: pick the selected (or first) dataset when none is chosen. */
  onDatasetsLoaded(): void {
    if (this.datasetId && this.root.data.datasets.has(this.datasetId)) return;
    const first = this.root.data.selectedId ?? this.root.data.list[0]?.id;
    if (first) void this.selectDataset(first);
  }

  async selectDataset(id: string): Promise<void> {
    if (this.running) return;
    this.datasetId = id;
    this.result = null;
    this.phase = null;
    this.error = null;
    this.saved = null;
    this.saveError = null;
    const info = this.root.data.datasets.get(id);
    this.scenarioName = defaultScenarioName(info?.name ?? id);
    await this.loadResult(id);
  }

  setScenarioName(name: string): void {
    this.scenarioName = name;
    this.saveError = null;
  }

  async fit(): Promise<void> {
    const id = this.datasetId;
    if (!id || this.running) return;
    this.phase = 'starting';
    this.error = null;
    this.saved = null;
    try {
      const { jobId } = await this.api.call('calibration.fit', { dataset: id });
      runInAction(() => {
        this.jobId = jobId;
        if (this.phase === 'starting') this.phase = 'running';
      });
      const early = this.root.data.jobs.get(jobId)?.end;
      if (early) this.onJobDone(early);
    } catch (e) {
      runInAction(() => {
        this.phase = 'failed';
        this.error = toCallError(e).message;
      });
    }
  }

  async cancel(): Promise<void> {
    if (!this.jobId || !this.running) return;
    try {
      await this.api.call('jobs.cancel', { jobId: this.jobId });
    } catch (e) {
      this.root.ui.reportError('Cancelling the fit failed', e);
    }
  }

  onJobDone(end: EventPayload<'data.done'>): void {
    if (end.jobId !== this.jobId || !this.running) return;
    this.phase = end.status;
    this.error = end.error;
    if (end.status === 'completed' && end.dataset !== null && end.dataset === this.datasetId)
      void this.loadResult(end.dataset);
  }

  /** Follow a fit that was already running (the page was reloaded while it ran). */
  attach(jobId: string, dataset: string): void {
    if (this.running) return;
    this.datasetId = dataset;
    this.jobId = jobId;
    this.phase = 'running';
    this.error = null;
    const info = this.root.data.datasets.get(dataset);
    this.scenarioName = defaultScenarioName(info?.name ?? dataset);
  }

  /** After a reconnect (DataStore.resync): a followed fit that no longer runs ended unseen. */
  async resync(running: ReadonlySet<string>): Promise<void> {
    if (this.phase !== 'running' || !this.jobId || running.has(this.jobId)) return;
    if (this.root.data.jobs.get(this.jobId)?.end) return;
    this.phase = 'unknown';
    if (this.datasetId) await this.loadResult(this.datasetId);
  }

  async saveScenario(): Promise<void> {
    const dataset = this.datasetId;
    if (!dataset || !this.result || this.saving) return;
    this.saving = true;
    this.saveError = null;
    try {
      const { preset } = await this.api.call('calibration.saveScenario', {
        dataset,
        name: this.scenarioName,
      });
      await this.root.presets.load();
      runInAction(() => {
        this.saved = preset;
      });
    } catch (e) {
      runInAction(() => {
        this.saveError = toCallError(e).message;
      });
    } finally {
      runInAction(() => {
        this.saving = false;
      });
    }
  }

  /** Show the saved scenario in the Backtest view. */
  openInBacktest(): void {
    if (!this.saved) return;
    this.root.backtest.selectPreset(this.saved.id);
    this.root.ui.setTab('backtest');
  }

  private async loadResult(id: string): Promise<void> {
    this.resultStatus = 'loading';
    try {
      const result = await this.api.call('calibration.get', { dataset: id });
      runInAction(() => {
        if (this.datasetId !== id) return;
        this.result = result;
        this.resultStatus = 'ready';
      });
    } catch (e) {
      const err = toCallError(e);
      runInAction(() => {
        if (this.datasetId !== id) return;
        this.result = null;
        this.resultStatus = err.code === 'not_found' ? 'none' : 'error';
      });
      if (err.code !== 'not_found') this.root.ui.reportError('Loading the calibration failed', e);
    }
  }
}

/** "calib-<dataset name>" reduced to the characters a scenario name may hold. */
export function defaultScenarioName(datasetName: string): string {
  const clean = datasetName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return `calib-${clean}`.slice(0, 60);
}
