/**
 * Residual diagnostics of a volatility fit: the moments of the standardized residuals z_t = ε_t / σ_t
 * and Ljung–Box tests of their autocorrelation.
 *
 * - Moments: mean, variance (divisor n), skewness m₃/m₂^{3/2} and excess kurtosis m₄/m₂² − 3 (moment
 *   estimators, not bias-corrected); under a correct GARCH with normal innovations z is i.i.d. N(0, 1):
 *   mean 0, variance 1, skewness 0, excess kurtosis 0.
 * - Ljung–Box (G. M. Ljung & G. E. P. Box, "On a measure of lack of fit in time series models",
 *   Biometrika 65(2), 1978): Q(h) = n(n + 2) Σ_{k=1..h} ρ̂_k² / (n − k), ρ̂_k the lag-k sample
 *   autocorrelation (deviations from the sample mean, denominator Σ (x − x̄)²); p = P(χ²_{h − df} ≥ Q)
 *   = Q_Γ((h − df)/2, Q/2) (regularized upper incomplete gamma, core/metrics/inference.ts). Applied to z
 *   (left-over autocorrelation in the mean) and to z² (left-over volatility clustering; for squared
 *   standardized GARCH residuals Li & Mak 1994 suggest subtracting the fitted ARCH and GARCH terms from
 *   the degrees of freedom: `fittedDf`, default 0 here, 2 in `fit garch` for α and β).
 */
import { regularizedGammaQ } from '../metrics/inference';

export interface Moments {
  mean: number;
  variance: number;
  skewness: number;
  excessKurtosis: number;
}

export interface LjungBox {
  lags: number;
  q: number;
  df: number;
  pValue: number;
}

export function moments(x: ArrayLike<number>): Moments {
  const n = x.length;
  if (n < 2) throw new RangeError(`moments: need at least 2 values, got ${n}`);
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { mean: m, variance: m2, skewness: m3 / Math.pow(m2, 1.5), excessKurtosis: m4 / (m2 * m2) - 3 };
}

export function ljungBox(x: ArrayLike<number>, lags: number, fittedDf = 0): LjungBox {
  const n = x.length;
  if (!(Number.isInteger(lags) && lags >= 1 && lags < n))
    throw new RangeError(`ljungBox: lags must be an integer in [1, n − 1] (n = ${n}), got ${lags}`);
  if (!(Number.isInteger(fittedDf) && fittedDf >= 0 && fittedDf < lags))
    throw new RangeError(`ljungBox: fittedDf must be an integer in [0, lags), got ${fittedDf}`);
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += (x[i]! - m) ** 2;
  if (!(c0 > 0)) return { lags, q: 0, df: lags - fittedDf, pValue: 1 };
  let q = 0;
  for (let k = 1; k <= lags; k++) {
    let ck = 0;
    for (let i = k; i < n; i++) ck += (x[i]! - m) * (x[i - k]! - m);
    const rho = ck / c0;
    q += (rho * rho) / (n - k);
  }
  q *= n * (n + 2);
  const df = lags - fittedDf;
  return { lags, q, df, pValue: regularizedGammaQ(df / 2, q / 2) };
}
