import { describe, expect, it } from 'vitest';
import { EVENT_KIND as K } from '../data/catalog';
import type { EventColumns } from '../data/event-columns';
import { replayAccounts } from '../sim/path-result';
import { runPath } from '../sim/simulator';
import type { MarketObservation, QuoteDecision, Quoter } from '../strategy/quoter';
import { ReplayMarket, type ReplayScenario } from './replay-market';
import { buildTape, type ReplayTape } from './tape';

/** [t seconds, kind, side (+1/−1), price, size, orderId] */
type Row = [number, number, number, number, number, number?];

function tapeOf(
  rows: Row[],
  opts: { top?: [number, number, number, number][]; tick?: number } = {},
): ReplayTape {
  const n = rows.length;
  const f = (): Float64Array => new Float64Array(n);
  const cols: EventColumns = {
    count: n,
    id: 'test',
    baseTsNs: 0n,
    // A snapshot's levels share one sequence number (its update id), as in the catalog.
    seq: Float64Array.from(rows, (r, i) => (r[1] === K.snapshotLevel ? 0 : i + 1)),
    exchangeTsNs: Float64Array.from(rows, (r) => r[0] * 1e9),
    kind: Int8Array.from(rows, (r) => r[1]),
    orderId: Float64Array.from(rows, (r) => r[5] ?? Number.NaN),
    side: Int8Array.from(rows, (r) => r[2]),
    price: Float64Array.from(rows, (r) => r[3]),
    size: Float64Array.from(rows, (r) => r[4]),
    localTsNs: f().fill(Number.NaN),
  };
  const info = { id: 'test', name: 'test', venue: 'test', symbol: 'X', format: 'test' };
  const top = opts.top
    ? {
        seq: Float64Array.from(opts.top, (_, i) => i + 1),
        bid: Float64Array.from(opts.top, (r) => r[0]),
        bidSize: Float64Array.from(opts.top, (r) => r[1]),
        ask: Float64Array.from(opts.top, (r) => r[2]),
        askSize: Float64Array.from(opts.top, (r) => r[3]),
      }
    : undefined;
  return buildTape(info, cols, { tick: opts.tick ?? 0.01, ...(top ? { top } : {}) });
}

function scenario(over: Partial<ReplayScenario> = {}): ReplayScenario {
  return {
    mode: 'replay',
    from: 0,
    to: Number.POSITIVE_INFINITY,
    decisionInterval: 1,
    sampleInterval: 1,
    depthLevels: 3,
    lotSize: 1,
    postOnly: true,
    fees: { makerBps: 0, takerBps: 0, perLot: 0 },
    latency: {
      model: 'sampled',
      entry: { model: 'constant', value: 0 },
      cancel: { model: 'constant', value: 0 },
      marketData: { model: 'constant', value: 0 },
    },
    queue: { model: 'risk-averse' },
    inventoryLimitLots: 1e9,
    initialInventoryLots: 0,
    ...over,
  };
}

/** Quotes fixed prices once (then keeps them); records what it saw. */
function fixedQuoter(bid: number, ask: number, size = 1): Quoter & { seen: MarketObservation[] } {
  const seen: MarketObservation[] = [];
  return {
    name: 'fixed',
    params: {},
    seen,
    reset() {
      seen.length = 0;
    },
    quote(obs: MarketObservation, out: QuoteDecision) {
      seen.push({ ...obs, depth: undefined });
      out.bidPrice = bid;
      out.askPrice = ask;
      out.bidSize = size;
      out.askSize = size;
    },
  };
}

// A two-sided L2 book at 9.99 / 10.01 (sizes 5 and 7), then events at t ≥ 1.
const snapshot: Row[] = [
  [0, K.snapshotLevel, 1, 9.99, 5],
  [0, K.snapshotLevel, 1, 9.98, 8],
  [0, K.snapshotLevel, -1, 10.01, 7],
  [0, K.snapshotLevel, -1, 10.02, 9],
];

describe('replay market (L2)', () => {
  it('joins behind the level, fills only when trades exhaust the queue ahead', () => {
    const tape = tapeOf([
      ...snapshot,
      [1.5, K.trade, -1, 9.99, 3], // sell aggressor: 3 of the 5 ahead of us
      [1.6, K.levelSet, 1, 9.99, 2], // the depth update that follows the trade: no double advance
      [1.7, K.trade, -1, 9.99, 2.5], // 2 ahead left: 0.5 reaches us
      [3, K.levelSet, 1, 9.99, 0],
      [3, K.levelSet, 1, 9.99, 4],
      [5, K.trade, 1, 10.02, 1],
    ]);
    const m = new ReplayMarket(tape, scenario());
    const p = runPath(m, fixedQuoter(9.99, 10.03), 1, 0);
    expect(p.fills.count).toBe(1);
    expect(p.fills.price[0]).toBeCloseTo(9.99, 12);
    expect(p.fills.size[0]).toBeCloseTo(0.5, 12);
    expect(p.fills.t[0]).toBeCloseTo(1.7, 12);
    const acc = replayAccounts(p.fills, 1);
    expect(p.series.inventory[p.series.bars]).toBeCloseTo(acc.inventory, 12);
    expect(p.series.cash[p.series.bars]).toBeCloseTo(acc.cash, 12);
  });

  it('fills first when the market trades through our price, at most the trade size', () => {
    const tape = tapeOf([
      ...snapshot,
      [2, K.trade, -1, 9.98, 0.4],
      [3, K.trade, 1, 10.02, 5],
      [4, K.levelSet, 1, 9.97, 1],
    ]);
    // Our bid at 10.00 (inside the spread) and ask at 10.01 behind 7.
    const p = runPath(new ReplayMarket(tape, scenario()), fixedQuoter(10.0, 10.01, 2), 1, 0);
    const sizes = Array.from(p.fills.size.subarray(0, p.fills.count));
    const sides = Array.from(p.fills.side.subarray(0, p.fills.count));
    expect(sides).toEqual([0, 1]);
    expect(sizes[0]).toBeCloseTo(0.4, 12); // a sell of 0.4 at 9.98 went through our 10.00 bid
    expect(sizes[1]).toBeCloseTo(2, 12); // a buy at 10.02 went through our 10.01 ask (we fill first)
  });

  it('probabilistic queue: a cancel advances us by the hand-computed share', () => {
    const rows: Row[] = [
      ...snapshot,
      [1.1, K.levelSet, 1, 9.99, 15], // +10 behind us: ahead 5, back 10 (+1 ours not in the book)
      [1.2, K.levelSet, 1, 9.99, 12], // cancel 3: p(back) = 10²/(10² + 5²) = 0.8 → ahead 5 − 0.6 = 4.4
      [1.3, K.trade, -1, 9.99, 4.9], // 0.5 reaches us
    ];
    const p = runPath(
      new ReplayMarket(tapeOf(rows), scenario({ queue: { model: 'prob-power', n: 2 } })),
      fixedQuoter(9.99, 10.05),
      1,
      0,
    );
    expect(p.fills.count).toBe(1);
    expect(p.fills.size[0]).toBeCloseTo(0.5, 12);
    const ra = runPath(new ReplayMarket(tapeOf(rows), scenario()), fixedQuoter(9.99, 10.05), 1, 0);
    expect(ra.fills.count).toBe(0); // risk-averse: the cancel did not advance us, 4.9 < 5
  });

  it('applies latency: a decision at t reaches the venue at t + entry; data is seen late', () => {
    const rows: Row[] = [...snapshot, [1.05, K.trade, -1, 9.99, 6], [2.2, K.trade, -1, 9.99, 6]];
    const sc = (entry: number): ReplayScenario =>
      scenario({
        latency: {
          model: 'sampled',
          entry: { model: 'constant', value: entry },
          cancel: { model: 'constant', value: entry },
          marketData: { model: 'constant', value: 0 },
        },
      });
    // Entry 0: the order is in the book at t = 0 (behind 5): the trade of 6 at 1.05 fills 1.
    const fast = runPath(new ReplayMarket(tapeOf(rows), sc(0)), fixedQuoter(9.99, 10.05), 1, 0);
    // Filled, it quotes again at t = 2 behind 5 more and the second trade fills it again.
    expect(Array.from(fast.fills.t.subarray(0, fast.fills.count))).toEqual([1.05, 2.2]);
    // Entry 1.1 s: it arrives at 1.1, after the first trade; the level is 5 again → filled at 2.2.
    const slow = runPath(new ReplayMarket(tapeOf(rows), sc(1.1)), fixedQuoter(9.99, 10.05), 1, 0);
    expect(Array.from(slow.fills.t.subarray(0, slow.fills.count))).toEqual([2.2]);
  });

  it('rejects crossing post-only quotes; without post-only takes liquidity, never twice', () => {
    const rows: Row[] = [...snapshot, [2, K.levelSet, -1, 10.01, 7], [4, K.levelSet, 1, 9.98, 8]];
    const post = new ReplayMarket(tapeOf(rows), scenario());
    const p = runPath(post, fixedQuoter(10.01, 10.5, 3), 1, 0);
    expect(p.fills.count).toBe(0);
    expect(post.stats.rejected).toBeGreaterThan(0);
    // Taking: each decision wants a bid at 10.01 for 3 lots; it takes 3 of the 7 at 10.01 and rests
    // nothing; the next decisions take again only from what is left (4, then 0 until the level refills).
    const take = new ReplayMarket(tapeOf(rows), scenario({ postOnly: false }));
    const q: Quoter = {
      name: 'taker',
      params: {},
      reset() {},
      quote(_o, out) {
        out.bidPrice = 10.01;
        out.bidSize = 3;
      },
    };
    const t = runPath(take, q, 1, 0);
    const bought = Array.from(t.fills.size.subarray(0, t.fills.count)).reduce((a, b) => a + b, 0);
    expect(bought).toBeCloseTo(7, 9); // all 7 taken once, never more, although we kept asking
    for (let i = 0; i < t.fills.count; i++) expect(t.fills.price[i]).toBeCloseTo(10.01, 12);
  });

  it('observes the recorded book (mid, touch, depth in lots) and our fills through obs.fills', () => {
    const q = fixedQuoter(9.9, 10.1);
    const m = new ReplayMarket(
      tapeOf(
        snapshot.concat([
          [3, K.levelSet, -1, 10.0, 2],
          [5, K.levelSet, 1, 9.98, 8],
        ]),
      ),
      scenario({ lotSize: 0.5 }),
    );
    runPath(m, q, 1, 0);
    const first = q.seen[0]!;
    expect(first.bestBid).toBeCloseTo(9.99, 12);
    expect(first.bestAsk).toBeCloseTo(10.01, 12);
    expect(first.mid).toBeCloseTo(10.0, 12);
    expect(first.fills).not.toBeNull();
    const late = q.seen[q.seen.length - 1]!;
    expect(late.bestAsk).toBeCloseTo(10.0, 12);
    expect(late.horizon).toBe(5);
    const d = (m as unknown as { depth: { bidSizes: Float64Array; askPrices: Float64Array } }).depth;
    expect(d.askPrices[0]).toBeCloseTo(10.0, 12);
    expect(d.bidSizes[0]).toBeCloseTo(10, 12); // 5 units = 10 lots of 0.5
  });

  it('is deterministic and reports bad scenarios clearly', () => {
    const tape = tapeOf([...snapshot, [1, K.trade, -1, 9.99, 9], [2, K.trade, 1, 10.01, 9]]);
    const a = runPath(new ReplayMarket(tape, scenario()), fixedQuoter(9.99, 10.01), 1, 0);
    const b = runPath(new ReplayMarket(tape, scenario()), fixedQuoter(9.99, 10.01), 1, 0);
    expect(Array.from(a.series.pnl)).toEqual(Array.from(b.series.pnl));
    expect(() => new ReplayMarket(tape, scenario({ queue: { model: 'fifo' } }))).toThrow(/needs L3 data/);
    expect(() => new ReplayMarket(tape, scenario({ from: 10 }))).toThrow(/never two-sided|select no time/);
    expect(() => new ReplayMarket(tape, scenario({ lotSize: 0 }))).toThrow(/scenario.lotSize/);
  });
});

describe('replay market (L3)', () => {
  // Bid 10.00: order 1 (5) then order 2 (3); ask 10.02: order 9 (4). We join the bid at t = 0.
  const base: Row[] = [
    [0, K.add, 1, 10.0, 5, 1],
    [0, K.add, 1, 10.0, 3, 2],
    [0, K.add, -1, 10.02, 4, 9],
  ];

  it('exact FIFO: cancels ahead advance us, cancels behind do not; executions fill in order', () => {
    const rows: Row[] = [
      ...base,
      [1, K.add, 1, 10.0, 6, 3], // behind us (level 14)
      [1.1, K.add, 1, 10.0, 1, 5], // behind us (level 15)
      [1.15, K.delete, 1, 10.0, 1, 5], // a cancel behind: no advance
      [1.2, K.partialCancel, 1, 10.0, 2, 2], // a cancel ahead: ahead 8 → 6
      [1.3, K.execute, 1, 10.0, 5, 1], // ahead 6 → 1
      [1.4, K.execute, 1, 10.0, 1, 2], // ahead 0
      [1.6, K.execute, 1, 10.0, 2, 3], // an order behind us executes: we were first, we fill 1
      [3, K.add, 1, 9.9, 1, 6],
    ];
    const fifo = runPath(
      new ReplayMarket(tapeOf(rows), scenario({ queue: { model: 'fifo' } })),
      fixedQuoter(10.0, 10.5),
      1,
      0,
    );
    expect(fifo.fills.count).toBe(1);
    expect(fifo.fills.t[0]).toBeCloseTo(1.6, 12);
    expect(fifo.fills.size[0]).toBeCloseTo(1, 12);
    // The L2 view of the same data (risk-averse): neither cancel advances us (the level stays above
    // the 8 it thinks are ahead), so the executions (5 + 1 + 2 = 8) only reach those 8: no fill.
    const l2 = runPath(
      new ReplayMarket(tapeOf(rows), scenario({ queue: { model: 'risk-averse' } })),
      fixedQuoter(10.0, 10.5),
      1,
      0,
    );
    expect(l2.fills.count).toBe(0);
  });

  it('repairs the touch from the recorded top of book and counts the repairs', () => {
    const rows: Row[] = [...base, [1, K.delete, -1, 10.02, 4, 9], [2, K.partialCancel, 1, 10.0, 1, 77]];
    // After the delete of 9 the recorded ask is 10.03 × 6 (an order placed before the file began);
    // the cancel of unknown order 77 leaves the bid at 7.
    const top: [number, number, number, number][] = [
      [10.0, 5, Number.NaN, 0],
      [10.0, 8, Number.NaN, 0],
      [10.0, 8, 10.02, 4],
      [10.0, 8, 10.03, 6],
      [10.0, 7, 10.03, 6],
    ];
    const q = fixedQuoter(9.5, 10.5);
    const m = new ReplayMarket(tapeOf(rows, { top }), scenario({ queue: { model: 'fifo' } }));
    runPath(m, q, 1, 0);
    const last = q.seen[q.seen.length - 1]!;
    expect(last.bestAsk).toBeCloseTo(10.03, 12);
    expect(m.stats.repairs).toBeGreaterThanOrEqual(1);
  });
});

describe('queue-model study (L2 view against exact FIFO)', () => {
  it('reports each model against the truth: zero for FIFO itself, hand-known errors on a crafted queue', async () => {
    const { queueModelStudy } = await import('./queue-study');
    const rows: Row[] = [
      [0, K.add, 1, 10.0, 5, 1],
      [0, K.add, 1, 10.0, 3, 2],
      [0, K.add, -1, 10.02, 4, 9],
      [1, K.add, 1, 10.0, 6, 3],
      [1.2, K.partialCancel, 1, 10.0, 2, 2],
      [1.3, K.execute, 1, 10.0, 5, 1],
      [1.4, K.execute, 1, 10.0, 1, 2],
      [1.6, K.execute, 1, 10.0, 2, 3],
      [3, K.add, 1, 9.9, 1, 6],
    ];
    const { truth, rows: out } = queueModelStudy(tapeOf(rows), scenario(), () => fixedQuoter(10.0, 10.5), [
      { model: 'risk-averse' },
    ]);
    expect(truth.fills).toBe(1);
    expect(truth.fillsError).toBe(0);
    expect(out[0]!.model).toBe('risk-averse');
    expect(out[0]!.fills).toBe(0);
    expect(out[0]!.fillsError).toBe(-1);
    expect(out[0]!.matched).toBe(0);
    expect(() => queueModelStudy(tapeOf(snapshot), scenario(), () => fixedQuoter(9, 11))).toThrow(/L3 data/);
  });
});
