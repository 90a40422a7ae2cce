/**
 * A backtest config from a Calibration view fit (calibration-fit.ts): an intensity-mode scenario whose
 * price process and fill intensity are the fitted ones, with two model-based quoters and a fixed-spread
 * one to compare. Time unit: one second.
 *
 * - s0: the last mid. σ (price units per √s): s0 · √(v / Δ), v the GARCH unconditional variance of one
 *   interval's log return (else the regime model's stationary mixture), Δ the interval in seconds —
 *   the arithmetic Brownian motion that matches the fitted return variance near s0.
 * - Regimes: σ_j scaled the same way; the continuous-time rate out of state j is −ln P_jj / Δ (so the
 *   expected stay matches the fitted chain's), split over the other states in proportion to P_jk.
 * - Intensity: the fitted A (per s) and k (per price unit). dt = min(0.1 s, 0.1 / A) keeps the
 *   per-step fill probability small; horizon 300 s; tick from the book statistics.
 */
import { stringify } from 'yaml';
import type { CalibrationResult } from '../api/contract';

export const CALIBRATED_HORIZON_SECONDS = 300;

export function calibratedConfig(fit: CalibrationResult, name: string): Record<string, unknown> {
  const s0 = fit.returns.lastMid;
  const dt = fit.returns.intervalSeconds;
  if (!(s0 > 0)) throw new RangeError('the fit has no last mid price');
  if (!fit.intensity) throw new RangeError(`no intensity fit: ${fit.errors.intensity ?? 'not fitted'}`);
  const r = fit.regimes;
  let variance: number;
  if (fit.garch && Number.isFinite(fit.garch.unconditionalSigma))
    variance = fit.garch.unconditionalSigma ** 2;
  else if (r) {
    const pi = stationary2(r.transition);
    variance = r.sigmas.reduce((s, sg, j) => s + (pi[j] ?? 0) * sg * sg, 0);
  } else throw new RangeError(`no volatility fit: ${fit.errors.garch ?? fit.errors.regimes ?? 'not fitted'}`);
  const perSqrtS = (v: number): number => round6(s0 * Math.sqrt(v / dt));
  const sigma = perSqrtS(variance);
  if (!(sigma > 0)) throw new RangeError('the fitted volatility is zero');
  const A = fit.intensity.A.estimate;
  const k = fit.intensity.k.estimate;
  const price: Record<string, unknown> = { model: 'abm', sigma };
  if (r && r.sigmas.length >= 2 && r.sigmas.every((s) => s > 0)) {
    price.regimes = {
      sigmas: r.sigmas.map((s) => perSqrtS(s * s)),
      transitionRates: r.transition.map((row, j) => {
        const stay = row[j] ?? 1;
        const out = stay < 1 ? -Math.log(stay) / dt : 0;
        const leave = 1 - stay;
        return row.map((p, kk) => (kk === j || leave <= 0 ? 0 : round6((out * p) / leave)));
      }),
      initial: 0,
    };
  }
  const halfSpread = fit.intensity.medianHalfSpread > 0 ? fit.intensity.medianHalfSpread : 1 / k;
  return {
    name,
    description:
      `Calibrated on dataset ${fit.datasetName} (${fit.dataset}), fitted ${fit.fittedAt}: ` +
      `σ from GARCH(1,1)/regimes on ${fit.returns.n} mid returns every ${round6(dt)} s, A and k by Poisson MLE`,
    seed: 1,
    paths: 20,
    scenario: {
      mode: 'intensity',
      name,
      horizon: CALIBRATED_HORIZON_SECONDS,
      dt: round6(Math.min(0.1, 0.1 / A)),
      timeUnitSeconds: 1,
      s0: round6(s0),
      tickSize: fit.book?.tick ?? 0,
      price,
      intensity: { A: round6(A), k: round6(k) },
    },
    strategies: [
      { type: 'avellaneda-stoikov', variant: 'inventory', gamma: [0.01, 0.1] },
      { type: 'fixed-spread', halfSpread: round6(halfSpread) },
    ],
  };
}

export function calibratedYaml(fit: CalibrationResult, name: string): string {
  const head =
    `# Scenario calibrated by Quotebench on dataset ${fit.datasetName} (${fit.dataset}).\n` +
    `# Regenerate it from the Calibration view; edits here are kept until it is saved again.\n`;
  return head + stringify(calibratedConfig(fit, name));
}

function stationary2(P: number[][]): number[] {
  const p01 = P[0]?.[1] ?? 0;
  const p10 = P[1]?.[0] ?? 0;
  const s = p01 + p10;
  return s > 0 ? [p10 / s, p01 / s] : [1, 0];
}

const round6 = (x: number): number => Number(x.toPrecision(6));
