/**
 * The metrics of one run (one strategy × parameters × scenario, many paths), computed only from
 * PathResult (core/sim/path-result.ts), so a backtest, a replay and a paper session are measured by
 * the same code. Every definition, unit and convention is in docs/metrics.md; the building blocks are
 * in stats.ts, drawdown.ts and fills.ts.
 *
 * Pooling: per-bar PnL increments Δ_i = pnl[i] − pnl[i−1] (i = 1..bars, never across paths) are pooled
 * over all paths for Sharpe, Sortino, win rate, VaR/ES and the Calmar numerator; drawdowns are per path
 * and averaged; spread and inventory averages pool all samples; final PnL/inventory are per-path
 * values summarised across paths. Undefined quantities are 0, never NaN.
 */
import type { PathResult } from '../sim/path-result';
import { calmar, maxDrawdown, maxDrawdownDuration } from './drawdown';
import { accumulateRealizedSpread, pathTurnover } from './fills';
import { historicalVarEsSelect, mean, sampleStd, sharpe, sortino, winRate } from './stats';

export interface RunMetricsOptions {
  /** Bars per year, to annualise Sharpe, Sortino and Calmar (e.g. 365·24·3600 / bar length in s). */
  periodsPerYear: number;
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
  /** Annualised Sharpe and Sortino of the pooled per-bar PnL increments. */
  sharpe: number;
  sortino: number;
  /** Annualised mean increment / maxDrawdown. */
  calmar: number;
  /** Mean over paths of the maximum peak-to-trough PnL fall (quote currency, ≥ 0). */
  maxDrawdown: number;
  /** Mean over paths of the longest time under water (series time unit). */
  maxDrawdownDuration: number;
  /** Historical VaR and ES of the pooled per-bar increments, positive = loss (quote currency). */
  var95: number;
  es95: number;
  var99: number;
  es99: number;
  /** Total fills / total quotes posted. */
  fillRate: number;
  /** Size-weighted realized spread against the mid at the fill, and at the markout horizon (bps). */
  realizedSpreadBps: number;
  realizedSpreadMarkoutBps: number;
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
  if (!(Number.isFinite(opts.periodsPerYear) && opts.periodsPerYear > 0)) {
    throw new Error(`computeRunMetrics: periodsPerYear must be > 0, got ${opts.periodsPerYear}`);
  }
  if (!(opts.markoutHorizon >= 0)) {
    throw new Error(`computeRunMetrics: markoutHorizon must be ≥ 0, got ${opts.markoutHorizon}`);
  }
  const nPaths = paths.length;
  const finalPnl = new Float64Array(nPaths);
  const finalInv = new Float64Array(nPaths);
  const mdd = new Float64Array(nPaths);
  const mddDur = new Float64Array(nPaths);
  const turnover = new Float64Array(nPaths);

  let nInc = 0;
  for (const p of paths) nInc += Math.max(0, p.series.bars);
  const inc = new Float64Array(nInc);

  let k = 0;
  let spreadSum = 0;
  let spreadCount = 0;
  let absInvSum = 0;
  let sampleCount = 0;
  let fills = 0;
  let quotes = 0;
  const rs = { sum: 0, weight: 0 };
  const mk = { sum: 0, weight: 0 };

  paths.forEach((p, j) => {
    const s = p.series;
    const n = s.bars + 1;
    if (s.pnl.length < n || s.t.length < n) {
      throw new Error(`computeRunMetrics: path ${p.pathIndex} has fewer than bars + 1 samples`);
    }
    const pnl = s.pnl.subarray(0, n);
    finalPnl[j] = pnl[n - 1]!;
    finalInv[j] = s.inventory[n - 1]!;
    for (let i = 1; i < n; i++) inc[k++] = pnl[i]! - pnl[i - 1]!;
    mdd[j] = maxDrawdown(pnl);
    mddDur[j] = maxDrawdownDuration(s.t.subarray(0, n), pnl);
    for (let i = 0; i < n; i++) {
      const b = s.bid[i]!;
      const a = s.ask[i]!;
      if (Number.isFinite(a) && Number.isFinite(b)) {
        spreadSum += a - b;
        spreadCount++;
      }
      absInvSum += Math.abs(s.inventory[i]!);
    }
    sampleCount += n;
    fills += p.fills.count;
    quotes += p.quotesPosted;
    turnover[j] = pathTurnover(p);
    accumulateRealizedSpread(p, undefined, rs);
    accumulateRealizedSpread(p, opts.markoutHorizon, mk);
  });

  const scratch = new Float64Array(inc.length);
  const v95 = historicalVarEsSelect(inc, 0.95, scratch);
  const v99 = historicalVarEsSelect(inc, 0.99, scratch);
  const meanMdd = mean(mdd);
  return {
    paths: nPaths,
    avgSpread: spreadCount > 0 ? spreadSum / spreadCount : 0,
    pnlMean: mean(finalPnl),
    pnlStd: sampleStd(finalPnl),
    finalInventoryMean: mean(finalInv),
    finalInventoryStd: sampleStd(finalInv),
    sharpe: sharpe(inc, opts.periodsPerYear),
    sortino: sortino(inc, opts.periodsPerYear),
    calmar: calmar(mean(inc), opts.periodsPerYear, meanMdd),
    maxDrawdown: meanMdd,
    maxDrawdownDuration: mean(mddDur),
    var95: v95.var,
    es95: v95.es,
    var99: v99.var,
    es99: v99.es,
    fillRate: quotes > 0 ? fills / quotes : 0,
    realizedSpreadBps: rs.weight > 0 ? rs.sum / rs.weight : 0,
    realizedSpreadMarkoutBps: mk.weight > 0 ? mk.sum / mk.weight : 0,
    meanAbsInventory: sampleCount > 0 ? absInvSum / sampleCount : 0,
    turnover: mean(turnover),
    winRate: winRate(inc),
    fills,
    fillsPerPath: nPaths > 0 ? fills / nPaths : 0,
  };
}
