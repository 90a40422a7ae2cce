/** Data-directory precedence (--data-dir > QUOTEBENCH_DATA_DIR > Electron userData > ~/.quotebench) and checks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseDataDir, DataDirError, resolveDataDir } from './data-dir';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-datadir-'));
});
afterEach(() => {
  fs.chmodSync(tmp, 0o700);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('resolveDataDir', () => {
  it('takes --data-dir, then QUOTEBENCH_DATA_DIR, then Electron userData, then ~/.quotebench', () => {
    const cli = path.join(tmp, 'cli');
    const env = { QUOTEBENCH_DATA_DIR: path.join(tmp, 'env') };
    const electron = path.join(tmp, 'electron');
    expect(resolveDataDir({ cliDataDir: cli, env, electronUserData: electron })).toBe(cli);
    expect(resolveDataDir({ env, electronUserData: electron })).toBe(env.QUOTEBENCH_DATA_DIR);
    expect(resolveDataDir({ env: {}, electronUserData: electron })).toBe(electron);
    expect(chooseDataDir({ env: {} })).toEqual({
      dir: path.join(os.homedir(), '.quotebench'),
      source: 'default',
    });
    // empty values count as not given
    expect(
      chooseDataDir({ cliDataDir: '', env: { QUOTEBENCH_DATA_DIR: ' ' }, electronUserData: electron }).source,
    ).toBe('Electron userData');
    for (const d of [cli, env.QUOTEBENCH_DATA_DIR, electron]) expect(fs.statSync(d).isDirectory()).toBe(true);
  });

  it('makes paths absolute and expands ~/', () => {
    expect(chooseDataDir({ cliDataDir: 'rel/dir', env: {} }).dir).toBe(path.resolve('rel/dir'));
    expect(chooseDataDir({ env: { QUOTEBENCH_DATA_DIR: '~/qb-data' } }).dir).toBe(
      path.join(os.homedir(), 'qb-data'),
    );
  });

  it('creates nested directories', () => {
    const d = path.join(tmp, 'a', 'b', 'c');
    expect(resolveDataDir({ cliDataDir: d, env: {} })).toBe(d);
    expect(fs.statSync(d).isDirectory()).toBe(true);
  });

  it('refuses a path that is a file, naming where it came from', () => {
    const f = path.join(tmp, 'file');
    fs.writeFileSync(f, 'x');
    expect(() => resolveDataDir({ env: { QUOTEBENCH_DATA_DIR: f } })).toThrow(DataDirError);
    expect(() => resolveDataDir({ env: { QUOTEBENCH_DATA_DIR: f } })).toThrow(
      `the data directory from QUOTEBENCH_DATA_DIR ${f} exists but is not a directory`,
    );
    expect(() => resolveDataDir({ cliDataDir: path.join(f, 'sub'), env: {} })).toThrow(
      /from --data-dir .*file\/sub.*not a directory/,
    );
  });

  it.skipIf(process.getuid?.() === 0)('refuses a directory it cannot write', () => {
    const ro = path.join(tmp, 'ro');
    fs.mkdirSync(ro, { mode: 0o500 });
    expect(() => resolveDataDir({ cliDataDir: ro, env: {} })).toThrow(/is not writable/);
  });
});
