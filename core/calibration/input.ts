/**
 * What every calibration fit checks about its input series before fitting, and the error it throws
 * (a user's data problem, never a bug: the CLI prints its message on one line and exits 2).
 */

/** The input cannot be fitted: too short, a non-finite value (named by its 1-based row), no variation. */
export class CalibrationInputError extends Error {
  override name = 'CalibrationInputError';
}

/**
 * Throws unless `returns` has at least `minRows` values, all finite, not all equal (to working precision). `what` names the
 * fit in the message ("GARCH(1,1)"); rows are reported 1-based (returns[0] is row 1).
 */
export function checkReturns(returns: ArrayLike<number>, minRows: number, what: string): void {
  const n = returns.length;
  if (n < minRows) throw new CalibrationInputError(`${what} needs at least ${minRows} returns, got ${n}`);
  let maxAbs = 0;
  for (let t = 0; t < n; t++) {
    const x = returns[t]!;
    if (!Number.isFinite(x))
      throw new CalibrationInputError(`${what}: return at row ${t + 1} is not finite (${x})`);
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  // Constant to working precision: a standard deviation below 1e-12 of the largest |return|.
  const { variance } = meanVariance(returns);
  if (!(variance > 1e-24 * maxAbs * maxAbs) || variance === 0)
    throw new CalibrationInputError(`${what}: the returns have zero variance`);
}

/** Sample mean and variance with divisor n (two passes). */
export function meanVariance(x: ArrayLike<number>): { mean: number; variance: number } {
  const n = x.length;
  let s = 0;
  for (let t = 0; t < n; t++) s += x[t]!;
  const mean = s / n;
  let v = 0;
  for (let t = 0; t < n; t++) {
    const d = x[t]! - mean;
    v += d * d;
  }
  return { mean, variance: v / n };
}
