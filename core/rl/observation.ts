/**
 * Observation builders: the map from a MarketObservation (what every simulator, replay and venue
 * produces, see core/strategy/quoter.ts) to the flat feature vector an agent sees.
 *
 * The default, `intensityObservation`, is the state of the Avellaneda–Stoikov (2008) problem once the
 * mid is factored out (their optimal quotes depend on the mid only through a shift):
 *   [0] q / inventoryScale                         inventory in lots, normalized (unbounded)
 *   [1] max(0, (tEnd − t) / horizon) ∈ [0, 1]        fraction of the episode left; 1 when the
 *                                                    episode has no finite horizon
 * Book-mode features (spread, imbalance, queue position, recent volatility …) are added later as
 * other builders (core/rl/features/), each declaring its names and bounds.
 *
 * Invariants: `build` writes exactly `names.length` numbers at `offset` and allocates nothing; it is
 * a pure function of (obs, ctx). The vectorized AS env (vector-env.ts) inlines the default builder
 * through the same helper functions below, so the two agree bit for bit.
 */
import type { MarketObservation } from '../strategy/quoter';
import { box, type Box } from './spaces';

/** Per-episode constants a builder may use. */
export interface ObservationContext {
  /** Lots that map to 1.0 in the inventory feature. */
  inventoryScale: number;
  /** Episode length in time units (Infinity when open-ended). */
  horizon: number;
  /** Absolute time at which the episode ends: episode start + horizon. */
  tEnd: number;
}

export interface ObservationBuilder {
  /** One name per entry of the vector (for logs, reports and feature-importance plots). */
  readonly names: readonly string[];
  /** Bounds of each entry (±Infinity where unbounded). */
  readonly low: readonly number[];
  readonly high: readonly number[];
  /** Write the features of `obs` into `out[offset … offset + names.length)`. */
  build(obs: MarketObservation, ctx: ObservationContext, out: Float64Array, offset: number): void;
}

export function inventoryFeature(inventoryLots: number, inventoryScale: number): number {
  return inventoryLots / inventoryScale;
}

export function timeLeftFeature(t: number, tEnd: number, horizon: number): number {
  if (!(horizon < Number.POSITIVE_INFINITY)) return 1;
  const f = (tEnd - t) / horizon;
  return f > 0 ? f : 0;
}

export const intensityObservation: ObservationBuilder = {
  names: ['inventory', 'timeLeft'],
  low: [Number.NEGATIVE_INFINITY, 0],
  high: [Number.POSITIVE_INFINITY, 1],
  build(obs, ctx, out, offset) {
    out[offset] = inventoryFeature(obs.inventory, ctx.inventoryScale);
    out[offset + 1] = timeLeftFeature(obs.t, ctx.tEnd, ctx.horizon);
  },
};

export function observationSpaceOf(builder: ObservationBuilder): Box {
  return box(builder.low, builder.high);
}
