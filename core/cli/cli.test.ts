/**
 * The CLI end to end: the real `quotebench` bin in a child process, as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/quotebench.mjs');

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const small = `name: small
seed: 3
paths: 20
scenario:
  mode: intensity
  horizon: 1
  dt: 0.01
  s0: 100
  price: { sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
strategies:
  - type: avellaneda-stoikov
    variant: inventory
    gamma: [0.1, 0.5]
  - type: fixed-spread
    halfSpread: 0.7
    skewPerLot: 0.1
`;

describe('quotebench CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-cli-'));

  it('runs a backtest, prints a table and writes byte-identical JSON for the same seed (1 or 3 workers)', () => {
    const cfg = join(dir, 'small.yaml');
    writeFileSync(cfg, small);
    const a = run(['backtest', '--config', cfg, '--json', join(dir, 'a.json')]);
    expect(a.stderr).toMatch(/wrote/);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/inventory/);
    expect(a.stdout).toMatch(/fixed-spread/);
    // A small job runs in one worker; forcing three deals its three runs out one each.
    const b = run(['backtest', '--config', cfg, '--json', join(dir, 'b.json'), '--quiet'], {
      QUOTEBENCH_WORKERS: '3',
    });
    expect(b.code).toBe(0);
    const ja = readFileSync(join(dir, 'a.json'), 'utf8');
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe(ja);
    const parsed = JSON.parse(ja) as {
      runs: {
        strategy: string;
        params: Record<string, unknown>;
        paths: number;
        metrics: Record<string, number>;
      }[];
    };
    expect(parsed.runs.map((r) => r.strategy)).toEqual(['inventory', 'inventory', 'fixed-spread']);
    expect(parsed.runs[0]?.params.gamma).toBe(0.1);
    expect(parsed.runs[1]?.params.gamma).toBe(0.5);
    expect(parsed.runs[0]?.paths).toBe(20);
    for (const key of [
      'avgSpread',
      'pnlMean',
      'pnlStd',
      'finalInventoryMean',
      'finalInventoryStd',
      'sharpe',
      'sortino',
      'maxDrawdown',
      'var95',
      'es95',
      'var99',
      'es99',
      'fillRate',
      'realizedSpreadBps',
    ]) {
      expect(typeof parsed.runs[0]?.metrics[key], key).toBe('number');
    }
    const c = run(['backtest', '--config', cfg, '--json', join(dir, 'c.json'), '--seed', '4', '--quiet']);
    expect(c.code).toBe(0);
    expect(readFileSync(join(dir, 'c.json'), 'utf8')).not.toBe(ja);
  });

  it('rejects an invalid config with exit code 2, names key and line, and writes nothing', () => {
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(
      cfg,
      small.replace('  dt: 0.01', '  dt: 0.01\n  dtt: 2').replace('gamma: [0.1, 0.5]', 'gamma: [0.1, -1]'),
    );
    const out = join(dir, 'bad.json');
    const r = run(['backtest', '--config', cfg, '--json', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}:8:3: scenario.dtt: unknown key`);
    expect(r.stderr).toMatch(/strategies\[0\]\.gamma\[1\]/);
    expect(existsSync(out)).toBe(false);
    expect(run(['backtest', '--config', join(dir, 'missing.yaml')]).code).toBe(2);
    expect(run(['backtest']).code).toBe(2);
  });

  it('prints GLFT quotes as JSON with no bid at q = Q and no ask at q = −Q, symmetric in q', () => {
    const r = run([
      'quotes',
      '--model',
      'glft',
      '--method',
      'exact',
      '--sigma',
      '0.3',
      '--A',
      '0.9',
      '--k',
      '0.3',
      '--gamma',
      '0.01',
      '--T',
      '600',
      '--Q',
      '4',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const { quotes } = JSON.parse(r.stdout) as {
      quotes: { q: number; bid: number | null; ask: number | null }[];
    };
    expect(quotes.map((x) => x.q)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3, 4]);
    expect(quotes[8]?.bid).toBeNull();
    expect(quotes[0]?.ask).toBeNull();
    for (let i = 1; i < 8; i++) expect(quotes[i]?.bid).toBeCloseTo(quotes[8 - i]?.ask ?? NaN, 9);
    const as = run([
      'quotes',
      '--model',
      'as',
      '--method',
      'asymptotic',
      '--sigma',
      '2',
      '--k',
      '1.5',
      '--gamma',
      '0.1',
      '--T',
      '1',
      '--Q',
      '1',
      '--json',
    ]);
    expect(as.code).toBe(0);
    const asq = (JSON.parse(as.stdout) as { quotes: { q: number; bid: number; ask: number }[] }).quotes;
    // q = 0, τ = 1: δ = (1/0.1)·ln(1 + 0.1/1.5) + 0.5·0.1·4·1 = 0.645385... + 0.2
    expect(asq[1]?.bid).toBeCloseTo(10 * Math.log(1 + 0.1 / 1.5) + 0.2, 12);
  });

  it('rejects bad quotes arguments and unknown commands with exit code 2', () => {
    expect(run(['quotes', '--model', 'xyz', '--sigma', '1']).code).toBe(2);
    const r = run([
      'quotes',
      '--model',
      'glft',
      '--sigma',
      'abc',
      '--A',
      '1',
      '--k',
      '1',
      '--gamma',
      '1',
      '--T',
      '1',
      '--Q',
      '2',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--sigma must be a finite number/);
    expect(run(['frobnicate']).code).toBe(2);
    expect(run(['help']).code).toBe(0);
  });
});

describe('backtest worker count', () => {
  it('one worker per 2e6 steps, at most one per core, per run and 8; QUOTEBENCH_WORKERS forces it', async () => {
    const { backtestWorkerCount } = await import('./backtest');
    const { availableParallelism } = await import('node:os');
    const cores = availableParallelism();
    expect(backtestWorkerCount(6, 1.2e6, {})).toBe(1); // the AS 2008 job: not worth a second worker
    expect(backtestWorkerCount(6, 1.2e7, {})).toBe(Math.min(cores, 6));
    expect(backtestWorkerCount(1, 1e12, {})).toBe(1);
    expect(backtestWorkerCount(100, 1e12, {})).toBe(Math.min(cores, 8));
    expect(backtestWorkerCount(6, 1, { QUOTEBENCH_WORKERS: '4' })).toBe(4);
    expect(backtestWorkerCount(2, 1, { QUOTEBENCH_WORKERS: '4' })).toBe(2);
    expect(backtestWorkerCount(6, 1, { QUOTEBENCH_WORKERS: 'x' })).toBe(1);
  });
});
