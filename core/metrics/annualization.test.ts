import { describe, expect, it } from 'vitest';
import { backtestConfigSchema, annualizationOf } from '../backtest/config';
import { annualization } from './annualization';

describe('annualization: sessions per year on a stated basis', () => {
  it('equities default: 252 days × 6.5 h; a 900 s session → 26 a day', () => {
    // 6.5 h = 23 400 s; 23 400 / 900 = 26 sessions a day; × 252 = 6552
    const a = annualization({ sessionSeconds: 900 });
    expect(a.sessionsPerYear).toBe(6552);
    expect(a.basis).toBe('252 trading days × 6.5 h / 900 s session');
  });

  it('crypto: 365 days × 24 h; a 1 h session → 24 a day', () => {
    const a = annualization({ sessionSeconds: 3600, calendar: 'crypto' });
    expect(a.sessionsPerYear).toBe(8760); // 365 · 24
    expect(a.basis).toBe('365 trading days × 24 h / 1 h session');
  });

  it('a session longer than the trading day takes whole days (at least one)', () => {
    // AS 2008: T = 1 with timeUnitSeconds 86 400 → one session per trading day
    const day = annualization({ sessionSeconds: 86_400 });
    expect(day.sessionsPerYear).toBe(252);
    expect(day.basis).toContain('252 trading days / 1 trading day per 24 h session');
    // an 8 h session is longer than 6.5 h: still one per trading day
    expect(annualization({ sessionSeconds: 8 * 3600 }).sessionsPerYear).toBe(252);
    // two days → 126
    expect(annualization({ sessionSeconds: 2 * 86_400 }).sessionsPerYear).toBe(126);
  });

  it('overrides: days, hours, or sessionsPerYear outright', () => {
    // 250 days × 8 h = 28 800 s a day; / 1800 s = 16 a day → 4000
    const a = annualization({ sessionSeconds: 1800, tradingDaysPerYear: 250, tradingHoursPerDay: 8 });
    expect(a.sessionsPerYear).toBe(4000);
    expect(a.basis).toBe('250 trading days × 8 h / 1800 s session');
    const b = annualization({ sessionSeconds: 1800, sessionsPerYear: 1000 });
    expect(b).toEqual({ sessionsPerYear: 1000, basis: '1000 sessions per year (set in the config)' });
  });

  it('rejects non-positive inputs and days longer than 24 h', () => {
    expect(() => annualization({ sessionSeconds: 0 })).toThrow(/sessionSeconds/);
    expect(() => annualization({ sessionSeconds: Infinity })).toThrow(/sessionSeconds/);
    expect(() => annualization({ sessionSeconds: 1, tradingHoursPerDay: 25 })).toThrow(/≤ 24/);
    expect(() => annualization({ sessionSeconds: 1, sessionsPerYear: -1 })).toThrow(/sessionsPerYear/);
  });

  it('from a config: horizon × timeUnitSeconds, metrics section; periodsPerYear is rejected', () => {
    const base = {
      seed: 1,
      paths: 1,
      scenario: {
        mode: 'intensity',
        horizon: 1,
        dt: 0.005,
        timeUnitSeconds: 86_400,
        s0: 100,
        price: { model: 'abm', sigma: 2, increments: 'binomial' },
        intensity: { A: 140, k: 1.5 },
      },
      strategies: [{ type: 'fixed-spread', halfSpread: 1 }],
    };
    const cfg = backtestConfigSchema.parse(base);
    expect(annualizationOf(cfg).sessionsPerYear).toBe(252);
    const crypto = backtestConfigSchema.parse({ ...base, metrics: { calendar: 'crypto' } });
    expect(annualizationOf(crypto).sessionsPerYear).toBe(365); // 24 h session, 24 h days
    const old = backtestConfigSchema.safeParse({ ...base, metrics: { periodsPerYear: 252 } });
    expect(old.success).toBe(false);
    expect(JSON.stringify(old.error?.issues)).toContain('periodsPerYear was removed');
  });
});
