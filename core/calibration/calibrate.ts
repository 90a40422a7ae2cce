/**
 * Calibrate the book-mode simulator (core/sim/book-sim.ts) to a catalog dataset (issue 11 §3): every fit
 * of this folder on one dataset, and a backtest config whose scenario carries the fitted values.
 *
 * Stages (each reported through `progress`, each a point where `signal` is honoured):
 * 1. returns: the mid on a regular grid of `intervalSeconds` (last top of book at or before each grid
 *    time), returns r = Δmid in price units (arithmetic: the scenario's `abm`, whose σ is in price units
 *    per √s, so σ = sd(r)/√Δ); the realized-volatility signature σ(Δ) at 1, 5, 10, 30 and 60 s is
 *    reported so the effect of the bid–ask bounce on short intervals can be seen.
 * 2. GARCH(1,1) (./garch.ts) with residual diagnostics.
 * 3. 2-state Markov-switching normal model (./regimes.ts) with ./regime-diagnostics.ts. The scenario
 *    takes its regimes when the fit converged and no σ sits on the floor: σ_j/√Δ, and the transition
 *    rates of the continuous-time chain whose Δ-step matrix is P (for 2 states the exact generator
 *    Q = −ln(1 − a − b)/((a + b)Δ) · [[−a, a], [b, −b]], a = p01, b = p10, valid when a + b < 1);
 *    otherwise the single σ.
 * 4. Execution intensity A·e^(−kδ) (./intensity-data.ts, ./intensity.ts): the GLFT strategy's A and k.
 * 5. Book statistics (./book-stats.ts): tick, spreads, trade rate, receive latency.
 * 6. Flow rates (./flow-rates.ts): λ_L, depthMeanTicks, θ, μ and the log-normal sizes. On a level-1
 *    LOBSTER file only the messages at the best quotes exist, so exposure and cancels are counted at the
 *    best only, and λ_L counts only the arrivals at or inside the best (a lower bound).
 * Latency (entry, cancel and market data alike, an assumption: only the market-data leg is observed):
 * log-normal with median p50 − min and σ = ln((p95 − min)/(p50 − min))/1.645 of receive − exchange time,
 * the minimum standing in for the clock offset plus the fastest delivery; constant 0 without receive
 * times.
 */
import { fitGarch, GARCH_MIN_RETURNS, type GarchFit } from './garch';
import { fitRegimes, type RegimesFit } from './regimes';
import { regimeDiagnostics, type RegimeDiagnostics } from './regime-diagnostics';
import { fitIntensity, IntensityFitError, type IntensityFit } from './intensity';
import { intensityFromDataset } from './intensity-data';
import { bookStats, type BookStats } from './book-stats';
import { flowRates, type FlowRates } from './flow-rates';
import {
  flowEvents,
  inferLot,
  inferTick,
  loadDatasetArrays,
  midGrid,
  topMid,
  type TimeWindow,
} from './dataset-arrays';
import { ljungBox, moments, type LjungBox, type Moments } from './diagnostics';
import { garchConditionalVariances } from './garch';
import { runPilot, type PilotReport } from './pilot';
import { datasetTape, tapeStats } from './validate';
import { bookScenarioSchema } from '../sim/scenario';

export const CALIBRATION_STAGES = [
  'returns',
  'garch',
  'regimes',
  'intensity',
  'book',
  'rates',
  'pilot',
] as const;
export type CalibrationStage = (typeof CALIBRATION_STAGES)[number];

export interface CalibrateOptions {
  intervalSeconds?: number;
  /** Distance cap of the flow-rate bins and the scenario's maxDepthTicks. */
  maxTicks?: number;
  /** Simulated seconds per pilot path (./pilot.ts); 0 skips the pilot (μ as measured, π = 0). */
  pilotSeconds?: number;
  progress?: (stage: CalibrationStage, index: number, message: string) => void;
  signal?: AbortSignal;
  /**
   * Calibrate on this part of the dataset only (seconds after its first event, `to` exclusive), e.g.
   * the morning, so that a replay of the afternoon is data the scenario never saw.
   */
  window?: TimeWindow;
}

export interface GarchDiagnostics {
  standardized: Moments;
  ljungBox: LjungBox;
  ljungBoxSquared: LjungBox;
}

export interface CalibrationReport {
  dataset: { id: string; name: string; venue: string; symbol: string; format: string; levels: number | null };
  /** The part of the dataset calibrated on (seconds after its first event); null: all of it. */
  window: { from: number; to: number | null } | null;
  seconds: number;
  returns: {
    intervalSeconds: number;
    n: number;
    zeroShare: number;
    sdPerInterval: number;
    sigmaPerSqrtSecond: number;
    signature: { intervalSeconds: number; n: number; sigmaPerSqrtSecond: number }[];
    /** Autocorrelation of |r| at lags 1 … 10 (volatility clustering). */
    absAutocorrelation: number[];
  };
  garch:
    | (GarchFit & {
        ci95: Record<'mu' | 'omega' | 'alpha' | 'beta', [number, number]>;
        diagnostics: GarchDiagnostics;
      })
    | { error: string };
  regimes: (Omit<RegimesFit, 'smoothed'> & { diagnostics: RegimeDiagnostics }) | { error: string };
  intensity:
    (IntensityFit & { trades: number; tradesUsed: number; medianHalfSpread: number }) | { error: string };
  book: BookStats;
  rates: FlowRates;
  /**
   * The intraday activity profile (spans of an hour or more) and the GARCH and regime fits of the
   * returns divided by √profile: the scenario's volatility model is chosen from these when present.
   */
  deseasonalized: {
    profile: { bucketSeconds: number; multipliers: number[] };
    garch: CalibrationReport['garch'];
    regimes: CalibrationReport['regimes'];
  } | null;
  /** The pilot simulations that set μ net of crossings and the informed share; null when skipped. */
  pilot: PilotReport | null;
  scenario: Record<string, unknown>;
  /** Where each scenario value came from. */
  sources: Record<string, string>;
}

export class CalibrationAborted extends Error {
  override name = 'AbortError';
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Sample autocorrelation of x at lags 1 … L (deviations from the mean, denominator Σ(x − x̄)²). */
export function autocorrelation(x: ArrayLike<number>, L: number): number[] {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += (x[i]! - m) ** 2;
  const out: number[] = [];
  for (let k = 1; k <= L; k++) {
    let c = 0;
    for (let i = k; i < n; i++) c += (x[i]! - m) * (x[i - k]! - m);
    out.push(c0 > 0 && k < n ? c / c0 : Number.NaN);
  }
  return out;
}

/** Returns Δmid on a grid of `dt` seconds, NaN steps (no two-sided book yet) dropped. */
export function gridReturns(mid: ArrayLike<number>): Float64Array {
  const r: number[] = [];
  for (let i = 1; i < mid.length; i++) {
    const d = mid[i]! - mid[i - 1]!;
    if (Number.isFinite(d)) r.push(d);
  }
  return Float64Array.from(r);
}

function sd(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i]!;
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - m) ** 2;
  return Math.sqrt(v / Math.max(1, x.length - 1));
}

/** Transition rates (per second) of a chain observed every `dt` seconds with step matrix P. */
export function transitionRates(P: readonly (readonly number[])[], dt: number): number[][] | null {
  const K = P.length;
  if (K === 2) {
    const a = P[0]![1]!;
    const b = P[1]![0]!;
    if (!(a + b > 0 && a + b < 1)) return null;
    const c = -Math.log(1 - a - b) / ((a + b) * dt);
    return [
      [0, c * a],
      [c * b, 0],
    ];
  }
  return P.map((row, i) => row.map((p, j) => (i === j ? 0 : p / dt)));
}

const round = (x: number, digits = 6): number => Number(x.toPrecision(digits));

export async function calibrateDataset(
  dataDir: string,
  idOrName: string,
  opts: CalibrateOptions = {},
): Promise<CalibrationReport> {
  const dt = opts.intervalSeconds ?? 10;
  const cap = opts.maxTicks ?? 50;
  const checkpoint = async (): Promise<void> => {
    await yieldToLoop();
    if (opts.signal?.aborted) throw new CalibrationAborted('calibration cancelled');
  };
  const step = async (stage: CalibrationStage, message: string): Promise<void> => {
    opts.progress?.(stage, CALIBRATION_STAGES.indexOf(stage) + 1, message);
    await checkpoint();
  };

  // 1. returns
  await step('returns', `reading the dataset and sampling the mid every ${dt} s`);
  let d: Awaited<ReturnType<typeof loadDatasetArrays>>;
  try {
    d = await loadDatasetArrays(dataDir, idOrName, opts.signal, opts.window);
  } catch (e) {
    if (opts.signal?.aborted) throw new CalibrationAborted('calibration cancelled');
    throw e;
  }
  await checkpoint();
  const info = d.info;
  const seconds = d.top.t[d.top.t.length - 1]! - d.top.t[0]!;
  const grid = midGrid(d, dt);
  const r = gridReturns(grid.mid);
  if (r.length < GARCH_MIN_RETURNS)
    throw new RangeError(
      `dataset ${info.id}: ${r.length} returns at ${dt} s; at least ${GARCH_MIN_RETURNS} are needed (a shorter --interval?)`,
    );
  let zeros = 0;
  for (const x of r) if (x === 0) zeros++;
  const signature = [1, 5, 10, 30, 60]
    .map((h) => {
      const rr = gridReturns(midGrid(d, h).mid);
      return {
        intervalSeconds: h,
        n: rr.length,
        sigmaPerSqrtSecond: rr.length >= 2 ? sd(rr) / Math.sqrt(h) : NaN,
      };
    })
    .filter((s) => s.n >= 2);
  await checkpoint();
  const absR = r.map(Math.abs);
  const returns = {
    intervalSeconds: dt,
    n: r.length,
    zeroShare: zeros / r.length,
    sdPerInterval: sd(r),
    sigmaPerSqrtSecond: sd(r) / Math.sqrt(dt),
    signature,
    absAutocorrelation: autocorrelation(absR, Math.min(10, r.length - 1)),
  };

  // 2. GARCH
  await step('garch', `GARCH(1,1) on ${r.length} returns`);
  const garch = garchReport(r);

  // 3. regimes
  await step('regimes', `2-state Markov-switching model on ${r.length} returns`);
  const { report: regimes, fit: regimeFit } = regimesReport(r, dt);

  // The intraday activity profile and the volatility fits of the returns it leaves (for the scenario).
  const profile = activityProfile(r, dt, seconds);
  let seasonal: CalibrationReport['deseasonalized'] = null;
  let seasonalRegimeFit: RegimesFit | null = null;
  if (profile !== null) {
    const z = deseasonalize(r, dt, profile);
    const { report: rg2, fit: rf2 } = regimesReport(z, dt);
    seasonal = { profile, garch: garchReport(z), regimes: rg2 };
    seasonalRegimeFit = rf2;
    await checkpoint();
  }

  // 4. intensity
  await step('intensity', 'execution intensity A·exp(−kδ) from trades and the top of book');
  let intensity: CalibrationReport['intensity'];
  try {
    const data = await intensityFromDataset(dataDir, info.id, undefined, opts.window);
    const fit = fitIntensity(data.bins);
    intensity = {
      ...fit,
      trades: data.trades,
      tradesUsed: data.tradesUsed,
      medianHalfSpread: data.medianHalfSpread,
    };
  } catch (e) {
    if (!(e instanceof IntensityFitError || e instanceof RangeError)) throw e;
    intensity = { error: (e as Error).message };
  }

  // 5. book statistics
  await step('book', 'spread distribution, trade rate, sizes, receive latency');
  const book = await bookStats(dataDir, info.id, opts.window);
  await checkpoint();

  // 6. flow rates
  await step('rates', `arrival and cancel rates by distance (1–${cap} ticks), market orders, sizes`);
  const tick = inferTick(d);
  const lot = inferLot(d);
  const rates = flowRates(flowEvents(d), {
    tick,
    lot,
    maxTicks: cap,
    atBestOnly: info.levels === 1,
    seconds,
  });

  const { scenario, sources } = buildScenario({
    info,
    d,
    dt,
    r,
    returns,
    garch: seasonal?.garch ?? garch,
    regimes: seasonal?.regimes ?? regimes,
    regimeFit: seasonal !== null ? seasonalRegimeFit : regimeFit,
    profile,
    intensity,
    book,
    rates,
    tick,
    lot,
    cap,
    seconds,
  });
  // 7. pilot simulations: μ net of the simulator's crossings, π by the 30-s mark-out
  let pilot: PilotReport | null = null;
  const pilotSeconds = opts.pilotSeconds ?? 1800;
  if (pilotSeconds > 0) {
    await step(
      'pilot',
      `pilot simulations (${Math.min(pilotSeconds, Math.floor(seconds))} s each): μ net of crossings, informed share`,
    );
    const wrap = scenario as { scenario: Record<string, unknown> };
    const real = tapeStats([datasetTape(d, tick)]);
    const done = runPilot(bookScenarioSchema.parse(wrap.scenario), real, {
      seconds: pilotSeconds,
      informedHorizon: PILOT_INFORMED_HORIZON,
      stop: () => {
        if (opts.signal?.aborted) throw new CalibrationAborted('calibration cancelled');
      },
    });
    pilot = done.report;
    const flow = wrap.scenario.flow as Record<string, unknown>;
    flow.marketRate = round(done.config.flow.marketRate);
    flow.toxicShare = done.config.flow.toxicShare;
    flow.informedHorizon = PILOT_INFORMED_HORIZON;
    sources['flow.marketRate'] =
      `pilot: μ (measured ${round(rates.marketRate, 4)} per side) lowered until the simulated market orders (crossings included) match the real ${round(pilot.market.target, 4)} per s` +
      (pilot.market.crossingsExceedTarget ? ' — the crossings alone exceed it' : '');
    sources['flow.toxicShare'] =
      `pilot: the informed share whose simulated ${pilot.informed.markoutHorizon}-s mark-out of the passive side meets the real ${round(pilot.informed.target, 4)} ticks (0 when it does not respond)`;
  }
  return {
    dataset: {
      id: info.id,
      name: info.name,
      venue: info.venue,
      symbol: info.symbol,
      format: info.format,
      levels: info.levels,
    },
    window:
      opts.window === undefined || (opts.window.from === undefined && opts.window.to === undefined)
        ? null
        : { from: opts.window.from ?? 0, to: opts.window.to ?? null },
    seconds,
    returns,
    garch,
    regimes,
    intensity,
    book,
    rates,
    deseasonalized: seasonal,
    pilot,
    scenario,
    sources,
  };
}

/** Fewest cancels for a distance bin to keep its own θ(d) in the scenario. */
const MIN_BIN_CANCELS = 10;

/** Seconds ahead the calibrated informed traders see (the mark-out horizon the pilot matches). */
const PILOT_INFORMED_HORIZON = 5;

/** GARCH(1,1) with intervals and residual diagnostics (./garch.ts, ./diagnostics.ts), or the error. */
function garchReport(r: Float64Array): CalibrationReport['garch'] {
  try {
    const g = fitGarch(r);
    const v = garchConditionalVariances(r, g);
    const z = r.map((x, t) => (x - g.mu) / Math.sqrt(v[t]!));
    const h = Math.min(10, Math.floor(r.length / 5));
    const ci = (e: number, se: number): [number, number] => [
      e - 1.959963984540054 * se,
      e + 1.959963984540054 * se,
    ];
    return {
      ...g,
      ci95: {
        mu: ci(g.mu, g.stdErrors.mu),
        omega: ci(g.omega, g.stdErrors.omega),
        alpha: ci(g.alpha, g.stdErrors.alpha),
        beta: ci(g.beta, g.stdErrors.beta),
      },
      diagnostics: {
        standardized: moments(z),
        ljungBox: ljungBox(z, h),
        ljungBoxSquared: ljungBox(
          z.map((x) => x * x),
          h,
          Math.min(2, h - 1),
        ),
      },
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The 2-state Markov-switching fit with its diagnostics (./regimes.ts), or the error. */
function regimesReport(
  r: Float64Array,
  dt: number,
): { report: CalibrationReport['regimes']; fit: RegimesFit | null } {
  try {
    const fit = fitRegimes(r, 2);
    const { smoothed: _s, ...rest } = fit;
    void _s;
    return { report: { ...rest, diagnostics: regimeDiagnostics(r, fit, { intervalSeconds: dt }) }, fit };
  } catch (e) {
    return { report: { error: (e as Error).message }, fit: null };
  }
}

/** Profile bucket (seconds) and the shortest span that gets a profile (four buckets). */
export const PROFILE_BUCKET_SECONDS = 900;
const PROFILE_MIN_BUCKETS = 4;
/** Smallest multiplier (a quiet bucket keeps some flow). */
const PROFILE_FLOOR = 0.05;

/**
 * Intraday activity profile (Andersen & Bollerslev 1997, "Intraday periodicity and volatility
 * persistence in financial markets": the deterministic intraday pattern is removed before volatility
 * persistence is modelled): the mean squared return of each 15-minute bucket over the mean of all,
 * floored at 0.05 and renormalized to mean 1 over the buckets. The simulator multiplies its flow rates
 * by it (business time: variance ∝ activity). Null for spans under four buckets. Estimated from one
 * day it is that day's slow volatility path, not a multi-day average: say so when using it elsewhere.
 */
export function activityProfile(
  r: Float64Array,
  dt: number,
  seconds: number,
): { bucketSeconds: number; multipliers: number[] } | null {
  const per = Math.round(PROFILE_BUCKET_SECONDS / dt);
  const buckets = Math.floor(seconds / PROFILE_BUCKET_SECONDS);
  if (buckets < PROFILE_MIN_BUCKETS || per < 2) return null;
  let total = 0;
  for (const x of r) total += x * x;
  const mean = total / r.length;
  if (!(mean > 0)) return null;
  const m: number[] = [];
  for (let b = 0; b * per < r.length; b++) {
    let s = 0;
    let n = 0;
    for (let i = b * per; i < Math.min(r.length, (b + 1) * per); i++) {
      s += r[i]! * r[i]!;
      n++;
    }
    // a short last bucket (under half) joins the one before
    if (n < per / 2 && m.length > 0) break;
    m.push(Math.max(PROFILE_FLOOR, s / n / mean));
  }
  const avg = m.reduce((a, b) => a + b, 0) / m.length;
  return { bucketSeconds: PROFILE_BUCKET_SECONDS, multipliers: m.map((x) => round(x / avg, 4)) };
}

/** r_t / √(multiplier of its bucket): the returns with the intraday pattern removed. */
export function deseasonalize(
  r: Float64Array,
  dt: number,
  profile: { bucketSeconds: number; multipliers: number[] },
): Float64Array {
  const per = Math.round(profile.bucketSeconds / dt);
  const m = profile.multipliers;
  return r.map((x, i) => x / Math.sqrt(m[Math.min(m.length - 1, Math.floor(i / per))]!));
}

interface ScenarioInputs {
  info: { id: string; levels: number | null };
  d: Awaited<ReturnType<typeof loadDatasetArrays>>;
  dt: number;
  r: Float64Array;
  returns: CalibrationReport['returns'];
  garch: CalibrationReport['garch'];
  regimes: CalibrationReport['regimes'];
  regimeFit: RegimesFit | null;
  profile: { bucketSeconds: number; multipliers: number[] } | null;
  intensity: CalibrationReport['intensity'];
  book: BookStats;
  rates: FlowRates;
  tick: number;
  lot: number;
  cap: number;
  seconds: number;
}

function buildScenario(x: ScenarioInputs): {
  scenario: Record<string, unknown>;
  sources: Record<string, string>;
} {
  const { d, dt, returns, regimeFit, intensity, book, rates, tick, lot, cap } = x;
  const sources: Record<string, string> = {};
  let s0 = Number.NaN;
  for (let i = 0; i < d.top.t.length && !Number.isFinite(s0); i++) s0 = topMid(d, i);
  sources.s0 = 'the first two-sided mid of the top of book';
  sources.tickSize = 'book statistics: smallest gap between best prices';
  sources.lotSize = 'smallest trade size';
  const priceDt = 0.1;
  const price: Record<string, unknown> = { model: 'abm', sigma: round(returns.sigmaPerSqrtSecond) };
  sources['price.sigma'] = `sd of ${dt}-s mid returns / √${dt} (price units per √s)`;
  // The volatility model: GARCH(1,1) or the 2-state regimes, whichever leaves no clustering in its
  // standardized residuals (Ljung–Box of the squares, p ≥ 0.05); both: the lower AIC; neither: GARCH
  // when usable (it models the persistence the regimes miss), else one σ.
  let regimeSpec: Record<string, unknown> | null = null;
  let regimeAic = Number.POSITIVE_INFINITY;
  let regimeWhite = false;
  if (regimeFit !== null && regimeFit.converged && regimeFit.warnings.length === 0) {
    const rates2 = transitionRates(regimeFit.transition, dt);
    const ok = rates2 !== null && rates2.every((row) => row.reduce((a, b) => a + b, 0) * priceDt <= 1);
    if (ok) {
      regimeSpec = {
        sigmas: regimeFit.sigmas.map((s) => round(Math.max(s / Math.sqrt(dt), 1e-12))),
        transitionRates: rates2.map((row) => row.map((q) => round(q))),
        initial: 0,
      };
      if ('diagnostics' in x.regimes) {
        regimeAic = x.regimes.aic;
        regimeWhite = x.regimes.diagnostics.ljungBoxSquared.pValue >= 0.05;
      }
    }
  }
  const g = x.garch;
  const garchOk = !('error' in g) && g.alpha > 0 && g.alpha + g.beta < 0.999;
  const garchWhite = garchOk && !('error' in g) && g.diagnostics.ljungBoxSquared.pValue >= 0.05;
  const garchAic = garchOk && !('error' in g) ? g.aic : Number.POSITIVE_INFINITY;
  const useGarch =
    garchOk &&
    (regimeSpec === null || (garchWhite && (!regimeWhite || garchAic <= regimeAic)) || !regimeWhite);
  if (useGarch && !('error' in g)) {
    price.garch = { alpha: round(g.alpha), beta: round(g.beta), interval: dt };
    sources['price.garch'] =
      `GARCH(1,1) on ${x.profile !== null ? 'deseasonalized ' : ''}${dt}-s returns (α, β; ω from σ): ${garchWhite ? 'no clustering left in its residuals' : 'residuals still clustered'}` +
      (regimeSpec !== null ? `; AIC ${round(garchAic, 5)} vs regimes ${round(regimeAic, 5)}` : '');
  } else if (regimeSpec !== null) {
    price.regimes = regimeSpec;
    sources['price.regimes'] =
      `2-state Markov-switching fit on ${x.profile !== null ? 'deseasonalized ' : ''}${dt}-s returns (σ_j/√Δ; generator of P)`;
  }
  const lat = book.latencyMs;
  let latency: Record<string, unknown> | undefined;
  if (lat !== null && lat.p50 > lat.min) {
    const median = (lat.p50 - lat.min) / 1000;
    const spread = lat.p95 > lat.p50 ? Math.log((lat.p95 - lat.min) / (lat.p50 - lat.min)) / 1.645 : 0;
    const l = { model: 'lognormal', median: round(median, 4), sigma: round(spread, 4) };
    latency = { entry: l, cancel: l, marketData: l };
    sources.latency = 'receive − exchange time: median p50 − min, σ ln((p95 − min)/(p50 − min))/1.645';
  }
  const limitSize = rates.limitSize;
  const marketSize = rates.marketSize;
  const theta = Number.isFinite(rates.cancelRate) && rates.cancelRate > 0 ? rates.cancelRate : 0.1;
  const flow = {
    limitRate: round(rates.limitRate),
    depthMeanTicks: round(Math.max(1, Number.isFinite(rates.depthMeanTicks) ? rates.depthMeanTicks : 1)),
    maxDepthTicks: cap,
    limitSizeMu: round(limitSize?.mu ?? 0),
    limitSizeSigma: round(limitSize?.sigma ?? 0),
    cancelRate: round(theta),
    marketRate: round(rates.marketRate),
    marketSizeMu: round(marketSize?.mu ?? 0),
    marketSizeSigma: round(marketSize?.sigma ?? 0),
    toxicShare: 0,
  };
  // The measured laws by distance (flow-rates.ts bins), replacing the geometric depth law and the one θ:
  // arrivals per second per side at 1 … cap ticks, and θ(d) (a bin with fewer than MIN_BIN_CANCELS
  // cancels — a relative standard error above 1/√10 ≈ 32% — takes the pooled θ).
  const placement = rates.bins.map((b) => (Number.isFinite(b.arrivalRate) ? round(b.arrivalRate) : 0));
  const cancelRates = rates.bins.map((b) =>
    Number.isFinite(b.cancelRate) && b.exposure > 0 && b.cancels >= MIN_BIN_CANCELS
      ? round(b.cancelRate)
      : round(theta),
  );
  const perDistance = placement.some((w) => w > 0);
  if (perDistance) {
    Object.assign(flow, { placementWeights: placement, cancelRates, anchor: 'mid' });
    if (price.garch !== undefined || price.regimes !== undefined) {
      Object.assign(flow, { clock: 'volatility' });
      sources['flow.clock'] =
        'volatility: the flow runs in business time, its rates × (σ_t/σ)² of the fitted volatility model';
    }
    if (x.profile !== null) {
      Object.assign(flow, { activityProfile: x.profile });
      sources['flow.activityProfile'] =
        `mean squared ${dt}-s return per ${x.profile.bucketSeconds / 60}-minute bucket over the day's mean (Andersen–Bollerslev intraday pattern)`;
    }
    sources['flow.anchor'] =
      'the book mid: the distances above are measured from the mid at arrival (and at cancellation)';
    sources['flow.placementWeights'] =
      `flow rates: limit arrivals per second per side at 1–${cap} ticks from the mid (the placement law)`;
    sources['flow.cancelRates'] =
      `flow rates: θ(d) by distance 1–${cap} ticks (${rates.level === 'L3' ? 'per order' : 'per lot'}-second; bins with < ${MIN_BIN_CANCELS} cancels: the pooled θ)`;
  }
  sources['flow.limitRate'] =
    `flow rates (${rates.level}): limit arrivals at 1–${cap} ticks per second per side`;
  sources['flow.depthMeanTicks'] = 'flow rates: mean distance of those arrivals (geometric MLE)';
  sources['flow.cancelRate'] =
    `flow rates: cancels per ${rates.level === 'L3' ? 'order' : 'lot'}-second resting at 1–${cap} ticks`;
  sources['flow.marketRate'] =
    'flow rates: market orders (executions grouped by time and side) per second per side';
  sources['flow.limitSize'] = 'log-normal MLE of ln(limit size / lot)';
  sources['flow.marketSize'] = 'log-normal MLE of ln(market order size / lot)';
  sources['flow.toxicShare'] = 'not calibrated (zero-intelligence flow)';
  const halfSpread = round(
    Math.max(tick / 2, 'medianHalfSpread' in intensity ? intensity.medianHalfSpread : tick / 2),
  );
  const strategies: Record<string, unknown>[] = [{ type: 'fixed-spread', halfSpread, skewPerLot: 0 }];
  sources['strategies.fixed-spread.halfSpread'] = 'median half-spread of the top of book';
  if ('A' in intensity && intensity.A > 0 && intensity.k > 0) {
    strategies.push({
      type: 'glft',
      method: 'asymptotic',
      gamma: round(intensity.k / 10),
      A: round(intensity.A),
      k: round(intensity.k),
      Q: 10,
    });
    sources['strategies.glft.A,k'] = 'execution intensity fit A·exp(−kδ) (Poisson MLE)';
    sources['strategies.glft.gamma'] = 'not calibrated: k/10 (a risk aversion small against k; tune it)';
  }
  const horizon = Math.max(60, Math.floor(x.seconds));
  const warmup = Math.min(600, Math.max(30, Math.ceil(3 / theta)));
  sources.horizon = 'the dataset span';
  sources.warmup = '3/θ seconds (three mean order lifetimes), between 30 and 600';
  const scenario: Record<string, unknown> = {
    mode: 'book',
    name: `calibrated-${x.info.id}`,
    horizon,
    warmup,
    tickSize: round(tick, 9),
    lotSize: round(lot, 9),
    s0: round(s0, 10),
    price,
    priceDt,
    flow,
    ...(latency !== undefined ? { latency } : {}),
    decisionInterval: 1,
    postOnly: true,
    fees: { makerBps: 0, takerBps: 0 },
    inventoryLimitLots: 20,
    sampleInterval: 1,
  };
  return { scenario: { scenario, strategies }, sources };
}

/** The backtest config YAML, with comments naming the dataset and the source of each value. */
export function scenarioYaml(rep: CalibrationReport, opts: { seed?: number; paths?: number } = {}): string {
  const wrap = rep.scenario as { scenario: Record<string, unknown>; strategies: Record<string, unknown>[] };
  const sc = wrap.scenario;
  const src = rep.sources;
  const flow = sc.flow as Record<string, number>;
  const price = sc.price as Record<string, unknown>;
  const j = (v: unknown): string => JSON.stringify(v);
  const c = (key: string): string => (src[key] !== undefined ? ` # ${src[key]}` : '');
  const L: string[] = [];
  L.push(`# Calibrated by \`quotebench calibrate\` on dataset ${rep.dataset.id} (${rep.dataset.name}:`);
  L.push(
    `# ${rep.dataset.venue} ${rep.dataset.symbol}, ${rep.dataset.format}${rep.dataset.levels !== null ? `, ${rep.dataset.levels} level(s)` : ''}, ${rep.seconds.toFixed(1)} s).`,
  );
  if (rep.window !== null)
    L.push(
      `# Calibrated on seconds ${rep.window.from}–${rep.window.to ?? 'end'} of the dataset only (calibrate --from/--to).`,
    );
  L.push('# Each value names the statistic that set it; the full fits are in the --json report.');
  if (rep.rates.level === 'L3' && rep.dataset.levels === 1)
    L.push('# Level-1 data: flow rates are measured at the best quotes only (λ_L is a lower bound).');
  L.push(`name: calibrated-${rep.dataset.id}`);
  L.push(`description: ${j(`Book mode calibrated to ${rep.dataset.name} (${rep.dataset.id})`)}`);
  L.push(`seed: ${opts.seed ?? 1}`);
  L.push(`paths: ${opts.paths ?? 4}`);
  L.push('scenario:');
  L.push('  mode: book');
  L.push(`  name: ${j(sc.name)}`);
  L.push(`  horizon: ${j(sc.horizon)}${c('horizon')}`);
  L.push(`  warmup: ${j(sc.warmup)}${c('warmup')}`);
  L.push(`  tickSize: ${j(sc.tickSize)}${c('tickSize')}`);
  L.push(`  lotSize: ${j(sc.lotSize)}${c('lotSize')}`);
  L.push(`  s0: ${j(sc.s0)}${c('s0')}`);
  L.push('  price:');
  L.push(`    model: abm # arithmetic: returns are Δmid in price units`);
  L.push(`    sigma: ${j(price.sigma)}${c('price.sigma')}`);
  if (price.garch !== undefined) {
    const gg = price.garch as { alpha: number; beta: number; interval: number };
    L.push(
      `    garch: { alpha: ${gg.alpha}, beta: ${gg.beta}, interval: ${gg.interval} }${c('price.garch')}`,
    );
  }
  if (price.regimes !== undefined) {
    const rg = price.regimes as { sigmas: number[]; transitionRates: number[][] };
    L.push(`    regimes:${c('price.regimes')}`);
    L.push(`      sigmas: ${j(rg.sigmas)}`);
    L.push(`      transitionRates: ${j(rg.transitionRates)} # per second`);
    L.push('      initial: 0');
  }
  L.push(`  priceDt: ${j(sc.priceDt)}`);
  L.push('  flow:');
  L.push(`    limitRate: ${flow.limitRate}${c('flow.limitRate')}`);
  L.push(`    depthMeanTicks: ${flow.depthMeanTicks}${c('flow.depthMeanTicks')}`);
  L.push(`    maxDepthTicks: ${flow.maxDepthTicks} # the distance cap of the flow-rate bins`);
  L.push(`    limitSizeMu: ${flow.limitSizeMu}${c('flow.limitSize')}`);
  L.push(`    limitSizeSigma: ${flow.limitSizeSigma}`);
  L.push(`    cancelRate: ${flow.cancelRate}${c('flow.cancelRate')}`);
  L.push(`    marketRate: ${flow.marketRate}${c('flow.marketRate')}`);
  L.push(`    marketSizeMu: ${flow.marketSizeMu}${c('flow.marketSize')}`);
  L.push(`    marketSizeSigma: ${flow.marketSizeSigma}`);
  L.push(`    toxicShare: ${flow.toxicShare ?? 0}${c('flow.toxicShare')}`);
  if (flow.informedHorizon !== undefined) L.push(`    informedHorizon: ${flow.informedHorizon}`);
  const fl = sc.flow as Record<string, unknown>;
  if (Array.isArray(fl.placementWeights)) {
    L.push(`    placementWeights: ${j(fl.placementWeights)}${c('flow.placementWeights')}`);
    L.push(`    cancelRates: ${j(fl.cancelRates)}${c('flow.cancelRates')}`);
    L.push(`    anchor: ${String(fl.anchor)}${c('flow.anchor')}`);
    if (fl.clock !== undefined) L.push(`    clock: ${String(fl.clock)}${c('flow.clock')}`);
    if (fl.activityProfile !== undefined) {
      const ap = fl.activityProfile as { bucketSeconds: number; multipliers: number[] };
      L.push(
        `    activityProfile: { bucketSeconds: ${ap.bucketSeconds}, multipliers: ${j(ap.multipliers)} }${c('flow.activityProfile')}`,
      );
    }
  }
  if (sc.latency !== undefined) {
    const l = (sc.latency as Record<string, Record<string, number>>).marketData!;
    const s = `{ model: lognormal, median: ${l.median}, sigma: ${l.sigma} }`;
    L.push(`  latency:${c('latency')}`);
    L.push(`    entry: ${s} # assumed equal to the market-data leg`);
    L.push(`    cancel: ${s}`);
    L.push(`    marketData: ${s}`);
  } else {
    L.push('  # latency: the source has no receive times (zero latency)');
  }
  L.push(`  decisionInterval: ${j(sc.decisionInterval)}`);
  L.push('  postOnly: true');
  L.push('  fees: { makerBps: 0, takerBps: 0 } # not in the data: set the venue schedule');
  L.push(`  inventoryLimitLots: ${j(sc.inventoryLimitLots)}`);
  L.push(`  sampleInterval: ${j(sc.sampleInterval)}`);
  L.push('strategies:');
  for (const s of wrap.strategies) {
    if (s.type === 'fixed-spread') {
      L.push('  - type: fixed-spread');
      L.push(`    halfSpread: ${j(s.halfSpread)}${c('strategies.fixed-spread.halfSpread')}`);
      L.push('    skewPerLot: 0');
    } else {
      L.push('  - type: glft');
      L.push(`    method: ${s.method as string}`);
      L.push(`    gamma: ${j(s.gamma)}${c('strategies.glft.gamma')}`);
      L.push(`    A: ${j(s.A)}${c('strategies.glft.A,k')}`);
      L.push(`    k: ${j(s.k)}`);
      L.push(`    Q: ${j(s.Q)}`);
    }
  }
  return `${L.join('\n')}\n`;
}
