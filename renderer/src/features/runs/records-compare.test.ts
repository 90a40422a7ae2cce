import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../../core/api/contract';
import { bestIndex, chartKeys, paramRows } from './records-compare';

function rec(id: string, params: Record<string, string>, history: RunRecord['history'] = {}): RunRecord {
  return {
    run: {
      id,
      kind: 'backtest',
      name: id,
      status: 'completed',
      seed: 1,
      codeVersion: 'v',
      datasetHash: null,
      tags: [],
      createdAt: '2026-01-01T00:00:00.000Z',
      finishedAt: null,
      results: 1,
      strategies: [],
      sortValue: null,
    },
    params,
    metrics: {},
    history,
    files: [],
  };
}

describe('records compare helpers', () => {
  it('marks a parameter as differing only when two runs that have it disagree', () => {
    const rows = paramRows([
      rec('a', { x: '1', y: '2', z: '3' }),
      rec('b', { x: '1', y: '5' }),
      rec('c', {}),
    ]);
    expect(rows).toEqual([
      { key: 'x', values: ['1', '1', undefined], differs: false },
      { key: 'y', values: ['2', '5', undefined], differs: true },
      { key: 'z', values: ['3', undefined, undefined], differs: false },
    ]);
  });

  it('finds the best run of a ranked metric by its direction (by the last dotted part), none when tied or unranked', () => {
    expect(bestIndex('pnlMean', [1, 3, 2])).toBe(1); // higher is better
    expect(bestIndex('glft.pnlStd', [1, 3, 0.5])).toBe(2); // lower is better
    expect(bestIndex('pnlMean', [3, 3])).toBeNull();
    expect(bestIndex('pnlMean', [3, undefined])).toBeNull(); // one value: nothing to compare
    expect(bestIndex('no.such.metric', [1, 2])).toBeNull();
  });

  it('charts PnL first, then the metrics most runs have', () => {
    const h = { step: [0, 1], value: [1, 2] };
    const keys = chartKeys([
      rec('a', {}, { a: h, b: h, pnl: h }),
      rec('b', {}, { b: h }),
      rec('c', {}, { b: h, a: h }),
    ]);
    expect(keys).toEqual(['pnl', 'b', 'a']);
  });
});
