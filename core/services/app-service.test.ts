import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BookSnapshot, EventPayloads, ReplayState, RunDetail, RunListRow } from '../api/contract';
import type { CallResult } from '../api/registry';
import { JobRunner } from '../jobs/job-runner';
import { AppService } from './app-service';

const yaml = (paths: number) => `name: svc-test
seed: 4
paths: ${paths}
scenario:
  mode: intensity
  horizon: 1
  dt: 0.005
  s0: 100
  price: { sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
strategies:
  - type: avellaneda-stoikov
    gamma: [0.1, 0.5]
`;

const ctx = { clientId: 'test' };

function ok<T>(r: CallResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.output as T;
}

function nextEvent<K extends keyof EventPayloads>(
  svc: AppService,
  topic: K,
  pred: (p: EventPayloads[K]) => boolean,
): Promise<EventPayloads[K]> {
  return new Promise((resolve) => {
    const off = svc.bus.subscribe(topic, (p) => {
      if (pred(p)) {
        off();
        resolve(p);
      }
    });
  });
}

describe('AppService', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-svc-'));
  const jobs = new JobRunner({ size: 1 });
  let svc = new AppService({ dataDir, transport: 'websocket', version: '0.0.0-test', jobs });
  afterAll(async () => {
    await svc.close();
  });

  it('runs a backtest in a worker, reports progress, stores results and series', async () => {
    const progress: number[] = [];
    const offProgress = svc.bus.subscribe('job.progress', (p) => progress.push(p.done));
    const { jobId, runId } = ok<{ jobId: string; runId: string }>(
      await svc.dispatch('backtest.start', { yaml: yaml(40) }, ctx),
    );
    const done = await nextEvent(svc, 'job.done', (p) => p.jobId === jobId);
    offProgress();
    expect(done).toEqual({ jobId, runId, status: 'completed', error: null });
    expect(progress.at(-1)).toBe(80);
    const detail = ok<{
      run: { status: string };
      results: { strategy: string; metrics: Record<string, number> }[];
      seriesPaths: number[];
    }>(await svc.dispatch('runs.get', { runId }, ctx));
    expect(detail.run.status).toBe('completed');
    expect(detail.results.map((r) => r.strategy)).toEqual(['inventory', 'inventory']);
    expect(detail.results[0]?.metrics.pnlMean).toBeGreaterThan(30);
    expect(detail.seriesPaths).toEqual([0, 1, 2]);
    const series = ok<{ pnl: number[]; drawdown: number[] }>(
      await svc.dispatch('runs.series', { runId, resultIndex: 1, path: 2 }, ctx),
    );
    expect(series.pnl).toHaveLength(201);
    expect(Math.max(...series.drawdown)).toBe(0);
  });

  it('lists runs with the strategies and metrics of their results (no runs.get per run)', async () => {
    const runs = ok<RunListRow[]>(await svc.dispatch('runs.list', {}, ctx));
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      const detail = ok<RunDetail>(await svc.dispatch('runs.get', { runId: run.id }, ctx));
      expect(run.summary.strategies).toEqual(detail.results.map((r) => r.strategy));
      expect(run.summary.metrics).toEqual(detail.results.map((r) => r.metrics));
      expect(run.summary.metrics).toHaveLength(run.results);
    }
    // The backtest above: two AS results (γ 0.1 and 0.5), each with its metrics.
    const first = runs.find((r) => r.results === 2);
    expect(first?.summary.strategies).toHaveLength(2);
    expect(Object.keys(first?.summary.metrics[0] ?? {})).toContain('pnlMean');
  });

  it('cancels a long backtest and records it as cancelled', async () => {
    const { jobId, runId } = ok<{ jobId: string; runId: string }>(
      await svc.dispatch('backtest.start', { yaml: yaml(200_000) }, ctx),
    );
    await nextEvent(svc, 'job.progress', (p) => p.jobId === jobId);
    expect(ok<unknown[]>(await svc.dispatch('jobs.list', {}, ctx))).toHaveLength(1);
    expect(ok(await svc.dispatch('jobs.cancel', { jobId }, ctx))).toEqual({ cancelled: true });
    const done = await nextEvent(svc, 'job.done', (p) => p.jobId === jobId);
    expect(done.status).toBe('cancelled');
    const detail = ok<{ run: { status: string } }>(await svc.dispatch('runs.get', { runId }, ctx));
    expect(detail.run.status).toBe('cancelled');
  });

  it('rejects an invalid config with the key and line, and writes no run', async () => {
    const before = ok<unknown[]>(await svc.dispatch('runs.list', {}, ctx)).length;
    const r = await svc.dispatch(
      'backtest.start',
      { yaml: yaml(10).replace('  dt: 0.005', '  dt: -1') },
      ctx,
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_config', path: 'scenario.dt' } });
    if (!r.ok) expect(r.error.message).toMatch(/config\.yaml:7:7: scenario\.dt/);
    expect(ok<unknown[]>(await svc.dispatch('runs.list', {}, ctx))).toHaveLength(before);
  });

  it('validates a config while it is edited: issues with line and column, named by the loaded file', async () => {
    const good = ok<{
      ok: boolean;
      issues: unknown[];
      runs: { index: number; label: string }[];
      runCount: number;
    }>(await svc.dispatch('scenarios.validate', { yaml: yaml(10) }, ctx));
    expect(good).toMatchObject({ ok: true, file: 'config.yaml', issues: [] });
    // The grid the runner will run, expanded by the server (the page never expands it itself).
    expect(good.runCount).toBe(good.runs.length);
    expect(good.runs.map((r) => r.index)).toEqual(good.runs.map((_, i) => i));
    expect(good.runCount).toBeGreaterThan(0);
    const bad = yaml(10).replace('  dt: 0.005', '  dt: -1');
    const v = ok<{ ok: boolean; file: string; issues: { path: string; line?: number; col?: number }[] }>(
      await svc.dispatch('scenarios.validate', { yaml: bad, file: 'mine.yaml' }, ctx),
    );
    expect(v).toMatchObject({
      ok: false,
      file: 'mine.yaml',
      issues: [{ path: 'scenario.dt', line: 7, col: 7 }],
    });
    const r = await svc.dispatch('backtest.start', { yaml: bad, file: 'mine.yaml' }, ctx);
    if (r.ok) throw new Error('started');
    expect(r.error.message).toMatch(/^mine\.yaml:7:7: scenario\.dt/);
  });

  it('keeps runs across a restart', async () => {
    const runs = ok<{ id: string }[]>(await svc.dispatch('runs.list', {}, ctx));
    await svc.close();
    svc = new AppService({ dataDir, transport: 'websocket', version: '0.0.0-test' });
    const again = ok<{ id: string }[]>(await svc.dispatch('runs.list', {}, ctx));
    expect(again.map((r) => r.id)).toEqual(runs.map((r) => r.id));
    const { deleted } = ok<{ deleted: boolean }>(
      await svc.dispatch('runs.delete', { runId: runs[0]?.id ?? '' }, ctx),
    );
    expect(deleted).toBe(true);
    expect(await svc.dispatch('runs.get', { runId: runs[0]?.id ?? '' }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('replays a book-mode session live: snapshots with ladder and queue positions, pause, step, stop', async () => {
    const snaps: BookSnapshot[] = [];
    const off = svc.bus.subscribe('book.snapshot', (s) => snaps.push(s));
    const state = ok<ReplayState>(
      await svc.dispatch('replay.start', { preset: 'book-default', speed: 1000, depthLevels: 5 }, ctx),
    );
    expect(state.status).toBe('running');
    while (snaps.length < 5) await new Promise((r) => setTimeout(r, 20));
    const paused = ok<ReplayState>(
      await svc.dispatch('replay.control', { sessionId: state.sessionId, action: 'pause' }, ctx),
    );
    expect(paused.status).toBe('paused');
    const last = snaps.at(-1);
    expect(last?.bids.length).toBe(5);
    expect(last?.asks.length).toBe(5);
    expect((last?.asks[0]?.price ?? 0) > (last?.bids[0]?.price ?? 0)).toBe(true);
    expect(snaps.reduce((n, s) => n + s.updates, 0)).toBeGreaterThan(100);
    expect(snaps.some((s) => s.trades.length > 0)).toBe(true);
    expect(Math.max(...snaps.map((s) => s.ticks.t.length))).toBeLessThanOrEqual(512);
    const withOurs = snaps.find((s) => s.ours.length > 0);
    expect(withOurs?.ours[0]?.queueAhead).toBeGreaterThanOrEqual(0);
    const n = snaps.length;
    const stepped = ok<ReplayState>(
      await svc.dispatch('replay.control', { sessionId: state.sessionId, action: 'step' }, ctx),
    );
    expect(stepped.status).toBe('paused');
    expect(snaps.length).toBe(n + 1);
    expect(stepped.t).toBeGreaterThanOrEqual(paused.t);
    await svc.dispatch('replay.control', { sessionId: state.sessionId, action: 'stop' }, ctx);
    off();
    expect(
      await svc.dispatch('replay.control', { sessionId: state.sessionId, action: 'resume' }, ctx),
    ).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    // Paced: at 20× the session advances, and never runs ahead of 20× wall time. (How far it gets in
    // 0.8 s depends on the machine's load, so only the upper bound is asserted.)
    const paced = ok<ReplayState>(
      await svc.dispatch('replay.start', { preset: 'book-default', speed: 20 }, ctx),
    );
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 800));
    const mid = ok<ReplayState>(
      await svc.dispatch('replay.control', { sessionId: paced.sessionId, action: 'pause' }, ctx),
    );
    const wallS = (performance.now() - t0) / 1000;
    expect(mid.t).toBeGreaterThan(0);
    expect(mid.t).toBeLessThanOrEqual(20 * wallS + 20);
    await svc.dispatch('replay.control', { sessionId: paced.sessionId, action: 'stop' }, ctx);
    const wrongMode = await svc.dispatch('replay.start', { preset: 'as2008' }, ctx);
    expect(wrongMode).toMatchObject({ ok: false, error: { code: 'invalid_input', path: 'scenario.mode' } });
  });
});
