import { describe, expect, it } from 'vitest';
import { computeRunMetrics } from '../../metrics/run-metrics';
import { makeSimulator } from '../../backtest/run';
import type { ScenarioConfig } from '../../backtest/config';
import { intensityScenarioSchema } from '../../sim/scenario';
import { runPath } from '../../sim/simulator';
import { buildQuoter } from '../../backtest/quoters';
import type { Quoter } from '../../strategy/quoter';
import type { Policy } from '../agent';
import { intensityObservation } from '../observation';
import { holmAdjust } from '../../metrics/inference';
import { COMPARE_METRICS, compareAgents, evaluate, PATH_METRIC_KEYS, type EvalOptions } from './evaluate';
import { PolicyQuoter } from './policy-quoter';

/** AS 2008 market (σ = 2, A = 140, k = 1.5, T = 1, dt = 0.005). */
const scenario: ScenarioConfig = intensityScenarioSchema.parse({
  mode: 'intensity',
  name: 'as2008-small',
  horizon: 1,
  dt: 0.005,
  s0: 100,
  price: { model: 'abm', sigma: 2, increments: 'binomial' },
  intensity: { A: 140, k: 1.5 },
});

const metrics = { sessionsPerYear: 252, markoutHorizon: 0.05 };

const linear: Policy = {
  obsDim: 2,
  actionDim: 2,
  act(obs, _d, out) {
    out[0] = Math.tanh(-0.3 + 1.0 * obs[0]!);
    out[1] = Math.tanh(-0.3 - 1.0 * obs[0]!);
  },
};

function quoters(): Quoter[] {
  return [
    PolicyQuoter.fromEnvOptions(
      { orderSizeLots: 1, maxOffset: 2, actionScale: 'unit', inventoryScale: 5 },
      { name: 'agent', policy: linear, builder: intensityObservation },
    ),
    buildQuoter({ type: 'avellaneda-stoikov', name: 'as', gamma: 0.1 }, scenario),
    buildQuoter({ type: 'glft', name: 'glft', gamma: 0.1, Q: 10 }, scenario),
    buildQuoter({ type: 'fixed-spread', name: 'fixed', halfSpread: 0.7, skewPerLot: 0.05 }, scenario),
    buildQuoter({ type: 'fixed-spread', name: 'fixed-copy', halfSpread: 0.7, skewPerLot: 0.05 }, scenario),
  ];
}

function options(over: Partial<EvalOptions> = {}): EvalOptions {
  return {
    scenario,
    quoters: quoters(),
    seed: 17,
    paths: 24,
    firstPath: 1000,
    reward: { inventory: 0.01, terminalInventory: 0.1 },
    metrics,
    resamples: 400,
    ...over,
  };
}

describe('evaluate', () => {
  const result = evaluate(options());

  it('scores every agent the same whatever reward mode it was trained with (the ΔPnL form)', () => {
    for (const mode of ['final-pnl', 'time-weighted', 'inventory-penalized'] as const) {
      const other = evaluate(
        options({ reward: { inventory: 0.01, terminalInventory: 0.1, mode, timeWeight: 3 } }),
      );
      expect(other).toEqual(result);
    }
    // The weights do count: without them the reward is the PnL itself.
    const plain = evaluate(options({ reward: {} }));
    expect(plain.quoters[0]!.perPath.reward).toEqual(
      plain.quoters[0]!.perPath.pnl.map((x) => expect.closeTo(x, 9)),
    );
    expect(plain.quoters[0]!.summary.reward.mean).not.toBe(result.quoters[0]!.summary.reward.mean);
  });

  it('is deterministic and plain JSON', () => {
    const again = evaluate(options());
    expect(again).toEqual(result);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect(result).toMatchObject({
      scenario: 'as2008-small',
      seed: 17,
      firstPath: 1000,
      paths: 24,
      horizon: null,
    });
    expect(result.reward).toEqual({
      inventory: 0.01,
      inventoryPenalty: 'quadratic',
      crossing: 0,
      turnover: 0,
      terminalInventory: 0.1,
    });
    expect(result.quoters.map((q) => [q.name, q.kind])).toEqual([
      ['agent', 'agent'],
      ['as', 'baseline'],
      ['glft', 'baseline'],
      ['fixed', 'baseline'],
      ['fixed-copy', 'baseline'],
    ]);
  });

  it('reports per-path vectors, CIs around their means, and the pooled backtest metrics', () => {
    for (const q of result.quoters) {
      for (const key of PATH_METRIC_KEYS) {
        const v = q.perPath[key];
        expect(v).toHaveLength(24);
        expect(v.every(Number.isFinite)).toBe(true);
        const s = q.summary[key];
        expect(s.mean).toBeCloseTo(v.reduce((a, b) => a + b, 0) / v.length, 10);
        expect(s.low).toBeLessThanOrEqual(s.mean + 1e-12);
        expect(s.high).toBeGreaterThanOrEqual(s.mean - 1e-12);
      }
      expect(q.steps.every((n) => n === 200)).toBe(true);
      expect(q.summary.fillRate.mean).toBeGreaterThan(0);
      expect(q.summary.fillRate.mean).toBeLessThan(1);
      expect(q.metrics.paths).toBe(24);
    }
    // Pooled metrics are exactly a backtest's on the same paths.
    const as = result.quoters.find((q) => q.name === 'as')!;
    const sim = makeSimulator(scenario);
    const quoter = buildQuoter({ type: 'avellaneda-stoikov', name: 'as', gamma: 0.1 }, scenario);
    const paths = Array.from({ length: 24 }, (_, i) => runPath(sim, quoter, 17, 1000 + i));
    expect(as.metrics).toEqual(computeRunMetrics(paths, metrics));
    expect(as.perPath.pnl).toEqual(paths.map((p) => p.series.pnl[p.series.bars]));
    // Session Sharpe over the paths: the pooled metric, and mean/std of the per-path PnLs.
    expect(as.sessionSharpe.mean).toBe(as.metrics.sessionSharpe);
    expect(as.sessionSharpe.mean).toBeCloseTo(as.metrics.pnlMean / as.metrics.pnlStd, 12);
    expect(as.sessionSharpe.low).toBeLessThanOrEqual(as.sessionSharpe.mean);
    expect(as.sessionSharpe.high).toBeGreaterThanOrEqual(as.sessionSharpe.mean);
    // The AS market maker earns the spread in its own model.
    expect(as.summary.pnl.mean).toBeGreaterThan(0);
    expect(as.summary.realizedSpreadBps.mean).toBeGreaterThan(0);
    // With inventory penalties the reward is below the PnL on average.
    expect(as.summary.reward.mean).toBeLessThan(as.summary.pnl.mean);
  });

  it('pairs paths: an identical quoter vs itself has mean difference 0 and p = 1', () => {
    const fixed = result.quoters.find((q) => q.name === 'fixed')!;
    const copy = result.quoters.find((q) => q.name === 'fixed-copy')!;
    expect(copy.perPath).toEqual(fixed.perPath);
    expect(copy.summary).toEqual(fixed.summary); // common bootstrap resamples
    const c = compareAgents(result, { agents: ['fixed-copy'], baselines: ['fixed'], chosenBy: 'test' });
    expect(c.baselines).toEqual(['fixed']);
    for (const t of [c.tests[0]!.reward, c.tests[0]!.pnl, c.tests[0]!.maxDrawdown]) {
      expect(t).toMatchObject({
        n: 24,
        meanDiff: 0,
        ciLow: 0,
        ciHigh: 0,
        t: 0,
        pValue: 1,
        wilcoxonP: 1,
        dz: 0,
      });
      expect(t.pHolm).toBe(1);
    }
    expect(c.tests[0]!.sessionSharpe).toMatchObject({ diff: 0, ciLow: 0, ciHigh: 0, pValue: 1, pHolm: 1 });
  });

  it('tests every agent against every given baseline, Holm-adjusted over the whole family', () => {
    const baselines = ['fixed', 'as', 'glft'];
    const c = compareAgents(result, { agents: ['agent', 'fixed-copy'], baselines, chosenBy: 'all' });
    expect(c.chosenBy).toBe('all');
    expect(c.tests.map((t) => `${t.agent}/${t.baseline}`)).toEqual([
      'agent/fixed',
      'agent/as',
      'agent/glft',
      'fixed-copy/fixed',
      'fixed-copy/as',
      'fixed-copy/glft',
    ]);
    expect(c.familySize).toBe(6 * COMPARE_METRICS.length);
    const raw = c.tests.flatMap((t) =>
      COMPARE_METRICS.map((m) => (m === 'sessionSharpe' ? t.sessionSharpe.pValue : t[m].pValue)),
    );
    const holm = c.tests.flatMap((t) => COMPARE_METRICS.map((m) => t[m].pHolm));
    expect(holm).toEqual(holmAdjust(raw));
    const agent = result.quoters.find((q) => q.name === 'agent')!;
    for (const t of c.tests.filter((x) => x.agent === 'agent')) {
      const b = result.quoters.find((q) => q.name === t.baseline)!;
      expect(t.reward.meanDiff).toBeCloseTo(agent.summary.reward.mean - b.summary.reward.mean, 10);
      expect(t.maxDrawdown.meanDiff).toBeCloseTo(
        agent.summary.maxDrawdown.mean - b.summary.maxDrawdown.mean,
        10,
      );
      expect(t.pnl.n).toBe(24);
      // session Sharpe difference: exactly the difference of the two ratios, inside its CI
      expect(t.sessionSharpe.diff).toBeCloseTo(agent.sessionSharpe.mean - b.sessionSharpe.mean, 12);
      expect(t.sessionSharpe.ciLow).toBeLessThanOrEqual(t.sessionSharpe.diff);
      expect(t.sessionSharpe.ciHigh).toBeGreaterThanOrEqual(t.sessionSharpe.diff);
    }
    expect(() => compareAgents(result, { agents: ['nope'], baselines, chosenBy: '' })).toThrow(/nope/);
    expect(() => compareAgents(result, { agents: ['agent'], baselines: [], chosenBy: '' })).toThrow(
      /baselines/,
    );
  });

  it('reports progress, honours an abort signal and validates options', () => {
    const seen: [number, number][] = [];
    evaluate(options({ paths: 2, quoters: quoters().slice(0, 2), onProgress: (d, t) => seen.push([d, t]) }));
    expect(seen).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    const ac = new AbortController();
    ac.abort();
    expect(() => evaluate(options({ signal: ac.signal }))).toThrow();
    const dup = quoters();
    dup.push(dup[1]!);
    expect(() => evaluate(options({ quoters: dup }))).toThrow(/duplicate/);
    expect(() => evaluate(options({ paths: 0 }))).toThrow(/paths/);
    expect(() => evaluate(options({ resamples: 0 }))).toThrow(/resamples/);
    expect(() => evaluate(options({ metrics: { sessionsPerYear: 0, markoutHorizon: 1 } }))).toThrow();
  });

  it('stops inside one long path when shouldStop says so (the simulators poll it)', () => {
    // One path of 10^7 steps; the check answers true from its 3rd poll on, long before the path ends.
    const long = intensityScenarioSchema.parse({ ...scenario, horizon: 1e7, dt: 1, sampleEvery: 10_000 });
    let polls = 0;
    const run = (): unknown =>
      evaluate(
        options({ scenario: long, paths: 1, quoters: quoters().slice(1, 2), shouldStop: () => ++polls >= 3 }),
      );
    expect(run).toThrow(expect.objectContaining({ name: 'AbortError' }) as Error);
    expect(polls).toBe(3);
  });

  it('scores a shorter episode horizon than the session', () => {
    const r = evaluate(options({ paths: 3, quoters: quoters().slice(0, 2), horizon: 0.5, resamples: 50 }));
    expect(r.horizon).toBe(0.5);
    for (const q of r.quoters) expect(q.steps).toEqual([100, 100, 100]);
  });
});
