// `quotebench paper` as a user runs it (a child process): on a recorded dataset its fills equal, fill by
// fill, those of the backtest replay of the same dataset with the same models (the config a user would
// give `quotebench backtest`); a kill on stdin cancels everything; API keys never appear in the output
// or the journal.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestConfigSchema } from '../backtest/config';
import { loadMarketInputs, runBacktest } from '../backtest/run';
import { parseConfigText } from '../config/load-config';
import { Journal } from '../paper/journal';
import { writeSyntheticDataset } from '../paper/synthetic-tape.fixture';

const BIN = join(import.meta.dirname, '../../bin/quotebench.mjs');
const dir = mkdtempSync(join(tmpdir(), 'qb-paper-cli-'));
let datasetId = '';
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  datasetId = await writeSyntheticDataset(dir, { seed: 11, seconds: 180 });
}, 120_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  opts: {
    env?: Record<string, string>;
    onStderr?: (err: string, child: ReturnType<typeof spawn>) => void;
  } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, QUOTEBENCH_NO_BUNDLE: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const MODELS = {
  fees: { makerBps: -1, takerBps: 4 },
  latency: {
    entry: { model: 'constant', value: 0.02 },
    cancel: { model: 'constant', value: 0.01 },
    marketData: { model: 'constant', value: 0.005 },
  },
  queue: { model: 'prob-power', n: 2 },
  decisionInterval: 0.5,
  depthLevels: 5,
  lotSize: 1,
  postOnly: true,
};
const STRATEGY = { type: 'fixed-spread', halfSpread: 0.1, skewPerLot: 0.02, orderSizeLots: 1 };

describe('quotebench paper', () => {
  it('on a recorded dataset: the same fills as `quotebench backtest` on it, fill by fill', async () => {
    const paperCfg = join(dir, 'paper.yaml');
    const { decisionInterval, depthLevels, lotSize, postOnly, ...models } = MODELS;
    writeFileSync(
      paperCfg,
      JSON.stringify({
        ...models,
        decisionIntervalMs: decisionInterval * 1000,
        depthLevels,
        lotSize,
        postOnly,
      }),
    );
    const json = join(dir, 'summary.json');
    const r = await run([
      'paper',
      '--dataset',
      datasetId,
      '--speed',
      '0',
      '--config',
      paperCfg,
      '--quoter',
      JSON.stringify(STRATEGY),
      '--max-inventory',
      '4',
      '--print-fills',
      '--json',
      json,
      '--data-dir',
      dir,
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as { journal: string; fills: number };
    const j = new Journal(summary.journal);
    const paper = j.fills();
    const origin = Date.UTC(2026, 0, 2);
    j.close();
    expect(r.stdout.trim().split('\n')).toHaveLength(paper.length);

    // The backtest of the same dataset, from a config as a user writes it.
    const cfg = parseConfigText(
      JSON.stringify({
        seed: 1,
        paths: 1,
        scenario: {
          mode: 'replay',
          dataset: datasetId,
          inventoryLimitLots: 4,
          sampleInterval: 60,
          ...MODELS,
        },
        strategies: [STRATEGY],
      }),
      'backtest.yaml',
      backtestConfigSchema,
    );
    const market = await loadMarketInputs(cfg.scenario, dir);
    const replay: { t: number; side: number; price: number; size: number; fee: number }[] = [];
    runBacktest(cfg, {
      market,
      onPath: (_run, p) => {
        for (let i = 0; i < p.fills.count; i++)
          replay.push({
            t: p.fills.t[i]!,
            side: p.fills.side[i]!,
            price: p.fills.price[i]!,
            size: p.fills.size[i]!,
            fee: p.fills.fee[i]!,
          });
      },
    });
    expect(replay.length).toBeGreaterThan(20);
    expect(paper.length).toBe(replay.length);
    // Session time 0 is the replay's session start: the first two-sided book (tape time 0 here).
    for (let i = 0; i < replay.length; i++) {
      const p = paper[i]!;
      const q = replay[i]!;
      expect({ i, side: p.side === 'buy' ? 0 : 1, price: p.price }).toEqual({
        i,
        side: q.side,
        price: q.price,
      });
      expect(p.amount / lotSize).toBeCloseTo(q.size, 9);
      expect(p.fee).toBeCloseTo(q.fee, 9);
      expect((p.exchangeTimeMs - origin) / 1000).toBeCloseTo(q.t, 5);
    }
  }, 180_000);

  /** A dataset session at 20× with quotes working soon, its summary written to `json`. */
  const runningSessionArgs = (json: string): string[] => [
    'paper',
    '--dataset',
    datasetId,
    '--speed',
    '20',
    '--quoter',
    JSON.stringify(STRATEGY),
    '--interval',
    '250',
    '--json',
    json,
    '--data-dir',
    dir,
  ];

  it('SIGINT stops: every order cancelled in one round, exit 130, the session journaled as stopped', async () => {
    const json = join(dir, 'sigint.json');
    let sent = false;
    const r = await run(runningSessionArgs(json), {
      onStderr: (err, child) => {
        if (!sent && / ours b/.test(err)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: stopping \(cancelling every order\)/);
    const s = JSON.parse(readFileSync(json, 'utf8')) as {
      status: string;
      stopOrKill: { openAfter: number; cancelRequests: number };
    };
    expect(s.status).toBe('stopped');
    expect(s.stopOrKill).toMatchObject({ openAfter: 0, cancelRequests: 1 });
  }, 180_000);

  it('`kill` on stdin: every order cancelled, none open after; keys never in the output or the journal', async () => {
    const KEY = 'QBpaperKEY5xV7nM2cR9';
    const SECRET = 'QBpaperSECRET8kL3pW6qZ1';
    const json = join(dir, 'kill.json');
    let sent = false;
    const r = await run(runningSessionArgs(json), {
      env: { QUOTEBENCH_API_KEY: KEY, QUOTEBENCH_API_SECRET: SECRET },
      // After the first progress line (orders are working by then): the kill switch.
      onStderr: (err, child) => {
        if (!sent && / ours b/.test(err)) {
          sent = true;
          child.stdin!.write('kill\n');
        }
      },
    });
    expect(sent, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/kill switch: cancelled \d+ order\(s\) in [\d.]+ ms; 0 open after/);
    const s = JSON.parse(readFileSync(json, 'utf8')) as {
      status: string;
      journal: string;
      stopOrKill: { openAfter: number };
    };
    expect(s.status).toBe('killed');
    expect(s.stopOrKill.openAfter).toBe(0);
    const j = new Journal(s.journal);
    const open = j.orders().filter((o) => !['filled', 'cancelled', 'rejected', 'expired'].includes(o.status));
    j.close();
    expect(open).toEqual([]);
    for (const text of [
      r.stdout,
      r.stderr,
      readFileSync(json, 'utf8'),
      ...readdirSync(join(dir, 'paper')).map((f) => readFileSync(join(dir, 'paper', f)).toString('latin1')),
    ]) {
      expect(text.includes(KEY)).toBe(false);
      expect(text.includes(SECRET)).toBe(false);
    }
  }, 180_000);
});
