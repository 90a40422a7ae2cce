/**
 * The Calibration view's fit of one catalog dataset, run in the data worker (data-worker.ts): the
 * calibration of `quotebench calibrate` (core/calibration/calibrate.ts: returns, GARCH, regimes,
 * intensity, book statistics, flow rates, and the book-mode scenario built from them) plus the time
 * series the view draws, gathered into the contract's CalibrationResult.
 *
 * - Interval: calibrate's 10 s, shortened for a dataset under 2000 s so there are MIN_RETURNS returns
 *   (a 2-state model needs a few hundred); stated in the result.
 * - Series: the same returns (Δmid on the grid, calibrate.ts midGrid/gridReturns) rebuilt from the top
 *   of book, the GARCH conditional σ_t at the fitted parameters and the smoothed probability of the
 *   volatile state (state 1: states are ordered by σ). Their count must equal the report's n.
 * - Intervals: the report's Wald 95% intervals (GARCH, regimes by observed information, intensity on
 *   the log scale for A).
 */
import {
  CALIBRATION_STAGES,
  calibrateDataset,
  gridReturns,
  scenarioYaml,
  type CalibrationReport,
  type CalibrationStage,
} from '../calibration/calibrate';
import { datasetSpanSeconds, midGrid, type DatasetArrays } from '../calibration/dataset-arrays';
import { garchConditionalVariances } from '../calibration/garch';
import { regimesSmoothedProbabilities } from '../calibration/regimes';
import { datasetFile, openDuck, readDataset } from '../data/catalog';
import type { CalibrationFlow, CalibrationResult, ParamEstimate } from '../api/contract';

/**
 * A calibration's headline numbers as a tracked run's final metrics (issue 13 §5), the same for
 * `quotebench calibrate` and the app's fit: the span and returns sampled, σ per √s, the GARCH and
 * regime fits (persistence, log-likelihood, σ of the calm and volatile states), the execution
 * intensity A and k, the measured flow rates (λ_L, θ, μ per side) and the scenario's informed share and
 * market-order rate after the pilot. A part that failed to fit is left out; non-finite values too.
 */
export function calibrationMetrics(rep: CalibrationReport): Record<string, number> {
  const m: Record<string, number> = {
    seconds: rep.seconds,
    returnsN: rep.returns.n,
    returnsZeroShare: rep.returns.zeroShare,
    sigmaPerSqrtSecond: rep.returns.sigmaPerSqrtSecond,
    limitRate: rep.rates.limitRate,
    cancelRate: rep.rates.cancelRate,
    marketRateMeasured: rep.rates.marketRate,
  };
  if (!isError(rep.garch)) {
    m.garchAlpha = rep.garch.alpha;
    m.garchBeta = rep.garch.beta;
    m.garchPersistence = rep.garch.persistence;
    m.garchLogLikelihood = rep.garch.logLikelihood;
  }
  if (!isError(rep.regimes)) {
    m.regimesLogLikelihood = rep.regimes.logLikelihood;
    m.regimesSigmaCalm = rep.regimes.sigmas[0] ?? Number.NaN;
    m.regimesSigmaVolatile = rep.regimes.sigmas[rep.regimes.sigmas.length - 1] ?? Number.NaN;
    m.regimesClassification = rep.regimes.diagnostics.classificationMeasure;
  }
  if (!isError(rep.intensity)) {
    m.intensityA = rep.intensity.A;
    m.intensityK = rep.intensity.k;
  }
  const flow = (rep.scenario as { scenario?: { flow?: Record<string, unknown> } }).scenario?.flow;
  if (flow) {
    m.marketRateUsed = Number(flow.marketRate);
    m.informedShare = Number(flow.toxicShare ?? 0);
  }
  for (const k of Object.keys(m)) if (!Number.isFinite(m[k])) delete m[k];
  return m;
}

/** The pilot's simulation seed (core/calibration/pilot.ts default), recorded as a calibration run's seed. */
export const CALIBRATION_SEED = 7;

/** calibrate.ts's default interval (seconds). */
export const DEFAULT_INTERVAL_SECONDS = 10;
export const MIN_RETURNS = 200;
const LEVEL = 0.95;

export const FIT_STAGES: readonly CalibrationStage[] = CALIBRATION_STAGES;

/** The grid interval for a dataset spanning `seconds`: 10 s, or span / MIN_RETURNS when shorter. */
export function fitInterval(seconds: number): number {
  return Math.min(DEFAULT_INTERVAL_SECONDS, Number((seconds / MIN_RETURNS).toPrecision(6)));
}

/** The top of book as seconds from its first row (what dataset-arrays.ts midGrid reads). */
async function readTop(dataDir: string, id: string): Promise<DatasetArrays['top']> {
  const { conn, close } = await openDuck();
  try {
    const file = datasetFile(dataDir, id, 'top').replaceAll("'", "''");
    const rows = (
      await conn.runAndReadAll(
        `SELECT seq, exchange_ts_ns, bid_price, ask_price FROM read_parquet('${file}')`,
      )
    ).getRows();
    const t0 = (rows[0]?.[1] as bigint | undefined) ?? 0n;
    const num = (x: unknown): number => (x === null || x === undefined ? Number.NaN : Number(x));
    return {
      seq: Float64Array.from(rows, (r) => num(r[0])),
      t: Float64Array.from(rows, (r) => Number((r[1] as bigint) - t0) / 1e9),
      bid: Float64Array.from(rows, (r) => num(r[2])),
      ask: Float64Array.from(rows, (r) => num(r[3])),
    };
  } finally {
    close();
  }
}

/** The report's returns again, with the grid time (seconds from the first top row) of each. */
export function returnsWithTimes(top: DatasetArrays['top'], dt: number): { t: number[]; r: Float64Array } {
  // midGrid reads only the top of book of its argument.
  const grid = midGrid({ top } as DatasetArrays, dt);
  const t: number[] = [];
  for (let i = 1; i < grid.mid.length; i++)
    if (Number.isFinite(grid.mid[i]! - grid.mid[i - 1]!)) t.push(grid.t[i]! - grid.t[0]!);
  return { t, r: gridReturns(grid.mid) };
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function estimate(
  name: string,
  est: number,
  se: number,
  ci: readonly [number, number],
  unit: string,
): ParamEstimate {
  return { name, estimate: est, stdError: orNull(se), ciLow: orNull(ci[0]), ciHigh: orNull(ci[1]), unit };
}

const isError = (x: object): x is { error: string } => 'error' in x;

/** Fit everything the Calibration view shows; `onStage` is told each stage as it starts. */
export async function fitDataset(
  dataDir: string,
  datasetId: string,
  onStage: (stage: CalibrationStage, index: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<CalibrationResult> {
  const info = readDataset(dataDir, datasetId);
  const seconds = datasetSpanSeconds(info);
  const dt = fitInterval(seconds);
  const rep: CalibrationReport = await calibrateDataset(dataDir, info.id, {
    intervalSeconds: dt,
    progress: (stage, index) => onStage(stage, index - 1),
    ...(signal !== undefined ? { signal } : {}),
  });
  const { t, r } = returnsWithTimes(await readTop(dataDir, info.id), dt);
  if (r.length !== rep.returns.n)
    throw new Error(
      `internal: ${r.length} returns rebuilt for the charts, the calibration had ${rep.returns.n}`,
    );
  const n = r.length;
  const sigma: (number | null)[] = new Array<number | null>(n).fill(null);
  const pHigh: (number | null)[] = new Array<number | null>(n).fill(null);
  const errors: CalibrationResult['errors'] = {};
  const unit = `price per ${dt} s`;

  let garch: CalibrationResult['garch'] = null;
  if (isError(rep.garch)) errors.garch = rep.garch.error;
  else {
    const g = rep.garch;
    const v = garchConditionalVariances(r, g);
    for (let i = 0; i < n; i++) sigma[i] = orNull(Math.sqrt(v[i]!));
    garch = {
      params: [
        estimate('mu', g.mu, g.stdErrors.mu, g.ci95.mu, unit),
        estimate('omega', g.omega, g.stdErrors.omega, g.ci95.omega, `(${unit})²`),
        estimate('alpha', g.alpha, g.stdErrors.alpha, g.ci95.alpha, ''),
        estimate('beta', g.beta, g.stdErrors.beta, g.ci95.beta, ''),
      ],
      persistence: g.persistence,
      unconditionalSigma: Math.sqrt(g.unconditionalVariance),
      logLikelihood: g.logLikelihood,
      converged: g.converged,
      warnings: g.warnings,
    };
  }

  let regimes: CalibrationResult['regimes'] = null;
  if (isError(rep.regimes)) errors.regimes = rep.regimes.error;
  else {
    const g = rep.regimes;
    const probs = regimesSmoothedProbabilities(r, g);
    const K = g.states;
    for (let i = 0; i < n; i++) pHigh[i] = orNull(probs[i * K + K - 1]!);
    const se = g.diagnostics.standardErrors;
    const unitOf = (name: string): string => (/^(mu|sigma|σ|μ)/i.test(name) ? unit : '');
    regimes = {
      params: se
        ? se.names.map((name, i) =>
            estimate(name, se.estimates[i]!, se.stdErrors[i]!, se.ci95[i]!, unitOf(name)),
          )
        : [],
      sigmas: g.sigmas,
      means: g.means,
      transition: g.transition,
      durationsSeconds: g.expectedDurations.map((d) => d * dt),
      classificationMeasure: g.diagnostics.classificationMeasure,
      logLikelihood: g.logLikelihood,
      warnings: g.warnings,
    };
  }

  let intensity: CalibrationResult['intensity'] = null;
  if (isError(rep.intensity)) errors.intensity = rep.intensity.error;
  else {
    const f = rep.intensity;
    intensity = {
      A: estimate('A', f.A, f.A * f.seLogA, f.ciA, 'per s'),
      k: estimate('k', f.k, f.seK, f.ciK, 'per price unit'),
      deviance: f.deviance,
      degreesOfFreedom: f.degreesOfFreedom,
      trades: f.trades,
      tradesUsed: f.tradesUsed,
      seconds: rep.seconds,
      medianHalfSpread: f.medianHalfSpread,
      bins: f.bins.map((b) => ({ ...b })),
    };
  }

  let scenario: CalibrationResult['scenario'] = null;
  try {
    scenario = { yaml: scenarioYaml(rep) };
  } catch (e) {
    errors.scenario = (e as Error).message;
  }

  return {
    flow: flowOf(rep),
    metrics: calibrationMetrics(rep),
    datasetHash: info.contentHash,
    dataset: info.id,
    datasetName: info.name,
    fittedAt: new Date().toISOString(),
    level: LEVEL,
    returns: {
      intervalSeconds: dt,
      n,
      zeroShare: rep.returns.zeroShare,
      sigmaPerSqrtSecond: rep.returns.sigmaPerSqrtSecond,
    },
    garch,
    regimes,
    volatility: { t, sigma, pHigh },
    intensity,
    book: rep.book,
    scenario,
    errors,
  };
}

/** The scenario's order flow and the pilot, for the view (see the contract's CalibrationFlow). */
function flowOf(rep: CalibrationReport): CalibrationFlow | null {
  const sc = (rep.scenario as { scenario?: Record<string, unknown> }).scenario;
  if (!sc) return null;
  const flow = sc.flow as Record<string, unknown>;
  const price = sc.price as Record<string, unknown>;
  const weights = (flow.placementWeights as number[] | undefined) ?? [];
  const thetas = (flow.cancelRates as number[] | undefined) ?? [];
  const p = rep.pilot;
  return {
    level: rep.rates.level,
    bins: weights.map((w, i) => ({ ticks: i + 1, arrivalRate: w, cancelRate: thetas[i] ?? Number.NaN })),
    marketRate: { measured: rep.rates.marketRate, used: Number(flow.marketRate) },
    informedShare: Number(flow.toxicShare ?? 0),
    volatilityModel:
      price.garch !== undefined ? 'garch' : price.regimes !== undefined ? 'regimes' : 'constant',
    activityProfile:
      (flow.activityProfile as { bucketSeconds: number; multipliers: number[] } | undefined) ?? null,
    pilot:
      p === null
        ? null
        : {
            seconds: p.seconds,
            paths: p.paths,
            marketTarget: p.market.target,
            marketSimulated: p.market.simulated,
            markoutHorizon: p.informed.markoutHorizon,
            markoutTarget: p.informed.target,
            grid: p.informed.grid.map((g) => ({ share: g.share, markout: g.markout })),
          },
  };
}
