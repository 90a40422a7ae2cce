/**
 * The Calibration view's fit of one catalog dataset, run in the data worker (data-worker.ts): the
 * fits of core/calibration on the dataset, gathered into the contract's CalibrationResult.
 *
 * - Returns: log returns of the mid ((bid + ask)/2, the last top of book at or before each grid time,
 *   both sides present) on a regular grid over the dataset's span. The interval is 1 s, widened so there
 *   are at most MAX_RETURNS returns and narrowed (to span / MIN_RETURNS) for a dataset shorter than
 *   MIN_RETURNS seconds; it is stated in the result.
 * - GARCH(1,1) (garch.ts) on those returns, with Wald 95% intervals est ± 1.96·SE; its conditional σ_t.
 * - Two-state Markov-switching normal model (regimes.ts): the smoothed probability of the calmer state
 *   being left, i.e. Pr(s_t = 1 | all returns) (states are ordered by σ, state 1 the volatile one).
 * - Execution intensity λ(δ) = A·e^(−kδ) (intensity-data.ts, intensity.ts) and book statistics
 *   (book-stats.ts) from the dataset's top of book and trades.
 * Each part that cannot be fitted (too few returns or trades, a degenerate series) is reported in
 * `errors` and the others are still returned.
 */
import { bookStats } from '../calibration/book-stats';
import { fitGarch, garchConditionalVariances } from '../calibration/garch';
import { fitIntensity, twoSidedZ } from '../calibration/intensity';
import { intensityFromDataset } from '../calibration/intensity-data';
import { fitRegimes } from '../calibration/regimes';
import { datasetFile, openDuck, readDataset } from '../data/catalog';
import type { CalibrationResult, ParamEstimate } from '../api/contract';

export const MAX_RETURNS = 2000;
export const MIN_RETURNS = 200;
const LEVEL = 0.95;

export type FitPhase = 'reading' | 'garch' | 'regimes' | 'intensity' | 'book';
export const FIT_PHASES: readonly FitPhase[] = ['reading', 'garch', 'regimes', 'intensity', 'book'];

export interface MidGrid {
  intervalSeconds: number;
  /** Seconds since the first top-of-book row, at the end of each return's interval. */
  t: number[];
  returns: number[];
  lastMid: number;
}

/**
 * Mid log returns on a regular grid from top-of-book rows in time order (ts in ns from any origin).
 * Grid points before the first two-sided book are skipped.
 */
export function midReturnsOnGrid(ts: BigInt64Array, bid: Float64Array, ask: Float64Array): MidGrid {
  const n = ts.length;
  if (n < 2) throw new RangeError('fewer than two top-of-book rows');
  const t0 = ts[0]!;
  const span = Number(ts[n - 1]! - t0) / 1e9;
  if (!(span > 0)) throw new RangeError('the top of book spans no time');
  let interval = 1;
  if (span / interval > MAX_RETURNS) interval = span / MAX_RETURNS;
  if (span / interval < MIN_RETURNS) interval = span / MIN_RETURNS;
  const steps = Math.floor(span / interval + 1e-9);
  const t: number[] = [];
  const returns: number[] = [];
  let j = -1;
  let prevMid = Number.NaN;
  let mid = Number.NaN;
  for (let g = 0; g <= steps; g++) {
    const limit = t0 + BigInt(Math.round(g * interval * 1e9));
    while (j + 1 < n && ts[j + 1]! <= limit) {
      j++;
      const b = bid[j]!;
      const a = ask[j]!;
      if (a > 0 && b > 0 && a >= b) mid = (a + b) / 2;
    }
    if (Number.isFinite(prevMid) && Number.isFinite(mid)) {
      t.push(g * interval);
      returns.push(Math.log(mid / prevMid));
    }
    prevMid = mid;
  }
  return { intervalSeconds: interval, t, returns, lastMid: mid };
}

async function readTop(
  dataDir: string,
  id: string,
): Promise<{ ts: BigInt64Array; bid: Float64Array; ask: Float64Array }> {
  const { conn, close } = await openDuck();
  try {
    const file = datasetFile(dataDir, id, 'top').replaceAll("'", "''");
    const rows = (
      await conn.runAndReadAll(`SELECT exchange_ts_ns, bid_price, ask_price FROM read_parquet('${file}')`)
    ).getRows();
    const ts = new BigInt64Array(rows.length);
    const bid = new Float64Array(rows.length);
    const ask = new Float64Array(rows.length);
    rows.forEach((r, i) => {
      ts[i] = r[0] as bigint;
      bid[i] = r[1] === null ? Number.NaN : (r[1] as number);
      ask[i] = r[2] === null ? Number.NaN : (r[2] as number);
    });
    return { ts, bid, ask };
  } finally {
    close();
  }
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function estimate(name: string, est: number, se: number, z: number, unit: string): ParamEstimate {
  const ok = Number.isFinite(se);
  return {
    name,
    estimate: est,
    stdError: ok ? se : null,
    ciLow: ok ? est - z * se : null,
    ciHigh: ok ? est + z * se : null,
    unit,
  };
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Fit everything the Calibration view shows; `onPhase` is told each part as it starts. */
export async function fitDataset(
  dataDir: string,
  datasetId: string,
  onPhase: (phase: FitPhase, index: number) => void = () => undefined,
): Promise<CalibrationResult> {
  const info = readDataset(dataDir, datasetId);
  const z = twoSidedZ(LEVEL);
  const errors: CalibrationResult['errors'] = {};
  onPhase('reading', 0);
  const top = await readTop(dataDir, info.id);
  const grid = midReturnsOnGrid(top.ts, top.bid, top.ask);
  const n = grid.returns.length;
  const sigma: (number | null)[] = new Array<number | null>(n).fill(null);
  const pHigh: (number | null)[] = new Array<number | null>(n).fill(null);

  onPhase('garch', 1);
  let garch: CalibrationResult['garch'] = null;
  try {
    const f = fitGarch(grid.returns);
    const v = garchConditionalVariances(grid.returns, f);
    for (let i = 0; i < n; i++) sigma[i] = orNull(Math.sqrt(v[i]!));
    garch = {
      params: [
        estimate('mu', f.mu, f.stdErrors.mu, z, 'per interval'),
        estimate('omega', f.omega, f.stdErrors.omega, z, 'per interval²'),
        estimate('alpha', f.alpha, f.stdErrors.alpha, z, ''),
        estimate('beta', f.beta, f.stdErrors.beta, z, ''),
      ],
      persistence: f.persistence,
      unconditionalSigma: Math.sqrt(f.unconditionalVariance),
      logLikelihood: f.logLikelihood,
      converged: f.converged,
      warnings: f.warnings,
    };
  } catch (e) {
    errors.garch = message(e);
  }

  onPhase('regimes', 2);
  let regimes: CalibrationResult['regimes'] = null;
  try {
    const f = fitRegimes(grid.returns, 2);
    for (let i = 0; i < n; i++) pHigh[i] = orNull(f.smoothed[i * 2 + 1]!);
    regimes = {
      sigmas: f.sigmas,
      means: f.means,
      transition: f.transition,
      durationsSeconds: f.expectedDurations.map((d) => d * grid.intervalSeconds),
      logLikelihood: f.logLikelihood,
      warnings: f.warnings,
    };
  } catch (e) {
    errors.regimes = message(e);
  }

  onPhase('intensity', 3);
  let intensity: CalibrationResult['intensity'] = null;
  try {
    const data = await intensityFromDataset(dataDir, info.id);
    const f = fitIntensity(data.bins, { level: LEVEL });
    intensity = {
      A: {
        name: 'A',
        estimate: f.A,
        stdError: orNull(f.A * f.seLogA),
        ciLow: f.ciA[0],
        ciHigh: f.ciA[1],
        unit: 'per s',
      },
      k: {
        name: 'k',
        estimate: f.k,
        stdError: orNull(f.seK),
        ciLow: f.ciK[0],
        ciHigh: f.ciK[1],
        unit: 'per price unit',
      },
      deviance: f.deviance,
      degreesOfFreedom: f.degreesOfFreedom,
      trades: data.trades,
      tradesUsed: data.tradesUsed,
      seconds: data.seconds,
      medianHalfSpread: data.medianHalfSpread,
      bins: f.bins.map((b) => ({ ...b })),
    };
  } catch (e) {
    errors.intensity = message(e);
  }

  onPhase('book', 4);
  let book: CalibrationResult['book'] = null;
  try {
    book = await bookStats(dataDir, info.id);
  } catch (e) {
    errors.book = message(e);
  }

  return {
    dataset: info.id,
    datasetName: info.name,
    fittedAt: new Date().toISOString(),
    level: LEVEL,
    returns: { intervalSeconds: grid.intervalSeconds, n, lastMid: grid.lastMid },
    garch,
    regimes,
    volatility: { t: grid.t, sigma, pHigh },
    intensity,
    book,
    errors,
  };
}
