/**
 * `quotebench sweep` and `quotebench stress` end to end in child processes (`node bin/quotebench.mjs`,
 * from sources): the table and --json, a second run that finds every cell in the store, a config error
 * with file, line and key (exit 2, nothing stored), and SIGINT mid-sweep (exit 130, the finished cells
 * kept, the next run computes only the rest).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/quotebench.mjs');
const env = { ...process.env, QUOTEBENCH_NO_BUNDLE: '1' };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-cli-sweep-'));
  fs.copyFileSync(path.join(root, 'resources/configs/as2008.yaml'), path.join(dir, 'as2008.yaml'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const sweep = (paths: number): string => `name: cli
paths: ${paths}
seeds: [1, 2]
scenarios:
  - file: as2008.yaml
strategies:
  - { type: fixed-spread, halfSpread: [0.6, 0.8] }
`;

describe('quotebench sweep', () => {
  it('prints the table, writes --json, and a second run computes nothing', () => {
    const cfg = path.join(dir, 's.yaml');
    fs.writeFileSync(cfg, sweep(5));
    const data = path.join(dir, 'data');
    const json = path.join(dir, 'out.json');
    const a = run(['sweep', '--config', cfg, '--data-dir', data, '--json', json, '--workers', '2']);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/scenario\s+strategy\s+seeds\s+pnlMean/);
    expect(a.err).toMatch(/4 cells computed in .* 0 found in the store/);
    const out = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      cells: unknown[];
      rows: unknown[];
      status: string;
    };
    expect(out.status).toBe('completed');
    expect(out.cells).toHaveLength(4);
    expect(out.rows).toHaveLength(2);
    const b = run(['sweep', '--config', cfg, '--data-dir', data]);
    expect(b.code, b.err).toBe(0);
    expect(b.err).toMatch(/0 cells computed in .* 4 found in the store/);
    expect(b.out).toBe(a.out);
  }, 240_000);

  it('a config error names file, line and key and exits 2', () => {
    const cfg = path.join(dir, 'bad.yaml');
    fs.writeFileSync(cfg, sweep(5).replace('seeds: [1, 2]', 'seeds: [1, -2]'));
    const r = run(['sweep', '--config', cfg, '--data-dir', path.join(dir, 'data')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml:3:\d+: seeds\[1\]: /);
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('stress: the base and each stress with the change of every metric', () => {
    const cfg = path.join(dir, 'st.yaml');
    fs.writeFileSync(
      cfg,
      'paths: 3\nseeds: [1]\nscenario: { file: as2008.yaml }\nstresses:\n  - { kind: volatility-spike, onset: 0.5, duration: 0.25, magnitude: 3 }\nstrategies:\n  - { type: fixed-spread, halfSpread: 0.7 }\n',
    );
    const r = run(['stress', '--config', cfg, '--data-dir', path.join(dir, 'data'), '-q']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ΔpnlMean/);
    expect(r.out).toMatch(/^base\s/m);
    expect(r.out).toMatch(/^volatility-spike\s/m);
  }, 240_000);

  it('SIGINT mid-sweep exits 130 and keeps the finished cells; the next run computes the rest', async () => {
    const cfg = path.join(dir, 'long.yaml');
    fs.writeFileSync(cfg, sweep(3000).replace('seeds: [1, 2]', 'seeds: [1, 2, 3, 4, 5, 6]'));
    const data = path.join(dir, 'data');
    const child = spawn(
      process.execPath,
      [bin, 'sweep', '--config', cfg, '--data-dir', data, '--workers', '1'],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      // After the first finished cell (the bar prints "1/12" or more).
      if (!sent && /sweep\s+\d+%\s+[1-9]\d*\/12/.test(err)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(guard);
    expect(code, err).toBe(130);
    expect(err).toMatch(/cancelled; (\d+) cells computed this time/);
    const computed = Number(/cancelled; (\d+) cells computed/.exec(err)![1]);
    expect(computed).toBeGreaterThanOrEqual(1);
    expect(computed).toBeLessThan(12);
    const again = run(['sweep', '--config', cfg, '--data-dir', data, '-q']);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain(`${12 - computed} cells computed`);
    expect(again.err).toContain(`${computed} found in the store`);
  }, 300_000);
});
