import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backtestConfigSchema } from '../backtest/config';
import { parseConfigText } from '../config/load-config';
import { toBookScenario } from '../sim/scenario';
import {
  FACTOR_COUNT,
  F_LAT_ADD,
  F_LAT_MUL,
  F_MAKER_BPS,
  F_RATE,
  F_SIGMA,
  F_SPREAD,
  F_TAKER_BPS,
  StressSchedule,
} from './schedule';
import { STRESS_KINDS_BY_MODE, applyStress, stressListSchema } from './stress';
import { BookSimulator } from '../sim/book-sim';
import { runPath } from '../sim/simulator';
import {
  digestPath,
  goldenBook,
  goldenDigests,
  goldenIntensity,
  joinTouch,
  stresses,
} from './stress.fixture';

const bookCfg = {
  mode: 'book' as const,
  horizon: 300,
  tickSize: 0.01,
  s0: 100,
  price: { model: 'abm', sigma: 0.012 },
};

function configWith(scenario: object): unknown {
  return { seed: 1, paths: 1, scenario, strategies: [{ type: 'fixed-spread', halfSpread: 0.01 }] };
}

/** The first issue of a failed parse, as "path: message". */
function firstIssue(input: unknown): string {
  const r = backtestConfigSchema.safeParse(input);
  if (r.success) return 'ok';
  const i = r.error.issues[0];
  return `${(i?.path ?? []).join('.')}: ${i?.message ?? ''}`;
}

describe('stress: unstressed paths are unchanged', () => {
  it('reproduces the fingerprints the simulators gave before the stress hooks existed', async () => {
    // __golden__/unstressed.json was written by running this same function on the tree of commit
    // 036f223, before the stress hooks: the hooks changed no number. A deliberate change of the
    // simulators' numbers (not a stress) updates it with vitest -u, like the other goldens.
    await expect(JSON.stringify(goldenDigests(), null, 2) + '\n').toMatchFileSnapshot(
      './__golden__/unstressed.json',
    );
  });

  it('neutral stresses (×1, +0 ms, +0 bps) give bit-identical paths, so the hooks only scale', () => {
    const neutral = stresses([
      { kind: 'volatility-spike', onset: 10, duration: 50, magnitude: 1 },
      { kind: 'liquidity-drought', onset: 20, duration: 50, magnitude: 1 },
      { kind: 'latency-shock', onset: 30, duration: 50, magnitude: 0 },
      { kind: 'latency-shock', onset: 30, duration: 50, magnitude: 1, op: 'multiply' },
      { kind: 'informed-flow-surge', onset: 40, duration: 20, magnitude: 0, op: 'add' },
      { kind: 'fee-change', onset: 5, magnitude: 0 },
      { kind: 'regime-shift', onset: 90, magnitude: 1 },
    ]);
    // Intensity mode: a neutral latency shock switches on the in-order delivery ring (same numbers).
    const intensityNeutral = neutral.filter((s) => s.kind !== 'informed-flow-surge');
    const d = goldenDigests(
      { ...goldenBook(), stress: neutral },
      {
        ...goldenIntensity(),
        horizon: 1,
        stress: intensityNeutral.map((s) => ({ ...s, onset: s.onset / 100 })),
      },
    );
    expect(d).toEqual(goldenDigests());
  });

  it('a real stress does change the path (the comparison can fail)', () => {
    const d = goldenDigests({
      ...goldenBook(),
      stress: stresses([{ kind: 'volatility-spike', onset: 10, duration: 50, magnitude: 2 }]),
    });
    expect(d.book[0]).not.toBe(goldenDigests().book[0]);
  });
});

describe('stress: schedule and composition', () => {
  it('multiplies multipliers, adds additions, and is neutral outside every window', () => {
    const st = new StressSchedule(
      stresses([
        { kind: 'volatility-spike', onset: 10, duration: 10, magnitude: 3 },
        { kind: 'regime-shift', onset: 15, magnitude: 2, rates: 0.5 },
        { kind: 'liquidity-drought', onset: 12, duration: 2, magnitude: 0.2 },
        { kind: 'latency-shock', onset: 10, duration: 10, magnitude: 0.05, paths: ['entry'] },
        { kind: 'latency-shock', onset: 10, duration: 5, magnitude: 4, op: 'multiply' },
        { kind: 'spread-blowout', onset: 11, duration: 1, magnitude: 3 },
        { kind: 'fee-change', onset: 0, magnitude: 1.5, side: 'taker' },
      ]),
    );
    const f = new Float64Array(FACTOR_COUNT);
    st.factorsAt(5, f);
    expect([f[F_SIGMA], f[F_RATE], f[F_LAT_MUL], f[F_LAT_ADD], f[F_SPREAD]]).toEqual([1, 1, 1, 0, 0]);
    expect([f[F_MAKER_BPS], f[F_TAKER_BPS]]).toEqual([0, 1.5]);
    st.factorsAt(11.5, f);
    expect([f[F_SIGMA], f[F_RATE], f[F_SPREAD]]).toEqual([3, 1, 3]);
    st.factorsAt(13, f);
    expect(f[F_RATE]).toBeCloseTo(0.2, 15);
    expect(f[F_SPREAD]).toBe(0); // [11, 12) is over
    st.factorsAt(16, f); // spike 3 × regime 2; rates 0.5
    expect([f[F_SIGMA], f[F_RATE]]).toEqual([6, 0.5]);
    // Entry: ×1 (the multiply shock ended at 15) + 0.05; cancel: untouched.
    expect(st.latency(0, 16, 0.01)).toBeCloseTo(0.06, 15);
    expect(st.latency(1, 16, 0.01)).toBe(0.01);
    // Both latency shocks at 12: entry 0.01·4 + 0.05; marketData 0.01·4.
    expect(st.latency(0, 12, 0.01)).toBeCloseTo(0.09, 15);
    expect(st.latency(2, 12, 0.01)).toBeCloseTo(0.04, 15);
    st.factorsAt(25, f); // the spike ended at 20; the regime shift is permanent
    expect([f[F_SIGMA], f[F_RATE]]).toEqual([2, 0.5]);
  });

  it('informed share: the last `set` wins, `add`s are added, the result is clamped to [0, 1]', () => {
    const st = new StressSchedule(
      stresses([
        { kind: 'informed-flow-surge', onset: 0, duration: 10, magnitude: 0.6 },
        { kind: 'informed-flow-surge', onset: 5, duration: 10, magnitude: 0.3 },
        { kind: 'informed-flow-surge', onset: 8, duration: 10, magnitude: 0.5, op: 'add' },
      ]),
    );
    const f = new Float64Array(FACTOR_COUNT);
    expect(StressSchedule.informedShare(st.factorsAt(2, f), 0.1)).toBe(0.6);
    expect(StressSchedule.informedShare(st.factorsAt(6, f), 0.1)).toBe(0.3);
    expect(StressSchedule.informedShare(st.factorsAt(9, f), 0.1)).toBe(0.8);
    expect(StressSchedule.informedShare(st.factorsAt(16, f), 0.7)).toBe(1); // 0.7 + 0.5, clamped
    expect(StressSchedule.informedShare(st.factorsAt(30, f), 0.1)).toBe(0.1);
  });

  it('flash crash: D(t) = m·S_onset·2^(−(t − onset − hold)/halfLife), crashes add', () => {
    const st = new StressSchedule(
      stresses([
        { kind: 'flash-crash', onset: 10, magnitude: -0.05, halfLife: 4, duration: 2 },
        { kind: 'flash-crash', onset: 30, magnitude: 0.01, halfLife: 1 },
      ]),
    );
    expect(st.displacement(9, 100)).toBe(0);
    expect(st.displacement(10, 100)).toBeCloseTo(-5, 12); // S_onset = 100 captured
    expect(st.displacement(12, 80)).toBeCloseTo(-5, 12); // held for 2; the level stays the onset's
    expect(st.displacement(16, 80)).toBeCloseTo(-2.5, 12); // one half-life after the hold
    expect(st.displacement(20, 80)).toBeCloseTo(-1.25, 12);
    // 30: the second crash captures 90; first crash −5·2^(−18/4).
    expect(st.displacement(30, 90)).toBeCloseTo(-5 * 2 ** -4.5 + 0.9, 12);
    st.reset();
    expect(st.displacement(10, 50)).toBeCloseTo(-2.5, 12);
  });
});

describe('stress: config validation names the key', () => {
  it('accepts a stress list on a book scenario and fills in the defaults', () => {
    const r = backtestConfigSchema.parse(
      configWith({ ...bookCfg, stress: [{ kind: 'latency-shock', onset: 1, duration: 2, magnitude: 0.1 }] }),
    );
    if (r.scenario.mode !== 'book') throw new Error('book');
    expect(r.scenario.stress).toEqual([
      {
        kind: 'latency-shock',
        onset: 1,
        duration: 2,
        magnitude: 0.1,
        op: 'add',
        paths: ['entry', 'cancel', 'marketData'],
      },
    ]);
    expect(toBookScenario(r.scenario).stress).toHaveLength(1);
  });

  it('refuses bad entries with the path of the offending key', () => {
    const bad = (s: unknown, sc: Record<string, unknown> = bookCfg): string =>
      firstIssue(configWith({ ...sc, stress: [{ kind: 'fee-change', onset: 0, magnitude: 1 }, s] }));
    expect(bad({ kind: 'volatility-spike', onset: 1, duration: 0, magnitude: 2 })).toMatch(
      /^scenario\.stress\.1\.duration:/,
    );
    expect(bad({ kind: 'volatility-spike', onset: 1, duration: 5, magnitude: -2 })).toMatch(
      /^scenario\.stress\.1\.magnitude:/,
    );
    expect(bad({ kind: 'volatility-spike', onset: -1, duration: 5, magnitude: 2 })).toMatch(
      /^scenario\.stress\.1\.onset:/,
    );
    expect(bad({ kind: 'volatility-spike', onset: 1, duration: 5, magnitude: 2, sigma: 3 })).toMatch(
      /^scenario\.stress\.1: .*sigma/,
    );
    expect(bad({ kind: 'meteor', onset: 1 })).toMatch(/^scenario\.stress\.1\.kind:/);
    expect(bad({ kind: 'flash-crash', onset: 1, magnitude: -1.5, halfLife: 2 })).toMatch(
      /^scenario\.stress\.1\.magnitude:/,
    );
    expect(bad({ kind: 'flash-crash', onset: 1, magnitude: -0.1 })).toMatch(
      /^scenario\.stress\.1\.halfLife:/,
    );
    expect(bad({ kind: 'spread-blowout', onset: 1, duration: 2, magnitude: 1.5 })).toMatch(
      /^scenario\.stress\.1\.magnitude:/,
    );
    expect(bad({ kind: 'informed-flow-surge', onset: 1, duration: 2, magnitude: -0.2 })).toMatch(
      /^scenario\.stress\.1\.magnitude: .*op: add/,
    );
    // Overflow: σ × the product of the volatility multipliers, and the crash displacement, must stay finite.
    expect(bad({ kind: 'volatility-spike', onset: 1, duration: 5, magnitude: 1e200 })).toMatch(
      /^scenario\.stress\.1\.magnitude: the price path overflows with σ × 1e\+200/,
    );
    expect(bad({ kind: 'flash-crash', onset: 1, magnitude: 1e307, halfLife: 2 })).toMatch(
      /^scenario\.stress\.1\.magnitude: flash-crash displacement .* overflows/,
    );
    expect(bad({ kind: 'volatility-spike', onset: 300, duration: 5, magnitude: 2 })).toMatch(
      /^scenario\.stress\.1\.onset: .*never act/,
    );
  });

  it('refuses kinds a mode cannot apply, saying why and what it accepts', () => {
    const replay = { mode: 'replay', dataset: 'x', to: 100 };
    const msg = firstIssue(
      configWith({ ...replay, stress: [{ kind: 'volatility-spike', onset: 1, duration: 2, magnitude: 2 }] }),
    );
    expect(msg).toMatch(
      /^scenario\.stress\.0\.kind: volatility-spike cannot be applied in replay mode: recorded data/,
    );
    expect(msg).toMatch(/accepts latency-shock, fee-change$/);
    const intensity = {
      mode: 'intensity',
      horizon: 1,
      dt: 0.005,
      s0: 100,
      price: { sigma: 2 },
      intensity: { A: 140, k: 1.5 },
    };
    expect(
      firstIssue(
        configWith({
          ...intensity,
          stress: [{ kind: 'informed-flow-surge', onset: 0.1, duration: 0.2, magnitude: 1 }],
        }),
      ),
    ).toMatch(/^scenario\.stress\.0\.kind: informed-flow-surge cannot be applied in intensity mode/);
    expect(
      firstIssue(
        configWith({
          ...intensity,
          stress: [{ kind: 'spread-blowout', onset: 0.1, duration: 0.2, magnitude: 2 }],
        }),
      ),
    ).toMatch(/^scenario\.stress\.0\.kind: spread-blowout in intensity mode needs scenario\.tickSize/);
    expect(
      firstIssue(
        configWith({ ...replay, stress: [{ kind: 'fee-change', onset: 1, magnitude: 2, side: 'maker' }] }),
      ),
    ).toBe('ok');
  });
});

describe('stress: applyStress', () => {
  it('appends to the scenario own list, leaves the base alone, and gives a valid backtest config', () => {
    const base = { ...bookCfg, stress: [{ kind: 'fee-change' as const, onset: 0, magnitude: 1 }] };
    const stressed = applyStress(base, [{ kind: 'volatility-spike', onset: 60, duration: 30, magnitude: 3 }]);
    expect(base.stress).toHaveLength(1);
    expect(stressed.stress?.map((s) => s.kind)).toEqual(['fee-change', 'volatility-spike']);
    expect(firstIssue(configWith(stressed))).toBe('ok');
  });

  it('names the entry and key of a bad stress', () => {
    expect(() =>
      applyStress(bookCfg, [{ kind: 'volatility-spike', onset: 1, duration: 2, magnitude: 0 }]),
    ).toThrow(/^stress\[0\]\.magnitude: /);
    expect(() =>
      applyStress({ mode: 'replay', dataset: 'x' }, [
        { kind: 'flash-crash', onset: 1, magnitude: -0.1, halfLife: 1 },
      ]),
    ).toThrow(/^stress\[0\]\.kind: flash-crash cannot be applied in replay mode/);
  });

  it('stresses a calibrated scenario: its YAML plus a stress list is a valid backtest config that runs', () => {
    // The shape `quotebench calibrate` writes (core/calibration/calibrate.ts): empirical placement and
    // cancel laws, mid anchor, GARCH volatility, volatility clock.
    const yaml = [
      'seed: 3',
      'paths: 1',
      'scenario:',
      '  mode: book',
      '  name: calibrated-test',
      '  horizon: 60',
      '  warmup: 30',
      '  tickSize: 0.01',
      '  lotSize: 1',
      '  s0: 100',
      '  price: { model: abm, sigma: 0.01, garch: { alpha: 0.05, beta: 0.9, interval: 10 } }',
      '  priceDt: 0.1',
      '  flow:',
      '    limitRate: 15',
      '    depthMeanTicks: 2.5',
      '    placementWeights: [5, 3, 2, 1]',
      '    cancelRates: [0.5, 0.3, 0.2]',
      '    anchor: mid',
      '    clock: volatility',
      '    marketRate: 2',
      '  fees: { makerBps: 0, takerBps: 0 }',
      '  inventoryLimitLots: 20',
      'strategies:',
      '  - { type: fixed-spread, halfSpread: 0.005, skewPerLot: 0 }',
    ].join('\n');
    const cfg = parseConfigText(yaml, 'calibrated.yaml', backtestConfigSchema);
    const stressed = {
      ...cfg,
      scenario: applyStress(cfg.scenario, [
        { kind: 'liquidity-drought', onset: 10, duration: 20, magnitude: 0.3 },
        { kind: 'spread-blowout', onset: 40, duration: 10, magnitude: 4 },
      ]),
    };
    const reparsed = backtestConfigSchema.parse(stressed);
    if (reparsed.scenario.mode !== 'book') throw new Error('book');
    expect(reparsed.scenario.stress?.map((s) => s.kind)).toEqual(['liquidity-drought', 'spread-blowout']);
    const sc = toBookScenario(reparsed.scenario);
    const a = digestPath(runPath(new BookSimulator(sc), joinTouch(), 3, 0));
    const b = digestPath(runPath(new BookSimulator({ ...sc, stress: undefined }), joinTouch(), 3, 0));
    expect(a).not.toBe(b);
  });

  it('the shipped example config parses and runs: every book-mode kind in one session', () => {
    const text = readFileSync(
      new URL('../../resources/configs/stress-example.yaml', import.meta.url),
      'utf8',
    );
    const cfg = parseConfigText(text, 'stress-example.yaml', backtestConfigSchema);
    if (cfg.scenario.mode !== 'book') throw new Error('book');
    const kinds = new Set(cfg.scenario.stress?.map((s) => s.kind));
    for (const k of STRESS_KINDS_BY_MODE.book) if (k !== 'regime-shift') expect(kinds.has(k), k).toBe(true);
    const sc = toBookScenario(cfg.scenario);
    const stressed = runPath(new BookSimulator(sc), joinTouch(), cfg.seed, 0);
    const base = runPath(new BookSimulator({ ...sc, stress: undefined }), joinTouch(), cfg.seed, 0);
    expect(Number.isFinite(stressed.series.pnl[stressed.series.bars])).toBe(true);
    // Same path until the first onset (30 s) less the informed look-ahead (2 s), different after.
    expect(Array.from(stressed.series.mid.subarray(0, 28))).toEqual(
      Array.from(base.series.mid.subarray(0, 28)),
    );
    expect(digestPath(stressed)).not.toBe(digestPath(base));
  });

  it('the stress list schema caps the list length', () => {
    const many = Array.from({ length: 65 }, () => ({ kind: 'fee-change', onset: 0, magnitude: 1 }));
    expect(stressListSchema.safeParse(many).success).toBe(false);
  });
});
