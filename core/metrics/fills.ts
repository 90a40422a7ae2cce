/**
 * Fill-based measures: effective spread, realized spread and their difference, the adverse selection
 * (price impact) — the standard execution-quality decomposition of market microstructure (Huang &
 * Stoll, "The components of the bid-ask spread", RFS 10(4), 1997; Hasbrouck, "Empirical Market
 * Microstructure", OUP 2007, ch. 5; the effective/realized spread statistics of SEC Rule 605).
 * Definitions in docs/metrics.md.
 *
 * For one of OUR fills (we are the maker) of side s (+1 when we buy, −1 when we sell) at price p,
 * size w, mid m₀ at the fill and mid m_h a horizon h later:
 *   effective spread (bps) = s·(m₀ − p)/m₀ · 1e4   what the fill earned against the mid at the fill,
 *   realized spread (bps)  = s·(m_h − p)/m₀ · 1e4   what it kept once the mid had moved for h,
 * both averaged with weights w over all fills; adverse selection = effective − realized. Sign: positive
 * = we earned. Half-spread convention: no factor 2 (Rule 605 and Huang–Stoll report 2·D·(p − m)/m
 * with D = +1 for a buyer-initiated trade; for a maker D = −s, so ours is exactly half of that figure).
 * Fees are not included (gross of fees).
 */
import { BUY } from '../domain/side';
import type { PathResult, PathSeries } from '../sim/path-result';

/**
 * Index of the last sample with t[i] ≤ time (binary search on non-decreasing t); 0 if time precedes
 * every sample, n − 1 if it is beyond the last one. −1 for an empty series.
 */
export function indexAtOrBefore(t: ArrayLike<number>, time: number): number {
  const n = t.length;
  if (n === 0) return -1;
  if (!(time >= (t[0] as number))) return 0;
  let lo = 0; // t[lo] ≤ time
  let hi = n; // t[hi] > time (or n)
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((t[mid] as number) <= time) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The series mid at the last sample at or before `time` (the final sample if beyond the end). */
export function midAtOrBefore(series: PathSeries, time: number): number {
  const i = indexAtOrBefore(series.t, time);
  return i < 0 ? Number.NaN : (series.mid[i] as number);
}

/** Size-weighted sums over fills: Σ w·bps and Σ w. */
export interface WeightedSum {
  sum: number;
  weight: number;
}

/**
 * Accumulate the size-weighted spread of one path's fills into `acc`: the effective spread with
 * `markoutHorizon` undefined (the reference mid is midAtFill), else the realized spread (the reference
 * mid is the series mid at t_fill + markoutHorizon).
 * Fills whose midAtFill is not a finite positive number, or whose markout mid is not finite, are
 * skipped.
 */
export function accumulateSpreadBps(
  path: PathResult,
  markoutHorizon: number | undefined,
  acc: WeightedSum,
): void {
  const f = path.fills;
  const st = path.series.t;
  const last = st.length - 1;
  let j = 0; // fills are in time order, so the markout sample index only moves forward
  for (let i = 0; i < f.count; i++) {
    const m0 = f.midAtFill[i]!;
    if (!(Number.isFinite(m0) && m0 > 0)) continue;
    let ref = m0;
    if (markoutHorizon !== undefined) {
      const target = f.t[i]! + markoutHorizon;
      if (last < 0) ref = Number.NaN;
      else if (target < st[j]!) {
        j = indexAtOrBefore(st, target);
        ref = path.series.mid[j]!;
      } else {
        while (j < last && st[j + 1]! <= target) j++;
        ref = path.series.mid[j]!;
      }
    }
    if (!Number.isFinite(ref)) continue;
    const sign = f.side[i] === BUY ? 1 : -1;
    const w = f.size[i]!;
    acc.sum += w * ((sign * (ref - f.price[i]!)) / m0) * 1e4;
    acc.weight += w;
  }
}

/**
 * Size-weighted mean effective spread in basis points over all fills of all paths (edge against the mid
 * at the fill); 0 if no fills.
 */
export function effectiveSpreadBps(paths: readonly PathResult[]): number {
  const acc = { sum: 0, weight: 0 };
  for (const p of paths) accumulateSpreadBps(p, undefined, acc);
  return acc.weight > 0 ? acc.sum / acc.weight : 0;
}

/**
 * Size-weighted mean realized spread in basis points: the edge against the mid `markoutHorizon` time
 * units after each fill (denominator still the mid at the fill); 0 if no fills.
 */
export function realizedSpreadBps(paths: readonly PathResult[], markoutHorizon: number): number {
  if (!(markoutHorizon >= 0)) throw new Error(`markoutHorizon must be ≥ 0, got ${markoutHorizon}`);
  const acc = { sum: 0, weight: 0 };
  for (const p of paths) accumulateSpreadBps(p, markoutHorizon, acc);
  return acc.weight > 0 ? acc.sum / acc.weight : 0;
}

/** Σ |price · size · lotSize| over the fills of one path (quote-currency notional traded). */
export function pathTurnover(path: PathResult): number {
  const f = path.fills;
  let s = 0;
  for (let i = 0; i < f.count; i++) s += Math.abs(f.price[i]! * f.size[i]! * path.lotSize);
  return s;
}
