/**
 * readBinanceRaw reads the usual stream messages without JSON.parse (fastStreamLine); every line it
 * reads that way must give what the general path gives. The general path is forced by a space after
 * the line's opening brace (the same JSON to JSON.parse, not the layout the fast path takes).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BinanceDepthSync, readBinanceRaw } from './binance-raw';

const CAPTURE = fileURLToPath(
  new URL(
    '../../../shared/data/binance_usdm_btcusdt_2024-08-08/btcusdt_20240808.raw_stream.gz',
    import.meta.url,
  ),
);
const dir = mkdtempSync(join(tmpdir(), 'qb-bfast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every callback and the report, as one list of values. */
async function run(file: string): Promise<unknown[]> {
  const log: unknown[] = [];
  const sync = new BinanceDepthSync({
    onSnapshot: (id, local, e) =>
      log.push(['snap', id, local, e, sync.bids.bestPrice(), sync.asks.bestPrice()]),
    onApplied: (ev) => log.push(['depth', ev.U, ev.u, ev.pu, ev.E, ev.bids, ev.asks, ev.localTsNs]),
    onTrade: (t) => log.push(['trade', t.id, t.price, t.qty, t.buyerMaker, t.timeMs, t.localTsNs]),
  });
  await readBinanceRaw([file], sync);
  log.push(sync.report);
  return log;
}

function text(log: unknown[]): string {
  return JSON.stringify(log, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : v,
  );
}

/** The same lines with the general path forced. */
function slow(lines: string[]): string[] {
  return lines.map((l) => l.replace(' {', ' { '));
}

async function compare(lines: string[]): Promise<unknown[]> {
  const a = join(dir, 'fast.txt');
  const b = join(dir, 'slow.txt');
  writeFileSync(a, lines.join('\n') + '\n');
  writeFileSync(b, slow(lines).join('\n') + '\n');
  const fast = await run(a);
  // as text (bigints and −0 spelled out): toEqual over half a million values is slow
  expect(text(fast) === text(await run(b))).toBe(true);
  return fast;
}

describe('the fast path of readBinanceRaw', () => {
  it('gives the general path’s results on the whole BTCUSDT capture', async () => {
    const lines = gunzipSync(readFileSync(CAPTURE))
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    const log = await compare(lines);
    expect((log.at(-1) as { tickerMatches: number }).tickerMatches).toBe(629);
  });

  it('gives the general path’s values on unusual numbers, and leaves other layouts to it', async () => {
    const snap = '1 {"lastUpdateId":100,"E":5,"bids":[["10.0","5"]],"asks":[["11.0","3"]]}';
    const depth = (b: string, extra = ''): string =>
      `2 {"stream":"x@depth","data":{"e":"depthUpdate","E":7,"T":7,"s":"S","U":99,"u":101,"pu":98,"b":${b},"a":[]${extra}}}`;
    const ticker = (b: string, u = '101'): string =>
      `3 {"stream":"x@bookTicker","data":{"e":"bookTicker","u":${u},"s":"S","b":${b},"B":"5","a":"11.0","A":"3","T":1,"E":1}}`;
    const trade = (p: string, m = 'false'): string =>
      `4 {"stream":"x@trade","data":{"e":"trade","E":1,"T":-0,"s":"S","t":12345678901234567,"p":${p},"q":"0.001","X":"MARKET","m":${m}}}`;
    await compare([
      snap,
      depth('[["10.0","0.50"],["0009.5","00.25"],[".5","1"],["1e1","2"],["9.00000000000000001","1"]]'),
      ticker('"10.0"'),
      ticker('"10.0"', '102'),
      ticker('"1234567890.123456"'),
      ticker('10.5'),
      trade('"61800.30"'),
      trade('"61800.30"', 'true'),
      trade('"  7 "'),
      trade('"0x10"'),
      depth('[]', ',"x":1'),
    ]);
  });
});
