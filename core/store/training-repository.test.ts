/**
 * Training runs on a real SQLite file in a temp directory: create/list/get, status transitions, metrics
 * appended in batches (seq across resumes, NaN optional fields as null, validation before writing),
 * bucketed downsampling, checkpoints, truncation on resume, cascading delete, orphan recovery.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrainMetrics } from '../api/contract';
import { openStore, STORE_FILE, StoreError, type NewTrainingRun, type Store } from './db';
import { TRAINING_INCOMPLETE_REASON } from './training-repository';

let dir: string;
const stores: Store[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-train-store-'));
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function clock(start = Date.UTC(2025, 0, 2, 3, 4, 5)): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

function open(): Store {
  const s = openStore(dir, { now: clock() });
  stores.push(s);
  return s;
}

const newRun: NewTrainingRun = {
  name: 'sac-test',
  algo: 'sac',
  config: { algo: 'sac', seed: 7, nested: { lr: 3e-4 } },
  seed: 7,
  codeVersion: 'abc',
  runDir: '/tmp/somewhere',
  totalSteps: 1000,
};

function sample(step: number, extra: Partial<TrainMetrics> = {}): TrainMetrics {
  return {
    step,
    totalSteps: 1000,
    updates: Math.floor(step / 2),
    episodes: Math.floor(step / 100),
    elapsedSec: step / 50,
    stepsPerSec: 50,
    ...extra,
  };
}

describe('TrainingRepository', () => {
  it('stores a REINFORCE run and its curriculum stage (a bucket keeps its highest stage)', () => {
    const s = open();
    const r = s.training.create({ ...newRun, name: 'rf', algo: 'reinforce' });
    expect(r.algo).toBe('reinforce');
    s.training.appendMetrics(r.id, [
      sample(10, { curriculumStage: 0 }),
      sample(20, { curriculumStage: 0 }),
      sample(30, { curriculumStage: 1 }),
      sample(40),
    ]);
    const h = s.training.metrics(r.id);
    expect(h.curriculumStage).toEqual([0, 0, 1, null]);
    // Two buckets of two samples: the stage is the bucket's maximum, not a fractional mean.
    expect(s.training.metrics(r.id, 2).curriculumStage).toEqual([0, 1]);
    expect(() => s.training.create({ ...newRun, algo: 'a2c' as never })).toThrow(/unknown algorithm a2c/);
  });

  it('creates, lists and reads a run', () => {
    const s = open();
    const a = s.training.create(newRun);
    const b = s.training.create({ ...newRun, name: 'second', algo: 'ppo', totalSteps: null });
    expect(a).toMatchObject({
      name: 'sac-test',
      algo: 'sac',
      seed: 7,
      codeVersion: 'abc',
      status: 'running',
      reason: null,
      backend: null,
      runDir: '/tmp/somewhere',
      step: 0,
      totalSteps: 1000,
      checkpoints: 0,
      lastCheckpointStep: null,
    });
    expect(a.createdAt).toBe(a.updatedAt);
    expect(s.training.list().map((r) => r.name)).toEqual(['second', 'sac-test']);
    expect(s.training.list(1)).toHaveLength(1);
    expect(s.training.get(b.id)?.totalSteps).toBeNull();
    expect(s.training.config(a.id)).toEqual(newRun.config);
    expect(s.training.get('nope')).toBeNull();
    expect(() => s.training.config('nope')).toThrow(StoreError);
  });

  it('validates before writing', () => {
    const s = open();
    expect(() => s.training.create({ ...newRun, algo: 'dqn' as 'sac' })).toThrow(/unknown algorithm/);
    expect(() => s.training.create({ ...newRun, seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => s.training.create({ ...newRun, name: '' })).toThrow(/name/);
    expect(s.training.list()).toEqual([]);
    const r = s.training.create(newRun);
    expect(() => s.training.appendMetrics(r.id, [sample(10), { ...sample(20), updates: NaN }])).toThrow(
      /sample 1 updates must be an integer/,
    );
    expect(() => s.training.appendMetrics(r.id, [sample(-1)])).toThrow(/step must be an integer/);
    expect(s.training.metricCount(r.id)).toBe(0);
    expect(() => s.training.appendMetrics('nope', [sample(1)])).toThrow(/no training run nope/);
    expect(() =>
      s.training.addCheckpoint(r.id, { id: '', dir: 'x', step: 1, updates: 1, episodes: 0 }),
    ).toThrow(StoreError);
  });

  it('moves through pause, resume, stop and refuses to revive a finished run', () => {
    const s = open();
    const r = s.training.create(newRun);
    expect(s.training.setLive(r.id, 'paused').status).toBe('paused');
    expect(s.training.setLive(r.id, 'running').status).toBe('running');
    expect(s.training.setBackend(r.id, 'wasm').backend).toBe('wasm');
    const stopped = s.training.finish(r.id, 'stopped', 'stopped by the user');
    expect(stopped).toMatchObject({ status: 'stopped', reason: 'stopped by the user', backend: 'wasm' });
    expect(s.training.setLive(r.id, 'running')).toMatchObject({ status: 'running', reason: null });
    s.training.finish(r.id, 'finished');
    expect(() => s.training.setLive(r.id, 'running')).toThrow(/finished/);
    expect(() => s.training.finish(r.id, 'running' as 'stopped')).toThrow(StoreError);
  });

  it('appends metrics in batches, keeps seq across resumes, stores NaN optional fields as null', () => {
    const s = open();
    const r = s.training.create(newRun);
    s.training.appendMetrics(r.id, [
      sample(10, { episodeReturn: 1.5, actorLoss: 0.25 }),
      sample(20, { criticLoss: NaN, alpha: 0.2 }),
    ]);
    s.training.appendMetrics(r.id, [sample(30, { evalReturn: 4, evalBaselineReturn: 3 })]);
    expect(s.training.get(r.id)?.step).toBe(30);
    const h = s.training.metrics(r.id);
    expect(h.total).toBe(3);
    expect(h.downsampled).toBe(false);
    expect(h.step).toEqual([10, 20, 30]);
    expect(h.episodeReturn).toEqual([1.5, null, null]);
    expect(h.actorLoss).toEqual([0.25, null, null]);
    expect(h.criticLoss).toEqual([null, null, null]);
    expect(h.alpha).toEqual([null, 0.2, null]);
    expect(h.evalReturn).toEqual([null, null, 4]);
    expect(h.evalBaselineReturn).toEqual([null, null, 3]);
    expect(h.updates).toEqual([5, 10, 15]);
    expect(h.totalSteps).toEqual([1000, 1000, 1000]);

    // A crash after step 30 and a resume from the checkpoint at step 20: the samples beyond it go.
    s.training.addCheckpoint(r.id, {
      id: 'step-000000020',
      dir: '/c/20',
      step: 20,
      updates: 10,
      episodes: 0,
    });
    s.training.addCheckpoint(r.id, {
      id: 'step-000000030',
      dir: '/c/30',
      step: 30,
      updates: 15,
      episodes: 0,
    });
    s.training.truncateAfter(r.id, 20);
    expect(s.training.get(r.id)).toMatchObject({ step: 20, checkpoints: 1, lastCheckpointStep: 20 });
    s.training.appendMetrics(r.id, [sample(25), sample(40)]);
    expect(s.training.metrics(r.id).step).toEqual([10, 20, 25, 40]);
    const db = new Database(path.join(dir, STORE_FILE), { readonly: true });
    const seqs = db
      .prepare('SELECT seq FROM training_metrics WHERE run_id = ? ORDER BY seq')
      .pluck()
      .all(r.id);
    db.close();
    expect(seqs).toEqual([0, 1, 2, 3]); // step 30 was dropped; seq continues after the last kept sample
  });

  it('downsamples into equal-count buckets, each as its minimum and its maximum', () => {
    const s = open();
    const r = s.training.create(newRun);
    const samples: TrainMetrics[] = [];
    for (let i = 1; i <= 5000; i++) {
      samples.push(
        sample(i * 10, {
          episodeReturn: i,
          ...(i % 1000 === 0 ? { evalReturn: i / 1000 } : {}),
        }),
      );
    }
    s.training.appendMetrics(r.id, samples);
    const h = s.training.metrics(r.id, 2000);
    expect(h.total).toBe(5000);
    expect(h.downsampled).toBe(true);
    expect(h.step.length).toBeLessThanOrEqual(2000);
    expect(h.step.length).toBeGreaterThan(1900);
    for (let i = 1; i < h.step.length; i++) expect(h.step[i]).toBeGreaterThan(h.step[i - 1] ?? Infinity);
    expect(h.step.at(-1)).toBe(50_000);
    expect(h.updates.at(-1)).toBe(25_000);
    // 1000 buckets of 5 samples: each bucket's first and last step, its smallest and largest return
    const ret = h.episodeReturn.filter((v): v is number => v !== null);
    expect(ret).toHaveLength(h.step.length);
    expect(ret.slice(0, 4)).toEqual([1, 5, 6, 10]);
    expect(h.step.slice(0, 4)).toEqual([10, 50, 60, 100]);
    // the 5 sparse eval samples all survive once each
    expect(h.evalReturn.filter((v) => v !== null)).toEqual([1, 2, 3, 4, 5]);
    const small = s.training.metrics(r.id, 10);
    expect(small.step).toHaveLength(10);
    expect(small.episodeReturn.slice(0, 4)).toEqual([1, 1000, 1001, 2000]);
    expect(small.updates.slice(0, 2)).toEqual([5, 5000]); // counters: first and last value
    // a one-sample spike in a long flat series is kept (an average would have hidden it)
    const spiky = s.training.create(newRun);
    s.training.appendMetrics(
      spiky.id,
      Array.from({ length: 4000 }, (_, i) => sample((i + 1) * 10, { actorLoss: i === 2345 ? 99 : 1 })),
    );
    const sp = s.training.metrics(spiky.id, 100);
    expect(sp.step.length).toBeLessThanOrEqual(100);
    expect(Math.max(...sp.actorLoss.filter((v): v is number => v !== null))).toBe(99);
    const empty = s.training.create(newRun);
    expect(s.training.metrics(empty.id)).toMatchObject({ total: 0, downsampled: false, step: [] });
  });

  it('records checkpoints, curves, and deletes with cascade', () => {
    const s = open();
    const r = s.training.create(newRun);
    const c = s.training.addCheckpoint(r.id, {
      id: 'step-000000100',
      dir: '/runs/x/checkpoints/step-000000100',
      step: 100,
      updates: 40,
      episodes: 2,
      evalReturn: 1.25,
    });
    expect(c).toEqual({
      id: 'step-000000100',
      dir: '/runs/x/checkpoints/step-000000100',
      step: 100,
      updates: 40,
      episodes: 2,
      evalReturn: 1.25,
      createdAt: expect.any(String) as string,
    });
    s.training.addCheckpoint(r.id, { id: 'step-000000200', dir: '/d', step: 200, updates: 80, episodes: 4 });
    expect(s.training.checkpoints(r.id).map((x) => [x.id, x.evalReturn])).toEqual([
      ['step-000000100', 1.25],
      ['step-000000200', undefined],
    ]);
    expect(s.training.get(r.id)).toMatchObject({ checkpoints: 2, lastCheckpointStep: 200 });
    expect(s.training.curves(r.id)).toBeNull();
    const curves = { step: 200, curves: [{ name: 'policy', points: [{ q: 0, bid: 0.1, ask: 0.2 }] }] };
    s.training.setCurves(r.id, curves);
    expect(s.training.curves(r.id)).toEqual(curves);

    s.training.appendMetrics(r.id, [sample(1)]);
    expect(s.training.delete(r.id)).toBe(true);
    expect(s.training.delete(r.id)).toBe(false);
    const db = new Database(path.join(dir, STORE_FILE), { readonly: true });
    const n = (t: string): unknown => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get();
    expect([n('training_runs'), n('training_metrics'), n('training_checkpoints')]).toEqual([0, 0, 0]);
    db.close();
  });

  it("marks running/paused runs of a dead owner 'incomplete' on open, and they can be claimed again", () => {
    const s = open();
    const mine = s.training.create({ ...newRun, name: 'mine' });
    const paused = s.training.create({ ...newRun, name: 'paused' });
    s.training.setLive(paused.id, 'paused');
    const dead = s.training.create({ ...newRun, name: 'dead' });
    const alive = s.training.create({ ...newRun, name: 'alive' });
    const done = s.training.create({ ...newRun, name: 'done' });
    s.training.finish(done.id, 'finished');
    // another store in this process does not take live runs for orphans
    const other = openStore(dir);
    expect(other.recoveredTraining).toEqual([]);
    other.close();
    s.close();

    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const db = new Database(path.join(dir, STORE_FILE));
    // No start time recorded (as in rows of schema < 3): the owner check falls back to the pid.
    const own = db.prepare(
      'UPDATE training_runs SET owner_pid = ?, owner_host = ?, owner_start = NULL WHERE id = ?',
    );
    own.run(deadPid, os.hostname(), dead.id);
    own.run(process.ppid, os.hostname(), alive.id);
    db.close();

    const s2 = open();
    expect([...s2.recoveredTraining].sort()).toEqual([mine.id, paused.id, dead.id].sort());
    const status = Object.fromEntries(s2.training.list().map((r) => [r.name, [r.status, r.reason]]));
    expect(status).toEqual({
      mine: ['incomplete', TRAINING_INCOMPLETE_REASON],
      paused: ['incomplete', TRAINING_INCOMPLETE_REASON],
      dead: ['incomplete', TRAINING_INCOMPLETE_REASON],
      alive: ['running', null],
      done: ['finished', null],
    });
    // resumed in this process: owned again, so reopening leaves it alone
    expect(s2.training.setLive(mine.id, 'running').status).toBe('running');
    const s3 = openStore(dir);
    expect(s3.recoveredTraining).toEqual([]);
    s3.close();
  });
});
