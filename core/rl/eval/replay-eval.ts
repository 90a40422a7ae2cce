/**
 * Evaluation on a recorded market (issue 12 §1 "real replay"): the replay that stands in for the
 * simulated book an agent was trained on, and the windows of the day that become its evaluation paths.
 *
 * The venue of the replay is the training scenario's venue: the same lot, tick, latency legs, fees,
 * post-only flag, inventory limit, decision and sampling intervals and book depth, so that an agent
 * (and every tuned baseline) meets the recorded market through the rules it was trained and tuned
 * under; only the order flow and the price are the data's. The queue model is the replay's own default
 * (exact FIFO on L3 data such as LOBSTER, the risk-averse L2 model otherwise) unless one is given.
 *
 * Windows: [from, to) is cut into ⌊(to − from)/W⌋ consecutive, non-overlapping windows of W seconds
 * (the agent's episode length by default: its time-left feature then means what it meant in
 * training); a remainder shorter than W is left out rather than scored as a short episode.
 */
import { replayScenarioSchema, type ReplayScenarioConfig } from '../../replay/scenario';
import type { BookScenarioConfig } from '../../sim/scenario';
import type { QueueModelSpec } from '../../sim/models/queue';
import type { ReplayWindow } from './evaluate';

export interface ReplayFor {
  dataset: string;
  /** Seconds after the dataset's first event. */
  from: number;
  to: number;
  queue?: QueueModelSpec['model'] | undefined;
}

/** The replay scenario of `dataset` under the venue rules of the book scenario `book`. */
export function replayScenarioFor(book: BookScenarioConfig, r: ReplayFor): ReplayScenarioConfig {
  return replayScenarioSchema.parse({
    mode: 'replay',
    name: `replay-${r.dataset}`,
    dataset: r.dataset,
    from: r.from,
    to: r.to,
    tickSize: book.tickSize,
    lotSize: book.lotSize,
    ...(r.queue !== undefined ? { queue: { model: r.queue } } : {}),
    latency: book.latency,
    decisionInterval: book.decisionInterval,
    sampleInterval: book.sampleInterval,
    depthLevels: book.depthLevels,
    postOnly: book.postOnly,
    fees: book.fees,
    ...(book.inventoryLimitLots !== undefined ? { inventoryLimitLots: book.inventoryLimitLots } : {}),
    initialInventoryLots: book.initialInventoryLots,
  });
}

/** ⌊(to − from)/W⌋ consecutive windows of `seconds` from `from` (see the header). */
export function replayWindows(from: number, to: number, seconds: number): ReplayWindow[] {
  if (!(Number.isFinite(from) && from >= 0))
    throw new RangeError(`replay windows: from must be ≥ 0 (got ${from})`);
  if (!(Number.isFinite(to) && to > from))
    throw new RangeError(`replay windows: to must be greater than from (got ${to} ≤ ${from})`);
  if (!(Number.isFinite(seconds) && seconds > 0))
    throw new RangeError(`replay windows: the window length must be > 0 (got ${seconds})`);
  const n = Math.floor((to - from) / seconds + 1e-9);
  const out: ReplayWindow[] = [];
  for (let i = 0; i < n; i++) out.push({ from: from + i * seconds, to: from + (i + 1) * seconds });
  return out;
}
