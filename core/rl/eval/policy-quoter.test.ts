import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../config/load-config';
import { backtestConfigSchema } from '../../backtest/config';
import { BookSimulator, type BookScenario } from '../../sim/book-sim';
import { IntensitySimulator, as2008Scenario } from '../../sim/intensity-sim';
import type { FillLog, PathResult } from '../../sim/path-result';
import { toBookScenario } from '../../sim/scenario';
import { runPath, type MarketSimulator } from '../../sim/simulator';
import { emptyDecision, emptyObservation, type Quoter } from '../../strategy/quoter';
import type { Policy } from '../agent';
import { MarketMakingEnv, resolveEnvOptions, type QuotingEnvOptions } from '../env';
import { BookFeatureBuilder } from '../features/book-features';
import { RunningNormalizer } from '../features/normalizer';
import { intensityObservation, type ObservationBuilder } from '../observation';
import { PolicyQuoter } from './policy-quoter';

/** a_k = tanh(b_k + Σ_i w_k,i·x_i), a deterministic policy with outputs in (−1, 1). */
class LinearPolicy implements Policy {
  readonly actionDim: number;
  calls = 0;
  constructor(
    readonly obsDim: number,
    private readonly w: readonly number[],
    private readonly b: readonly number[],
  ) {
    this.actionDim = b.length;
  }
  act(obs: Float32Array | Float64Array, _deterministic: boolean, out: Float32Array | Float64Array): void {
    this.calls++;
    const D = this.obsDim;
    const A = this.actionDim;
    const rows = obs.length / D;
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < A; k++) {
        let s = this.b[k]!;
        for (let i = 0; i < D; i++) s += (this.w[k * D + i] ?? 0) * obs[r * D + i]!;
        out[r * A + k] = Math.tanh(s);
      }
  }
}

/** Run one env episode with the policy; returns Σ rewards, the final PnL and the steps. */
function envEpisode(
  env: MarketMakingEnv,
  policy: Policy,
  normalizer: RunningNormalizer | undefined,
  seed: number,
  path: number,
): { reward: number; pnl: number; steps: number } {
  let x = env.reset(seed, path);
  const y = new Float64Array(x.length);
  const a = new Float64Array(policy.actionDim);
  let reward = 0;
  let steps = 0;
  for (;;) {
    policy.act(normalizer ? normalizer.normalize(x, y) : x, true, a);
    const r = env.step(a);
    reward += r.reward;
    steps++;
    if (r.terminated || r.truncated) return { reward, pnl: r.info.pnl, steps };
    x = r.observation;
  }
}

function fillsOf(log: FillLog): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < log.count; i++)
    rows.push([log.t[i]!, log.side[i]!, log.price[i]!, log.size[i]!, log.fee[i]!]);
  return rows;
}

function finalPnl(p: PathResult): number {
  return p.series.pnl[p.series.bars]!;
}

function bookDefault(horizon: number): BookScenario {
  const path = fileURLToPath(new URL('../../../resources/configs/book-default.yaml', import.meta.url));
  const cfg = loadConfigFile(path, backtestConfigSchema);
  if (cfg.scenario.mode !== 'book') throw new Error('book-default.yaml is not a book scenario');
  return toBookScenario({ ...cfg.scenario, horizon });
}

/** Normalizer statistics from one episode of fixed quotes, frozen (as a trainer would save them). */
function fitNormalizer(
  sim: MarketSimulator,
  builder: ObservationBuilder,
  envOpts: QuotingEnvOptions,
  lotSize: number,
): RunningNormalizer {
  const env = new MarketMakingEnv({ sim, lotSize, observation: builder, ...envOpts });
  const n = new RunningNormalizer(builder.names.length);
  n.update(env.reset(99, 0));
  for (;;) {
    const r = env.step([0, 0]);
    n.update(r.observation);
    if (r.terminated || r.truncated) break;
  }
  n.freeze();
  return n;
}

describe('PolicyQuoter', () => {
  const envOpts: QuotingEnvOptions = {
    orderSizeLots: 1,
    minOffset: -0.2,
    maxOffset: 3,
    actionScale: 'unit',
    inventoryScale: 5,
  };

  it('places exactly the env quotes in intensity mode (same fills, same final PnL)', () => {
    const sc = as2008Scenario();
    // Positive inventory widens the bid and tightens the ask (a skew), time left shifts both.
    const policy = new LinearPolicy(2, [1.2, -0.4, -1.2, 0.3], [-0.1, -0.2]);
    for (const normalized of [false, true]) {
      const normalizer = normalized
        ? fitNormalizer(new IntensitySimulator(sc), intensityObservation, envOpts, sc.lotSize)
        : undefined;
      for (const [seed, path] of [
        [11, 0],
        [11, 3],
        [12, 1],
      ] as const) {
        const envSim = new IntensitySimulator(sc);
        const env = new MarketMakingEnv({ sim: envSim, ...envOpts });
        const e = envEpisode(env, policy, normalizer, seed, path);
        const q = PolicyQuoter.fromEnvOptions(envOpts, {
          name: 'linear',
          policy,
          builder: intensityObservation,
          ...(normalizer ? { normalizer } : {}),
        });
        const p = runPath(new IntensitySimulator(sc), q, seed, path);
        expect(p.fills.count).toBeGreaterThan(5);
        expect(fillsOf(p.fills)).toEqual(fillsOf(envSim.ownFills()));
        expect(finalPnl(p)).toBe(e.pnl);
        expect(e.steps).toBe(200);
      }
    }
  });

  it('places exactly the env quotes in book mode with BookFeatureBuilder and a frozen normalizer', () => {
    const sc = bookDefault(60);
    const bookOpts: QuotingEnvOptions = {
      orderSizeLots: 1,
      minOffset: 0,
      maxOffset: 0.05,
      actionScale: 'unit',
      inventoryScale: 10,
    };
    const fitSim = new BookSimulator(sc);
    const normalizer = fitNormalizer(
      fitSim,
      new BookFeatureBuilder({ levels: sc.depthLevels, fills: () => fitSim.ownFills() }),
      bookOpts,
      sc.lotSize,
    );
    const dim = normalizer.dim;
    const w: number[] = [];
    for (let k = 0; k < 2; k++) for (let i = 0; i < dim; i++) w.push(0.3 * Math.sin(1 + i * (k + 1.7)));
    const policy = new LinearPolicy(dim, w, [-0.6, -0.6]);

    const envSim = new BookSimulator(sc);
    const env = new MarketMakingEnv({
      sim: envSim,
      lotSize: sc.lotSize,
      observation: new BookFeatureBuilder({ levels: sc.depthLevels, fills: () => envSim.ownFills() }),
      ...bookOpts,
    });
    const e = envEpisode(env, policy, normalizer, 7, 2);

    // The quoter learns of its fills only from the observation (no link to the simulator).
    const q = PolicyQuoter.fromEnvOptions(bookOpts, {
      name: 'linear-book',
      policy,
      builder: new BookFeatureBuilder({ levels: sc.depthLevels }),
      normalizer,
    });
    const sim = new BookSimulator(sc);
    const p = runPath(sim, q, 7, 2);
    expect(p.fills.count).toBeGreaterThan(0);
    expect(fillsOf(p.fills)).toEqual(fillsOf(envSim.ownFills()));
    expect(finalPnl(p)).toBe(e.pnl);
    // Running the same path again (quoter reused) gives the same result: reset() clears the builder.
    const again = runPath(sim, q, 7, 2);
    expect(fillsOf(again.fills)).toEqual(fillsOf(p.fills));
  });

  it('places exactly the env quotes with the tick maps and a size action (book mode)', () => {
    const sc = bookDefault(60);
    const cases: [string, QuotingEnvOptions][] = [
      [
        'ticks-from-touch',
        { ...envOpts, actionMap: 'ticks-from-touch', minTicks: -2, maxTicks: 4, inventoryScale: 10 },
      ],
      [
        'ticks-from-mid',
        { ...envOpts, actionMap: 'ticks-from-mid', minTicks: 0, maxTicks: 5, inventoryScale: 10 },
      ],
      [
        'ticks-from-touch with sizes 1…4',
        {
          ...envOpts,
          actionMap: 'ticks-from-touch',
          minTicks: -1,
          maxTicks: 3,
          inventoryScale: 10,
          sizeAction: { minLots: 1, maxLots: 4 },
        },
      ],
      [
        'mid-offset with sizes 1…3',
        {
          ...envOpts,
          minOffset: 0,
          maxOffset: 0.05,
          inventoryScale: 10,
          sizeAction: { minLots: 1, maxLots: 3 },
        },
      ],
    ];
    for (const [name, opts] of cases) {
      const ad = opts.sizeAction ? 4 : 2;
      const probe = new BookFeatureBuilder({ levels: sc.depthLevels });
      const dim = probe.names.length;
      const w: number[] = [];
      // Inventory (and the other features) move every output, so prices and sizes change along the path.
      for (let k = 0; k < ad; k++) for (let i = 0; i < dim; i++) w.push(0.4 * Math.sin(2 + i * (k + 1.3)));
      const policy = new LinearPolicy(dim, w, [-0.5, -0.5, 0.1, -0.1].slice(0, ad));
      const envSim = new BookSimulator(sc);
      const env = new MarketMakingEnv({
        sim: envSim,
        lotSize: sc.lotSize,
        observation: new BookFeatureBuilder({ levels: sc.depthLevels, fills: () => envSim.ownFills() }),
        ...opts,
      });
      const e = envEpisode(env, policy, undefined, 5, 1);
      const q = PolicyQuoter.fromEnvOptions(opts, {
        name,
        policy,
        builder: new BookFeatureBuilder({ levels: sc.depthLevels }),
      });
      // Record the quoter's decisions to check that sizes (and tick offsets) really varied.
      const sizes = new Set<number>();
      const spreads = new Set<number>();
      const spy: Quoter = {
        name: q.name,
        params: q.params,
        reset: () => q.reset(),
        quote: (obs, dec) => {
          q.quote(obs, dec);
          sizes.add(dec.bidSize).add(dec.askSize);
          spreads.add(Math.round((dec.askPrice - dec.bidPrice) / sc.tickSize));
        },
      };
      const p = runPath(new BookSimulator(sc), spy, 5, 1);
      expect(p.fills.count, name).toBeGreaterThan(3);
      expect(fillsOf(p.fills), name).toEqual(fillsOf(envSim.ownFills()));
      expect(finalPnl(p), name).toBe(e.pnl);
      expect(spreads.size, name).toBeGreaterThan(2);
      if (opts.sizeAction) expect(sizes.size, name).toBeGreaterThan(1);
    }
  });

  it('places exactly the env quotes with a size action in intensity mode', () => {
    const sc = as2008Scenario();
    const opts: QuotingEnvOptions = { ...envOpts, sizeAction: { minLots: 1, maxLots: 5 } };
    const policy = new LinearPolicy(2, [1.2, -0.4, -1.2, 0.3, -2, 0.5, 2, 0.5], [-0.1, -0.2, 0.3, 0]);
    const envSim = new IntensitySimulator(sc);
    const e = envEpisode(new MarketMakingEnv({ sim: envSim, ...opts }), policy, undefined, 11, 2);
    const q = PolicyQuoter.fromEnvOptions(opts, { name: 'sized', policy, builder: intensityObservation });
    expect(q.params).toMatchObject({ minLots: 1, maxLots: 5 });
    const p = runPath(new IntensitySimulator(sc), q, 11, 2);
    expect(fillsOf(p.fills)).toEqual(fillsOf(envSim.ownFills()));
    expect(new Set(fillsOf(p.fills).map((f) => f[3])).size).toBeGreaterThan(2);
    expect(finalPnl(p)).toBe(e.pnl);
    // A 2-output policy does not fit a 4-entry action.
    expect(() =>
      PolicyQuoter.fromEnvOptions(opts, {
        name: 'x',
        policy: new LinearPolicy(2, [], [0, 0]),
        builder: intensityObservation,
      }),
    ).toThrow(/actionDim must be 4/);
  });

  it('sets the episode context like env.reset, honours the horizon option and quotes without a book', () => {
    const policy = new LinearPolicy(2, [0, 0, 0, 0], [0, 0]); // a = 0 → offset = mid of the box
    const q = new PolicyQuoter({
      name: 'flat',
      policy,
      builder: intensityObservation,
      action: resolveEnvOptions({ ...envOpts, maxOffset: 1.8 }, 't').action,
      orderSizeLots: 2,
      inventoryScale: 5,
      horizon: 0.5,
    });
    const obs = { ...emptyObservation(), t: 0.25, horizon: 1, mid: 100 };
    const dec = emptyDecision();
    q.reset();
    q.quote(obs, dec);
    expect(q.context).toEqual({ inventoryScale: 5, horizon: 0.5, tEnd: 0.75 });
    expect(dec).toEqual({
      bidPrice: 100 - 0.8,
      askPrice: 100 + 0.8,
      bidSize: 2,
      askSize: 2,
      marketOrderLots: 0,
    });
    obs.t = 0.5;
    q.quote(obs, dec);
    expect(q.context.tEnd).toBe(0.75); // fixed for the episode
    q.reset();
    expect(Number.isNaN(q.context.horizon)).toBe(true);
    expect(q.params).toMatchObject({
      orderSizeLots: 2,
      minOffset: -0.2,
      maxOffset: 1.8,
      actionScale: 'unit',
    });
  });

  it('validates its inputs', () => {
    const action = resolveEnvOptions(envOpts, 't').action;
    const base = { name: 'x', builder: intensityObservation, action, orderSizeLots: 1, inventoryScale: 1 };
    expect(() => new PolicyQuoter({ ...base, policy: new LinearPolicy(3, [], [0, 0]) })).toThrow(/obsDim/);
    expect(
      () =>
        new PolicyQuoter({
          ...base,
          policy: new LinearPolicy(2, [], [0, 0]),
          normalizer: new RunningNormalizer(4),
        }),
    ).toThrow(/normalizer/);
    expect(() => new PolicyQuoter({ ...base, policy: new LinearPolicy(2, [], [0, 0]), horizon: 0 })).toThrow(
      /horizon/,
    );
    const nan: Policy = { obsDim: 2, actionDim: 2, act: (_o, _d, out) => out.fill(Number.NaN) };
    const q = new PolicyQuoter({ ...base, policy: nan });
    q.reset();
    expect(() => q.quote({ ...emptyObservation(), horizon: 1, mid: 100 }, emptyDecision())).toThrow(
      /non-finite/,
    );
  });
});
