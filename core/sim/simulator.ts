/**
 * The contract between a market simulator and whoever decides (a Quoter in a backtest, an RL agent in
 * an environment). The loop is always:
 *
 *   sim.reset(seed, pathIndex)
 *   while (sim.observe(obs)) { decide(obs, dec); sim.act(dec) }
 *   result = sim.result()
 *
 * `observe` advances the simulation to the next moment the decider receives market data and fills
 * the observation (which may be stale by the market-data latency); `act` submits the decision at that
 * moment (it reaches the venue after the order-entry latency). Intensity mode and book mode both
 * implement this, so backtests, environments and replay share one loop.
 */
import type { MarketObservation, QuoteDecision, Quoter } from '../strategy/quoter';
import { emptyDecision, emptyObservation } from '../strategy/quoter';
import type { FillLog, PathResult } from './path-result';

export interface MarketSimulator {
  /** Start a new path. Everything random in the path is a function of (seed, pathIndex). */
  reset(seed: number, pathIndex: number): void;
  /** Advance to the next decision point and fill `obs`; false when the session is over. */
  observe(obs: MarketObservation): boolean;
  /** Submit a decision at the current decision point. */
  act(dec: QuoteDecision): void;
  /** The finished path (valid after observe() returned false). */
  result(): PathResult;
  /** The live log of our own fills on the current path (grows as the path runs; read-only). */
  ownFills(): FillLog;
}

/** Run one path of a quoter in a simulator. */
export function runPath(sim: MarketSimulator, quoter: Quoter, seed: number, pathIndex: number): PathResult {
  const obs = emptyObservation();
  const dec = emptyDecision();
  sim.reset(seed, pathIndex);
  quoter.reset();
  while (sim.observe(obs)) {
    clearDecision(dec);
    quoter.quote(obs, dec);
    sim.act(dec);
  }
  return sim.result();
}

export function clearDecision(dec: QuoteDecision): void {
  dec.bidPrice = Number.NaN;
  dec.askPrice = Number.NaN;
  dec.bidSize = 0;
  dec.askSize = 0;
  dec.marketOrderLots = 0;
}
