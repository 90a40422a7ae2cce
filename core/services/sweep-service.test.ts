/**
 * `sweeps.start` / `sweeps.cancel` / `sweeps.openCell` / `sweeps.presets` through the app's dispatcher
 * against a real store and real worker threads: a tiny stress sweep runs and reports progress until every
 * cell is stored; bad configs are refused naming the key (and line); a cancelled sweep stops and resumes;
 * an opened cell's run has the stored cell's metrics bit for bit, a second open finds it again, and a
 * stressed cell comes with its base run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  EventPayload,
  RunDetail,
  RunListRow,
  SweepCellRuns,
  SweepDetail,
  SweepListRow,
  SweepPreset,
  SweepStarted,
} from '../api/contract';
import type { CallResult } from '../api/registry';
import { AppService } from './app-service';
import { MAX_APP_SWEEP_CELLS } from './sweep-service';

function ok<T>(r: CallResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.output as T;
}

const TINY = `name: tiny-stress
paths: 2
seeds: [1, 2]
scenario:
  file: as2008.yaml
stresses:
  - { kind: volatility-spike, onset: 0.5, duration: 0.25, magnitude: 3 }
strategies:
  - { type: avellaneda-stoikov, variant: inventory, gamma: 0.1 }
  - { type: fixed-spread, halfSpread: 0.7 }
`;

describe('sweeps.start / cancel / openCell', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-sweep-svc-'));
  let svc: AppService;
  const ctx = { clientId: 'test' };
  const call = (m: string, input: unknown): Promise<CallResult> => svc.dispatch(m, input, ctx);

  /**
   * Resolves with the sweep.done of `id` and every sweep.progress of it before that (recorded from the
   * subscription on: the first event is emitted while sweeps.start runs, before its id is known here).
   */
  function until(id: () => string): Promise<{
    done: EventPayload<'sweep.done'>;
    progress: EventPayload<'sweep.progress'>[];
  }> {
    const progress: EventPayload<'sweep.progress'>[] = [];
    return new Promise((resolve) => {
      const offP = svc.bus.subscribe('sweep.progress', (p) => progress.push(p));
      const offD = svc.bus.subscribe('sweep.done', (d) => {
        if (d.sweepId !== id()) return;
        offP();
        offD();
        resolve({ done: d, progress: progress.filter((p) => p.sweepId === d.sweepId) });
      });
    });
  }

  beforeAll(() => {
    svc = new AppService({ dataDir: dir, transport: 'websocket', version: 'test', sweeps: { workers: 2 } });
  });
  afterAll(async () => {
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the shipped sweep configs, quickest first', async () => {
    const presets = ok<SweepPreset[]>(await call('sweeps.presets', {}));
    const ids = presets.map((p) => p.id);
    expect(ids[0]).toBe('stress-sweep-quick');
    expect(ids).toContain('stress-sweep-example');
    expect(ids).toContain('sweep-example');
    expect(presets.find((p) => p.id === 'stress-sweep-example')?.kind).toBe('stress');
    expect(presets.find((p) => p.id === 'stress-sweep-example')?.cells).toBe(4 * 2 * 4);
  });

  it('runs a tiny stress sweep to the end, with progress, into the store', async () => {
    let id = '';
    const ended = until(() => id);
    const started = ok<SweepStarted>(await call('sweeps.start', { yaml: TINY }));
    id = started.sweepId;
    expect(started).toMatchObject({ name: 'tiny-stress', kind: 'stress', cells: 2 * 2 * 2 });
    const { done, progress } = await ended;
    expect(done).toMatchObject({ status: 'completed', computed: 8, skipped: 0, failed: 0, error: null });
    // The first event (0 of 8) and the last (8 of 8), counts never going down.
    expect(progress[0]).toMatchObject({ done: 0, total: 8 });
    expect(progress.at(-1)).toMatchObject({ done: 8, total: 8 });
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    const list = ok<SweepListRow[]>(await call('sweeps.list', {}));
    expect(list.find((s) => s.id === id)).toMatchObject({ status: 'completed', stored: 8, cells: 8 });
    const detail = ok<SweepDetail>(await call('sweeps.get', { id }));
    expect(detail.cells).toHaveLength(4);
    expect(detail.cells.every((c) => c.seeds === 2)).toBe(true);

    // The same config again: every cell is found, nothing is computed.
    let again = '';
    const ended2 = until(() => again);
    again = ok<SweepStarted>(await call('sweeps.start', { yaml: TINY })).sweepId;
    expect(again).toBe(id);
    expect((await ended2).done).toMatchObject({ status: 'completed', computed: 0, skipped: 8 });
  });

  it('refuses a bad config naming the key and line, and files outside the configs', async () => {
    const bad = await call('sweeps.start', { yaml: TINY.replace('halfSpread: 0.7', 'halfSpred: 0.7') });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe('bad_config');
    expect(bad.error.path).toMatch(/^strategies\[1\]/);
    expect(bad.error.message).toMatch(/sweep\.yaml:10:\d+: strategies\[1\]/);

    const escape = await call('sweeps.start', { yaml: TINY.replace('as2008.yaml', '../../etc/passwd') });
    expect(escape.ok || escape.error).toMatchObject({ code: 'bad_config', path: 'scenario.file' });
    const missing = await call('sweeps.start', { yaml: TINY.replace('as2008.yaml', 'nope.yaml') });
    expect(missing.ok || missing.error.message).toMatch(
      /no shipped config or saved scenario named nope\.yaml/,
    );

    const seeds = Array.from({ length: MAX_APP_SWEEP_CELLS }, (_, i) => i).join(', ');
    const big = await call('sweeps.start', { yaml: TINY.replace('seeds: [1, 2]', `seeds: [${seeds}]`) });
    expect(big.ok || big.error).toMatchObject({ code: 'bad_config', path: 'seeds' });

    // The object form, kind inferred from `scenarios`: a sweep; an unknown key is named.
    const obj = await call('sweeps.start', {
      config: { paths: 1, seeds: [1], scenarios: [{ file: 'as2008.yaml' }], strategies: [{ type: 'nope' }] },
    });
    expect(obj.ok || obj.error).toMatchObject({ code: 'bad_config' });
    expect(obj.ok || obj.error.path).toMatch(/^strategies\[0\]/);
  });

  it('cancels a running sweep, refuses a second one meanwhile, and resumes it later', async () => {
    const yaml = TINY.replace('paths: 2', 'paths: 40').replace('name: tiny-stress', 'name: to-cancel');
    let id = '';
    const ended = until(() => id);
    id = ok<SweepStarted>(await call('sweeps.start', { yaml })).sweepId;
    const second = await call('sweeps.start', { yaml: TINY });
    expect(second.ok || second.error.code).toBe('conflict');
    expect(ok<{ cancelled: boolean }>(await call('sweeps.cancel', { id }))).toEqual({ cancelled: true });
    const { done } = await ended;
    expect(done.status).toBe('cancelled');
    expect(done.computed).toBeLessThan(8);
    const row = ok<SweepListRow[]>(await call('sweeps.list', {})).find((s) => s.id === id);
    expect(row?.status).toBe('cancelled');
    expect(ok<{ cancelled: boolean }>(await call('sweeps.cancel', { id }))).toEqual({ cancelled: false });

    let again = '';
    const ended2 = until(() => again);
    again = ok<SweepStarted>(await call('sweeps.start', { yaml })).sweepId;
    const resumed = (await ended2).done;
    expect(resumed.status).toBe('completed');
    expect(resumed.computed + resumed.skipped).toBe(8);
    expect(resumed.skipped).toBe(done.computed);
  });

  it("opens a stressed cell as a run with the cell's metrics bit for bit, with its base, once", async () => {
    const sweep = ok<SweepListRow[]>(await call('sweeps.list', {})).find((s) => s.name === 'tiny-stress')!;
    const detail = ok<SweepDetail>(await call('sweeps.get', { id: sweep.id }));
    const stressed = detail.scenarios.find((s) => s.stress !== 'base')!.name;
    const base = detail.scenarios.find((s) => s.stress === 'base')!.name;
    const runsBefore = ok<RunListRow[]>(await call('runs.list', {})).length;

    const opened = ok<SweepCellRuns>(
      await call('sweeps.openCell', { id: sweep.id, scenario: stressed, strategyIndex: 1 }),
    );
    expect(opened.seed).toBe(1);
    expect(opened.seeds).toEqual([1, 2]);
    expect(opened.run).toMatchObject({ scenario: stressed, strategyIndex: 1, seed: 1, cached: false });
    expect(opened.base).toMatchObject({ scenario: base, strategyIndex: 1, seed: 1, cached: false });

    for (const r of [opened.run, opened.base!]) {
      const run = ok<RunDetail>(await call('runs.get', { runId: r.runId }));
      expect(run.run.status).toBe('completed');
      expect(run.run.seed).toBe(1);
      expect(run.results).toHaveLength(1);
      expect(run.seriesPaths.length).toBeGreaterThan(0);
      // Same engine, config and seed: every metric the cell stored is the run's, bit for bit.
      const cell = r.cellMetrics!;
      const metrics = run.results[0]!.metrics;
      const keys = Object.keys(cell).filter((k) => cell[k] !== null);
      expect(keys.length).toBeGreaterThan(10);
      for (const k of keys) expect([k, metrics[k]]).toEqual([k, cell[k]]);
      const s = ok<{ pnl: number[] }>(await call('runs.series', { runId: r.runId, resultIndex: 0, path: 0 }));
      expect(s.pnl.length).toBeGreaterThan(10);
    }
    expect(ok<RunListRow[]>(await call('runs.list', {})).length).toBe(runsBefore + 2);

    // Again: found, not computed (no new runs); another seed is a new run.
    const again = ok<SweepCellRuns>(
      await call('sweeps.openCell', { id: sweep.id, scenario: stressed, strategyIndex: 1, seed: 1 }),
    );
    expect(again.run).toMatchObject({ runId: opened.run.runId, cached: true });
    expect(again.base).toMatchObject({ runId: opened.base!.runId, cached: true });
    expect(ok<RunListRow[]>(await call('runs.list', {})).length).toBe(runsBefore + 2);
    const seed2 = ok<SweepCellRuns>(
      await call('sweeps.openCell', { id: sweep.id, scenario: stressed, strategyIndex: 1, seed: 2 }),
    );
    expect(seed2.run.cached).toBe(false);
    expect(seed2.run.runId).not.toBe(opened.run.runId);

    // The base cell itself has no base; the report of the pair renders.
    const baseOnly = ok<SweepCellRuns>(
      await call('sweeps.openCell', { id: sweep.id, scenario: base, strategyIndex: 1 }),
    );
    expect(baseOnly.base).toBeNull();
    expect(baseOnly.run).toMatchObject({ runId: opened.base!.runId, cached: true });
    const report = ok<{ html: string }>(
      await call('runs.report', { runIds: [opened.run.runId, opened.base!.runId] }),
    );
    expect(report.html).toContain('Cumulative PnL');

    const wrongSeed = await call('sweeps.openCell', {
      id: sweep.id,
      scenario: base,
      strategyIndex: 0,
      seed: 9,
    });
    expect(wrongSeed.ok || wrongSeed.error).toMatchObject({ code: 'not_found', path: 'seed' });
    const wrongCell = await call('sweeps.openCell', { id: sweep.id, scenario: 'nope', strategyIndex: 0 });
    expect(wrongCell.ok || wrongCell.error).toMatchObject({ code: 'not_found', path: 'scenario' });
  });
});
