/**
 * The Stress view's store against a fake API: the list loads and opens the newest sweep, the grid is
 * strategy rows × scenario columns with the chosen metric's mean, a tooltip with the interval (or "no
 * interval" with one seed) and the seeds, colours ranked by the metric's direction, and the "change
 * against base" toggle (stress sweeps only) shows the paired deltas; the legend names the direction and
 * the ends of the scale; a sweep started from the editor follows its progress events (the list and the
 * grid re-read on each, never two reads at once) until it ends or is cancelled; a clicked cell asks for
 * its run and base run, and the report goes out for both.
 */
import { describe, expect, it } from 'vitest';
import type {
  SweepCellRuns,
  SweepDetail,
  SweepListRow,
  SweepStat,
  SweepViewMetric,
} from '../../../core/api/contract';
import { ApiCallError } from '../api/errors';
import { FakeApi, settle } from '../testing/fake-api';
import { RootStore } from './root-store';

const row = (id: string, kind: 'sweep' | 'stress'): SweepListRow => ({
  id,
  name: `${kind}-${id}`,
  kind,
  status: 'completed',
  createdAt: '2026-12-07T00:00:00Z',
  updatedAt: '2026-12-07T00:00:00Z',
  cells: 8,
  stored: 8,
  scenarios: 2,
  strategies: 2,
  seeds: 2,
  error: null,
});

const stat = (mean: number, half: number | null, n = 2): SweepStat => ({
  n,
  mean,
  low: half === null ? null : mean - half,
  high: half === null ? null : mean + half,
});

const METRICS: SweepViewMetric[] = [
  'sessionSharpe',
  'es99',
  'maxDrawdownWorst',
  'meanAbsInventory',
  'fillRate',
  'realizedSpreadBps',
];
const all = (s: SweepStat): Record<SweepViewMetric, SweepStat> =>
  Object.fromEntries(METRICS.map((m) => [m, s])) as Record<SweepViewMetric, SweepStat>;

function detail(r: SweepListRow): SweepDetail {
  const stressed = r.kind === 'stress';
  return {
    sweep: r,
    scenarios: [
      { name: 'base', stress: stressed ? 'base' : null },
      { name: 'spike', stress: stressed ? 'spike' : null },
    ],
    strategies: [
      { index: 0, type: 'avellaneda-stoikov', label: 'avellaneda-stoikov (gamma 0.1)' },
      { index: 1, type: 'fixed-spread', label: 'fixed-spread (halfSpread 0.7)' },
    ],
    seeds: [1, 2],
    metrics: METRICS,
    cells: [
      { scenario: 'base', strategyIndex: 0, seeds: 2, stats: { ...all(stat(1, 0.5)), es99: stat(2, 0.1) } },
      {
        scenario: 'spike',
        strategyIndex: 0,
        seeds: 2,
        stats: { ...all(stat(0.5, 0.25)), es99: stat(4, 0.1) },
        ...(stressed ? { delta: { ...all(stat(-0.5, 0.2)), es99: stat(2, 0.3) } } : {}),
      },
      { scenario: 'base', strategyIndex: 1, seeds: 1, stats: all(stat(2, null, 1)) },
      // strategy 1 × spike: no stored result
    ],
    source: 'expansion',
  };
}

function setup(rows: SweepListRow[]): { root: RootStore; api: FakeApi } {
  const api = new FakeApi();
  api.on('sweeps.list', () => rows);
  api.on('sweeps.get', ({ id }) => {
    const r = rows.find((x) => x.id === id);
    if (!r) throw new ApiCallError('not_found', `no sweep ${id}`, 'id', 'sweeps.get');
    return detail(r);
  });
  return { root: new RootStore(api), api };
}

describe('StressStore', () => {
  it('loads the list, opens the newest sweep and lays out strategy rows × scenario columns', async () => {
    const { root } = setup([row('a', 'sweep'), row('b', 'stress')]);
    await root.stress.loadList();
    await settle();
    expect(root.stress.sweeps.map((s) => s.id)).toEqual(['a', 'b']);
    expect(root.stress.selectedId).toBe('a');
    expect(root.stress.detailStatus).toBe('ready');
    const grid = root.stress.grid;
    expect(grid.map((r) => r.label)).toEqual([
      'avellaneda-stoikov (gamma 0.1)',
      'fixed-spread (halfSpread 0.7)',
    ]);
    expect(grid.map((r) => r.cells.map((c) => c.scenario))).toEqual([
      ['base', 'spike'],
      ['base', 'spike'],
    ]);
    // Session Sharpe: means 1, 0.5, 2 and a missing cell.
    expect(grid.map((r) => r.cells.map((c) => c.stat?.mean ?? null))).toEqual([
      [1, 0.5],
      [2, null],
    ]);
    const [as, fs] = grid as [(typeof grid)[0], (typeof grid)[0]];
    expect(as.cells[0]?.title).toContain('mean 1.00 · 95% CI [0.50, 1.50] · 2 seeds');
    expect(fs.cells[0]?.title).toContain('no interval (1 seed)');
    expect(fs.cells[1]?.title).toContain('no stored result');
    expect(fs.cells[1]?.t).toBeNull();
    // Higher Sharpe is better: the best (2) is t = 1, the worst (0.5) t = 0.
    expect(fs.cells[0]?.t).toBe(1);
    expect(as.cells[1]?.t).toBe(0);
    // The toggle does nothing on a plain sweep.
    root.stress.setChangeVsBase(true);
    expect(root.stress.changeVsBase).toBe(false);
  });

  it('ranks a lower-is-better metric the other way and shows the change against base of a stress sweep', async () => {
    const { root } = setup([row('b', 'stress')]);
    await root.stress.loadList();
    await settle();
    root.stress.setMetric('es99');
    let as = root.stress.grid[0]!;
    // ES 99: 2 (base) vs 4 (spike); lower is better, so base is t = 1.
    expect(as.cells.map((c) => c.t)).toEqual([1, 0]);
    root.stress.setChangeVsBase(true);
    expect(root.stress.changeVsBase).toBe(true);
    as = root.stress.grid[0]!;
    // The base column has no change; the spike's ES rose by 2 (worse): t = ½ − ½·2/2 = 0.
    expect(as.cells[0]?.stat).toBeNull();
    expect(as.cells[0]?.title).toContain('the base scenario');
    expect(as.cells[1]?.stat?.mean).toBe(2);
    expect(as.cells[1]?.text).toBe('+2.00');
    expect(as.cells[1]?.t).toBe(0);
    expect(as.cells[1]?.title).toContain('change vs base +2.00 · 95% CI [1.70, 2.30] · 2 seeds');
  });

  it('shows the server message when a sweep cannot be read', async () => {
    const { root } = setup([row('a', 'sweep')]);
    await root.stress.select('gone');
    expect(root.stress.detailStatus).toBe('error');
    expect(root.stress.error).toContain('no sweep gone');
    expect(root.stress.grid).toEqual([]);
  });

  it('has a legend naming the better direction and the ends of the scale', async () => {
    const { root } = setup([row('b', 'stress')]);
    await root.stress.loadList();
    await settle();
    // Sharpe: higher is better; values 0.5 … 2 (left worst, right best).
    expect(root.stress.legend).toMatchObject({ better: 'higher', mode: 'level', low: '0.50', high: '2.00' });
    expect(root.stress.legend.text).toContain('higher is better');
    // ES 99: lower is better; the left end is the highest value (4), the right the lowest (2).
    root.stress.setMetric('es99');
    expect(root.stress.legend).toMatchObject({ better: 'lower', low: '4.00', high: '2.00' });
    // Change against base, ES: the largest change is +2 (worse), so the scale is +2.00 … −2.00.
    root.stress.setChangeVsBase(true);
    expect(root.stress.legend).toMatchObject({ mode: 'change', better: 'lower', low: '+2.00' });
    expect(root.stress.legend.high).toMatch(/^[−-]2\.00$/);
    // Fill rate has no better direction.
    root.stress.setChangeVsBase(false);
    root.stress.setMetric('fillRate');
    expect(root.stress.legend.better).toBe('none');
  });

  it('starts a sweep from the editor, follows its progress and refreshes on events, one read at a time', async () => {
    const rows = [row('a', 'sweep')];
    const { root, api } = setup(rows);
    api.on('sweeps.presets', () => [
      { id: 'sweep-example', title: 'sweep', kind: 'sweep', cells: 24, yaml: 'name: s' },
      { id: 'stress-sweep-quick', title: 'quick', kind: 'stress', cells: 8, yaml: 'name: quick' },
    ]);
    api.on('sweeps.start', () => {
      rows.unshift({ ...row('n', 'stress'), status: 'running', stored: 0 });
      return { sweepId: 'n', name: 'stress-n', kind: 'stress', cells: 8 };
    });
    api.on('sweeps.cancel', () => ({ cancelled: true }));
    await root.stress.loadPresets();
    // The quickest stress preset is in the editor.
    expect(root.stress.presetId).toBe('stress-sweep-quick');
    expect(root.stress.yaml).toBe('name: quick');
    await root.stress.start();
    await settle();
    expect(api.callsOf('sweeps.start')).toEqual([{ yaml: 'name: quick' }]);
    expect(root.stress.run).toMatchObject({ sweepId: 'n', done: 0, total: 8, status: 'running' });
    expect(root.stress.selectedId).toBe('n');
    expect(root.stress.isRunning).toBe(true);

    const gets = api.callsOf('sweeps.get').length;
    // Three events at once: one refresh runs, the others queue exactly one more.
    api.emit('sweep.progress', { sweepId: 'n', done: 2, total: 8, skipped: 0, failed: 0, last: 'x' });
    api.emit('sweep.progress', { sweepId: 'n', done: 3, total: 8, skipped: 0, failed: 0, last: 'y' });
    api.emit('sweep.progress', { sweepId: 'n', done: 4, total: 8, skipped: 0, failed: 1, last: 'z' });
    await settle();
    await settle();
    expect(root.stress.run).toMatchObject({ done: 4, failed: 1, last: 'z' });
    expect(api.callsOf('sweeps.get').length - gets).toBe(2);
    expect(api.callsOf('sweeps.get').at(-1)).toEqual({ id: 'n' });
    // Progress of another sweep does not move this bar.
    api.emit('sweep.progress', { sweepId: 'other', done: 7, total: 9, skipped: 0, failed: 0, last: null });
    await settle();
    expect(root.stress.run?.done).toBe(4);

    await root.stress.cancel();
    expect(api.callsOf('sweeps.cancel')).toEqual([{ id: 'n' }]);
    expect(root.stress.run?.status).toBe('cancelling');
    api.emit('sweep.done', {
      sweepId: 'n',
      status: 'cancelled',
      computed: 4,
      skipped: 0,
      failed: 1,
      error: null,
    });
    await settle();
    expect(root.stress.run?.status).toBe('cancelled');
    expect(root.stress.isRunning).toBe(false);
  });

  it('shows why a sweep could not start', async () => {
    const { root, api } = setup([]);
    api.on('sweeps.start', () => {
      throw new ApiCallError('bad_config', 'sweep.yaml:3:1: seeds: expected array', 'seeds', 'sweeps.start');
    });
    root.stress.setYaml('seeds: 1');
    await root.stress.start();
    expect(root.stress.startError).toContain('sweep.yaml:3:1: seeds');
    expect(root.stress.run).toBeNull();
  });

  it('opens a cell with its base and reports both', async () => {
    const { root, api } = setup([row('b', 'stress')]);
    const opened: SweepCellRuns = {
      sweepId: 'b',
      seed: 1,
      seeds: [1, 2],
      run: {
        runId: 'r-stressed',
        cached: false,
        cellKey: 'k1-1',
        scenario: 'spike',
        stress: 'spike',
        strategyIndex: 0,
        strategy: 'avellaneda-stoikov (gamma 0.1)',
        seed: 1,
        cellMetrics: { sessionSharpe: 0.5 },
      },
      base: {
        runId: 'r-base',
        cached: false,
        cellKey: 'k0-1',
        scenario: 'base',
        stress: 'base',
        strategyIndex: 0,
        strategy: 'avellaneda-stoikov (gamma 0.1)',
        seed: 1,
        cellMetrics: { sessionSharpe: 1 },
      },
    };
    api.on('sweeps.openCell', ({ seed }) => ({ ...opened, seed: seed ?? 1 }));
    api.on('runs.list', () => []);
    api.on('runs.reportPdf', () => ({ fileName: 'r.pdf', pdfBase64: '' }));
    await root.stress.loadList();
    await settle();
    await root.stress.openCell('spike', 0);
    expect(api.callsOf('sweeps.openCell')).toEqual([{ id: 'b', scenario: 'spike', strategyIndex: 0 }]);
    expect(root.stress.cell).toMatchObject({ status: 'ready', seed: 1, scenario: 'spike' });
    expect(root.stress.cellRunIds).toEqual(['r-stressed', 'r-base']);
    await root.stress.openCell('spike', 0, 2);
    expect(api.callsOf('sweeps.openCell').at(-1)).toEqual({
      id: 'b',
      scenario: 'spike',
      strategyIndex: 0,
      seed: 2,
    });
    expect(root.stress.cell?.seed).toBe(2);
    root.runs.saveBytes = () => undefined;
    await root.stress.report('pdf');
    expect(api.callsOf('runs.reportPdf')).toEqual([{ runIds: ['r-stressed', 'r-base'] }]);
    root.stress.closeCell();
    expect(root.stress.cell).toBeNull();
  });

  it('keeps the events that arrive before sweeps.start answers (a resumed sweep can end before it)', async () => {
    const { root, api } = setup([row('a', 'stress')]);
    api.on('sweeps.start', () => {
      // The server emits the first progress and, everything being stored, the end before it answers.
      api.emit('sweep.progress', { sweepId: 'a', done: 8, total: 8, skipped: 8, failed: 0, last: null });
      api.emit('sweep.done', {
        sweepId: 'a',
        status: 'completed',
        computed: 0,
        skipped: 8,
        failed: 0,
        error: null,
      });
      return { sweepId: 'a', name: 'stress-a', kind: 'stress', cells: 8 };
    });
    root.stress.setYaml('name: a');
    await root.stress.start();
    await settle();
    expect(root.stress.run).toMatchObject({ sweepId: 'a', done: 8, total: 8, status: 'completed' });
    expect(root.stress.isRunning).toBe(false);
  });
});
