/** codeVersion: git describe in a checkout, else package.json's version, else 'unknown'; cached; never throws. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeVersion, computeCodeVersion } from './code-version';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function gitDescribe(): string | null {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  } catch {
    return null;
  }
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-codever-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('codeVersion', () => {
  it('is git describe in the project checkout (or the package version), and cached', () => {
    const v = codeVersion();
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(v).toBe(gitDescribe() ?? pkg.version);
    expect(codeVersion()).toBe(v);
  });

  it('falls back to package.json outside a git checkout, then to unknown', () => {
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'x', version: '9.8.7' }));
    expect(computeCodeVersion(tmp)).toBe('9.8.7');
    fs.writeFileSync(path.join(tmp, 'package.json'), '{ not json');
    expect(computeCodeVersion(tmp)).toBe('unknown');
    expect(computeCodeVersion(path.join(tmp, 'does-not-exist'))).toBe('unknown');
    expect(computeCodeVersion(undefined)).toBe('unknown');
  });
});
