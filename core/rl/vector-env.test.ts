import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed, mix32 } from '../rng/rng';
import { IntensitySimulator, as2008Scenario, type IntensityScenario } from '../sim/intensity-sim';
import { MarketMakingEnv, actionToOffset, type QuotingEnvOptions, type StepResult } from './env';
import { contains, sample } from './spaces';
import { VectorAsEnv, deriveSeed2, type VectorStepResult } from './vector-env';

function scenario(over: Partial<IntensityScenario> = {}): IntensityScenario {
  return as2008Scenario({ dt: 0.02, ...over });
}

const OPTS: QuotingEnvOptions = {
  orderSizeLots: 1,
  maxOffset: 2.5,
  inventoryScale: 5,
  reward: { inventory: 0.02, crossing: 0.5, turnover: 0.01, terminalInventory: 0.3 },
};

interface Trace {
  obs: number[][];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
  info: number[][];
}

function emptyTrace(): Trace {
  return { obs: [], rewards: [], terminated: [], truncated: [], info: [] };
}

/**
 * Drive VectorAsEnv(n) and n MarketMakingEnv(IntensitySimulator) side by side with the same actions
 * (a seeded random policy that overshoots the action box by 20% on both sides, so clipping is exercised
 * and, with a negative minOffset, some quotes cross the mid)
 * and record, per env, what each one returned. The single env i restarts on path i + k·n, the
 * vector env's documented auto-reset scheme; the trace of the single env records the observation
 * of a step that ended an episode as `final` and the next reset's observation as the next one, the
 * vector env's same-step auto-reset layout.
 */
function runSideBySide(
  sc: IntensityScenario,
  opts: QuotingEnvOptions,
  n: number,
  calls: number,
  seed: number,
) {
  const venv = new VectorAsEnv({ ...opts, scenario: sc, n });
  const envs = Array.from(
    { length: n },
    () => new MarketMakingEnv({ ...opts, sim: new IntensitySimulator(sc) }),
  );
  const episodes = new Array<number>(n).fill(0);
  const vTrace = Array.from({ length: n }, emptyTrace);
  const sTrace = Array.from({ length: n }, emptyTrace);
  const v0 = venv.reset(seed);
  for (let i = 0; i < n; i++) {
    vTrace[i]!.obs.push(Array.from(v0.subarray(2 * i, 2 * i + 2)));
    sTrace[i]!.obs.push(Array.from(envs[i]!.reset(seed, i)));
  }
  const rng = new Rng(99);
  const ad = venv.actionDim;
  const actions = new Float64Array(ad * n);
  let ended = 0;
  let crossings = 0;
  for (let c = 0; c < calls; c++) {
    for (let j = 0; j < ad * n; j++) {
      const lo = venv.actionSpace.low[j % ad]!;
      const hi = venv.actionSpace.high[j % ad]!;
      actions[j] = lo - 0.2 * (hi - lo) + 1.4 * (hi - lo) * rng.next();
    }
    for (let j = 0; j < ad * n; j++)
      if (j % ad < 2 && actionToOffset(venv.options.action, actions[j]!) < 0) crossings++;
    const vr: VectorStepResult = venv.step(actions);
    for (let i = 0; i < n; i++) {
      const sr: StepResult = envs[i]!.step(actions.subarray(ad * i, ad * i + ad));
      const done = sr.terminated || sr.truncated;
      const s = sTrace[i]!;
      s.rewards.push(sr.reward);
      s.terminated.push(sr.terminated);
      s.truncated.push(sr.truncated);
      s.info.push([sr.info.pnl, sr.info.inventory, sr.info.fills, sr.info.bought, sr.info.sold, sr.info.t]);
      if (done) {
        s.obs.push([Number.NaN, ...sr.observation]); // final observation, marked
        episodes[i]! += 1;
        ended++;
        s.obs.push(Array.from(envs[i]!.reset(seed, i + episodes[i]! * n)));
      } else s.obs.push(Array.from(sr.observation));

      const v = vTrace[i]!;
      v.rewards.push(vr.rewards[i]!);
      v.terminated.push(vr.terminated[i] === 1);
      v.truncated.push(vr.truncated[i] === 1);
      const inf = vr.info;
      v.info.push([inf.pnl[i]!, inf.inventory[i]!, inf.fills[i]!, inf.bought[i]!, inf.sold[i]!, inf.t[i]!]);
      if (vr.terminated[i] === 1 || vr.truncated[i] === 1) {
        v.obs.push([Number.NaN, ...vr.finalObservations.subarray(2 * i, 2 * i + 2)]);
        expect(venv.pathIndexOf(i)).toBe(i + episodes[i]! * n);
      }
      v.obs.push(Array.from(vr.observations.subarray(2 * i, 2 * i + 2)));
    }
  }
  return { vTrace, sTrace, ended, crossings };
}

describe('VectorAsEnv is the same model as MarketMakingEnv(IntensitySimulator)', () => {
  const cases: [string, IntensityScenario, QuotingEnvOptions][] = [
    ['binomial ABM (AS 2008 section 4)', scenario(), { ...OPTS, minOffset: -0.5 }],
    [
      'Gaussian ABM with drift, fees, inventory limit, initial inventory, unit actions, linear penalty',
      scenario({
        price: { model: 'abm', sigma: 1.5, drift: 0.3, increments: 'gaussian' },
        fees: { makerBps: -0.5, takerBps: 5, perLot: 0.01 },
        inventoryLimitLots: 3,
        initialInventoryLots: 2,
        lotSize: 10,
      }),
      {
        ...OPTS,
        actionScale: 'unit',
        minOffset: -0.25,
        orderSizeLots: 2,
        reward: { ...OPTS.reward, inventoryPenalty: 'linear' },
      },
    ],
    [
      'GBM with Gaussian increments, episode horizon shorter than the session, truncation',
      scenario({ price: { model: 'gbm', sigma: 0.2, drift: 0.05, increments: 'gaussian' }, dt: 0.01 }),
      { ...OPTS, horizon: 0.37, maxEpisodeSteps: 29 }, // odd length: a cached normal is pending at reset
    ],
    [
      'binomial ABM, horizon/dt not an integer, jumps with rate 0',
      scenario({
        horizon: 1,
        dt: 0.03,
        price: {
          model: 'abm',
          sigma: 2,
          drift: 0,
          increments: 'binomial',
          jumps: { rate: 0, mean: 0, std: 1 },
        },
      }),
      OPTS,
    ],
    [
      "reward mode 'final-pnl' (sparse) with truncation",
      scenario({ dt: 0.01 }),
      { ...OPTS, reward: { mode: 'final-pnl' }, horizon: 0.37, maxEpisodeSteps: 29 },
    ],
    [
      "reward mode 'time-weighted' (κ = 2.5), shorter horizon",
      scenario(),
      { ...OPTS, horizon: 0.6, reward: { ...OPTS.reward, mode: 'time-weighted', timeWeight: 2.5 } },
    ],
    [
      "reward mode 'inventory-penalized' (linear running and terminal)",
      scenario(),
      {
        ...OPTS,
        reward: {
          mode: 'inventory-penalized',
          inventory: 0.05,
          inventoryPenalty: 'linear',
          terminalInventory: 0.2,
        },
      },
    ],
    [
      'size action (unit actions), inventory limit',
      scenario({ inventoryLimitLots: 6 }),
      { ...OPTS, actionScale: 'unit', sizeAction: { minLots: 1, maxLots: 4 } },
    ],
    [
      'size action (price actions: lots), fees per lot',
      scenario({ fees: { makerBps: -0.5, takerBps: 5, perLot: 0.01 } }),
      { ...OPTS, minOffset: -0.5, sizeAction: { minLots: 2, maxLots: 5 } },
    ],
  ];

  for (const [name, sc, opts] of cases) {
    it(`matches bit for bit over several episodes: ${name}`, () => {
      const n = 3;
      const calls = 130; // ≥ 2 full episodes of the longest case (50 steps) plus a partial one
      const { vTrace, sTrace, ended, crossings } = runSideBySide(sc, opts, n, calls, 20240607);
      expect(ended).toBeGreaterThanOrEqual(2 * n);
      if ((opts.minOffset ?? 0) < 0) expect(crossings).toBeGreaterThan(10);
      for (let i = 0; i < n; i++) {
        expect(vTrace[i]!.rewards).toEqual(sTrace[i]!.rewards);
        expect(vTrace[i]!.terminated).toEqual(sTrace[i]!.terminated);
        expect(vTrace[i]!.truncated).toEqual(sTrace[i]!.truncated);
        expect(vTrace[i]!.obs).toEqual(sTrace[i]!.obs);
        expect(vTrace[i]!.info).toEqual(sTrace[i]!.info);
      }
      // The policy produced both fills and crossings, so those code paths were compared too.
      const fills = sTrace.flatMap((t) => t.info.map((r) => r[2]!)).reduce((a, b) => a + b, 0);
      expect(fills).toBeGreaterThan(50);
      // With a size action, fills of several different sizes happened (the size dimensions were used).
      if (opts.sizeAction)
        expect(new Set(sTrace.flatMap((t) => t.info.map((r) => r[3]!))).size).toBeGreaterThanOrEqual(3);
    });
  }

  it('truncates at maxEpisodeSteps and terminates at the episode horizon', () => {
    const { sTrace } = runSideBySide(
      scenario({ dt: 0.01 }),
      { ...OPTS, horizon: 0.37, maxEpisodeSteps: 30 },
      1,
      70,
      5,
    );
    const s = sTrace[0]!;
    expect(s.truncated.flatMap((x, j) => (x ? [j] : []))).toEqual([29, 59]);
    const s2 = runSideBySide(scenario({ dt: 0.01 }), { ...OPTS, horizon: 0.37 }, 1, 80, 5).sTrace[0]!;
    // t = 37·0.01 ≥ 0.37 at step 37 (or 38 with rounding): the horizon is part of the state.
    const ends = s2.terminated.flatMap((x, j) => (x ? [j + 1] : []));
    expect(ends.length).toBe(2);
    expect(ends[0]).toBeGreaterThanOrEqual(37);
    expect(ends[0]).toBeLessThanOrEqual(38);
  });
});

describe('VectorAsEnv', () => {
  it('derives seeds exactly as deriveSeed does', () => {
    const rng = new Rng(3);
    for (let j = 0; j < 1000; j++) {
      const seed = rng.nextU32() - (j % 2) * 2 ** 31;
      const a = rng.int(1 << 20) + (j % 3) * 2 ** 33;
      const b = rng.int(4);
      expect(deriveSeed2(mix32(seed >>> 0), a, b)).toBe(deriveSeed(seed, a, b));
    }
  });

  it('rejects scenario features the fast kernel does not model, naming them and the alternative', () => {
    const opts = { ...OPTS, n: 2 };
    const make = (over: Partial<IntensityScenario>) => () =>
      new VectorAsEnv({ ...opts, scenario: scenario(over) });
    expect(make({ entryLatency: 0.1 })).toThrow(/order-entry latency.*MarketMakingEnv/);
    expect(make({ impact: { model: 'linear', eta: 0.1, kappa: 0 } })).toThrow(/market impact/);
    expect(make({ tickSize: 0.01 })).toThrow(/tick/);
    expect(
      make({
        price: {
          model: 'abm',
          sigma: 1,
          drift: 0,
          increments: 'binomial',
          jumps: { rate: 1, mean: 0, std: 1 },
        },
      }),
    ).toThrow(/jumps/);
    expect(
      make({
        price: {
          model: 'abm',
          sigma: 1,
          drift: 0,
          increments: 'binomial',
          regimes: {
            sigmas: [1, 2],
            transitionRates: [
              [0, 1],
              [1, 0],
            ],
            initial: 0,
          },
        },
      }),
    ).toThrow(/regimes/);
    expect(() => new VectorAsEnv({ ...opts, n: 0, scenario: scenario() })).toThrow(/n must be/);
  });

  it('rejects bad calls: step before reset, wrong action length, non-finite actions', () => {
    const env = new VectorAsEnv({ ...OPTS, n: 2, scenario: scenario() });
    expect(() => env.step(new Float64Array(4))).toThrow(/before reset/);
    env.reset(1);
    expect(() => env.step(new Float64Array(3))).toThrow(/2N = 4/);
    expect(() => env.step(Float64Array.of(1, 1, Number.NaN, 1))).toThrow(/action 2 \(env 1\)/);
  });

  it('runs a random agent for 10,000 steps: finite rewards, inventory = Σ fills, fixed-length episodes, deterministic', () => {
    const sc = scenario({ dt: 0.005 }); // 200-step episodes
    const n = 8;
    const run = () => {
      const env = new VectorAsEnv({ ...OPTS, scenario: sc, n });
      const rng = new Rng(42);
      const a = new Float64Array(2 * n);
      const row = new Float64Array(2);
      const q = new Float64Array(n);
      const len = new Array<number>(n).fill(0);
      const rewards = new Float64Array(10_000 * n);
      const lengths: number[] = [];
      let bad = 0; // count violations and assert once: per-element expect() is slow
      env.reset(7);
      for (let c = 0; c < 10_000; c++) {
        for (let i = 0; i < n; i++) {
          sample(env.actionSpace, rng, row);
          if (!contains(env.actionSpace, row)) bad++;
          a.set(row, 2 * i);
        }
        const r = env.step(a);
        for (let i = 0; i < n; i++) {
          const reward = r.rewards[i]!;
          if (!Number.isFinite(reward)) bad++;
          rewards[c * n + i] = reward;
          q[i]! += r.info.bought[i]! - r.info.sold[i]!;
          if (r.info.inventory[i] !== q[i]) bad++;
          if (r.info.fills[i] !== (r.info.bought[i]! > 0 ? 1 : 0) + (r.info.sold[i]! > 0 ? 1 : 0)) bad++;
          len[i]! += 1;
          if (r.truncated[i] !== 0) bad++;
          if (r.terminated[i] === 1) {
            lengths.push(len[i]!);
            len[i] = 0;
            q[i] = 0;
            if (r.finalObservations[2 * i + 1] !== 0) bad++; // no time left at the end
            if (r.observations[2 * i] !== 0 || r.observations[2 * i + 1] !== 1) bad++; // fresh episode
          }
        }
      }
      expect(bad).toBe(0);
      return { rewards, lengths };
    };
    const a = run();
    expect(a.lengths.length).toBe((10_000 / 200) * n);
    expect(new Set(a.lengths)).toEqual(new Set([200]));
    const b = run();
    expect(b.rewards).toEqual(a.rewards);
  });
});
