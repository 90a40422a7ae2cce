import { describe, expect, it } from 'vitest';
import { makeSimulator } from '../../backtest/run';
import { runPath } from '../../sim/simulator';
import { actionToOffset, emptyMappedQuotes, mapAction, resolveEnvOptions } from '../env';
import { parseTrainConfig, type TrainConfig } from './config';
import {
  BaselineDriver,
  baselineParams,
  makeBaselineQuoter,
  makeEnv,
  makeEnvs,
  offsetToUnit,
  quotesToUnitAction,
} from './env-factory';

const intensity = `name: t
algo: sac
seed: 5
scenario:
  mode: intensity
  horizon: 1
  dt: 0.01
  s0: 100
  price: { sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
env:
  minOffset: -20
  maxOffset: 20
  inventoryScale: 5
baseline: { gamma: 0.1 }
budget: { totalSteps: 1000 }
`;

const book = `name: b
algo: ppo
seed: 5
scenario:
  mode: book
  horizon: 20
  warmup: 5
  tickSize: 0.01
  s0: 100
  price: { sigma: 0.01 }
  decisionInterval: 0.5
env:
  minOffset: 0.005
  maxOffset: 0.1
  inventoryScale: 10
features: { kind: book, levels: 3, volHorizons: [5, 20] }
baseline: { k: 100, A: 0.5 }
budget: { totalSteps: 1000 }
`;

describe('env factory', () => {
  it('builds intensity and book envs with their own simulators and builders', () => {
    const cfg = parseTrainConfig(intensity, 'i.yaml');
    const te = makeEnv(cfg);
    expect(te.obsDim).toBe(2);
    expect([te.inventoryIndex, te.timeLeftIndex]).toEqual([0, 1]);
    expect(te.env.options.action.unit).toBe(true);
    const o = te.env.reset(1, 0);
    expect(Array.from(o)).toEqual([0, 1]);
    expect(te.sim.lastObservation()?.mid).toBe(100);

    const bc = parseTrainConfig(book, 'b.yaml');
    const [a, b] = makeEnvs(bc, 2);
    expect(a!.obsDim).toBe(4 * 3 + 3 + 2 + 4);
    expect(a!.builder).not.toBe(b!.builder);
    expect(a!.sim).not.toBe(b!.sim);
    const oa = a!.env.reset(3, 0);
    expect(oa[a!.timeLeftIndex]).toBe(1);
    const r = a!.env.step([0, 0]);
    expect(r.observation.length).toBe(a!.obsDim);
    expect(baselineParams(bc)).toMatchObject({ k: 100, A: 0.5, sigma: 0.01, Q: 40, gamma: 0.1 });
  });

  it('offsetToUnit inverts actionToOffset inside the box and clips outside', () => {
    const m = makeEnv(parseTrainConfig(book, 'b.yaml')).env.options.action;
    for (const a of [-1, -0.5, 0, 0.3, 1]) expect(offsetToUnit(m, actionToOffset(m, a))).toBeCloseTo(a, 12);
    expect(offsetToUnit(m, 5)).toBe(1);
    expect(offsetToUnit(m, -5)).toBe(-1);
    expect(offsetToUnit(m, Number.NaN)).toBe(1);
  });

  it('runs AS through the env exactly as a backtest runs it when its quotes fit the box', () => {
    const cfg: TrainConfig = parseTrainConfig(intensity, 'i.yaml');
    const te = makeEnv(cfg);
    const driver = new BaselineDriver(te, makeBaselineQuoter(cfg, 'as'), undefined);
    const a = new Float64Array(2);
    for (let p = 0; p < 3; p++) {
      te.env.reset(42, p);
      driver.reset();
      let sum = 0;
      let pnl = 0;
      for (;;) {
        driver.action(a);
        const r = te.env.step(a);
        sum += r.reward;
        pnl = r.info.pnl;
        if (r.terminated || r.truncated) break;
      }
      const ref = runPath(makeSimulator(cfg.scenario), makeBaselineQuoter(cfg, 'as'), 42, p);
      const b = ref.series.bars;
      const refPnl = ref.series.cash[b]! + ref.series.inventory[b]! * ref.series.mid[b]! - 0;
      expect(pnl).toBeCloseTo(refPnl, 6);
      expect(sum).toBeCloseTo(refPnl, 6);
    }
    expect(makeBaselineQuoter(cfg, 'glft').name).toBe('glft');
  });
});

describe('quotesToUnitAction (the baseline driver under the tick maps and the size action)', () => {
  it('is inverted by mapAction: quotes on whole ticks inside the bounds come back exactly', () => {
    const ref = { mid: 100.005, bestBid: 99.98, bestAsk: 100.03, tickSize: 0.01 };
    for (const actionMap of ['ticks-from-touch', 'ticks-from-mid'] as const) {
      const m = resolveEnvOptions(
        {
          orderSizeLots: 1,
          maxOffset: 1,
          inventoryScale: 5,
          actionScale: 'unit',
          actionMap,
          minTicks: actionMap === 'ticks-from-touch' ? -2 : 0,
          maxTicks: 6,
          sizeAction: { minLots: 1, maxLots: 5 },
        },
        't',
      ).action;
      const a = new Float64Array(4);
      const out = emptyMappedQuotes();
      let checked = 0;
      // Bids 99.94 … 100.00 and asks 100.01 … 100.07: every one the map can express comes back.
      for (let b = 9994; b <= 10000; b++)
        for (let k = 10001; k <= 10007; k++)
          for (const [bs, as] of [
            [1, 5],
            [3, 2],
          ] as const) {
            quotesToUnitAction(m, ref, b * 0.01, k * 0.01, bs, as, a);
            mapAction(m, a, 0, ref, 1, out);
            const nb = actionMap === 'ticks-from-touch' ? 9998 - b : 10000 - b;
            const na = actionMap === 'ticks-from-touch' ? k - 10003 : k - 10001;
            if (nb < m.minOffset || nb > m.maxOffset || na < m.minOffset || na > m.maxOffset) continue;
            expect(Math.round(out.bidPrice / 0.01)).toBe(b);
            expect(Math.round(out.askPrice / 0.01)).toBe(k);
            expect([out.bidSize, out.askSize]).toEqual([bs, as]);
            checked++;
          }
      expect(checked).toBeGreaterThan(20);
    }
  });
});
