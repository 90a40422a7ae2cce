/**
 * The training monitor: the training presets and form, the list of training runs, and the run being
 * watched (its metrics history for the live charts, checkpoints, quote curves, log and evaluation).
 *
 * Activated lazily (`activate()`, when the Training view first mounts): it then loads the presets and
 * the run list and subscribes to the `train.*` events for good (a run keeps being followed while
 * another tab is shown).
 *
 * Coalescing (as the replay store): a `train.metrics` event for the watched run only appends its
 * samples to a plain buffer and asks for one animation frame; the frame appends them to the history,
 * publishes the latest sample to MobX once (the status line re-renders once) and hands the new samples
 * to the chart listeners (`series.update`, no React render). Samples that arrive while the history is
 * being (re)loaded are held and merged after it, skipping steps the history already has, so the
 * charts' x values (steps) always increase.
 *
 * Bounded however long the run: the history is not kept sample by sample but as one min/max
 * decimated series per metric (charts/decimate.ts: `pointBound` points at most, the newest samples at
 * full resolution), fed alike by the server's history and the live samples (the same samples give
 * the same series whichever way they came), plus the newest RECENT_ROWS rows whole (the ETA's window,
 * the latest sample). A frame costs O(its new samples); a chart (re)mounting copies the decimated
 * series (O(bound)). The bound is DECIMATE_MAX_POINTS, or the page's `?trainChartPoints=` (32 …
 * 20,000: the end-to-end spec uses a small one to reach many times the bound in a short run).
 */
import { makeAutoObservable, observable, observableRef, runInAction } from 'mobx';
import type {
  TrainEvalReport,
  TrainingCheckpointRow,
  TrainingRunRow,
  TrainMetrics,
  TrainMetricsHistory,
  TrainPreset,
  TrainQuoteCurves,
} from '../../../core/api/contract';
import type { ApiClient } from '../api/transport';
import { DECIMATE_MAX_POINTS, DECIMATE_TAIL, MinMaxDecimator } from '../charts/decimate';
import type { LoadStatus } from './preset-store';
import type { FrameScheduler } from './replay-store';
import type { RootStore } from './root-store';

/** One sample as the charts read it (missing values undefined). */
export type TrainPoint = TrainMetrics;

/** A metric the store keeps a decimated series of. */
export type TrainSeriesKey = Exclude<keyof TrainPoint, 'step'>;

export interface TrainFrameBatch {
  /**
   * True: the history was (re)loaded or the listener is new: start from `series` (the decimated
   * history of each metric; copy it, do not push to it), `points` being only the newest rows.
   * False: append `points` (the new samples, steps increasing).
   */
  reset: boolean;
  points: readonly TrainPoint[];
  /** On a reset: the store's decimated series of a metric (undefined: no sample has it). */
  series?: (key: TrainSeriesKey) => MinMaxDecimator | undefined;
}

export type TrainFrameListener = (batch: TrainFrameBatch) => void;

export type TrainDetailState = 'idle' | 'loading' | 'ready' | 'error';

export const CURVES_REFRESH_MS = 3000;
/** Newest rows kept whole (the ETA looks back ETA_WINDOW_SEC of them: 300 at 10 samples/s). */
export const RECENT_ROWS = 1000;

/** The decimation bound: `?trainChartPoints=N` (32 … 20,000) or DECIMATE_MAX_POINTS. */
export function chartPointBound(search: string): number {
  const v = Number(new URLSearchParams(search).get('trainChartPoints') ?? NaN);
  return Number.isInteger(v) && v >= 32 && v <= 20_000 ? v : DECIMATE_MAX_POINTS;
}

/** Decimator options for a bound: the tail is 1/8 of it, at most DECIMATE_TAIL. */
export function decimatorOptions(maxPoints: number): { maxPoints: number; tail: number } {
  return { maxPoints, tail: Math.max(1, Math.min(DECIMATE_TAIL, Math.floor(maxPoints / 8))) };
}
const MAX_LOG = 200;
const CUSTOM = '__custom__';

/** The picker value that means "the YAML typed in the editor". */
export const CUSTOM_SOURCE = CUSTOM;

export function isLive(status: TrainingRunRow['status'] | undefined): boolean {
  return status === 'running' || status === 'paused';
}

export function canResumeFromCheckpoint(run: TrainingRunRow | undefined): boolean {
  if (!run) return false;
  return (
    (run.status === 'stopped' || run.status === 'failed' || run.status === 'incomplete') &&
    run.lastCheckpointStep !== null
  );
}

/** 120000 → "120,000" (grouping independent of the browser's locale). */
function groupDigits(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * The label of a run that ended short of its totalSteps, e.g. "step 120,000 of 300,000 — stopped by the
 * time budget" (budget.maxMinutes is a safety stop, not part of the recipe: its policy is not the one
 * the config asked for). Undefined for live runs, finished runs and runs that reached their budget.
 * Mirrors core/rl/train/run-label.ts progressLabel: the cause comes from the stored reason, which
 * names the time budget (timeBudgetReason).
 */
export function runProgressLabel(run: TrainingRunRow | undefined): string | undefined {
  if (!run || isLive(run.status) || run.status === 'finished') return undefined;
  const total = run.totalSteps;
  if (total === null || !(run.step < total)) return undefined;
  const why =
    run.status === 'failed'
      ? 'the run failed'
      : run.status === 'incomplete'
        ? 'the run was interrupted'
        : run.reason !== null && /\btime budget\b/.test(run.reason)
          ? 'stopped by the time budget'
          : 'stopped on request';
  return `step ${groupDigits(run.step)} of ${groupDigits(total)} — ${why}`;
}

/** Trainer time (elapsedSec) over which the ETA's step rate is observed. */
export const ETA_WINDOW_SEC = 30;

/**
 * Seconds a trainer still needs: (totalSteps − step) / rate, the rate being the steps done per second
 * of trainer time (elapsedSec) between the newest sample and the oldest one within `windowSec` before
 * it, among the samples of the current trainer (elapsedSec restarts when a run resumes from a
 * checkpoint, so the walk stops where it or the step goes back). Null until there are two such
 * samples with progress between them; 0 once the budget is spent.
 */
export function etaSeconds(points: readonly TrainPoint[], windowSec = ETA_WINDOW_SEC): number | null {
  const last = points[points.length - 1];
  if (!last || !(last.totalSteps > 0)) return null;
  if (last.step >= last.totalSteps) return 0;
  let first = last;
  for (let i = points.length - 2; i >= 0; i--) {
    const p = points[i];
    if (!p || !(p.elapsedSec < first.elapsedSec) || !(p.step < first.step)) break;
    first = p;
    if (last.elapsedSec - p.elapsedSec >= windowSec) break;
  }
  const dt = last.elapsedSec - first.elapsedSec;
  const ds = last.step - first.step;
  if (!(dt > 0) || !(ds > 0)) return null;
  return (last.totalSteps - last.step) / (ds / dt);
}

/** TrainMetricsHistory (column-wise) → points (row-wise). */
export function historyToPoints(h: TrainMetricsHistory): TrainPoint[] {
  const out: TrainPoint[] = [];
  for (let i = 0; i < h.step.length; i++) {
    const v = (
      k: Exclude<keyof TrainMetricsHistory, 'total' | 'downsampled' | 'step'>,
    ): number | undefined => {
      const x = h[k][i];
      return x === null || x === undefined ? undefined : x;
    };
    const p: TrainPoint = {
      step: h.step[i] ?? 0,
      totalSteps: v('totalSteps') ?? 0,
      updates: v('updates') ?? 0,
      episodes: v('episodes') ?? 0,
      elapsedSec: v('elapsedSec') ?? 0,
      stepsPerSec: v('stepsPerSec') ?? 0,
    };
    for (const k of [
      'episodeReturn',
      'episodePnl',
      'meanAbsInventory',
      'actorLoss',
      'criticLoss',
      'alpha',
      'entropy',
      'approxKl',
      'clipFraction',
      'evalReturn',
      'evalBaselineReturn',
    ] as const) {
      const x = v(k);
      if (x !== undefined) p[k] = x;
    }
    out.push(p);
  }
  return out;
}

export class TrainingStore {
  // ----- presets and form
  presets: TrainPreset[] = [];
  presetsStatus: LoadStatus = 'idle';
  presetId: string | null = null;
  yaml = '';
  /** True once the YAML differs from the preset's. */
  edited = false;
  name = '';
  starting = false;

  // ----- runs
  readonly runs = observable.map<string, TrainingRunRow>({}, { deep: false });
  listStatus: LoadStatus = 'idle';
  selectedId: string | null = null;
  detailState: TrainDetailState = 'idle';
  detailError = '';
  checkpoints: TrainingCheckpointRow[] = [];
  curves: TrainQuoteCurves | null = null;
  curvesError = '';
  logs: { at: string; line: string }[] = [];
  controlBusy = false;
  evalBusy = false;
  evalReport: TrainEvalReport | null = null;
  evalError = '';
  evalEpisodes = 20;
  /** Training paths to tune every baseline on before the evaluation (0: the config's untuned AS and GLFT). */
  evalTuneEpisodes = 10;
  /** Progress of the running evaluation (tuning, then the held-out paths). */
  evalProgress: { phase: 'tune' | 'eval'; done: number; total: number } | null = null;

  // ----- published once per frame
  latest: TrainMetrics | null = null;
  /**
   * The return of the last completed episode and the step it ended at. Most samples carry no
   * episodeReturn (none ended in that sample), so the latest sample alone would mostly show "—".
   */
  lastReturn: { value: number; step: number } | null = null;
  /** Samples of the watched run shown so far (history + live); data-samples in the view. */
  sampleCount = 0;
  /** Most points a chart series holds (decimation bound). */
  readonly pointBound: number;
  /** Of the history: was it reduced to buckets' minima and maxima (more samples than points)? */
  downsampled = false;
  /** etaSeconds of the watched run's samples (null: not enough samples yet). */
  etaSec: number | null = null;

  /**
   * The connection dropped while a run was shown as training: the trainer may have stopped, finished
   * or died with the server, so the live status is unknown until `resync()` asks the server again.
   */
  connectionLost = false;

  // ----- view options
  /** Draw the return and loss curves as their EMA (charts/ema.ts) over the faint raw curves. */
  smoothCurves = false;

  // ----- plain
  private activated = false;
  private unsubscribe: (() => void) | null = null;
  /** The decimated history of each metric, and the newest rows whole. */
  private series = new Map<TrainSeriesKey, MinMaxDecimator>();
  private recent: TrainPoint[] = [];
  private lastStep = Number.NEGATIVE_INFINITY;
  private samples = 0;
  private pending: TrainPoint[] = [];
  /** Live samples that arrived while the history was loading. */
  private held: TrainPoint[] = [];
  private loadingHistory = false;
  private loadSeq = 0;
  private frameRequested = false;
  private resetPending = false;
  private readonly frameListeners = new Set<TrainFrameListener>();
  private curvesTimer: ReturnType<typeof setInterval> | null = null;
  private curvesInFlight = false;
  private curvesAgain = false;

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
    private readonly schedule: FrameScheduler,
    opts: { pointBound?: number } = {},
  ) {
    this.pointBound = opts.pointBound ?? chartPointBound(globalThis.location?.search ?? '');
    makeAutoObservable<
      this,
      | 'api'
      | 'schedule'
      | 'activated'
      | 'unsubscribe'
      | 'series'
      | 'recent'
      | 'lastStep'
      | 'samples'
      | 'pending'
      | 'held'
      | 'loadingHistory'
      | 'loadSeq'
      | 'frameRequested'
      | 'resetPending'
      | 'frameListeners'
      | 'curvesTimer'
      | 'curvesInFlight'
      | 'curvesAgain'
      | 'onMetrics'
      | 'flush'
      | 'ingest'
      | 'seriesOf'
    >(
      this,
      {
        root: false,
        api: false,
        schedule: false,
        runs: false,
        presets: observableRef,
        checkpoints: observableRef,
        curves: observableRef,
        logs: observableRef,
        evalReport: observableRef,
        latest: observableRef,
        lastReturn: observableRef,
        activated: false,
        unsubscribe: false,
        pointBound: false,
        series: false,
        recent: false,
        lastStep: false,
        samples: false,
        pending: false,
        held: false,
        loadingHistory: false,
        loadSeq: false,
        frameRequested: false,
        resetPending: false,
        frameListeners: false,
        curvesTimer: false,
        curvesInFlight: false,
        curvesAgain: false,
        onMetrics: false,
        flush: false,
        ingest: false,
        seriesOf: false,
      },
      { autoBind: true },
    );
  }

  // -------------------------------------------------------------------------------- derived

  get sortedRuns(): TrainingRunRow[] {
    return [...this.runs.values()].sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
    );
  }

  get selected(): TrainingRunRow | undefined {
    return this.selectedId ? this.runs.get(this.selectedId) : undefined;
  }

  get preset(): TrainPreset | undefined {
    return this.presets.find((p) => p.id === this.presetId);
  }

  /** A run of this app is training now (the service trains one at a time). */
  get activeRun(): TrainingRunRow | undefined {
    return this.sortedRuns.find((r) => isLive(r.status));
  }

  get canStart(): boolean {
    if (this.starting || this.activeRun) return false;
    if (this.presetId === CUSTOM) return this.yaml.trim() !== '';
    return this.presetId !== null;
  }

  /**
   * What a run's card says: its stored status, or 'lost' while the connection is down for a run that
   * was live (a dead server's run must not keep saying "running").
   */
  shownStatus(run: TrainingRunRow): TrainingRunRow['status'] | 'lost' {
    return this.connectionLost && isLive(run.status) ? 'lost' : run.status;
  }

  /** The step shown: the latest sample's, else the run row's. */
  get step(): number {
    return this.latest?.step ?? this.selected?.step ?? 0;
  }

  /** runProgressLabel of the selected run (a run that ended short of its totalSteps). */
  get progressLabel(): string | undefined {
    return runProgressLabel(this.selected);
  }

  get progress(): number {
    const total = this.latest?.totalSteps ?? this.selected?.totalSteps ?? 0;
    return total > 0 ? Math.min(1, this.step / total) : 0;
  }

  // -------------------------------------------------------------------------------- lifecycle

  /** Load presets and runs and follow the train.* events (first call only). */
  activate(): void {
    if (this.activated) return;
    this.activated = true;
    const offs = [
      this.api.subscribe('train.metrics', (m) => this.onMetrics(m.runId, m.samples)),
      this.api.subscribe('train.status', (r) => this.onStatus(r)),
      this.api.subscribe('train.checkpoint', (c) => this.onCheckpoint(c.runId, c.checkpoint)),
      this.api.subscribe('train.log', (l) => this.onLog(l.runId, l.at, l.line)),
      this.api.subscribe('train.evalProgress', (p) => this.onEvalProgress(p.runId, p.phase, p.done, p.total)),
    ];
    this.unsubscribe = () => {
      for (const off of offs) off();
    };
    void this.loadPresets();
    void this.loadList();
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.stopCurvesPolling();
    this.frameListeners.clear();
  }

  async loadPresets(): Promise<void> {
    this.presetsStatus = 'loading';
    try {
      const presets = await this.api.call('train.presets', {});
      runInAction(() => {
        this.presets = presets;
        this.presetsStatus = 'ready';
        if (this.presetId === null && presets[0]) this.selectPreset(presets[0].id);
      });
    } catch (e) {
      runInAction(() => {
        this.presetsStatus = 'error';
      });
      this.root.ui.reportError('Loading the training presets failed', e);
    }
  }

  async loadList(): Promise<void> {
    if (this.listStatus !== 'ready') this.listStatus = 'loading';
    try {
      const rows = await this.api.call('train.list', { limit: 200 });
      runInAction(() => {
        this.runs.clear();
        for (const r of rows) this.runs.set(r.id, r);
        this.listStatus = 'ready';
        if (this.selectedId === null) {
          const first = rows.find((r) => isLive(r.status)) ?? rows[0];
          if (first) void this.select(first.id);
        }
      });
    } catch (e) {
      runInAction(() => {
        this.listStatus = 'error';
      });
      this.root.ui.reportError('Loading the training runs failed', e);
    }
  }

  /** The connection dropped (UiStore): live runs are shown as state unknown. */
  onConnectionLost(): void {
    if (!this.activated) return;
    if ([...this.runs.values()].some((r) => isLive(r.status))) this.connectionLost = true;
  }

  /**
   * The connection is back: reload the run list (a run the server saw die is 'incomplete' now, one
   * that went on is still live) and the watched run's history, checkpoints and row, instead of
   * assuming. The "lost" state ends when the list has answered.
   */
  async resync(): Promise<void> {
    if (!this.activated) return;
    await this.loadList();
    runInAction(() => {
      if (this.listStatus === 'ready') this.connectionLost = false;
    });
    const id = this.selectedId;
    if (id === null) return;
    await this.loadDetail(id);
    const run = this.selected;
    // A run that died with the server and left no checkpoint has no policy to draw any more.
    if (run && !isLive(run.status) && run.lastCheckpointStep === null)
      runInAction(() => {
        this.curves = null;
      });
    else void this.refreshCurves();
  }

  // -------------------------------------------------------------------------------- form

  selectPreset(id: string): void {
    this.presetId = id;
    if (id === CUSTOM) return;
    const p = this.presets.find((x) => x.id === id);
    if (!p) return;
    this.yaml = p.yaml;
    this.edited = false;
  }

  setYaml(text: string): void {
    this.yaml = text;
    this.edited = true;
  }

  setName(name: string): void {
    this.name = name;
  }

  setSmoothCurves(on: boolean): void {
    this.smoothCurves = on;
  }

  setEvalEpisodes(n: number): void {
    if (Number.isInteger(n) && n >= 1 && n <= 10_000) this.evalEpisodes = n;
  }

  // -------------------------------------------------------------------------------- actions

  async start(): Promise<void> {
    if (!this.canStart || this.presetId === null) return;
    const source = this.presetId === CUSTOM || this.edited ? { yaml: this.yaml } : { preset: this.presetId };
    const name = this.name.trim();
    this.starting = true;
    try {
      const row = await this.api.call('train.start', { ...source, ...(name ? { name } : {}) });
      runInAction(() => {
        this.runs.set(row.id, row);
      });
      await this.select(row.id);
    } catch (e) {
      this.root.ui.reportError('The training could not start', e);
    } finally {
      runInAction(() => {
        this.starting = false;
      });
    }
  }

  pause(): Promise<void> {
    return this.control('pause');
  }

  resume(): Promise<void> {
    return this.control('resume');
  }

  stop(): Promise<void> {
    return this.control('stop');
  }

  /** Space: pause ↔ resume of the watched run. */
  togglePause(): Promise<void> {
    const s = this.selected?.status;
    if (s === 'running') return this.pause();
    if (s === 'paused') return this.resume();
    return Promise.resolve();
  }

  /** Continue the watched (stopped/failed/incomplete) run from its newest checkpoint. */
  async resumeFromCheckpoint(): Promise<void> {
    const run = this.selected;
    if (!run || !canResumeFromCheckpoint(run)) return;
    this.controlBusy = true;
    try {
      const row = await this.api.call('train.resume', { id: run.id });
      runInAction(() => {
        this.runs.set(row.id, row);
      });
      // The service may have dropped samples beyond the checkpoint: reload the history.
      await this.loadDetail(row.id);
    } catch (e) {
      this.root.ui.reportError('Resuming from the checkpoint failed', e);
    } finally {
      runInAction(() => {
        this.controlBusy = false;
      });
    }
  }

  async evaluate(): Promise<void> {
    const run = this.selected;
    if (!run || this.evalBusy) return;
    this.evalBusy = true;
    this.evalError = '';
    this.evalProgress = null;
    try {
      const report = await this.api.call('train.evaluate', {
        id: run.id,
        episodes: this.evalEpisodes,
        tuneEpisodes: this.evalTuneEpisodes,
      });
      runInAction(() => {
        if (this.selectedId === run.id) this.evalReport = report;
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      runInAction(() => {
        if (this.selectedId === run.id) this.evalError = message;
      });
      this.root.ui.reportError('Evaluating against the baselines failed', e);
    } finally {
      runInAction(() => {
        this.evalBusy = false;
        this.evalProgress = null;
      });
    }
  }

  setEvalTuneEpisodes(n: number): void {
    if (Number.isInteger(n) && n >= 0 && n <= 1000) this.evalTuneEpisodes = n;
  }

  onEvalProgress(runId: string, phase: 'tune' | 'eval', done: number, total: number): void {
    if (runId !== this.selectedId || !this.evalBusy) return;
    this.evalProgress = { phase, done, total };
  }

  private async control(action: 'pause' | 'resume' | 'stop'): Promise<void> {
    const run = this.selected;
    if (!run) return;
    this.controlBusy = true;
    try {
      const row = await this.api.call('train.control', { id: run.id, action });
      runInAction(() => {
        const cur = this.runs.get(row.id);
        if (!cur || cur.updatedAt <= row.updatedAt) this.runs.set(row.id, row);
      });
    } catch (e) {
      this.root.ui.reportError(`Training ${action} failed`, e);
    } finally {
      runInAction(() => {
        this.controlBusy = false;
      });
    }
  }

  // -------------------------------------------------------------------------------- watched run

  async select(id: string | null): Promise<void> {
    if (this.selectedId === id && this.detailState !== 'error') return;
    this.selectedId = id;
    this.checkpoints = [];
    this.curves = null;
    this.curvesError = '';
    this.logs = [];
    this.evalReport = null;
    this.evalError = '';
    if (id === null) {
      this.resetHistory([]);
      this.detailState = 'idle';
      return;
    }
    await this.loadDetail(id);
    void this.refreshCurves();
  }

  /** (Re)load the watched run's history, checkpoints and row; live samples are held meanwhile. */
  async loadDetail(id: string): Promise<void> {
    const seq = ++this.loadSeq;
    this.loadingHistory = true;
    this.held = [];
    this.detailState = 'loading';
    try {
      const d = await this.api.call('train.get', { id, maxPoints: 2000 });
      if (seq !== this.loadSeq || this.selectedId !== id) return;
      const points = historyToPoints(d.metrics);
      for (const p of this.held) if (p.step > (points[points.length - 1]?.step ?? -Infinity)) points.push(p);
      this.held = [];
      this.loadingHistory = false;
      runInAction(() => {
        this.runs.set(d.run.id, d.run);
        this.checkpoints = d.checkpoints;
        this.downsampled = d.metrics.downsampled;
        this.detailState = 'ready';
      });
      this.resetHistory(points);
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.loadingHistory = false;
      const message = e instanceof Error ? e.message : String(e);
      runInAction(() => {
        this.detailState = 'error';
        this.detailError = message;
      });
      this.root.ui.reportError('Loading the training run failed', e);
    }
  }

  async refreshCurves(): Promise<void> {
    const run = this.selected;
    if (!run) return;
    if (this.curvesInFlight) {
      // A request is out (e.g. the live policy's, sent just before the run stopped): ask again when
      // it answers, so the final policy's curves replace it rather than being dropped.
      this.curvesAgain = true;
      return;
    }
    if (run.lastCheckpointStep === null && !isLive(run.status)) return;
    if (isLive(run.status) && run.backend === null) return; // the trainer is still starting
    this.curvesInFlight = true;
    try {
      const c = await this.api.call('train.quoteCurves', { id: run.id });
      runInAction(() => {
        if (this.selectedId === run.id) {
          this.curves = c;
          this.curvesError = '';
        }
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      runInAction(() => {
        if (this.selectedId === run.id) this.curvesError = message;
      });
    } finally {
      this.curvesInFlight = false;
      if (this.curvesAgain) {
        this.curvesAgain = false;
        void this.refreshCurves();
      }
    }
  }

  /** While the view is mounted: refresh a live run's quote curves every few seconds. */
  startCurvesPolling(): () => void {
    this.stopCurvesPolling();
    this.curvesTimer = setInterval(() => {
      if (isLive(this.selected?.status)) void this.refreshCurves();
    }, CURVES_REFRESH_MS);
    return () => this.stopCurvesPolling();
  }

  private stopCurvesPolling(): void {
    if (this.curvesTimer) clearInterval(this.curvesTimer);
    this.curvesTimer = null;
  }

  // -------------------------------------------------------------------------------- events

  /** Hot path: buffers only (no MobX) for the watched run. */
  onMetrics(runId: string, samples: readonly TrainMetrics[]): void {
    if (runId !== this.selectedId) return;
    if (this.loadingHistory) {
      for (const s of samples) this.held.push(s);
      return;
    }
    for (const s of samples) this.pending.push(s);
    this.requestFrame();
  }

  onStatus(row: TrainingRunRow): void {
    const prev = this.runs.get(row.id);
    this.runs.set(row.id, row);
    if (row.id !== this.selectedId) return;
    if (prev && prev.status !== row.status && !isLive(row.status)) {
      // The run ended: the final checkpoint and the final policy's curves are there now.
      void this.refreshCurves();
    }
    // A (re)started trainer: show its live policy as soon as it answers.
    if (isLive(row.status) && row.backend !== null && this.curves?.source !== 'live')
      void this.refreshCurves();
  }

  onCheckpoint(runId: string, c: TrainingCheckpointRow): void {
    if (runId !== this.selectedId) return;
    this.checkpoints = [...this.checkpoints.filter((x) => x.id !== c.id), c].sort((a, b) => a.step - b.step);
  }

  onLog(runId: string, at: string, line: string): void {
    if (runId !== this.selectedId) return;
    this.logs = [...this.logs, { at, line }].slice(-MAX_LOG);
  }

  // -------------------------------------------------------------------------------- frames

  /** Registers a chart: it gets the decimated history (reset), then each frame's new samples. */
  addFrameListener(l: TrainFrameListener): () => void {
    this.frameListeners.add(l);
    l({ reset: true, points: this.recent, series: (k) => this.series.get(k) });
    return () => this.frameListeners.delete(l);
  }

  /** The decimated series of a metric (for tests and listeners; do not push to it). */
  seriesOf(key: TrainSeriesKey): MinMaxDecimator | undefined {
    return this.series.get(key);
  }

  private resetHistory(points: readonly TrainPoint[]): void {
    this.series = new Map();
    this.recent = [];
    this.lastStep = Number.NEGATIVE_INFINITY;
    this.samples = 0;
    for (const p of points) this.ingest(p);
    this.pending = [];
    this.resetPending = true;
    this.requestFrame();
  }

  /** Adds a sample to the history (false: its step does not advance it, skipped). O(1) amortized. */
  private ingest(p: TrainPoint): boolean {
    if (!(p.step > this.lastStep)) return false;
    this.lastStep = p.step;
    this.samples++;
    this.recent.push(p);
    if (this.recent.length > 2 * RECENT_ROWS) this.recent = this.recent.slice(-RECENT_ROWS);
    for (const key of Object.keys(p) as (keyof TrainPoint)[]) {
      if (key === 'step') continue;
      const y = p[key];
      if (y === undefined || !Number.isFinite(y)) continue;
      let d = this.series.get(key);
      if (d === undefined) {
        d = new MinMaxDecimator(decimatorOptions(this.pointBound));
        this.series.set(key, d);
      }
      d.push({ x: p.step, y });
    }
    return true;
  }

  private requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    this.schedule(() => this.flush());
  }

  /** Once per animation frame. */
  flush(): void {
    this.frameRequested = false;
    const reset = this.resetPending;
    this.resetPending = false;
    const added: TrainPoint[] = [];
    for (const p of this.pending) if (this.ingest(p)) added.push(p);
    this.pending = [];
    const latest = this.recent[this.recent.length - 1] ?? null;
    let ended: { value: number; step: number } | undefined;
    for (let i = added.length - 1; i >= 0 && !ended; i--) {
      const p = added[i];
      if (p?.episodeReturn !== undefined && Number.isFinite(p.episodeReturn))
        ended = { value: p.episodeReturn, step: p.step };
    }
    if (!ended && reset) {
      const last = this.series.get('episodeReturn')?.last;
      if (last) ended = { value: last.y, step: last.x };
    }
    runInAction(() => {
      this.latest = latest;
      if (ended) this.lastReturn = ended;
      else if (reset) this.lastReturn = null;
      this.sampleCount = this.samples;
      if (reset || added.length > 0) this.etaSec = etaSeconds(this.recent);
    });
    if (reset || added.length > 0) {
      const batch: TrainFrameBatch = reset
        ? { reset: true, points: this.recent, series: (k) => this.series.get(k) }
        : { reset: false, points: added };
      for (const l of this.frameListeners) l(batch);
    }
  }
}
