/**
 * The Calibration charts' data, apart from React and the chart library (tested in Node).
 * - highRegimeMask: the intervals where the smoothed probability of the high-volatility regime > 0.5.
 * - intensityLines: lightweight-charts spaces points by index, not by x value, so the fitted curve and
 *   the empirical rates share one regular grid: the bins' distances (evenly spaced by
 *   core/calibration/intensity-data.ts) refined REFINE×, the curve at every point, the empirical rate at
 *   the bins only (whitespace between; an empirical rate of 0 has no logarithm and is left out).
 */
import type { CalibrationResult } from '../../../../core/api/contract';
import type { SimLinePoint } from '../../charts/chart';

/** Intervals where the high-volatility regime is the likelier state (smoothed probability > 0.5). */
export function highRegimeMask(pHigh: readonly (number | null)[]): boolean[] {
  return pHigh.map((p) => p !== null && p > 0.5);
}

const REFINE = 4;

/** The fitted curve on the bins' grid refined REFINE×, the empirical rates at the bins (see header). */
export function intensityLines(intensity: NonNullable<CalibrationResult['intensity']>): {
  fitted: SimLinePoint[];
  empirical: SimLinePoint[];
} {
  const bins = intensity.bins;
  const A = intensity.A.estimate;
  const k = intensity.k.estimate;
  const fitted: SimLinePoint[] = [];
  const empirical: SimLinePoint[] = [];
  bins.forEach((b, i) => {
    const next = bins[i + 1];
    const steps = next ? REFINE : 1;
    for (let j = 0; j < steps; j++) {
      const time = next ? b.delta + ((next.delta - b.delta) * j) / REFINE : b.delta;
      fitted.push({ time, value: A * Math.exp(-k * time) });
      if (j === 0 && b.empiricalRate > 0) empirical.push({ time, value: b.empiricalRate });
      else empirical.push({ time });
    }
  });
  return { fitted, empirical };
}

/** Arrival and cancel rates by distance (ticks) for a log-scale chart (see header). */
export function flowLines(flow: NonNullable<CalibrationResult['flow']>): {
  arrivals: SimLinePoint[];
  cancels: SimLinePoint[];
} {
  const ok = (x: number): boolean => Number.isFinite(x) && x > 0;
  return {
    arrivals: flow.bins.map((b) =>
      ok(b.arrivalRate) ? { time: b.ticks, value: b.arrivalRate } : { time: b.ticks },
    ),
    cancels: flow.bins.map((b) =>
      ok(b.cancelRate) ? { time: b.ticks, value: b.cancelRate } : { time: b.ticks },
    ),
  };
}
