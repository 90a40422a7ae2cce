/**
 * The store on real SQLite files in a temp directory: schema and migrations, a full round trip of a
 * backtest run, validation (nothing written on bad input), cascading deletes, orphan recovery and
 * artifacts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUY, SELL } from '../domain/side';
import { allocSeries, FillLog, type PathResult } from '../sim/path-result';
import {
  openStore,
  SCHEMA_VERSION,
  SchemaTooNewError,
  STORE_FILE,
  StoreError,
  type ResultInput,
  type Store,
} from './db';
import { migrate, MIGRATIONS } from './migrations';
import { INCOMPLETE_MESSAGE } from './run-repository';
import { diffPaths, makePath } from './test-fixtures';

let dir: string;
const stores: Store[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-store-'));
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A clock that advances one second per call, from a fixed instant. */
function clock(start = Date.UTC(2025, 0, 2, 3, 4, 5)): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

function open(opts: Parameters<typeof openStore>[1] = {}): Store {
  const s = openStore(dir, { now: clock(), ...opts });
  stores.push(s);
  return s;
}

function raw(): Database.Database {
  return new Database(path.join(dir, STORE_FILE));
}

const newRun = {
  kind: 'backtest',
  name: 'demo',
  config: { a: 1, nested: { b: [1, 2] } },
  seed: 12345,
  paths: 4,
  codeVersion: 'abc123',
} as const;

/** A RunMetrics-like interface (interfaces have no index signature: the generic must accept them). */
interface Metrics {
  pnlMean: number;
  sharpe: number;
}

describe('schema and migrations', () => {
  it('creates the schema in WAL mode with user_version set', () => {
    const s = open();
    expect(s.schemaVersion).toBe(SCHEMA_VERSION);
    expect(s.file).toBe(path.join(dir, 'quotebench.sqlite'));
    s.close();
    const db = raw();
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2); // incremental
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual([
      'artifacts',
      'fills',
      'run_files',
      'run_metric_steps',
      'run_metrics',
      'run_results',
      'runs',
      'series',
      'sweep_cells',
      'sweeps',
      'training_checkpoints',
      'training_metrics',
      'training_runs',
    ]);
    db.close();
  });

  it('reopening is idempotent and keeps the data', () => {
    const s1 = open();
    const run = s1.runs.create(newRun);
    s1.runs.finish(run.id, 'completed');
    s1.close();
    const schema = (): unknown => {
      const db = raw();
      const out = db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all();
      db.close();
      return out;
    };
    const before = schema();
    const s2 = open();
    expect(s2.schemaVersion).toBe(SCHEMA_VERSION);
    expect(s2.runs.list(10).map((r) => [r.id, r.status])).toEqual([[run.id, 'completed']]);
    s2.close();
    expect(schema()).toEqual(before);
  });

  it('refuses a database with a newer schema version, without touching it', () => {
    open().close();
    const db = raw();
    db.pragma('user_version = 99');
    db.close();
    expect(() => openStore(dir)).toThrow(SchemaTooNewError);
    expect(() => openStore(dir)).toThrow(
      new RegExp(`schema version 99, but this build of Quotebench knows versions up to ${SCHEMA_VERSION}`),
    );
    const after = raw();
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    after.close();
  });

  it('applies each migration in its own transaction (a failing one leaves the previous version)', () => {
    const db = new Database(path.join(dir, 'm.sqlite'));
    const migrations = [
      'CREATE TABLE a (x INTEGER)',
      'CREATE TABLE b (x INTEGER); CREATE TABLE syntax error',
    ];
    expect(() => migrate(db, 'm.sqlite', migrations)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all()).toEqual(['a']);
    expect(migrate(db, 'm.sqlite', migrations.slice(0, 1))).toEqual([]);
    db.close();
  });

  it("migration 4 keeps every training row, admits 'reinforce' runs and adds curriculum_stage", () => {
    const db = new Database(path.join(dir, 'v3.sqlite'));
    db.pragma('foreign_keys = ON');
    expect(migrate(db, 'v3.sqlite', MIGRATIONS.slice(0, 3))).toEqual([1, 2, 3]);
    const now = '2026-12-06T00:00:00Z';
    db.prepare(
      `INSERT INTO training_runs (id, name, algo, config_json, seed, code_version, status, run_dir, created_at, updated_at, owner_start)
       VALUES ('r1', 'old', 'ppo', '{}', 7, 'v', 'finished', '/tmp/r1', ?, ?, 42)`,
    ).run(now, now);
    db.prepare(
      `INSERT INTO training_metrics (run_id, seq, step, total_steps, updates, episodes, elapsed_sec, steps_per_sec, eval_return)
       VALUES ('r1', 0, 100, 200, 3, 2, 1.5, 66, -4.25)`,
    ).run();
    db.prepare(
      `INSERT INTO training_checkpoints (run_id, id, step, updates, episodes, dir, created_at)
       VALUES ('r1', 'step-000000100', 100, 3, 2, '/tmp/r1/c', ?)`,
    ).run(now);
    expect(() =>
      db
        .prepare(
          `INSERT INTO training_runs (id, name, algo, config_json, seed, code_version, status, run_dir, created_at, updated_at)
         VALUES ('r2', 'new', 'reinforce', '{}', 1, 'v', 'running', '/tmp/r2', ?, ?)`,
        )
        .run(now, now),
    ).toThrow(/CHECK/);
    expect(migrate(db, 'v3.sqlite', MIGRATIONS.slice(0, 4))).toEqual([4]);
    expect(db.prepare('SELECT algo, owner_start FROM training_runs').get()).toEqual({
      algo: 'ppo',
      owner_start: 42,
    });
    expect(db.prepare('SELECT step, eval_return, curriculum_stage FROM training_metrics').get()).toEqual({
      step: 100,
      eval_return: -4.25,
      curriculum_stage: null,
    });
    expect(db.prepare('SELECT count(*) FROM training_checkpoints').pluck().get()).toBe(1);
    db.prepare(
      `INSERT INTO training_runs (id, name, algo, config_json, seed, code_version, status, run_dir, created_at, updated_at)
       VALUES ('r2', 'new', 'reinforce', '{}', 1, 'v', 'running', '/tmp/r2', ?, ?)`,
    ).run(now, now);
    // The children still cascade from the rebuilt parent.
    db.prepare("DELETE FROM training_runs WHERE id = 'r1'").run();
    expect(db.prepare('SELECT count(*) FROM training_metrics').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM training_checkpoints').pluck().get()).toBe(0);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });

  it('gives a clear error for a file that is not a database', () => {
    fs.writeFileSync(
      path.join(dir, STORE_FILE),
      'this is not sqlite, just some text that is long enough'.repeat(20),
    );
    expect(() => openStore(dir)).toThrow(/quotebench\.sqlite is not a readable Quotebench database/);
  });

  it('creates a missing data directory', () => {
    const nested = path.join(dir, 'a', 'b');
    const s = openStore(nested);
    s.close();
    expect(fs.existsSync(path.join(nested, STORE_FILE))).toBe(true);
  });
});

/** A small hand-made path: 4 bars, NaN gaps, 3 fills in a FillLog that had to grow. */
function handPath(): PathResult {
  const series = allocSeries(4);
  series.t.set([0, 1, 2, 3, 4]);
  series.mid.set([100, 100.5, 101, 100, 99]);
  series.bid.set([99, NaN, 99.5, NaN, 100]);
  series.ask.set([NaN, 101, 102, 103, NaN]);
  series.inventory.set([0, 1, 2, 1, -1]);
  series.cash.set([0, -100, -201, NaN, 0]);
  series.pnl.set([0, 2, 1, 3, -1]);
  const fills = new FillLog(1);
  fills.push(0.5, BUY, 99.5, 1, 0.01, 100.25);
  fills.push(1.5, BUY, 100.5, 1, -0.02, 100.75);
  fills.push(3.5, SELL, 101, 2, 0, 99.5);
  return { pathIndex: 2, seed: 12345, series, fills, quotesPosted: 17, lotSize: 0.1 };
}

describe('round trip', () => {
  it('writeCompleted then get / list / series / fills / path return exactly what was written', () => {
    const s = open();
    const run = s.runs.create(newRun);
    expect(run).toMatchObject({ kind: 'backtest', name: 'demo', status: 'running', seed: 12345, paths: 4 });
    expect(run).toMatchObject({ codeVersion: 'abc123', finishedAt: null, error: null, results: 0 });
    expect(run.createdAt).toBe('2025-01-02T03:04:06.000Z');

    const m0: Metrics = { pnlMean: 1.5, sharpe: -0.25 };
    const results: ResultInput<Metrics>[] = [
      {
        index: 0,
        strategy: 'as',
        params: { gamma: 0.1, mode: 'exact', skew: true },
        scenario: 'calm',
        paths: 4,
        metrics: m0,
      },
      {
        index: 1,
        strategy: 'fixed',
        params: { half: 2 },
        scenario: 'calm',
        paths: 4,
        metrics: { pnlMean: -3, sharpe: 0 },
      },
    ];
    const p = handPath();
    const other = makePath(0, 10);
    const done = s.runs.writeCompleted(run.id, results, [
      { resultIndex: 1, path: p },
      { resultIndex: 0, path: other },
    ]);
    expect(done).toMatchObject({ status: 'completed', finishedAt: '2025-01-02T03:04:07.000Z', results: 2 });

    const detail = s.runs.get(run.id);
    expect(detail).toEqual({ run: done, config: newRun.config, results, seriesPaths: [0, 2] });

    expect(s.runs.series(run.id, 1, 2)).toEqual({
      t: [0, 1, 2, 3, 4],
      mid: [100, 100.5, 101, 100, 99],
      bid: [99, null, 99.5, null, 100],
      ask: [null, 101, 102, 103, null],
      inventory: [0, 1, 2, 1, -1],
      pnl: [0, 2, 1, 3, -1],
      drawdown: [0, 0, -1, 0, -4],
    });
    expect(s.runs.series(run.id, 0, 2)).toBeNull();
    expect(s.runs.series(run.id, 1, 3)).toBeNull();
    expect(s.runs.series('nope', 1, 2)).toBeNull();

    const f = s.runs.fills(run.id, 1, 2);
    expect(f).toBeInstanceOf(FillLog);
    expect(f?.count).toBe(3);
    expect(Array.from(f?.t ?? [])).toEqual([0.5, 1.5, 3.5]);
    expect(Array.from(f?.side ?? [])).toEqual([BUY, BUY, SELL]);
    expect(Array.from(f?.price ?? [])).toEqual([99.5, 100.5, 101]);
    expect(Array.from(f?.size ?? [])).toEqual([1, 1, 2]);
    expect(Array.from(f?.fee ?? [])).toEqual([0.01, -0.02, 0]);
    expect(Array.from(f?.midAtFill ?? [])).toEqual([100.25, 100.75, 99.5]);
    f?.push(5, SELL, 1, 1, 0, 1); // a returned log is a normal, growable FillLog
    expect(f?.count).toBe(4);

    const back = s.runs.path(run.id, 1, 2);
    expect(back && diffPaths(back, p)).toBeNull(); // bit for bit, NaN in cash included
    expect(Number.isNaN(back?.series.cash[3])).toBe(true);
    const back0 = s.runs.path(run.id, 0, 0);
    expect(back0 && diffPaths(back0, other)).toBeNull();

    // survives a reopen
    s.close();
    const s2 = open();
    expect(s2.runs.get(run.id)).toEqual(detail);
  });

  it('lists newest first with result counts and a limit', () => {
    const s = open();
    const a = s.runs.create({ ...newRun, name: 'a' });
    const b = s.runs.create({ ...newRun, name: 'b' });
    s.runs.addResult(a.id, {
      index: 0,
      strategy: 'x',
      params: {},
      scenario: 'y',
      paths: 1,
      metrics: { v: 1 },
    });
    const c = s.runs.create({ ...newRun, name: 'c' });
    expect(s.runs.list(10).map((r) => [r.name, r.results])).toEqual([
      ['c', 0],
      ['b', 0],
      ['a', 1],
    ]);
    expect(s.runs.list(2).map((r) => r.id)).toEqual([c.id, b.id]);
    // same timestamp: insertion order breaks the tie
    const same = open({ now: () => new Date(Date.UTC(2030, 0, 1)) });
    const d = same.runs.create({ ...newRun, name: 'd' });
    const e = same.runs.create({ ...newRun, name: 'e' });
    expect(same.runs.list(2).map((r) => r.id)).toEqual([e.id, d.id]);
  });

  it('writes incrementally with addResult / addPath and finishes cancelled or failed', () => {
    const s = open();
    const run = s.runs.create(newRun);
    s.runs.addPath(run.id, 0, makePath(0, 5)); // a path may arrive before its result
    s.runs.addResult(run.id, {
      index: 0,
      strategy: 'x',
      params: { k: 1 },
      scenario: 'y',
      paths: 1,
      metrics: { v: 2 },
    });
    const cancelled = s.runs.finish(run.id, 'cancelled');
    expect(cancelled).toMatchObject({ status: 'cancelled', error: null, results: 1 });
    expect(s.runs.get(run.id)?.seriesPaths).toEqual([0]);

    const run2 = s.runs.create(newRun);
    expect(s.runs.finish(run2.id, 'failed', 'boom')).toMatchObject({ status: 'failed', error: 'boom' });
  });
});

describe('validation and status rules', () => {
  it('writes nothing when writeCompleted gets a bad input', () => {
    const s = open();
    const run = s.runs.create(newRun);
    const good = { index: 0, strategy: 'x', params: {}, scenario: 'y', paths: 1, metrics: { v: 1 } };
    const bad = { ...good, index: 1, metrics: { v: NaN } };
    expect(() =>
      s.runs.writeCompleted(run.id, [good, bad], [{ resultIndex: 0, path: makePath(0, 3) }]),
    ).toThrow(/result 1 metrics\.v must be a finite number/);
    expect(() => s.runs.writeCompleted(run.id, [good], [{ resultIndex: 5, path: makePath(0, 3) }])).toThrow(
      /refers to result 5/,
    );
    expect(() => s.runs.writeCompleted(run.id, [good, good], [])).toThrow(/given twice/);
    const short = makePath(0, 3);
    short.series = { ...short.series, pnl: new Float64Array(2) };
    expect(() => s.runs.writeCompleted(run.id, [good], [{ resultIndex: 0, path: short }])).toThrow(
      /series\.pnl/,
    );
    expect(s.runs.get(run.id)).toMatchObject({
      run: { status: 'running', results: 0 },
      results: [],
      seriesPaths: [],
    });
    expect(() => s.runs.create({ ...newRun, seed: 1.5 })).toThrow(StoreError);
  });

  it('keeps finished runs read-only and names missing runs', () => {
    const s = open();
    const run = s.runs.create(newRun);
    s.runs.writeCompleted(run.id, [], []);
    const err = (fn: () => unknown): StoreError => {
      try {
        fn();
      } catch (e) {
        if (e instanceof StoreError) return e;
        throw e;
      }
      throw new Error('did not throw');
    };
    expect(err(() => s.runs.finish(run.id, 'failed', 'x')).code).toBe('read_only');
    expect(err(() => s.runs.addPath(run.id, 0, makePath(0, 2))).message).toMatch(
      /is completed: a finished run cannot be changed/,
    );
    expect(err(() => s.runs.finish('missing', 'cancelled')).code).toBe('not_found');
    expect(err(() => s.runs.finish(run.id, 'running' as never)).code).toBe('invalid');
  });

  it('rolls back store.transaction when its function throws', () => {
    const s = open();
    const run = s.runs.create(newRun);
    expect(() =>
      s.transaction(() => {
        s.runs.addPath(run.id, 0, makePath(0, 2));
        s.runs.addPath(run.id, 0, makePath(1, 2));
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(s.runs.get(run.id)?.seriesPaths).toEqual([]);
    s.transaction(() => s.runs.addPath(run.id, 0, makePath(1, 2)));
    expect(s.runs.get(run.id)?.seriesPaths).toEqual([1]);
  });
});

describe('delete', () => {
  it('cascades to results, series, fills and artifacts, leaving other runs alone', () => {
    const s = open();
    const keep = s.runs.create({ ...newRun, name: 'keep' });
    const gone = s.runs.create({ ...newRun, name: 'gone' });
    for (const r of [keep, gone]) {
      const res = [0, 1].map((index) => ({
        index,
        strategy: 'x',
        params: {},
        scenario: 'y',
        paths: 3,
        metrics: { v: index },
      }));
      const paths = [0, 1, 2].map((i) => ({ resultIndex: i % 2, path: makePath(i, 50) }));
      s.runs.writeCompleted(r.id, res, paths);
      s.artifacts.put(r.id, { name: 'report.md', mime: 'text/markdown', data: '# hi' });
    }
    s.close();
    const count = (db: Database.Database, runId: string): number[] =>
      ['run_results', 'series', 'fills', 'artifacts'].map(
        (t) => db.prepare(`SELECT count(*) FROM ${t} WHERE run_id = ?`).pluck().get(runId) as number,
      );
    let db = raw();
    expect(count(db, gone.id)).toEqual([2, 3, 3, 1]);
    db.close();

    const s2 = open();
    expect(s2.runs.delete(gone.id)).toBe(true);
    expect(s2.runs.delete(gone.id)).toBe(false);
    expect(s2.runs.get(gone.id)).toBeNull();
    expect(s2.runs.list(10).map((r) => r.name)).toEqual(['keep']);
    s2.close();

    db = raw();
    expect(count(db, gone.id)).toEqual([0, 0, 0, 0]);
    expect(count(db, keep.id)).toEqual([2, 3, 3, 1]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('freelist_count', { simple: true })).toBe(0); // incremental vacuum gave the pages back
    db.close();
  });
});

describe('orphaned runs on open', () => {
  it("marks a 'running' run of a dead owner (or of this process's earlier life) incomplete", () => {
    const s = open();
    const mine = s.runs.create({ ...newRun, name: 'mine' });
    const dead = s.runs.create({ ...newRun, name: 'dead' });
    const elsewhere = s.runs.create({ ...newRun, name: 'elsewhere' });
    const alive = s.runs.create({ ...newRun, name: 'alive' });
    const done = s.runs.create({ ...newRun, name: 'done' });
    s.runs.finish(done.id, 'completed');
    s.close();

    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const db = raw();
    // No start time recorded (as in rows of schema < 3): the owner check falls back to the pid.
    const own = db.prepare('UPDATE runs SET owner_pid = ?, owner_host = ?, owner_start = NULL WHERE id = ?');
    own.run(deadPid, os.hostname(), dead.id);
    own.run(process.ppid, 'some-other-host', elsewhere.id);
    own.run(process.ppid, os.hostname(), alive.id); // our parent (the test runner) is alive
    db.close();

    const s2 = open();
    expect([...s2.recovered].sort()).toEqual([mine.id, dead.id, elsewhere.id].sort());
    const status = Object.fromEntries(s2.runs.list(10).map((r) => [r.name, [r.status, r.error]]));
    expect(status).toEqual({
      mine: ['incomplete', INCOMPLETE_MESSAGE],
      dead: ['incomplete', INCOMPLETE_MESSAGE],
      elsewhere: ['incomplete', INCOMPLETE_MESSAGE],
      alive: ['running', null],
      done: ['completed', null],
    });
    // the owner of an incomplete run, if it was alive after all, can still finish it
    expect(s2.runs.writeCompleted(mine.id, [], []).status).toBe('completed');
  });

  it('leaves alone the running runs of another store open in this process', () => {
    const a = open();
    const run = a.runs.create(newRun);
    const b = open();
    expect(b.recovered).toEqual([]);
    expect(b.runs.get(run.id)?.run.status).toBe('running');
    a.runs.finish(run.id, 'completed');
    expect(b.runs.get(run.id)?.run.status).toBe('completed');
  });
});

describe('artifacts', () => {
  it('puts, replaces, lists, gets and deletes named blobs', () => {
    const s = open();
    const run = s.runs.create(newRun);
    s.runs.finish(run.id, 'completed');
    const a = s.artifacts.put(run.id, { name: 'report.md', mime: 'text/markdown', data: 'héllo' });
    expect(a).toMatchObject({ runId: run.id, name: 'report.md', mime: 'text/markdown', size: 6 });
    const bytes = new Uint8Array([0, 1, 2, 255]);
    s.artifacts.put(run.id, {
      name: 'weights.bin',
      mime: 'application/octet-stream',
      data: bytes.subarray(1),
    });
    expect(s.artifacts.list(run.id).map((x) => [x.name, x.size])).toEqual([
      ['report.md', 6],
      ['weights.bin', 3],
    ]);
    expect([...(s.artifacts.get(run.id, 'weights.bin')?.data ?? [])]).toEqual([1, 2, 255]);
    s.artifacts.put(run.id, { name: 'report.md', mime: 'text/markdown', data: 'v2' });
    expect(s.artifacts.get(run.id, 'report.md')?.data.toString('utf8')).toBe('v2');
    expect(s.artifacts.get(run.id, 'nope')).toBeNull();
    expect(s.artifacts.delete(run.id, 'report.md')).toBe(true);
    expect(s.artifacts.list(run.id).map((x) => x.name)).toEqual(['weights.bin']);
    expect(() => s.artifacts.put('missing', { name: 'x', mime: 'text/plain', data: 'x' })).toThrow(
      /no run missing/,
    );
    expect(() => s.artifacts.put(run.id, { name: '', mime: 'text/plain', data: 'x' })).toThrow(StoreError);
  });
});
