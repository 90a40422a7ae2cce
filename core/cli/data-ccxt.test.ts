/**
 * `quotebench data download` and `data record` through ccxt against a fake Binance on 127.0.0.1
 * (core/data/fake-exchange.fixture.ts: real HTTP and WebSocket servers answering in Binance's formats
 * from scripted data). Downloads run the CLI in process; Ctrl-C and recordings run the real CLI
 * (bin/quotebench.mjs) as a child process. Network only to 127.0.0.1 (--exchange-url). No timing
 * assertions: recordings are stopped when their output shows the fake's last update and trade.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_KIND, datasetFile, datasetsDir, openDuck, type DatasetInfo } from '../data/catalog';
import {
  scriptedMarket,
  startFakeExchange,
  unifiedSymbol,
  type FakeBook,
  type FakeExchange,
  type FakeFaults,
  type FakeScript,
} from '../data/fake-exchange.fixture';
import { captureOutput } from './capture.fixture';
import { main } from './main';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/quotebench.mjs');
const dir = mkdtempSync(join(tmpdir(), 'qb-data-ccxt-'));
let dirs = 0;
const freshDataDir = (): string => join(dir, `data-${++dirs}`);

const fakes: FakeExchange[] = [];
afterEach(async () => {
  while (fakes.length > 0) await fakes.pop()!.close();
});

async function fake(script: FakeScript, faults: FakeFaults = {}): Promise<FakeExchange> {
  const f = await startFakeExchange(script, faults);
  fakes.push(f);
  return f;
}

const run = (argv: string[]): Promise<{ code: number; out: string; err: string }> =>
  captureOutput(() => main(argv));

type Json = DatasetInfo & { dataset: string; existed: boolean };

async function rows(
  dataDir: string,
  id: string,
  table: 'events' | 'top' | 'trades' | 'bars',
): Promise<unknown[][]> {
  const { conn, close } = await openDuck();
  try {
    const r = await conn.runAndReadAll(`SELECT * FROM read_parquet('${datasetFile(dataDir, id, table)}')`);
    return r.getRows().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
  } finally {
    close();
  }
}

/** Nothing in the catalog: no dataset and no unfinished import directory. */
function catalogEntries(dataDir: string): string[] {
  const d = datasetsDir(dataDir);
  return existsSync(d) ? readdirSync(d) : [];
}

const iso = (ms: number): string => new Date(ms).toISOString();

describe('data download through ccxt (fake Binance on 127.0.0.1)', () => {
  it('trades: every scripted trade between --since and --until, id paging over a quiet hour, 429 and 500 retried', async () => {
    const s = scriptedMarket({ kind: 'spot', trades: 2500 });
    const f = await fake(s, { http429Once: 'aggTrades', http500Once: 'exchangeInfo' });
    const dataDir = freshDataDir();
    const json = join(dir, 'trades.json');
    const until = s.trades[2300]!.time; // exclusive
    const r = await run([
      'data',
      'download',
      '--exchange',
      'binance',
      '--symbol',
      'BTC/USDT',
      '--what',
      'trades',
      '--since',
      iso(s.trades[0]!.time - 60_000),
      '--until',
      iso(until),
      '--exchange-url',
      f.url,
      '--data-dir',
      dataDir,
      '--json',
      json,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /^downloaded: [0-9a-f]{16} BTCUSDT_binance_trades_2026-01-05 — ccxt trades: 2300 events/,
    );
    expect(r.err).toMatch(/retry 1 of 5/);
    const j = JSON.parse(readFileSync(json, 'utf8')) as Json;
    expect(j.counts).toEqual({ events: 2300, bookEvents: 0, trades: 2300 });
    expect(j.verification).toMatchObject({ trades: 2300, retries: 2, tradeIdGaps: 0, duplicatesDropped: 0 });
    expect(j.firstTsNs).toBe(`${s.trades[0]!.time}000000`);
    const want = s.trades.slice(0, 2300);
    const trades = await rows(dataDir, j.dataset, 'trades');
    expect(trades).toEqual(
      want.map((t) => [t.id, t.time * 1e6, Number(t.price), Number(t.qty), t.buyerMaker ? -1 : 1]),
    );
    const events = await rows(dataDir, j.dataset, 'events');
    expect(events.every((e) => e[2] === EVENT_KIND.trade)).toBe(true);
    expect(events.map((e) => e[0])).toEqual(want.map((t) => t.id));
    // the first window (one hour, Binance's limit) by time, then by id: across the quiet hour
    expect(f.requests.filter((q) => q.includes('aggTrades') && q.includes('startTime')).length).toBe(2); // 429, then ok
    expect(f.requests.some((q) => q.includes('fromId=101000'))).toBe(true);

    // the same download again finds the dataset
    const again = await run([
      'data',
      'download',
      '--exchange',
      'binance',
      '--symbol',
      'BTCUSDT',
      '--what',
      'trades',
      '--since',
      iso(s.trades[0]!.time - 60_000),
      '--until',
      iso(until),
      '--exchange-url',
      f.url,
      '--data-dir',
      dataDir,
      '-q',
    ]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(new RegExp(`^already in the catalog: ${j.dataset}`));
  });

  it('trades on USD-M futures (binanceusdm, /fapi/v1), from an empty hour before the first trade', async () => {
    const s = scriptedMarket({ kind: 'usdm', trades: 1500, seed: 3 });
    const f = await fake(s);
    const dataDir = freshDataDir();
    const json = join(dir, 'usdm.json');
    const r = await run([
      'data',
      'download',
      '--exchange',
      'binanceusdm',
      '--symbol',
      unifiedSymbol(s),
      '--what',
      'trades',
      '--since',
      iso(s.trades[0]!.time - 2.5 * 3_600_000),
      '--until',
      iso(s.trades.at(-1)!.time + 1),
      '--exchange-url',
      f.url,
      '--data-dir',
      dataDir,
      '--json',
      json,
      '-q',
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as Json;
    expect(j.symbol).toBe('BTC/USDT:USDT');
    expect(j.counts.trades).toBe(1500);
    expect(j.verification.emptyWindows).toBe(2);
    expect(f.requests.every((q) => q.startsWith('GET /fapi/v1/'))).toBe(true);
    const trades = await rows(dataDir, j.dataset, 'trades');
    expect(trades.map((t) => t[0])).toEqual(s.trades.map((t) => t.id));
  });

  it('ohlcv: the bars table equals the scripted klines, paged 1000 at a time, --until exclusive', async () => {
    const s = scriptedMarket({ kind: 'spot', klines: 2500 });
    const f = await fake(s);
    const dataDir = freshDataDir();
    const json = join(dir, 'bars.json');
    const r = await run([
      'data',
      'download',
      '--exchange',
      'binance',
      '--symbol',
      'BTC/USDT',
      '--what',
      'ohlcv',
      '--timeframe',
      '1m',
      '--since',
      iso(s.klines[0]!.openTime),
      '--until',
      iso(s.klines[2345]!.openTime),
      '--exchange-url',
      f.url,
      '--data-dir',
      dataDir,
      '--json',
      json,
      '-q',
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as Json;
    expect(j.counts).toEqual({ events: 0, bookEvents: 0, trades: 0, bars: 2345 });
    expect(j.verification).toMatchObject({ pages: 3, bars: 2345, barGaps: 0 });
    const bars = await rows(dataDir, j.dataset, 'bars');
    expect(bars).toEqual(
      s.klines
        .slice(0, 2345)
        .map((k) => [
          k.openTime * 1e6,
          Number(k.open),
          Number(k.high),
          Number(k.low),
          Number(k.close),
          Number(k.volume),
        ]),
    );
    const csv = join(dir, 'bars.csv');
    const e = await run([
      'data',
      'export',
      '--dataset',
      j.dataset,
      '--what',
      'bars',
      '--out',
      csv,
      '--data-dir',
      dataDir,
    ]);
    expect(e.code, e.err).toBe(0);
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe('exchange_ts_ns,open,high,low,close,volume');
  });

  it('book: N snapshots as snapshotLevel events (seq = lastUpdateId) and one top row each; the URL from $QUOTEBENCH_EXCHANGE_URL', async () => {
    const s = scriptedMarket({ kind: 'usdm', snapshots: 3, levels: 12 });
    const f = await fake(s);
    const dataDir = freshDataDir();
    const json = join(dir, 'book.json');
    process.env.QUOTEBENCH_EXCHANGE_URL = f.url;
    const r = await run([
      'data',
      'download',
      '--exchange',
      'binanceusdm',
      '--symbol',
      'BTCUSDT',
      '--what',
      'book',
      '--snapshots',
      '3',
      '--interval',
      '0',
      '--depth',
      '10',
      '--data-dir',
      dataDir,
      '--json',
      json,
      '-q',
    ]).finally(() => delete process.env.QUOTEBENCH_EXCHANGE_URL);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as Json;
    expect(j.levels).toBe(10);
    expect(j.counts).toEqual({ events: 60, bookEvents: 3, trades: 0 });
    const events = await rows(dataDir, j.dataset, 'events');
    const want = s.snapshots.flatMap((b) => [
      ...b.bids
        .slice(0, 10)
        .map(([p, q]) => [b.lastUpdateId, b.time * 1e6, EVENT_KIND.snapshotLevel, 1, Number(p), Number(q)]),
      ...b.asks
        .slice(0, 10)
        .map(([p, q]) => [b.lastUpdateId, b.time * 1e6, EVENT_KIND.snapshotLevel, -1, Number(p), Number(q)]),
    ]);
    expect(events.map((e) => [e[0], e[1], e[2], e[4], e[5], e[6]])).toEqual(want);
    const top = await rows(dataDir, j.dataset, 'top');
    expect(top).toEqual(
      s.snapshots.map((b) => [
        b.lastUpdateId,
        b.time * 1e6,
        Number(b.bids[0]![0]),
        Number(b.bids[0]![1]),
        Number(b.asks[0]![0]),
        Number(b.asks[0]![1]),
      ]),
    );
  });

  const bad: [string, FakeFaults, string[], RegExp][] = [
    [
      'malformed JSON',
      { malformed: 'aggTrades' },
      ['--what', 'trades'],
      /binance fetchTrades since .*aggTrades.*: the answer is not valid JSON/,
    ],
    [
      'a negative trade price',
      { mangle: { path: 'aggTrades', fn: (b) => setField(b, 7, 'p', '-5.00') } },
      ['--what', 'trades'],
      /binance fetchTrades since .*: trade 8 of the page \(id 100007\): price -5 is not a positive number/,
    ],
    [
      'a crossed book',
      { mangle: { path: 'depth', fn: crossBook } },
      ['--what', 'book'],
      /binance fetchOrderBook \(snapshot 1 of 1\): the book is crossed \(best bid 40001 ≥ best ask/,
    ],
    [
      'a bar whose high is below its close',
      { mangle: { path: 'klines', fn: (b) => setIndex(b, 3, 2, '1.00') } },
      ['--what', 'ohlcv'],
      /binance fetchOHLCV 1m since .*: bar 4 of the page \(.*\): high 1 \/ low .* do not bound/,
    ],
    [
      'an unknown symbol',
      {},
      ['--what', 'book', '--symbol', 'ETH/USDT'],
      /unknown symbol "ETH\/USDT" on binance \(1 markets loaded\)/,
    ],
    [
      'an exchangeInfo without markets',
      { mangle: { path: 'exchangeInfo', fn: () => ({ symbols: [] }) } },
      ['--what', 'book'],
      /binance loadMarkets \(http:\/\/127\.0\.0\.1:\d+\/api\/v3\/exchangeInfo\): the venue listed no markets/,
    ],
    [
      'an HTTP error that is not transient (400, not retried)',
      { httpError: { path: 'klines', status: 400, body: { code: -1121, msg: 'Invalid symbol.' } } },
      ['--what', 'ohlcv'],
      /binance fetchOHLCV 1m since .* \(http:.*\/api\/v3\/klines\?.*\): BadSymbol: .*Invalid symbol/,
    ],
  ];
  for (const [label, faults, args, message] of bad)
    it(`${label}: one line naming the request and the fault, exit 2, nothing in the catalog`, async () => {
      const s = scriptedMarket({ kind: 'spot', trades: 50, klines: 50, snapshots: 1 });
      const f = await fake(s, faults);
      const dataDir = freshDataDir();
      const json = join(dir, `bad-${label.replaceAll(' ', '-')}.json`);
      const sym = args.includes('--symbol') ? [] : ['--symbol', 'BTC/USDT'];
      const range = args.includes('book')
        ? []
        : ['--since', iso(s.trades[0]!.time), '--until', iso(s.trades[0]!.time + 3_000_000)];
      const r = await run([
        'data',
        'download',
        '--exchange',
        'binance',
        ...sym,
        ...args,
        ...range,
        '--exchange-url',
        f.url,
        '--data-dir',
        dataDir,
        '--json',
        json,
        '-q',
      ]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(catalogEntries(dataDir)).toEqual([]);
      expect(existsSync(json)).toBe(false);
    });

  it('usage errors name the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--what', 'trades'], /--exchange ID is required/],
      [
        ['--exchange', 'binance', '--symbol', 'X', '--what', 'candles'],
        /--what must be trades, ohlcv or book for data download, got "candles"/,
      ],
      [
        ['--exchange', 'binance', '--symbol', 'X', '--what', 'trades', '--since', '2026-13-01'],
        /--since must be a date or time/,
      ],
      [
        ['--exchange', 'binance', '--symbol', 'X', '--what', 'trades', '--since', '2026-02-30'],
        /--since must be a date or time/,
      ],
      [
        [
          '--exchange',
          'binance',
          '--symbol',
          'X',
          '--what',
          'trades',
          '--since',
          '2026-01-02',
          '--until',
          '2026-01-01',
        ],
        /--since .* must be before --until/,
      ],
      [
        ['--exchange', 'binance', '--symbol', 'X', '--what', 'book', '--timeframe', '1h'],
        /--timeframe applies to --what ohlcv only/,
      ],
      [
        ['--exchange', 'binance', '--symbol', 'X', '--what', 'ohlcv', '--timeframe', '1x'],
        /--timeframe: timeframe "1x"/,
      ],
      [['--exchange', 'nosuchvenue', '--symbol', 'X', '--what', 'book'], /unknown exchange "nosuchvenue"/],
      [
        ['--exchange', 'binance', '--symbol', 'X', '--what', 'book', '--exchange-url', 'ftp://x'],
        /must start with http:\/\/ or https:\/\//,
      ],
      [
        ['--exchange', 'binance', '--symbol', 'X', '--duration', '5s', '--what', 'book'],
        /--duration does not apply to data download/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await run(['data', 'download', ...args, '--data-dir', freshDataDir()]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    const rec = await run(['data', 'record', '--exchange', 'binance', '--symbol', 'X', '--duration', '0s']);
    expect(rec.code).toBe(2);
    expect(rec.err).toMatch(/--duration must be a positive time/);
    // what the venue cannot do is refused before any request
    const noWs = await run([
      'data',
      'record',
      '--exchange',
      'bitso',
      '--symbol',
      'BTC/MXN',
      '--data-dir',
      freshDataDir(),
    ]);
    expect(noWs.code).toBe(2);
    expect(noWs.err).toMatch(/ccxt [\d.]+ has no websocket support for bitso: data record needs it/);
    const noBars = await run([
      'data',
      'download',
      '--exchange',
      'coincheck',
      '--symbol',
      'BTC/JPY',
      '--what',
      'ohlcv',
      '--data-dir',
      freshDataDir(),
    ]);
    expect(noBars.code).toBe(2);
    expect(noBars.err).toMatch(/coincheck has no fetchOHLCV in ccxt [\d.]+/);
  });
});

function setField(body: unknown, i: number, key: string, value: unknown): unknown {
  (body as Record<string, unknown>[])[i]![key] = value;
  return body;
}

function setIndex(body: unknown, i: number, k: number, value: unknown): unknown {
  (body as unknown[][])[i]![k] = value;
  return body;
}

function crossBook(body: unknown): unknown {
  const b = body as { bids: [string, string][] };
  b.bids[0] = ['40001.00', '1.000'];
  return b;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The real CLI as a child process; `until(stderr)` true → send SIGINT (once). Killed after 120 s. */
function cli(args: string[], until: ((stderr: string) => boolean) | null): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const check = (): void => {
      if (!sent && until !== null && until(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    };
    const poll = setInterval(check, 50);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      check();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The book a dataset's events rebuild: snapshot levels reset the book, levelSet sets (0 removes). */
function replayBook(events: unknown[][]): { bids: Map<number, number>; asks: Map<number, number> } {
  let bids = new Map<number, number>();
  let asks = new Map<number, number>();
  let prev: { kind: number; seq: number } | null = null;
  for (const e of events) {
    const [seq, , kind, , side, price, size] = e as [number, number, number, unknown, number, number, number];
    const snap = kind === EVENT_KIND.snapshotLevel;
    if (snap && !(prev !== null && prev.kind === kind && prev.seq === seq)) {
      bids = new Map(); // a new snapshot starts
      asks = new Map();
    }
    prev = { kind, seq };
    if (kind !== EVENT_KIND.snapshotLevel && kind !== EVENT_KIND.levelSet) continue;
    const book = side === 1 ? bids : asks;
    if (size === 0) book.delete(price);
    else book.set(price, size);
  }
  return { bids, asks };
}

const asMap = (levels: [string, string][]): Map<number, number> =>
  new Map(levels.map(([p, q]) => [Number(p), Number(q)]));

describe('data record through ccxt.pro (fake Binance websocket on 127.0.0.1)', () => {
  const cases: [string, FakeScript, FakeFaults, { resyncs: number; reconnects: number }][] = [
    ['spot', scriptedMarket({ kind: 'spot', diffs: 300, liveTrades: 60 }), {}, { resyncs: 0, reconnects: 0 }],
    [
      'USD-M futures',
      scriptedMarket({ kind: 'usdm', diffs: 300, liveTrades: 60, seed: 11 }),
      {},
      { resyncs: 0, reconnects: 0 },
    ],
    [
      'spot with a dropped connection and a sequence gap',
      scriptedMarket({ kind: 'spot', diffs: 300, liveTrades: 60, seed: 5 }),
      { dropWsAfter: 100, gapAt: 200 },
      { resyncs: 1, reconnects: 1 },
    ],
  ];
  for (const [label, s, faults, expected] of cases)
    it(`${label}: Ctrl-C keeps the recording; its replayed book equals the fake's book, every trade kept`, async () => {
      const f = await fake(s, faults);
      const dataDir = freshDataDir();
      const json = join(dir, `record-${label.replaceAll(' ', '-')}.json`);
      let fakeDone = false;
      void f.done.then(() => (fakeDone = true));
      const nTrades = s.live!.trades.length;
      const r = await cli(
        [
          'data',
          'record',
          '--exchange',
          s.kind === 'spot' ? 'binance' : 'binanceusdm',
          '--symbol',
          unifiedSymbol(s),
          '--duration',
          '1h',
          '--exchange-url',
          f.url,
          '--data-dir',
          dataDir,
          '--json',
          json,
        ],
        (err) => fakeDone && err.includes(`(nonce ${f.lastUpdateId()}), ${nTrades} trades`),
      );
      expect(r.signal, r.stderr).toBeNull();
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(/quotebench data record: SIGINT: stopping; writing what was recorded/);
      expect(r.stdout).toMatch(/^recorded: [0-9a-f]{16} BTCUSDT_binance(usdm)?_record_/);
      const j = JSON.parse(readFileSync(json, 'utf8')) as Json;
      expect(j.format).toBe('ccxt record');
      expect(j.verification).toMatchObject({
        ...expected,
        trades: nTrades,
        duplicateTrades: 0,
        tradeIdGaps: 0,
      });
      expect(j.verification.snapshots).toBe(1 + expected.resyncs + expected.reconnects);
      const events = await rows(dataDir, j.dataset, 'events');
      const book = replayBook(events);
      const want: FakeBook = f.liveBook();
      expect(book.bids).toEqual(asMap(want.bids));
      expect(book.asks).toEqual(asMap(want.asks));
      const top = await rows(dataDir, j.dataset, 'top');
      expect(top.at(-1)!.slice(0, 1)).toEqual([want.lastUpdateId]);
      expect(top.at(-1)!.slice(2)).toEqual([
        Number(want.bids[0]![0]),
        Number(want.bids[0]![1]),
        Number(want.asks[0]![0]),
        Number(want.asks[0]![1]),
      ]);
      const trades = await rows(dataDir, j.dataset, 'trades');
      expect(trades).toEqual(
        s.live!.trades.map((t) => [
          t.id,
          t.time * 1e6,
          Number(t.price),
          Number(t.qty),
          t.buyerMaker ? -1 : 1,
        ]),
      );
    }, 150_000);

  it('--duration ends the recording by itself (exit 0, the dataset written)', async () => {
    const s = scriptedMarket({ kind: 'spot', diffs: 20, liveTrades: 5 });
    const f = await fake(s);
    const dataDir = freshDataDir();
    const r = await cli(
      [
        'data',
        'record',
        '--exchange',
        'binance',
        '--symbol',
        'BTCUSDT',
        '--duration',
        '1s',
        '--exchange-url',
        f.url,
        '--data-dir',
        dataDir,
        '-q',
      ],
      null,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^recorded: [0-9a-f]{16} /);
    expect(catalogEntries(dataDir)).toHaveLength(1);
  }, 150_000);
});

describe('data download and Ctrl-C', () => {
  it('SIGINT during a download: "cancelled", exit 130, nothing in the catalog', async () => {
    const s = scriptedMarket({ kind: 'spot', trades: 3000 });
    const f = await fake(s, { stallAfter: { path: 'aggTrades', answered: 1 } });
    const dataDir = freshDataDir();
    const r = await cli(
      [
        'data',
        'download',
        '--exchange',
        'binance',
        '--symbol',
        'BTC/USDT',
        '--what',
        'trades',
        '--since',
        iso(s.trades[0]!.time),
        '--until',
        iso(s.trades.at(-1)!.time),
        '--exchange-url',
        f.url,
        '--data-dir',
        dataDir,
        '--json',
        join(dir, 'cancelled.json'),
      ],
      (err) => /download trades\s+\d+%/.test(err),
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/quotebench data download: cancelled; nothing was written/);
    expect(r.stdout).toBe('');
    expect(catalogEntries(dataDir)).toEqual([]);
    expect(existsSync(join(dir, 'cancelled.json'))).toBe(false);
  }, 150_000);
});
