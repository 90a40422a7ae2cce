/**
 * The metrics of one run (one strategy × parameters × scenario, many paths), computed only from
 * PathResult (core/sim/path-result.ts), so a backtest, a replay and a paper session are measured by
 * the same code. Every definition, unit and convention is in docs/metrics.md; the building blocks are
 * in stats.ts, drawdown.ts and fills.ts.
 *
 * Sessions: one path is one session. Sharpe, Sortino and Calmar are computed on the sample of final
 * per-path PnLs (session returns) and annualised by √sessionsPerYear (annualization.ts states the
 * basis). Per-bar PnL increments Δ_i = pnl[i] − pnl[i−1] (i = 1..bars, never across paths) are pooled
 * over all paths for the per-bar figures (perBarSharpe, not annualised), win rate and VaR/ES;
 * drawdowns are per path, averaged (maxDrawdown) and the worst (maxDrawdownWorst); spread and inventory
 * averages pool all samples. Undefined quantities are 0, never NaN.
 */
import type { PathResult } from '../sim/path-result';
import { calmar, maxDrawdown, maxDrawdownDuration } from './drawdown';
import { accumulateSpreadBps, pathTurnover } from './fills';
import { historicalVarEsSelect, mean, sampleStd, sharpeRatio, sortinoRatio, winRate } from './stats';

export interface RunMetricsOptions {
  /** Sessions (paths) per year, to annualise Sharpe, Sortino and Calmar (annualization.ts). */
  sessionsPerYear: number;
  /** Markout horizon in the series' time unit. */
  markoutHorizon: number;
}

export interface RunMetrics {
  /** Number of paths. */
  paths: number;
  /** Mean of (ask − bid) over samples where both sides are quoted (price units). */
  avgSpread: number;
  /** Mean and sample std across paths of the final PnL (quote currency). */
  pnlMean: number;
  pnlStd: number;
  /** Mean and sample std across paths of the final inventory (lots). */
  finalInventoryMean: number;
  finalInventoryStd: number;
  /** Per-session Sharpe and Sortino: pnlMean / pnlStd and pnlMean / downside deviation of final PnLs. */
  sessionSharpe: number;
  sessionSortino: number;
  /** Annualised: sessionSharpe · √sessionsPerYear, sessionSortino · √sessionsPerYear. */
  sharpe: number;
  sortino: number;
  /** Annualised mean PnL (pnlMean · sessionsPerYear) / maxDrawdown (the mean per-session drawdown). */
  calmar: number;
  /** Sharpe of the pooled per-bar PnL increments, per bar (not annualised). */
  perBarSharpe: number;
  /** Mean over paths of the maximum peak-to-trough PnL fall (quote currency, ≥ 0). */
  maxDrawdown: number;
  /** The worst path's maximum drawdown (quote currency, ≥ 0). */
  maxDrawdownWorst: number;
  /** Mean over paths of the longest time under water (series time unit). */
  maxDrawdownDuration: number;
  /** Historical VaR and ES of the pooled per-bar increments, positive = loss (quote currency). */
  var95: number;
  es95: number;
  var99: number;
  es99: number;
  /** Total fills / total quotes posted. */
  fillRate: number;
  /** Size-weighted edge of our fills against the mid at the fill (bps; half-spread, + = we earned). */
  effectiveSpreadBps: number;
  /** The same against the mid markoutHorizon after each fill (bps): the literature's realized spread. */
  realizedSpreadBps: number;
  /** effectiveSpreadBps − realizedSpreadBps: what the mid's move after our fills cost us (bps). */
  adverseSelectionBps: number;
  /** Mean |inventory| over all samples (lots). */
  meanAbsInventory: number;
  /** Mean per path of the traded notional Σ|price·size·lotSize| (quote currency). */
  turnover: number;
  /** Share of non-zero pooled increments that are positive. */
  winRate: number;
  /** Total fills over all paths, and per path. */
  fills: number;
  fillsPerPath: number;
}

export function computeRunMetrics(paths: readonly PathResult[], opts: RunMetricsOptions): RunMetrics {
  const acc = new RunMetricsAccumulator(opts);
  for (const p of paths) acc.add(p);
  return acc.result();
}

/**
 * The same metrics, fed one path at a time: a backtest keeps only per-path summaries and the pooled
 * increments (8 bytes per bar) instead of every path's series and fills.
 */
export class RunMetricsAccumulator {
  private finalPnl: number[] = [];
  private finalInv: number[] = [];
  private mdd: number[] = [];
  private mddDur: number[] = [];
  private turnover: number[] = [];
  private inc = new Float64Array(1024);
  private nInc = 0;
  private spreadSum = 0;
  private spreadCount = 0;
  private absInvSum = 0;
  private sampleCount = 0;
  private fills = 0;
  private quotes = 0;
  private readonly eff = { sum: 0, weight: 0 };
  private readonly real = { sum: 0, weight: 0 };

  constructor(private readonly opts: RunMetricsOptions) {
    if (!(Number.isFinite(opts.sessionsPerYear) && opts.sessionsPerYear > 0)) {
      throw new Error(`computeRunMetrics: sessionsPerYear must be > 0, got ${opts.sessionsPerYear}`);
    }
    if (!(opts.markoutHorizon >= 0)) {
      throw new Error(`computeRunMetrics: markoutHorizon must be ≥ 0, got ${opts.markoutHorizon}`);
    }
  }

  add(p: PathResult): void {
    const s = p.series;
    const n = s.bars + 1;
    if (s.pnl.length < n || s.t.length < n) {
      throw new Error(`computeRunMetrics: path ${p.pathIndex} has fewer than bars + 1 samples`);
    }
    const pnl = s.pnl.subarray(0, n);
    this.finalPnl.push(pnl[n - 1]!);
    this.finalInv.push(s.inventory[n - 1]!);
    if (this.nInc + n > this.inc.length) {
      const grown = new Float64Array(Math.max(this.inc.length * 2, this.nInc + n));
      grown.set(this.inc.subarray(0, this.nInc));
      this.inc = grown;
    }
    for (let i = 1; i < n; i++) this.inc[this.nInc++] = pnl[i]! - pnl[i - 1]!;
    this.mdd.push(maxDrawdown(pnl));
    this.mddDur.push(maxDrawdownDuration(s.t.subarray(0, n), pnl));
    for (let i = 0; i < n; i++) {
      const b = s.bid[i]!;
      const a = s.ask[i]!;
      if (Number.isFinite(a) && Number.isFinite(b)) {
        this.spreadSum += a - b;
        this.spreadCount++;
      }
      this.absInvSum += Math.abs(s.inventory[i]!);
    }
    this.sampleCount += n;
    this.fills += p.fills.count;
    this.quotes += p.quotesPosted;
    this.turnover.push(pathTurnover(p));
    accumulateSpreadBps(p, undefined, this.eff);
    accumulateSpreadBps(p, this.opts.markoutHorizon, this.real);
  }

  result(): RunMetrics {
    const nPaths = this.finalPnl.length;
    const inc = this.inc.subarray(0, this.nInc);
    const scratch = new Float64Array(inc.length);
    const v95 = historicalVarEsSelect(inc, 0.95, scratch);
    const v99 = historicalVarEsSelect(inc, 0.99, scratch);
    const meanMdd = mean(this.mdd);
    const spy = this.opts.sessionsPerYear;
    const pnlMean = mean(this.finalPnl);
    const sessionSharpe = sharpeRatio(this.finalPnl);
    const sessionSortino = sortinoRatio(this.finalPnl);
    const effective = this.eff.weight > 0 ? this.eff.sum / this.eff.weight : 0;
    const realized = this.real.weight > 0 ? this.real.sum / this.real.weight : 0;
    let worstMdd = 0;
    for (const d of this.mdd) if (d > worstMdd) worstMdd = d;
    return {
      paths: nPaths,
      avgSpread: this.spreadCount > 0 ? this.spreadSum / this.spreadCount : 0,
      pnlMean,
      pnlStd: sampleStd(this.finalPnl),
      finalInventoryMean: mean(this.finalInv),
      finalInventoryStd: sampleStd(this.finalInv),
      sessionSharpe,
      sessionSortino,
      sharpe: sessionSharpe * Math.sqrt(spy),
      sortino: sessionSortino * Math.sqrt(spy),
      calmar: calmar(pnlMean, spy, meanMdd),
      perBarSharpe: sharpeRatio(inc),
      maxDrawdown: meanMdd,
      maxDrawdownWorst: worstMdd,
      maxDrawdownDuration: mean(this.mddDur),
      var95: v95.var,
      es95: v95.es,
      var99: v99.var,
      es99: v99.es,
      fillRate: this.quotes > 0 ? this.fills / this.quotes : 0,
      effectiveSpreadBps: effective,
      realizedSpreadBps: realized,
      adverseSelectionBps: effective - realized,
      meanAbsInventory: this.sampleCount > 0 ? this.absInvSum / this.sampleCount : 0,
      turnover: mean(this.turnover),
      winRate: winRate(inc),
      fills: this.fills,
      fillsPerPath: nPaths > 0 ? this.fills / nPaths : 0,
    };
  }
}
