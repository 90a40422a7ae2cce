/**
 * The live order-book replay: one session (replay.start / replay.control) streamed as `book.snapshot`
 * batches, rendered at most once per animation frame. The session plays the simulated book of a
 * preset (or the Backtest editor's config), or a dataset of the catalog: then the config's scenario
 * becomes a replay of it (lib/config-yaml setReplayScenario, as the Backtest view's replay mode) and
 * its strategy quotes against the recorded book. `seek` moves the session to a time (the chart restarts
 * there).
 *
 * Coalescing. Each snapshot event does only cheap, non-observable work: it replaces `latest`, adds
 * its `updates` to a counter, folds its chart ticks into sim-time buckets (one point per bucket,
 * last value wins) and appends its trades. The first event after a frame asks for one
 * requestAnimationFrame; that frame publishes the latest snapshot to MobX once (the ladder and
 * tickers re-render once) and hands the new chart points to the frame listeners (the chart calls
 * `series.update` per new bucket, never `setData` per event). However many events arrive between two
 * frames, the page does one render per frame.
 *
 * Chart time. lightweight-charts needs strictly increasing times per series. Points are bucketed on
 * sim time with a width that grows with the replay speed (so the chart advances at a readable rate)
 * and bucket times never go backwards (a later point in the same or an earlier bucket replaces the
 * last bar), so `series.update` is always legal.
 *
 * Regular grid. lightweight-charts places points by index, not by time, so the chart's time axis is
 * proportional to sim time only if every bucket is present: a bucket with no tick carries the last
 * bucket's values forward (the quotes did not change), and when the bucket width changes (a new
 * speed, or the adaptive width at full speed) the whole history is re-gridded onto the new width and
 * the listeners get a reset. So consecutive chart times always differ by exactly `chartBucketWidth`.
 */
import { makeAutoObservable, observableRef, reaction, runInAction } from 'mobx';
import type {
  AppliedEvent,
  BookSnapshot,
  EventPayload,
  ReplayState,
  RunLabel,
  TradeView,
} from '../../../core/api/contract';
import type { QuotebenchPerfProbe } from '../api/bridge';
import type { ApiClient } from '../api/transport';
import { inspectConfig, setReplayScenario, type ConfigInfo, type QueueChoice } from '../lib/config-yaml';
import type { RootStore } from './root-store';

export type FrameScheduler = (cb: () => void) => void;

export const defaultFrameScheduler: FrameScheduler = (cb) => {
  requestAnimationFrame(() => cb());
};

export interface ChartPoint {
  t: number;
  mid: number;
  bid: number | null;
  ask: number | null;
}

/** One of our fills, placed on the chart's bucket time. */
export interface FillMark {
  /** Chart (bucket) time. */
  t: number;
  price: number;
  size: number;
  /** Our side: a sell aggressor hit our bid, so we bought. */
  side: 'buy' | 'sell';
}

/** What a frame listener (the chart) receives: new points since the last frame, or everything on reset. */
export interface FrameBatch {
  reset: boolean;
  points: readonly ChartPoint[];
  /** Our fills since the last frame (everything so far on reset). */
  fills: readonly FillMark[];
  /** Sim seconds between consecutive points (every bucket is present: index spacing = time spacing). */
  bucketWidth: number;
}

export type FrameListener = (batch: FrameBatch) => void;

export const SPEEDS: readonly { value: number; label: string }[] = [
  { value: 1, label: '1×' },
  { value: 10, label: '10×' },
  { value: 100, label: '100×' },
  { value: 1000, label: '1000×' },
  { value: 0, label: 'Max' },
];

/** The scenario-picker value that means "the YAML in the Backtest editor". */
export const EDITOR_SOURCE = '__editor__';

export const DEPTH_CHOICES = [5, 10, 15, 20] as const;

const NICE_WIDTHS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];

/** Rounds a bucket time to the grid's precision (bucket widths are ≥ 0.01 s). */
function gridTime(index: number, w: number): number {
  return Math.round(index * w * 1e6) / 1e6;
}

/** Most empty buckets filled in one gap (a gap longer than this is drawn as a jump). */
const MAX_FILL = 20_000;

/**
 * Points onto a regular grid of width `w`: each point goes to the bucket floor(t / w)·w (the last
 * point in a bucket wins), and every bucket between the first and the last is present, an empty one
 * carrying the previous bucket's values forward. Input times must not decrease.
 */
export function regrid(points: readonly ChartPoint[], w: number): ChartPoint[] {
  const out: ChartPoint[] = [];
  let lastIndex = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    let index = Math.floor(p.t / w + 1e-9);
    if (index < lastIndex) index = lastIndex;
    const prev = out[out.length - 1];
    if (prev && index === lastIndex) {
      out[out.length - 1] = { ...p, t: prev.t };
      continue;
    }
    if (prev && index - lastIndex > 1 && index - lastIndex <= MAX_FILL)
      for (let k = lastIndex + 1; k < index; k++) out.push({ ...prev, t: gridTime(k, w) });
    out.push({ ...p, t: gridTime(index, w) });
    lastIndex = index;
  }
  return out;
}

/** The smallest "round" bucket width ≥ x sim seconds. */
export function niceWidth(x: number): number {
  for (const w of NICE_WIDTHS) if (w >= x) return w;
  return NICE_WIDTHS[NICE_WIDTHS.length - 1] ?? 300;
}

/**
 * Sim seconds per chart bar: about 30 bars per wall second at the chosen speed, so the chart scrolls
 * at a readable pace and each frame appends about one bar (the chart's per-update cost grows with its
 * length). As fast as possible (0) starts at 1 s and adapts to the observed sim rate.
 */
export function bucketWidthFor(speed: number): number {
  if (speed <= 0) return 1;
  return niceWidth(speed / 30);
}

const MAX_HISTORY = 40_000;
const MAX_FILLS = 400;
const TAPE_LENGTH = 40;
const RATE_WINDOW_MS = 1000;
const TAPE_INTERVAL_MS = 100;

export type ReplayPhase = 'idle' | 'starting' | 'live';

/** A ladder level a step removed entirely: its side, price and the size it had before the step. */
export interface EmptiedLevel {
  side: 'bid' | 'ask';
  price: number;
  sizeBefore: number;
}

/**
 * The level a cancel or a trade emptied: the step's event names a side and price (a trade: the side
 * hit and its first fill's price) that the ladder showed before the step and no longer shows after
 * it. Undefined for other events, or while `after` is still the book before the step. Prices match
 * within half of `priceEps` (decimals of the book's tick).
 */
export function emptiedLevel(
  before: BookSnapshot | null,
  after: BookSnapshot | null,
  ev: AppliedEvent | null,
  priceEps: number,
): EmptiedLevel | undefined {
  if (!before || !after || !ev || (ev.kind !== 'cancel' && ev.kind !== 'trade')) return undefined;
  if (ev.side === undefined || ev.price === undefined || after.seq <= before.seq) return undefined;
  const price = ev.price;
  const at = (levels: readonly { price: number }[]): number =>
    levels.findIndex((l) => Math.abs(l.price - price) < priceEps / 2);
  const was = ev.side === 'bid' ? before.bids : before.asks;
  const now = ev.side === 'bid' ? after.bids : after.asks;
  const i = at(was);
  const level = was[i];
  if (!level || at(now) >= 0) return undefined;
  return { side: ev.side, price: level.price, sizeBefore: level.size };
}

export class ReplayStore {
  // ----- form
  presetId: string | null = null;
  strategyIndex = 0;
  /** The server's expansion of the source config, for the text it was computed for. */
  runsOf: { yaml: string; runs: RunLabel[] } | null = null;
  /** null: use the preset's seed. */
  seed: number | null = null;
  speed = 1;
  depthLevels = 10;
  /** What the session plays: the config's simulated book, or a dataset of the catalog. */
  source: 'simulated' | 'dataset' = 'simulated';
  datasetId: string | null = null;
  queue: QueueChoice = 'auto';

  // ----- session
  phase: ReplayPhase = 'idle';
  /** Ladder levels per side of the running session (the form's value when it started). */
  sessionDepth = 10;
  state: ReplayState | null = null;
  controlBusy = false;

  /** The ladder as it was when the last step was asked for (to tell which level the step emptied). */
  stepBaseline: BookSnapshot | null = null;

  // ----- published once per frame
  view: BookSnapshot | null = null;
  tape: TradeView[] = [];
  updatesPerSec = 0;
  framesPerSec = 0;
  totalUpdates = 0;

  /** The probe the end-to-end tests read (`window.__quotebenchPerf`). Plain, not observable. */
  readonly perf: QuotebenchPerfProbe;

  // ----- non-observable buffers between frames
  private latest: BookSnapshot | null = null;
  private pendingUpdates = 0;
  private pendingPoints: ChartPoint[] = [];
  private pendingFills: FillMark[] = [];
  private pendingTrades: TradeView[] = [];
  private history: ChartPoint[] = [];
  private fillHistory: FillMark[] = [];
  private lastBucketT = Number.NEGATIVE_INFINITY;
  /** The last bucketed point (pending or already in history): empty buckets carry it forward. */
  private lastPoint: ChartPoint | null = null;
  /** The bucket width `history` is gridded on; a different `bucketWidth` re-grids it at the next frame. */
  private historyWidth = bucketWidthFor(1);
  /** Latest sim time seen, and the wall/sim clock pair a second ago (for the adaptive bucket width). */
  private maxSimT = 0;
  private rateRef: { at: number; t: number } | null = null;
  private lastTapeAt = Number.NEGATIVE_INFINITY;
  private bucketWidth = bucketWidthFor(1);
  private frameRequested = false;
  private resetPending = false;
  private readonly frameListeners = new Set<FrameListener>();
  private readonly rateWindow: { at: number; updates: number }[] = [];
  private readonly frameTimes: number[] = [];
  private early: BookSnapshot[] = [];
  private earlyStates: ReplayState[] = [];
  private unsubscribe: (() => void) | null = null;
  private endTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
    private readonly schedule: FrameScheduler = defaultFrameScheduler,
    private readonly now: () => number = () => performance.now(),
  ) {
    const perf: QuotebenchPerfProbe = {
      frames: 0,
      updatesApplied: 0,
      snapshotsReceived: 0,
      reset() {
        perf.frames = 0;
        perf.updatesApplied = 0;
        perf.snapshotsReceived = 0;
      },
    };
    this.perf = perf;
    makeAutoObservable<
      this,
      | 'api'
      | 'schedule'
      | 'now'
      | 'latest'
      | 'pendingUpdates'
      | 'pendingPoints'
      | 'pendingFills'
      | 'pendingTrades'
      | 'history'
      | 'fillHistory'
      | 'lastBucketT'
      | 'lastPoint'
      | 'historyWidth'
      | 'maxSimT'
      | 'rateRef'
      | 'lastTapeAt'
      | 'bucketWidth'
      | 'frameRequested'
      | 'resetPending'
      | 'frameListeners'
      | 'rateWindow'
      | 'frameTimes'
      | 'early'
      | 'earlyStates'
      | 'unsubscribe'
      | 'endTimer'
      | 'onSnapshot'
      | 'flush'
    >(
      this,
      {
        root: false,
        api: false,
        schedule: false,
        now: false,
        perf: false,
        view: observableRef,
        stepBaseline: observableRef,
        tape: observableRef,
        state: observableRef,
        latest: false,
        pendingUpdates: false,
        pendingPoints: false,
        pendingFills: false,
        pendingTrades: false,
        history: false,
        fillHistory: false,
        lastBucketT: false,
        lastPoint: false,
        historyWidth: false,
        maxSimT: false,
        rateRef: false,
        lastTapeAt: false,
        bucketWidth: false,
        frameRequested: false,
        resetPending: false,
        frameListeners: false,
        rateWindow: false,
        frameTimes: false,
        early: false,
        earlyStates: false,
        unsubscribe: false,
        endTimer: false,
        // Hot path: plain method, no action wrapper, touches no observable.
        onSnapshot: false,
        flush: false,
      },
      { autoBind: true },
    );
    // The strategy list follows the source config (a preset, or the editor as the user types).
    reaction(
      () => this.sourceYaml,
      () => void this.refreshRuns(),
      { fireImmediately: true, delay: 300 },
    );
  }

  // -------------------------------------------------------------------------------- derived

  /** The YAML the session would run: the preset's, or the Backtest editor's. */
  get sourceYaml(): string | undefined {
    if (this.presetId === EDITOR_SOURCE) return this.root.backtest.yaml;
    return this.root.presets.get(this.presetId)?.yaml;
  }

  get sourceInfo(): ConfigInfo | undefined {
    const y = this.sourceYaml;
    return y === undefined ? undefined : inspectConfig(y);
  }

  /** Whether the Backtest editor holds a book-mode config (then it can be replayed). */
  get editorIsBook(): boolean {
    const c = this.root.backtest.config;
    return c.ok && c.mode === 'book';
  }

  /** Whether the editor's config can be played: book mode, or for a dataset also replay mode. */
  get editorPlayable(): boolean {
    const c = this.root.backtest.config;
    return this.editorIsBook || (this.source === 'dataset' && c.ok && c.mode === 'replay');
  }

  /**
   * The runs of the source config as the server expands them (scenarios.validate; the page never
   * expands grids itself): empty until the current source text has been checked.
   */
  get strategies(): RunLabel[] {
    const y = this.sourceYaml;
    return y !== undefined && this.runsOf?.yaml === y ? this.runsOf.runs : [];
  }

  /** Ask the server for the runs of the current source config (called when the source changes). */
  async refreshRuns(): Promise<void> {
    const yaml = this.sourceYaml;
    if (yaml === undefined || this.runsOf?.yaml === yaml) return;
    try {
      const v = await this.api.call('scenarios.validate', { yaml });
      runInAction(() => {
        if (this.sourceYaml === yaml) this.runsOf = { yaml, runs: v.runs };
      });
    } catch {
      // Advisory: the strategy list stays empty and Start reports any problem.
    }
  }

  /** Decimals that show one tick of the book. */
  /** The event the last step applied, while the session stays paused after it. */
  get lastEvent(): AppliedEvent | null {
    return this.status === 'paused' ? (this.state?.lastEvent ?? null) : null;
  }

  /** The level the last step emptied (shown struck in the ladder and named in the step's sentence). */
  get emptied(): EmptiedLevel | undefined {
    return emptiedLevel(this.stepBaseline, this.view, this.lastEvent, 10 ** -this.priceDecimals);
  }

  get priceDecimals(): number {
    const info = this.sourceInfo;
    const tick = this.state?.tickSize ?? (info?.ok ? info.tickSize : undefined);
    if (!tick || !(tick > 0)) return 2;
    return Math.min(8, Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9)));
  }

  get presetSeed(): number | undefined {
    const info = this.sourceInfo;
    return info?.ok ? info.seed : undefined;
  }

  get canStart(): boolean {
    if (this.phase === 'starting' || !this.presetId) return false;
    if (this.source === 'dataset' && !(this.datasetId && this.root.data.datasets.has(this.datasetId)))
      return false;
    if (this.presetId === EDITOR_SOURCE) return this.editorPlayable;
    return true;
  }

  /**
   * The YAML a dataset session runs: the chosen config with its scenario made a replay of the dataset
   * (its strategies quote; σ, A and k carried over as in the Backtest view's replay mode).
   */
  get datasetYaml(): string | undefined {
    const y = this.sourceYaml;
    if (y === undefined || !this.datasetId) return undefined;
    try {
      return setReplayScenario(y, this.datasetId, this.queue);
    } catch {
      return undefined; // unparsable YAML: the start reports the editor's issues
    }
  }

  get status(): ReplayState['status'] | 'idle' | 'starting' {
    if (this.phase === 'starting') return 'starting';
    return this.state?.status ?? 'idle';
  }

  /**
   * Whether a book snapshot is shown: views that only switch on it read this (a computed that changes
   * once a session), not `view` (a new snapshot every frame), so they do not re-render every frame.
   */
  get hasView(): boolean {
    return this.view !== null;
  }

  get isLive(): boolean {
    const s = this.status;
    return s === 'running' || s === 'paused';
  }

  get progress(): number {
    const s = this.state;
    const t = this.view?.t ?? s?.t ?? 0;
    return s && s.horizon > 0 ? Math.min(1, t / s.horizon) : 0;
  }

  // -------------------------------------------------------------------------------- form

  onPresetsLoaded(): void {
    if (this.presetId === EDITOR_SOURCE || (this.presetId && this.root.presets.get(this.presetId))) return;
    const first = this.root.presets.bookPresets[0];
    if (first) this.presetId = first.id;
  }

  setPreset(id: string): void {
    this.presetId = id;
    this.strategyIndex = 0;
    this.seed = null;
  }

  setStrategyIndex(i: number): void {
    this.strategyIndex = i;
  }

  setSeed(seed: number | null): void {
    this.seed = seed !== null && Number.isInteger(seed) && seed >= 0 ? seed : null;
  }

  setDepthLevels(n: number): void {
    this.depthLevels = n;
  }

  setSource(source: 'simulated' | 'dataset'): void {
    this.source = source;
    if (source === 'dataset' && !(this.datasetId && this.root.data.datasets.has(this.datasetId)))
      this.datasetId = this.root.data.list[0]?.id ?? null;
  }

  setDataset(id: string): void {
    this.datasetId = id || null;
  }

  setQueue(queue: QueueChoice): void {
    this.queue = queue;
  }

  async setSpeed(speed: number): Promise<void> {
    this.speed = speed;
    this.bucketWidth = bucketWidthFor(speed);
    const s = this.state;
    if (!s || !this.isLive) return;
    await this.control('speed', speed);
  }

  // -------------------------------------------------------------------------------- session

  async start(): Promise<void> {
    if (!this.canStart || !this.presetId) return;
    const datasetYaml = this.source === 'dataset' ? this.datasetYaml : undefined;
    const source =
      datasetYaml !== undefined
        ? { yaml: datasetYaml }
        : this.presetId === EDITOR_SOURCE
          ? { yaml: this.root.backtest.yaml }
          : { preset: this.presetId };
    const previous = this.state;
    this.phase = 'starting';
    this.subscribe();
    this.early = [];
    this.earlyStates = [];
    if (previous && (previous.status === 'running' || previous.status === 'paused')) {
      void this.api
        .call('replay.control', { sessionId: previous.sessionId, action: 'stop' })
        .catch(() => undefined);
    }
    try {
      const state = await this.api.call('replay.start', {
        ...source,
        strategyIndex: this.strategyIndex,
        ...(this.seed !== null ? { seed: this.seed } : {}),
        speed: this.speed,
        depthLevels: this.depthLevels,
        maxBatchesPerSec: 60,
      });
      runInAction(() => {
        this.resetSession();
        this.sessionDepth = this.depthLevels;
        this.state = state;
        this.phase = 'live';
      });
      const early = this.early.filter((s) => s.sessionId === state.sessionId);
      const earlyStates = this.earlyStates.filter((s) => s.sessionId === state.sessionId);
      this.early = [];
      this.earlyStates = [];
      for (const s of earlyStates) this.onState(s);
      for (const s of early) this.onSnapshot(s);
    } catch (e) {
      runInAction(() => {
        this.phase = this.state ? 'live' : 'idle';
      });
      this.root.ui.reportError('The replay could not start', e);
    }
  }

  pause(): Promise<void> {
    return this.control('pause');
  }

  resume(): Promise<void> {
    return this.control('resume');
  }

  step(): Promise<void> {
    this.stepBaseline = this.view;
    return this.control('step');
  }

  stop(): Promise<void> {
    return this.control('stop');
  }

  /** Go to session time `t` (s): the session rebuilds the book there; the chart restarts at it. */
  async seek(t: number): Promise<void> {
    if (!this.state || !(this.isLive || this.status === 'finished')) return;
    this.subscribe(); // a finished session may have stopped listening
    this.stepBaseline = null;
    await this.control('seek', undefined, t);
    this.resetChart();
  }

  /** Space toggles pause/resume (used by the keyboard shortcut). */
  togglePause(): Promise<void> {
    if (this.status === 'running') return this.pause();
    if (this.status === 'paused') return this.resume();
    return Promise.resolve();
  }

  private async control(
    action: 'pause' | 'resume' | 'step' | 'speed' | 'seek' | 'stop',
    speed?: number,
    t?: number,
  ): Promise<void> {
    const s = this.state;
    if (!s) return;
    this.controlBusy = true;
    try {
      const next = await this.api.call('replay.control', {
        sessionId: s.sessionId,
        action,
        ...(speed !== undefined ? { speed } : {}),
        ...(t !== undefined ? { t } : {}),
      });
      runInAction(() => {
        if (this.state?.sessionId === next.sessionId) this.state = next;
      });
      if (next.status === 'stopped' || next.status === 'finished') this.afterEnd();
    } catch (e) {
      this.root.ui.reportError(`Replay ${action} failed`, e);
    } finally {
      runInAction(() => {
        this.controlBusy = false;
      });
    }
  }

  // -------------------------------------------------------------------------------- events

  private subscribe(): void {
    if (this.endTimer) clearTimeout(this.endTimer);
    this.endTimer = null;
    if (this.unsubscribe) return;
    const offSnap = this.api.subscribe('book.snapshot', (s) => this.onSnapshot(s));
    const offState = this.api.subscribe('replay.state', (s) => this.onState(s));
    this.unsubscribe = () => {
      offSnap();
      offState();
    };
  }

  /**
   * The connection dropped: the server stops a client's live sessions when its socket closes, so a
   * replay shown as running or paused is over; say so instead of showing a frozen "running".
   */
  onConnectionLost(): void {
    const s = this.state;
    if (!s || !this.isLive) return;
    this.state = {
      sessionId: s.sessionId,
      status: 'stopped',
      speed: s.speed,
      t: s.t,
      horizon: s.horizon,
      error: 'connection lost: the server ends a replay when its connection drops',
    };
    this.afterEnd();
  }

  private afterEnd(): void {
    // Keep the final ladder and chart on screen. Stop receiving other sessions' traffic a little
    // later: the session's final snapshot follows its 'finished' state event on the wire.
    if (this.endTimer) clearTimeout(this.endTimer);
    this.endTimer = setTimeout(() => {
      this.endTimer = null;
      if (this.isLive || this.phase === 'starting') return;
      this.unsubscribe?.();
      this.unsubscribe = null;
    }, 1500);
    runInAction(() => {
      this.updatesPerSec = 0;
      this.framesPerSec = 0;
    });
  }

  dispose(): void {
    const s = this.state;
    if (s && this.isLive)
      void this.api.call('replay.control', { sessionId: s.sessionId, action: 'stop' }).catch(() => undefined);
    if (this.endTimer) clearTimeout(this.endTimer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.frameListeners.clear();
  }

  onState(s: EventPayload<'replay.state'>): void {
    if (this.phase === 'starting') {
      this.earlyStates.push(s);
      return;
    }
    if (s.sessionId !== this.state?.sessionId) return;
    if (s.error !== undefined && this.state.error === undefined) {
      this.root.ui.notify('error', 'The replay stopped on an error', s.error);
    }
    this.state = s;
    if (s.status === 'stopped' || s.status === 'finished') {
      // The final snapshot (forced by the session) may still be in flight; let it land first.
      this.afterEnd();
    }
  }

  /** Hot path (every event): buffers only, no MobX. */
  onSnapshot(s: BookSnapshot): void {
    if (this.phase === 'starting') {
      if (this.early.length < 120) this.early.push(s);
      return;
    }
    if (s.sessionId !== this.state?.sessionId) return;
    this.perf.snapshotsReceived++;
    this.latest = s;
    this.pendingUpdates += s.updates;
    const { t, mid, bid, ask } = s.ticks;
    const w = this.bucketWidth;
    const pts = this.pendingPoints;
    let last = pts[pts.length - 1];
    for (let i = 0; i < t.length; i++) {
      const ti = t[i] ?? 0;
      let b = gridTime(Math.floor(ti / w + 1e-9), w);
      if (b < this.lastBucketT) b = this.lastBucketT;
      if (last && last.t === b) {
        last.mid = mid[i] ?? NaN;
        last.bid = bid[i] ?? null;
        last.ask = ask[i] ?? null;
      } else {
        // Empty buckets since the last point carry it forward (a regular grid: index ∝ time).
        const prev = this.lastPoint;
        if (prev && b > prev.t) {
          const from = Math.round(prev.t / w) + 1;
          const to = Math.round(b / w);
          if (to - from <= MAX_FILL) for (let k = from; k < to; k++) pts.push({ ...prev, t: gridTime(k, w) });
        }
        last = { t: b, mid: mid[i] ?? NaN, bid: bid[i] ?? null, ask: ask[i] ?? null };
        pts.push(last);
      }
      this.lastPoint = last;
      this.lastBucketT = b;
    }
    if (s.t > this.maxSimT) this.maxSimT = s.t;
    for (const tr of s.trades) {
      this.pendingTrades.push(tr);
      if (!tr.ours) continue;
      let b = Math.round(Math.floor(tr.t / w) * w * 1e6) / 1e6;
      if (b > this.lastBucketT) b = this.lastBucketT;
      if (!Number.isFinite(b)) continue;
      this.pendingFills.push({
        t: b,
        price: tr.price,
        size: tr.size,
        side: tr.side === 'sell' ? 'buy' : 'sell',
      });
    }
    if (this.pendingTrades.length > TAPE_LENGTH * 4)
      this.pendingTrades.splice(0, this.pendingTrades.length - TAPE_LENGTH);
    this.requestFrame();
  }

  private requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    this.schedule(() => this.flush());
  }

  /** Once per animation frame: publish the latest state, feed the chart. */
  flush(): void {
    this.frameRequested = false;
    const snapshot = this.latest;
    const points = this.pendingPoints;
    const fills = this.pendingFills;
    const updates = this.pendingUpdates;
    let reset = this.resetPending;
    const at = this.now();
    // The tape is for reading: publish it at most ~10 times a second.
    const publishTape = this.pendingTrades.length > 0 && at - this.lastTapeAt >= TAPE_INTERVAL_MS;
    const trades = publishTape ? this.pendingTrades : [];
    if (publishTape) {
      this.pendingTrades = [];
      this.lastTapeAt = at;
    }
    this.latest = null;
    this.pendingPoints = [];
    this.pendingFills = [];
    this.pendingUpdates = 0;
    this.resetPending = false;
    this.adaptBucketWidth(at);

    this.rateWindow.push({ at, updates });
    while (this.rateWindow.length > 0 && (this.rateWindow[0]?.at ?? at) < at - RATE_WINDOW_MS)
      this.rateWindow.shift();
    if (snapshot) this.frameTimes.push(at);
    while (this.frameTimes.length > 0 && (this.frameTimes[0] ?? at) < at - RATE_WINDOW_MS)
      this.frameTimes.shift();
    const span = Math.max(RATE_WINDOW_MS / 4, at - (this.rateWindow[0]?.at ?? at));
    let windowUpdates = 0;
    for (const r of this.rateWindow) windowUpdates += r.updates;

    // History for listeners that mount later (the chart after a tab switch).
    this.appendHistory(points);
    if (this.bucketWidth !== this.historyWidth) {
      // A new width: re-grid everything so far onto it (one setData) and go on on the new grid.
      this.historyWidth = this.bucketWidth;
      this.history = regrid(this.history, this.historyWidth);
      const last = this.history[this.history.length - 1];
      this.lastPoint = last ?? null;
      this.lastBucketT = last?.t ?? Number.NEGATIVE_INFINITY;
      reset = true;
    }
    for (const f of fills) this.fillHistory.push(f);
    if (this.fillHistory.length > MAX_FILLS) this.fillHistory.splice(0, this.fillHistory.length - MAX_FILLS);

    runInAction(() => {
      if (snapshot) this.view = snapshot;
      if (trades.length > 0)
        this.tape = [...trades.slice(-TAPE_LENGTH).reverse(), ...this.tape].slice(0, TAPE_LENGTH);
      this.totalUpdates += updates;
      const running = this.status === 'running';
      this.updatesPerSec = running ? Math.round((windowUpdates * 1000) / span) : 0;
      this.framesPerSec = running ? this.frameTimes.length : 0;
    });

    if (snapshot) {
      this.perf.frames++;
      this.perf.updatesApplied += updates;
    }
    if (points.length > 0 || fills.length > 0 || reset) {
      const batch: FrameBatch = reset
        ? { reset, points: this.history, fills: this.fillHistory, bucketWidth: this.historyWidth }
        : { reset, points, fills, bucketWidth: this.historyWidth };
      for (const l of this.frameListeners) l(batch);
    }
    if (this.pendingTrades.length > 0) this.requestFrame();
  }

  /** As fast as possible: widen the chart buckets to ~30 per wall second of observed sim rate. */
  private adaptBucketWidth(at: number): void {
    const ref = this.rateRef;
    if (!ref) {
      this.rateRef = { at, t: this.maxSimT };
      return;
    }
    if (at - ref.at < 500) return;
    const simPerSec = ((this.maxSimT - ref.t) * 1000) / (at - ref.at);
    this.rateRef = { at, t: this.maxSimT };
    if (this.speed > 0 || !(simPerSec > 0)) return;
    const w = niceWidth(simPerSec / 30);
    if (w > this.bucketWidth) this.bucketWidth = w;
  }

  /** Registers a chart: it gets everything so far (reset), then each frame's new points. */
  addFrameListener(l: FrameListener): () => void {
    this.frameListeners.add(l);
    l({ reset: true, points: this.history, fills: this.fillHistory, bucketWidth: this.historyWidth });
    return () => this.frameListeners.delete(l);
  }

  private appendHistory(points: readonly ChartPoint[]): void {
    const h = this.history;
    for (const p of points) {
      const last = h[h.length - 1];
      if (last && last.t === p.t) h[h.length - 1] = p;
      else h.push(p);
    }
    if (h.length > MAX_HISTORY) h.splice(0, h.length - MAX_HISTORY / 2);
  }

  private resetSession(): void {
    this.stepBaseline = null;
    this.view = null;
    this.totalUpdates = 0;
    this.resetChart();
  }

  /** Forget the chart history and the tape (a new session, or a seek: time jumps). */
  private resetChart(): void {
    this.latest = null;
    this.pendingPoints = [];
    this.pendingFills = [];
    this.pendingTrades = [];
    this.pendingUpdates = 0;
    this.history = [];
    this.fillHistory = [];
    this.lastBucketT = Number.NEGATIVE_INFINITY;
    this.lastPoint = null;
    this.bucketWidth = bucketWidthFor(this.speed);
    this.historyWidth = this.bucketWidth;
    this.maxSimT = 0;
    this.rateRef = null;
    this.lastTapeAt = Number.NEGATIVE_INFINITY;
    this.rateWindow.length = 0;
    this.frameTimes.length = 0;
    this.tape = [];
    this.updatesPerSec = 0;
    this.framesPerSec = 0;
    this.resetPending = true;
    this.requestFrame();
  }
}
