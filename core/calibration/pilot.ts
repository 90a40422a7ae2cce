/**
 * Pilot simulations that finish a calibration (issue 11 §5): two rates that cannot be read off the data
 * directly, because the simulator adds to them by itself.
 *
 * 1. Market-order rate μ net of the simulator's own crossings. In the book simulator a limit order placed
 *    around a moved reference price can cross stale orders and trade (book-sim.ts); validation counts
 *    those executions as market orders, exactly as the data counts the venue's marketable limit orders
 *    (executions grouped by time and aggressor side, validate.ts). The measured μ already contains the
 *    latter, so the simulator's crossings come on top. The pilot solves sim(μ) = real by the fixed-point
 *    step μ ← max(0, μ + (real − sim(μ)) / 2) (per side; the crossing rate hardly depends on μ), at most
 *    `marketIterations` times, stopping within 5% of the target. When the crossings alone exceed the
 *    target, μ stays at 0 and the report says so.
 * 2. Informed share π (book-sim.ts `toxicShare`, Glosten–Milgrom informed traders seeing the reference
 *    `informedHorizon` seconds ahead): the simulated mark-out at `markoutHorizon` seconds (default 30,
 *    the longest of validate.ts's horizons: the short ones are dominated by the mechanical move of a market
 *    order that empties a level, the long one by information) of the passive side of market orders
 *    (validate.ts) is measured on a grid of π, a least-squares line is fitted through it, and π is where
 *    the line meets the real mark-out (clamped to the grid's range, rounded to 0.01) — but only when the
 *    slope is negative by more than two standard errors; otherwise π = 0 (where the mark-out does not
 *    respond to π, a choice would fit noise). The mark-out measures adverse selection; with π = 0 the
 *    simulated loss is the mechanical move of a market order that empties a level only.
 *
 * Each evaluation runs `paths` paths of min(horizon, `seconds`) simulated seconds on common random numbers
 * (the same seeds for every candidate), through validate.ts's simulateTape and tapeStats, so the pilot
 * and the validation measure the same statistics. Deterministic for the scenario and options.
 */
import { bookScenarioSchema, type BookScenarioConfig } from '../sim/scenario';
import { MARKOUT_HORIZONS, simulateTape, tapeStats, type TapeStats } from './validate';

export interface PilotOptions {
  /** Simulated seconds per path (default 1800; at most the scenario's horizon). */
  seconds?: number;
  paths?: number;
  seed?: number;
  marketIterations?: number;
  /** Candidate informed shares (default 0, 0.1, …, 0.8). */
  toxicGrid?: number[];
  /** Seconds ahead the informed traders see (default: the scenario's informedHorizon). */
  informedHorizon?: number;
  /** Mark-out horizon that sets π, seconds (one of 1, 5, 30; default 30). */
  markoutHorizon?: number;
  /** Called between simulated paths; throw from it to cancel. */
  stop?: () => void;
}

export interface PilotReport {
  seconds: number;
  paths: number;
  /** Real market orders per second (both sides) and per-side rates tried. */
  market: {
    target: number;
    measuredMu: number;
    steps: { mu: number; simulated: number }[];
    chosenMu: number;
    /** Simulated market orders per second at the chosen μ. */
    simulated: number;
    /** The crossings alone exceed the target (μ = 0 still simulates more market orders than real). */
    crossingsExceedTarget: boolean;
  };
  informed: {
    horizon: number;
    /** The mark-out horizon (seconds, one of validate.ts's MARKOUT_HORIZONS). */
    markoutHorizon: number;
    /** Real mark-out of the passive side of market orders at that horizon (ticks). */
    target: number;
    /** Simulated mark-out (ticks) and its batch-means SE for each candidate share. */
    grid: { share: number; markout: number; se: number }[];
    /** Least-squares line mark-out = intercept + slope·π over the grid, with the slope's SE. */
    fit: { intercept: number; slope: number; slopeSe: number } | null;
    chosen: number;
  };
}

export function runPilot(
  config: BookScenarioConfig,
  real: TapeStats,
  opts: PilotOptions = {},
): { config: BookScenarioConfig; report: PilotReport } {
  const seconds = Math.min(config.horizon, opts.seconds ?? 1800);
  const paths = opts.paths ?? 3;
  const markoutHorizon = opts.markoutHorizon ?? 30;
  const mi = MARKOUT_HORIZONS.indexOf(markoutHorizon as (typeof MARKOUT_HORIZONS)[number]);
  if (mi < 0) throw new RangeError(`markoutHorizon must be one of ${MARKOUT_HORIZONS.join(', ')} s`);
  const seed = opts.seed ?? 7;
  const iterations = opts.marketIterations ?? 4;
  const grid = opts.toxicGrid ?? [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
  const informedHorizon = opts.informedHorizon ?? config.flow.informedHorizon;
  const simulate = (mu: number, share: number): TapeStats => {
    // Without the intraday profile (mean 1): a pilot shorter than the day measures the day's average.
    const sc = bookScenarioSchema.parse({
      ...config,
      horizon: seconds,
      flow: {
        ...config.flow,
        marketRate: mu,
        toxicShare: share,
        informedHorizon,
        activityProfile: undefined,
      },
    });
    const tapes = [];
    for (let p = 0; p < paths; p++) {
      opts.stop?.();
      tapes.push(simulateTape(sc, seed, p, opts.stop));
    }
    return tapeStats(tapes);
  };

  // 1. μ net of the crossings (at π = 0: the informed share moves sides, not the count).
  const target = real.marketOrdersPerSecond.value;
  const measuredMu = config.flow.marketRate;
  const steps: { mu: number; simulated: number }[] = [];
  let mu = measuredMu;
  let best = { mu, simulated: Number.NaN, err: Number.POSITIVE_INFINITY };
  for (let i = 0; i < iterations; i++) {
    const simulated = simulate(mu, 0).marketOrdersPerSecond.value;
    steps.push({ mu, simulated });
    const err = Math.abs(simulated - target);
    if (err < best.err) best = { mu, simulated, err };
    if (!(target > 0) || err <= 0.05 * target) break;
    const next = Math.max(0, mu + (target - simulated) / 2);
    if (next === mu) break; // μ = 0 and still too many: the crossings alone exceed the target
    mu = next;
  }
  const chosenMu = best.mu;
  const crossingsExceedTarget = steps.some((s) => s.mu === 0 && s.simulated > 1.05 * target);

  // 2. π by the mark-out at the chosen horizon.
  const markTarget = real.markout[mi]?.value ?? Number.NaN;
  const tried: { share: number; markout: number; se: number }[] = [];
  let chosen = 0;
  let fit: PilotReport['informed']['fit'] = null;
  if (Number.isFinite(markTarget)) {
    for (const share of grid) {
      const e = simulate(chosenMu, share).markout[mi];
      tried.push({ share, markout: e?.value ?? Number.NaN, se: e?.se ?? Number.NaN });
    }
    fit = lineFit(
      tried.filter((g) => Number.isFinite(g.markout)).map((g) => g.share),
      tried.filter((g) => Number.isFinite(g.markout)).map((g) => g.markout),
    );
    // Only a mark-out that measurably deepens with π (slope below zero by more than two standard
    // errors) sets π; a flat response leaves π = 0 rather than a value fitted to noise.
    if (fit !== null && fit.slope < 0 && -fit.slope > 2 * fit.slopeSe) {
      const maxShare = Math.max(...grid);
      const x = (markTarget - fit.intercept) / fit.slope;
      chosen = Math.round(100 * Math.min(maxShare, Math.max(0, x))) / 100;
    }
  }
  const out = bookScenarioSchema.parse({
    ...config,
    flow: { ...config.flow, marketRate: chosenMu, toxicShare: chosen, informedHorizon },
  });
  return {
    config: out,
    report: {
      seconds,
      paths,
      market: {
        target,
        measuredMu,
        steps,
        chosenMu,
        simulated: best.simulated,
        crossingsExceedTarget,
      },
      informed: { horizon: informedHorizon, markoutHorizon, target: markTarget, grid: tried, fit, chosen },
    },
  };
}

/** Ordinary least squares y = a + b·x with the usual standard error of b; null with < 3 points. */
export function lineFit(
  x: readonly number[],
  y: readonly number[],
): { intercept: number; slope: number; slopeSe: number } | null {
  const n = x.length;
  if (n < 3 || y.length !== n) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i]! - mx) ** 2;
    sxy += (x[i]! - mx) * (y[i]! - my);
  }
  if (!(sxx > 0)) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (y[i]! - intercept - slope * x[i]!) ** 2;
  return { intercept, slope, slopeSe: Math.sqrt(rss / (n - 2) / sxx) };
}
