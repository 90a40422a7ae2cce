/**
 * The one strategy interface. A Quoter sees a MarketObservation and writes a QuoteDecision; the same
 * object runs in the intensity simulator, the book simulator, historical replay and paper trading.
 *
 * Units: prices are decimal prices in quote currency (the venue adapter rounds bids down and asks up
 * to its tick); sizes and inventory are in lots; time is in the venue's time unit (seconds in the book
 * simulator and live, the model's abstract unit in the Avellaneda–Stoikov experiment) and `horizon`
 * is the end of the trading session in the same unit (Infinity when there is none).
 *
 * Hot path: `quote` is called for every decision of every path. It must not allocate; it writes into
 * the `out` object it is given, which the caller reuses.
 */
import type { FillLog } from '../domain/fill-log';

/** Top-of-book depth, best level first. Arrays may be longer than `levels`; only the first are valid. */
export interface DepthView {
  levels: number;
  bidPrices: Float64Array;
  bidSizes: Float64Array;
  askPrices: Float64Array;
  askSizes: Float64Array;
}

export interface MarketObservation {
  /** Current time (venue time unit). */
  t: number;
  /** Session end (venue time unit); Infinity when the session has no horizon. */
  horizon: number;
  /** Reference mid price (the model mid in intensity mode; (bid+ask)/2 of the book otherwise). */
  mid: number;
  /** Best bid/ask prices, NaN when that side is empty (intensity mode has no book: NaN). */
  bestBid: number;
  bestAsk: number;
  /** Tick size in price units; 0 when prices are continuous. */
  tickSize: number;
  /** Signed inventory in lots. */
  inventory: number;
  /** Cash in quote currency. */
  cash: number;
  /** Optional depth view (book mode, replay, live). */
  depth?: DepthView | undefined;
  /**
   * Our own fills on the current path or session, as far as the market has reported them at this
   * observation (the log only grows during a path; read entries from `count` you saw last time).
   * This is the only way a quoter learns of its fills: simulator, replay and live venue all fill it.
   * Null when the market does not report fills.
   */
  fills: FillLog | null;
}

export interface QuoteDecision {
  /** Bid price; NaN means no bid. */
  bidPrice: number;
  /** Ask price; NaN means no ask. */
  askPrice: number;
  /** Bid size in lots (> 0 when a bid is quoted). */
  bidSize: number;
  /** Ask size in lots (> 0 when an ask is quoted). */
  askSize: number;
  /** Aggressive order in lots: > 0 buys at market, < 0 sells at market, 0 none. */
  marketOrderLots: number;
}

export type ParamValue = number | string | boolean;

/** The simulated path a quoter is reset for (see Quoter.reset). */
export interface PathContext {
  seed: number;
  pathIndex: number;
}

export interface Quoter {
  /** Stable machine name (used in results files), e.g. "avellaneda-stoikov". */
  readonly name: string;
  /** The parameters that define this quoter, for results files and reports. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /**
   * Forget any per-path state before a new path or session. `path` names the simulated path about to
   * run (the simulator's seed and path index) when there is one; a quoter that draws random numbers
   * seeds them from it, so path i sees the same draws whichever paths ran before it. Replay and live
   * sessions pass nothing.
   */
  reset(path?: PathContext): void;
  /** Decide quotes for the current observation, writing into `out` (no allocation). */
  quote(obs: MarketObservation, out: QuoteDecision): void;
}

export function emptyDecision(): QuoteDecision {
  return { bidPrice: Number.NaN, askPrice: Number.NaN, bidSize: 0, askSize: 0, marketOrderLots: 0 };
}

export function emptyObservation(): MarketObservation {
  return {
    t: 0,
    horizon: Number.POSITIVE_INFINITY,
    mid: Number.NaN,
    bestBid: Number.NaN,
    bestAsk: Number.NaN,
    tickSize: 0,
    inventory: 0,
    cash: 0,
    fills: null,
  };
}
