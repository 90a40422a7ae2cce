/**
 * How wrong is an L2 queue model? On L3 data (LOBSTER) the exact FIFO queue is known, so the same
 * quoter can be replayed once with exact queues (the truth) and once with each L2 model fed only the
 * L2 view of the same events (level sizes and trades; no order ids), and the differences measured:
 *
 *  - fills and filled lots (relative error against the truth);
 *  - fill timing: the k-th fill of each side in the model's run against the k-th in the truth's, for
 *    k up to the smaller count: the mean signed and mean absolute difference in seconds (positive =
 *    the model fills later);
 *  - final PnL (mark-to-market), in quote currency and relative to the truth's.
 *
 * The quoter's later decisions depend on its fills (a filled order is replaced, inventory moves), so
 * the runs diverge after the first differing fill: the errors are those of a whole backtest, which is
 * what a user choosing a model for L2 data needs to know.
 */
import type { QueueModelSpec } from '../sim/models/queue';
import { runPath } from '../sim/simulator';
import type { PathResult } from '../sim/path-result';
import type { Quoter } from '../strategy/quoter';
import { ReplayMarket, type ReplayScenario } from './replay-market';
import type { ReplayTape } from './tape';

export interface QueueStudyRow {
  model: string;
  fills: number;
  lots: number;
  pnl: number;
  /** (model − truth) / truth; NaN when the truth has none. */
  fillsError: number;
  lotsError: number;
  pnlError: number;
  /** Fill pairs compared for timing, and their mean signed / absolute time difference (s). */
  matched: number;
  meanDt: number;
  meanAbsDt: number;
}

export const L2_MODELS: readonly QueueModelSpec[] = [
  { model: 'risk-averse' },
  { model: 'prob-power', n: 1 },
  { model: 'prob-power', n: 2 },
  { model: 'prob-power', n: 3 },
  { model: 'prob-log' },
];

export function queueModelStudy(
  tape: ReplayTape,
  base: ReplayScenario,
  makeQuoter: () => Quoter,
  models: readonly QueueModelSpec[] = L2_MODELS,
): { truth: QueueStudyRow; rows: QueueStudyRow[] } {
  if (!tape.l3)
    throw new RangeError(`dataset ${tape.id} has no order ids: the study needs L3 data (LOBSTER)`);
  const run = (queue: QueueModelSpec): { name: string; path: PathResult } => {
    const m = new ReplayMarket(tape, { ...base, queue });
    return { name: m.queue.name, path: runPath(m, makeQuoter(), 1, 0) };
  };
  const truth = run({ model: 'fifo' });
  const t = summarize(truth.name, truth.path);
  const rel = (x: number, y: number): number => (y !== 0 ? (x - y) / Math.abs(y) : Number.NaN);
  const rows = models.map((q) => {
    const r = run(q);
    const s = summarize(r.name, r.path);
    const timing = matchTimes(r.path, truth.path);
    return {
      ...s,
      fillsError: rel(s.fills, t.fills),
      lotsError: rel(s.lots, t.lots),
      pnlError: rel(s.pnl, t.pnl),
      ...timing,
    };
  });
  return {
    truth: { ...t, fillsError: 0, lotsError: 0, pnlError: 0, matched: t.fills, meanDt: 0, meanAbsDt: 0 },
    rows,
  };
}

function summarize(model: string, p: PathResult): Pick<QueueStudyRow, 'model' | 'fills' | 'lots' | 'pnl'> {
  let lots = 0;
  for (let i = 0; i < p.fills.count; i++) lots += p.fills.size[i]!;
  return { model, fills: p.fills.count, lots, pnl: p.series.pnl[p.series.bars]! };
}

function matchTimes(a: PathResult, b: PathResult): { matched: number; meanDt: number; meanAbsDt: number } {
  let n = 0;
  let sum = 0;
  let abs = 0;
  for (const side of [0, 1]) {
    const ta = timesOf(a, side);
    const tb = timesOf(b, side);
    const m = Math.min(ta.length, tb.length);
    for (let k = 0; k < m; k++) {
      const d = ta[k]! - tb[k]!;
      sum += d;
      abs += Math.abs(d);
      n++;
    }
  }
  return { matched: n, meanDt: n > 0 ? sum / n : Number.NaN, meanAbsDt: n > 0 ? abs / n : Number.NaN };
}

function timesOf(p: PathResult, side: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.fills.count; i++) if (p.fills.side[i] === side) out.push(p.fills.t[i]!);
  return out;
}
