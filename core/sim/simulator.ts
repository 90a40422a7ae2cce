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
 *
 * Bounded jobs: a simulator polls an attached StopPoller (./guards.ts) inside its own step/event loop,
 * so every loop that drives it (runPath, the RL scorer, environments) can be cancelled mid-path
 * without a check of its own; and it checks the recorded state for NaN/±Infinity at every sample
 * (NonFiniteError). Memory: a path allocates its sampled series (bars + 1 per array) and its fills log,
 * nothing per step.
 */
import type { MarketObservation, QuoteDecision, Quoter } from '../strategy/quoter';
import { emptyDecision, emptyObservation } from '../strategy/quoter';
import type { StopPoller } from './guards';
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
  /**
   * Poll `stop` once per unit of work (step or event) from now on, null to stop polling. It throws out
   * of observe()/reset(); the path is then abandoned (reset() starts a new one).
   */
  setStopPoller?(stop: StopPoller | null): void;
  /** Share of the current path simulated so far, in [0, 1] (progress of very long paths). */
  pathProgress?(): number;
  /**
   * Hand back a finished path that nobody keeps: the next reset() may reuse its arrays (cleared), so a
   * long backtest does not allocate and collect a series and a fills log per path. The caller must not
   * read the path afterwards.
   */
  recycle?(path: PathResult): void;
}

/** Run one path of a quoter in a simulator. */
export function runPath(sim: MarketSimulator, quoter: Quoter, seed: number, pathIndex: number): PathResult {
  const obs = emptyObservation();
  const dec = emptyDecision();
  sim.reset(seed, pathIndex);
  quoter.reset({ seed, pathIndex });
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
