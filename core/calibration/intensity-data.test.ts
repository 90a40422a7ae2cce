import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTardis } from '../data/tardis-import';
import { intensityFromDataset } from './intensity-data';

describe('intensityFromDataset: exposure and counts from a dataset', () => {
  it('measures each trade against the mid just before it, on both sides, over the observed time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-intensity-'));
    const book = join(dir, 'book.csv');
    const trades = join(dir, 'trades.csv');
    // book: 100/101 (mid 100.5) from t = 0 s, 100/102 (mid 101) from t = 10 s, observed until t = 20 s
    writeFileSync(
      book,
      [
        'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount',
        'x,Y,0,0,true,bid,100,1',
        'x,Y,0,0,true,ask,101,1',
        'x,Y,10000000,10000000,false,ask,101,0',
        'x,Y,10000000,10000000,false,ask,102,1',
        'x,Y,20000000,20000000,false,bid,99,1',
      ].join('\n'),
    );
    // trades: buy at 101.5 at 5 s (mid 100.5: d = 1.0), sell at 100 at 12 s (mid 101: d = 1.0),
    // buy at 102.5 at 15 s (mid 101: d = 1.5), unknown side at 16 s (skipped), sell at 99 at 0 s (no mid
    // strictly before it: skipped)
    writeFileSync(
      trades,
      [
        'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
        'x,Y,0,1,a,sell,99,1',
        'x,Y,5000000,5000000,b,buy,101.5,1',
        'x,Y,12000000,12000000,c,sell,100,1',
        'x,Y,15000000,15000000,d,buy,102.5,1',
        'x,Y,16000000,16000000,e,unknown,101,1',
      ].join('\n'),
    );
    const { info } = await importTardis({ dataDir: dir, files: [book, trades], name: 'toy' });
    const d = await intensityFromDataset(dir, info.id, [0.5, 1, 1.25, 2]);
    expect(d.trades).toBe(5);
    expect(d.tradesUsed).toBe(3);
    expect(d.seconds).toBe(20);
    expect(d.medianHalfSpread).toBe(1); // half-spreads 0.5, 1, 1 (the bid at 99 is behind 100)
    expect(d.bins.map((b) => [b.delta, b.count, b.exposure])).toEqual([
      [0.5, 3, 40],
      [1, 3, 40],
      [1.25, 1, 40],
      [2, 0, 40],
    ]);
  });
});
