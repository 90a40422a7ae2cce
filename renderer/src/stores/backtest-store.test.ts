import { describe, expect, it } from 'vitest';
import type { RunDetail, ScenarioPreset } from '../../../core/api/contract';
import { ApiCallError } from '../api/errors';
import { FakeApi, settle } from '../testing/fake-api';
import { RootStore } from './root-store';

const PRESET: ScenarioPreset = {
  id: 'as2008',
  title: 'as2008',
  description: 'AS 2008',
  mode: 'intensity',
  yaml: 'name: as2008\nseed: 2008\npaths: 10\nscenario:\n  mode: intensity\nstrategies:\n  - type: avellaneda-stoikov\n    gamma: [0.1, 0.5]\n',
};

const DETAIL: RunDetail = {
  run: {
    id: 'r1',
    kind: 'backtest',
    name: 'as2008',
    status: 'completed',
    seed: 2008,
    paths: 10,
    codeVersion: 'x',
    createdAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T00:00:01Z',
    error: null,
    results: 2,
  },
  config: {},
  results: [],
  seriesPaths: [0],
};

function setup(): { api: FakeApi; root: RootStore } {
  const api = new FakeApi()
    .on('scenarios.presets', () => [PRESET])
    .on('runs.list', () => [{ ...DETAIL.run, summary: { strategies: [], metrics: [] } }])
    .on('jobs.list', () => [])
    .on('runs.get', () => DETAIL)
    .on('backtest.start', () => ({ jobId: 'j1', runId: 'r1' }))
    .on('jobs.cancel', () => ({ cancelled: true }));
  const root = new RootStore(api, { scheduleFrame: () => undefined });
  root.start();
  return { api, root };
}

describe('BacktestStore', () => {
  it('prefills the YAML from the first preset and edits it through the form', async () => {
    const { root } = setup();
    await settle();
    const bt = root.backtest;
    expect(bt.presetId).toBe('as2008');
    expect(bt.config).toMatchObject({ ok: true, seed: 2008, paths: 10 });
    bt.setPaths(3);
    bt.toggleStrategy('glft', true);
    expect(bt.config).toMatchObject({ ok: true, paths: 3 });
    expect(bt.config.ok && [...bt.config.types].sort()).toEqual(['avellaneda-stoikov', 'glft']);
    expect(bt.edited).toBe(true);
  });

  it('runs: start → progress → done → shows the stored run', async () => {
    const { api, root } = setup();
    await settle();
    const bt = root.backtest;
    await bt.start();
    expect(api.callsOf('backtest.start')[0]).toMatchObject({ yaml: PRESET.yaml, keepPaths: 3 });
    expect(bt.job).toMatchObject({ jobId: 'j1', phase: 'running' });
    api.emit('job.progress', { jobId: 'other', runId: 'x', done: 9, total: 9, strategy: 'x' });
    api.emit('job.progress', { jobId: 'j1', runId: 'r1', done: 5, total: 20, strategy: 'inventory' });
    expect(bt.progress).toBeCloseTo(0.25);
    api.emit('job.done', { jobId: 'j1', runId: 'r1', status: 'completed', error: null });
    await settle();
    expect(bt.job?.phase).toBe('completed');
    expect(bt.shownRunId).toBe('r1');
    expect(root.runs.details.get('r1')).toBe(DETAIL);
  });

  it('job events that race the start answer are not lost', async () => {
    const { api, root } = setup();
    await settle();
    let answer: (v: { jobId: string; runId: string }) => void = () => undefined;
    api.on('backtest.start', () => new Promise((r) => (answer = r)));
    const started = root.backtest.start();
    await settle();
    api.emit('job.done', { jobId: 'j1', runId: 'r1', status: 'failed', error: 'worker crashed' });
    answer({ jobId: 'j1', runId: 'r1' });
    await started;
    expect(root.backtest.job).toMatchObject({ phase: 'failed', error: 'worker crashed' });
    expect(root.ui.bannerList[0]).toMatchObject({ kind: 'error', message: 'worker crashed' });
  });

  it('cancel calls jobs.cancel; the cancelled event shows a notice', async () => {
    const { api, root } = setup();
    await settle();
    await root.backtest.start();
    await root.backtest.cancel();
    expect(api.callsOf('jobs.cancel')).toEqual([{ jobId: 'j1' }]);
    api.emit('job.done', { jobId: 'j1', runId: 'r1', status: 'cancelled', error: null });
    expect(root.backtest.job?.phase).toBe('cancelled');
    expect(root.ui.bannerList.some((b) => b.kind === 'warning' && b.title === 'Backtest cancelled')).toBe(
      true,
    );
  });

  it('a rejected start shows the server message and path', async () => {
    const { api, root } = setup();
    await settle();
    api.on('backtest.start', () => {
      throw new ApiCallError('bad_config', 'config.yaml:9:3: scenario.dt: Too small', 'scenario.dt');
    });
    await root.backtest.start();
    expect(root.backtest.job).toBeNull();
    expect(root.ui.bannerList[0]).toMatchObject({
      title: 'The backtest could not start',
      code: 'bad_config',
      path: 'scenario.dt',
    });
  });

  it('a running job turns "state unknown" when the connection drops and re-syncs on reconnect', async () => {
    const { api, root } = setup();
    await settle();
    const bt = root.backtest;
    await bt.start();
    await settle();
    expect(bt.job?.phase).toBe('running');
    root.ui.setConnection({ state: 'reconnecting', detail: 'connection lost', reason: 'lost' });
    expect(bt.job?.phase).toBe('lost');
    expect(bt.running).toBe(false);
    expect(bt.job?.finishedAtMs).not.toBeNull();
    expect(root.ui.connectionProblem).toBe('connection lost');
    // Still running on the server: back to running with the server's counts.
    api.on('jobs.list', () => [
      { jobId: 'j1', runId: 'r1', kind: 'backtest', done: 4, total: 10, startedAt: '2025-01-01T00:00:00Z' },
    ]);
    root.ui.setConnection({ state: 'open', detail: '' });
    await settle();
    expect(bt.job).toMatchObject({ phase: 'running', done: 4, total: 10, finishedAtMs: null });
    expect(root.ui.connectionProblem).toBeNull();
    // Finished while we were away: the stored run says so.
    root.ui.setConnection({ state: 'reconnecting', detail: 'connection lost', reason: 'lost' });
    api.on('jobs.list', () => []);
    root.ui.setConnection({ state: 'open', detail: '' });
    await settle();
    expect(bt.job?.phase).toBe('completed');
    expect(bt.shownRunId).toBe('r1');
  });

  it('validates while editing with the loaded file name, and a new config error replaces the old banner', async () => {
    const { api, root } = setup();
    await settle();
    const bt = root.backtest;
    api.on('scenarios.validate', ({ yaml, file }) => {
      const bad = yaml.includes('dtt');
      return {
        ok: !bad,
        file: file ?? 'config.yaml',
        issues: bad ? [{ path: 'scenario.dtt', message: 'Unrecognized key', line: 5, col: 3 }] : [],
        runs: bad ? [] : [{ index: 0, type: 'fixed-spread', label: 'fixed-spread · halfSpread 0.01' }],
        runCount: bad ? 0 : 1,
      };
    });
    bt.loadFile('mine.yaml', `${PRESET.yaml}dtt: 2\n`);
    await bt.validateNow();
    expect(bt.fileName).toBe('mine.yaml');
    expect(api.callsOf('scenarios.validate').at(-1)).toEqual({ yaml: bt.yaml, file: 'mine.yaml' });
    expect(bt.issues).toEqual([{ path: 'scenario.dtt', message: 'Unrecognized key', line: 5, col: 3 }]);
    expect(bt.runs).toBeNull(); // the grid of an invalid config is not known
    bt.setYaml(PRESET.yaml);
    expect(bt.issues).toEqual([]); // stale until re-checked
    expect(bt.runs).toBeNull(); // not checked yet
    await bt.validateNow();
    expect(bt.issues).toEqual([]);
    // The run list is the server's expansion, not the page's.
    expect(bt.runs).toEqual({
      count: 1,
      list: [{ index: 0, type: 'fixed-spread', label: 'fixed-spread · halfSpread 0.01' }],
    });

    root.ui.reportError('The backtest could not start', new ApiCallError('bad_config', 'mine.yaml:5:3: a'));
    root.ui.reportError('The backtest could not start', new ApiCallError('bad_config', 'mine.yaml:6:3: b'));
    root.ui.reportError('The backtest could not start', new ApiCallError('bad_config', 'mine.yaml:6:3: b'));
    const startBanners = root.ui.bannerList.filter((b) => b.title === 'The backtest could not start');
    expect(startBanners).toHaveLength(1);
    expect(startBanners[0]).toMatchObject({ message: 'mine.yaml:6:3: b', count: 2 });
  });
});
