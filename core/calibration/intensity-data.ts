/**
 * Exposure and counts for the execution-intensity fit (./intensity.ts) from a catalog dataset's top of
 * book and trades: how often would a quote resting at distance δ from the mid have been reached?
 *
 * For every trade, the mid is the last top of book strictly before the trade's timestamp ((bid + ask)/2,
 * both sides present), and the trade's distance is d = price − mid for a buyer-initiated trade (it lifts
 * asks) and mid − price for a seller-initiated one; trades with an unknown aggressor are skipped. A quote
 * at δ on the side the trade hits is reached when d ≥ δ, whatever the trade's size (the usual
 * market-order-arrival reading of λ(δ) in Avellaneda & Stoikov 2008, §2.3). Both sides count, so the
 * exposure of each δ is 2 × the observed time (first to last top-of-book timestamp, in seconds).
 * Default distances: 10 points evenly from the median half-spread to the 99th percentile of the positive
 * trade distances.
 */
import { existsSync } from 'node:fs';
import { datasetFile, openDuck, readDataset } from '../data/catalog';
import { quantileType7 } from '../metrics/inference';
import type { IntensityBin } from './intensity';
import { checkWindow, windowCondition, type TimeWindow } from './dataset-arrays';

export interface IntensityData {
  dataset: string;
  trades: number;
  tradesUsed: number;
  seconds: number;
  medianHalfSpread: number;
  bins: IntensityBin[];
}

export async function intensityFromDataset(
  dataDir: string,
  idOrName: string,
  deltas?: readonly number[],
  window?: TimeWindow,
): Promise<IntensityData> {
  const info = readDataset(dataDir, idOrName);
  checkWindow(info, window);
  const where = windowCondition(info, window);
  const topFile = datasetFile(dataDir, info.id, 'top');
  const tradesFile = datasetFile(dataDir, info.id, 'trades');
  if (!existsSync(topFile) || !existsSync(tradesFile))
    throw new RangeError(`dataset ${info.id} needs both a top-of-book and a trades table`);
  const { conn, close } = await openDuck();
  let ts: BigInt64Array;
  let bid: Float64Array;
  let ask: Float64Array;
  let tts: BigInt64Array;
  let tpx: Float64Array;
  let tside: Int8Array;
  try {
    const q = (file: string, cols: string): Promise<unknown[][]> =>
      conn
        .runAndReadAll(`SELECT ${cols} FROM read_parquet('${file.replaceAll("'", "''")}') WHERE ${where}`)
        .then((r) => r.getRows() as unknown[][]);
    const top = await q(topFile, 'exchange_ts_ns, bid_price, ask_price');
    const tr = await q(tradesFile, 'exchange_ts_ns, price, side');
    ts = BigInt64Array.from(top.map((r) => r[0] as bigint));
    bid = Float64Array.from(top.map((r) => (r[1] === null ? Number.NaN : (r[1] as number))));
    ask = Float64Array.from(top.map((r) => (r[2] === null ? Number.NaN : (r[2] as number))));
    tts = BigInt64Array.from(tr.map((r) => r[0] as bigint));
    tpx = Float64Array.from(tr.map((r) => r[1] as number));
    tside = Int8Array.from(tr.map((r) => r[2] as number));
  } finally {
    close();
  }
  if (ts.length < 2) throw new RangeError(`dataset ${info.id}: fewer than two top-of-book rows`);
  const seconds = Number(ts[ts.length - 1]! - ts[0]!) / 1e9;
  if (!(seconds > 0)) throw new RangeError(`dataset ${info.id}: the top of book spans no time`);
  const halfSpreads: number[] = [];
  for (let i = 0; i < ts.length; i++) if (ask[i]! > bid[i]!) halfSpreads.push((ask[i]! - bid[i]!) / 2);
  halfSpreads.sort((a, b) => a - b);
  const medianHalfSpread = quantileType7(halfSpreads, 0.5);
  // Walk trades and top rows together (both in time order): mid strictly before each trade.
  const dist: number[] = [];
  let j = -1;
  for (let i = 0; i < tts.length; i++) {
    const t = tts[i]!;
    while (j + 1 < ts.length && ts[j + 1]! < t) j++;
    if (j < 0 || tside[i] === 0) continue;
    const b = bid[j]!;
    const a = ask[j]!;
    if (!(a > b)) continue;
    const mid = (a + b) / 2;
    dist.push(tside[i]! > 0 ? tpx[i]! - mid : mid - tpx[i]!);
  }
  const positive = Float64Array.from(dist.filter((d) => d > 0)).sort();
  let grid = deltas !== undefined ? [...deltas] : [];
  if (grid.length === 0) {
    const lo = Number.isFinite(medianHalfSpread) ? medianHalfSpread : quantileType7(positive, 0.01);
    const hi = quantileType7(positive, 0.99);
    if (!(hi > lo))
      throw new RangeError(`dataset ${info.id}: too few trades beyond the half-spread to choose distances`);
    grid = Array.from({ length: 10 }, (_, k) => lo + ((hi - lo) * k) / 9);
  }
  const sorted = Float64Array.from(dist).sort();
  const bins = grid.map((delta) => {
    // count of d ≥ δ by binary search
    let l = 0;
    let h = sorted.length;
    while (l < h) {
      const m = (l + h) >> 1;
      if (sorted[m]! < delta - 1e-12) l = m + 1;
      else h = m;
    }
    return { delta, exposure: 2 * seconds, count: sorted.length - l };
  });
  return { dataset: info.id, trades: tts.length, tradesUsed: dist.length, seconds, medianHalfSpread, bins };
}
