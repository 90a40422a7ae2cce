/**
 * The API contract between the back end (core services, hosted by Electron's main process or by the
 * headless server) and the renderer. One map: method name → zod input schema + output type; one map:
 * event topic → payload type. The renderer imports this file for types only; validation happens on the
 * back-end side of every transport (see registry.ts). Every failure crosses the boundary as an ApiError.
 */
import type { RunLabel } from '../backtest/grid';
import { z } from 'zod';
import type { CheckpointInfo, QuoteCurve, TrainAlgo, TrainMetrics } from '../rl/train/types';
import type { EventTopic, MethodName } from './names';

export type { CheckpointInfo, QuoteCurve, TrainAlgo, TrainMetrics } from '../rl/train/types';

// ------------------------------------------------------------------------------------------------
// Errors

export const API_ERROR_CODES = [
  'invalid_input',
  'unknown_method',
  'bad_message',
  'payload_too_large',
  'not_found',
  'conflict',
  'unauthorized',
  /** A config document that cannot be parsed or validated (too large, too deep, bad YAML, bad keys). */
  'bad_config',
  /** A job whose config implies more work or memory than the limits allow (the message names the key). */
  'limit_exceeded',
  /** The feature exists in the contract but is not available in this build (yet). */
  'unavailable',
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** What every failed call returns: a stable code, a readable message, and the offending input path. */
export interface ApiError {
  code: ApiErrorCode;
  message: string;
  /** Dotted path of the offending input field, e.g. "config.scenario.dt" ('' when not about a field). */
  path: string;
}

export class ApiException extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly path = '',
  ) {
    super(message);
    this.name = 'ApiException';
  }

  toApiError(): ApiError {
    return { code: this.code, message: this.message, path: this.path };
  }
}

// ------------------------------------------------------------------------------------------------
// Shared shapes

export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed' | 'incomplete';

/** Kinds of the `runs` table (a backtest of a replay scenario is 'replay'); training runs are 'train'. */
export const RUN_KINDS = ['backtest', 'replay', 'eval', 'calibrate', 'sweep'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
/** Every kind the searchable runs table lists (`runs.search`). */
export const SEARCH_KINDS = [...RUN_KINDS, 'train'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export interface RunRow {
  id: string;
  kind: RunKind;
  name: string;
  status: RunStatus;
  seed: number;
  paths: number;
  codeVersion: string;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  /** The catalog's content hash of the dataset the run read (null: none or unknown; the store sets it). */
  datasetHash?: string | null;
  /** Words for search (the store sets them). */
  tags?: string[];
  /** Strategy runs inside (strategy × parameter set). */
  results: number;
}

/** A file a run wrote (checkpoint, results JSON, calibrated YAML): path, size, SHA-256. */
export interface RunFileRow {
  path: string;
  bytes: number;
  sha256: string;
}

/** A row of `runs.search`: a run of any kind (training runs too) in one shape. */
export interface RunSearchRow {
  id: string;
  kind: SearchKind;
  name: string;
  /** Training statuses mapped: finished → completed, stopped → cancelled, paused → running. */
  status: RunStatus;
  seed: number;
  codeVersion: string;
  datasetHash: string | null;
  tags: string[];
  createdAt: string;
  finishedAt: string | null;
  /** Strategy rows (backtest, replay, eval). */
  results: number;
  strategies: string[];
  /** The sorted-by metric's value (the run's best result by the sort's direction), when sorting by one. */
  sortValue: number | null;
}

export interface RunSearchPage {
  /** Runs matching the filters (all pages). */
  total: number;
  rows: RunSearchRow[];
}

/**
 * One run of any kind as the compare view shows it: its config flattened to dotted params, its final
 * metrics (per strategy row `<strategy>.<metric>` when it has several, plain keys when it has one)
 * and its metrics over time (a training curve, a sweep's progress, a backtest's first kept path PnL).
 */
export interface RunRecord {
  run: RunSearchRow;
  params: Record<string, string>;
  metrics: Record<string, number>;
  history: Record<string, { step: number[]; value: number[] }>;
  files: RunFileRow[];
}

/**
 * What the runs list carries of a run's results, so a client sorts and filters the list by a metric
 * or a strategy without asking for every run's detail: per result, in result order.
 */
export interface RunSummary {
  strategies: string[];
  metrics: Record<string, number>[];
}

/** A row of `runs.list`: the run and the summary of its results. */
export interface RunListRow extends RunRow {
  summary: RunSummary;
}

export interface RunResultRow {
  index: number;
  strategy: string;
  params: Record<string, number | string | boolean>;
  scenario: string;
  paths: number;
  metrics: Record<string, number>;
}

/** A self-contained HTML tear sheet (core/report) and the file name to save it under. */
export interface RunReport {
  fileName: string;
  html: string;
}

/** A tear sheet printed to PDF: the file name and the bytes, base64-encoded. */
export interface RunReportPdf {
  fileName: string;
  pdfBase64: string;
}

export interface RunDetail {
  run: RunRow;
  /** The validated config the run used (YAML-equivalent object). */
  config: unknown;
  results: RunResultRow[];
  /** Path indices whose full series are stored (for charts). */
  seriesPaths: number[];
}

/** A path's bar series; NaN (no quote) is sent as null. */
export interface SeriesPayload {
  t: number[];
  mid: number[];
  bid: (number | null)[];
  ask: (number | null)[];
  inventory: number[];
  pnl: number[];
  /** Running drawdown from the PnL peak (≤ 0). */
  drawdown: number[];
}

/**
 * The metrics the Stress view maps (issue 13 §3), as the sweep cells store them (RunMetrics keys):
 * session Sharpe, 99% ES (per bar, loss > 0), worst-path max drawdown, mean |inventory|, fill rate,
 * realized spread (mark-out, bp).
 */
export const SWEEP_VIEW_METRICS = [
  'sessionSharpe',
  'es99',
  'maxDrawdownWorst',
  'meanAbsInventory',
  'fillRate',
  'realizedSpreadBps',
] as const;
export type SweepViewMetric = (typeof SWEEP_VIEW_METRICS)[number];

/** A row of `sweeps.list`: a stored sweep or stress sweep and how many of its cells have a result. */
export interface SweepListRow {
  id: string;
  name: string;
  kind: 'sweep' | 'stress';
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  createdAt: string;
  updatedAt: string;
  /** Cells of the expansion (scenario × strategy × seed). */
  cells: number;
  /** Of those, the cells with a stored result. */
  stored: number;
  scenarios: number;
  strategies: number;
  seeds: number;
  error: string | null;
}

/**
 * A metric's mean over the seeds of one scenario × strategy, with a two-sided 95% Student t interval
 * for that mean (mean ± t₀.₉₇₅,ₙ₋₁ · s/√n over the seeds' values). `n` counts the seeds with a finite
 * value; with n < 2 there is no interval (`low` and `high` are null), with n = 0 no mean either.
 */
export interface SweepStat {
  n: number;
  mean: number | null;
  low: number | null;
  high: number | null;
}

export interface SweepGridCell {
  scenario: string;
  strategyIndex: number;
  /** Seeds with a stored result. */
  seeds: number;
  stats: Record<SweepViewMetric, SweepStat>;
  /**
   * Stress sweeps, stressed scenarios only: the paired change against the base scenario, per metric
   * (stressed − base for the same strategy and seed, then mean and t interval over the seeds).
   */
  delta?: Record<SweepViewMetric, SweepStat>;
}

export interface SweepDetail {
  sweep: SweepListRow;
  /** The scenario axis in sweep order (for a stress sweep: the base first, `stress` = 'base'). */
  scenarios: { name: string; stress: string | null }[];
  /** The concrete strategies in grid order ("avellaneda-stoikov (gamma 0.1)"). */
  strategies: { index: number; type: string; label: string }[];
  seeds: number[];
  metrics: SweepViewMetric[];
  /** One per scenario × strategy with at least one stored seed. */
  cells: SweepGridCell[];
  /** How `cells` were found: by re-expanding the stored config, or (when its keys changed since, e.g.
   * a policy checkpoint was retrained) only the cells this sweep computed itself. */
  source: 'expansion' | 'sweep-cells';
}

/** A shipped sweep or stress-sweep config (resources/configs), quickest first. */
export interface SweepPreset {
  id: string;
  title: string;
  kind: 'sweep' | 'stress';
  /** Scenarios × strategies × seeds. */
  cells: number;
  yaml: string;
}

/** `sweeps.start`: the sweep recorded (its id is the hash of its cells: the same config resumes it). */
export interface SweepStarted {
  sweepId: string;
  name: string;
  kind: 'sweep' | 'stress';
  cells: number;
}

/** One heatmap cell (scenario × strategy × seed) as a stored backtest run with series. */
export interface SweepCellRun {
  runId: string;
  /** Found from an earlier open (not computed again). */
  cached: boolean;
  cellKey: string;
  scenario: string;
  stress: string | null;
  strategyIndex: number;
  strategy: string;
  seed: number;
  /** The sweep cell's stored metrics (the run's metrics are the same numbers), null if not computed. */
  cellMetrics: Record<string, number | null> | null;
}

/** `sweeps.openCell`: the cell's run and, for a stressed cell, its base scenario's run (same strategy, seed). */
export interface SweepCellRuns {
  sweepId: string;
  seed: number;
  seeds: number[];
  run: SweepCellRun;
  base: SweepCellRun | null;
}

export interface JobInfo {
  jobId: string;
  runId: string;
  kind: 'backtest';
  done: number;
  total: number;
  startedAt: string;
}

/** One problem in a config document: key path, message and, when located, 1-based line/column. */
export interface ConfigIssueInfo {
  path: string;
  message: string;
  line?: number | undefined;
  col?: number | undefined;
}

export type { RunLabel } from '../backtest/grid';

/** `scenarios.validate`: the backtest config parses and checks, or the issues (at most 20). */
export interface ConfigValidation {
  ok: boolean;
  /** The file name the messages use. */
  file: string;
  issues: ConfigIssueInfo[];
  /**
   * When ok: the runs the grid expands to (core/backtest/grid.ts — the server's expansion, so the app
   * never re-implements it), the first 1000 labelled, and their number.
   */
  runs: RunLabel[];
  runCount: number;
}

export interface ScenarioPreset {
  id: string;
  title: string;
  description: string;
  /** Book mode presets can drive the live order-book replay. */
  mode: 'intensity' | 'book';
  /** The full backtest config as YAML text (editable in the UI). */
  yaml: string;
}

export interface AppInfo {
  version: string;
  codeVersion: string;
  dataDir: string;
  transport: 'electron' | 'websocket';
}

export type ReplayStatus = 'running' | 'paused' | 'finished' | 'stopped';

export interface ReplayState {
  sessionId: string;
  status: ReplayStatus;
  /** Multiplier of simulated to wall time; 0 means as fast as possible. */
  speed: number;
  t: number;
  horizon: number;
  /** Set when the session stopped on an error (e.g. a non-finite price): what went wrong. */
  error?: string;
  /** After a step: the event it applied (until the session resumes). */
  lastEvent?: AppliedEvent;
  /** What the session plays: the book-mode simulator, or a recorded dataset (t = seconds into it). */
  source?: 'simulated' | 'dataset';
  /** Price grid of the book (decimal). */
  tickSize?: number;
  /** A seek (`replay.control` action 'seek') is rebuilding the book up to its target time. */
  seeking?: boolean;
  /** A dataset: recorded events applied so far (from the dataset's first; event − 1 is the last) and all. */
  event?: number;
  events?: number;
}

/**
 * What one replay step changed: an order added to or cancelled from a ladder level (size = the lots
 * it changed), a trade (side = the book side that was hit, price = the first fill, size = the lots
 * traded), a move of the reference price (price = the new one), or `none` (a market-data delivery or
 * a sample: nothing visible changed). `ours`: our order took part.
 */
export interface AppliedEvent {
  kind: 'add' | 'cancel' | 'trade' | 'price' | 'none';
  side?: 'bid' | 'ask';
  price?: number;
  size?: number;
  ours: boolean;
}

/** One level of the ladder: price (decimal) and size (lots); our resting size at that price. */
export interface LadderLevel {
  price: number;
  size: number;
  ours: number;
}

export interface OurOrderView {
  side: 'buy' | 'sell';
  price: number;
  size: number;
  /** Lots ahead of our order at its level (its queue position). */
  queueAhead: number;
}

export interface TradeView {
  t: number;
  price: number;
  size: number;
  /** Aggressor side. */
  side: 'buy' | 'sell';
  ours: boolean;
}

/**
 * A batch of order-book updates from a replay session: every simulator event since the previous batch
 * is counted in `updates` and reflected in `ticks`; the ladder is the state after the last one.
 */
export interface BookSnapshot {
  sessionId: string;
  seq: number;
  t: number;
  updates: number;
  bids: LadderLevel[];
  asks: LadderLevel[];
  ours: OurOrderView[];
  trades: TradeView[];
  /** Mid, our bid and our ask after each update in the batch, thinned to ≤ 1 per 10 ms of sim time. */
  ticks: { t: number[]; mid: number[]; bid: (number | null)[]; ask: (number | null)[] };
  inventory: number;
  pnl: number;
  cash: number;
  /** A dataset: recorded events applied so far (as ReplayState.event). */
  event?: number;
}

export interface SimTick {
  sessionId: string;
  t: number;
  mid: number;
  inventory: number;
  pnl: number;
  fills: number;
}

// ------------------------------------------------------------------------------------------------
// Training (core/services/training-service.ts)

/**
 * running/paused: a worker is training it now. finished: the step budget was spent. stopped: stopped
 * by the user (or the app closing) after writing a final checkpoint. failed: a loss went NaN or the
 * worker died (the last good checkpoint is kept). incomplete: the process hosting it was killed.
 * stopped, failed and incomplete runs can be resumed from their last checkpoint.
 */
export type TrainingStatus = 'running' | 'paused' | 'finished' | 'stopped' | 'failed' | 'incomplete';

export interface TrainingRunRow {
  id: string;
  name: string;
  algo: TrainAlgo;
  seed: number;
  codeVersion: string;
  status: TrainingStatus;
  /** Why it stopped, failed or is incomplete (null while running or when finished normally). */
  reason: string | null;
  /** tfjs backend of the worker that trained it last ('tensorflow' | 'wasm' | 'cpu'), once known. */
  backend: string | null;
  /** Where its checkpoints live (`<runDir>/checkpoints/step-NNNNNNNNN/`). */
  runDir: string;
  /** Environment steps reached (latest metrics sample). */
  step: number;
  totalSteps: number | null;
  createdAt: string;
  updatedAt: string;
  checkpoints: number;
  /** Step of the newest checkpoint (the resume point), null when there is none. */
  lastCheckpointStep: number | null;
}

/** The numeric fields of TrainMetrics stored per sample (all but `step`). */
export type TrainMetricField = Exclude<keyof TrainMetrics, 'step'>;

/**
 * A run's metrics history, column-wise. Up to `maxPoints` points: when more samples are stored they are
 * averaged in equal-count buckets (a point's step is the last step of its bucket; each field is the
 * mean over the bucket's samples that have it, so sparse fields such as evalReturn survive).
 * Missing values are null.
 */
export type TrainMetricsHistory = {
  /** Samples stored for the run. */
  total: number;
  downsampled: boolean;
  step: number[];
} & { [K in TrainMetricField]: (number | null)[] };

export interface TrainingCheckpointRow extends CheckpointInfo {
  createdAt: string;
}

export interface TrainingDetail {
  run: TrainingRunRow;
  /** The validated training config (YAML-equivalent object). */
  config: unknown;
  metrics: TrainMetricsHistory;
  checkpoints: TrainingCheckpointRow[];
}

export interface TrainPreset {
  id: string;
  title: string;
  description: string;
  algo: TrainAlgo;
  /** The training config as YAML text (editable in the UI). */
  yaml: string;
}

export interface TrainQuoteCurves {
  runId: string;
  /**
   * live: asked the training worker now. final: the curves the worker computed when the run ended
   * (its final policy = its last checkpoint). checkpoint: computed by loading the latest checkpoint in
   * a worker (runs that ended without final curves, e.g. after a crash).
   */
  source: 'live' | 'final' | 'checkpoint';
  /** Training step of the policy the curves describe. */
  step: number;
  curves: QuoteCurve[];
}

/** Per-path metrics of an evaluation (core/rl/eval/evaluate.ts PathMetricKey; docs/metrics.md). */
export type EvalMetricKey =
  | 'reward'
  | 'pnl'
  | 'sessionSharpe'
  | 'maxDrawdown'
  | 'es99'
  | 'fillRate'
  | 'effectiveSpreadBps'
  | 'realizedSpreadBps';

/** Mean over the evaluation paths and its percentile-bootstrap confidence interval. */
export interface EvalMeanCi {
  mean: number;
  low: number;
  high: number;
}

export interface TrainEvalRow {
  /** The agent (the checkpoint's policy) or a baseline quoter (AS, GLFT, …). */
  name: string;
  kind: 'agent' | 'baseline';
  summary: Record<EvalMetricKey, EvalMeanCi>;
  /** A tuned baseline's parameters (γ, A, k, halfSpread, skewPerLot as its family has them). */
  params?: Record<string, number>;
  /** Its parameters whose optimum lies on the edge of the search box, e.g. "gamma at its lower bound". */
  edges?: string[];
}

export interface TrainEvalReport {
  runId: string;
  checkpoint: string;
  step: number;
  /** Evaluation paths (held-out seeds: never training paths). */
  episodes: number;
  seed: number;
  /** Confidence level of the intervals, e.g. 0.95. */
  level: number;
  rows: TrainEvalRow[];
  /** When the baselines were tuned first: on how many training paths, and which one was best there. */
  tuning?: { paths: number; seed: number; bestBaseline: string; candidates: number } | null;
  /** Free-text notes from the evaluator (paired tests against the best baseline, …). */
  notes: string[];
}

// ------------------------------------------------------------------------------------------------
// Market data and calibration (core/services/data-service.ts)

/** The source formats `data.import` reads (core/data/*-import.ts; the CLI's --format values). */
export const DATA_IMPORT_FORMATS = ['lobster', 'binance-raw', 'binance-csv', 'tardis'] as const;
export type DataImportFormat = (typeof DATA_IMPORT_FORMATS)[number];

/**
 * A catalog dataset's metadata (core/data/catalog.ts DatasetInfo, restated here because the renderer
 * compiles this file without Node; data-service.ts checks at compile time that the two are the same).
 */
export interface DatasetInfo {
  formatVersion: number;
  id: string;
  name: string;
  venue: string;
  symbol: string;
  format: string;
  levels: number | null;
  /** First and last exchange timestamps, ns since the Unix epoch as decimal strings. */
  firstTsNs: string;
  lastTsNs: string;
  counts: { events: number; bookEvents: number; trades: number };
  contentHash: string;
  sources: { role: string; file: string; bytes: number }[];
  verification: Record<string, number>;
}

/** core/calibration/book-stats.ts BookStats, restated for the renderer (checked like DatasetInfo). */
export interface BookStats {
  dataset: string;
  bookEvents: number;
  seconds: number;
  tick: number;
  spread: { state: string; share: number; timeShare: number }[];
  lockedOrCrossed: number;
  transition: (number[] | null)[];
  trades: {
    count: number;
    perSecond: number;
    buyShare: number;
    sizeMean: number;
    sizeQuantiles: { p50: number; p90: number; p99: number; max: number };
  };
  latencyMs: { count: number; min: number; p50: number; p95: number; p99: number; max: number } | null;
}

/**
 * A dataset's top of book on a regular time grid (≤ maxPoints buckets): per bucket the last best bid
 * and ask seen by its end (carried forward through empty buckets), their mid and the spread. null where
 * a side is empty. `t` is seconds since the dataset's first event (its time is `info.firstTsNs`).
 */
export interface DatasetSeries {
  bucketSeconds: number;
  t: number[];
  bid: (number | null)[];
  ask: (number | null)[];
  mid: (number | null)[];
  spread: (number | null)[];
}

export interface DatasetDetail {
  info: DatasetInfo;
  series: DatasetSeries;
}

/**
 * A data job (an import or a calibration fit) in the data service's queue. Phases of an import:
 * queued, reading, writing; of a fit: queued, reading, garch, regimes, intensity, book.
 */
export interface DataJobInfo {
  jobId: string;
  kind: 'import' | 'calibration';
  /** What it works on: the file names of an import, the dataset of a fit. */
  label: string;
  /** The dataset id (a fit; an import once it is known). */
  dataset: string | null;
  phase: string;
  done: number;
  total: number;
  startedAt: string;
}

/** One fitted parameter: estimate, standard error and a Wald interval at CalibrationResult.level. */
export interface ParamEstimate {
  name: string;
  estimate: number;
  stdError: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** Unit of the estimate (e.g. "per s", "per USD", "" for a pure number). */
  unit: string;
}

export interface CalibrationFlow {
  level: 'L3' | 'L2';
  bins: { ticks: number; arrivalRate: number; cancelRate: number }[];
  /** Market orders per second per side: as measured, and as the scenario uses them after the pilot. */
  marketRate: { measured: number; used: number };
  informedShare: number;
  volatilityModel: 'garch' | 'regimes' | 'constant';
  activityProfile: { bucketSeconds: number; multipliers: number[] } | null;
  pilot: {
    seconds: number;
    paths: number;
    /** Market orders per second (both sides): real, and simulated at the μ used. */
    marketTarget: number;
    marketSimulated: number;
    markoutHorizon: number;
    /** Real mark-out of the passive side (ticks) and the simulated one per informed share tried. */
    markoutTarget: number;
    grid: { share: number; markout: number }[];
  } | null;
}

export interface CalibrationResult {
  dataset: string;
  datasetName: string;
  fittedAt: string;
  /** Confidence level of the intervals (0.95). */
  level: number;
  /**
   * How the returns were sampled (core/calibration/calibrate.ts): changes of the mid in price units
   * over a regular grid of `intervalSeconds`; the share of zero changes; their σ per √s.
   */
  returns: { intervalSeconds: number; n: number; zeroShare: number; sigmaPerSqrtSecond: number };
  garch: {
    params: ParamEstimate[];
    persistence: number;
    /** Unconditional σ of one interval's return. */
    unconditionalSigma: number;
    logLikelihood: number;
    converged: boolean;
    warnings: string[];
  } | null;
  regimes: {
    /** The 2-state fit's means, σs and switching probabilities with observed-information intervals. */
    params: ParamEstimate[];
    /** σ per state (ascending: state 0 calm), per interval. */
    sigmas: number[];
    means: number[];
    /** P[j][k] = Pr(next state k | state j), per interval. */
    transition: number[][];
    /** Expected time in each state, seconds. */
    durationsSeconds: number[];
    /** Regime classification measure (0 = sharp, 100 = no information). */
    classificationMeasure: number;
    logLikelihood: number;
    warnings: string[];
  } | null;
  /**
   * Time series over the return grid (t = seconds since the dataset's first event, at the end of each
   * interval): GARCH conditional σ_t and the smoothed probability of the high-volatility state.
   */
  volatility: { t: number[]; sigma: (number | null)[]; pHigh: (number | null)[] };
  intensity: {
    A: ParamEstimate;
    k: ParamEstimate;
    deviance: number;
    degreesOfFreedom: number;
    trades: number;
    tradesUsed: number;
    seconds: number;
    medianHalfSpread: number;
    /** Empirical and fitted rates per distance bin (per second, both sides). */
    bins: { delta: number; count: number; exposure: number; empiricalRate: number; fittedRate: number }[];
  } | null;
  book: BookStats | null;
  /**
   * The book-mode backtest config `quotebench calibrate` writes for this dataset (YAML with a comment
   * naming the source of each value); `calibration.saveScenario` saves it under a name.
   */
  scenario: { yaml: string } | null;
  /**
   * The order flow the scenario's simulator runs (core/calibration/flow-rates.ts and pilot.ts): per
   * distance from the mid, the limit arrivals per second per side (the placement law) and the cancel rate
   * θ(d) as the scenario carries them; the market-order rate measured and after the pilot; the informed
   * share; the volatility model and the intraday activity profile. Absent in fits saved before it existed.
   */
  flow?: CalibrationFlow | null;
  /** Why a part could not be fitted (e.g. too few trades for the intensity), by part. */
  errors: { garch?: string; regimes?: string; intensity?: string; book?: string; scenario?: string };
  /** The fit's headline numbers as its tracked run records them (calibration-fit.ts calibrationMetrics). */
  metrics?: Record<string, number>;
  /** The catalog's content hash of the dataset fitted. */
  datasetHash?: string;
}

// ------------------------------------------------------------------------------------------------
// Venue API keys (core/secrets; issue 14 §5). Nothing here ever carries a key or a secret.

/**
 * What the app knows about the stored keys: which venues have some, never the values. backend:
 * Electron's safeStorage in the app, a passphrase-encrypted file in the web shell (locked until the
 * passphrase is given once per server start; `initialized`: the file exists, so the passphrase is
 * checked, else the first one sets it).
 */
export interface SecretsStatus {
  backend: 'safe-storage' | 'encrypted-file';
  available: boolean;
  locked: boolean;
  initialized: boolean;
  venues: string[];
  /** Why keys cannot be stored here (null when they can). */
  reason: string | null;
}

// ------------------------------------------------------------------------------------------------
// Paper trading (core/paper, core/venues; issue 14 §5). The session runs in the back end; the app
// sees throttled snapshots. Credentials never appear in any of these shapes.

/**
 * Where a paper session trades: our orders matched locally against a recorded dataset of the catalog
 * (`paper-dataset`) or a live public feed (`paper-live`), or real orders on Binance's USD-M futures
 * demo or spot testnet with the user's stored keys.
 */
export const PAPER_VENUES = [
  'paper-dataset',
  'paper-live',
  'binance-usdm-demo',
  'binance-spot-testnet',
] as const;
export type PaperVenue = (typeof PAPER_VENUES)[number];
/** The venues that trade with the user's API keys (stored under these names: secrets.*). */
export const KEYED_PAPER_VENUES = ['binance-usdm-demo', 'binance-spot-testnet'] as const;

export type PaperSessionStatus = 'starting' | 'running' | 'stopping' | 'stopped' | 'killed' | 'failed';

export interface PaperOrderView {
  clientOrderId: string;
  side: 'buy' | 'sell';
  price: number;
  /** Base units (venue amounts). */
  amount: number;
  filled: number;
  status: 'pending' | 'open' | 'partially-filled';
  /** Estimated amount queued ahead of the order at its price (null: unknown, e.g. not yet resting). */
  queueAhead: number | null;
}

export interface PaperFillView {
  tradeId: string;
  /** Feed time (epoch ms). */
  t: number;
  side: 'buy' | 'sell';
  price: number;
  amount: number;
  /** Paid in quote currency (negative: a rebate). */
  fee: number;
  liquidity: 'maker' | 'taker';
}

/** One risk limit's use: `used` of `limit` (same unit); the bar is used / limit. */
export interface PaperRiskUsage {
  key: 'inventory' | 'notional' | 'orderRate' | 'pnlStop' | 'staleData' | 'priceBand';
  label: string;
  used: number;
  limit: number;
  unit: string;
}

/** A paper session as the app sees it, at most ~10 a second (`paper.snapshot`). */
export interface PaperSnapshot {
  sessionId: string;
  seq: number;
  status: PaperSessionStatus;
  venue: PaperVenue;
  symbol: string;
  /** Feed time (epoch ms) of the state shown. */
  t: number;
  connection: {
    status: 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'closed';
    attempt: number;
    reason: string;
  };
  /** The top of the book (decimal prices, venue amounts); `ours` = our resting amount at the level. */
  bids: LadderLevel[];
  asks: LadderLevel[];
  /** Working orders (not terminal). */
  orders: PaperOrderView[];
  /** The latest fills (at most 50, oldest first) and how many there were in the session. */
  fills: PaperFillView[];
  fillCount: number;
  /** Position (base units), PnL marked to the mid and fees paid (quote currency). */
  inventory: number;
  pnl: number;
  fees: number;
  /** Samples since the previous snapshot (feed time ms), for the charts. */
  points: { t: number[]; mid: (number | null)[]; pnl: number[]; inventory: number[] };
  risk: PaperRiskUsage[];
  /** Why quoting is halted (a risk limit, stale data, the kill switch), null while quoting. */
  halted: string | null;
  /** Why the session failed (null otherwise). */
  error: string | null;
}

/** What `paper.kill` did: every order cancelled (and the position flattened when asked) or why not. */
export interface PaperKillResult {
  sessionId: string;
  /** Orders cancelled by the kill switch. */
  cancelled: number;
  /** Orders the venue still reports open afterwards (0 is the goal). */
  openOrders: number;
  flattened: boolean;
  /** Position left after the kill (base units). */
  inventory: number;
  /** Wall time from the call to the venue confirming no open order (ms). */
  elapsedMs: number;
}

// ------------------------------------------------------------------------------------------------
// Inputs

const id = z.string().min(1).max(100);

/** A file's base name as the user loaded it (messages only; never opened on the server). */
const fileName = z.string().min(1).max(200);

const backtestStartInput = z
  .strictObject({
    /** A backtest config object (same schema as the YAML files). */
    config: z.unknown().optional(),
    /** Or the YAML text of a config. */
    yaml: z.string().max(1_000_000).optional(),
    /** How many paths per strategy keep their full series for charts (default 3). */
    keepPaths: z.number().int().min(0).max(50).default(3),
    /** The name of the file the YAML came from, used in error messages (default "config.yaml"). */
    file: fileName.optional(),
  })
  .refine((x) => (x.config === undefined) !== (x.yaml === undefined), {
    message: 'give exactly one of config or yaml',
  });

const validateInput = z.strictObject({
  /** The YAML text of a backtest config, as being edited. */
  yaml: z.string().max(1_000_000),
  /** The name of the file it came from, used in the issues' messages (default "config.yaml"). */
  file: fileName.optional(),
});

/** The queue models of a dataset replay (core/sim/models/queue.ts; fifo needs L3 data). */
export const REPLAY_QUEUE_MODELS = ['fifo', 'risk-averse', 'prob-power', 'prob-log'] as const;

const replayStartInput = z.strictObject({
  /**
   * simulated (default): a preset id or a backtest config (YAML) whose scenario is in book mode — or in
   * replay mode, which plays that dataset. dataset: play `dataset` of the catalog with `strategy`.
   */
  source: z.enum(['simulated', 'dataset']).default('simulated'),
  preset: z.string().max(100).optional(),
  yaml: z.string().max(1_000_000).optional(),
  /** source dataset: the dataset (id, unique id prefix or name; data.list). */
  dataset: z.string().min(1).max(200).optional(),
  /** source dataset: a strategy spec as in a config's `strategies` (scalar parameters). */
  strategy: z.record(z.string(), z.unknown()).optional(),
  /** source dataset: queue model (default fifo on L3 data, else risk-averse). */
  queue: z.enum(REPLAY_QUEUE_MODELS).optional(),
  /** source dataset: constant latency of every message in seconds, or the capture's recorded delays. */
  latency: z.union([z.literal('recorded'), z.number().finite().min(0).max(60)]).optional(),
  /** source dataset: session start, seconds after the dataset's first event. */
  from: z.number().finite().min(0).optional(),
  /** source dataset: venue units per lot and the quoter's decision interval (s). */
  lotSize: z.number().finite().positive().optional(),
  decisionInterval: z.number().finite().positive().optional(),
  /** Which strategy of the config quotes (index into strategies after grid expansion). */
  strategyIndex: z.number().int().min(0).max(1000).default(0),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  speed: z.number().min(0).max(1e6).default(1),
  depthLevels: z.number().int().min(1).max(50).default(10),
  /** Max batches per second sent to the client. */
  maxBatchesPerSec: z.number().int().min(1).max(240).default(60),
});

const isoDate = z
  .string()
  .max(40)
  .refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO date');
/**
 * `runs.search`: every filter optional. `text`: words that must all match, each in the name, strategies,
 * scenarios, config, tags or id, or in one of them with a prefix (`strategy:glft`, `name:`, `scenario:`,
 * `config:`, `tag:`, `id:`); "quotes" keep a phrase.
 */
const runSearchInput = z.strictObject({
  kinds: z.array(z.enum(SEARCH_KINDS)).max(SEARCH_KINDS.length).optional(),
  text: z.string().max(200).optional(),
  codeVersion: z.string().max(200).optional(),
  datasetHash: z.string().max(128).optional(),
  statuses: z
    .array(z.enum(['running', 'completed', 'cancelled', 'failed', 'incomplete']))
    .max(5)
    .optional(),
  /** created at ≥ from, < to (ISO). */
  from: isoDate.optional(),
  to: isoDate.optional(),
  /** 'createdAt' | 'name' | 'kind' | 'status' | 'seed', or a metric key. */
  sortBy: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.]+$/, 'letters, digits, _ and . only')
    .default('createdAt'),
  sortDir: z.enum(['asc', 'desc']).default('desc'),
  /** For a metric: a run's value is its best result, the max (or min for 'min') over its results. */
  best: z.enum(['max', 'min']).default('max'),
  offset: z.number().int().min(0).max(1_000_000).default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export type RunSearchInput = z.output<typeof runSearchInput>;

const trainStartInput = z
  .strictObject({
    /** A training preset id (train.presets) … */
    preset: z.string().min(1).max(100).optional(),
    /** … or the YAML text of a training config. */
    yaml: z.string().max(1_000_000).optional(),
    /** Display name (default: the config's name, else the preset id). */
    name: z.string().min(1).max(200).optional(),
  })
  .refine((x) => (x.preset === undefined) !== (x.yaml === undefined), {
    message: 'give exactly one of preset or yaml',
  });

/**
 * A source file for `data.import`: a path on the host (Electron, from the native file dialog) or an
 * upload reference `upload:<id>/<file name>` returned by the web shell's POST /upload.
 */
const sourcePath = z.string().min(1).max(4096);

const dataImportInput = z.strictObject({
  format: z.enum(DATA_IMPORT_FORMATS),
  /** LOBSTER: the message and the orderbook file (told apart by their names); others: 1–32 files. */
  paths: z.array(sourcePath).min(1).max(32),
  /** Dataset name (default: from the files). */
  name: z.string().min(1).max(100).optional(),
});

/** A scenario name: letters, digits, '-', '_' and '.', used as its file name. */
const scenarioName = z
  .string()
  .min(1)
  .max(60)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "use letters, digits, '.', '_' and '-' (starting with a letter or digit)",
  );

/** A venue id in the key store (the paper venues that need keys). */
const secretVenue = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lowercase letters, digits and "-" (at most 64)');
/** An API key or secret: printable ASCII without spaces (messages never echo the value). */
const credential = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII characters without spaces');
const passphrase = z.string().min(8, 'use at least 8 characters').max(1024);

const paperLimits = z.strictObject({
  /** |position| at most this many quoter lots. */
  maxInventory: z.number().finite().positive().max(1e12).optional(),
  /** |position| × mid at most this much quote currency. */
  maxNotional: z.number().finite().positive().max(1e15).optional(),
  /** Order requests (place/cancel/amend) per second. */
  maxOrderRate: z.number().finite().positive().max(1000).optional(),
  /** Quotes farther than this from the mid (basis points) are not sent. */
  bandBps: z.number().finite().positive().max(10_000).optional(),
  /** No quoting on a book older than this (ms). */
  staleMs: z.number().int().positive().max(600_000).optional(),
  /** Stop quoting (and cancel) when the session PnL falls below −pnlStop (quote currency). */
  pnlStop: z.number().finite().positive().max(1e15).optional(),
});

const paperStartInput = z.strictObject({
  venue: z.enum(PAPER_VENUES),
  /** Unified or venue symbol (live feeds and Binance; a dataset has its own). */
  symbol: z.string().min(1).max(40).optional(),
  /** paper-dataset: the catalog dataset (id, unique id prefix or name; data.list). */
  dataset: z.string().min(1).max(200).optional(),
  /** paper-dataset: feed time per wall time (1 = as recorded); 0 = as fast as possible. */
  speed: z.number().finite().min(0).max(1e6).default(1),
  /** The quoter: a strategy spec as in a config's `strategies` (scalar parameters), or a checkpoint. */
  quoter: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('classical'), strategy: z.record(z.string(), z.unknown()) }),
    z.strictObject({
      kind: z.literal('checkpoint'),
      /** A training run id (train.list). */
      run: id,
      /** A checkpoint id (train.checkpoints); default the newest. */
      checkpoint: z.string().min(1).max(100).optional(),
    }),
  ]),
  limits: paperLimits.default({}),
  /** Venue units per quoter lot (default the market's amount step). */
  lotSize: z.number().finite().positive().optional(),
  /** The quoter decides every this many ms of feed time. */
  decisionIntervalMs: z.number().int().min(1).max(60_000).optional(),
  /** Record the session's feed as a catalog dataset. */
  record: z.boolean().default(false),
});

const methodSchemas = {
  'app.info': z.strictObject({}),
  'scenarios.presets': z.strictObject({}),
  'scenarios.validate': validateInput,
  'backtest.start': backtestStartInput,
  'jobs.list': z.strictObject({}),
  'jobs.cancel': z.strictObject({ jobId: id }),
  'runs.list': z.strictObject({ limit: z.number().int().min(1).max(1000).default(200) }),
  'runs.get': z.strictObject({ runId: id }),
  'runs.series': z.strictObject({
    runId: id,
    resultIndex: z.number().int().min(0).max(100_000),
    path: z.number().int().min(0).max(10_000_000),
  }),
  'runs.delete': z.strictObject({ runId: id }),
  /** The tear sheet of one run, or a comparison of several (docs/reports.md). */
  'runs.report': z.strictObject({ runIds: z.array(id).min(1).max(8) }),
  'runs.search': runSearchInput,
  'runs.records': z.strictObject({ runIds: z.array(id).min(1).max(8) }),
  /** The same tear sheet printed to PDF by Chromium (Electron's printToPDF in the app). */
  'runs.reportPdf': z.strictObject({ runIds: z.array(id).min(1).max(8) }),
  /** Stored sweeps and stress sweeps (newest first), read-only. */
  'sweeps.list': z.strictObject({}),
  /** A sweep's scenario × strategy grid: per metric, the mean over seeds and its 95% t interval. */
  'sweeps.get': z.strictObject({ id }),
  /** The shipped sweep and stress-sweep configs (starting points for sweeps.start). */
  'sweeps.presets': z.strictObject({}),
  /**
   * Run a sweep or stress sweep (core/sweep/config.ts; YAML text or the object) in the back end's worker
   * pool, as `quotebench sweep|stress` does; progress on sweep.progress, the end on sweep.done.
   */
  'sweeps.start': z
    .strictObject({
      yaml: z.string().max(200_000).optional(),
      config: z.record(z.string(), z.unknown()).optional(),
      /** Default: 'stress' when the config has `scenario`/`stresses`, else 'sweep'. */
      kind: z.enum(['sweep', 'stress']).optional(),
      /** The file name messages use. */
      file: z.string().min(1).max(200).optional(),
    })
    .refine((x) => (x.yaml === undefined) !== (x.config === undefined), {
      message: 'give exactly one of yaml or config',
    }),
  'sweeps.cancel': z.strictObject({ id }),
  /** A cell as a stored backtest run with series (run once, then found again), with its base run. */
  'sweeps.openCell': z.strictObject({
    id,
    scenario: z.string().min(1).max(300),
    strategyIndex: z.number().int().min(0).max(100_000),
    /** Default: the sweep's first seed. */
    seed: z.number().int().min(0).max(0xffffffff).optional(),
  }),
  'replay.start': replayStartInput,
  'replay.control': z.strictObject({
    sessionId: id,
    action: z.enum(['pause', 'resume', 'step', 'speed', 'seek', 'stop']),
    speed: z.number().min(0).max(1e6).optional(),
    /** seek: the session time to go to (seconds; clamped to the session). */
    t: z.number().finite().min(0).optional(),
  }),
  'train.presets': z.strictObject({}),
  'train.start': trainStartInput,
  'train.control': z.strictObject({ id, action: z.enum(['pause', 'resume', 'stop']) }),
  'train.resume': z.strictObject({ id }),
  'train.list': z.strictObject({ limit: z.number().int().min(1).max(1000).default(200) }),
  'train.get': z.strictObject({ id, maxPoints: z.number().int().min(10).max(2000).default(2000) }),
  'train.checkpoints': z.strictObject({ id }),
  'train.quoteCurves': z.strictObject({
    id,
    /** Inventories (lots) to evaluate the policy at (default −10…10). */
    inventories: z.array(z.number().finite().min(-1e6).max(1e6)).min(2).max(201).optional(),
  }),
  'train.evaluate': z.strictObject({
    id,
    /** A checkpoint id (e.g. "step-000120000"); default: the newest. */
    checkpoint: z.string().min(1).max(100).optional(),
    episodes: z.number().int().min(1).max(10_000).default(20),
    /** Tune every baseline on this many training paths first (0: the config's untuned AS and GLFT). */
    tuneEpisodes: z.number().int().min(0).max(1000).default(0),
  }),
  'data.list': z.strictObject({}),
  'data.get': z.strictObject({ id, maxPoints: z.number().int().min(10).max(2000).default(2000) }),
  'data.pickFiles': z.strictObject({ format: z.enum(DATA_IMPORT_FORMATS) }),
  'data.import': dataImportInput,
  'data.jobs': z.strictObject({}),
  'calibration.fit': z.strictObject({ dataset: id }),
  'calibration.get': z.strictObject({ dataset: id }),
  'calibration.saveScenario': z.strictObject({ dataset: id, name: scenarioName }),
  /** Which venues have stored API keys (never the keys). */
  'secrets.status': z.strictObject({}),
  /** encrypted-file: give the passphrase (the first one sets it); safe-storage: nothing to do. */
  'secrets.unlock': z.strictObject({ passphrase }),
  /** Store a venue's API key and secret (write-only: no method returns them). */
  'secrets.set': z.strictObject({
    venue: secretVenue,
    apiKey: credential,
    secret: credential,
    /** encrypted-file: unlock with this passphrase first (the first one sets it). */
    passphrase: passphrase.optional(),
  }),
  'secrets.delete': z.strictObject({ venue: secretVenue }),
  /** Start a paper session (one at a time); credentials come from the key store, never the input. */
  'paper.start': paperStartInput,
  /** Stop quoting, cancel our orders, close the venue. */
  'paper.stop': z.strictObject({ sessionId: id }),
  /** The kill switch: cancel every order now (within 1 s) and optionally flatten the position. */
  'paper.kill': z.strictObject({ sessionId: id.optional(), flatten: z.boolean().default(false) }),
  /** The running (or last) session's latest snapshot, null when there was none. */
  'paper.status': z.strictObject({}),
} satisfies Record<MethodName, z.ZodType>;

export interface MethodOutputs {
  'app.info': AppInfo;
  'scenarios.presets': ScenarioPreset[];
  'scenarios.validate': ConfigValidation;
  'backtest.start': { jobId: string; runId: string };
  'jobs.list': JobInfo[];
  'jobs.cancel': { cancelled: boolean };
  'runs.list': RunListRow[];
  'runs.get': RunDetail;
  'runs.series': SeriesPayload;
  'runs.delete': { deleted: boolean };
  'runs.report': RunReport;
  'runs.search': RunSearchPage;
  'runs.records': RunRecord[];
  'runs.reportPdf': RunReportPdf;
  'sweeps.list': SweepListRow[];
  'sweeps.get': SweepDetail;
  'sweeps.presets': SweepPreset[];
  'sweeps.start': SweepStarted;
  'sweeps.cancel': { cancelled: boolean };
  'sweeps.openCell': SweepCellRuns;
  'replay.start': ReplayState;
  'replay.control': ReplayState;
  'train.presets': TrainPreset[];
  'train.start': TrainingRunRow;
  'train.control': TrainingRunRow;
  'train.resume': TrainingRunRow;
  'train.list': TrainingRunRow[];
  'train.get': TrainingDetail;
  'train.checkpoints': TrainingCheckpointRow[];
  'train.quoteCurves': TrainQuoteCurves;
  'train.evaluate': TrainEvalReport;
  'data.list': DatasetInfo[];
  'data.get': DatasetDetail;
  /** Host paths chosen in the native file dialog (Electron only; [] when cancelled). */
  'data.pickFiles': { paths: string[] };
  'data.import': { jobId: string };
  'data.jobs': DataJobInfo[];
  'calibration.fit': { jobId: string };
  'calibration.get': CalibrationResult;
  /** The saved scenario, now listed by `scenarios.presets`, and the file it was written to. */
  'calibration.saveScenario': { preset: ScenarioPreset; file: string };
  'secrets.status': SecretsStatus;
  'secrets.unlock': SecretsStatus;
  'secrets.set': SecretsStatus;
  'secrets.delete': SecretsStatus & { deleted: boolean };
  'paper.start': PaperSnapshot;
  'paper.stop': PaperSnapshot;
  'paper.kill': PaperKillResult;
  'paper.status': { session: PaperSnapshot | null };
}

export interface EventPayloads {
  'job.progress': { jobId: string; runId: string; done: number; total: number; strategy: string };
  'job.done': { jobId: string; runId: string; status: RunStatus; error: string | null };
  'book.snapshot': BookSnapshot;
  'sim.tick': SimTick;
  'replay.state': ReplayState;
  /** New samples of a training run since the previous event (≤ 10 events a second per run). */
  'train.metrics': { runId: string; samples: TrainMetrics[] };
  /** A training run's row whenever its status, backend or reason changes. */
  'train.status': TrainingRunRow;
  'train.checkpoint': { runId: string; checkpoint: TrainingCheckpointRow };
  'train.log': { runId: string; at: string; line: string };
  /** Progress of a `train.evaluate` call: tuning the baselines (candidates), then the held-out paths. */
  'train.evalProgress': { runId: string; phase: 'tune' | 'eval'; done: number; total: number };
  /** A data job's progress (≤ 10 events a second per job). */
  'data.progress': DataJobInfo;
  /** A data job ended; `dataset` is the imported (or fitted) dataset's id. */
  'data.done': {
    jobId: string;
    kind: DataJobInfo['kind'];
    status: 'completed' | 'cancelled' | 'failed';
    error: string | null;
    dataset: string | null;
    /** An import of files already in the catalog (nothing new was written). */
    existed: boolean;
  };
  /** A running sweep's progress: cells done (stored ones included) of total (≤ 10 events a second). */
  'sweep.progress': {
    sweepId: string;
    done: number;
    total: number;
    skipped: number;
    failed: number;
    /** The last cell finished ("scenario · strategy · seed n"). */
    last: string | null;
  };
  /** A sweep started by sweeps.start ended. */
  'sweep.done': {
    sweepId: string;
    status: 'completed' | 'cancelled' | 'failed';
    computed: number;
    skipped: number;
    failed: number;
    error: string | null;
  };
  /** A paper session's state (≤ 10 a second, and at every status change). */
  'paper.snapshot': PaperSnapshot;
}

export const contract = { methods: methodSchemas } as const;

export type MethodInput<M extends MethodName> = z.output<(typeof methodSchemas)[M]>;
/** What a caller may send (defaults are optional). */
export type MethodInputArg<M extends MethodName> = z.input<(typeof methodSchemas)[M]>;
export type MethodOutput<M extends MethodName> = MethodOutputs[M];
export type EventPayload<T extends EventTopic> = EventPayloads[T];

// Compile-time check: the outputs and payloads cover exactly the names.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _outputsCoverMethods: Exact<keyof MethodOutputs, MethodName> = true;
const _payloadsCoverTopics: Exact<keyof EventPayloads, EventTopic> = true;
void _outputsCoverMethods;
void _payloadsCoverTopics;
