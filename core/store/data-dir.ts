/**
 * Where Quotebench keeps its data (the SQLite store, artifacts). Precedence, first given wins:
 *   1. --data-dir (CLI / app argument)
 *   2. QUOTEBENCH_DATA_DIR (environment)
 *   3. Electron's userData directory (passed in by main/: core never imports electron)
 *   4. ~/.quotebench
 * The result is absolute, exists, is a directory and is writable — or resolveDataDir throws a
 * DataDirError naming the setting it came from. Empty values count as not given; a leading `~/` is
 * expanded (an environment variable set in a config file is not expanded by a shell).
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

/** Resolve, create (recursively) and check the data directory. */
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
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new DataDirError(dir, source, `cannot create ${from} ${dir}: ${(e as Error).message}`);
    }
  }
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
