/**
 * Drawdown measures of a PnL (equity) path and the Calmar ratio (T. W. Young, "Calmar ratio: a smoother
 * tool", Futures 20(1), 1991: annual return over maximum drawdown). Definitions in docs/metrics.md.
 * Inputs are finite numbers; `t` is non-decreasing.
 */

/**
 * Largest peak-to-trough fall: max over i of (max_{j ≤ i} x_j − x_i), a non-negative number in the
 * units of `x` (0 for a non-decreasing series, an empty one or a single sample).
 */
export function maxDrawdown(series: ArrayLike<number>): number {
  const n = series.length;
  if (n === 0) return 0;
  let peak = series[0] as number;
  let worst = 0;
  for (let i = 1; i < n; i++) {
    const x = series[i] as number;
    if (x > peak) peak = x;
    else if (peak - x > worst) worst = peak - x;
  }
  return worst;
}

/**
 * Longest time under water: the longest span t_end − t_peak over the drawdown episodes of `series`,
 * where an episode starts at the last sample at the running peak before the series falls below it,
 * and ends at the first later sample that regains the peak (x ≥ peak) or, if none does, at the last
 * sample. In the units of `t`; 0 if the series never falls below its running peak.
 */
export function maxDrawdownDuration(t: ArrayLike<number>, series: ArrayLike<number>): number {
  const n = series.length;
  if (t.length !== n) throw new Error(`maxDrawdownDuration: t has ${t.length} samples, series ${n}`);
  if (n === 0) return 0;
  let peak = series[0] as number;
  let peakT = t[0] as number;
  let underwater = false;
  let longest = 0;
  for (let i = 1; i < n; i++) {
    const x = series[i] as number;
    if (x >= peak) {
      if (underwater) {
        longest = Math.max(longest, (t[i] as number) - peakT);
        underwater = false;
      }
      peak = x;
      peakT = t[i] as number;
    } else {
      underwater = true;
    }
  }
  if (underwater) longest = Math.max(longest, (t[n - 1] as number) - peakT);
  return longest;
}

/**
 * Calmar ratio: annualised mean return (meanPerPeriod · periodsPerYear, e.g. mean session PnL ·
 * sessions per year) over the maximum drawdown; 0 when the drawdown is 0.
 */
export function calmar(meanPerPeriod: number, periodsPerYear: number, maxDd: number): number {
  if (!(maxDd > 0)) return 0;
  return (meanPerPeriod * periodsPerYear) / maxDd;
}
