/**
 * Diagnostics of a fitted Markov-switching normal model (./regimes.ts):
 *
 * - Expected durations 1/(1 − p_jj) observations (the mean of the geometric sojourn; Hamilton 1989,
 *   §4), also in seconds when the sampling interval is given.
 * - Regime classification measure (Ang & Bekaert 2002, "Regime switches in interest rates", J. Business
 *   & Economic Statistics 20(2), eq. 13, for K = 2: 400 · mean p(1 − p)), generalized to K states so that uniform
 *   probabilities still give 100: RCM = 100 · K^K · (1/n) Σ_t Π_j p_{t,j} (Π_j p_j ≤ K^−K), p_{t,j} the
 *   smoothed probabilities. 0 = every observation assigned to one state with certainty, 100 =
 *   no information (all p = 1/K). Below ~50 is usually read as a sharp classification.
 * - Residuals: one-step-ahead probability integral transforms u_t = Σ_j Pr(s_t = j | r_1..t−1) Φ((r_t −
 *   μ_j)/σ_j) and z_t = Φ⁻¹(u_t) (Rosenblatt 1952; Diebold, Gunther & Tay 1998, "Evaluating density
 *   forecasts", Int. Economic Review 39(4)): under the model z is i.i.d. N(0, 1). Their moments and
 *   Ljung–Box Q(h) on z and on z² (./diagnostics.ts; df h, no correction) test the mean and the
 *   volatility clustering left over by the regimes. The predictive probabilities come from the Hamilton
 *   filter with s_1 drawn from the stationary distribution, as in the fit.
 * - Standard errors (2 states): √diag of the inverse observed information −H⁻¹, H the central-difference
 *   Hessian (./numerics.ts) of the exact log-likelihood in (μ_0, μ_1, σ_0, σ_1, p_01, p_10), steps 1e-4 of
 *   each parameter's scale; 95% Wald intervals. NaN when H is not negative definite or a parameter sits
 *   on a bound (σ on its floor, p at 0 or 1), where the asymptotics do not apply.
 */
import { normalCdf } from '../metrics/inference';
import { ljungBox, moments, type LjungBox, type Moments } from './diagnostics';
import { centralHessian, invertSpd } from './numerics';
import { regimesLogLikelihood, stationaryDistribution, type RegimeParams } from './regimes';

export interface RegimeStdErrors {
  names: string[];
  estimates: number[];
  stdErrors: number[];
  ci95: [number, number][];
}

/** Observed-information standard errors of a 2-state fit (see the header); null for K ≠ 2. */
export function regimeStdErrors(
  returns: ArrayLike<number>,
  p: RegimeParams & { sigmaFloor?: number },
): RegimeStdErrors | null {
  if (p.means.length !== 2) return null;
  const x = [
    p.means[0]!,
    p.means[1]!,
    p.sigmas[0]!,
    p.sigmas[1]!,
    p.transition[0]![1]!,
    p.transition[1]![0]!,
  ];
  const names = ['mu0', 'mu1', 'sigma0', 'sigma1', 'p01', 'p10'];
  const scale = Math.max(p.sigmas[0]!, p.sigmas[1]!);
  const h = [scale * 1e-4, scale * 1e-4, p.sigmas[0]! * 1e-4, p.sigmas[1]! * 1e-4, 1e-5, 1e-5];
  const floor = p.sigmaFloor ?? 0;
  const onBound =
    p.sigmas.some((s) => s <= floor * (1 + 1e-9)) ||
    [x[4]!, x[5]!].some((q) => q - 2e-5 <= 0 || q + 2e-5 >= 1);
  const nan = names.map(() => Number.NaN);
  const out = (se: number[]): RegimeStdErrors => ({
    names,
    estimates: x,
    stdErrors: se,
    ci95: x.map((e, i) => [e - 1.959963984540054 * se[i]!, e + 1.959963984540054 * se[i]!]),
  });
  if (onBound) return out(nan);
  const f = (v: Float64Array): number =>
    regimesLogLikelihood(returns, {
      means: [v[0]!, v[1]!],
      sigmas: [v[2]!, v[3]!],
      transition: [
        [1 - v[4]!, v[4]!],
        [v[5]!, 1 - v[5]!],
      ],
    });
  const H = centralHessian(f, x, h);
  const negH = H.map((v) => -v);
  const inv = invertSpd(negH, 6);
  if (inv === null) return out(nan);
  return out(names.map((_, i) => Math.sqrt(inv[i * 6 + i]!)));
}

export interface RegimeDiagnostics {
  expectedDurations: number[];
  expectedDurationsSeconds: number[] | null;
  classificationMeasure: number;
  residuals: Moments;
  ljungBox: LjungBox;
  ljungBoxSquared: LjungBox;
  standardErrors: RegimeStdErrors | null;
}

/** Φ⁻¹ by bisection on the normal CDF (to 1e-12; ±8.3 at the extremes of double precision). */
export function normalQuantile(p: number): number {
  if (!(p > 0)) return -8.3;
  if (!(p < 1)) return 8.3;
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return Math.max(-8.3, Math.min(8.3, (lo + hi) / 2));
}

/** RCM = 100 · K^K · mean over t of Π_j p_{t,j}; `smoothed` is row-major n × K. */
export function classificationMeasure(smoothed: ArrayLike<number>, K: number): number {
  const n = smoothed.length / K;
  let s = 0;
  for (let t = 0; t < n; t++) {
    let prod = 1;
    for (let j = 0; j < K; j++) prod *= smoothed[t * K + j]!;
    s += prod;
  }
  return (100 * K ** K * s) / n;
}

/** The one-step-ahead PIT residuals z_t (see the header). */
export function regimeResiduals(returns: ArrayLike<number>, p: RegimeParams): Float64Array {
  const K = p.means.length;
  const n = returns.length;
  const P = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) P[i * K + j] = p.transition[i]![j]!;
  let pred = Float64Array.from(stationaryDistribution(P, K));
  const filt = new Float64Array(K);
  const z = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const r = returns[t]!;
    let u = 0;
    let tot = 0;
    for (let j = 0; j < K; j++) {
      const x = (r - p.means[j]!) / p.sigmas[j]!;
      u += pred[j]! * normalCdf(x);
      const f = (pred[j]! * Math.exp(-0.5 * x * x)) / p.sigmas[j]!;
      filt[j] = f;
      tot += f;
    }
    z[t] = normalQuantile(u);
    // filter update; an observation no state can explain (underflow) keeps the prediction
    const next = new Float64Array(K);
    for (let i = 0; i < K; i++) {
      const w = tot > 0 ? filt[i]! / tot : pred[i]!;
      for (let j = 0; j < K; j++) next[j]! += w * P[i * K + j]!;
    }
    pred = next;
  }
  return z;
}

export function regimeDiagnostics(
  returns: ArrayLike<number>,
  fit: RegimeParams & { smoothed: ArrayLike<number>; sigmaFloor?: number },
  opts: { intervalSeconds?: number; lags?: number } = {},
): RegimeDiagnostics {
  const K = fit.means.length;
  const durations = fit.transition.map((row, j) => 1 / (1 - row[j]!));
  const z = regimeResiduals(returns, fit);
  const z2 = z.map((x) => x * x);
  const h = Math.min(opts.lags ?? 10, Math.floor(returns.length / 5));
  return {
    expectedDurations: durations,
    expectedDurationsSeconds:
      opts.intervalSeconds !== undefined ? durations.map((d) => d * opts.intervalSeconds!) : null,
    classificationMeasure: classificationMeasure(fit.smoothed, K),
    residuals: moments(z),
    ljungBox: ljungBox(z, h),
    ljungBoxSquared: ljungBox(z2, h),
    standardErrors: regimeStdErrors(returns, fit),
  };
}
