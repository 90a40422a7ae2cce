import { describe, expect, it } from 'vitest';
import { bookScenarioSchema } from '../sim/scenario';
import { lineFit, runPilot } from './pilot';
import { simulateTape, tapeStats } from './validate';

/**
 * The pilot recovers the flow that produced a market: "real" data simulated at a known μ and informed
 * share π, the pilot started from the wrong μ, checked against the truth.
 */
const truth = bookScenarioSchema.parse({
  mode: 'book',
  horizon: 900,
  warmup: 60,
  tickSize: 0.01,
  s0: 100,
  price: { model: 'abm', sigma: 0.02 },
  flow: {
    limitRate: 6,
    depthMeanTicks: 3,
    cancelRate: 0.2,
    marketRate: 0.6,
    marketSizeMu: 1,
    toxicShare: 0.5,
    informedHorizon: 5,
  },
});

describe('lineFit', () => {
  it('matches a hand computation', () => {
    // x = 0, 1, 2, 3; y = 1, 3, 2, 5: x̄ = 1.5, ȳ = 2.75, Sxx = 5, Sxy = 2.625 − 0.125 − 0.375 + 3.375
    // = 5.5 → b = 1.1, a = 1.1; residuals −0.1, 0.8, −1.3, 0.6: RSS = 2.7, SE_b = √(2.7/2/5)
    const f = lineFit([0, 1, 2, 3], [1, 3, 2, 5])!;
    expect(f.slope).toBeCloseTo(1.1, 12);
    expect(f.intercept).toBeCloseTo(1.1, 12);
    expect(f.slopeSe).toBeCloseTo(Math.sqrt(0.27), 12);
    expect(lineFit([1, 2], [1, 2])).toBeNull();
    expect(lineFit([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});

describe('runPilot', () => {
  it('recovers μ net of the crossings and the informed share of a simulated market', () => {
    const real = tapeStats([0, 1, 2, 3].map((p) => simulateTape(truth, 101, p)));
    const start = bookScenarioSchema.parse({
      ...truth,
      flow: { ...truth.flow, marketRate: 1.2, toxicShare: 0 },
    });
    const { config, report } = runPilot(start, real, {
      paths: 3,
      seed: 5,
      toxicGrid: [0, 0.25, 0.5, 0.75, 1],
      informedHorizon: 5,
      markoutHorizon: 5,
    });
    // started 100% too high, it lands near the truth (0.6) …
    expect(report.market.steps[0]!.mu).toBe(1.2);
    expect(Math.abs(report.market.chosenMu - 0.6)).toBeLessThan(0.15);
    expect(config.flow.marketRate).toBe(report.market.chosenMu);
    // … and the simulated count meets the real one within the 5% stop (or is the closest tried)
    const errs = report.market.steps.map((s) => Math.abs(s.simulated - real.marketOrdersPerSecond.value));
    expect(Math.abs(report.market.simulated - real.marketOrdersPerSecond.value)).toBe(Math.min(...errs));
    // π: the grid neighbourhood of the truth (0.5), and more informed flow means a deeper mark-out
    expect(Math.abs(report.informed.chosen - 0.5)).toBeLessThan(0.2);
    expect(report.informed.fit!.slope).toBeLessThan(0);
    expect(config.flow.toxicShare).toBe(report.informed.chosen);
    const g = report.informed.grid;
    expect(g[4]!.markout).toBeLessThan(g[0]!.markout);
    expect(report.market.crossingsExceedTarget).toBe(false);
  });

  it('says when the crossings alone exceed the target', () => {
    const real = tapeStats([simulateTape(truth, 3, 0)]);
    const fake = { ...real, marketOrdersPerSecond: { value: 0.01, se: 0.001 } };
    const { report } = runPilot(truth, fake, { paths: 1, seconds: 300, toxicGrid: [0, 0.5, 1] });
    expect(report.market.crossingsExceedTarget).toBe(true);
    expect(report.market.chosenMu).toBe(0);
  });

  it('refuses a mark-out horizon that validation does not measure', () => {
    const real = tapeStats([simulateTape(truth, 3, 0)]);
    expect(() => runPilot(truth, real, { paths: 1, seconds: 60, markoutHorizon: 7 })).toThrow(
      /markoutHorizon must be one of 1, 5, 30/,
    );
  });

  it('is deterministic and honours stop', () => {
    const real = tapeStats([simulateTape(truth, 3, 0)]);
    const a = runPilot(truth, real, { paths: 1, seconds: 200, toxicGrid: [0, 0.5] });
    const b = runPilot(truth, real, { paths: 1, seconds: 200, toxicGrid: [0, 0.5] });
    expect(b.report).toEqual(a.report);
    expect(() =>
      runPilot(truth, real, {
        paths: 1,
        seconds: 200,
        stop: () => {
          throw new Error('stopped');
        },
      }),
    ).toThrow('stopped');
  });
});
