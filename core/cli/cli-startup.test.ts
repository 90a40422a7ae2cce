/**
 * Start-up of the real `quotebench` bin in child processes: it builds the bundle when there is none,
 * rebuilds it when a recorded source changed (never runs stale code), falls back to tsx with
 * QUOTEBENCH_NO_BUNDLE=1, and `backtest` never loads TensorFlow.js.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/quotebench.mjs');

function run(
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Manifest {
  id: string;
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

describe('quotebench start-up', () => {
  it('builds the bundle when missing, reuses it while fresh, rebuilds it when a source changed', () => {
    const out = mkdtempSync(join(tmpdir(), 'qb-cli-out-'));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    const env = { QUOTEBENCH_CLI_OUT: out };
    const manifestPath = join(out, 'manifest.json');
    const a = run(['--version'], env);
    expect(a.code, a.stderr).toBe(0);
    const m1 = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    expect(Object.keys(m1.inputs)).toContain('core/cli/main.ts');
    expect(run(['--version'], env).code).toBe(0);
    expect((JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest).id).toBe(m1.id);
    // Pretend core/cli/main.ts changed since the build: the next start must not run the old bundle.
    const entry = m1.inputs['core/cli/main.ts'];
    expect(entry).toBeDefined();
    writeFileSync(
      manifestPath,
      JSON.stringify({ ...m1, inputs: { ...m1.inputs, 'core/cli/main.ts': { ...entry, mtimeMs: 1 } } }),
    );
    const b = run(['backtest', '--help'], env);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/Usage: quotebench backtest/);
    expect((JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest).id).not.toBe(m1.id);
  });

  it('runs from the TypeScript sources with QUOTEBENCH_NO_BUNDLE=1', () => {
    const r = run(['--version'], { QUOTEBENCH_NO_BUNDLE: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^quotebench \d+\.\d+\.\d+\n$/);
  });

  it('backtest does not load TensorFlow.js', () => {
    // Counts the @tensorflow modules in the CommonJS cache at exit (tfjs is CommonJS).
    const probe = join(mkdtempSync(join(tmpdir(), 'qb-cli-probe-')), 'count-tfjs.cjs');
    writeFileSync(
      probe,
      `process.on('exit', () => {
         const n = Object.keys(require('node:module')._cache).filter((k) => k.includes('@tensorflow')).length;
         process.stderr.write('\\nTFJS_MODULES ' + n + '\\n');
       });`,
    );
    const cfg = join(root, 'resources/configs/as2008.yaml');
    const r = run(['backtest', '--config', cfg, '--paths', '2', '--quiet'], {}, ['--require', probe]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/TFJS_MODULES 0\n/);
    // The probe sees tfjs when it is loaded.
    const control = spawnSync(
      process.execPath,
      ['--require', probe, '--input-type=module', '-e', "await import('@tensorflow/tfjs')"],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(control.stderr).toMatch(/TFJS_MODULES [1-9]/);
  });
});
