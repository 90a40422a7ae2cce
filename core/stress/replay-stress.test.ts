/**
 * Replays take latency shocks and fee changes (the recorded market itself cannot be stressed): our
 * market orders, sent at every decision, fill exactly entry latency later, so the fills' latency and
 * fee rate inside the window show the shock and the fee change.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_KIND as K } from '../data/catalog';
import type { EventColumns } from '../data/event-columns';
import { ReplayMarket, type ReplayScenario } from '../replay/replay-market';
import { buildTape, type ReplayTape } from '../replay/tape';
import type { PathResult } from '../sim/path-result';
import { runPath } from '../sim/simulator';
import { stresses, takerQuoter } from './stress.fixture';
import type { StressInput } from './stress';

/** A deep two-sided L2 book at 9.99 / 10.01, refreshed every 0.5 s for 40 s. */
function tape(): ReplayTape {
  const rows: [number, number, number, number, number][] = [
    [0, K.snapshotLevel, 1, 9.99, 1e6],
    [0, K.snapshotLevel, -1, 10.01, 1e6],
  ];
  for (let t = 0.5; t <= 40; t += 0.5) rows.push([t, K.levelSet, 1, 9.98, 10 + t]);
  const n = rows.length;
  const cols: EventColumns = {
    count: n,
    id: 'stress',
    baseTsNs: 0n,
    seq: Float64Array.from(rows, (r, i) => (r[1] === K.snapshotLevel ? 0 : i + 1)),
    exchangeTsNs: Float64Array.from(rows, (r) => r[0] * 1e9),
    kind: Int8Array.from(rows, (r) => r[1]),
    orderId: new Float64Array(n).fill(Number.NaN),
    side: Int8Array.from(rows, (r) => r[2]),
    price: Float64Array.from(rows, (r) => r[3]),
    size: Float64Array.from(rows, (r) => r[4]),
    localTsNs: new Float64Array(n).fill(Number.NaN),
  };
  return buildTape({ id: 'stress', name: 'stress', venue: 'test', symbol: 'X', format: 'test' }, cols, {
    tick: 0.01,
  });
}

function scenario(stress: StressInput[] = []): ReplayScenario {
  return {
    mode: 'replay',
    from: 0,
    to: Number.POSITIVE_INFINITY,
    decisionInterval: 1,
    sampleInterval: 1,
    depthLevels: 3,
    lotSize: 1,
    postOnly: true,
    fees: { makerBps: -0.2, takerBps: 3, perLot: 0 },
    latency: {
      model: 'sampled',
      entry: { model: 'constant', value: 0.01 },
      cancel: { model: 'constant', value: 0.01 },
      marketData: { model: 'constant', value: 0 },
    },
    queue: { model: 'risk-averse' },
    inventoryLimitLots: 1e9,
    initialInventoryLots: 0,
    ...(stress.length > 0 ? { stress: stresses(stress) } : {}),
  };
}

/** Per fill: its decision time (the whole second before it), latency and fee rate in bps. */
function fillsOf(p: PathResult): { decided: number; latency: number; bps: number }[] {
  const out = [];
  for (let j = 0; j < p.fills.count; j++) {
    const t = p.fills.t[j] ?? 0;
    const decided = Math.floor(t + 1e-9);
    const notional = (p.fills.price[j] ?? 0) * (p.fills.size[j] ?? 0);
    out.push({ decided, latency: t - decided, bps: ((p.fills.fee[j] ?? 0) / notional) * 1e4 });
  }
  return out;
}

describe('replay stresses', () => {
  it('latency-shock: our fills inside the window arrive the configured time later', () => {
    const tp = tape();
    const base = fillsOf(runPath(new ReplayMarket(tp, scenario()), takerQuoter(), 1, 0));
    const shocked = fillsOf(
      runPath(
        new ReplayMarket(tp, scenario([{ kind: 'latency-shock', onset: 10, duration: 10, magnitude: 0.25 }])),
        takerQuoter(),
        1,
        0,
      ),
    );
    expect(shocked.length).toBe(base.length);
    expect(base.length).toBeGreaterThan(35);
    let inside = 0;
    shocked.forEach((f, j) => {
      const isIn = f.decided >= 10 && f.decided < 20;
      expect(f.latency).toBeCloseTo(isIn ? 0.26 : 0.01, 9);
      expect(f.latency - (base[j]?.latency ?? 0)).toBeCloseTo(isIn ? 0.25 : 0, 9);
      if (isIn) inside++;
    });
    expect(inside).toBe(10);
    // Multiply: 0.01 × 3 inside.
    const tripled = fillsOf(
      runPath(
        new ReplayMarket(
          tp,
          scenario([{ kind: 'latency-shock', onset: 10, duration: 10, magnitude: 3, op: 'multiply' }]),
        ),
        takerQuoter(),
        1,
        0,
      ),
    );
    for (const f of tripled)
      expect(f.latency).toBeCloseTo(f.decided >= 10 && f.decided < 20 ? 0.03 : 0.01, 9);
  });

  it('fee-change: the taker rate of our fills inside the window moves by the configured bps', () => {
    const tp = tape();
    const fills = fillsOf(
      runPath(
        new ReplayMarket(
          tp,
          scenario([{ kind: 'fee-change', onset: 5, duration: 20, magnitude: -1.25, side: 'taker' }]),
        ),
        takerQuoter(),
        1,
        0,
      ),
    );
    let inside = 0;
    for (const f of fills) {
      // The fill time decides (it is what the venue charges at): decisions at 5 … 24 fill at 5.01 … 24.01.
      const isIn = f.decided + f.latency >= 5 && f.decided + f.latency < 25;
      expect(f.bps).toBeCloseTo(isIn ? 1.75 : 3, 9);
      if (isIn) inside++;
    }
    expect(inside).toBe(20);
  });

  it('refuses stresses a recorded market cannot take, naming the key', () => {
    const bad = scenario([{ kind: 'volatility-spike', onset: 1, duration: 2, magnitude: 2 }]);
    expect(() => new ReplayMarket(tape(), bad)).toThrow(
      /scenario\.stress\.0\.kind: volatility-spike cannot be applied in replay mode: recorded data cannot change its own volatility/,
    );
  });
});
