/**
 * `quotebench backtest` records its run (issue 13 §5), as the app's backtests are recorded: the real
 * bin in a child process with --data-dir; the store then holds one completed 'backtest' run with the
 * config, seed, paths and code version, and one result row per strategy run whose metrics equal the
 * --json file's. A second backtest of the same config is a second run (runs are executions).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { codeVersion } from '../store/code-version';
import { openStore } from '../store/db';
import { searchNewest } from '../store/test-fixtures';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/quotebench.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-bt-rec-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const config = `name: recorded
seed: 11
paths: 6
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
`;

function backtest(dataDir: string, json: string): { code: number | null; stderr: string } {
  const cfg = path.join(dir, 'recorded.yaml');
  fs.writeFileSync(cfg, config);
  const r = spawnSync(
    process.execPath,
    [bin, 'backtest', '--config', cfg, '--json', json, '--data-dir', dataDir, '--quiet'],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  return { code: r.status, stderr: r.stderr };
}

describe('quotebench backtest records its run', () => {
  it('stores the config, seed, code version and one result per strategy run, equal to --json', () => {
    const dataDir = path.join(dir, 'data');
    const json = path.join(dir, 'out.json');
    const r = backtest(dataDir, json);
    expect(r.code, r.stderr).toBe(0);
    const id = /recorded as run (\S+) in /.exec(r.stderr)?.[1];
    expect(id, r.stderr).toBeDefined();
    const out = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      runs: { strategy: string; params: Record<string, unknown>; metrics: Record<string, number> }[];
    };
    const store = openStore(dataDir);
    try {
      const d = store.runs.get(id!)!;
      expect(d.run).toMatchObject({
        kind: 'backtest',
        status: 'completed',
        name: 'recorded',
        seed: 11,
        paths: 6,
        codeVersion: codeVersion(),
      });
      expect((d.config as { strategies: unknown[] }).strategies).toHaveLength(1);
      expect(d.results).toHaveLength(2);
      d.results.forEach((res, i) => {
        const o = out.runs[i]!;
        expect(res.strategy).toBe(o.strategy);
        expect(res.params).toEqual(o.params);
        for (const [k, v] of Object.entries(o.metrics)) {
          if (Number.isFinite(v)) expect(res.metrics[k as keyof typeof res.metrics], k).toBe(v);
        }
      });
    } finally {
      store.close();
    }
    const again = backtest(dataDir, json);
    expect(again.code, again.stderr).toBe(0);
    const s2 = openStore(dataDir);
    try {
      const page = searchNewest(s2, { kinds: ['backtest'] });
      expect(page.total).toBe(2);
    } finally {
      s2.close();
    }
  }, 240_000);
});
