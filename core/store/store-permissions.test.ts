/**
 * Owner-only permissions: the data directory 0700 when created (and the app's own directories tightened),
 * the database file and its -wal/-shm 0600. POSIX mode bits only (skipped on Windows). Running as root
 * makes no difference to what is checked: root can read anything, but the bits are still asserted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveDataDir } from './data-dir';
import { openStore, STORE_FILE } from './db';

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

describe.skipIf(process.platform === 'win32')('data directory and store file permissions', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-perm-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates the data directory (and the parents it creates) 0700', () => {
    const d = path.join(tmp, 'a', 'b');
    resolveDataDir({ cliDataDir: d, env: {} });
    expect(mode(d)).toBe(0o700);
    expect(mode(path.join(tmp, 'a'))).toBe(0o700);
    const viaStore = path.join(tmp, 'store-only');
    openStore(viaStore).close();
    expect(mode(viaStore)).toBe(0o700);
  });

  it("tightens the app's own directory when it is broader; leaves a directory the user named as it is", () => {
    const electron = path.join(tmp, 'userData');
    fs.mkdirSync(electron, { mode: 0o755 });
    fs.chmodSync(electron, 0o755);
    resolveDataDir({ env: {}, electronUserData: electron });
    expect(mode(electron)).toBe(0o700);

    const home = path.join(tmp, 'home');
    fs.mkdirSync(path.join(home, '.quotebench'), { recursive: true });
    fs.chmodSync(path.join(home, '.quotebench'), 0o775);
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      expect(resolveDataDir({ env: {} })).toBe(path.join(home, '.quotebench'));
    } finally {
      process.env.HOME = saved;
    }
    expect(mode(path.join(home, '.quotebench'))).toBe(0o700);

    const named = path.join(tmp, 'project');
    fs.mkdirSync(named);
    fs.chmodSync(named, 0o755);
    resolveDataDir({ cliDataDir: named, env: {} });
    expect(mode(named)).toBe(0o755);
  });

  it('creates the database and its -wal/-shm 0600, also under a permissive umask', () => {
    const old = process.umask(0o000);
    try {
      const s = openStore(tmp);
      s.runs.create({ kind: 'backtest', name: 'r', config: {}, seed: 1, paths: 1, codeVersion: 'x' });
      const file = path.join(tmp, STORE_FILE);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        expect(fs.existsSync(f), f).toBe(true);
        expect(mode(f), f).toBe(0o600);
      }
      s.close();
    } finally {
      process.umask(old);
    }
  });

  it('tightens a database and WAL an older version left readable by others', () => {
    const first = openStore(tmp);
    first.close();
    const file = path.join(tmp, STORE_FILE);
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(`${file}-wal`, '', { mode: 0o666 });
    fs.chmodSync(`${file}-wal`, 0o666);
    const s = openStore(tmp);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(`${file}-shm`)).toBe(0o600);
    s.close();
  });
});
