/**
 * Latency models: how long an order, a cancel or a market-data update takes to cross between us and
 * the venue. Each draw is in the simulator's time unit (seconds in book mode). Separate models are
 * used for order entry, cancels and market data, so a quoter acts on stale data and its cancels can
 * arrive after the order was already hit (the "picked off" case).
 * - constant: always `value`.
 * - uniform:  U(min, max).
 * - lognormal: median·exp(σ·Z), a common empirical shape for network round trips (heavy right tail).
 */
import type { Rng } from '../../rng/rng';

export type LatencySpec =
  | { model: 'constant'; value: number }
  | { model: 'uniform'; min: number; max: number }
  | { model: 'lognormal'; median: number; sigma: number };

export const ZERO_LATENCY: LatencySpec = { model: 'constant', value: 0 };

export function sampleLatency(spec: LatencySpec, rng: Rng): number {
  switch (spec.model) {
    case 'constant':
      return spec.value;
    case 'uniform':
      return spec.min + (spec.max - spec.min) * rng.next();
    case 'lognormal':
      return spec.median * Math.exp(spec.sigma * rng.normal());
  }
}

/** Mean of the latency distribution (used to size look-back windows). */
export function meanLatency(spec: LatencySpec): number {
  switch (spec.model) {
    case 'constant':
      return spec.value;
    case 'uniform':
      return 0.5 * (spec.min + spec.max);
    case 'lognormal':
      return spec.median * Math.exp(0.5 * spec.sigma * spec.sigma);
  }
}

/**
 * A latency model: the delays of the three paths between us and the venue, as functions of the time
 * the message leaves (`t`, venue time unit), so a model can vary over the session (e.g. one
 * interpolated from recorded timestamps in replay, core/replay/recorded-latency.ts).
 * - entry(t): an order we send at t reaches the matching engine at t + entry(t);
 * - cancel(t): the same for a cancel;
 * - marketData(t): a venue event at t reaches us at t + marketData(t).
 */
export interface LatencyModel {
  readonly name: string;
  entry(t: number): number;
  cancel(t: number): number;
  marketData(t: number): number;
}

export interface LatencySpecs {
  entry: LatencySpec;
  cancel: LatencySpec;
  marketData: LatencySpec;
}

/** Independent draws from the three specs, from one seeded stream (the book simulator's model). */
export function sampledLatencyModel(specs: LatencySpecs, rng: Rng): LatencyModel {
  return {
    name: 'sampled',
    entry: () => sampleLatency(specs.entry, rng),
    cancel: () => sampleLatency(specs.cancel, rng),
    marketData: () => sampleLatency(specs.marketData, rng),
  };
}
