/**
 * The root of the renderer's state: creates every store with itself and the API client injected (a
 * fake client makes every store testable without a server), wires the long-lived subscriptions, and
 * is shared with React through `StoresProvider` / `useStores()`.
 */
import type { ApiClient } from '../api/transport';
import { BacktestStore } from './backtest-store';
import { CalibrationStore } from './calibration-store';
import { DataStore } from './data-store';
import { PaperStore } from './paper-store';
import { PresetStore } from './preset-store';
import { ReplayStore, defaultFrameScheduler, type FrameScheduler } from './replay-store';
import { RunsStore } from './runs-store';
import { StressStore } from './stress-store';
import { TrainingStore } from './training-store';
import { UiStore } from './ui-store';

export interface RootStoreOptions {
  /** requestAnimationFrame by default; tests pass a manual scheduler. */
  scheduleFrame?: FrameScheduler;
  /** Monotonic wall clock in ms (performance.now by default). */
  now?: () => number;
}

export class RootStore {
  readonly ui: UiStore;
  readonly presets: PresetStore;
  readonly backtest: BacktestStore;
  readonly replay: ReplayStore;
  readonly runs: RunsStore;
  readonly stress: StressStore;
  readonly training: TrainingStore;
  readonly data: DataStore;
  readonly calibration: CalibrationStore;
  readonly paper: PaperStore;
  private readonly disposers: (() => void)[] = [];

  constructor(
    readonly api: ApiClient,
    opts: RootStoreOptions = {},
  ) {
    this.ui = new UiStore(this);
    this.presets = new PresetStore(this, api);
    this.backtest = new BacktestStore(this, api);
    this.replay = new ReplayStore(this, api, opts.scheduleFrame ?? defaultFrameScheduler, opts.now);
    this.runs = new RunsStore(this, api);
    this.stress = new StressStore(this, api);
    this.training = new TrainingStore(this, api, opts.scheduleFrame ?? defaultFrameScheduler);
    this.data = new DataStore(this, api);
    this.calibration = new CalibrationStore(this, api);
    this.paper = new PaperStore(this, api);
  }

  /** Connects the subscriptions and loads the initial data. */
  start(): void {
    this.disposers.push(this.api.onConnection((info) => this.ui.setConnection(info)));
    this.disposers.push(
      this.api.onServerError((e) => this.ui.reportError('The server rejected a message', e)),
    );
    this.disposers.push(this.backtest.listen());
    this.disposers.push(this.data.listen());
    this.disposers.push(this.paper.listen());
    void this.paper.load();
    void this.presets.load();
    void this.runs.loadList();
    void this.data.load().then(() => this.data.attachRunningJobs());
    void this.backtest.attachRunningJob();
  }

  dispose(): void {
    this.replay.dispose();
    this.training.dispose();
    for (const d of this.disposers.splice(0)) d();
  }
}
