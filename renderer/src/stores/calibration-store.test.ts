/**
 * The Data / Calibration stores against a fake API: a fit whose end arrives before its job id is still
 * followed, the fitted result is loaded, a saved scenario reloads the presets and opens in Backtest, a
 * refused save shows the server's message; Backtest's replay mode edits the scenario and restores the
 * simulated one.
 */
import { describe, expect, it } from 'vitest';
import type { CalibrationResult, DatasetInfo, ScenarioPreset } from '../../../core/api/contract';
import { ApiCallError } from '../api/errors';
import { FakeApi, settle } from '../testing/fake-api';
import { RootStore } from './root-store';

const DATASET: DatasetInfo = {
  formatVersion: 1,
  id: '0123456789abcdef',
  name: 'AAPL_2012-06-21',
  venue: 'NASDAQ (LOBSTER)',
  symbol: 'AAPL',
  format: 'lobster',
  levels: 10,
  firstTsNs: '1340285400004000000',
  lastTsNs: '1340285449086000000',
  counts: { events: 999, bookEvents: 999, trades: 159 },
  contentHash: 'x',
  sources: [],
  verification: {},
};

const RESULT: CalibrationResult = {
  dataset: DATASET.id,
  datasetName: DATASET.name,
  fittedAt: '2026-12-06T00:00:00Z',
  level: 0.95,
  returns: { intervalSeconds: 0.25, n: 3, zeroShare: 0.5, sigmaPerSqrtSecond: 0.01 },
  garch: null,
  regimes: null,
  volatility: { t: [0.25, 0.5, 0.75], sigma: [1, 2, 1], pHigh: [0.1, 0.9, 0.2] },
  intensity: null,
  book: null,
  scenario: { yaml: 'name: calibrated-0123456789abcdef\n' },
  errors: { garch: 'too few', regimes: 'too few', intensity: 'too few', book: 'x' },
};

const INTENSITY_PRESET: ScenarioPreset = {
  id: 'as2008',
  title: 'as2008',
  description: '',
  mode: 'intensity',
  yaml: 'name: as2008\nseed: 1\npaths: 10\nscenario:\n  mode: intensity\n  horizon: 1\nstrategies:\n  - type: fixed-spread\n    halfSpread: 0.5\n',
};

function setup(): { api: FakeApi; root: RootStore; presets: ScenarioPreset[] } {
  const presets = [INTENSITY_PRESET];
  const api = new FakeApi()
    .on('data.list', () => [DATASET])
    .on('scenarios.presets', () => presets)
    .on('runs.list', () => [])
    .on('jobs.list', () => [])
    .on('calibration.get', () => {
      throw new ApiCallError('not_found', 'not calibrated', 'dataset');
    });
  const root = new RootStore(api);
  root.start();
  return { api, root, presets };
}

describe('CalibrationStore', () => {
  it('follows a fit whose data.done arrives before its job id, then loads the result', async () => {
    const { api, root } = setup();
    await settle();
    const cal = root.calibration;
    expect(cal.datasetId).toBe(DATASET.id);
    expect(cal.resultStatus).toBe('none');
    expect(cal.scenarioName).toBe('calib-AAPL_2012-06-21');
    api.on('calibration.fit', () => {
      api.emit('data.done', {
        jobId: 'f1',
        kind: 'calibration',
        status: 'completed',
        error: null,
        dataset: DATASET.id,
        existed: false,
      });
      return { jobId: 'f1' };
    });
    api.on('calibration.get', () => RESULT);
    await cal.fit();
    await settle();
    expect(cal.phase).toBe('completed');
    expect(cal.result).toEqual(RESULT);
    expect(root.ui.bannerList).toEqual([]);
  });

  it('saves a scenario, reloads the presets and opens it in Backtest; a refused name is shown', async () => {
    const { api, root, presets } = setup();
    api.on('calibration.get', () => RESULT);
    await settle();
    const saved: ScenarioPreset = { ...INTENSITY_PRESET, id: 'user/calib-x', title: 'calib-x' };
    api.on('calibration.saveScenario', () => {
      presets.push(saved);
      return { preset: saved, file: '/data/scenarios/calib-x.yaml' };
    });
    root.calibration.setScenarioName('calib-x');
    await root.calibration.saveScenario();
    await settle();
    expect(root.calibration.saved?.id).toBe('user/calib-x');
    expect(root.presets.get('user/calib-x')).toBeDefined();
    root.calibration.openInBacktest();
    expect(root.ui.activeTab).toBe('backtest');
    expect(root.backtest.presetId).toBe('user/calib-x');

    api.on('calibration.saveScenario', () => {
      throw new ApiCallError('conflict', 'a scenario named calib-x exists already', 'name');
    });
    await root.calibration.saveScenario();
    expect(root.calibration.saveError).toMatch(/exists already/);
  });
});

describe('data jobs across a lost connection', () => {
  it('a fit says its state is unknown while disconnected, and that it ended unseen after the resync', async () => {
    const { api, root } = setup();
    await settle();
    api.on('calibration.fit', () => ({ jobId: 'f2' }));
    await root.calibration.fit();
    expect(root.calibration.phase).toBe('running');
    root.ui.setConnection({ state: 'reconnecting', detail: 'lost', reason: 'lost' });
    expect(root.data.connectionLost).toBe(true);
    api.on('data.jobs', () => []);
    api.on('calibration.get', () => RESULT);
    root.ui.setConnection({ state: 'open', detail: '' });
    await settle();
    expect(root.data.connectionLost).toBe(false);
    expect(root.calibration.phase).toBe('unknown');
    expect(root.calibration.result).toEqual(RESULT);
  });

  it('a fit still running on the server is followed again', async () => {
    const { api, root } = setup();
    await settle();
    api.on('calibration.fit', () => ({ jobId: 'f3' }));
    await root.calibration.fit();
    root.ui.setConnection({ state: 'reconnecting', detail: 'lost', reason: 'lost' });
    api.on('data.jobs', () => [
      {
        jobId: 'f3',
        kind: 'calibration',
        label: DATASET.name,
        dataset: DATASET.id,
        phase: 'garch',
        done: 2,
        total: 6,
        startedAt: '2026-12-06T00:00:00Z',
      },
    ]);
    root.ui.setConnection({ state: 'open', detail: '' });
    await settle();
    expect(root.calibration.phase).toBe('running');
    expect(root.calibration.job?.info?.phase).toBe('garch');
  });
});

describe('a reloaded page', () => {
  it('follows the import and the fit already running on the server', async () => {
    const api = new FakeApi()
      .on('data.list', () => [DATASET])
      .on('scenarios.presets', () => [INTENSITY_PRESET])
      .on('runs.list', () => [])
      .on('jobs.list', () => [])
      .on('calibration.get', () => {
        throw new ApiCallError('not_found', 'not calibrated', 'dataset');
      })
      .on('data.jobs', () => [
        {
          jobId: 'i1',
          kind: 'import',
          label: 'a.csv, b.csv',
          dataset: null,
          phase: 'reading',
          done: 1,
          total: 4,
          startedAt: '',
        },
        {
          jobId: 'f1',
          kind: 'calibration',
          label: DATASET.name,
          dataset: DATASET.id,
          phase: 'garch',
          done: 2,
          total: 6,
          startedAt: '',
        },
      ]);
    const root = new RootStore(api);
    root.start();
    await settle();
    expect(root.data.importState).toMatchObject({ phase: 'running', jobId: 'i1', label: 'a.csv, b.csv' });
    expect(root.data.importProgress).toEqual({ done: 1, total: 4, phase: 'reading' });
    expect(root.calibration).toMatchObject({ phase: 'running', jobId: 'f1', datasetId: DATASET.id });
    api.on('calibration.get', () => RESULT);
    api.emit('data.done', {
      jobId: 'f1',
      kind: 'calibration',
      status: 'completed',
      error: null,
      dataset: DATASET.id,
      existed: false,
    });
    await settle();
    expect(root.calibration.result).toEqual(RESULT);
  });
});

describe('Backtest replay mode', () => {
  it('replaces the scenario with a replay of a dataset, sets the queue model, and restores the simulated one', async () => {
    const { root } = setup();
    await settle();
    const bt = root.backtest;
    expect(bt.config.ok && bt.config.mode).toBe('intensity');
    bt.setMarket('replay');
    expect(bt.config.ok && bt.config.replay).toEqual({ dataset: DATASET.id, queue: 'auto' });
    expect(bt.yaml).toContain('mode: replay');
    expect(bt.yaml).toContain('halfSpread: 0.5'); // strategies kept
    bt.setQueueModel('prob-power');
    expect(bt.yaml).toMatch(/queue:\s*\n\s+model: prob-power\s*\n\s+n: 2/);
    expect(bt.config.ok && bt.config.replay?.queue).toBe('prob-power');
    bt.setQueueModel('auto');
    expect(bt.yaml).not.toContain('queue');
    bt.setMarket('simulated');
    expect(bt.config.ok && bt.config.mode).toBe('intensity');
    expect(bt.yaml).toContain('horizon: 1');
  });
});
