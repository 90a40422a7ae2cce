/**
 * Evaluation on a recorded market (issue 12 §1): windows of a replay as paths, the replay under the
 * training scenario's venue rules, and evaluate() on those windows against single backtests of each.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { backtestConfigSchema } from '../../backtest/config';
import { loadMarketInputs, makeSimulator, runBacktest, type MarketInputs } from '../../backtest/run';
import { importLobster } from '../../data/lobster-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../../data/lobster-replay';
import { bookScenarioSchema } from '../../sim/scenario';
import { runPath } from '../../sim/simulator';
import { FixedSpreadQuoter } from '../../strategy/fixed-spread';
import type { Quoter } from '../../strategy/quoter';
import { evaluate } from './evaluate';
import { replayScenarioFor, replayWindows } from './replay-eval';

const book = bookScenarioSchema.parse({
  mode: 'book',
  horizon: 10,
  tickSize: 0.01,
  lotSize: 100,
  s0: 580,
  price: { model: 'abm', sigma: 0.05 },
  latency: { entry: { model: 'constant', value: 0.002 }, cancel: { model: 'constant', value: 0.003 } },
  decisionInterval: 0.5,
  sampleInterval: 0.5,
  depthLevels: 7,
  fees: { makerBps: -0.2, takerBps: 3 },
  inventoryLimitLots: 4,
});

let dataDir: string;
let id: string;
let inputs: MarketInputs;

beforeAll(async () => {
  const s = LOBSTER_SAMPLES.find((x) => x.name === 'AAPL_L10')!;
  const p = lobsterSamplePaths(s);
  dataDir = mkdtempSync(join(tmpdir(), 'qb-replay-eval-'));
  ({
    info: { id },
  } = await importLobster({ dataDir, messagePath: p.messagePath, orderbookPath: p.orderbookPath }));
  inputs = await loadMarketInputs(replayScenarioFor(book, { dataset: id, from: 5, to: 45 }), dataDir);
});

describe('replay windows', () => {
  it('cuts [from, to) into whole consecutive windows and drops the remainder', () => {
    expect(replayWindows(5, 45, 10)).toEqual([
      { from: 5, to: 15 },
      { from: 15, to: 25 },
      { from: 25, to: 35 },
      { from: 35, to: 45 },
    ]);
    expect(replayWindows(0, 29.5, 10).length).toBe(2);
    expect(replayWindows(0, 5, 10)).toEqual([]);
    expect(() => replayWindows(10, 10, 1)).toThrow(/to must be greater/);
    expect(() => replayWindows(0, 10, 0)).toThrow(/length must be > 0/);
  });

  it('the replay keeps the venue rules of the training scenario', () => {
    const r = replayScenarioFor(book, { dataset: id, from: 5, to: 45, queue: 'prob-log' });
    expect(r).toMatchObject({
      mode: 'replay',
      dataset: id,
      from: 5,
      to: 45,
      tickSize: 0.01,
      lotSize: 100,
      decisionInterval: 0.5,
      sampleInterval: 0.5,
      depthLevels: 7,
      postOnly: true,
      fees: { makerBps: -0.2, takerBps: 3 },
      inventoryLimitLots: 4,
      queue: { model: 'prob-log' },
    });
    expect(r.latency).toEqual(book.latency);
    expect(replayScenarioFor(book, { dataset: id, from: 0, to: 1 }).queue).toBeUndefined();
  });
});

/** The quoter under another name (evaluate wants distinct names). */
function named(name: string, q: Quoter): Quoter {
  return {
    name,
    params: q.params,
    reset: (p) => q.reset(p),
    quote: (o, d) => q.quote(o, d),
  };
}

describe('evaluate() on replay windows', () => {
  const quoters = () => [
    named('tight', new FixedSpreadQuoter({ halfSpread: 0.01, skewPerLot: 0.01, orderSizeLots: 1 })),
    named('wide', new FixedSpreadQuoter({ halfSpread: 0.03, skewPerLot: 0, orderSizeLots: 1 })),
  ];
  const windows = replayWindows(5, 45, 10);
  const scenario = replayScenarioFor(book, { dataset: 'AAPL', from: 5, to: 45 });
  const run = () =>
    evaluate({
      scenario: { ...scenario, dataset: id },
      replay: { inputs, windows },
      quoters: quoters(),
      seed: 3,
      paths: windows.length,
      reward: {},
      metrics: { sessionsPerYear: 252, markoutHorizon: 5 },
      resamples: 200,
    });

  it('path i is the replay of window i: its PnL equals a backtest of that window alone', () => {
    const r = run();
    expect(r.replay).toEqual({ dataset: id, windows });
    expect(r.paths).toBe(4);
    for (const [k, q] of quoters().entries()) {
      const ev = r.quoters[k]!;
      expect(ev.name).toBe(q.name);
      for (const [i, w] of windows.entries()) {
        const sim = makeSimulator({ ...scenario, dataset: id, from: w.from, to: w.to }, inputs);
        const path = runPath(sim, q, 3, i);
        const b = path.series.bars;
        expect(ev.perPath.pnl[i]).toBeCloseTo(path.series.pnl[b]!, 9);
      }
    }
    // the windows are different markets: the tight quoter's PnL is not the same on all of them
    expect(new Set(r.quoters[0]!.perPath.pnl.map((x) => x.toFixed(6))).size).toBeGreaterThan(1);
  });

  it('the same run gives the same numbers, and it agrees with the backtest engine on one window', () => {
    expect(JSON.stringify(run())).toBe(JSON.stringify(run()));
    const cfg = backtestConfigSchema.parse({
      seed: 3,
      paths: 1,
      scenario: { ...scenario, dataset: id, from: 15, to: 25 },
      strategies: [{ type: 'fixed-spread', halfSpread: 0.03, skewPerLot: 0 }],
    });
    const bt = runBacktest(cfg, { market: inputs });
    expect(run().quoters[1]!.perPath.pnl[1]).toBeCloseTo(bt.runs[0]!.metrics.pnlMean, 9);
  });

  it('refuses windows that do not match the paths or the scenario', () => {
    const base = {
      quoters: quoters(),
      seed: 3,
      reward: {},
      metrics: { sessionsPerYear: 252, markoutHorizon: 5 },
    };
    expect(() =>
      evaluate({ ...base, scenario: { ...scenario, dataset: id }, replay: { inputs, windows }, paths: 3 }),
    ).toThrow(/paths \(3\) must equal the number of replay windows \(4\)/);
    expect(() => evaluate({ ...base, scenario: { ...scenario, dataset: id }, paths: 4 })).toThrow(
      /needs replay windows/,
    );
    expect(() => evaluate({ ...base, scenario: book, replay: { inputs, windows }, paths: 4 })).toThrow(
      /need a replay scenario/,
    );
  });
});
