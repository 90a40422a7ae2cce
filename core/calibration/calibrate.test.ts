import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtestConfigSchema } from '../backtest/config';
import { parseConfigText } from '../config/load-config';
import { importLobster } from '../data/lobster-import';
import { importTardis } from '../data/tardis-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../data/lobster-replay';
import {
  PROFILE_BUCKET_SECONDS,
  activityProfile,
  autocorrelation,
  calibrateDataset,
  deseasonalize,
  gridReturns,
  scenarioYaml,
  transitionRates,
} from './calibrate';
import { flowEvents, inferLot, inferTick, loadDatasetArrays, midGrid } from './dataset-arrays';
import { flowRates } from './flow-rates';

/**
 * A hand-built LOBSTER level-1 pair (tick 0.01): t=0 add #1 buy 100@100.00 · t=1 add #2 sell 50@100.04
 * · t=2 add #3 sell 10@100.03 · t=4 delete #3 · t=5 execute #1 ×40 · t=6 add #4 buy 20@100.01.
 */
async function tinyLobster(): Promise<{ dir: string; id: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'qb-calib-'));
  const msg = join(dir, 'TOY_2012-06-21_34200000_57600000_message_1.csv');
  const ob = join(dir, 'TOY_2012-06-21_34200000_57600000_orderbook_1.csv');
  writeFileSync(
    msg,
    [
      '34200.0,1,1,100,1000000,1',
      '34201.0,1,2,50,1000400,-1',
      '34202.0,1,3,10,1000300,-1',
      '34204.0,3,3,10,1000300,-1',
      '34205.0,4,1,40,1000000,1',
      '34206.0,1,4,20,1000100,1',
    ].join('\n') + '\n',
  );
  writeFileSync(
    ob,
    [
      '9999999999,0,1000000,100',
      '1000400,50,1000000,100',
      '1000300,10,1000000,100',
      '1000400,50,1000000,100',
      '1000400,50,1000000,60',
      '1000400,50,1000100,20',
    ].join('\n') + '\n',
  );
  const { info } = await importLobster({ dataDir: dir, messagePath: msg, orderbookPath: ob });
  return { dir, id: info.id };
}

describe('dataset arrays and flow rates on a hand-built LOBSTER level-1 dataset', () => {
  it('mid before each event by seq, tick, lot, grid, and the rates at the best', async () => {
    const { dir, id } = await tinyLobster();
    const d = await loadDatasetArrays(dir, id);
    expect(inferTick(d)).toBeCloseTo(0.01, 12);
    expect(inferLot(d)).toBe(40);
    const fe = flowEvents(d);
    const mids = Array.from(fe.midBefore);
    expect(Number.isNaN(mids[0]!)).toBe(true);
    expect(Number.isNaN(mids[1]!)).toBe(true); // one-sided until event 2
    expect(mids.slice(2)).toEqual([100.02, 100.015, 100.02, 100.02].map((x) => expect.closeTo(x, 9)));
    const g = midGrid(d, 2);
    expect(Array.from(g.t)).toEqual([0, 2, 4, 6]);
    expect(g.mid[1]).toBeCloseTo(100.015, 9);
    expect(g.mid[2]).toBeCloseTo(100.02, 9);
    expect(g.mid[3]).toBeCloseTo(100.025, 9); // after #4 improved the bid
    // exposure at the best: d 2 for [1,2] 2 orders, [2,4] 2, [4,5] 2, [5,6] 2 → 10 order-seconds
    const r = flowRates(fe, { tick: 0.01, lot: 1, maxTicks: 3, atBestOnly: true, seconds: 6 });
    expect(r.bins[1]!.exposure).toBeCloseTo(10, 9);
    expect(r.bins[1]!.cancels).toBe(1);
    expect(r.bins[1]!.cancelRate).toBeCloseTo(0.1, 9);
    expect(r.bins[0]!.arrivals).toBe(2); // #3 and #4 at 1 tick; #1 and #2 arrived without a mid
    expect(r.limitRate).toBeCloseTo(2 / 12, 12);
    expect(r.marketOrders).toBe(1);
  });
});

describe('flow rates on a hand-built L2 dataset with a separate trades file (Tardis)', () => {
  it('trades are merged into the book events by time, so they explain level decreases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-calib-l2-'));
    const book = join(dir, 'book.csv');
    const trades = join(dir, 'trades.csv');
    // t=0 bid 10.0×5 / ask 10.1×5 · t=1 s a buy of 3 at 10.1 (trades file) · t=2 s ask → 2 (explained)
    // · t=4 s bid → 1 (4 cancelled). Lot-seconds at 1 tick: 10·2 + 7·2 = 34.
    writeFileSync(
      book,
      [
        'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount',
        'x,Y,0,0,true,bid,10.0,5',
        'x,Y,0,0,true,ask,10.1,5',
        'x,Y,2000000,2000000,false,ask,10.1,2',
        'x,Y,4000000,4000000,false,bid,10.0,1',
      ].join('\n'),
    );
    writeFileSync(
      trades,
      [
        'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
        'x,Y,1000000,1000000,a,buy,10.1,3',
      ].join('\n'),
    );
    const { info } = await importTardis({ dataDir: dir, files: [book, trades], name: 'toy-l2' });
    const d = await loadDatasetArrays(dir, info.id);
    const fe = flowEvents(d);
    expect(Array.from(fe.t)).toEqual([0, 0, 1, 2, 4]);
    const r = flowRates(fe, { tick: 0.1, lot: 1, maxTicks: 2, seconds: 4 });
    expect(r.level).toBe('L2');
    expect(r.bins[0]!.cancels).toBeCloseTo(4, 12);
    expect(r.bins[0]!.exposure).toBeCloseTo(34, 9);
    expect(r.cancelRate).toBeCloseTo(4 / 34, 12);
    expect(r.marketOrders).toBe(1);
  });
});

describe('calibration helpers', () => {
  it('the 2-state generator reproduces P over one interval', () => {
    const P = [
      [0.9, 0.1],
      [0.3, 0.7],
    ];
    const Q = transitionRates(P, 10)!;
    const a = Q[0]![1]!;
    const b = Q[1]![0]!;
    // exp(Q·Δ) for 2 states: p01 = a/(a+b)·(1 − e^{−(a+b)Δ})
    const p01 = (a / (a + b)) * (1 - Math.exp(-(a + b) * 10));
    const p10 = (b / (a + b)) * (1 - Math.exp(-(a + b) * 10));
    expect(p01).toBeCloseTo(0.1, 12);
    expect(p10).toBeCloseTo(0.3, 12);
    expect(
      transitionRates(
        [
          [0.4, 0.6],
          [0.5, 0.5],
        ],
        1,
      ),
    ).toBeNull(); // a + b ≥ 1: no generator
  });
  it('grid returns skip NaN steps; autocorrelation by hand', () => {
    expect(Array.from(gridReturns([Number.NaN, 1, 3, 2]))).toEqual([2, -1]);
    // x = 1, 2, 3, 4: mean 2.5, c0 = 5, c1 = (−0.5·−1.5) + (0.5·−0.5) + (1.5·0.5) = 1.25
    expect(autocorrelation([1, 2, 3, 4], 1)[0]).toBeCloseTo(0.25, 12);
  });
});

describe('activity profile', () => {
  it('is the mean squared return per 15-minute bucket over the mean, and deseasonalizing removes it', () => {
    // 10-s returns, 4 buckets of 90 returns with magnitudes 1, 2, 1, 2: mean squares 1, 4, 1, 4 (mean 2.5)
    const c = [1, 2, 1, 2];
    const r = Float64Array.from({ length: 360 }, (_, i) => (i % 2 === 0 ? 1 : -1) * c[Math.floor(i / 90)]!);
    const p = activityProfile(r, 10, 3600)!;
    expect(p.bucketSeconds).toBe(PROFILE_BUCKET_SECONDS);
    expect(p.multipliers).toEqual([0.4, 1.6, 0.4, 1.6]);
    const z = deseasonalize(r, 10, p);
    // |z| = c_b / √(c_b²/2.5) = √2.5 in every bucket: the pattern is gone
    for (const x of z) expect(Math.abs(x)).toBeCloseTo(Math.sqrt(2.5), 12);
    // under an hour: no profile
    expect(activityProfile(r.subarray(0, 300), 10, 3000)).toBeNull();
  });
});

describe('calibrateDataset end to end', () => {
  it('on the AAPL LOBSTER sample: every stage, and a config the backtest schema accepts', async () => {
    const s = LOBSTER_SAMPLES.find((x) => x.name === 'AAPL_L10')!;
    const p = lobsterSamplePaths(s);
    const dir = mkdtempSync(join(tmpdir(), 'qb-calib-aapl-'));
    const { info } = await importLobster({
      dataDir: dir,
      messagePath: p.messagePath,
      orderbookPath: p.orderbookPath,
    });
    const stages: string[] = [];
    const rep = await calibrateDataset(dir, info.id, {
      intervalSeconds: 1,
      progress: (st) => stages.push(st),
    });
    expect(stages).toEqual(['returns', 'garch', 'regimes', 'intensity', 'book', 'rates', 'pilot']);
    expect(rep.rates.level).toBe('L3');
    expect(rep.returns.n).toBe(49);
    const yaml = scenarioYaml(rep);
    expect(yaml).toContain(`dataset ${info.id}`);
    const cfg = parseConfigText(yaml, 'calibrated.yaml', backtestConfigSchema);
    expect(cfg.scenario.mode).toBe('book');
    expect(cfg.scenario.tickSize).toBeCloseTo(0.01, 12);
    if (cfg.scenario.mode !== 'book') return;
    const flow = cfg.scenario.flow;
    expect(flow.limitRate).toBeCloseTo(rep.rates.limitRate, 4);
    // the measured laws by distance, placed around the mid
    expect(flow.placementWeights?.length).toBe(rep.rates.bins.length);
    expect(flow.placementWeights?.[0]).toBeCloseTo(rep.rates.bins[0]!.arrivalRate, 5);
    expect(flow.cancelRates?.length).toBe(rep.rates.bins.length);
    expect(flow.anchor).toBe('mid');
    // the pilot's μ and π are what the YAML carries
    const pilot = rep.pilot!;
    expect(pilot.market.steps.length).toBeGreaterThan(0);
    expect(pilot.market.steps[0]!.mu).toBeCloseTo(rep.rates.marketRate, 5);
    expect(flow.marketRate).toBeCloseTo(pilot.market.chosenMu, 5);
    expect(flow.toxicShare).toBe(pilot.informed.chosen);
    expect(flow.informedHorizon).toBe(pilot.informed.horizon);
    // without the pilot: μ as measured, π = 0
    const bare = await calibrateDataset(dir, info.id, { intervalSeconds: 1, pilotSeconds: 0 });
    expect(bare.pilot).toBeNull();
    const bareCfg = parseConfigText(scenarioYaml(bare), 'bare.yaml', backtestConfigSchema);
    if (bareCfg.scenario.mode === 'book') {
      expect(bareCfg.scenario.flow.marketRate).toBeCloseTo(rep.rates.marketRate, 4);
      expect(bareCfg.scenario.flow.toxicShare).toBe(0);
    }
  });
  it('a cancelled calibration stops at the next stage', async () => {
    const { dir, id } = await tinyLobster();
    const ac = new AbortController();
    ac.abort();
    await expect(calibrateDataset(dir, id, { signal: ac.signal })).rejects.toThrow('calibration cancelled');
  });
});
