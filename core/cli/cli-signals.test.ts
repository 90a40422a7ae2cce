/**
 * The CLI's side of signals, with real child processes (`node bin/quotebench.mjs`): a backtest stops on
 * SIGINT/SIGTERM, prints "cancelled", exits 130/143 and writes no --json; a second signal exits at
 * once. Also: `--version` from a child process (start-up works end to end).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/quotebench.mjs');

/** Long enough that it is still running when the signal comes (a million paths; limits raised). */
const long = `name: long
seed: 1
paths: 1000000
limits: { maxRunBars: 1e9 }
scenario:
  mode: intensity
  horizon: 1
  dt: 0.005
  s0: 100
  price: { sigma: 2 }
  intensity: { A: 140, k: 1.5 }
strategies:
  - type: fixed-spread
    halfSpread: 0.7
    skewPerLot: 0.1
`;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run a backtest, send `signals` once its progress shows on stderr; SIGKILL after 60 s (a failure). */
function backtestInterrupted(cfg: string, json: string, signals: NodeJS.Signals[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'backtest', '--config', cfg, '--json', json], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (!sent && /backtest\s+\d+%/.test(stderr)) {
        sent = true;
        for (const s of signals) child.kill(s);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('quotebench backtest and signals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-cli-signals-'));
  const cfg = join(dir, 'long.yaml');
  writeFileSync(cfg, long);

  it('SIGINT cancels: "cancelled", exit 130, no --json (nor a temporary file)', async () => {
    const r = await backtestInterrupted(cfg, join(dir, 'int.json'), ['SIGINT']);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/quotebench backtest: cancelled/);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir).filter((f) => f.startsWith('int.json'))).toEqual([]);
  });

  it('SIGTERM cancels with exit 143; a second signal exits at once', async () => {
    const r = await backtestInterrupted(cfg, join(dir, 'term.json'), ['SIGTERM']);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/cancelled/);
    const twice = await backtestInterrupted(cfg, join(dir, 'twice.json'), ['SIGTERM', 'SIGTERM']);
    expect(twice.code, twice.stderr).toBe(143);
    expect(twice.stderr).toMatch(/again; exiting at once|cancelled/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('--version runs from the bin', () => {
    const r = spawnSync(process.execPath, [bin, '--version'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^quotebench \d+\.\d+\.\d+\n$/);
  });
});
