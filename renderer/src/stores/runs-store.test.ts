import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../../core/api/contract';
import { FakeApi, settle } from '../testing/fake-api';
import { RootStore } from './root-store';

function row(id: string, createdAt: string, status: RunRow['status'] = 'completed'): RunRow {
  return {
    id,
    kind: 'backtest',
    name: id,
    status,
    seed: 1,
    paths: 1,
    codeVersion: 'x',
    createdAt,
    finishedAt: null,
    error: null,
    results: 1,
  };
}

function setup(rows: RunRow[]): { api: FakeApi; root: RootStore } {
  const api = new FakeApi()
    .on('scenarios.presets', () => [])
    .on('jobs.list', () => [])
    .on('runs.list', () => rows)
    .on('runs.delete', () => ({ deleted: true }));
  const root = new RootStore(api, { scheduleFrame: () => undefined });
  root.start();
  return { api, root };
}

describe('RunsStore', () => {
  it('lists newest first and keeps at most two runs picked for comparison', async () => {
    const { root } = setup([
      row('a', '2025-01-01'),
      row('c', '2025-03-01'),
      row('b', '2025-02-01', 'incomplete'),
    ]);
    await settle();
    const runs = root.runs;
    expect(runs.sortedRuns.map((r) => r.id)).toEqual(['c', 'b', 'a']);
    runs.toggleCompare('a');
    runs.toggleCompare('b');
    runs.toggleCompare('c');
    expect(runs.compareIds).toEqual(['b', 'c']);
    expect(runs.canCompare).toBe(true);
    runs.toggleCompare('b');
    expect(runs.canCompare).toBe(false);
  });

  it('deletes after confirmation and forgets the run everywhere', async () => {
    const { api, root } = setup([row('a', '2025-01-01'), row('b', '2025-02-01')]);
    await settle();
    const runs = root.runs;
    runs.open('a');
    runs.toggleCompare('a');
    runs.askDelete('a');
    expect(runs.confirmDeleteId).toBe('a');
    await runs.deleteRun('a');
    expect(api.callsOf('runs.delete')).toEqual([{ runId: 'a' }]);
    expect(runs.runs.has('a')).toBe(false);
    expect(runs.openRunId).toBeNull();
    expect(runs.compareIds).toEqual([]);
    expect(runs.confirmDeleteId).toBeNull();
  });
});
