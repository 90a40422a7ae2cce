/**
 * kill -9 of a `quotebench paper` session on the Binance USD-M demo connector, against the fake
 * exchange on 127.0.0.1 (--exchange-url, keys from QUOTEBENCH_API_KEY / QUOTEBENCH_API_SECRET): the
 * child prints each fill's trade id once it is journaled (--print-fills); the test drives takers
 * through its quotes and SIGKILLs it after N fills. Every printed fill must be in the journal, every
 * journaled fill must be a fill of the exchange; then `--resume` against the same exchange rebuilds
 * the session from the journal, reconciles (the orders the killed process left open are ours) and
 * stops with nothing open at the exchange. No timing assertions.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../paper/journal';
import { startFakeBinance } from './fake-binance.fixture';

const BIN = join(import.meta.dirname, '../../bin/quotebench.mjs');
const dir = mkdtempSync(join(tmpdir(), 'qb-binance-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const API_KEY = 'qbCRASHkey0001';
const SECRET = 'qbCRASHsecret0001';
const QUOTER = JSON.stringify({ type: 'fixed-spread', halfSpread: 0.1, skewPerLot: 0, orderSizeLots: 2 });
const FILLS_BEFORE_KILL = 6;

function paperArgs(url: string, extra: string[]): string[] {
  return [
    BIN,
    'paper',
    '--venue',
    'binanceusdm-demo',
    '--symbol',
    'BTC/USDT:USDT',
    '--exchange-url',
    url,
    '--quoter',
    QUOTER,
    '--lot-size',
    '0.001',
    '--interval',
    '50',
    '--data-dir',
    dir,
    '-q',
    ...extra,
  ];
}

const env = {
  ...process.env,
  QUOTEBENCH_NO_BUNDLE: '1',
  QUOTEBENCH_API_KEY: API_KEY,
  QUOTEBENCH_API_SECRET: SECRET,
};

describe('kill -9 of a paper session on the Binance connector (fake exchange)', () => {
  it('loses no journaled fill; --resume reconciles with the exchange and leaves nothing open', async () => {
    const f = await startFakeBinance({ apiKey: API_KEY, secret: SECRET, seed: 9, levels: 25 });
    try {
      const child = spawn(process.execPath, paperArgs(f.url, ['--print-fills']), {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
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
      // takers through the book while the child quotes at the touch
      let tick = 0;
      const driver = setInterval(() => {
        tick++;
        f.stepBook(1);
        if (f.openOrders().length === 0) return;
        const side = tick % 2 === 0 ? 'SELL' : 'BUY';
        const lv = side === 'SELL' ? f.book().bids[0] : f.book().asks[0];
        if (lv !== undefined) f.takerSweep(side, Math.round(Number(lv[1]) * 1000) - 1 + 1);
      }, 40);
      const guard = setTimeout(() => child.kill('SIGKILL'), 150_000); // hang guard only
      const sig = await exited;
      clearInterval(driver);
      clearTimeout(guard);
      expect(killed, stderr).toBe(true);
      expect(sig).toBe('SIGKILL');
      const ids = printed();
      expect(ids.length).toBeGreaterThanOrEqual(FILLS_BEFORE_KILL);
      const m = /session (\S+) \(journal (\S+)\)/.exec(stderr);
      expect(m, stderr).not.toBeNull();
      const [, sessionId, file] = m!;
      const j = new Journal(file!);
      const journaled = j.fills().map((x) => x.tradeId);
      j.close();
      const atExchange = new Set(f.tradeIds());
      for (const id of ids) expect(journaled, `fill ${id} printed as journaled`).toContain(id);
      for (const id of journaled)
        expect(atExchange.has(id), `journaled fill ${id} is the exchange's`).toBe(true);
      expect(new Set(journaled).size).toBe(journaled.length);
      expect(f.duplicates()).toEqual([]);
      expect(stdout + stderr).not.toContain(API_KEY);
      expect(stdout + stderr).not.toContain(SECRET);

      // recovery: the same session, rebuilt from its journal, against the same exchange; the process
      // must exit by itself (a leaked ccxt keep-alive timer once kept it alive)
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, paperArgs(f.url, ['--resume', sessionId!, '--duration', '2s']), {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let err = '';
        const hang = setTimeout(() => c.kill('SIGKILL'), 120_000); // hang guard only
        c.stderr.on('data', (d: Buffer) => (err += d.toString()));
        c.on('close', (code) => {
          clearTimeout(hang);
          resolve({ code, stderr: err });
        });
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/stopped: \d+ fills/);
      expect(r.stderr).toMatch(
        new RegExp(`resumed session ${sessionId} from its journal: \\d+ orders, ${journaled.length} fills`),
      );
      expect(f.openOrders()).toEqual([]); // the stop cancelled everything, the killed process's orders included
      expect(f.duplicates()).toEqual([]);
    } finally {
      await f.close();
    }
  }, 240_000);
});
