/**
 * Sides and the integer units of the book. Bids/buys are 0 and asks/sells are 1 so that a side indexes
 * typed arrays directly; `sideSign` gives +1 for a buy and −1 for a sell.
 *
 * Prices inside the book are integer ticks and sizes integer lots; conversion to decimal prices and
 * quantities happens only at the edges (data loaders, reports, the UI) through an Instrument.
 */
export const BUY = 0;
export const SELL = 1;
export type Side = typeof BUY | typeof SELL;

export function sideSign(side: Side): 1 | -1 {
  return side === BUY ? 1 : -1;
}

export function oppositeSide(side: Side): Side {
  return side === BUY ? SELL : BUY;
}

export function sideName(side: Side): 'buy' | 'sell' {
  return side === BUY ? 'buy' : 'sell';
}

export interface Instrument {
  symbol: string;
  /** Price of one tick in quote currency. */
  tickSize: number;
  /** Quantity of one lot in base units. */
  lotSize: number;
}

export function priceToTicks(price: number, tickSize: number): number {
  return Math.round(price / tickSize);
}

export function ticksToPrice(ticks: number, tickSize: number): number {
  return ticks * tickSize;
}
