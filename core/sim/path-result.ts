/**
 * What one simulated (or replayed) path produces: bar-sampled series and a fills log, columnar in
 * typed arrays. Metrics (core/metrics) read only this structure, so a backtest, a replay and a paper
 * session are measured by the same code.
 */
import type { FillLog } from '../domain/fill-log';

export { FillLog } from '../domain/fill-log';

/** Bar-sampled state of one path. Index 0 is the initial state, index `bars` the final one. */
export interface PathSeries {
  /** Number of bars; every series array has length bars + 1. */
  bars: number;
  t: Float64Array;
  mid: Float64Array;
  /** Our bid / ask price at the sample (NaN when not quoting that side). */
  bid: Float64Array;
  ask: Float64Array;
  /** Inventory in lots. */
  inventory: Float64Array;
  cash: Float64Array;
  /** Mark-to-market PnL: cash + inventory·lotSize·mid − initial value. */
  pnl: Float64Array;
}

export interface PathResult {
  pathIndex: number;
  seed: number;
  series: PathSeries;
  fills: FillLog;
  /** Number of quote submissions per side (a quote refreshed on both sides counts 2). */
  quotesPosted: number;
  /** Lot size in base units, to turn lots into notional. */
  lotSize: number;
}

/**
 * A series of `bars` bars for the next path: the arrays of `spare` zeroed when it has that length (a
 * recycled path's, see MarketSimulator.recycle), else new ones. Either way every entry starts at 0.
 */
export function reuseOrAllocSeries(bars: number, spare: PathSeries | undefined): PathSeries {
  if (spare?.bars !== bars) return allocSeries(bars);
  for (const a of [spare.t, spare.mid, spare.bid, spare.ask, spare.inventory, spare.cash, spare.pnl])
    a.fill(0);
  return spare;
}

export function allocSeries(bars: number): PathSeries {
  const n = bars + 1;
  return {
    bars,
    t: new Float64Array(n),
    mid: new Float64Array(n),
    bid: new Float64Array(n),
    ask: new Float64Array(n),
    inventory: new Float64Array(n),
    cash: new Float64Array(n),
    pnl: new Float64Array(n),
  };
}

/**
 * Rebuild cash and inventory from a fills log alone: cash = −Σ sign·price·size·lotSize − Σ fee,
 * inventory = initial + Σ sign·size. A simulator's books must reconcile with this exactly (tests).
 */
export function replayAccounts(
  fills: FillLog,
  lotSize: number,
  initialInventory = 0,
): { cash: number; inventory: number } {
  let cash = 0;
  let inventory = initialInventory;
  for (let i = 0; i < fills.count; i++) {
    const sign = fills.side[i] === 0 ? 1 : -1;
    const size = fills.size[i] ?? 0;
    cash -= sign * (fills.price[i] ?? 0) * size * lotSize + (fills.fee[i] ?? 0);
    inventory += sign * size;
  }
  return { cash, inventory };
}
