/**
 * Limits on the work and memory a backtest implies, checked before the job starts (issue 9 §2).
 *
 * A validated config can still describe a job that runs for weeks or allocates more memory than the
 * machine has (a 1,000 × 1,000 grid, `horizon: 1e10, dt: 1`). `checkBacktestLimits` estimates, from
 * the config alone and without expanding any grid, what the job will do (steps per path, runs, bars
 * kept, fills) and throws a LimitError naming the first limit it exceeds. A user who means it raises
 * the limit in the config's `limits:` section (strict: unknown keys are errors).
 *
 * Estimates (upper bounds where a bound is cheap, otherwise the expected value):
 * - steps per path: intensity mode round(horizon / dt); book mode the expected event count
 *   (horizon + warmup)·(4·limitRate + 2·marketRate + 1/priceDt) + horizon·4/decisionInterval
 *   (limit arrivals on both sides, at most one cancel per limit order, market orders, price steps;
 *   per decision: the decision, order entry, cancel and market-data delivery);
 * - series bars per path: ceil(steps / sampleEvery) (intensity) or ceil(horizon / sampleInterval) (book);
 *   a bar costs 7 Float64 columns, (bars + 1)·56 bytes per path;
 * - our fills per path: at most 2·steps·min(1, A·dt) in intensity mode (one per side per step, quotes
 *   at or outside the mid); 2·marketRate·horizon + 2·horizon/decisionInterval in book mode; a fill
 *   costs 41 bytes (five Float64 columns and a side byte);
 * - bars of a run: paths × bars; the run's metrics keep every bar's PnL increment (historical VaR/ES,
 *   core/metrics/run-metrics.ts), 8 bytes each, up to 3× that at the peak (growth and the selection's
 *   scratch copy);
 * - kept paths: runs × min(keepPaths, paths) × (series + fills).
 *
 * Invariant: every default admits every shipped config (resources/configs), preset and test config;
 * together they bound one job to ~6 GB and, at the measured ~10⁶ steps or events per second, about
 * 6 hours of CPU (see DEFAULT_BACKTEST_LIMITS).
 */
import { z } from 'zod';
import type { BacktestConfig, ScenarioConfig } from './config';
import { gridSize } from '../strategy/specs';

const limit = z.number().positive();

/**
 * The `limits:` section of a backtest config. Every key is optional; a missing key takes its default
 * from DEFAULT_BACKTEST_LIMITS.
 */
export const backtestLimitsSchema = z.strictObject({
  /** paths × steps of one run (default 1e10). */
  maxPathSteps: limit.optional(),
  /** Runs: strategies with every grid expanded (default 10,000). */
  maxRuns: limit.optional(),
  /** runs × paths × steps of the whole job (default 2e10). */
  maxTotalSteps: limit.optional(),
  /** Series bars of one path, steps / sampleEvery (default 1e7: 560 MB per path). */
  maxSeriesBars: limit.optional(),
  /** paths × series bars of one run, kept by its metrics (default 1e8: 800 MB, 2.4 GB at the peak). */
  maxRunBars: limit.optional(),
  /** Our fills on one path, estimated (default 5e7: 2 GB per path). */
  maxFillsPerPath: limit.optional(),
  /** Bytes of the paths kept for charts and the store (default 1e9). */
  maxKeptBytes: limit.optional(),
});

export type BacktestLimitsConfig = z.output<typeof backtestLimitsSchema>;
export type BacktestLimits = { [K in keyof BacktestLimitsConfig]-?: number };

/**
 * Defaults. Largest shipped job: as2008 = 6 runs × 1000 paths × 200 steps = 1.2e6 steps; book-stress
 * ≈ 2 paths × 3.2e6 events (estimated; 2.5e6 measured). The work defaults are ≥ 1000× those; 2e10
 * steps is ~6 h at the measured ~10⁶ steps (intensity, AS quoter) or events (book) per second. Memory
 * of one job ≤ 560 MB (series of the running path) + 2 GB (its fills) + 2.4 GB (the run's bar
 * increments at the peak) + 1 GB (kept paths) ≈ 6 GB; the job pool runs cores − 1 jobs at once.
 */
export const DEFAULT_BACKTEST_LIMITS: Readonly<BacktestLimits> = Object.freeze({
  maxPathSteps: 1e10,
  maxRuns: 10_000,
  maxTotalSteps: 2e10,
  maxSeriesBars: 1e7,
  maxRunBars: 1e8,
  maxFillsPerPath: 5e7,
  maxKeptBytes: 1e9,
});

/** Queued and running backtests one client may have at once (AppService default). */
export const DEFAULT_MAX_JOBS_PER_CLIENT = 8;

/** Bytes of one series bar: t, mid, bid, ask, inventory, cash, pnl as Float64. */
export const SERIES_BAR_BYTES = 7 * 8;
/** Bytes of one fill: t, price, size, fee, midAtFill as Float64 and the side byte. */
export const FILL_BYTES = 5 * 8 + 1;

/** A job over a limit. `key` is the config key that raises it (e.g. "limits.maxPathSteps"). */
export class LimitError extends Error {
  override readonly name = 'LimitError';
  constructor(
    /** Dotted config key of the limit, e.g. "limits.maxRuns". */
    readonly key: string,
    readonly limit: number,
    readonly value: number,
    /** What was measured, e.g. "paths × steps". */
    readonly quantity: string,
    hint = '(raise it under limits: if you mean it)',
  ) {
    super(`${quantity} = ${formatCount(value)} exceeds ${key} = ${formatCount(limit)} ${hint}`);
  }
}

/** 2e12, 1.5e10, 10000, 3.2e6: short and exact enough for a message. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) < 1e5 && Number.isInteger(n)) return String(n);
  if (Math.abs(n) < 1e5) return String(Number(n.toPrecision(4)));
  const [mant = '', exp = ''] = n.toExponential(2).split('e');
  return `${String(Number(mant))}e${exp.replace('+', '')}`;
}

/** Work and memory of one path of a scenario. */
export interface PathWork {
  /** Simulation steps (intensity) or expected events (book) of one path. */
  steps: number;
  /** Series bars of one path. */
  bars: number;
  /** Estimated fills of ours on one path. */
  fills: number;
  /** Bytes of one kept path (series + fills). */
  pathBytes: number;
}

export function scenarioPathWork(sc: ScenarioConfig): PathWork {
  let steps: number;
  let bars: number;
  let fills: number;
  if (sc.mode === 'intensity') {
    steps = Math.round(sc.horizon / sc.dt);
    bars = Math.ceil(steps / Math.max(1, sc.sampleEvery));
    fills = 2 * steps * Math.min(1, sc.intensity.A * sc.dt);
  } else if (sc.mode === 'replay') {
    // The recorded events are bounded by the dataset (loaded and checked at run time); the series and
    // fills by the session (a day when `to` is not given).
    const horizon = sc.to !== undefined ? sc.to - sc.from : 86_400;
    const decisions = horizon / sc.decisionInterval;
    steps = Math.ceil(decisions);
    bars = Math.max(1, Math.ceil(horizon / sc.sampleInterval));
    fills = Math.ceil(4 * decisions);
  } else {
    const f = sc.flow;
    const decisions = sc.horizon / sc.decisionInterval;
    steps = Math.ceil(
      (sc.horizon + sc.warmup) * (4 * f.limitRate + 2 * f.marketRate + 1 / sc.priceDt) + 4 * decisions,
    );
    bars = Math.max(1, Math.ceil(sc.horizon / sc.sampleInterval));
    fills = Math.ceil(2 * f.marketRate * sc.horizon + 2 * decisions);
  }
  return { steps, bars, fills, pathBytes: (bars + 1) * SERIES_BAR_BYTES + fills * FILL_BYTES };
}

/** Everything the backtest limits look at. */
export interface BacktestWork extends PathWork {
  runs: number;
  paths: number;
  pathSteps: number;
  totalSteps: number;
  /** paths × bars: the bar increments one run's metrics keep. */
  runBars: number;
  keptPaths: number;
  keptBytes: number;
}

export interface BacktestWorkOptions {
  /** Paths of every run kept for charts (the app's keepPaths; the CLI keeps none). */
  keepPaths?: number;
}

/** The work a config implies, computed without expanding any grid. */
export function estimateBacktestWork(cfg: BacktestConfig, opts: BacktestWorkOptions = {}): BacktestWork {
  const path = scenarioPathWork(cfg.scenario);
  const runs = cfg.strategies.reduce((n, s) => n + gridSize(s), 0);
  const keptPaths = runs * Math.min(Math.max(0, opts.keepPaths ?? 0), cfg.paths);
  return {
    ...path,
    runs,
    paths: cfg.paths,
    pathSteps: cfg.paths * path.steps,
    totalSteps: runs * cfg.paths * path.steps,
    runBars: cfg.paths * path.bars,
    keptPaths,
    keptBytes: keptPaths * path.pathBytes,
  };
}

/** The limits in force: the config's `limits:` over the defaults. */
export function resolveBacktestLimits(section: BacktestLimitsConfig | undefined): BacktestLimits {
  const out: BacktestLimits = { ...DEFAULT_BACKTEST_LIMITS };
  for (const [k, v] of Object.entries(section ?? {}) as [keyof BacktestLimits, number | undefined][])
    if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Check a validated config against its limits before the job starts. Throws LimitError naming the
 * first limit exceeded (grid size first: it is the cheapest to read and the likeliest mistake);
 * returns the estimate otherwise.
 */
export function checkBacktestLimits(
  cfg: BacktestConfig & { limits?: BacktestLimitsConfig | undefined },
  opts: BacktestWorkOptions = {},
): BacktestWork {
  const lim = resolveBacktestLimits(cfg.limits);
  const w = estimateBacktestWork(cfg, opts);
  const stepWord = cfg.scenario.mode === 'book' ? 'events' : 'steps';
  check('maxRuns', lim.maxRuns, w.runs, 'runs (strategies × grid combinations)');
  check('maxPathSteps', lim.maxPathSteps, w.pathSteps, `paths × ${stepWord}`);
  check('maxTotalSteps', lim.maxTotalSteps, w.totalSteps, `runs × paths × ${stepWord}`);
  check('maxSeriesBars', lim.maxSeriesBars, w.bars, 'series bars per path');
  check('maxRunBars', lim.maxRunBars, w.runBars, 'paths × series bars');
  check('maxFillsPerPath', lim.maxFillsPerPath, w.fills, 'fills per path (estimated)');
  check('maxKeptBytes', lim.maxKeptBytes, w.keptBytes, 'bytes of kept paths');
  return w;
}

function check(key: keyof BacktestLimits, limit: number, value: number, quantity: string): void {
  // NaN never passes (a value that cannot be estimated is not admitted).
  if (!(value <= limit)) throw new LimitError(`limits.${key}`, limit, value, quantity);
}
