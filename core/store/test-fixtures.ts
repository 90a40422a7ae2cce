/**
 * Deterministic PathResults for the store's tests and its crash-writer fixture: every value is a
 * function of (pathIndex, bars), with NaN gaps in bid/ask, so a reader can check a stored path bit for
 * bit without having kept the original. And searchNewest, the run search the tests that look for a
 * recorded run share.
 */
import type { RunSearchInput, RunSearchPage } from '../api/contract';
import { BUY, SELL } from '../domain/side';
import { allocSeries, FillLog, type PathResult } from '../sim/path-result';
import type { Store } from './db';

export function makePath(pathIndex: number, bars: number): PathResult {
  const s = allocSeries(bars);
  for (let k = 0; k <= bars; k++) {
    const mid = 100 + pathIndex * 0.25 + k * 0.01;
    s.t[k] = k * 0.5;
    s.mid[k] = mid;
    s.bid[k] = k % 3 === 0 ? NaN : mid - 0.05;
    s.ask[k] = k % 4 === 1 ? NaN : mid + 0.05;
    s.inventory[k] = (k % 5) - 2;
    s.cash[k] = -1.5 * k + pathIndex;
    s.pnl[k] = 10 * Math.sin(k + pathIndex);
  }
  const fills = new FillLog(2);
  const n = (pathIndex % 7) + 3;
  for (let j = 0; j < n; j++) {
    fills.push(j * 1.25, j % 2 === 0 ? BUY : SELL, 100 + j * 0.1, 1 + (j % 3), -0.01 * j, 100 + pathIndex);
  }
  return { pathIndex, seed: 42, series: s, fills, quotesPosted: 10 * n + pathIndex, lotSize: 0.5 };
}

/** Byte-exact comparison of two paths (NaN payloads included); returns the first difference or null. */
export function diffPaths(a: PathResult, b: PathResult): string | null {
  if (a.pathIndex !== b.pathIndex) return `pathIndex ${a.pathIndex} ≠ ${b.pathIndex}`;
  if (a.seed !== b.seed || a.lotSize !== b.lotSize || a.quotesPosted !== b.quotesPosted)
    return 'scalars differ';
  if (a.series.bars !== b.series.bars) return `bars ${a.series.bars} ≠ ${b.series.bars}`;
  const n = a.series.bars + 1;
  for (const k of ['t', 'mid', 'bid', 'ask', 'inventory', 'cash', 'pnl'] as const) {
    if (!sameBytes(a.series[k], b.series[k], n * 8)) return `series.${k} differs`;
  }
  const c = a.fills.count;
  if (c !== b.fills.count) return `fills.count ${c} ≠ ${b.fills.count}`;
  for (const k of ['t', 'price', 'size', 'fee', 'midAtFill'] as const) {
    if (!sameBytes(a.fills[k], b.fills[k], c * 8)) return `fills.${k} differs`;
  }
  if (!sameBytes(a.fills.side, b.fills.side, c)) return 'fills.side differs';
  return null;
}

function sameBytes(x: ArrayBufferView, y: ArrayBufferView, len: number): boolean {
  if (x.byteLength < len || y.byteLength < len) return false;
  return (
    Buffer.compare(Buffer.from(x.buffer, x.byteOffset, len), Buffer.from(y.buffer, y.byteOffset, len)) === 0
  );
}

/**
 * The first page (10 rows) of the store's run search, newest first (a metric's best being its max),
 * narrowed by `filter` (kinds, statuses, dataset hash …): how the tests find the runs a command or a
 * service recorded.
 */
export function searchNewest(
  store: Pick<Store, 'runs'>,
  filter: Omit<Partial<RunSearchInput>, 'sortBy' | 'sortDir' | 'best' | 'offset' | 'limit'>,
): RunSearchPage {
  return store.runs.search({
    ...filter,
    sortBy: 'createdAt',
    sortDir: 'desc',
    best: 'max',
    offset: 0,
    limit: 10,
  });
}
