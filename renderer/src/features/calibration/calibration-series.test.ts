import { describe, expect, it } from 'vitest';
import type { CalibrationResult } from '../../../../core/api/contract';
import { flowLines, highRegimeMask, intensityLines } from './calibration-series';

const est = (name: string, estimate: number): NonNullable<CalibrationResult['intensity']>['A'] => ({
  name,
  estimate,
  stdError: null,
  ciLow: null,
  ciHigh: null,
  unit: '',
});

describe('calibration chart series', () => {
  it('shades where the volatile regime is more likely than not (0.5 itself is not)', () => {
    expect(highRegimeMask([0.1, 0.5, 0.51, null, 0.99])).toEqual([false, false, true, false, true]);
  });

  it('puts the fitted curve and the empirical rates on one regular grid', () => {
    // Three bins 0.1 apart; A = 2, k = 10: λ(0.1) = 2·e^(−1) = 0.7358, λ(0.15) = 2·e^(−1.5) = 0.4463.
    const intensity: NonNullable<CalibrationResult['intensity']> = {
      A: est('A', 2),
      k: est('k', 10),
      deviance: 0,
      degreesOfFreedom: 1,
      trades: 10,
      tradesUsed: 10,
      seconds: 100,
      medianHalfSpread: 0.05,
      bins: [
        { delta: 0.1, count: 5, exposure: 10, empiricalRate: 0.5, fittedRate: 0.7358 },
        { delta: 0.2, count: 0, exposure: 10, empiricalRate: 0, fittedRate: 0.2707 },
        { delta: 0.3, count: 1, exposure: 10, empiricalRate: 0.1, fittedRate: 0.0996 },
      ],
    };
    const { fitted, empirical } = intensityLines(intensity);
    // 2 gaps × 4 + the last bin = 9 points, 0.025 apart.
    expect(fitted.map((p) => p.time)).toEqual(empirical.map((p) => p.time));
    expect(fitted).toHaveLength(9);
    for (let i = 1; i < fitted.length; i++)
      expect(fitted[i]!.time - fitted[i - 1]!.time).toBeCloseTo(0.025, 12);
    expect('value' in fitted[0]! && fitted[0].value).toBeCloseTo(0.7358, 4);
    expect('value' in fitted[2]! && fitted[2].value).toBeCloseTo(0.4463, 4);
    // Empirical points at the bins only; the zero rate (no logarithm) is left out.
    expect(empirical.flatMap((p, i) => ('value' in p ? [[i, p.value]] : []))).toEqual([
      [0, 0.5],
      [8, 0.1],
    ]);
  });
});

describe('flowLines', () => {
  it('one point per tick, whitespace where a rate has no logarithm', () => {
    const { arrivals, cancels } = flowLines({
      level: 'L3',
      bins: [
        { ticks: 1, arrivalRate: 0.5, cancelRate: 0.1 },
        { ticks: 2, arrivalRate: 0, cancelRate: Number.NaN },
        { ticks: 3, arrivalRate: 0.25, cancelRate: 0.2 },
      ],
      marketRate: { measured: 1, used: 1 },
      informedShare: 0,
      volatilityModel: 'constant',
      activityProfile: null,
      pilot: null,
    });
    expect(arrivals).toEqual([{ time: 1, value: 0.5 }, { time: 2 }, { time: 3, value: 0.25 }]);
    expect(cancels).toEqual([{ time: 1, value: 0.1 }, { time: 2 }, { time: 3, value: 0.2 }]);
  });
});
