/**
 * Descriptive statistics of a dataset's book and trades, the inputs a simulator is calibrated to
 * (issue 11 §3): tick size, spread distribution and spread transition matrix, trade rate, trade sizes,
 * and receive latency where the source has receive times.
 *
 * - Tick: the smallest positive gap between distinct best bid/ask prices seen (rounded at 1e-9).
 * - Spread in ticks: round((ask − bid)/tick) over book events with both sides; states 1 … 4 and "≥ 5"
 *   (a locked or crossed book, spread ≤ 0, is counted apart). `share` = fraction of book events,
 *   `timeShare` = fraction of time (each state held until the next book event).
 * - Transition matrix: P[i][j] = share of book events in state i whose next book event is in state j
 *   (self-transitions included; row = from, column = to; null for a state never left from).
 * - Trades: count, rate per second over the book's time span, buyer-initiated share, size mean and
 *   quantiles (Hyndman–Fan type 7, core/metrics/inference.ts).
 * - Latency: local receive time − exchange time of every event that has both, in ms: it includes the
 *   clock offset between the venue and the capture host (the Binance sample's host ran ~1.27 s behind),
 *   so its spread is informative, its level only after the offset is known.
 */
import { datasetFile, openDuck, readDataset } from '../data/catalog';
import { TickFinder } from '../data/tick';
import { quantileType7 } from '../metrics/inference';
import { checkWindow, windowCondition, type TimeWindow } from './dataset-arrays';

export const SPREAD_STATES = ['1', '2', '3', '4', '≥5'] as const;

export interface BookStats {
  dataset: string;
  bookEvents: number;
  seconds: number;
  tick: number;
  spread: { state: string; share: number; timeShare: number }[];
  lockedOrCrossed: number;
  transition: (number[] | null)[];
  trades: {
    count: number;
    perSecond: number;
    buyShare: number;
    sizeMean: number;
    sizeQuantiles: { p50: number; p90: number; p99: number; max: number };
  };
  latencyMs: { count: number; min: number; p50: number; p95: number; p99: number; max: number } | null;
}

export function spreadState(ticks: number): number {
  return Math.min(Math.max(ticks, 1), 5) - 1;
}

export async function bookStats(dataDir: string, idOrName: string, window?: TimeWindow): Promise<BookStats> {
  const info = readDataset(dataDir, idOrName);
  checkWindow(info, window);
  const where = windowCondition(info, window);
  const { conn, close } = await openDuck();
  let rowsTop: unknown[][];
  let rowsTrades: unknown[][];
  let lat: unknown[][];
  try {
    const f = (t: 'top' | 'trades' | 'events'): string =>
      datasetFile(dataDir, info.id, t).replaceAll("'", "''");
    rowsTop = (
      await conn.runAndReadAll(
        `SELECT exchange_ts_ns, bid_price, ask_price FROM read_parquet('${f('top')}') WHERE ${where}`,
      )
    ).getRows() as unknown[][];
    rowsTrades = (
      await conn.runAndReadAll(`SELECT size, side FROM read_parquet('${f('trades')}') WHERE ${where}`)
    ).getRows() as unknown[][];
    lat = (
      await conn.runAndReadAll(
        `SELECT (local_ts_ns - exchange_ts_ns) / 1e6 AS ms FROM read_parquet('${f('events')}') WHERE local_ts_ns IS NOT NULL AND ${where} ORDER BY ms`,
      )
    ).getRows() as unknown[][];
  } finally {
    close();
  }
  const n = rowsTop.length;
  if (n < 2) throw new RangeError(`dataset ${info.id}: fewer than two book events`);
  const ts = rowsTop.map((r) => Number(r[0] as bigint) / 1e9);
  const bid = rowsTop.map((r) => (r[1] === null ? Number.NaN : (r[1] as number)));
  const ask = rowsTop.map((r) => (r[2] === null ? Number.NaN : (r[2] as number)));
  const finder = new TickFinder();
  for (const x of bid) finder.add(x);
  for (const x of ask) finder.add(x);
  const tick = finder.tick();
  if (!(tick > 0)) throw new RangeError(`dataset ${info.id}: too few distinct prices to infer the tick`);
  const seconds = ts[n - 1]! - ts[0]!;
  const count = new Array<number>(5).fill(0);
  const time = new Array<number>(5).fill(0);
  const trans = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
  let locked = 0;
  let prev = -1;
  let valid = 0;
  for (let i = 0; i < n; i++) {
    if (!(Number.isFinite(bid[i]!) && Number.isFinite(ask[i]!))) {
      prev = -1;
      continue;
    }
    const ticks = Math.round((ask[i]! - bid[i]!) / tick);
    if (ticks <= 0) {
      locked++;
      prev = -1;
      continue;
    }
    const s = spreadState(ticks);
    valid++;
    count[s]!++;
    if (i + 1 < n) time[s]! += ts[i + 1]! - ts[i]!;
    if (prev >= 0) trans[prev]![s]!++;
    prev = s;
  }
  const totalTime = time.reduce((a, b) => a + b, 0);
  const sizes = Float64Array.from(rowsTrades.map((r) => r[0] as number)).sort();
  const buys = rowsTrades.filter((r) => (r[1] as number) > 0).length;
  const known = rowsTrades.filter((r) => (r[1] as number) !== 0).length;
  const latency = Float64Array.from(lat.map((r) => r[0] as number));
  return {
    dataset: info.id,
    bookEvents: n,
    seconds,
    tick,
    spread: SPREAD_STATES.map((state, k) => ({
      state,
      share: valid > 0 ? count[k]! / valid : 0,
      timeShare: totalTime > 0 ? time[k]! / totalTime : 0,
    })),
    lockedOrCrossed: locked,
    transition: trans.map((row) => {
      const s = row.reduce((a, b) => a + b, 0);
      return s > 0 ? row.map((x) => x / s) : null;
    }),
    trades: {
      count: sizes.length,
      perSecond: seconds > 0 ? sizes.length / seconds : Number.NaN,
      buyShare: known > 0 ? buys / known : Number.NaN,
      sizeMean: sizes.length > 0 ? sizes.reduce((a, b) => a + b, 0) / sizes.length : Number.NaN,
      sizeQuantiles: {
        p50: quantileType7(sizes, 0.5),
        p90: quantileType7(sizes, 0.9),
        p99: quantileType7(sizes, 0.99),
        max: quantileType7(sizes, 1),
      },
    },
    latencyMs:
      latency.length === 0
        ? null
        : {
            count: latency.length,
            min: latency[0]!,
            p50: quantileType7(latency, 0.5),
            p95: quantileType7(latency, 0.95),
            p99: quantileType7(latency, 0.99),
            max: latency[latency.length - 1]!,
          },
  };
}
