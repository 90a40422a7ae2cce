/**
 * Sweeps in the store, on a real SQLite file: migration 5 on a version-4 database keeps its rows and
 * adds the tables; a cell key is stored at most once (the repository's insert reports the duplicate,
 * and a raw second INSERT is refused by the primary key); a sweep is resumed, not duplicated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, SCHEMA_VERSION, STORE_FILE, type Store } from './db';
import { migrate, MIGRATIONS } from './migrations';
import type { SweepCellResult } from './sweep-repository';

let dir: string;
let store: Store | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-sweeps-'));
});
afterEach(() => {
  store?.close();
  store = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const cell = (key: string, over: Partial<SweepCellResult> = {}): SweepCellResult => ({
  cellKey: key,
  configHash: 'h'.repeat(64),
  seed: 7,
  scenario: 'as2008',
  strategy: 'inventory',
  params: { gamma: 0.1 },
  metrics: { pnlMean: 1.5, sessionSharpe: null },
  annualization: { sessionsPerYear: 252 },
  codeVersion: 'v1',
  worker: 'thread',
  elapsedMs: 12,
  ...over,
});

describe('sweep tables (migration 5)', () => {
  it('migrates a version-4 database, keeping its rows', () => {
    const file = path.join(dir, 'v4.sqlite');
    const db = new Database(file);
    expect(migrate(db, file, MIGRATIONS.slice(0, 4))).toEqual([1, 2, 3, 4]);
    db.prepare(
      `INSERT INTO runs (id, kind, name, status, config_json, seed, paths, code_version, created_at)
       VALUES ('r1', 'backtest', 'b', 'completed', '{}', 1, 1, 'v', '2026-01-01')`,
    ).run();
    expect(migrate(db, file, MIGRATIONS.slice(0, 5))).toEqual([5]);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(5);
    expect(db.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(1);
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'sweep%' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(['sweep_cells', 'sweeps']);
    db.close();
  });

  it('stores a cell key once: a duplicate insert is a no-op, a raw one is refused', () => {
    store = openStore(dir);
    store.sweeps.begin({ id: 's1', kind: 'sweep', name: 'x', config: {}, cells: 2, codeVersion: 'v1' });
    expect(store.sweeps.insertCell('s1', cell('k-1'))).toBe(true);
    // The retried cell's (different) numbers do not replace the first result.
    expect(store.sweeps.insertCell('s1', cell('k-1', { metrics: { pnlMean: 99 }, worker: 'other' }))).toBe(
      false,
    );
    expect(store.sweeps.countKey('k-1')).toBe(1);
    const [c] = store.sweeps.cells(['k-1']);
    expect(c?.metrics).toEqual({ pnlMean: 1.5, sessionSharpe: null });
    expect(c?.worker).toBe('thread');
    store.close();
    store = undefined;
    const db = new Database(path.join(dir, STORE_FILE));
    expect(() =>
      db
        .prepare(
          `INSERT INTO sweep_cells (cell_key, sweep_id, config_hash, seed, scenario, strategy, params_json,
             metrics_json, annualization_json, code_version, worker, elapsed_ms, created_at)
           VALUES ('k-1', 's1', 'h', 7, 's', 'x', '{}', '{}', '{}', 'v', 'w', 1, 'now')`,
        )
        .run(),
    ).toThrow(/UNIQUE|PRIMARY KEY/);
    db.close();
  });

  it('resumes a sweep of the same id and reports what is finished', () => {
    store = openStore(dir);
    expect(
      store.sweeps.begin({ id: 's1', kind: 'stress', name: 'x', config: {}, cells: 3, codeVersion: 'v1' }),
    ).toEqual({
      resumed: false,
    });
    store.sweeps.insertCell('s1', cell('a-1'));
    store.sweeps.finish('s1', 'cancelled');
    expect(store.sweeps.get('s1')?.status).toBe('cancelled');
    expect(
      store.sweeps.begin({ id: 's1', kind: 'stress', name: 'x', config: {}, cells: 3, codeVersion: 'v2' }),
    ).toEqual({
      resumed: true,
    });
    expect(store.sweeps.get('s1')).toMatchObject({ status: 'running', codeVersion: 'v2', kind: 'stress' });
    expect([...store.sweeps.finishedKeys(['a-1', 'b-1', 'c-1'])]).toEqual(['a-1']);
    expect(store.sweeps.list()).toHaveLength(1);
  });

  it('refuses a result with a non-finite time and writes nothing', () => {
    store = openStore(dir);
    store.sweeps.begin({ id: 's1', kind: 'sweep', name: 'x', config: {}, cells: 1, codeVersion: 'v1' });
    expect(() => store!.sweeps.insertCell('s1', cell('a-1', { elapsedMs: Number.NaN }))).toThrow(/elapsedMs/);
    expect(store.sweeps.countKey('a-1')).toBe(0);
  });
});
