/**
 * A quote the simulated book cannot hold (far beyond its price ladder) is rejected, as a venue's price
 * band would reject it, and the path runs on; before this, the order book's RangeError failed the whole
 * run (seen when tuning baselines: an inventory skew of thousands of dollars from a mis-set γ).
 */
import { describe, expect, it } from 'vitest';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import type { MarketObservation, QuoteDecision, Quoter } from '../strategy/quoter';
import { BookSimulator, QUOTE_BAND_TICKS } from './book-sim';
import { bookScenarioSchema, toBookScenario } from './scenario';
import { runPath } from './simulator';

const scenario = (over: Record<string, unknown> = {}) =>
  toBookScenario(
    bookScenarioSchema.parse({
      mode: 'book',
      horizon: 60,
      tickSize: 0.01,
      s0: 100,
      price: { model: 'abm', sigma: 0.012 },
      ...over,
    }),
  );

/** Bids at the touch, asks `askAway` price units above the mid. */
class FarAsk implements Quoter {
  readonly name = 'far-ask';
  readonly params = {};
  constructor(private readonly askAway: number) {}
  reset(): void {}
  quote(obs: MarketObservation, out: QuoteDecision): void {
    out.bidPrice = obs.mid - 0.01;
    out.askPrice = obs.mid + this.askAway;
    out.bidSize = 1;
    out.askSize = 1;
    out.marketOrderLots = 0;
  }
}

describe('book-mode simulator: out-of-band quotes', () => {
  it('rejects an ask 10,000 price units (a million ticks) away and keeps quoting the bid', () => {
    const sim = new BookSimulator(scenario());
    const r = runPath(sim, new FarAsk(10_000), 3, 0);
    expect(sim.rejected).toBeGreaterThan(0);
    let sells = 0;
    let buys = 0;
    for (let i = 0; i < r.fills.count; i++) {
      if (r.fills.side[i] === 0) buys++;
      else sells++;
    }
    expect(sells).toBe(0);
    expect(buys).toBeGreaterThan(0);
  });

  it('a quote within the ladder is not affected (the same path as a fixed-spread quoter)', () => {
    const a = runPath(new BookSimulator(scenario()), new FarAsk(0.01), 3, 0);
    const b = runPath(
      new BookSimulator(scenario()),
      new FixedSpreadQuoter({ halfSpread: 0.01, skewPerLot: 0, orderSizeLots: 1 }),
      3,
      0,
    );
    expect(a.fills.count).toBe(b.fills.count);
    expect(a.series.pnl[a.series.bars - 1]).toBe(b.series.pnl[b.series.bars - 1]);
  });
});

class FarBid implements Quoter {
  readonly name = 'far-bid';
  readonly params = {};
  constructor(private readonly away: number) {}
  reset(): void {}
  quote(obs: MarketObservation, out: QuoteDecision): void {
    out.bidPrice = obs.mid - this.away;
    out.askPrice = Number.NaN;
    out.bidSize = 1;
    out.askSize = 0;
    out.marketOrderLots = 0;
  }
}

const rejectedWith = (away: number, over: Record<string, unknown> = {}): number => {
  const sim = new BookSimulator(scenario(over));
  runPath(sim, new FarBid(away), 3, 0);
  return sim.rejected;
};

describe('book-mode simulator: the quote band', () => {
  it('rejects a bid beyond 50% of the price or at a negative price, accepts one 40% away', () => {
    expect(rejectedWith(40)).toBe(0);
    expect(rejectedWith(55)).toBeGreaterThan(0);
    expect(rejectedWith(120)).toBeGreaterThan(0);
  });

  it('on a high price the band is QUOTE_BAND_TICKS ticks', () => {
    const over = { s0: 10_000, price: { model: 'abm', sigma: 0.5 } };
    expect(rejectedWith((QUOTE_BAND_TICKS - 3000) * 0.01, over)).toBe(0);
    expect(rejectedWith((QUOTE_BAND_TICKS + 3000) * 0.01, over)).toBeGreaterThan(0);
  });

  it('market orders stop at maxDepthTicks from the mid: a bid 30 ticks beyond them is never hit', () => {
    // A thin book and large market orders: without the collar, sells walked through the empty levels.
    const thinBook = () =>
      new BookSimulator(
        scenario({
          horizon: 300,
          price: { model: 'abm', sigma: 0.001 },
          flow: {
            limitRate: 0.5,
            depthMeanTicks: 3,
            maxDepthTicks: 20,
            cancelRate: 0.2,
            marketRate: 2,
            marketSizeMu: 3,
          },
        }),
      );
    expect(runPath(thinBook(), new FarBid(0.5), 3, 0).fills.count).toBe(0);
    // …while a bid within the collar does get hit by the same flow
    expect(runPath(thinBook(), new FarBid(0.1), 3, 0).fills.count).toBeGreaterThan(0);
  });
});
