/**
 * Where Quotebench keeps its data (the SQLite store, artifacts). Precedence, first given wins:
 *   1. --data-dir (CLI / app argument)
 *   2. QUOTEBENCH_DATA_DIR (environment)
 *   3. Electron's userData directory (passed in by main/: core never imports electron)
 *   4. ~/.quotebench
 * The result is absolute, exists, is a directory and is writable — or resolveDataDir throws a
 * DataDirError naming the setting it came from. Empty values count as not given; a leading `~/` is
 * expanded (an environment variable set in a config file is not expanded by a shell).
 *
 * Permissions (POSIX; Windows has no mode bits and relies on the profile folder's ACLs): a directory
 * this creates is 0700 (owner only), and so are missing parents it creates. An existing directory that
 * is the app's own (the default ~/.quotebench or Electron's userData) and grants group/other access is
 * tightened to 0700 when this user owns it (older versions created it 0755). A directory the user
 * names (--data-dir, QUOTEBENCH_DATA_DIR) that already exists is left as it is: it may be a project
 * folder shared on purpose, and chmod-ing it would be a surprise; the store files inside are 0600
 * whatever the directory's mode (db.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DataDirOptions {
  cliDataDir?: string;
  electronUserData?: string;
  env?: NodeJS.ProcessEnv;
}

export type DataDirSource = '--data-dir' | 'QUOTEBENCH_DATA_DIR' | 'Electron userData' | 'default';

export class DataDirError extends Error {
  override name = 'DataDirError';
  constructor(
    readonly dir: string,
    readonly source: DataDirSource,
    message: string,
  ) {
    super(message);
  }
}

/** The chosen directory and where the choice came from, without touching the file system. */
export function chooseDataDir(opts: DataDirOptions = {}): { dir: string; source: DataDirSource } {
  const env = opts.env ?? process.env;
  const candidates: [string | undefined, DataDirSource][] = [
    [opts.cliDataDir, '--data-dir'],
    [env.QUOTEBENCH_DATA_DIR, 'QUOTEBENCH_DATA_DIR'],
    [opts.electronUserData, 'Electron userData'],
  ];
  for (const [value, source] of candidates) {
    if (value !== undefined && value.trim() !== '') return { dir: absolute(value.trim()), source };
  }
  return { dir: path.join(os.homedir(), '.quotebench'), source: 'default' };
}

/** Owner-only modes of the data directory and of the store's files. */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/**
 * Remove the permission bits of `p` beyond `mode` if it exists, this user owns it and it grants more.
 * True when it changed the mode. Never throws (a file system that refuses chmod keeps its mode).
 */
export function tightenMode(p: string, mode: number): boolean {
  if (process.platform === 'win32') return false;
  try {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st || (st.mode & 0o777 & ~mode) === 0) return false;
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return false;
    fs.chmodSync(p, st.mode & 0o777 & mode);
    return true;
  } catch {
    return false;
  }
}

/** Resolve, create (recursively, 0700) and check the data directory. */
export function resolveDataDir(opts: DataDirOptions = {}): string {
  const { dir, source } = chooseDataDir(opts);
  const from = source === 'default' ? 'the default data directory' : `the data directory from ${source}`;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw new DataDirError(dir, source, `${from} ${dir} cannot be read: ${(e as Error).message}`);
  }
  if (stat && !stat.isDirectory()) {
    throw new DataDirError(dir, source, `${from} ${dir} exists but is not a directory`);
  }
  if (!stat) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
    } catch (e) {
      throw new DataDirError(dir, source, `cannot create ${from} ${dir}: ${(e as Error).message}`);
    }
  }
  if (stat && (source === 'default' || source === 'Electron userData')) tightenMode(dir, DATA_DIR_MODE);
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw new DataDirError(dir, source, `${from} ${dir} is not writable`);
  }
  return dir;
}

function absolute(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || p.startsWith(`~${path.sep}`)) return path.join(os.homedir(), p.slice(2));
  return path.resolve(p);
}
