import { describe, expect, it } from 'vitest';
import type { RunListRow, RunRow } from '../../../core/api/contract';
import { FakeApi, settle } from '../testing/fake-api';
import { RootStore } from './root-store';

function row(id: string, createdAt: string, status: RunRow['status'] = 'completed'): RunListRow {
  return {
    summary: { strategies: [], metrics: [] },
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

function setup(rows: RunListRow[]): { api: FakeApi; root: RootStore } {
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

describe('RunsStore sort and filter', () => {
  /** A run whose two results have `pnlMean` and `pnlMean − 5` (the list's summary). */
  function withResults(r: RunListRow, strategy: string, pnlMean: number): RunListRow {
    return {
      ...r,
      results: 2,
      summary: {
        strategies: [strategy, strategy],
        metrics: [
          { sessionSharpe: 1, pnlMean },
          { sessionSharpe: 1, pnlMean: pnlMean - 5 },
        ],
      },
    };
  }

  it('sorts by name, status and a metric (best result, best first), and filters on name and strategy, from the list alone', async () => {
    const a = withResults({ ...row('a', '2025-01-01'), name: 'zeta' }, 'glft', 3);
    const b = withResults({ ...row('b', '2025-02-01', 'failed'), name: 'alpha' }, 'fixed-spread', 7);
    const c = withResults({ ...row('c', '2025-03-01'), name: 'Mid' }, 'glft', 5);
    const api = new FakeApi()
      .on('scenarios.presets', () => [])
      .on('jobs.list', () => [])
      .on('runs.list', () => [a, b, c]);
    const root = new RootStore(api, { scheduleFrame: () => undefined });
    root.start();
    await settle();
    const runs = root.runs;
    const ids = (): string[] => runs.visibleRuns.map((r) => r.id);
    expect(ids()).toEqual(['c', 'b', 'a']);
    runs.setSort('createdAt');
    expect(ids()).toEqual(['a', 'b', 'c']);
    runs.setSort('name');
    expect(ids()).toEqual(['b', 'c', 'a']); // alpha, Mid, zeta
    runs.setSort('name');
    expect(ids()).toEqual(['a', 'c', 'b']);
    runs.setSort('status');
    expect(ids()[0]).not.toBe('b'); // completed < failed
    runs.setSort('pnlMean');
    expect(ids()).toEqual(['b', 'c', 'a']); // best results 7, 5, 3
    runs.setSort('pnlMean');
    expect(ids()).toEqual(['a', 'c', 'b']);
    runs.setFilter('GLFT');
    expect(ids()).toEqual(['a', 'c']);
    runs.setFilter('alp');
    expect(ids()).toEqual(['b']);
    await settle();
    // Sorting and filtering asked for no run detail.
    expect(api.callsOf('runs.get')).toEqual([]);
  });
});

describe('RunsStore report', () => {
  it('saves the tear sheet the back end writes, once per click, and reports a failure', async () => {
    const { api, root } = setup([row('a', '2025-01-01'), row('b', '2025-02-01')]);
    api.on('runs.report', ({ runIds }) => {
      if (runIds.includes('gone')) throw new Error('no run gone');
      return { fileName: `report-${runIds.join('-')}.html`, html: `<html>${runIds.join(',')}</html>` };
    });
    await settle();
    const saved: [string, string, string][] = [];
    root.runs.saveFile = (text, name, mime) => saved.push([text, name, mime]);
    const p = root.runs.report(['a', 'b']);
    expect(root.runs.isReporting(['a', 'b'])).toBe(true);
    void root.runs.report(['a', 'b']); // a second click while writing asks nothing more
    await p;
    await settle();
    expect(api.callsOf('runs.report')).toEqual([{ runIds: ['a', 'b'] }]);
    expect(saved).toEqual([['<html>a,b</html>', 'report-a-b.html', 'text/html']]);
    expect(root.runs.isReporting(['a', 'b'])).toBe(false);
    await root.runs.report(['gone']);
    expect(saved).toHaveLength(1);
    expect([...root.ui.banners.values()].some((b) => b.title === 'Writing the report failed')).toBe(true);
  });

  it('saves the PDF the back end printed, decoded from base64', async () => {
    const { api, root } = setup([row('a', '2025-01-01')]);
    api.on('runs.reportPdf', ({ runIds }) => ({
      fileName: `report-${runIds.join('-')}.pdf`,
      pdfBase64: btoa('%PDF-1.7 x\u00ff'),
    }));
    await settle();
    const saved: [number[], string, string][] = [];
    root.runs.saveBytes = (bytes, name, mime) => saved.push([Array.from(bytes), name, mime]);
    await root.runs.report(['a'], 'pdf');
    expect(api.callsOf('runs.reportPdf')).toEqual([{ runIds: ['a'] }]);
    expect(saved).toEqual([
      [Array.from('%PDF-1.7 x\u00ff', (c) => c.charCodeAt(0)), 'report-a.pdf', 'application/pdf'],
    ]);
  });
});
