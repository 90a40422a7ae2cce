import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTardis } from '../data/tardis-import';
import { bookStats, spreadState } from './book-stats';

describe('bookStats on a hand-built dataset', () => {
  it('tick, spread shares by events and time, transitions, trades and receive latency', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-bookstats-'));
    const book = join(dir, 'book.csv');
    const trades = join(dir, 'trades.csv');
    // book events (t in s): 0: 10.0/10.1 (1 tick) · 4: 10.0/10.2 (2) · 5: 10.0/10.1 (1) · 10: 9.9/10.1 (2)
    // receive times 3 ms after the exchange's
    writeFileSync(
      book,
      [
        'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount',
        'x,Y,0,3000,true,bid,10.0,1',
        'x,Y,0,3000,true,ask,10.1,1',
        'x,Y,4000000,4003000,false,ask,10.1,0',
        'x,Y,4000000,4003000,false,ask,10.2,1',
        'x,Y,5000000,5003000,false,ask,10.1,2',
        'x,Y,10000000,10003000,false,bid,10.0,0',
        'x,Y,10000000,10003000,false,bid,9.9,1',
      ].join('\n'),
    );
    writeFileSync(
      trades,
      [
        'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
        'x,Y,1000000,1003000,a,buy,10.1,2',
        'x,Y,2000000,2003000,b,sell,10.0,4',
        'x,Y,3000000,3003000,c,buy,10.1,6',
        'x,Y,6000000,6003000,d,unknown,10.1,8',
      ].join('\n'),
    );
    const { info } = await importTardis({ dataDir: dir, files: [book, trades], name: 'toy' });
    const s = await bookStats(dir, info.id);
    expect(s.bookEvents).toBe(4);
    expect(s.seconds).toBe(10);
    expect(s.tick).toBeCloseTo(0.1, 12);
    // events: states 1, 2, 1, 2 → 50% / 50%; time: 1 tick for 4 + 5 = 9 s, 2 ticks for 1 s (the last event holds no time)
    expect(s.spread[0]).toMatchObject({ state: '1', share: 0.5, timeShare: 0.9 });
    expect(s.spread[1]!.share).toBe(0.5);
    expect(s.spread[1]!.timeShare).toBeCloseTo(0.1, 12);
    expect(s.transition[0]).toEqual([0, 1, 0, 0, 0]); // 1 → 2 twice
    expect(s.transition[1]).toEqual([1, 0, 0, 0, 0]); // 2 → 1 once
    expect(s.transition[2]).toBeNull();
    expect(s.trades).toMatchObject({ count: 4, perSecond: 0.4, sizeMean: 5 });
    expect(s.trades.buyShare).toBeCloseTo(2 / 3, 12); // the unknown-side trade is not counted
    expect(s.trades.sizeQuantiles).toMatchObject({ p50: 5, max: 8 });
    expect(s.latencyMs).toMatchObject({ count: 11, min: 3, p50: 3, max: 3 });
  });

  it('maps spreads in ticks onto the states 1 … 4 and ≥ 5', () => {
    expect([1, 2, 4, 5, 9].map(spreadState)).toEqual([0, 1, 3, 4, 4]);
  });
});
