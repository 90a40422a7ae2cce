/**
 * `quotebench calibrate` and `quotebench validate` end to end in child processes on the shared LOBSTER
 * samples: the written config runs in `backtest` unchanged, validate prints its table, and SIGINT during
 * a calibration exits 130 with nothing written.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../data/catalog';
import { importLobster } from '../data/lobster-import';
import { openStore } from '../store/db';
import { searchNewest } from '../store/test-fixtures';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../data/lobster-replay';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/quotebench.mjs');
let dataDir = '';
let aapl = '';
let amzn = '';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'qb-calibrate-cli-'));
  for (const name of ['AAPL_L10', 'AMZN_L10']) {
    const p = lobsterSamplePaths(LOBSTER_SAMPLES.find((s) => s.name === name)!);
    const { info } = await importLobster({
      dataDir,
      messagePath: p.messagePath,
      orderbookPath: p.orderbookPath,
    });
    if (name === 'AAPL_L10') aapl = info.id;
    else amzn = info.id;
  }
}, 60_000);

const run = (args: string[]) =>
  spawnSync(process.execPath, [bin, ...args, '--data-dir', dataDir], { cwd: root, encoding: 'utf8' });

describe('quotebench calibrate / validate', () => {
  it('writes a config that backtest runs unchanged, a JSON report, and validate compares it', () => {
    const out = join(dataDir, 'aapl.yaml');
    const json = join(dataDir, 'aapl.json');
    const c = run(['calibrate', '--dataset', aapl, '--out', out, '--json', json, '--interval', '1']);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/calibrate \[1\/7\] returns/);
    expect(c.stderr).toMatch(/calibrate \[6\/7\] rates/);
    expect(c.stderr).toMatch(/calibrate \[7\/7\] pilot/);
    expect(c.stdout).toMatch(/pilot: μ [\d.]+ → [\d.]+\/s per side/);
    const yaml = readFileSync(out, 'utf8');
    expect(yaml).toContain(`dataset ${aapl}`);
    const rep = JSON.parse(readFileSync(json, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(rep)).toEqual(
      expect.arrayContaining([
        'returns',
        'garch',
        'regimes',
        'intensity',
        'book',
        'rates',
        'pilot',
        'scenario',
      ]),
    );
    const b = spawnSync(process.execPath, [bin, 'backtest', '--config', out, '--paths', '1', '--quiet'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(b.status, b.stderr).toBe(0);
    const v = run(['validate', '--dataset', aapl, '--scenario', out, '--paths', '2', '--quiet']);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/spread share 1 tick/);
    expect(v.stdout).toMatch(/mark-out 5 s, our passive fills/);

    // Recorded as a 'calibrate' run (issue 13 §5): dataset hash, options, metrics, both files by SHA-256.
    const store = openStore(dataDir);
    try {
      const info = readDataset(dataDir, aapl);
      const rows = searchNewest(store, {
        kinds: ['calibrate'],
        datasetHash: info.contentHash,
        statuses: ['completed'],
      }).rows;
      expect(rows).toHaveLength(1);
      const d = store.runs.get(rows[0]!.id)!;
      expect(d.run).toMatchObject({ kind: 'calibrate', seed: 7, datasetHash: info.contentHash });
      expect(d.config).toMatchObject({ command: 'calibrate', dataset: aapl, interval: 1 });
      const m = store.runs.runMetrics(d.run.id);
      const sc = rep.scenario as { scenario: { flow: { marketRate: number } } };
      expect(m.sigmaPerSqrtSecond).toBe((rep.returns as { sigmaPerSqrtSecond: number }).sigmaPerSqrtSecond);
      expect(m.marketRateUsed).toBe(sc.scenario.flow.marketRate);
      const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');
      expect(store.runs.files(d.run.id).map((f) => [f.path, f.sha256])).toEqual(
        [
          [json, sha(json)],
          [out, sha(out)],
        ].sort(),
      );
    } finally {
      store.close();
    }
  }, 120_000);

  it('usage errors exit 2 and write nothing', () => {
    const out = join(dataDir, 'none.yaml');
    expect(run(['calibrate', '--out', out]).status).toBe(2);
    expect(run(['calibrate', '--dataset', 'no-such', '--out', out]).status).toBe(2);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('SIGINT during a calibration: exit 130, nothing written', async () => {
    const out = join(dataDir, 'int.yaml');
    const json = join(dataDir, 'int.json');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [bin, 'calibrate', '--dataset', amzn, '--out', out, '--json', json, '--data-dir', dataDir],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      let sent = false;
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
        if (!sent && stderr.includes('calibrate [1/7]')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(guard);
        resolve({ code, stderr });
      });
    });
    expect(r.code, r.stderr).toBe(130);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(json)).toBe(false);
    // The stopped calibration is recorded, as cancelled, with no files.
    const store = openStore(dataDir);
    try {
      const rows = searchNewest(store, {
        kinds: ['calibrate'],
        datasetHash: readDataset(dataDir, amzn).contentHash,
      }).rows;
      expect(rows.map((x) => x.status)).toEqual(['cancelled']);
      expect(store.runs.files(rows[0]!.id)).toEqual([]);
    } finally {
      store.close();
    }
  }, 90_000);
});
