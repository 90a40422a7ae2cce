import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BinanceDepthSync, readBinanceCsv, readBinanceRaw, type DepthEvent } from './binance-raw';

const CAPTURE = join(
  import.meta.dirname,
  '../../../shared/data/binance_usdm_btcusdt_2024-08-08/btcusdt_20240808.raw_stream.gz',
);

function ev(
  U: number,
  u: number,
  pu: number | undefined,
  bids: [number, number][] = [],
  asks: [number, number][] = [],
): DepthEvent {
  return { U, u, pu, E: 0, bids, asks, localTsNs: 0n };
}

describe('BinanceDepthSync: USD-M futures rules', () => {
  it('buffers diffs before the snapshot, drops u < lastUpdateId, applies the straddling one, then chains on pu', () => {
    const applied: number[] = [];
    const s = new BinanceDepthSync({ onApplied: (e) => applied.push(e.u) });
    s.depth(ev(90, 95, 89, [[10, 1]])); // before the snapshot: buffered, then dropped (u < 100)
    s.depth(ev(96, 102, 95, [[10, 2]])); // buffered, then the first applied (96 ≤ 100 ≤ 102)
    s.snapshot(
      100,
      [
        [10, 5],
        [9, 1],
      ],
      [[11, 3]],
      0n,
      0,
    );
    expect(applied).toEqual([102]);
    expect(s.bids.bestQty()).toBe(2);
    s.depth(ev(103, 105, 102, [[10, 0]], [[10.5, 4]])); // pu = previous u: applied; bid 10 removed
    expect([s.bids.bestPrice(), s.asks.bestPrice(), s.asks.bestQty()]).toEqual([9, 10.5, 4]);
    expect(s.report).toMatchObject({ market: 'futures', buffered: 2, dropped: 1, applied: 2, gaps: 0 });
    expect(s.inSync).toBe(true);
  });

  it('detects a broken pu chain, ignores updates until the next snapshot and resynchronizes from it', () => {
    const s = new BinanceDepthSync();
    s.snapshot(100, [[10, 5]], [[11, 3]], 0n, 0);
    s.depth(ev(99, 101, 98));
    s.depth(ev(110, 112, 108)); // pu 108 ≠ 101: gap
    expect(s.inSync).toBe(false);
    s.depth(ev(113, 115, 112)); // skipped: out of sync
    s.snapshot(120, [[10, 7]], [[11, 1]], 0n, 0);
    s.depth(ev(116, 119, 115)); // older than the new snapshot: dropped
    s.depth(ev(119, 121, 119, [[10, 8]])); // straddles 120: applied
    expect(s.inSync).toBe(true);
    expect(s.bids.bestQty()).toBe(8);
    expect(s.report).toMatchObject({
      gaps: 1,
      skippedWhileOutOfSync: 1,
      dropped: 1,
      applied: 2,
      snapshots: 2,
    });
    expect(s.report.gapDetails[0]).toMatch(/u=112 has pu=108, previous u=101/);
  });

  it('reports a first event that does not straddle the snapshot as a gap', () => {
    const s = new BinanceDepthSync();
    s.snapshot(100, [], [], 0n, 0);
    s.depth(ev(105, 110, 104));
    expect(s.report.gaps).toBe(1);
    expect(s.report.gapDetails[0]).toMatch(/does not straddle/);
  });
});

describe('BinanceDepthSync: spot rules', () => {
  it('drops u ≤ lastUpdateId, needs U ≤ lastUpdateId + 1 ≤ u first, then U = previous u + 1', () => {
    const s = new BinanceDepthSync({}, { market: 'spot' });
    s.snapshot(100, [[10, 5]], [[11, 3]], 0n, 0);
    s.depth(ev(95, 100, undefined)); // u = lastUpdateId: dropped on spot (kept on futures)
    s.depth(ev(101, 103, undefined, [[10, 1]]));
    s.depth(ev(104, 104, undefined, [[10, 2]]));
    expect(s.report).toMatchObject({ market: 'spot', dropped: 1, applied: 2, gaps: 0 });
    s.depth(ev(106, 107, undefined)); // 106 ≠ 105: gap
    expect(s.report.gaps).toBe(1);
  });

  it('tells spot from futures by the presence of pu', () => {
    const s = new BinanceDepthSync();
    s.depth(ev(1, 2, undefined));
    expect(s.report.market).toBe('spot');
  });
});

describe('the top of book rebuilt from the real capture equals the venue bookTicker', () => {
  it('BTCUSDT USD-M 2024-08-08 (344.8 s): 0 gaps, 4 early diffs dropped, 629 of 629 bookTicker checks exact', async () => {
    const s = new BinanceDepthSync();
    await readBinanceRaw([CAPTURE], s);
    expect(s.report).toMatchObject({
      market: 'futures',
      symbol: 'BTCUSDT',
      lines: 93954,
      snapshots: 1,
      depthEvents: 6551,
      dropped: 4,
      applied: 6547,
      gaps: 0,
      trades: 21313,
      bookTickers: 66089,
    });
    expect(s.report.firstTickerMismatch).toBeNull();
    expect(s.report.tickerChecks).toBe(629);
    expect(s.report.tickerMatches).toBe(s.report.tickerChecks);
  });

  it('a tampered capture fails the check; a malformed line names the file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-binance-'));
    const lines = [
      '1 {"lastUpdateId":100,"bids":[["10.0","5"]],"asks":[["11.0","3"]]}',
      '2 {"stream":"x@depth","data":{"e":"depthUpdate","E":1,"U":99,"u":101,"pu":98,"b":[["10.0","4"]],"a":[]}}',
      '3 {"stream":"x@bookTicker","data":{"e":"bookTicker","u":101,"b":"10.0","B":"5","a":"11.0","A":"3"}}',
    ];
    const f = join(dir, 'cap.gz');
    writeFileSync(f, gzipSync(lines.join('\n')));
    const s = new BinanceDepthSync();
    await readBinanceRaw([f], s);
    expect(s.report.tickerChecks).toBe(1);
    expect(s.report.tickerMatches).toBe(0); // the book has 4 at 10.0, the ticker says 5
    expect(s.report.firstTickerMismatch).toMatch(/u=101: book 10\|4\|11\|3, bookTicker 10\|5\|11\|3/);
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, `${lines[0]}\n4 {"stream":"x","data":{"e":"depthUpdate","U":1}}\n`);
    await expect(readBinanceRaw([bad], new BinanceDepthSync())).rejects.toThrow(
      /bad\.txt:2: u must be a number/,
    );
    writeFileSync(bad, 'not a capture line\n');
    await expect(readBinanceRaw([bad], new BinanceDepthSync())).rejects.toThrow(
      /bad\.txt:1: expected "<local_ts_ns> <json>"/,
    );
  });
});

describe('the capture as CSV tables', () => {
  const D = join(import.meta.dirname, '../../../shared/data/binance_usdm_btcusdt_2024-08-08');
  it('gives the same synchronization as the raw stream over its 25 s: 481 applied, 4 dropped, 49/49 bookTicker', async () => {
    const s = new BinanceDepthSync();
    await readBinanceCsv(
      ['book_ticker.csv', 'depth_updates.csv', 'depth_snapshot.csv', 'trades.csv'].map((f) => join(D, f)),
      s,
    );
    expect(s.report).toMatchObject({
      snapshots: 1,
      depthEvents: 485,
      applied: 481,
      dropped: 4,
      gaps: 0,
      trades: 910,
    });
    expect(s.report.tickerChecks).toBe(49);
    expect(s.report.tickerMatches).toBe(49);
  });

  it('names the file and line of a bad header or row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-bcsv-'));
    const f = join(dir, 'x.csv');
    writeFileSync(f, 'a,b,c\n');
    await expect(readBinanceCsv([f], new BinanceDepthSync())).rejects.toThrow(
      /x\.csv:1: not a Binance CSV header/,
    );
    writeFileSync(
      f,
      'local_ts_ns,last_update_id,event_time_ms,transact_time_ms,side,price,qty\n1,100,1,1,buy,10,1\n',
    );
    await expect(readBinanceCsv([f], new BinanceDepthSync())).rejects.toThrow(
      /x\.csv:2: column side: expected bid or ask/,
    );
  });
});

describe('Binance historical depth CSV', () => {
  const H = join(import.meta.dirname, '../../../shared/data/binance_futures_historical_depth_samples');
  it('reads a snap file as a snapshot (100 bid levels) and a set file as one update with its pu', async () => {
    const snap = new BinanceDepthSync();
    await readBinanceCsv([join(H, 'btcusdt-depth-snap.csv')], snap);
    expect(snap.report).toMatchObject({ snapshots: 1, lines: 100, symbol: 'BTCUSDT' });
    expect(snap.bids.levels.size).toBe(100);
    expect(snap.bids.bestPrice()).toBe(20377);
    expect(snap.bids.bestQty()).toBe(1.77);
    const upd = new BinanceDepthSync();
    await readBinanceCsv([join(H, 'btcusdt-depth-update.csv')], upd);
    // no snapshot to chain to (the two samples are 10 minutes apart): the update waits in the buffer
    expect(upd.report).toMatchObject({ market: 'futures', depthEvents: 1, buffered: 1, applied: 0 });
  });
});
