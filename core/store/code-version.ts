/**
 * The code version recorded with every run, so a result can be traced to the code that produced it:
 * `git describe --always --dirty` in the project root when that is a git checkout with git installed,
 * else the version field of the nearest package.json, else 'unknown'. Computed once per process and
 * cached; never throws (a missing git, a packaged app or a read-only tree only change the answer).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function codeVersion(): string {
  cached ??= computeCodeVersion(projectRoot());
  return cached;
}

/** Uncached, for a given directory (exported for tests). */
export function computeCodeVersion(root: string | undefined): string {
  if (root === undefined) return 'unknown';
  try {
    const out = execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
      windowsHide: true,
    }).trim();
    // Only trust git when the project root is the top of the work tree (not some enclosing repository).
    if (out !== '' && isGitTop(root)) return out;
  } catch {
    // no git, not a checkout, or git refused (e.g. unsafe ownership): fall back
  }
  return packageVersion(root) ?? 'unknown';
}

function isGitTop(root: string): boolean {
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
      windowsHide: true,
    }).trim();
    return fs.realpathSync(top) === fs.realpathSync(root);
  } catch {
    return false;
  }
}

function packageVersion(root: string): string | undefined {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' && pkg.version !== '' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest directory above this module that holds a package.json (the project, or the packaged app). */
function projectRoot(): string | undefined {
  try {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
      if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
      const up = path.dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  } catch {
    return undefined;
  }
}
