/**
 * The Backtest form and its one running job. The YAML text is the source of truth (see
 * lib/config-yaml.ts); the preset picker, file loader, seed/paths inputs and strategy checkboxes edit
 * it. Run sends `backtest.start {yaml}`, follows `job.progress` / `job.done` for its job id, and on
 * completion shows the stored run (runs.get) below the form; Cancel calls `jobs.cancel`.
 */
import { makeAutoObservable, runInAction } from 'mobx';
import type { ConfigIssueInfo, EventPayload, RunLabel } from '../../../core/api/contract';
import type { ApiClient } from '../api/transport';
import {
  inspectConfig,
  setStrategyEnabled,
  scenarioOf,
  setReplayScenario,
  setScenario,
  setTopLevel,
  type QueueChoice,
  type ConfigInfo,
  type StrategyType,
} from '../lib/config-yaml';
import type { RootStore } from './root-store';

/** `lost`: the connection dropped while the job ran, so its state is unknown until a re-sync. */
export type JobPhase = 'starting' | 'running' | 'completed' | 'cancelling' | 'cancelled' | 'failed' | 'lost';

export interface ActiveJob {
  jobId: string | null;
  runId: string | null;
  phase: JobPhase;
  done: number;
  total: number;
  strategy: string;
  error: string | null;
  startedAtMs: number;
  finishedAtMs: number | null;
}

type JobEvent =
  | { topic: 'job.progress'; payload: EventPayload<'job.progress'> }
  | { topic: 'job.done'; payload: EventPayload<'job.done'> };

export type YamlSource = { kind: 'preset'; id: string } | { kind: 'file'; name: string } | { kind: 'none' };

export class BacktestStore {
  presetId: string | null = null;
  yaml = '';
  source: YamlSource = { kind: 'none' };
  /** True once the text differs from what the preset or file gave. */
  edited = false;
  keepPaths = 3;
  job: ActiveJob | null = null;
  /** The run whose results are shown under the form. */
  shownRunId: string | null = null;
  /** Why the last checkbox or input edit could not be applied (invalid YAML). */
  editError: string | null = null;
  /**
   * The server's check of the text being edited (`scenarios.validate`, debounced): the issues with
   * line/column, for the YAML text they were computed for. Null until checked or while YAML is broken.
   */
  validation: {
    yaml: string;
    file: string;
    issues: ConfigIssueInfo[];
    runs: RunLabel[];
    runCount: number;
  } | null = null;
  /** Debounce of the server check while typing. */
  validateDelayMs = 400;
  /** Events for a job id we have not learned yet (they can race the backtest.start answer). */
  private early: JobEvent[] = [];
  private validateTimer: ReturnType<typeof setTimeout> | null = null;
  /** The simulated scenario that replay mode replaced (restored by setMarket('simulated')). */
  private simulatedScenario: unknown = undefined;

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
    private readonly now: () => number = () => Date.now(),
  ) {
    makeAutoObservable<this, 'api' | 'now' | 'early' | 'validateTimer' | 'simulatedScenario'>(
      this,
      { root: false, api: false, now: false, early: false, validateTimer: false, simulatedScenario: false },
      { autoBind: true },
    );
  }

  // -------------------------------------------------------------------------------- derived state

  get config(): ConfigInfo {
    return inspectConfig(this.yaml);
  }

  /**
   * The runs the current text expands to, as the server expands them (scenarios.validate): null while
   * the text has not been checked yet or does not validate.
   */
  get runs(): { count: number; list: RunLabel[] } | null {
    const v = this.validation;
    if (!v || v.yaml !== this.yaml || v.issues.length > 0) return null;
    return { count: v.runCount, list: v.runs };
  }

  get running(): boolean {
    const p = this.job?.phase;
    return p === 'starting' || p === 'running' || p === 'cancelling';
  }

  /** 0..1 (0 while the total is unknown). */
  get progress(): number {
    const j = this.job;
    if (!j) return 0;
    if (j.phase === 'completed') return 1;
    return j.total > 0 ? Math.min(1, j.done / j.total) : 0;
  }

  /** The name the config's messages use: the loaded file's name, else "config.yaml". */
  get fileName(): string {
    return this.source.kind === 'file' ? this.source.name : 'config.yaml';
  }

  /** Server-side issues of the current text (empty while unchecked or stale). */
  get issues(): ConfigIssueInfo[] {
    const v = this.validation;
    return v && v.yaml === this.yaml ? v.issues : [];
  }

  get canRun(): boolean {
    const c = this.config;
    return !this.running && c.ok && c.types.size > 0;
  }

  // -------------------------------------------------------------------------------- form edits

  onPresetsLoaded(): void {
    if (this.presetId !== null || this.source.kind === 'file') return;
    const first = this.root.presets.list.find((p) => p.mode === 'intensity') ?? this.root.presets.list[0];
    if (first) this.selectPreset(first.id);
  }

  selectPreset(id: string): void {
    const preset = this.root.presets.get(id);
    if (!preset) return;
    this.presetId = id;
    this.yaml = preset.yaml;
    this.source = { kind: 'preset', id };
    this.simulatedScenario = undefined;
    this.edited = false;
    this.editError = null;
    this.scheduleValidate();
  }

  setYaml(text: string): void {
    this.yaml = text;
    this.edited = true;
    this.editError = null;
    this.scheduleValidate();
  }

  loadFile(name: string, text: string): void {
    this.yaml = text;
    this.source = { kind: 'file', name };
    this.edited = false;
    this.editError = null;
    this.scheduleValidate();
  }

  /** Checks the text on the server `validateDelayMs` after the last edit. */
  scheduleValidate(): void {
    if (this.validateTimer) clearTimeout(this.validateTimer);
    this.validateTimer = setTimeout(() => {
      this.validateTimer = null;
      void this.validateNow();
    }, this.validateDelayMs);
  }

  /** Checks the current text now (YAML the page cannot parse is left to its own inline error). */
  async validateNow(): Promise<void> {
    if (this.validateTimer) clearTimeout(this.validateTimer);
    this.validateTimer = null;
    const yaml = this.yaml;
    const file = this.fileName;
    if (!this.config.ok) {
      this.validation = null;
      return;
    }
    try {
      const v = await this.api.call('scenarios.validate', { yaml, file });
      runInAction(() => {
        if (this.yaml === yaml)
          this.validation = { yaml, file: v.file, issues: v.issues, runs: v.runs, runCount: v.runCount };
      });
    } catch {
      // A check while typing is advisory: Run reports any problem with a banner.
    }
  }

  setSeed(seed: number): void {
    if (Number.isInteger(seed) && seed >= 0) this.edit((t) => setTopLevel(t, 'seed', seed));
  }

  setPaths(paths: number): void {
    if (Number.isInteger(paths) && paths > 0) this.edit((t) => setTopLevel(t, 'paths', paths));
  }

  /**
   * Replay mode (issue 11 §6): the market becomes a catalog dataset replayed with a queue model; the
   * simulated scenario it replaced is kept and restored when switching back.
   */
  setMarket(market: 'simulated' | 'replay'): void {
    const c = this.config;
    if (!c.ok) return;
    if (market === 'replay') {
      if (c.mode === 'replay') return;
      const dataset = this.root.calibration.datasetId ?? this.root.data.list[0]?.id;
      if (!dataset) {
        this.editError = 'no dataset to replay: import one in the Data view first';
        return;
      }
      this.simulatedScenario = scenarioOf(this.yaml);
      this.edit((t) => setReplayScenario(t, dataset, 'auto'));
      return;
    }
    if (c.mode !== 'replay') return;
    const saved = this.simulatedScenario;
    if (saved !== undefined) this.edit((t) => setScenario(t, saved));
    else if (this.presetId) this.selectPreset(this.presetId);
  }

  setReplayDataset(dataset: string): void {
    const c = this.config;
    if (c.ok && c.replay) this.edit((t) => setReplayScenario(t, dataset, c.replay?.queue ?? 'auto'));
  }

  setQueueModel(queue: QueueChoice): void {
    const c = this.config;
    if (c.ok && c.replay?.dataset) {
      const dataset = c.replay.dataset;
      this.edit((t) => setReplayScenario(t, dataset, queue));
    }
  }

  setKeepPaths(n: number): void {
    if (Number.isInteger(n) && n >= 0 && n <= 50) this.keepPaths = n;
  }

  toggleStrategy(type: StrategyType, enabled: boolean): void {
    const presetYaml = this.root.presets.get(this.presetId)?.yaml;
    this.edit((t) => setStrategyEnabled(t, type, enabled, presetYaml));
  }

  private edit(f: (text: string) => string): void {
    try {
      const next = f(this.yaml);
      if (next !== this.yaml) {
        this.yaml = next;
        this.edited = true;
        this.scheduleValidate();
      }
      this.editError = null;
    } catch (e) {
      this.editError = e instanceof Error ? e.message : String(e);
    }
  }

  // -------------------------------------------------------------------------------- the job

  /** Subscribes to job events for the store's lifetime; returns the disposer. */
  listen(): () => void {
    const offProgress = this.api.subscribe('job.progress', (p) =>
      this.onJobEvent({ topic: 'job.progress', payload: p }),
    );
    const offDone = this.api.subscribe('job.done', (p) => this.onJobEvent({ topic: 'job.done', payload: p }));
    return () => {
      offProgress();
      offDone();
    };
  }

  /** After a reload: follow a backtest that is still running on the server. */
  async attachRunningJob(): Promise<void> {
    try {
      const jobs = await this.api.call('jobs.list', {});
      const j = jobs[0];
      if (!j || this.job) return;
      runInAction(() => {
        this.job = {
          jobId: j.jobId,
          runId: j.runId,
          phase: 'running',
          done: j.done,
          total: j.total,
          strategy: '',
          error: null,
          startedAtMs: new Date(j.startedAt).getTime(),
          finishedAtMs: null,
        };
      });
    } catch {
      // Not worth a banner: the list of jobs is a convenience after a reload.
    }
  }

  async start(): Promise<void> {
    if (!this.canRun) return;
    this.early = [];
    this.job = {
      jobId: null,
      runId: null,
      phase: 'starting',
      done: 0,
      total: 0,
      strategy: '',
      error: null,
      startedAtMs: this.now(),
      finishedAtMs: null,
    };
    try {
      const { jobId, runId } = await this.api.call('backtest.start', {
        yaml: this.yaml,
        keepPaths: this.keepPaths,
        ...(this.source.kind === 'file' ? { file: this.source.name } : {}),
      });
      runInAction(() => {
        if (!this.job) return;
        this.job.jobId = jobId;
        this.job.runId = runId;
        if (this.job.phase === 'starting') this.job.phase = 'running';
      });
      void this.root.runs.loadList();
      const early = this.early.filter((e) => e.payload.jobId === jobId);
      this.early = [];
      for (const e of early) this.onJobEvent(e);
    } catch (e) {
      runInAction(() => {
        this.job = null;
      });
      this.root.ui.reportError('The backtest could not start', e);
    }
  }

  async cancel(): Promise<void> {
    const j = this.job;
    if (!j || !j.jobId || !this.running) return;
    j.phase = 'cancelling';
    try {
      const { cancelled } = await this.api.call('jobs.cancel', { jobId: j.jobId });
      if (!cancelled) {
        // The job ended between the click and the call; its job.done event settles the phase.
        runInAction(() => {
          if (this.job?.phase === 'cancelling') this.job.phase = 'running';
        });
      }
    } catch (e) {
      runInAction(() => {
        if (this.job?.phase === 'cancelling') this.job.phase = 'running';
      });
      this.root.ui.reportError('Cancelling the backtest failed', e);
    }
  }

  /**
   * The connection dropped: a job shown as running may have finished, failed or died with the
   * server, so it is marked `lost` (state unknown) and its elapsed-time clock stops.
   */
  onConnectionLost(): void {
    const j = this.job;
    if (!j || !this.running) return;
    j.phase = 'lost';
    j.finishedAtMs = this.now();
  }

  /** The connection is back: ask the server what became of a `lost` job instead of assuming. */
  async resync(): Promise<void> {
    void this.root.runs.loadList();
    const j = this.job;
    if (!j || j.phase !== 'lost' || !j.jobId) return;
    try {
      const jobs = await this.api.call('jobs.list', {});
      const live = jobs.find((x) => x.jobId === j.jobId);
      if (live) {
        runInAction(() => {
          if (this.job !== j || j.phase !== 'lost') return;
          j.phase = 'running';
          j.done = live.done;
          j.total = live.total;
          j.finishedAtMs = null;
        });
        return;
      }
      if (!j.runId) return;
      const detail = await this.api.call('runs.get', { runId: j.runId });
      runInAction(() => {
        if (this.job !== j || j.phase !== 'lost') return;
        const status = detail.run.status;
        if (status === 'completed') {
          j.phase = 'completed';
          j.done = j.total;
          this.shownRunId = detail.run.id;
          void this.root.runs.fetchDetail(detail.run.id, true);
        } else if (status === 'cancelled') {
          j.phase = 'cancelled';
        } else if (status === 'failed') {
          j.phase = 'failed';
          j.error = detail.run.error;
        }
      });
    } catch {
      // Still `lost`: the card keeps saying the state is unknown rather than guessing.
    }
  }

  clearShownRun(): void {
    this.shownRunId = null;
  }

  dismissJob(): void {
    if (!this.running) this.job = null;
  }

  private onJobEvent(e: JobEvent): void {
    const j = this.job;
    if (!j) return;
    if (j.phase === 'lost') return;
    if (j.jobId === null) {
      if (j.phase === 'starting') this.early.push(e);
      return;
    }
    if (e.payload.jobId !== j.jobId) return;
    if (e.topic === 'job.progress') {
      j.done = e.payload.done;
      j.total = e.payload.total;
      j.strategy = e.payload.strategy;
      return;
    }
    const { status, error, runId } = e.payload;
    j.finishedAtMs = this.now();
    if (status === 'completed') {
      j.phase = 'completed';
      j.done = j.total;
      this.shownRunId = runId;
      void this.root.runs.fetchDetail(runId, true);
    } else if (status === 'cancelled') {
      j.phase = 'cancelled';
      this.root.ui.notify(
        'warning',
        'Backtest cancelled',
        'The run was stopped; it is kept in Runs with status cancelled.',
      );
    } else {
      j.phase = 'failed';
      j.error = error;
      this.root.ui.reportError('The backtest failed', new Error(error ?? 'unknown error'));
    }
    void this.root.runs.loadList();
  }
}
