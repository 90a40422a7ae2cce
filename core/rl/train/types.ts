/**
 * The training service's contract: what a trainer (SAC, PPO or REINFORCE, core/rl/train/) offers to whoever
 * drives it: the CLI `quotebench train`, the app's training worker (core/jobs) and tests. Plain data
 * only, so every type here crosses a worker_threads boundary and the WebSocket unchanged.
 */

export type TrainAlgo = 'sac' | 'ppo' | 'reinforce';

/** One sample of the live training curves; a trainer emits at most `maxMetricsHz` (≤ 10) a second. */
export interface TrainMetrics {
  /** Environment steps taken so far (over all parallel envs). */
  step: number;
  /** Total environment steps of the run (the budget). */
  totalSteps: number;
  /** Gradient updates so far (SAC: one per batch; PPO: one per minibatch). */
  updates: number;
  /** Episodes finished so far. */
  episodes: number;
  /** Wall-clock seconds spent training in this process (not persisted into results). */
  elapsedSec: number;
  /** Environment steps per second over the last interval. */
  stepsPerSec: number;
  /** Mean undiscounted reward sum and final mark-to-market PnL of the episodes finished since the
   *  previous sample (undefined when none finished). */
  episodeReturn?: number;
  episodePnl?: number;
  /** Mean |inventory| (lots) over the steps since the previous sample. */
  meanAbsInventory?: number;
  /** Losses and temperature, averaged over the updates since the previous sample. SAC fills actor /
   *  critic / alpha / entropy; PPO fills actor (= clipped policy loss), critic (= value loss),
   *  entropy, approxKl and clipFraction. */
  actorLoss?: number;
  criticLoss?: number;
  alpha?: number;
  entropy?: number;
  approxKl?: number;
  clipFraction?: number;
  /** Latest periodic evaluation on held-out seeds: mean episode reward of the deterministic policy
   *  and of the Avellaneda–Stoikov baseline on the same paths. */
  evalReturn?: number;
  evalBaselineReturn?: number;
  /** Curriculum stage the run is in (0 … stages, the last being the config's own scenario; see
   *  core/rl/train/curriculum.ts); absent when the config has no curriculum. */
  curriculumStage?: number;
}

export interface CheckpointInfo {
  /** Directory name under `<runDir>/checkpoints`, e.g. "step-000120000". */
  id: string;
  /** Absolute directory of the checkpoint. */
  dir: string;
  step: number;
  updates: number;
  episodes: number;
  /** Latest evaluation at the time of the checkpoint, when one ran. */
  evalReturn?: number;
}

export type TrainStatus = 'finished' | 'stopped' | 'failed';

export interface TrainResult {
  status: TrainStatus;
  /** Why it stopped or failed (e.g. "critic loss is NaN at update 1234; kept checkpoint step-…"). */
  reason?: string;
  /** What stopped a 'stopped' run: a request (signal) or the wall-clock safety stop budget.maxMinutes. */
  stoppedBy?: 'request' | 'time';
  step: number;
  /** The run's budget (step < totalSteps: the policy is not the one the recipe asked for). */
  totalSteps?: number;
  updates: number;
  episodes: number;
  /** The last checkpoint written (or loaded) in this process. */
  lastCheckpoint?: CheckpointInfo;
}

/** Optimal-quote curve of one policy: distance of bid and ask from the mid for each inventory. */
export interface QuoteCurve {
  name: string;
  points: { q: number; bid: number; ask: number }[];
}

export interface TrainRunOptions {
  signal?: AbortSignal;
  /** Live curves (≤ 10 Hz, plus one final sample). */
  onMetrics?: (m: TrainMetrics) => void;
  onCheckpoint?: (c: CheckpointInfo) => void;
  /** Human-readable log lines (backend chosen, resume point, warnings). */
  onLog?: (line: string) => void;
  /** Resolves immediately while running; while paused, resolves when resumed. Awaited between
   *  iterations (the trainer yields to the event loop there, so messages are received). */
  gate?: () => Promise<void>;
}

export interface Trainer {
  readonly algo: TrainAlgo;
  /** tfjs backend in use: 'tensorflow' | 'wasm' | 'cpu'. */
  readonly backend: string;
  readonly runDir: string;
  /** Train until the budget is spent, the signal aborts (a final checkpoint is written), or a loss
   *  goes NaN / explodes (status 'failed', the last good checkpoint is kept). */
  run(opts?: TrainRunOptions): Promise<TrainResult>;
  /** The current deterministic policy's quote distances for each inventory (other features held at
   *  a reference observation), next to AS and GLFT on the same scenario. */
  quoteCurves(inventories: readonly number[]): QuoteCurve[];
  dispose(): void;
}
