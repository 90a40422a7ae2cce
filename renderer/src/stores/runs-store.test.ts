import { describe, expect, it } from 'vitest';
import type {
  RunRecord,
  RunSearchInput,
  RunSearchRow,
  RunStatus,
  SearchKind,
} from '../../../core/api/contract';
import { FakeApi, settle } from '../testing/fake-api';
import { RootStore } from './root-store';
import { MAX_COMPARE, dayBound } from './runs-store';

function row(
  id: string,
  createdAt: string,
  status: RunStatus = 'completed',
  kind: SearchKind = 'backtest',
): RunSearchRow {
  return {
    id,
    kind,
    name: id,
    status,
    seed: 1,
    codeVersion: 'x',
    datasetHash: null,
    tags: [],
    createdAt,
    finishedAt: null,
    results: 1,
    strategies: [],
    sortValue: null,
  };
}

function setup(rows: RunSearchRow[]): { api: FakeApi; root: RootStore; searches: RunSearchInput[] } {
  const searches: RunSearchInput[] = [];
  const api = new FakeApi()
    .on('scenarios.presets', () => [])
    .on('jobs.list', () => [])
    .on('runs.search', (input) => {
      searches.push(input as RunSearchInput);
      return { total: rows.length, rows };
    })
    .on('runs.delete', () => ({ deleted: true }));
  const root = new RootStore(api, { scheduleFrame: () => undefined });
  root.runs.debounceMs = 0;
  root.start();
  return { api, root, searches };
}

describe('RunsStore', () => {
  it('lists what runs.search answers, in its order, and keeps at most eight runs picked for comparison', async () => {
    const { root } = setup([
      row('c', '2025-03-01'),
      row('b', '2025-02-01', 'incomplete'),
      row('a', '2025-01-01'),
    ]);
    const runs = root.runs;
    await runs.loadList();
    expect(runs.visibleRuns.map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(runs.total).toBe(3);
    runs.toggleCompare('a');
    expect(runs.canCompare).toBe(false);
    runs.toggleCompare('b');
    expect(runs.canCompare).toBe(true);
    for (let i = 0; i < MAX_COMPARE; i++) runs.toggleCompare(`x${i}`);
    expect(runs.compareIds).toHaveLength(MAX_COMPARE);
    expect(runs.compareIds[0]).toBe('x0'); // the oldest picks made room
    expect(runs.canCompare).toBe(true);
  });

  it('deletes after confirmation and forgets the run everywhere', async () => {
    const { api, root } = setup([row('a', '2025-01-01'), row('b', '2025-02-01')]);
    const runs = root.runs;
    await runs.loadList();
    runs.open('a');
    runs.toggleCompare('a');
    runs.askDelete('a');
    expect(runs.confirmDeleteId).toBe('a');
    await runs.deleteRun('a');
    expect(api.callsOf('runs.delete')).toEqual([{ runId: 'a' }]);
    expect(runs.visibleRuns.map((r) => r.id)).toEqual(['b']);
    expect(runs.openRunId).toBeNull();
    expect(runs.compareIds).toEqual([]);
    expect(runs.confirmDeleteId).toBeNull();
  });
});

describe('RunsStore search', () => {
  it('sends the filters, sort and page to runs.search (metrics best first by their direction)', async () => {
    const { root, searches } = setup([row('a', '2025-01-01')]);
    const runs = root.runs;
    await runs.loadList();
    await settle();
    const last = (): RunSearchInput => searches[searches.length - 1]!;
    expect(last()).toMatchObject({ sortBy: 'createdAt', sortDir: 'desc', offset: 0, limit: 100 });
    runs.setSort('name');
    await settle();
    expect(last()).toMatchObject({ sortBy: 'name', sortDir: 'asc' });
    runs.setSort('name');
    await settle();
    expect(last()).toMatchObject({ sortBy: 'name', sortDir: 'desc' });
    runs.setSort('pnlMean'); // higher is better: highest first, a run's max
    await settle();
    expect(last()).toMatchObject({ sortBy: 'pnlMean', sortDir: 'desc', best: 'max' });
    runs.setSort('pnlMean');
    await settle();
    expect(last()).toMatchObject({ sortBy: 'pnlMean', sortDir: 'asc', best: 'min' });
    runs.setSort('pnlStd'); // lower is better: lowest first, a run's min
    await settle();
    expect(last()).toMatchObject({ sortBy: 'pnlStd', sortDir: 'asc', best: 'min' });
    runs.toggleKind('eval');
    runs.toggleKind('train');
    runs.setStatus('failed');
    runs.setFilter('  strategy:glft ');
    runs.setCodeVersion('v1');
    runs.setDatasetHash('abcd');
    runs.setDays('2025-01-01', '2025-01-31');
    await settle();
    expect(last()).toMatchObject({
      kinds: ['eval', 'train'],
      statuses: ['failed'],
      text: 'strategy:glft',
      codeVersion: 'v1',
      datasetHash: 'abcd',
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-02-01T00:00:00.000Z',
      offset: 0,
    });
    runs.setPage(100);
    await settle();
    expect(last().offset).toBe(100);
    runs.toggleKind('eval'); // a filter change goes back to the first page
    await settle();
    expect(last()).toMatchObject({ kinds: ['train'], offset: 0 });
    runs.clearFilters();
    await settle();
    expect(last().kinds).toBeUndefined();
    expect(last().text).toBeUndefined();
    expect(runs.filtered).toBe(false);
  });

  it('keeps the newest search when an older answer arrives last', async () => {
    let release: (() => void) | undefined;
    const api = new FakeApi()
      .on('scenarios.presets', () => [])
      .on('jobs.list', () => [])
      .on('runs.search', (input) =>
        (input as RunSearchInput).text === 'slow'
          ? new Promise((resolve) => {
              release = () => resolve({ total: 1, rows: [row('slow', '2025-01-01')] });
            })
          : { total: 1, rows: [row('fast', '2025-01-02')] },
      );
    const root = new RootStore(api, { scheduleFrame: () => undefined });
    root.runs.debounceMs = 0;
    root.runs.setFilter('slow');
    root.runs.setFilter('fast');
    await settle();
    release?.();
    await settle();
    expect(root.runs.visibleRuns.map((r) => r.id)).toEqual(['fast']);
  });

  it('waits for typing to pause before searching the text', async () => {
    const { root, searches } = setup([]);
    await settle();
    searches.length = 0; // (the list the store loaded on start)
    root.runs.debounceMs = 30;
    // The three calls run back to back (no await between them), so no timer can fire in between.
    root.runs.setFilter('a');
    root.runs.setFilter('ab');
    root.runs.setFilter('abc');
    await expect.poll(() => searches.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await settle();
    expect(searches.map((s) => s.text)).toEqual(['abc']);
  });

  it('dayBound reads a UTC day and refuses anything else', () => {
    expect(dayBound('2025-03-01')).toBe('2025-03-01T00:00:00.000Z');
    expect(dayBound('2025-03-01', true)).toBe('2025-03-02T00:00:00.000Z');
    expect(dayBound('03/01/2025')).toBeUndefined();
    expect(dayBound('')).toBeUndefined();
  });
});

describe('RunsStore compare', () => {
  it('loads the records of the picked runs in one call, and the A/B details only for two runs with results', async () => {
    const rows = [
      row('e', '2025-01-03', 'completed', 'eval'),
      row('t', '2025-01-02', 'completed', 'train'),
      row('b', '2025-01-01'),
    ];
    const { api, root } = setup(rows);
    api.on('runs.records', ({ runIds }) =>
      runIds.map((id): RunRecord => ({
        run: rows.find((r) => r.id === id)!,
        params: { seed: '1' },
        metrics: {},
        history: {},
        files: [],
      })),
    );
    api.on('runs.get', () => {
      throw new Error('no detail wanted');
    });
    const runs = root.runs;
    await runs.loadList();
    runs.toggleCompare('e');
    runs.toggleCompare('t');
    runs.toggleCompare('b');
    expect(runs.comparePair).toBe(false);
    expect(runs.canReport).toBe(false); // a training run has no tear sheet
    runs.startCompare();
    await settle();
    expect(api.callsOf('runs.records')).toEqual([{ runIds: ['e', 't', 'b'] }]);
    expect(api.callsOf('runs.get')).toEqual([]);
    expect([...runs.records.keys()].sort()).toEqual(['b', 'e', 't']);
    runs.toggleCompare('t');
    expect(runs.comparePair).toBe(true);
    expect(runs.canReport).toBe(true);
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
