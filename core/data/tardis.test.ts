import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { L2Side } from './binance-raw';
import { readTardisFile } from './tardis';

const DIR = join(import.meta.dirname, '../../../shared/data/tardis_format_samples');
const file = (name: string): string => join(DIR, name);
const rows = (name: string): string[][] =>
  readFileSync(file(name), 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

describe('Tardis CSV files', () => {
  it('book_snapshot_25: every row gives 25 levels a side, best first, as in the file', async () => {
    const got: { bids: [number, number][]; asks: [number, number][]; tsUs: number }[] = [];
    const r = await readTardisFile(file('binance-futures_book_snapshot_25_BTCUSDT.csv'), {
      onSnapshotRow: (s) => got.push(s),
    });
    expect(r).toMatchObject({
      kind: 'book_snapshot',
      levels: 25,
      rows: 10,
      exchange: 'binance-futures',
      symbol: 'BTCUSDT',
    });
    const want = rows('binance-futures_book_snapshot_25_BTCUSDT.csv');
    expect(got).toHaveLength(want.length);
    got.forEach((s, i) => {
      const w = want[i]!;
      expect(s.tsUs).toBe(Number(w[2]));
      expect(s.asks[0]).toEqual([Number(w[4]), Number(w[5])]);
      expect(s.bids[0]).toEqual([Number(w[6]), Number(w[7])]);
      expect(s.asks[24]).toEqual([Number(w[4 + 96]), Number(w[5 + 96])]);
      for (let l = 1; l < 25; l++) {
        expect(s.asks[l]![0]).toBeGreaterThan(s.asks[l - 1]![0]);
        expect(s.bids[l]![0]).toBeLessThan(s.bids[l - 1]![0]);
      }
    });
  });

  it('incremental_book_L2: the snapshot rows build the book (unsorted input, best = lowest ask)', async () => {
    const book = { bids: new L2Side(true), asks: new L2Side(false) };
    const events: number[] = [];
    const r = await readTardisFile(
      file('deribit_incremental_book_L2_BTC-PERPETUAL.csv'),
      { onBookEvent: (row) => events.push(row) },
      book,
    );
    expect(r).toMatchObject({ kind: 'incremental_book_L2', rows: 15, snapshots: 1 });
    const want = rows('deribit_incremental_book_L2_BTC-PERPETUAL.csv');
    const best = Math.min(...want.map((w) => Number(w[6])));
    expect(book.asks.bestPrice()).toBe(best);
    expect(book.asks.bestQty()).toBe(Number(want.find((w) => Number(w[6]) === best)![7]));
    expect(book.asks.levels.size).toBe(new Set(want.map((w) => w[6])).size);
    expect(Number.isNaN(book.bids.bestPrice())).toBe(true);
    expect(events).toEqual([16]); // one message: all rows share the timestamps; reported after line 16
  });

  it('incremental_book_L2: a snapshot after updates starts a new book; amount 0 removes a level', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-tardis-'));
    const f = join(dir, 'l2.csv');
    writeFileSync(
      f,
      [
        'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount',
        'x,Y,1,1,true,bid,10,5',
        'x,Y,1,1,true,ask,11,5',
        'x,Y,2,2,false,bid,10.5,1',
        'x,Y,3,3,false,bid,10.5,0',
        'x,Y,4,4,true,bid,9,2',
        'x,Y,4,4,true,ask,12,3',
      ].join('\n'),
    );
    const book = { bids: new L2Side(true), asks: new L2Side(false) };
    const tops: string[] = [];
    const r = await readTardisFile(
      f,
      { onBookEvent: () => tops.push(`${book.bids.bestPrice()}/${book.asks.bestPrice()}`) },
      book,
    );
    expect(r.snapshots).toBe(2);
    expect(tops).toEqual(['10/11', '10.5/11', '10/11', '9/12']);
  });

  it('trades: aggressor side, price and amount; ids may be any string', async () => {
    const got: { side: number; price: number; amount: number }[] = [];
    const r = await readTardisFile(file('bitmex_trades_XBTUSD.csv'), { onTrade: (t) => got.push(t) });
    expect(r).toMatchObject({ kind: 'trades', rows: 10, exchange: 'bitmex', symbol: 'XBTUSD' });
    const want = rows('bitmex_trades_XBTUSD.csv');
    expect(got.map((t) => [t.side, t.price, t.amount])).toEqual(
      want.map((w) => [w[5] === 'buy' ? 1 : w[5] === 'sell' ? -1 : 0, Number(w[6]), Number(w[7])]),
    );
  });

  it('names the file and line of every malformed input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-tardis-'));
    const f = join(dir, 'bad.csv');
    const cases: [string[], RegExp][] = [
      [['time,price'], /bad\.csv:1: not a Tardis CSV header/],
      [
        ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', 'x,Y,1,1,a,buy,1'],
        /bad\.csv:2: expected 8 columns, got 7/,
      ],
      [
        ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', 'x,Y,1,1,a,long,1,1'],
        /bad\.csv:2: column side/,
      ],
      [
        ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', 'x,Y,1,1,a,buy,abc,1'],
        /bad\.csv:2: column price: not a number/,
      ],
      [
        [
          'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
          'x,Y,1,5,a,buy,1,1',
          'x,Y,1,4,b,buy,1,1',
        ],
        /bad\.csv:3: local_timestamp 4 is before/,
      ],
      [
        ['exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount', 'x,Y,1,1,yes,bid,1,1'],
        /bad\.csv:2: column is_snapshot/,
      ],
      [
        ['exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount', 'x,Y,1.5,1,true,bid,1,1'],
        /bad\.csv:2: column timestamp/,
      ],
    ];
    for (const [lines, re] of cases) {
      writeFileSync(f, lines.join('\n'));
      await expect(readTardisFile(f, {})).rejects.toThrow(re);
    }
  });
});
