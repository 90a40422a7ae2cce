import { describe, expect, it } from 'vitest';
import type {
  TrainingDetail,
  TrainingRunRow,
  TrainMetrics,
  TrainMetricsHistory,
  TrainPreset,
} from '../../../core/api/contract';
import { ApiCallError } from '../api/errors';
import { FakeApi, settle } from '../testing/fake-api';
import { RootStore } from './root-store';
import { MinMaxDecimator } from '../charts/decimate';
import {
  CUSTOM_SOURCE,
  canResumeFromCheckpoint,
  chartPointBound,
  decimatorOptions,
  etaSeconds,
  historyToPoints,
  RECENT_ROWS,
  runProgressLabel,
  type TrainFrameBatch,
} from './training-store';

const PRESET: TrainPreset = {
  id: 'sac-as',
  title: 'sac-as',
  description: 'd',
  algo: 'sac',
  yaml: 'name: sac-as\n',
};

function row(
  id: string,
  status: TrainingRunRow['status'],
  extra: Partial<TrainingRunRow> = {},
): TrainingRunRow {
  return {
    id,
    name: id,
    algo: 'sac',
    seed: 1,
    codeVersion: 'x',
    status,
    reason: null,
    backend: 'wasm',
    runDir: `/runs/${id}`,
    step: 0,
    totalSteps: 1000,
    createdAt: `2025-01-01T00:00:0${id.length}Z`,
    updatedAt: '2025-01-01T00:00:00Z',
    checkpoints: 0,
    lastCheckpointStep: null,
    ...extra,
  };
}

function sample(step: number, extra: Partial<TrainMetrics> = {}): TrainMetrics {
  return { step, totalSteps: 1000, updates: step, episodes: 0, elapsedSec: 1, stepsPerSec: 10, ...extra };
}

function history(steps: number[]): TrainMetricsHistory {
  const nulls = steps.map(() => null);
  // A cast, not an annotation: the contract may carry more optional-valued columns than listed here.
  return {
    total: steps.length,
    downsampled: false,
    step: steps,
    totalSteps: steps.map(() => 1000),
    updates: steps,
    episodes: steps.map(() => 0),
    elapsedSec: steps.map(() => 1),
    stepsPerSec: steps.map(() => 10),
    episodeReturn: steps.map((s) => (s % 20 === 0 ? s / 10 : null)),
    episodePnl: nulls,
    meanAbsInventory: nulls,
    actorLoss: steps.map(() => 0.5),
    criticLoss: nulls,
    alpha: nulls,
    entropy: nulls,
    approxKl: nulls,
    clipFraction: nulls,
    evalReturn: nulls,
    evalBaselineReturn: nulls,
  } as TrainMetricsHistory;
}

function setup(runs: TrainingRunRow[], steps: number[] = [10, 20, 30]) {
  let getResolve: ((d: TrainingDetail) => void) | null = null;
  let deferGet = false;
  const api = new FakeApi()
    .on('scenarios.presets', () => [])
    .on('runs.list', () => [])
    .on('jobs.list', () => [])
    .on('train.presets', () => [PRESET])
    .on('train.list', () => runs)
    .on('train.get', ({ id }) => {
      const d: TrainingDetail = {
        run: runs.find((r) => r.id === id) ?? row(id, 'running'),
        config: {},
        metrics: history(steps),
        checkpoints: [],
      };
      if (!deferGet) return d;
      return new Promise<TrainingDetail>((resolve) => {
        getResolve = resolve;
      }).then(() => d);
    })
    .on('train.quoteCurves', ({ id }) => ({ runId: id, source: 'live', step: 30, curves: [] }))
    .on('train.control', ({ id, action }) => row(id, action === 'pause' ? 'paused' : 'running'))
    .on('train.start', () => row('new', 'running', { backend: null }))
    .on('train.resume', ({ id }) => row(id, 'running'))
    .on('train.evaluate', () => {
      throw new ApiCallError('unavailable', 'evaluation against baselines is not available in this build');
    });
  const frames: (() => void)[] = [];
  const root = new RootStore(api, { scheduleFrame: (cb) => frames.push(cb) });
  root.start();
  const runFrames = (): void => {
    for (const f of frames.splice(0)) f();
  };
  return {
    api,
    root,
    t: root.training,
    runFrames,
    deferNextGet: () => {
      deferGet = true;
    },
    releaseGet: () => {
      deferGet = false;
      getResolve?.({} as TrainingDetail);
    },
  };
}

describe('TrainingStore', () => {
  it('is lazy: nothing is called before the view activates it', async () => {
    const { api, t } = setup([row('a', 'finished')]);
    await settle();
    expect(api.callsOf('train.list')).toEqual([]);
    expect(api.listenerCount('train.metrics')).toBe(0);
    t.activate();
    t.activate();
    await settle();
    expect(api.callsOf('train.list')).toHaveLength(1);
    expect(api.listenerCount('train.metrics')).toBe(1);
    expect(t.presetId).toBe('sac-as');
    expect(t.yaml).toBe(PRESET.yaml);
  });

  it('watches the live run, coalesces samples per frame and feeds the charts without going back in steps', async () => {
    const { api, t, runFrames } = setup([row('aa', 'finished'), row('live', 'running', { step: 30 })]);
    t.activate();
    await settle();
    expect(t.selectedId).toBe('live');
    runFrames();
    const batches: TrainFrameBatch[] = [];
    t.addFrameListener((b) => batches.push(b));
    expect(batches[0]).toMatchObject({ reset: true });
    expect(batches[0]?.points.map((p) => p.step)).toEqual([10, 20, 30]);
    expect(batches[0]?.points[1]?.episodeReturn).toBe(2);
    expect(batches[0]?.points[0]?.episodeReturn).toBeUndefined();
    batches.length = 0;

    api.emit('train.metrics', { runId: 'live', samples: [sample(30), sample(40)] });
    api.emit('train.metrics', { runId: 'live', samples: [sample(50)] });
    api.emit('train.metrics', { runId: 'other', samples: [sample(60)] });
    expect(t.latest?.step).toBe(30); // nothing published before the frame
    runFrames();
    expect(batches).toEqual([{ reset: false, points: [sample(40), sample(50)] }]);
    expect(t.latest?.step).toBe(50);
    expect(t.step).toBe(50);
    expect(t.sampleCount).toBe(5);
    expect(t.progress).toBeCloseTo(0.05);
  });

  it('keeps the last completed episode return while later samples carry none', async () => {
    const { api, t, runFrames } = setup([row('live', 'running', { step: 30 })]);
    t.activate();
    await settle();
    runFrames();
    // History 10, 20, 30: only step 20 ended an episode (return 2).
    expect(t.latest?.episodeReturn).toBeUndefined();
    expect(t.lastReturn).toEqual({ value: 2, step: 20 });
    api.emit('train.metrics', { runId: 'live', samples: [sample(40), sample(50, { episodeReturn: -1.5 })] });
    api.emit('train.metrics', { runId: 'live', samples: [sample(60)] });
    runFrames();
    expect(t.latest?.step).toBe(60);
    expect(t.lastReturn).toEqual({ value: -1.5, step: 50 });
  });

  it('holds samples that arrive while the history loads and merges them after it', async () => {
    const { api, t, runFrames, deferNextGet, releaseGet } = setup([row('live', 'running')]);
    deferNextGet();
    t.activate();
    await settle();
    api.emit('train.metrics', { runId: 'live', samples: [sample(20), sample(30), sample(40)] });
    releaseGet();
    await settle();
    runFrames();
    const batches: TrainFrameBatch[] = [];
    t.addFrameListener((b) => batches.push(b));
    expect(batches[0]?.points.map((p) => p.step)).toEqual([10, 20, 30, 40]);
  });

  it('keeps a long run in bounded, decimated series: history and live merge into the batch result', async () => {
    // The server's history: 1,500 samples (steps 10 … 15,000); then 12,000 live samples, the first
    // ones arriving while the history loads and overlapping it (steps 14,000 …).
    const histSteps = Array.from({ length: 1500 }, (_, i) => 10 * (i + 1));
    const { api, t, runFrames, deferNextGet, releaseGet } = setup([row('live', 'running')], histSteps);
    const spiky = (step: number): number =>
      step % 7_770 === 0 ? 500 : step % 9_990 === 0 ? -500 : (step % 13) / 13;
    const live = (step: number): TrainMetrics =>
      sample(step, { episodeReturn: spiky(step), actorLoss: step / 1e5 });
    deferNextGet();
    t.activate();
    await settle();
    let step = 14_000;
    const emit = (n: number): void => {
      const samples: TrainMetrics[] = [];
      for (let i = 0; i < n; i++) samples.push(live((step += 10)));
      api.emit('train.metrics', { runId: 'live', samples });
    };
    emit(200); // held: 14,010 … 16,000, of which 14,010 … 15,000 the history already has
    releaseGet();
    await settle();
    runFrames();
    const batches: TrainFrameBatch[] = [];
    t.addFrameListener((b) => batches.push(b));
    batches.length = 0;
    let sent = 0;
    while (sent < 11_800) {
      emit(50);
      sent += 50;
      runFrames();
    }
    // Every frame hands over only its own new samples (no rebuild of the history per frame).
    expect(batches).toHaveLength(11_800 / 50);
    for (const b of batches) expect(b).toMatchObject({ reset: false, points: { length: 50 } });

    // The samples the store saw, each step once: the history up to 15,000, then 15,010 … step.
    const all: TrainMetrics[] = historyToPoints(history(histSteps));
    for (let s = 15_010; s <= step; s += 10) all.push(live(s));
    expect(t.sampleCount).toBe(all.length);
    expect(t.sampleCount).toBeGreaterThan(6 * t.pointBound);
    for (const key of ['episodeReturn', 'actorLoss', 'updates'] as const) {
      const got = t.seriesOf(key);
      const xy = all.flatMap((p) => (p[key] === undefined ? [] : [{ x: p.step, y: p[key] }]));
      expect(got?.count, key).toBe(xy.length);
      expect(got!.points(), key).toEqual(MinMaxDecimator.of(xy, decimatorOptions(t.pointBound)).points());
      expect(got!.length, key).toBeLessThanOrEqual(t.pointBound);
    }
    // The spikes survive decimation.
    const ret = t
      .seriesOf('episodeReturn')!
      .points()
      .map((p) => p.y);
    expect(ret).toContain(500);
    expect(ret).toContain(-500);
    // A chart that mounts now starts from the same series, and the newest rows only.
    const late: TrainFrameBatch[] = [];
    t.addFrameListener((b) => late.push(b));
    expect(late[0]?.reset).toBe(true);
    expect(late[0]?.series?.('episodeReturn')?.points()).toEqual(t.seriesOf('episodeReturn')!.points());
    expect(late[0]!.points.length).toBeLessThanOrEqual(2 * RECENT_ROWS);
    expect(late[0]!.points.at(-1)?.step).toBe(step);
    expect(t.lastReturn).toEqual({ value: spiky(step), step });
  });

  it('starts from a preset or custom YAML, controls the run and resumes from a checkpoint', async () => {
    const { api, t } = setup([]);
    t.activate();
    await settle();
    expect(t.canStart).toBe(true);
    t.setName('  my run ');
    await t.start();
    expect(api.callsOf('train.start')).toEqual([{ preset: 'sac-as', name: 'my run' }]);
    expect(t.selectedId).toBe('new');
    expect(t.canStart).toBe(false); // one training at a time

    t.onStatus(row('new', 'running'));
    await t.togglePause();
    expect(api.callsOf('train.control')).toEqual([{ id: 'new', action: 'pause' }]);
    expect(t.selected?.status).toBe('paused');
    await t.togglePause();
    expect(t.selected?.status).toBe('running');

    t.onStatus(row('new', 'stopped', { lastCheckpointStep: 30, updatedAt: '2025-01-02T00:00:00Z' }));
    expect(canResumeFromCheckpoint(t.selected)).toBe(true);
    const gets = api.callsOf('train.get').length;
    await t.resumeFromCheckpoint();
    expect(api.callsOf('train.resume')).toEqual([{ id: 'new' }]);
    expect(api.callsOf('train.get').length).toBe(gets + 1); // history reloaded

    t.onStatus(row('new', 'finished'));
    t.selectPreset(CUSTOM_SOURCE);
    t.setYaml('name: x\nalgo: ppo\n');
    await t.start();
    expect(api.callsOf('train.start').at(-1)).toEqual({ yaml: 'name: x\nalgo: ppo\n', name: 'my run' });
  });

  it('a run that stops while the live curves are being fetched ends up showing the final policy', async () => {
    const { api, t } = setup([row('a', 'running')]);
    let answerLive: (() => void) | null = null;
    let stopped = false;
    api.on('train.quoteCurves', ({ id }) =>
      stopped
        ? { runId: id, source: 'final', step: 40, curves: [] }
        : new Promise((resolve) => {
            answerLive = () => resolve({ runId: id, source: 'live', step: 30, curves: [] });
          }),
    );
    t.activate();
    await settle();
    expect(answerLive).not.toBeNull(); // the live request is out
    stopped = true;
    t.onStatus(row('a', 'stopped', { lastCheckpointStep: 40 }));
    (answerLive as unknown as () => void)();
    await settle();
    await settle();
    expect(t.curves?.source).toBe('final');
    expect(t.curves?.step).toBe(40);
    expect(api.callsOf('train.quoteCurves').length).toBe(2);
  });

  it('shows an evaluation failure in place and as a banner', async () => {
    const { t, root } = setup([row('done', 'finished', { lastCheckpointStep: 100 })]);
    t.activate();
    await settle();
    await t.evaluate();
    expect(t.evalError).toMatch(/not available/);
    expect(t.evalReport).toBeNull();
    expect(root.ui.bannerList.at(-1)).toMatchObject({ code: 'unavailable', kind: 'error' });
  });

  it('evaluates against baselines tuned on training paths, showing the progress of both phases', async () => {
    const { t, api } = setup([row('done', 'finished', { lastCheckpointStep: 100 })]);
    const seen: (typeof t.evalProgress)[] = [];
    api.on('train.evaluate', async ({ id }) => {
      api.emit('train.evalProgress', { runId: id, phase: 'tune', done: 3, total: 10 });
      seen.push(t.evalProgress);
      api.emit('train.evalProgress', { runId: 'other', phase: 'eval', done: 1, total: 2 }); // not ours
      seen.push(t.evalProgress);
      api.emit('train.evalProgress', { runId: id, phase: 'eval', done: 1, total: 4 });
      seen.push(t.evalProgress);
      await Promise.resolve();
      return {
        runId: id,
        checkpoint: 'c',
        step: 100,
        episodes: 4,
        seed: 1,
        level: 0.95,
        rows: [],
        notes: [],
      };
    });
    t.activate();
    await settle();
    t.setEvalTuneEpisodes(7);
    t.setEvalTuneEpisodes(-1); // refused
    await t.evaluate();
    expect(api.callsOf('train.evaluate').at(-1)).toEqual({ id: 'done', episodes: 20, tuneEpisodes: 7 });
    expect(seen).toEqual([
      { phase: 'tune', done: 3, total: 10 },
      { phase: 'tune', done: 3, total: 10 },
      { phase: 'eval', done: 1, total: 4 },
    ]);
    expect(t.evalProgress).toBeNull(); // cleared when the evaluation ends
    expect(t.evalReport?.episodes).toBe(4);
  });

  it('keeps checkpoints sorted and the log bounded', async () => {
    const { t, api } = setup([row('live', 'running')]);
    t.activate();
    await settle();
    const cp = (step: number) => ({
      id: `step-${step}`,
      dir: '/x',
      step,
      updates: 0,
      episodes: 0,
      createdAt: '2025',
    });
    api.emit('train.checkpoint', { runId: 'live', checkpoint: cp(200) });
    api.emit('train.checkpoint', { runId: 'live', checkpoint: cp(100) });
    api.emit('train.checkpoint', { runId: 'other', checkpoint: cp(300) });
    expect(t.checkpoints.map((c) => c.step)).toEqual([100, 200]);
    for (let i = 0; i < 250; i++) api.emit('train.log', { runId: 'live', at: '2025', line: `l${i}` });
    expect(t.logs).toHaveLength(200);
    expect(t.logs.at(-1)?.line).toBe('l249');
  });

  it('labels a run that ended short of its totalSteps, naming the time budget when it stopped it', async () => {
    const byTime = row('budget', 'stopped', {
      step: 120_000,
      totalSteps: 300_000,
      reason: 'stopped at step 120000: the time budget of 30 min is spent',
      lastCheckpointStep: 120_000,
    });
    const { t } = setup([byTime]);
    t.activate();
    await settle();
    await t.select('budget');
    expect(t.progressLabel).toBe('step 120,000 of 300,000 — stopped by the time budget');
    const r = (status: TrainingRunRow['status'], extra: Partial<TrainingRunRow> = {}): TrainingRunRow =>
      row('x', status, { step: 500, totalSteps: 1000, ...extra });
    expect(runProgressLabel(r('stopped', { reason: 'stopped by the user' }))).toBe(
      'step 500 of 1,000 — stopped on request',
    );
    expect(runProgressLabel(r('failed', { reason: 'critic loss is NaN' }))).toBe(
      'step 500 of 1,000 — the run failed',
    );
    expect(runProgressLabel(r('incomplete'))).toBe('step 500 of 1,000 — the run was interrupted');
    // No label while it runs, once it finished, or when it reached its budget.
    expect(runProgressLabel(r('running'))).toBeUndefined();
    expect(runProgressLabel(r('finished', { step: 1000 }))).toBeUndefined();
    expect(runProgressLabel(r('stopped', { step: 1000, reason: 'stopped by the user' }))).toBeUndefined();
    expect(runProgressLabel(r('stopped', { totalSteps: null }))).toBeUndefined();
  });

  it('converts a column-wise history into points', () => {
    const pts = historyToPoints(history([1, 2]));
    expect(pts).toEqual([
      { step: 1, totalSteps: 1000, updates: 1, episodes: 0, elapsedSec: 1, stepsPerSec: 10, actorLoss: 0.5 },
      { step: 2, totalSteps: 1000, updates: 2, episodes: 0, elapsedSec: 1, stepsPerSec: 10, actorLoss: 0.5 },
    ]);
  });
});

describe('TrainingStore and the connection', () => {
  it('a live run turns "lost" when the connection drops, and the list and run re-sync on reconnect', async () => {
    const runs = [row('a', 'running'), row('bb', 'finished')];
    const { api, root, t, runFrames } = setup(runs);
    t.activate();
    await settle();
    runFrames();
    expect(t.selectedId).toBe('a');
    const a = (): TrainingRunRow => t.runs.get('a') ?? row('missing', 'failed');
    const bb = (): TrainingRunRow => t.runs.get('bb') ?? row('missing', 'failed');
    expect(t.shownStatus(a())).toBe('running');
    const lists = api.callsOf('train.list').length;
    const gets = api.callsOf('train.get').length;

    root.ui.setConnection({ state: 'reconnecting', detail: 'connection lost', reason: 'lost' });
    expect(t.connectionLost).toBe(true);
    expect(t.shownStatus(a())).toBe('lost');
    expect(t.shownStatus(bb())).toBe('finished'); // an ended run keeps its status

    // The server died with the run: the restarted server lists it as incomplete.
    runs[0] = row('a', 'incomplete', { step: 300 });
    root.ui.setConnection({ state: 'open', detail: '' });
    await settle();
    runFrames();
    expect(t.connectionLost).toBe(false);
    expect(t.shownStatus(a())).toBe('incomplete');
    expect(t.curves).toBeNull(); // the live policy's curves went with the trainer (no checkpoint)
    expect(api.callsOf('train.list').length).toBe(lists + 1);
    expect(api.callsOf('train.get').length).toBe(gets + 1);
  });
});

describe('chartPointBound', () => {
  it('reads ?trainChartPoints= within 32 … 20,000, else the default bound', () => {
    expect(chartPointBound('')).toBe(2000);
    expect(chartPointBound('?token=abc&trainChartPoints=64')).toBe(64);
    expect(chartPointBound('?trainChartPoints=31')).toBe(2000);
    expect(chartPointBound('?trainChartPoints=20001')).toBe(2000);
    expect(chartPointBound('?trainChartPoints=1e3')).toBe(1000);
    expect(chartPointBound('?trainChartPoints=12.5')).toBe(2000);
    // The tail is an eighth of the bound (at most 256), which leaves room for the buckets.
    expect(decimatorOptions(32)).toEqual({ maxPoints: 32, tail: 4 });
    expect(decimatorOptions(2000)).toEqual({ maxPoints: 2000, tail: 250 });
    expect(decimatorOptions(20_000)).toEqual({ maxPoints: 20_000, tail: 256 });
  });
});

describe('etaSeconds', () => {
  const pt = (step: number, elapsedSec: number, totalSteps = 10_000): TrainMetrics => ({
    step,
    totalSteps,
    updates: 0,
    episodes: 0,
    elapsedSec,
    stepsPerSec: 0,
  });

  it('is null until two samples show progress, then (total − step) / observed rate', () => {
    expect(etaSeconds([])).toBeNull();
    expect(etaSeconds([pt(100, 1)])).toBeNull();
    expect(etaSeconds([pt(100, 1), pt(100, 2)])).toBeNull(); // no progress between them
    // 400 steps in 2 s = 200 steps/s; 10,000 − 500 = 9,500 left → 47.5 s
    expect(etaSeconds([pt(100, 1), pt(300, 2), pt(500, 3)])).toBeCloseTo(47.5, 9);
  });

  it('uses the last window of trainer time only', () => {
    // 0–60 s at 10 steps/s, then 60–90 s at 50 steps/s: the 30 s window sees 50 steps/s.
    const pts = [pt(0, 0), pt(600, 60), pt(1100, 70), pt(1600, 80), pt(2100, 90)];
    expect(etaSeconds(pts, 30)).toBeCloseTo((10_000 - 2100) / 50, 9); // 158 s
  });

  it('starts over where a resumed trainer restarts its clock, and is 0 once the budget is spent', () => {
    // Resumed from a checkpoint at step 1000: elapsedSec restarts at 0.
    const pts = [pt(800, 40), pt(1000, 50), pt(1100, 1), pt(1300, 3)];
    expect(etaSeconds(pts)).toBeCloseTo((10_000 - 1300) / 100, 9); // 200 steps / 2 s
    expect(etaSeconds([pt(1000, 50), pt(1100, 1)])).toBeNull();
    expect(etaSeconds([pt(9000, 10), pt(10_000, 20)])).toBe(0);
  });
});
