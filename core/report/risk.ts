/**
 * The statistics a tear sheet needs beyond core/metrics: a rolling session Sharpe pooled over paths,
 * the split of each bar's PnL into carry, spread and adverse-selection terms with their contributions
 * to the PnL variance, and the tail risk of the inventory carry. Everything is computed from
 * PathResult (core/sim/path-result.ts) alone. The existing metrics (drawdown, VaR/ES, Sharpe, mark-out
 * spreads) are imported from core/metrics, never recomputed here.
 *
 * Notation for one path: samples i = 0..n (n = bars), time t_i, mid m_i, inventory q_i (lots), lot
 * size L, PnL π_i; the bar increment Δ_i = π_i − π_{i−1} (i = 1..n). A fill f has side s_f (+1 buy,
 * −1 sell), price p_f, size w_f (lots), fee c_f (paid, negative for a rebate) and the mid at the fill
 * m0_f; it belongs to bar i when t_{i−1} ≤ t_f < t_i (fills before t_0 belong to bar 1, fills at t_n to
 * bar n): a simulator records the sample at t_i before the events stamped t_i.
 *
 * 1. Rolling session Sharpe (rollingSessionSharpe). With a window of W bars, at bar i ≥ W:
 *      RS_i = mean(X_i) / sd(X_i) · √n,  X_i = { Δ_{p,j} : every path p, i − W < j ≤ i },
 *    the per-bar Sharpe of the increments of the last W bars of every path, scaled by √n to a session
 *    (exact for independent, identically distributed increments; the scaling is the same convention as
 *    quantstats' rolling Sharpe, which annualises a rolling window by √periods). Pooling over paths is
 *    what makes it stable when sessions are short. Sample sd (n − 1); 0 when the sd is 0 (as
 *    sharpeRatio in core/metrics/stats.ts). Bars before the window fills are not reported.
 *
 * 2. PnL attribution (attributeBars). Since π = cash + q·L·m − const, the bar increment is exactly
 *      Δ_i = q_{i−1}·L·(m_i − m_{i−1})                         carry: price risk of the inventory held
 *          + Σ_{f∈i} [ s_f·w_f·L·(m0_f − p_f) − c_f ]          spread: edge at the fill, net of fees
 *          + Σ_{f∈i} s_f·w_f·L·(m_i − m0_f)                    adverse selection: the mid's move after
 *                                                               the fill, to the bar's end
 *          + r_i                                                residual (0 up to rounding when the
 *                                                               series and the fills log agree)
 *    The carry term is the "price/inventory" risk source of issue 13 (a mid move costs only through the
 *    inventory it meets), the adverse-selection term the "adverse selection" one, spread capture is
 *    the compensation. Following Huang & Stoll (RFS 1997) for the split of a fill's edge into the spread
 *    earned and the subsequent price impact; cf. the realized/effective spreads of core/metrics/fills.ts.
 *    A fill whose mid at the fill is not finite is taken at m0 = m_i (all its edge is spread).
 *
 * 3. Variance contributions (varianceContributions). For Y = Σ_k X_k (the terms above), the Euler
 *    (covariance) allocation  c_k = Cov(X_k, Y) / Var(Y)  sums to 1 over the terms; c_k can be negative
 *    (a hedging term) or exceed 1. Sample covariances over the bars pooled across paths; all c_k = 0
 *    when Var(Y) = 0. (Standard risk budgeting: e.g. Qian, "Risk parity portfolios", 2005; Tasche,
 *    "Capital allocation to business units and sub-portfolios: the Euler principle", 2008.)
 *
 * 4. Inventory risk (inventoryRisk): the historical VaR and ES (= CVaR) at 95 % and 99 % of the carry
 *    term q_{i−1}·L·(m_i − m_{i−1}) pooled over bars and paths — the tail loss of holding the inventory
 *    for one bar — with historicalVarEs of core/metrics/stats.ts (losses positive), and the mean and
 *    99th percentile of the absolute exposure |q_i·L·m_i| (quote currency).
 */
import { BUY } from '../domain/side';
import { empiricalQuantileSorted, historicalVarEs, mean, sharpeRatio, type VarEs } from '../metrics/stats';
import type { PathResult } from '../sim/path-result';

/** The per-bar PnL terms of one path (arrays of length bars; index i − 1 holds bar i). */
export interface BarAttribution {
  pnl: Float64Array;
  carry: Float64Array;
  spread: Float64Array;
  adverse: Float64Array;
  residual: Float64Array;
}

/** Split every bar's PnL increment of a path into carry, spread, adverse selection and a residual. */
export function attributeBars(path: PathResult): BarAttribution {
  const s = path.series;
  const n = s.bars;
  const L = path.lotSize;
  const out: BarAttribution = {
    pnl: new Float64Array(n),
    carry: new Float64Array(n),
    spread: new Float64Array(n),
    adverse: new Float64Array(n),
    residual: new Float64Array(n),
  };
  const f = path.fills;
  let k = 0; // fills are in time order
  for (let i = 1; i <= n; i++) {
    const mi = s.mid[i]!;
    const dPnl = s.pnl[i]! - s.pnl[i - 1]!;
    const carry = s.inventory[i - 1]! * L * (mi - s.mid[i - 1]!);
    let spread = 0;
    let adverse = 0;
    const tEnd = s.t[i]!;
    // Bar i takes the fills with t < t_i not yet taken (the last bar also those at t_n): a simulator
    // samples its state at t_i before it processes the events stamped t_i. Fills after the last
    // sample are not in the series' PnL and stay out.
    while (k < f.count && (f.t[k]! < tEnd || (i === n && f.t[k]! === tEnd))) {
      const sign = f.side[k] === BUY ? 1 : -1;
      const qty = sign * f.size[k]! * L;
      const m0raw = f.midAtFill[k]!;
      const m0 = Number.isFinite(m0raw) ? m0raw : mi;
      spread += qty * (m0 - f.price[k]!) - f.fee[k]!;
      adverse += qty * (mi - m0);
      k++;
    }
    const j = i - 1;
    out.pnl[j] = dPnl;
    out.carry[j] = carry;
    out.spread[j] = spread;
    out.adverse[j] = adverse;
    out.residual[j] = dPnl - carry - spread - adverse;
  }
  return out;
}

export type AttributionTerm = 'carry' | 'spread' | 'adverse' | 'residual';
export const ATTRIBUTION_TERMS: readonly AttributionTerm[] = ['carry', 'spread', 'adverse', 'residual'];

export interface TermContribution {
  term: AttributionTerm;
  /** Mean per bar (quote currency). */
  mean: number;
  /** Sample standard deviation per bar. */
  std: number;
  /** Cov(term, ΔPnL) / Var(ΔPnL): the term's share of the PnL variance (the shares sum to 1). */
  contribution: number;
}

export interface VarianceDecomposition {
  /** Bars pooled over paths. */
  bars: number;
  /** Sample variance of the per-bar PnL increment. */
  pnlVariance: number;
  terms: TermContribution[];
}

/** Euler contributions of the attribution terms to the variance of the per-bar PnL (pooled over paths). */
export function varianceContributions(parts: readonly BarAttribution[]): VarianceDecomposition {
  const y = concat(parts.map((p) => p.pnl));
  const nBars = y.length;
  const my = mean(y);
  let vy = 0;
  for (let i = 0; i < nBars; i++) vy += (y[i]! - my) ** 2;
  vy = nBars > 1 ? vy / (nBars - 1) : 0;
  const terms = ATTRIBUTION_TERMS.map((term): TermContribution => {
    const x = concat(parts.map((p) => p[term]));
    const mx = mean(x);
    let cov = 0;
    let vx = 0;
    for (let i = 0; i < nBars; i++) {
      const dx = x[i]! - mx;
      cov += dx * (y[i]! - my);
      vx += dx * dx;
    }
    const d = nBars > 1 ? nBars - 1 : 1;
    return {
      term,
      mean: mx,
      std: nBars > 1 ? Math.sqrt(vx / d) : 0,
      contribution: vy > 0 && nBars > 1 ? cov / d / vy : 0,
    };
  });
  return { bars: nBars, pnlVariance: vy, terms };
}

export interface InventoryRisk {
  /** VaR and ES (CVaR) of the per-bar carry PnL, positive = loss (quote currency). */
  carry95: VarEs;
  carry99: VarEs;
  /** Mean and 99th percentile of |q·L·m| over all samples (quote currency). */
  meanAbsExposure: number;
  p99AbsExposure: number;
}

export function inventoryRisk(paths: readonly PathResult[], parts: readonly BarAttribution[]): InventoryRisk {
  const carry = concat(parts.map((p) => p.carry));
  const expo: number[] = [];
  for (const p of paths) {
    const s = p.series;
    for (let i = 0; i <= s.bars; i++) expo.push(Math.abs(s.inventory[i]! * p.lotSize * s.mid[i]!));
  }
  const sorted = Float64Array.from(expo).sort();
  return {
    carry95: historicalVarEs(carry, 0.95),
    carry99: historicalVarEs(carry, 0.99),
    meanAbsExposure: mean(expo),
    p99AbsExposure: sorted.length > 0 ? empiricalQuantileSorted(sorted, 0.99) : 0,
  };
}

export interface RollingPoint {
  /** Time of bar i (of the first path). */
  t: number;
  value: number;
}

/**
 * Rolling session Sharpe (definition 1 above) at every bar from `window` on. Paths must share their
 * bar count and times (they do within a run); only the first min(bars) bars are used otherwise.
 */
export function rollingSessionSharpe(paths: readonly PathResult[], window: number): RollingPoint[] {
  const first = paths[0];
  if (first === undefined) return [];
  if (!(Number.isInteger(window) && window >= 1))
    throw new RangeError(`window must be an integer ≥ 1, got ${window}`);
  const n = Math.min(...paths.map((p) => p.series.bars));
  if (n < window) return [];
  const scale = Math.sqrt(n);
  // Prefix sums over bars of the per-bar sums across paths, about a shift c (the pooled mean) so that
  // the sums of squares do not lose the variance to cancellation.
  let c = 0;
  for (const p of paths) c += (p.series.pnl[n]! - p.series.pnl[0]!) / n;
  c /= paths.length;
  const s1 = new Float64Array(n + 1);
  const s2 = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) {
    let a = 0;
    let b = 0;
    for (const p of paths) {
      const d = p.series.pnl[i]! - p.series.pnl[i - 1]! - c;
      a += d;
      b += d * d;
    }
    s1[i] = s1[i - 1]! + a;
    s2[i] = s2[i - 1]! + b;
  }
  const out: RollingPoint[] = [];
  const m = window * paths.length;
  for (let i = window; i <= n; i++) {
    const a = s1[i]! - s1[i - window]!;
    const b = s2[i]! - s2[i - window]!;
    const mu = a / m; // mean of the shifted increments
    const v = m > 1 ? (b - m * mu * mu) / (m - 1) : 0;
    // Same zero-dispersion rule as sharpeRatio: a window of (nearly) equal increments has no Sharpe.
    const sd = v > 0 ? Math.sqrt(v) : 0;
    const value = m >= 2 && sd > 1e-12 * (Math.abs(mu + c) + Math.abs(c)) ? ((mu + c) / sd) * scale : 0;
    out.push({ t: first.series.t[i]!, value });
  }
  return out;
}

/** The same, recomputed window by window with sharpeRatio (slow; the reference of the tests). */
export function rollingSessionSharpeNaive(paths: readonly PathResult[], window: number): RollingPoint[] {
  const first = paths[0];
  if (first === undefined) return [];
  const n = Math.min(...paths.map((p) => p.series.bars));
  const out: RollingPoint[] = [];
  for (let i = window; i <= n; i++) {
    const x: number[] = [];
    for (const p of paths)
      for (let j = i - window + 1; j <= i; j++) x.push(p.series.pnl[j]! - p.series.pnl[j - 1]!);
    out.push({ t: first.series.t[i]!, value: sharpeRatio(x) * Math.sqrt(n) });
  }
  return out;
}

/** Default rolling window: a tenth of the session, at least 5 bars and at most the session. */
export function defaultRollingWindow(bars: number): number {
  return Math.max(1, Math.min(bars, Math.max(5, Math.round(bars / 10))));
}

export interface Histogram {
  /** Left edges of the bins, then the right edge of the last one (bins + 1 values). */
  edges: number[];
  counts: number[];
}

/**
 * Equal-width histogram with ⌈√n⌉ bins, at most `maxBins` (default 40), over [min, max] of the finite
 * values; a constant sample gets one bin of width 1 centred on it.
 */
export function histogram(values: ArrayLike<number>, maxBins = 40): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n === 0) return { edges: [], counts: [] };
  if (hi === lo) return { edges: [lo - 0.5, lo + 0.5], counts: [n] };
  const bins = Math.max(1, Math.min(maxBins, Math.ceil(Math.sqrt(n))));
  const w = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const b = Math.min(bins - 1, Math.floor((v - lo) / w));
    counts[b] = (counts[b] ?? 0) + 1;
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? hi : lo + k * w));
  return { edges, counts };
}

function concat(arrays: readonly Float64Array[]): Float64Array {
  let len = 0;
  for (const a of arrays) len += a.length;
  const out = new Float64Array(len);
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}
