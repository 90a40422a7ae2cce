/**
 * runScoredPath: run one simulator path with any Quoter (classical or a PolicyQuoter) and score it with
 * the RL reward of MarketMakingEnv (core/rl/env.ts, core/rl/reward.ts), so that agents and classical
 * quoters are compared on the very number the agents were trained to maximize.
 *
 * Loop (runPath's): sim.reset(seed, pathIndex); quoter.reset(); while (sim.observe(obs)) { quote; act }.
 * Scoring, step by step exactly as env.step computes it:
 *   V = cash + q·lotSize·mid (markToMarket) at the first observation, then after every step;
 *   reward_t = ΔV_t − λ·pen(q_{t+1}) − η·crossing_t − ψ·turnover_t − [terminal] ζ·q_T²   (stepReward)
 * - crossing_t = crossingAmount(δ_bid, δ_ask) with δ_bid = mid − bid and δ_ask = ask − mid, measured
 *   against the observed mid the quote was decided on. A side that is not quoted (NaN price or
 *   size ≤ 0) contributes 0. For a PolicyQuoter these δ are the env's offsets up to one rounding of
 *   the mid (bid = mid − δ is stored, not δ). Market orders are not charged by the crossing term (the
 *   env has none; their cost already shows in ΔV through the taker fee and half-spread).
 * - turnover_t = lots of all our fills logged during the step (passive and market-order fills).
 * - The PnL term is always ΔV (reward.ts mode 'delta-pnl'), whatever `reward.mode` says: the other
 *   modes are training devices (sparse, time-weighted), and scoring every agent on the same number is
 *   what makes agents trained with different modes comparable.
 * - The step that ends the episode is terminal (ζ·q_T² charged): the session end, or the first step
 *   after which t ≥ tEnd. When the session ends, V uses the final sample of the path result (the env's
 *   loadFinalState). There is no truncation (maxEpisodeSteps is a training device).
 *
 * Horizon. tEnd = t₀ + (opts.horizon ?? obs.horizon − t₀), as in env.reset. When the horizon ends
 * before the session, the env's rule is followed: scoring stops at tEnd (the reward and `steps` cover
 * the episode only). The simulator is still run to the session end with the same quoter, because a
 * simulator only yields its PathResult at the session end, and so that `path` is exactly the
 * PathResult runPath(sim, quoter, seed, pathIndex) would give (path metrics then match a backtest).
 *
 */
import { BUY } from '../../domain/side';
import type { PathResult } from '../../sim/path-result';
import { clearDecision, type MarketSimulator } from '../../sim/simulator';
import { emptyDecision, emptyObservation, type Quoter } from '../../strategy/quoter';
import { crossingAmount, markToMarket, stepReward, type RewardConfig } from '../reward';

export interface ScoredPathOptions {
  /** Reward weights (a resolved config, e.g. resolveReward(partial)). */
  reward: RewardConfig;
  /** Base units per lot, for the mark-to-market value. */
  lotSize: number;
  /** Episode length in time units (QuotingEnvOptions.horizon); default: to the session end. */
  horizon?: number;
}

export interface ScoredPath {
  path: PathResult;
  /** Σ of the env's step rewards over the episode. */
  reward: number;
  /** Env steps (decisions) in the episode. */
  steps: number;
}

export function runScoredPath(
  sim: MarketSimulator,
  quoter: Quoter,
  seed: number,
  pathIndex: number,
  opts: ScoredPathOptions,
): ScoredPath {
  const lot = opts.lotSize;
  if (!(Number.isFinite(lot) && lot > 0))
    throw new RangeError(`runScoredPath: lotSize must be a finite number > 0 (got ${lot})`);
  if (opts.horizon !== undefined && !(opts.horizon > 0))
    throw new RangeError(`runScoredPath: horizon must be > 0 (got ${opts.horizon})`);
  const w = opts.reward;
  const obs = emptyObservation();
  const dec = emptyDecision();
  sim.reset(seed, pathIndex);
  quoter.reset({ seed, pathIndex });
  if (!sim.observe(obs)) throw new Error('runScoredPath: the simulator session has no steps');
  const t0 = obs.t;
  const horizon = opts.horizon ?? obs.horizon - t0;
  if (!(horizon > 0)) throw new RangeError(`runScoredPath: episode horizon must be > 0 (got ${horizon})`);
  const tEnd = t0 + horizon;

  let prevValue = markToMarket(obs.cash, obs.inventory, lot, obs.mid);
  let reward = 0;
  let steps = 0;
  let scoring = true;
  let alive = true;
  while (alive) {
    clearDecision(dec);
    quoter.quote(obs, dec);
    if (!scoring) {
      sim.act(dec);
      alive = sim.observe(obs);
      continue;
    }
    const mid = obs.mid;
    const deltaBid = dec.bidSize > 0 && dec.bidPrice === dec.bidPrice ? mid - dec.bidPrice : 0;
    const deltaAsk = dec.askSize > 0 && dec.askPrice === dec.askPrice ? dec.askPrice - mid : 0;
    const log = sim.ownFills();
    const countBefore = log.count;
    sim.act(dec);
    steps++;
    alive = sim.observe(obs);
    if (sim.ownFills() !== log)
      throw new Error('runScoredPath: the simulator replaced its fills log mid-path');
    let bought = 0;
    let sold = 0;
    for (let j = countBefore; j < log.count; j++) {
      if (log.side[j] === BUY) bought += log.size[j]!;
      else sold += log.size[j]!;
    }
    let q: number;
    let value: number;
    if (alive) {
      q = obs.inventory;
      value = markToMarket(obs.cash, q, lot, obs.mid);
    } else {
      const s = sim.result().series;
      const b = s.bars;
      q = s.inventory[b]!;
      value = markToMarket(s.cash[b]!, q, lot, s.mid[b]!);
    }
    const terminated = !alive || obs.t >= tEnd;
    reward += stepReward(
      w,
      value - prevValue,
      q,
      crossingAmount(deltaBid, deltaAsk),
      bought + sold,
      terminated,
    );
    prevValue = value;
    if (terminated) scoring = false;
  }
  return { path: sim.result(), reward, steps };
}
