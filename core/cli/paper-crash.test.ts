// kill -9 of a paper session loses no journaled fill: the child prints each fill's trade id after its
// commit (--print-fills); it is killed with SIGKILL after N of them; the journal must hold every
// printed id. Then recovery: `--resume` rebuilds the session from the journal and the reconciliation
// with the venue reports what differs (here a fresh paper venue: flat, no orders).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../paper/journal';
import { writeSyntheticDataset } from '../paper/synthetic-tape.fixture';

const BIN = join(import.meta.dirname, '../../bin/quotebench.mjs');
const dir = mkdtempSync(join(tmpdir(), 'qb-paper-crash-'));
let datasetId = '';
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  datasetId = await writeSyntheticDataset(dir, { seed: 5, seconds: 600 });
}, 120_000);

const STRATEGY = JSON.stringify({ type: 'fixed-spread', halfSpread: 0.05, skewPerLot: 0, orderSizeLots: 1 });
const FILLS_BEFORE_KILL = 25;

describe('paper session crash', () => {
  it('SIGKILL after N fills: every fill printed as journaled is in the journal; --resume reconciles and reports', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'paper',
        '--dataset',
        datasetId,
        '--speed',
        '50',
        '--quoter',
        STRATEGY,
        '--interval',
        '200',
        '--print-fills',
        '--data-dir',
        dir,
        '-q',
      ],
      { env: { ...process.env, QUOTEBENCH_NO_BUNDLE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let killed = false;
    const printed = (): string[] => [...stdout.matchAll(/^fill (\S+) journaled$/gm)].map((m) => m[1]!);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('close', (_c, sig) => resolve(sig)),
    );
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!killed && printed().length >= FILLS_BEFORE_KILL) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    const sig = await exited;
    expect(killed, stderr).toBe(true);
    expect(sig).toBe('SIGKILL');
    const ids = printed();
    expect(ids.length).toBeGreaterThanOrEqual(FILLS_BEFORE_KILL);
    const m = /session (\S+) \(journal (\S+)\)/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    const [, sessionId, file] = m!;
    const j = new Journal(file!);
    const journaled = new Set(j.fills().map((f) => f.tradeId));
    const orders = j.orders();
    j.close();
    for (const id of ids) expect(journaled.has(id), `fill ${id} printed as journaled`).toBe(true);
    expect(orders.length).toBeGreaterThan(0);

    // Recovery: the same session id, rebuilt from its journal, against a fresh paper venue.
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn(
        process.execPath,
        [
          BIN,
          'paper',
          '--resume',
          sessionId!,
          '--dataset',
          datasetId,
          '--speed',
          '0',
          '--duration',
          '1s',
          '--quoter',
          STRATEGY,
          '--data-dir',
          dir,
          '-q',
        ],
        { env: { ...process.env, QUOTEBENCH_NO_BUNDLE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let err = '';
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('close', (code) => resolve({ code, stderr: err }));
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`resumed session ${sessionId} from its journal: \\d+ orders, ${journaled.size} fills`),
    );
    // The journal's position is not the fresh venue's (flat): reported as a discrepancy.
    expect(r.stderr).toMatch(/discrepancy: position: local -?[\d.]+ lots, venue 0 lots/);
  }, 240_000);
});
