/**
 * Each flow knob of the book-mode simulator moves its target statistic in the claimed direction by a
 * stated amount (issue 10 §3). Seeded runs of a fixed-spread quoter at the touch in the book-default
 * scenario (resources/configs/book-default.yaml), compared path by path on the same (seed, path) pairs
 * (paired bootstrap CI of the mean difference, core/metrics/inference.ts). Bounds were set from
 * measured effects with a margin; every effect is many standard errors away from zero.
 */
import { describe, expect, it } from 'vitest';
import { pairedTest } from '../metrics/inference';
import { BookSimulator } from './book-sim';
import { avg, bookDefault, pick, runTouchQuoter, withFlow, type StudyPath } from '../backtest/flow-study';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { bookScenarioSchema } from './scenario';
import { runPath } from './simulator';

const { config, seed, markoutHorizon } = bookDefault();
const study = (paths: number) => ({ seed, paths, markoutHorizon });

/** Paired difference b − a of statistic k over the same paths. */
function diff(a: StudyPath[], b: StudyPath[], k: keyof StudyPath) {
  return pairedTest(pick(b, k), pick(a, k), { seed: 1 });
}

describe('book-mode flow knobs move what they claim (book-default, fixed spread at the touch)', () => {
  it('informed share 0 → 0.6 lowers the 5-s realized spread by ≥ 0.2 bp (32 paths, 95% CI excludes 0)', () => {
    const o = study(32);
    const benign = runTouchQuoter(withFlow(config, { toxicShare: 0 }), o);
    const informed = runTouchQuoter(withFlow(config, { toxicShare: 0.6 }), o);
    const d = diff(benign, informed, 'realizedBps');
    expect(d.meanDiff).toBeLessThanOrEqual(-0.2);
    expect(d.ciHigh).toBeLessThan(0);
    // The loss is adverse selection (the mark-out after the fill), not a smaller edge at the fill.
    const as = diff(benign, informed, 'adverseBps');
    expect(as.meanDiff).toBeGreaterThanOrEqual(0.15);
    expect(as.ciLow).toBeGreaterThan(0);
  });

  it('order-entry and cancel latency 5 ms → 250 ms raise adverse selection by ≥ 0.05 bp and the pick-off share of fills by ≥ 1 point', () => {
    const o = study(32);
    const lat = (median: number) => ({
      latency: {
        ...config.latency,
        entry: { model: 'lognormal' as const, median, sigma: 0.5 },
        cancel: { model: 'lognormal' as const, median, sigma: 0.5 },
      },
    });
    const fast = runTouchQuoter(withFlow(config, {}, lat(0.005)), o);
    const slow = runTouchQuoter(withFlow(config, {}, lat(0.25)), o);
    const d = diff(fast, slow, 'adverseBps');
    expect(d.meanDiff).toBeGreaterThanOrEqual(0.05);
    expect(d.ciLow).toBeGreaterThan(0);
    // More of our fills come from background limit orders crossing our stale quotes.
    const share = (xs: StudyPath[]) => xs.map((x) => x.pickedOff / x.fills);
    const p = pairedTest(share(slow), share(fast), { seed: 1 });
    expect(p.meanDiff).toBeGreaterThanOrEqual(0.01);
    expect(p.ciLow).toBeGreaterThan(0);
  });

  it('market-order rate 3 → 6 per second raises our filled lots by ≥ 40%', () => {
    const o = study(16);
    const base = runTouchQuoter(withFlow(config, { marketRate: 3 }), o);
    const busy = runTouchQuoter(withFlow(config, { marketRate: 6 }), o);
    const d = diff(base, busy, 'fills');
    expect(d.meanDiff).toBeGreaterThanOrEqual(0.4 * avg(pick(base, 'fills')));
    expect(d.ciLow).toBeGreaterThan(0);
  });

  it('limit-order rate 20 → 40 per second raises the mean depth at the touch by ≥ 60%', () => {
    const o = study(16);
    const base = runTouchQuoter(withFlow(config, { limitRate: 20 }), o);
    const deep = runTouchQuoter(withFlow(config, { limitRate: 40 }), o);
    const d = diff(base, deep, 'touchDepth');
    expect(d.meanDiff).toBeGreaterThanOrEqual(0.6 * avg(pick(base, 'touchDepth')));
    expect(d.ciLow).toBeGreaterThan(0);
  });

  it('mean placement depth 3 → 1.5 ticks raises the mean depth at the touch by ≥ 30%', () => {
    const o = study(16);
    const base = runTouchQuoter(withFlow(config, { depthMeanTicks: 3 }), o);
    const near = runTouchQuoter(withFlow(config, { depthMeanTicks: 1.5 }), o);
    const d = diff(base, near, 'touchDepth');
    expect(d.meanDiff).toBeGreaterThanOrEqual(0.3 * avg(pick(base, 'touchDepth')));
    expect(d.ciLow).toBeGreaterThan(0);
  });
});

describe('informed flow: determinism and common random numbers', () => {
  const quoter = () => new FixedSpreadQuoter({ halfSpread: 0.005, skewPerLot: 0.001, orderSizeLots: 1 });

  it('gives bit-identical paths for the same seed, path and informed horizon', () => {
    const sc = withFlow(config, { toxicShare: 0.6, informedHorizon: 2 });
    const a = runPath(new BookSimulator(sc), quoter(), seed, 3);
    const b = runPath(new BookSimulator(sc), quoter(), seed, 3);
    expect(Array.from(a.series.pnl)).toEqual(Array.from(b.series.pnl));
    expect(Array.from(a.fills.price.subarray(0, a.fills.count))).toEqual(
      Array.from(b.fills.price.subarray(0, b.fills.count)),
    );
  });

  it('generates the same reference path whatever the look-ahead: with no informed flow the horizon changes nothing', () => {
    const run = (informedHorizon: number) =>
      runPath(new BookSimulator(withFlow(config, { toxicShare: 0, informedHorizon })), quoter(), seed, 2);
    const a = run(0.1);
    const b = run(10);
    expect(Array.from(b.series.mid)).toEqual(Array.from(a.series.mid));
    expect(Array.from(b.series.pnl)).toEqual(Array.from(a.series.pnl));
  });

  it('refuses an informed horizon longer than the session, naming the key', () => {
    const bad = bookScenarioSchema.safeParse({ ...config, flow: { ...config.flow, informedHorizon: 1e9 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['flow', 'informedHorizon']);
  });

  it('informed orders trade towards the future reference price: a longer look-ahead changes the path', () => {
    const run = (informedHorizon: number) =>
      runPath(new BookSimulator(withFlow(config, { toxicShare: 1, informedHorizon })), quoter(), seed, 2);
    expect(Array.from(run(0.1).series.mid)).not.toEqual(Array.from(run(5).series.mid));
  });
});
