/**
 * Write JSON atomically: to a temporary file in the same folder, then rename. A crash or an error
 * never leaves a half-written results file behind. `checkWritable` tells before a long run whether the
 * file could be written, so a typo in --json fails at once instead of after the work. Failures are
 * UserErrors naming the path (main.ts prints one line, exit 2).
 */
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './args';

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOTDIR: 'a parent is not a directory',
    EISDIR: 'it is a directory',
    ENOENT: 'no such file or directory',
    ENOSPC: 'no space left on device',
  };
  return (err.code !== undefined ? why[err.code] : undefined) ?? err.message;
}

/** Throws a UserError unless `path` can be created or replaced as a file. Creates nothing. */
export function checkWritable(path: string): void {
  const target = resolve(path);
  try {
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory())
      throw new UserError(`cannot write ${path}: it is a directory`);
    let dir = dirname(target);
    for (;;) {
      const st = statSync(dir, { throwIfNoEntry: false });
      if (st) {
        if (!st.isDirectory()) throw new UserError(`cannot write ${path}: ${dir} is not a directory`);
        accessSync(dir, constants.W_OK | constants.X_OK);
        return;
      }
      const up = dirname(dir);
      if (up === dir) return;
      dir = up;
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot write ${path}: ${reason(e)}`);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path) || '.', { recursive: true });
    writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing was created.
    }
    throw new UserError(`cannot write ${path}: ${reason(e)}`);
  }
}
