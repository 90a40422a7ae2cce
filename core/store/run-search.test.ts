import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { f64Blob, u8Blob } from './columns';
import { openStore, STORE_FILE, type Store } from './db';
import { migrate, MIGRATIONS } from './migrations';
import { diffPaths, makePath } from './test-fixtures';
import { hashFile } from './run-repository';

let dir: string;
let store: Store | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-run-search-'));
});
afterEach(() => {
  store?.close();
  store = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A version-5 database (the schema before experiment tracking) with two runs, written by raw SQL. */
function writeV5(file: string): void {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  expect(migrate(db, file, MIGRATIONS.slice(0, 5))).toEqual([1, 2, 3, 4, 5]);
  const insertRun = db.prepare(
    `INSERT INTO runs (id, kind, name, status, config_json, seed, paths, code_version, created_at, finished_at)
     VALUES (?, 'backtest', ?, 'completed', ?, ?, 2, 'v5-abc1234', ?, ?)`,
  );
  insertRun.run(
    'old-sim',
    'old sim',
    JSON.stringify({ scenario: { mode: 'book' } }),
    7,
    '2026-01-01T00:00:00.000Z',
    '2026-01-01T00:01:00.000Z',
  );
  insertRun.run(
    'old-replay',
    'old replay',
    JSON.stringify({ scenario: { mode: 'replay', dataset: 'ds' } }),
    8,
    '2026-01-02T00:00:00.000Z',
    null,
  );
  const insertResult = db.prepare(
    `INSERT INTO run_results (run_id, idx, strategy, params_json, scenario, paths, metrics_json) VALUES (?, ?, ?, '{}', 'base', 2, ?)`,
  );
  insertResult.run('old-sim', 0, 'as', JSON.stringify({ sessionSharpe: 1.5, fillRate: 0.2 }));
  insertResult.run('old-sim', 1, 'glft', JSON.stringify({ sessionSharpe: 2.5, fillRate: 0.1 }));
  insertResult.run('old-replay', 0, 'fixed', JSON.stringify({ sessionSharpe: -1 }));
  const p = makePath(0, 20);
  const s = p.series;
  const n = s.bars + 1;
  db.prepare(
    `INSERT INTO series (run_id, result_idx, path, path_seed, bars, lot_size, quotes_posted, t, mid, bid, ask, inventory, cash, pnl)
     VALUES ('old-sim', 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    p.seed,
    s.bars,
    p.lotSize,
    p.quotesPosted,
    ...(['t', 'mid', 'bid', 'ask', 'inventory', 'cash', 'pnl'] as const).map((k) => f64Blob(s[k], n, k)),
  );
  const f = p.fills;
  db.prepare(
    `INSERT INTO fills (run_id, result_idx, path, count, t, side, price, size, fee, mid_at_fill)
     VALUES ('old-sim', 0, 0, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    f.count,
    f64Blob(f.t, f.count, 't'),
    u8Blob(f.side, f.count, 'side'),
    f64Blob(f.price, f.count, 'price'),
    f64Blob(f.size, f.count, 'size'),
    f64Blob(f.fee, f.count, 'fee'),
    f64Blob(f.midAtFill, f.count, 'mid'),
  );
  db.prepare(
    `INSERT INTO artifacts (run_id, name, mime, data, created_at) VALUES ('old-sim', 'note.txt', 'text/plain', ?, '2026-01-01T00:02:00.000Z')`,
  ).run(Buffer.from('hello'));
  db.close();
}

describe('migration 6 on a version-5 file', () => {
  it('keeps every run with its results, series, fills and artifacts, re-kinds replays and backfills run_metrics', () => {
    fs.mkdirSync(dir, { recursive: true });
    writeV5(path.join(dir, STORE_FILE));
    store = openStore(dir);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    expect(store.integrityCheck()).toBe('ok');
    const sim = store.runs.get('old-sim');
    const replay = store.runs.get('old-replay');
    expect(sim?.run).toMatchObject({
      kind: 'backtest',
      name: 'old sim',
      seed: 7,
      status: 'completed',
      datasetHash: null,
      tags: [],
    });
    expect(replay?.run).toMatchObject({ kind: 'replay', name: 'old replay', seed: 8 });
    expect(sim?.results.map((r) => r.strategy)).toEqual(['as', 'glft']);
    expect(diffPaths(store.runs.path('old-sim', 0, 0)!, makePath(0, 20))).toBeNull();
    expect(store.artifacts.get('old-sim', 'note.txt')?.data.toString()).toBe('hello');
    // Backfilled metrics sort the old runs: the best sessionSharpe of old-sim is glft's 2.5.
    const page = store.runs.search({
      sortBy: 'sessionSharpe',
      sortDir: 'desc',
      best: 'max',
      offset: 0,
      limit: 10,
    });
    expect(page.rows.map((r) => [r.id, r.sortValue])).toEqual([
      ['old-sim', 2.5],
      ['old-replay', -1],
    ]);
    // The foreign keys were carried to the renamed tables: deleting a run still cascades.
    expect(store.runs.delete('old-sim')).toBe(true);
    expect(store.runs.path('old-sim', 0, 0)).toBeNull();
    expect(store.artifacts.list('old-sim')).toEqual([]);
    const db = new Database(path.join(dir, STORE_FILE), { readonly: true });
    try {
      expect(db.prepare("SELECT count(*) FROM run_metrics WHERE run_id = 'old-sim'").pluck().get()).toBe(0);
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
  });
});

describe('runs of every kind', () => {
  it('end() stores results, run-level metrics and files with the status in one step; bad input writes nothing', async () => {
    store = openStore(dir);
    const file = path.join(dir, 'out.yaml');
    fs.writeFileSync(file, 'a: 1\n');
    const f = await hashFile(file);
    expect(f).toEqual({
      path: file,
      bytes: 5,
      sha256: createHash('sha256').update('a: 1\n').digest('hex'),
    });
    const run = store.runs.create({
      kind: 'calibrate',
      name: 'cal',
      config: { dataset: 'x' },
      seed: 0,
      paths: 0,
      codeVersion: 'v1',
      datasetHash: 'ab'.repeat(32),
      tags: ['lobster', 'AAPL'],
    });
    expect(run).toMatchObject({
      kind: 'calibrate',
      status: 'running',
      datasetHash: 'ab'.repeat(32),
      tags: ['lobster', 'AAPL'],
    });
    // A bad sha256 is refused before anything is written: the run stays running with no metrics.
    expect(() =>
      store!.runs.end(run.id, { status: 'completed', metrics: { a: 1 }, files: [{ ...f, sha256: 'zz' }] }),
    ).toThrow(/sha256/);
    expect(store.runs.get(run.id)?.run.status).toBe('running');
    expect(store.runs.runMetrics(run.id)).toEqual({});
    store.runs.logSteps(run.id, 'done', [
      [1, 1],
      [2, NaN],
      [3, 3],
    ]);
    const ended = store.runs.end(run.id, { status: 'completed', metrics: { a: 1, nan: NaN }, files: [f] });
    expect(ended.status).toBe('completed');
    expect(store.runs.runMetrics(run.id)).toEqual({ a: 1 });
    expect(store.runs.steps(run.id)).toEqual({ done: { step: [1, 3], value: [1, 3] } });
    expect(store.runs.files(run.id)).toEqual([f]);
    expect(() => store!.runs.logSteps(run.id, 'done', [[4, 4]])).toThrow(/finished run/);
  });

  it('refuses an unknown kind, a non-hex dataset hash and a tag with spaces', () => {
    store = openStore(dir);
    const base = { name: 'x', config: {}, seed: 0, paths: 0, codeVersion: 'v' };
    expect(() => store!.runs.create({ ...base, kind: 'nope' as 'eval' })).toThrow(/unknown run kind/);
    expect(() => store!.runs.create({ ...base, kind: 'eval', datasetHash: 'xyz' })).toThrow(/datasetHash/);
    expect(() => store!.runs.create({ ...base, kind: 'eval', tags: ['a b'] })).toThrow(/tag/);
  });
});

describe('runs.search', () => {
  const HASH_A = 'aa'.repeat(32);
  const HASH_B = 'bb'.repeat(32);
  let t = Date.parse('2026-03-01T00:00:00.000Z');

  function seed(s: Store): Record<string, string> {
    const mk = (
      kind: 'backtest' | 'eval' | 'calibrate' | 'sweep',
      name: string,
      extra: Partial<{ config: unknown; codeVersion: string; datasetHash: string; tags: string[] }> = {},
    ): string =>
      s.runs.create({
        kind,
        name,
        config: extra.config ?? { note: name },
        seed: 1,
        paths: 1,
        codeVersion: extra.codeVersion ?? 'v1-gaaaaaaa',
        ...(extra.datasetHash !== undefined ? { datasetHash: extra.datasetHash } : {}),
        ...(extra.tags ? { tags: extra.tags } : {}),
      }).id;
    const ids: Record<string, string> = {};
    ids.bt = mk('backtest', 'alpha backtest', {
      config: { scenario: { mode: 'book', secret: 'needle_in_config' } },
    });
    s.runs.writeCompleted(
      ids.bt,
      [
        {
          index: 0,
          strategy: 'avellaneda-stoikov',
          params: {},
          scenario: 'calm',
          paths: 1,
          metrics: { sessionSharpe: 1 },
        },
        { index: 1, strategy: 'glft', params: {}, scenario: 'calm', paths: 1, metrics: { sessionSharpe: 3 } },
      ],
      [],
    );
    ids.replay = mk('backtest', 'beta replay', {
      config: { scenario: { mode: 'replay', dataset: 'd1' } },
      datasetHash: HASH_A,
      codeVersion: 'v2-gbbbbbbb',
    });
    s.runs.writeCompleted(
      ids.replay,
      [
        {
          index: 0,
          strategy: 'fixed-spread',
          params: {},
          scenario: 'stormy_day',
          paths: 1,
          metrics: { sessionSharpe: 2 },
        },
      ],
      [],
    );
    ids.evalRun = mk('eval', 'gamma eval', { tags: ['ppo', 'held-out'] });
    s.runs.end(ids.evalRun, { status: 'failed', error: 'boom', metrics: { sessionSharpe: -5 } });
    ids.cal = mk('calibrate', 'delta calibrate', { datasetHash: HASH_B });
    s.runs.end(ids.cal, { status: 'completed' });
    ids.sweep = mk('sweep', '100% sweep_x');
    s.runs.end(ids.sweep, { status: 'cancelled' });
    ids.train = s.training.create({
      name: 'epsilon train',
      algo: 'sac',
      config: { algo: 'sac' },
      seed: 3,
      codeVersion: 'v1-gaaaaaaa',
      runDir: path.join(dir, 'train'),
    }).id;
    return ids;
  }

  function open(): Store {
    return openStore(dir, {
      now: () => {
        t += 60_000;
        return new Date(t);
      },
    });
  }

  const q = (over: Record<string, unknown> = {}) => ({
    sortBy: 'createdAt',
    sortDir: 'desc' as const,
    best: 'max' as const,
    offset: 0,
    limit: 100,
    ...over,
  });

  it('lists every kind (training runs too), newest first, with the total', () => {
    store = open();
    const ids = seed(store);
    const page = store.runs.search(q());
    expect(page.total).toBe(6);
    expect(page.rows.map((r) => r.id)).toEqual([
      ids.train,
      ids.sweep,
      ids.cal,
      ids.evalRun,
      ids.replay,
      ids.bt,
    ]);
    expect(page.rows.map((r) => r.kind)).toEqual([
      'train',
      'sweep',
      'calibrate',
      'eval',
      'replay',
      'backtest',
    ]);
    expect(page.rows.find((r) => r.id === ids.train)).toMatchObject({ status: 'running', tags: ['sac'] });
    expect(page.rows.find((r) => r.id === ids.bt)?.strategies).toEqual(['avellaneda-stoikov', 'glft']);
  });

  it('each filter narrows the list to exactly its runs', () => {
    store = open();
    const ids = seed(store);
    const hits = (over: Record<string, unknown>): string[] =>
      store!.runs
        .search(q(over))
        .rows.map((r) => r.id)
        .sort();
    const sorted = (...xs: string[]): string[] => [...xs].sort();
    expect(hits({ kinds: ['eval', 'train'] })).toEqual(sorted(ids.evalRun!, ids.train!));
    expect(hits({ kinds: ['replay'] })).toEqual([ids.replay]);
    expect(hits({ text: 'GLFT' })).toEqual([ids.bt]); // a strategy, case-insensitive
    expect(hits({ text: 'stormy' })).toEqual([ids.replay]); // a scenario
    expect(hits({ text: 'needle_in' })).toEqual([ids.bt]); // the config
    expect(hits({ text: 'held-out' })).toEqual([ids.evalRun]); // a tag
    expect(hits({ text: 'epsilon' })).toEqual([ids.train]); // a training run's name
    expect(hits({ text: '100%' })).toEqual([ids.sweep]); // % is literal
    expect(hits({ text: '%' })).toEqual([ids.sweep]);
    expect(hits({ text: '_x' })).toEqual([ids.sweep]); // _ is literal
    expect(hits({ codeVersion: 'v2' })).toEqual([ids.replay]);
    expect(hits({ datasetHash: HASH_A.slice(0, 12) })).toEqual([ids.replay]);
    expect(hits({ datasetHash: HASH_B.toUpperCase() })).toEqual([ids.cal]);
    expect(hits({ statuses: ['failed'] })).toEqual([ids.evalRun]);
    expect(hits({ statuses: ['running'] })).toEqual([ids.train]); // training 'running'
    expect(hits({ statuses: ['cancelled', 'completed'] })).toEqual(
      sorted(ids.sweep!, ids.cal!, ids.bt!, ids.replay!),
    );
    const created = store.runs.search(q()).rows.map((r) => r.createdAt);
    // [from, to): the 2nd and 3rd oldest.
    const asc = [...created].sort();
    expect(hits({ from: asc[1], to: asc[3] })).toEqual(sorted(ids.replay!, ids.evalRun!));
    expect(hits({ kinds: ['eval'], text: 'alpha' })).toEqual([]); // filters combine with AND
    // Terms: all must match; a prefix limits a term to one field; quotes keep a phrase.
    expect(hits({ text: 'alpha glft' })).toEqual([ids.bt]);
    expect(hits({ text: 'alpha stormy' })).toEqual([]);
    expect(hits({ text: 'strategy:glft' })).toEqual([ids.bt]);
    expect(hits({ text: 'name:needle' })).toEqual([]); // only in the config
    expect(hits({ text: 'config:needle' })).toEqual([ids.bt]);
    expect(hits({ text: 'tag:sac' })).toEqual([ids.train]);
    expect(hits({ text: 'scenario:calm' })).toEqual([ids.bt]);
    expect(hits({ text: '"100% sweep"' })).toEqual([ids.sweep]);
    expect(hits({ text: '"sweep 100%"' })).toEqual([]);
    // A hostile string is only ever a value.
    expect(hits({ text: "'; DROP TABLE runs; --" })).toEqual([]);
    expect(store.runs.search(q()).total).toBe(6);
  });

  it('sorts by a metric (best result, either direction, runs without it last) and pages', () => {
    store = open();
    const ids = seed(store);
    const order = (over: Record<string, unknown>): [string, number | null][] =>
      store!.runs.search(q({ sortBy: 'sessionSharpe', ...over })).rows.map((r) => [r.id, r.sortValue]);
    const desc = order({ sortDir: 'desc', best: 'max' });
    expect(desc.slice(0, 3)).toEqual([
      [ids.bt, 3],
      [ids.replay, 2],
      [ids.evalRun, -5],
    ]);
    expect(desc.slice(3).every(([, v]) => v === null)).toBe(true);
    const asc = order({ sortDir: 'asc', best: 'min' });
    expect(asc.slice(0, 3)).toEqual([
      [ids.evalRun, -5],
      [ids.bt, 1],
      [ids.replay, 2],
    ]);
    const p1 = store.runs.search(q({ sortBy: 'name', sortDir: 'asc', limit: 2 }));
    const p2 = store.runs.search(q({ sortBy: 'name', sortDir: 'asc', limit: 2, offset: 2 }));
    expect(p1.total).toBe(6);
    expect([...p1.rows, ...p2.rows].map((r) => r.name)).toEqual([
      '100% sweep_x',
      'alpha backtest',
      'beta replay',
      'delta calibrate',
    ]);
  });

  it('uses the kind index for a kind filter and the metrics primary key for a metric sort', () => {
    store = open();
    seed(store);
    const db = new Database(path.join(dir, STORE_FILE), { readonly: true });
    try {
      const plan = (sql: string, ...p: unknown[]): string =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...p) as { detail: string }[])
          .map((r) => r.detail)
          .join('\n');
      expect(plan("SELECT id FROM runs r WHERE r.kind IN ('eval') ORDER BY created_at")).toMatch(
        /runs_by_kind/,
      );
      expect(
        plan(
          "SELECT (SELECT max(m.value) FROM run_metrics m WHERE m.run_id = r.id AND m.key = 'x') FROM runs r",
        ),
      ).toMatch(/PRIMARY KEY|sqlite_autoindex_run_metrics/);
    } finally {
      db.close();
    }
  });
});
