// A paper session on a recorded tape and the replay backtest of the same tape with the same models
// give the same fills, fill by fill: the paper venue runs the replay's own matching
// (core/venues/paper-venue.ts), and the session sends the same requests in the same order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReplayMarket, type ReplayScenario } from '../replay/replay-market';
import type { ReplayTape } from '../replay/tape';
import { runPath } from '../sim/simulator';
import { AvellanedaStoikovQuoter } from '../strategy/avellaneda-stoikov';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import type { Quoter } from '../strategy/quoter';
import { PaperVenue, tapeFeed } from '../venues/paper-venue';
import { Journal } from './journal';
import { resolveLimits } from './risk';
import { PaperSession } from './session';
import { syntheticTape } from './synthetic-tape.fixture';

const dir = mkdtempSync(join(tmpdir(), 'qb-paper-vs-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Fill {
  t: number;
  side: number;
  price: number;
  lots: number;
  fee: number;
}

const models = (over: Partial<ReplayScenario> = {}): ReplayScenario => ({
  mode: 'replay',
  from: 0,
  to: Number.POSITIVE_INFINITY,
  decisionInterval: 0.5,
  sampleInterval: 3600,
  depthLevels: 5,
  lotSize: 1,
  postOnly: true,
  fees: { makerBps: -1, takerBps: 4, perLot: 0 },
  latency: {
    model: 'sampled',
    entry: { model: 'constant', value: 0.02 },
    cancel: { model: 'constant', value: 0.01 },
    marketData: { model: 'constant', value: 0.005 },
  },
  queue: { model: 'prob-power', n: 2 },
  inventoryLimitLots: 5,
  initialInventoryLots: 0,
  ...over,
});

function replayFills(tape: ReplayTape, sc: ReplayScenario, quoter: Quoter): Fill[] {
  const m = new ReplayMarket(tape, sc);
  const r = runPath(m, quoter, 1, 0);
  const f = r.fills;
  const out: Fill[] = [];
  for (let i = 0; i < f.count; i++)
    out.push({ t: f.t[i]!, side: f.side[i]!, price: f.price[i]!, lots: f.size[i]!, fee: f.fee[i]! });
  return out;
}

async function paperFills(
  tape: ReplayTape,
  sc: ReplayScenario,
  quoter: Quoter,
  name: string,
): Promise<{ fills: Fill[]; journaled: number; session: PaperSession }> {
  const venue = new PaperVenue({
    feed: tapeFeed(tape, 0),
    symbol: 'TEST/USD',
    lotSize: sc.lotSize,
    decisionIntervalMs: sc.decisionInterval * 1000,
    depthLevels: sc.depthLevels,
    postOnly: sc.postOnly,
    fees: sc.fees,
    latency: sc.latency,
    queue: sc.queue,
    seed: 1,
    speed: Number.POSITIVE_INFINITY,
  });
  const journal = new Journal(join(dir, `${name}.sqlite`));
  const session = new PaperSession({
    sessionId: name,
    venue,
    quoter,
    journal,
    limits: resolveLimits({ maxInventory: sc.inventoryLimitLots }),
    lotSize: sc.lotSize,
    decisionIntervalMs: sc.decisionInterval * 1000,
    depthLevels: sc.depthLevels,
    postOnly: sc.postOnly,
    horizonSeconds: () => venue.horizonSeconds(),
  });
  quoter.reset({ seed: 1, pathIndex: 0 });
  await session.start(new AbortController().signal);
  await venue.finished();
  const jf = journal.fills();
  const fills = jf.map((f) => ({
    t: f.exchangeTimeMs / 1000,
    side: f.side === 'buy' ? 0 : 1,
    price: f.price,
    lots: f.amount / sc.lotSize,
    fee: f.fee,
  }));
  await session.stop();
  journal.close();
  return { fills, journaled: jf.length, session };
}

function expectSameFills(paper: Fill[], replay: Fill[]): void {
  expect(paper.length).toBe(replay.length);
  for (let i = 0; i < replay.length; i++) {
    const p = paper[i]!;
    const r = replay[i]!;
    expect({ i, side: p.side, price: p.price }).toEqual({ i, side: r.side, price: r.price });
    expect(p.lots).toBeCloseTo(r.lots, 9);
    expect(p.fee).toBeCloseTo(r.fee, 9);
    expect(p.t).toBeCloseTo(r.t, 6);
  }
}

describe('paper session vs replay backtest', () => {
  const tape = syntheticTape({ seed: 11, seconds: 180 });

  it('fixed-spread quoter: the same fills, fill by fill', async () => {
    const sc = models();
    const mk = (): Quoter => new FixedSpreadQuoter({ halfSpread: 0.1, skewPerLot: 0.02, orderSizeLots: 1 });
    const replay = replayFills(tape, sc, mk());
    const { fills, session } = await paperFills(tape, sc, mk(), 'fixed');
    // The comparison exercised something: many fills on both sides, maker fills through queues.
    expect(replay.length).toBeGreaterThan(20);
    expect(new Set(replay.map((f) => f.side)).size).toBe(2);
    expectSameFills(fills, replay);
    expect(session.oms.openOrders()).toEqual([]);
  });

  it('Avellaneda–Stoikov with a horizon and the inventory limit binding: the same fills', async () => {
    const sc = models({ inventoryLimitLots: 2, queue: { model: 'risk-averse' } });
    const mk = (): Quoter =>
      new AvellanedaStoikovQuoter({ variant: 'inventory', gamma: 0.1, sigma: 0.5, k: 20, orderSizeLots: 1 });
    const replay = replayFills(tape, sc, mk());
    const { fills } = await paperFills(tape, sc, mk(), 'as');
    expect(replay.length).toBeGreaterThan(10);
    expectSameFills(fills, replay);
  });
});
