import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, STORE_FILE, type Store } from './db';
import { currentOwner, parseStatStartTime, processStartTime } from './run-ownership';

const linux = process.platform === 'linux';

describe('process start time', () => {
  it('reads field 22 after the last parenthesis (the command name may hold spaces and parentheses)', () => {
    const rest = 'S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21';
    expect(parseStatStartTime(`4242 (node) ${rest}`)).toBe(987654);
    expect(parseStatStartTime(`4242 (a) b (c 1 2) ${rest}`)).toBe(987654);
    expect(parseStatStartTime('4242 (node) S 1 2')).toBeNull();
    expect(parseStatStartTime('garbage')).toBeNull();
  });

  it.skipIf(!linux)('knows this process and a child started later (Linux)', () => {
    const mine = processStartTime(process.pid);
    expect(mine).not.toBeNull();
    expect(currentOwner()).toEqual({ pid: process.pid, host: os.hostname(), start: mine });
    expect(processStartTime(2 ** 22 + 12345)).toBeNull(); // above pid_max: no such process
  });

  it.skipIf(linux)('is unknown elsewhere: ownership falls back to the pid alone', () => {
    expect(processStartTime(process.pid)).toBeNull();
  });
});

describe.skipIf(!linux)('orphan recovery with reused pids (Linux)', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  const stores: Store[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-own-'));
  });
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    child?.kill('SIGKILL');
    child = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const open = (): Store => {
    const s = openStore(dir);
    stores.push(s);
    return s;
  };

  it('recovers a run whose pid is alive but started at another time; keeps one whose (pid, start) match', async () => {
    // A live process standing in for "the pid was reused by another process".
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const pid = child.pid as number;
    await new Promise((resolve) => child?.once('spawn', resolve));
    const start = processStartTime(pid);
    expect(start).not.toBeNull();

    const s = open();
    const reused = s.runs.create({
      kind: 'backtest',
      name: 'reused',
      config: {},
      seed: 1,
      paths: 1,
      codeVersion: 'x',
    });
    const live = s.runs.create({
      kind: 'backtest',
      name: 'live',
      config: {},
      seed: 1,
      paths: 1,
      codeVersion: 'x',
    });
    const trainNew = {
      algo: 'sac',
      config: {},
      seed: 1,
      codeVersion: 'x',
      runDir: dir,
      totalSteps: 10,
    } as const;
    const treused = s.training.create({ ...trainNew, name: 'reused' });
    const tlive = s.training.create({ ...trainNew, name: 'live' });
    s.close();
    stores.length = 0;

    const db = new Database(path.join(dir, STORE_FILE));
    for (const table of ['runs', 'training_runs']) {
      const own = db.prepare(
        `UPDATE ${table} SET owner_pid = ?, owner_host = ?, owner_start = ? WHERE id = ?`,
      );
      own.run(pid, os.hostname(), (start as number) + 1, table === 'runs' ? reused.id : treused.id);
      own.run(pid, os.hostname(), start, table === 'runs' ? live.id : tlive.id);
    }
    db.close();

    const s2 = open();
    expect(s2.recovered).toEqual([reused.id]);
    expect(s2.recoveredTraining).toEqual([treused.id]);
    expect(s2.runs.get(live.id)?.run.status).toBe('running');
    expect(s2.training.get(tlive.id)?.status).toBe('running');
    expect(s2.runs.get(reused.id)?.run.status).toBe('incomplete');
    expect(s2.training.get(treused.id)?.status).toBe('incomplete');
  });

  it('records this process as the owner with its start time, and clears it when the run ends', () => {
    const s = open();
    const run = s.runs.create({
      kind: 'backtest',
      name: 'r',
      config: {},
      seed: 1,
      paths: 1,
      codeVersion: 'x',
    });
    const db = new Database(path.join(dir, STORE_FILE), { readonly: true });
    const owner = db.prepare('SELECT owner_pid, owner_host, owner_start FROM runs WHERE id = ?');
    expect(owner.get(run.id)).toEqual({
      owner_pid: process.pid,
      owner_host: os.hostname(),
      owner_start: processStartTime(process.pid),
    });
    s.runs.finish(run.id, 'completed');
    expect(owner.get(run.id)).toEqual({ owner_pid: null, owner_host: null, owner_start: null });
    db.close();
  });
});
