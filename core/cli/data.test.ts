/**
 * `quotebench data` in process, on the real LOBSTER samples (../shared/data/lobster): the exported top
 * of book equals LOBSTER's own orderbook file on every row; gzip input; re-import finds the dataset;
 * a failed import leaves nothing; bad input is one line with exit code 2.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../data/lobster-replay';
import { easternMidnightNs } from '../data/lobster-import';
import { captureOutput } from './capture.fixture';
import { main } from './main';

const dir = mkdtempSync(join(tmpdir(), 'qb-data-'));
const dataDir = join(dir, 'data');
const run = (argv: string[]): Promise<{ code: number; out: string; err: string }> =>
  captureOutput(() => main(argv));

interface ImportJson {
  dataset: string;
  events: number;
  existed: boolean;
  counts: { events: number; bookEvents: number; trades: number };
  verification: Record<string, number>;
  firstTsNs: string;
}

/** LOBSTER's level 1 as the export writes it: USD prices, empty side → empty price, size 0. */
function fileTop(orderbookPath: string): string[][] {
  const text = readFileSync(orderbookPath, 'utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const body = /^[A-Za-z"]/.test(lines[0]!) ? lines.slice(1) : lines;
  return body.map((l) => {
    const [ap, as, bp, bs] = l.split(',').map(Number) as [number, number, number, number];
    return [bs > 0 ? String(bp / 10000) : '', String(bs), as > 0 ? String(ap / 10000) : '', String(as)];
  });
}

describe('quotebench data on the LOBSTER samples', () => {
  for (const sample of LOBSTER_SAMPLES) {
    it(`${sample.name}: import, then export --what top equals the orderbook file on every row`, async () => {
      const p = lobsterSamplePaths(sample);
      const json = join(dir, `${sample.name}.json`);
      const r = await run([
        'data',
        'import',
        '--format',
        'lobster',
        '--message',
        p.messagePath,
        '--orderbook',
        p.orderbookPath,
        '--name',
        sample.name,
        '--data-dir',
        dataDir,
        '--json',
        json,
        '--quiet',
      ]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(readFileSync(json, 'utf8')) as ImportJson;
      expect(j.events).toBe(sample.rows);
      expect(j.counts.bookEvents).toBe(sample.rows);
      expect(j.verification.rowsChecked).toBe(sample.rows - 1);
      expect(j.verification.rowsMatching).toBe(sample.rows - 1);
      // the first message's Time (seconds after midnight, 9 decimals), to the nanosecond, after midnight
      // of 2012-06-21 US/Eastern (EDT: 04:00 UTC)
      const firstData = readFileSync(p.messagePath, 'utf8')
        .split('\n')
        .find((l) => /^\d/.test(l))!;
      const [secs, frac = ''] = firstData.split(',')[0]!.split('.');
      const ns = BigInt(secs!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
      expect(j.firstTsNs).toBe((BigInt(Date.UTC(2012, 5, 21, 4)) * 1_000_000n + ns).toString());

      const csv = join(dir, `${sample.name}-top.csv`);
      const e = await run([
        'data',
        'export',
        '--dataset',
        j.dataset,
        '--what',
        'top',
        '--out',
        csv,
        '--data-dir',
        dataDir,
      ]);
      expect(e.code).toBe(0);
      const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('seq,exchange_ts_ns,bid_price,bid_size,ask_price,ask_size');
      const want = fileTop(p.orderbookPath);
      expect(lines.length - 1).toBe(want.length);
      for (let i = 1; i < lines.length; i++) {
        const [seq, , bp, bs, ap, as] = lines[i]!.split(',');
        expect(Number(seq)).toBe(i);
        const w = want[i - 1]!;
        const got = [
          bp === '' ? '' : String(Number(bp)),
          String(Number(bs)),
          ap === '' ? '' : String(Number(ap)),
          String(Number(as)),
        ];
        if (got.join() !== w.join()) expect(`row ${i}: ${got.join()}`).toBe(`row ${i}: ${w.join()}`);
      }
    });
  }

  it('reads gzip files, finds a re-imported dataset by its content, and lists it', async () => {
    const sample = LOBSTER_SAMPLES[0]!;
    const p = lobsterSamplePaths(sample);
    const gzMsg = join(dir, 'AAPL_2012-06-21_msg.csv.gz');
    const gzOb = join(dir, 'AAPL_2012-06-21_ob.csv.gz');
    writeFileSync(gzMsg, gzipSync(readFileSync(p.messagePath)));
    writeFileSync(gzOb, gzipSync(readFileSync(p.orderbookPath)));
    const json = join(dir, 'gz.json');
    const args = ['data', 'import', '--format', 'lobster', '--message', gzMsg, '--orderbook', gzOb];
    const r = await run([...args, '--data-dir', dataDir, '--json', json, '--quiet']);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as ImportJson;
    const plain = JSON.parse(readFileSync(join(dir, `${sample.name}.json`), 'utf8')) as ImportJson;
    expect(j.dataset).toBe(plain.dataset); // the same bytes once decompressed: the same dataset
    expect(j.existed).toBe(true);
    const l = await run(['data', 'list', '--data-dir', dataDir]);
    expect(l.code).toBe(0);
    for (const s of LOBSTER_SAMPLES) expect(l.out).toContain(s.name);
    const s = await run(['data', 'show', '--dataset', sample.name, '--data-dir', dataDir]);
    expect(s.out).toMatch(/rowsMatching\s+998/);
  });

  it('a failed import leaves nothing in the catalog; bad input is one line, exit 2', async () => {
    const p = lobsterSamplePaths(LOBSTER_SAMPLES[0]!);
    const bad = join(dir, 'BAD_2012-06-21_message.csv');
    const lines = readFileSync(p.messagePath, 'utf8').split('\n');
    lines[500] = lines[500]!.replace(/^([^,]+),\d/, '$1,x');
    writeFileSync(bad, lines.join('\n'));
    const fresh = join(dir, 'fresh');
    const r = await run([
      'data',
      'import',
      '--format',
      'lobster',
      '--message',
      bad,
      '--orderbook',
      p.orderbookPath,
      '--data-dir',
      fresh,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/BAD_2012-06-21_message\.csv:501: column Type/);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(join(fresh, 'datasets')) ? readdirSync(join(fresh, 'datasets')) : []).toEqual([]);
    // an import killed half-way (its process gone) leaves a temporary directory: the next import removes it
    const dead = join(fresh, 'datasets', '.import-999999999-abcdef');
    mkdirSync(dead, { recursive: true });
    writeFileSync(join(dead, 'events.parquet'), 'partial');
    const ok = await run([
      'data',
      'import',
      '--format',
      'lobster',
      '--message',
      p.messagePath,
      '--orderbook',
      p.orderbookPath,
      '--data-dir',
      fresh,
      '--quiet',
    ]);
    expect(ok.code).toBe(0);
    const left = readdirSync(join(fresh, 'datasets'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^[0-9a-f]{16}$/);

    const cases: [string[], RegExp][] = [
      [['data'], /expected import or download or record or list or show or export/],
      [
        ['data', 'import', '--data-dir', fresh],
        /--format is required \(lobster, binance-raw, binance-csv or tardis\)/,
      ],
      [
        ['data', 'import', '--format', 'kaiko', '--data-dir', fresh],
        /--format must be lobster, binance-raw, binance-csv or tardis/,
      ],
      [
        ['data', 'import', '--format', 'tardis', '--data-dir', fresh],
        /--format tardis needs its CSV files as arguments/,
      ],
      [
        ['data', 'import', '--format', 'lobster', '--message', bad, '--data-dir', fresh],
        /needs --message FILE and --orderbook FILE/,
      ],
      [['data', 'show', '--dataset', 'nope', '--data-dir', dataDir], /no dataset 'nope'/],
      [
        [
          'data',
          'export',
          '--dataset',
          LOBSTER_SAMPLES[0]!.name,
          '--what',
          'book',
          '--out',
          join(dir, 'x.csv'),
          '--data-dir',
          dataDir,
        ],
        /--what must be top, trades or events/,
      ],
      [['data', 'list', '--what', 'top', '--data-dir', dataDir], /--what does not apply to data list/],
    ];
    for (const [argv, re] of cases) {
      const c = await run(argv);
      expect(c.code, argv.join(' ')).toBe(2);
      expect(c.err).toMatch(re);
    }
  });
});

describe('quotebench fit intensity on an imported dataset', () => {
  it('fits A and k to the AMZN sample with counts that fall with the distance', async () => {
    const json = join(dir, 'intensity.json');
    const r = await run(['fit', 'intensity', '--dataset', 'AMZN_L10', '--data-dir', dataDir, '--json', json]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Execution intensity λ\(δ\) = A·exp\(−kδ\) on dataset /);
    const j = JSON.parse(readFileSync(json, 'utf8')) as {
      A: number;
      k: number;
      ciK: [number, number];
      converged: boolean;
      seconds: number;
      bins: { count: number; exposure: number }[];
    };
    expect(j.converged).toBe(true);
    expect(j.bins).toHaveLength(10);
    for (let i = 1; i < j.bins.length; i++)
      expect(j.bins[i]!.count).toBeLessThanOrEqual(j.bins[i - 1]!.count);
    for (const b of j.bins) expect(b.exposure).toBeCloseTo(2 * j.seconds, 9);
    expect(j.A).toBeGreaterThan(0);
    expect(j.ciK[0]).toBeGreaterThan(0);
    const bad = await run([
      'fit',
      'intensity',
      '--dataset',
      'AMZN_L10',
      '--returns',
      'x.csv',
      '--data-dir',
      dataDir,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--returns does not apply to fit intensity/);
  });
});

describe('quotebench data import --format binance-raw', () => {
  it('imports the BTCUSDT capture with the futures sync rules and exports its top of book', async () => {
    const capture = join(
      import.meta.dirname,
      '../../../shared/data/binance_usdm_btcusdt_2024-08-08/btcusdt_20240808.raw_stream.gz',
    );
    const json = join(dir, 'binance.json');
    const r = await run([
      'data',
      'import',
      '--format',
      'binance-raw',
      capture,
      '--data-dir',
      dataDir,
      '--json',
      json,
      '--quiet',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /6547 depth updates applied, 4 dropped, 0 gaps; top of book = bookTicker at 629\/629/,
    );
    const j = JSON.parse(readFileSync(json, 'utf8')) as ImportJson & { name: string; venue: string };
    expect(j.name).toBe('BTCUSDT_usdm_2024-08-08');
    expect(j.venue).toBe('Binance USD-M futures');
    expect(j.counts.trades).toBe(21313);
    expect(j.counts.bookEvents).toBe(6548); // the snapshot and every applied update
    expect(j.verification).toMatchObject({ gaps: 0, dropped: 4, tickerChecks: 629, tickerMatches: 629 });
    const csv = join(dir, 'btc-top.csv');
    expect(
      (await run(['data', 'export', '--dataset', j.dataset, '--out', csv, '--data-dir', dataDir])).code,
    ).toBe(0);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(rows).toHaveLength(6549);
    // the first row is the REST snapshot (lastUpdateId 5123107852948, best 61800.20 / 61800.30)
    expect(rows[1]!.split(',').slice(0, 1).concat(rows[1]!.split(',').slice(2))).toEqual([
      '5123107852948',
      '61800.2',
      '2.909',
      '61800.3',
      '1.072',
    ]);
    const wrong = await run(['data', 'import', '--format', 'lobster', capture, '--data-dir', dataDir]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/files are arguments only for --format binance-raw, binance-csv and tardis/);
  });
});

describe('quotebench data import --format binance-csv', () => {
  it('synchronizes the CSV tables of the capture: 481 updates applied, 4 dropped, 49/49 bookTicker checks', async () => {
    const D = join(import.meta.dirname, '../../../shared/data/binance_usdm_btcusdt_2024-08-08');
    const files = ['trades.csv', 'depth_updates.csv', 'book_ticker.csv', 'depth_snapshot.csv'].map((f) =>
      join(D, f),
    );
    const json = join(dir, 'bcsv.json');
    const r = await run([
      'data',
      'import',
      '--format',
      'binance-csv',
      ...files,
      '--name',
      'bcsv',
      '--data-dir',
      dataDir,
      '--json',
      json,
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as ImportJson & { format: string };
    expect(j.format).toBe('binance-csv');
    expect(j.verification).toMatchObject({
      depthEvents: 485,
      applied: 481,
      dropped: 4,
      gaps: 0,
      tickerChecks: 49,
      tickerMatches: 49,
    });
    expect(j.counts.trades).toBe(910);
  });
});

describe('quotebench data import --format tardis', () => {
  it('imports an incremental book and a trades file as one dataset and exports both tables', async () => {
    const T = join(import.meta.dirname, '../../../shared/data/tardis_format_samples');
    const json = join(dir, 'tardis.json');
    const r = await run([
      'data',
      'import',
      '--format',
      'tardis',
      join(T, 'deribit_incremental_book_L2_BTC-PERPETUAL.csv'),
      join(T, 'bitmex_trades_XBTUSD.csv'),
      '--name',
      'tardis-mix',
      '--data-dir',
      dataDir,
      '--json',
      json,
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as ImportJson & { format: string };
    expect(j.format).toBe('tardis (incremental_book_L2, trades)');
    expect(j.counts).toEqual({ events: 25, bookEvents: 1, trades: 10 });
    const top = join(dir, 'tardis-top.csv');
    expect(
      (await run(['data', 'export', '--dataset', 'tardis-mix', '--out', top, '--data-dir', dataDir])).code,
    ).toBe(0);
    expect(readFileSync(top, 'utf8').trimEnd().split('\n')[1]).toBe(
      '15,1585699200245000000,,0.0,6421.5,18640.0',
    );
    const trades = join(dir, 'tardis-trades.csv');
    const e = await run([
      'data',
      'export',
      '--dataset',
      'tardis-mix',
      '--what',
      'trades',
      '--out',
      trades,
      '--data-dir',
      dataDir,
    ]);
    expect(e.out).toMatch(/wrote 10 rows of trades/);
    expect(readFileSync(trades, 'utf8').split('\n')[1]).toBe('16,1583020803145000000,8531.5,2152.0,-1');
  });
});

describe('easternMidnightNs', () => {
  it('uses the offset of the date itself (EDT in June, EST in January) and rejects non-dates', () => {
    expect(easternMidnightNs('2012-06-21')).toBe(BigInt(Date.UTC(2012, 5, 21, 4)) * 1_000_000n);
    expect(easternMidnightNs('2013-01-15')).toBe(BigInt(Date.UTC(2013, 0, 15, 5)) * 1_000_000n);
    expect(() => easternMidnightNs('2012-02-30')).toThrow(/calendar date/);
    expect(() => easternMidnightNs('21/06/2012')).toThrow(/YYYY-MM-DD/);
  });
});
