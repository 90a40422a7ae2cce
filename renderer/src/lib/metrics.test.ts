import { describe, expect, it } from 'vitest';
import type { RunResultRow } from '../../../core/api/contract';
import { DEFAULT_METRIC_KEYS, METRIC_COLUMNS, bestByColumn, metricValue } from './metrics';

/** A result stored before issue 10's conventions: per-bar annualised Sharpe, old spread names. */
const OLD = {
  paths: 10,
  pnlMean: 5,
  sharpe: 1290,
  sortino: 2000,
  calmar: 30_000,
  maxDrawdown: 2,
  realizedSpreadBps: 7, // was the edge at the fill
  realizedSpreadMarkoutBps: 4, // was the edge at the mark-out horizon
};

const NEW = {
  paths: 10,
  pnlMean: 5,
  sessionSharpe: 3.88,
  sharpe: 61.6,
  maxDrawdown: 2,
  maxDrawdownWorst: 6,
  effectiveSpreadBps: 7,
  realizedSpreadBps: 4,
  adverseSelectionBps: 3,
};

describe('metricValue: stored runs of either convention', () => {
  it('a new run reads its keys as they are', () => {
    expect(metricValue(NEW, 'sharpe')).toBe(61.6);
    expect(metricValue(NEW, 'realizedSpreadBps')).toBe(4);
    expect(metricValue(NEW, 'maxDrawdownWorst')).toBe(6);
  });

  it('an old run: per-bar ratios are hidden, spreads are read under their new names', () => {
    expect(metricValue(OLD, 'sharpe')).toBeUndefined();
    expect(metricValue(OLD, 'sortino')).toBeUndefined();
    expect(metricValue(OLD, 'calmar')).toBeUndefined();
    expect(metricValue(OLD, 'sessionSharpe')).toBeUndefined();
    expect(metricValue(OLD, 'maxDrawdownWorst')).toBeUndefined();
    expect(metricValue(OLD, 'effectiveSpreadBps')).toBe(7);
    expect(metricValue(OLD, 'realizedSpreadBps')).toBe(4);
    expect(metricValue(OLD, 'adverseSelectionBps')).toBe(3); // 7 − 4
    expect(metricValue(OLD, 'pnlMean')).toBe(5);
  });

  it('every column of an old run formats without throwing; missing ones show "—"', () => {
    for (const c of METRIC_COLUMNS) {
      const text = c.format(metricValue(OLD, c.key));
      expect(typeof text).toBe('string');
    }
    const sharpe = METRIC_COLUMNS.find((c) => c.key === 'sharpe')!;
    expect(sharpe.format(metricValue(OLD, 'sharpe'))).toBe('—');
  });

  it('best-by-column ignores an old run’s per-bar Sharpe', () => {
    const row = (index: number, metrics: Record<string, number>): RunResultRow => ({
      index,
      strategy: 'fixed-spread',
      params: {},
      scenario: 's',
      paths: 10,
      metrics,
    });
    const best = bestByColumn([row(0, OLD), row(1, NEW)]);
    expect(best.get('sharpe')).toBe(1); // the old 1290 is not comparable and is skipped
    expect(best.get('maxDrawdownWorst')).toBe(1);
  });
});

describe('metric columns', () => {
  it('cover every RunMetrics key once, with a unit-bearing heading and a definition', () => {
    const keys = METRIC_COLUMNS.map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of [
      'sessionSharpe',
      'sharpe',
      'perBarSharpe',
      'maxDrawdownWorst',
      'effectiveSpreadBps',
      'realizedSpreadBps',
      'adverseSelectionBps',
      'turnover',
      'winRate',
      'fillsPerPath',
    ])
      expect(keys).toContain(k);
    expect(keys.length).toBeGreaterThanOrEqual(25);
    for (const c of METRIC_COLUMNS) expect(c.title.length).toBeGreaterThan(10);
    expect(DEFAULT_METRIC_KEYS.length).toBeLessThanOrEqual(12);
  });
});
