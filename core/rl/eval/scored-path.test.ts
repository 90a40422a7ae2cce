import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../config/load-config';
import { backtestConfigSchema } from '../../backtest/config';
import { BookSimulator, type BookScenario } from '../../sim/book-sim';
import { IntensitySimulator, as2008Scenario } from '../../sim/intensity-sim';
import type { PathResult } from '../../sim/path-result';
import { toBookScenario } from '../../sim/scenario';
import { runPath } from '../../sim/simulator';
import { AvellanedaStoikovQuoter } from '../../strategy/avellaneda-stoikov';
import { FixedSpreadQuoter } from '../../strategy/fixed-spread';
import type { MarketObservation, QuoteDecision, Quoter } from '../../strategy/quoter';
import type { Policy } from '../agent';
import { MarketMakingEnv, type QuotingEnvOptions } from '../env';
import { BookFeatureBuilder } from '../features/book-features';
import { intensityObservation } from '../observation';
import { resolveReward, type RewardConfig } from '../reward';
import { PolicyQuoter } from './policy-quoter';
import { runScoredPath } from './scored-path';

class LinearPolicy implements Policy {
  readonly actionDim = 2;
  constructor(
    readonly obsDim: number,
    private readonly w: readonly number[],
    private readonly b: readonly [number, number],
  ) {}
  act(obs: Float32Array | Float64Array, _deterministic: boolean, out: Float32Array | Float64Array): void {
    const D = this.obsDim;
    for (let k = 0; k < 2; k++) {
      let s = this.b[k]!;
      for (let i = 0; i < D; i++) s += (this.w[k * D + i] ?? 0) * obs[i]!;
      out[k] = Math.tanh(s);
    }
  }
}

function envRewardSum(env: MarketMakingEnv, policy: Policy, seed: number, path: number) {
  let x = env.reset(seed, path);
  const a = new Float64Array(2);
  let reward = 0;
  let steps = 0;
  for (;;) {
    policy.act(x, true, a);
    const r = env.step(a);
    reward += r.reward;
    steps++;
    if (r.terminated || r.truncated) return { reward, steps, pnl: r.info.pnl };
    x = r.observation;
  }
}

const relClose = (a: number, b: number, tol = 1e-9): void => {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
};

const pnlOf = (p: PathResult): number => p.series.pnl[p.series.bars]!;

const weights: Partial<RewardConfig> = {
  inventory: 0.05,
  crossing: 0.7,
  turnover: 0.03,
  terminalInventory: 0.4,
};

describe('runScoredPath', () => {
  const envOpts: QuotingEnvOptions = {
    orderSizeLots: 1,
    minOffset: -0.3,
    maxOffset: 2.5,
    actionScale: 'unit',
    inventoryScale: 4,
  };
  // Quotes that cross the mid on one side often (minOffset < 0) so the crossing penalty is exercised.
  const policy = new LinearPolicy(2, [1.5, 0.2, -1.5, -0.4], [-0.7, -0.5]);

  it('scores a PolicyQuoter with exactly the env reward (intensity mode, all penalties on)', () => {
    const sc = as2008Scenario();
    const reward = resolveReward(weights);
    for (const horizon of [undefined, 0.42]) {
      const opts = horizon === undefined ? envOpts : { ...envOpts, horizon };
      for (const path of [0, 5]) {
        const env = new MarketMakingEnv({ sim: new IntensitySimulator(sc), reward: weights, ...opts });
        const e = envRewardSum(env, policy, 21, path);
        const q = PolicyQuoter.fromEnvOptions(opts, { name: 'lin', policy, builder: intensityObservation });
        const s = runScoredPath(new IntensitySimulator(sc), q, 21, path, {
          reward,
          lotSize: sc.lotSize,
          ...(horizon !== undefined ? { horizon } : {}),
        });
        relClose(s.reward, e.reward);
        expect(s.steps).toBe(e.steps);
        expect(s.steps).toBe(horizon === undefined ? 200 : 84); // after step 84, t = 84·0.005 ≥ 0.42
        // The penalties matter: the score is not the PnL.
        expect(Math.abs(s.reward - e.pnl)).toBeGreaterThan(1e-3);
        // The path is runPath's, over the whole session.
        const p = runPath(new IntensitySimulator(sc), q, 21, path);
        expect(pnlOf(s.path)).toBe(pnlOf(p));
        expect(s.path.fills.count).toBe(p.fills.count);
        if (horizon === undefined) expect(pnlOf(s.path)).toBe(e.pnl);
      }
    }
  });

  it('scores a PolicyQuoter with exactly the env reward (book mode, BookFeatureBuilder)', () => {
    const cfgPath = fileURLToPath(new URL('../../../resources/configs/book-default.yaml', import.meta.url));
    const cfg = loadConfigFile(cfgPath, backtestConfigSchema);
    if (cfg.scenario.mode !== 'book') throw new Error('not a book scenario');
    const sc: BookScenario = toBookScenario({ ...cfg.scenario, horizon: 40 });
    const bookOpts: QuotingEnvOptions = {
      orderSizeLots: 1,
      minOffset: -0.01,
      maxOffset: 0.04,
      actionScale: 'unit',
      inventoryScale: 10,
    };
    const envSim = new BookSimulator(sc);
    const b = new BookFeatureBuilder({ levels: sc.depthLevels, fills: () => envSim.ownFills() });
    const invIdx = b.indexOf('inventory');
    const w = new Array<number>(2 * b.dim).fill(0);
    w[invIdx] = 2; // long → bid further away
    w[b.dim + invIdx] = -2; // long → ask closer
    const bookPolicy = new LinearPolicy(b.dim, w, [-0.5, -0.5]);
    const env = new MarketMakingEnv({
      sim: envSim,
      lotSize: sc.lotSize,
      observation: b,
      reward: weights,
      ...bookOpts,
    });
    const e = envRewardSum(env, bookPolicy, 4, 1);
    const q = PolicyQuoter.fromEnvOptions(bookOpts, {
      name: 'lin-book',
      policy: bookPolicy,
      builder: new BookFeatureBuilder({ levels: sc.depthLevels }), // reads obs.fills
    });
    const sim = new BookSimulator(sc);
    const s = runScoredPath(sim, q, 4, 1, { reward: resolveReward(weights), lotSize: sc.lotSize });
    relClose(s.reward, e.reward);
    expect(s.steps).toBe(e.steps);
    expect(pnlOf(s.path)).toBe(e.pnl);
    expect(s.path.fills.count).toBeGreaterThan(0);
  });

  it('scores classical quoters: zero weights give the final PnL, the path is runPath’s', () => {
    const sc = as2008Scenario();
    const quoters: Quoter[] = [
      new AvellanedaStoikovQuoter({ variant: 'inventory', gamma: 0.1, sigma: 2, k: 1.5, orderSizeLots: 1 }),
      new FixedSpreadQuoter({ halfSpread: 0.8, skewPerLot: 0.1, orderSizeLots: 1 }),
    ];
    for (const q of quoters) {
      const s = runScoredPath(new IntensitySimulator(sc), q, 3, 2, { reward: resolveReward({}), lotSize: 1 });
      const p = runPath(new IntensitySimulator(sc), q, 3, 2);
      expect(pnlOf(s.path)).toBe(pnlOf(p));
      expect(Array.from(s.path.series.pnl)).toEqual(Array.from(p.series.pnl));
      relClose(s.reward, pnlOf(p));
      expect(s.steps).toBe(200);
      // With penalties the score drops below the PnL (inventory is rarely flat).
      const pen = runScoredPath(new IntensitySimulator(sc), q, 3, 2, {
        reward: resolveReward(weights),
        lotSize: 1,
      });
      expect(pen.reward).toBeLessThan(s.reward);
    }
  });

  it('charges crossing only for quoted sides and counts market-order fills as turnover', () => {
    // Flat market; a bid 0.5 above the mid every step, no ask; and one market buy of 2 lots at step 0.
    const sc = as2008Scenario({
      price: { model: 'abm', sigma: 0, drift: 0, increments: 'binomial' },
      intensity: { A: 0, k: 1.5 }, // passive quotes never fill
      horizon: 0.02, // 4 steps
    });
    let first = true;
    const q: Quoter = {
      name: 'crosser',
      params: {},
      reset: () => {
        first = true;
      },
      quote(obs: MarketObservation, out: QuoteDecision) {
        out.bidPrice = obs.mid + 0.5;
        out.bidSize = 1;
        out.askPrice = obs.mid - 7; // ignored: size 0
        out.askSize = 0;
        out.marketOrderLots = first ? 2 : 0;
        first = false;
      },
    };
    const reward = resolveReward({ crossing: 1, turnover: 0.25 });
    const s = runScoredPath(new IntensitySimulator(sc), q, 1, 0, { reward, lotSize: 1 });
    // ΔPnL = 0 (no half-spread, no fees, flat mid); crossing 0.5 × 4 steps; turnover 2 lots once.
    relClose(s.reward, -(4 * 0.5) - 0.25 * 2);
    expect(s.steps).toBe(4);
  });

  it('rejects bad options', () => {
    const sim = new IntensitySimulator(as2008Scenario());
    const q = new FixedSpreadQuoter({ halfSpread: 1, skewPerLot: 0, orderSizeLots: 1 });
    const reward = resolveReward({});
    expect(() => runScoredPath(sim, q, 1, 0, { reward, lotSize: 0 })).toThrow(/lotSize/);
    expect(() => runScoredPath(sim, q, 1, 0, { reward, lotSize: 1, horizon: -1 })).toThrow(/horizon/);
  });
});
