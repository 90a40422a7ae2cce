import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { importBinanceRaw } from './binance-import';
import { loadEventColumns } from './event-columns';
import { easternMidnightNs, importLobster } from './lobster-import';
import { parseLobsterMessages } from './lobster';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from './lobster-replay';

const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const dir = mkdtempSync(join(tmpdir(), 'qb-evcols-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadEventColumns on a LOBSTER dataset', () => {
  const sample = LOBSTER_SAMPLES.find((s) => s.name === 'AAPL_L10')!;
  const p = lobsterSamplePaths(sample);
  let id = '';
  beforeAll(async () => {
    id = (await importLobster({ dataDir: dir, messagePath: p.messagePath, orderbookPath: p.orderbookPath }))
      .info.id;
  });

  it('returns every message in file order with exact ns offsets from the first event', async () => {
    const m = parseLobsterMessages(readFileSync(p.messagePath, 'utf8'));
    const c = await loadEventColumns(dir, id);
    expect(c.count).toBe(m.count);
    const midnight = easternMidnightNs('2012-06-21');
    const ns = (i: number): bigint => midnight + BigInt(Math.round(m.time[i]! * 1e9));
    expect(c.baseTsNs).toBe(ns(0));
    for (let i = 0; i < m.count; i++) {
      expect(c.seq[i]).toBe(i + 1);
      expect(c.kind[i]).toBe(m.type[i]);
      expect(c.orderId[i]).toBe(m.orderId[i]);
      expect(c.side[i]).toBe(m.direction[i]);
      if (m.type[i] === 7) expect(c.price[i]).toBeNaN();
      else expect(c.price[i]).toBe(m.price[i]! / 10000);
      expect(c.size[i]).toBe(m.size[i]);
      expect(c.baseTsNs + BigInt(c.exchangeTsNs[i]!)).toBe(ns(i));
      expect(c.localTsNs[i]).toBeNaN(); // LOBSTER has no receive time
    }
  });

  it('selects a row range and an exchange-time range', async () => {
    const all = await loadEventColumns(dir, id);
    const part = await loadEventColumns(dir, id, { offset: 100, limit: 250 });
    expect(part.count).toBe(250);
    expect(Array.from(part.seq)).toEqual(Array.from(all.seq.subarray(100, 350)));
    expect(Array.from(part.exchangeTsNs)).toEqual(Array.from(all.exchangeTsNs.subarray(100, 350)));
    const tail = await loadEventColumns(dir, id, { offset: all.count - 5 });
    expect(Array.from(tail.seq)).toEqual(Array.from(all.seq.subarray(all.count - 5)));

    const from = all.baseTsNs + BigInt(all.exchangeTsNs[200]!);
    const to = all.baseTsNs + BigInt(all.exchangeTsNs[600]!);
    const t = await loadEventColumns(dir, id, { fromTsNs: from, toTsNs: to });
    const want: number[] = [];
    for (let i = 0; i < all.count; i++) {
      const v = all.baseTsNs + BigInt(all.exchangeTsNs[i]!);
      if (v >= from && v < to) want.push(all.seq[i]!);
    }
    expect(Array.from(t.seq)).toEqual(want);
    expect(t.baseTsNs).toBe(all.baseTsNs); // the same origin for every range of one dataset
  });
});

describe('loadEventColumns on a Binance capture (CSV tables)', () => {
  it('returns receive times, NaN order ids of level events and the trades', async () => {
    const D = join(SHARED, 'binance_usdm_btcusdt_2024-08-08');
    const r = await importBinanceRaw({
      dataDir: dir,
      format: 'csv',
      files: ['book_ticker.csv', 'depth_updates.csv', 'depth_snapshot.csv', 'trades.csv'].map((f) =>
        join(D, f),
      ),
    });
    const c = await loadEventColumns(dir, r.info.id);
    expect(c.count).toBe(r.info.counts.events);
    let trades = 0;
    for (let i = 0; i < c.count; i++) {
      expect(Number.isNaN(c.localTsNs[i]!)).toBe(false);
      expect([1, -1]).toContain(c.side[i]);
      if (c.kind[i] === 12) {
        trades++;
        expect(c.orderId[i]).toBe(c.seq[i]); // a trade's order_id is its trade id
      } else expect(c.orderId[i]).toBeNaN();
    }
    expect(trades).toBe(r.info.counts.trades);
    expect(c.baseTsNs).toBe(BigInt(r.info.firstTsNs));
  });
});
