/**
 * MarketMakingEnv: a gym-style environment around any MarketSimulator (intensity or book mode). API after OpenAI Gym (Brockman et al. 2016) with Gymnasium's split of episode ends into
 * `terminated` (the MDP reached a terminal state) and `truncated` (cut short by a time limit outside
 * the MDP); the market model is the simulator's (Avellaneda & Stoikov 2008 in intensity mode).
 *
 * One step = one decision point of the simulator:
 *   action [a_bid, a_ask] → offsets δ_bid, δ_ask (price units, clipped to [minOffset, maxOffset])
 *   → quotes bid = mid − δ_bid, ask = mid + δ_ask, `orderSizeLots` each, no market order
 *   → sim.act(quotes); sim.observe(next) → reward (core/rl/reward.ts) and next observation.
 *
 * Actions. `actionScale: 'price'` (the default) takes offsets in price units on the box
 * [minOffset, maxOffset]²; `'unit'` takes [−1, 1]² mapped linearly onto it (−1 → minOffset,
 * +1 → maxOffset), the natural output of a tanh-squashed SAC/PPO policy. Out-of-box actions are
 * clipped; NaN or ±Infinity throws. minOffset defaults to 0; a negative minOffset lets quotes cross
 * the mid, which the crossing penalty then prices.
 *
 * Episodes. `reset(seed, pathIndex)` starts simulator path (seed, pathIndex); everything random in the
 * episode is a function of that pair. An episode ends with terminated = true when the simulator's
 * session is over or when t reaches episode start + `horizon` (the horizon is part of the state
 * through the time-left feature, so reaching it is terminal); with truncated = true after
 * `maxEpisodeSteps` steps if that comes first. Stepping an ended episode throws.
 *
 * Ownership: `reset` and `step` return freshly allocated arrays and objects that belong to the caller
 * (this env is not the hot path; VectorAsEnv is). The simulator is owned by the env while it runs.
 *
 * Fills. The reward needs the lots filled in each step: the env reads them from the simulator's
 * live fills log (`MarketSimulator.ownFills()`).
 */
import { BUY } from '../domain/side';
import { IntensitySimulator } from '../sim/intensity-sim';
import type { FillLog } from '../sim/path-result';
import type { MarketSimulator } from '../sim/simulator';
import { emptyDecision, emptyObservation, type MarketObservation } from '../strategy/quoter';
import {
  intensityObservation,
  observationSpaceOf,
  type ObservationBuilder,
  type ObservationContext,
} from './observation';
import { isStatefulBuilder } from './features/book-features';
import { crossingAmount, markToMarket, resolveReward, stepReward, type RewardConfig } from './reward';
import { box, type Box } from './spaces';

export type ActionScale = 'price' | 'unit';

/** Options shared by MarketMakingEnv and VectorAsEnv. */
export interface QuotingEnvOptions {
  /** Size of each quote in lots (> 0). */
  orderSizeLots: number;
  /** Largest quote offset from the mid, price units. */
  maxOffset: number;
  /** Smallest quote offset from the mid, price units (default 0; negative allows crossing). */
  minOffset?: number;
  /** 'price' (default): actions are offsets in price units; 'unit': actions in [−1, 1]. */
  actionScale?: ActionScale;
  /** Lots that map to 1.0 in the inventory feature (> 0). */
  inventoryScale: number;
  /** Episode length in time units; default: to the end of the simulator's session. */
  horizon?: number;
  /** Truncate an episode after this many steps (default: never). */
  maxEpisodeSteps?: number;
  /** Reward weights (core/rl/reward.ts); missing weights are 0. */
  reward?: Partial<RewardConfig>;
}

/** How actions become quote offsets (resolved once, shared by both envs). */
export interface ActionMap {
  unit: boolean;
  minOffset: number;
  maxOffset: number;
  range: number;
}

export interface ResolvedEnvOptions {
  orderSizeLots: number;
  action: ActionMap;
  inventoryScale: number;
  horizon: number | undefined;
  maxEpisodeSteps: number;
  reward: RewardConfig;
}

export function resolveEnvOptions(o: QuotingEnvOptions, who: string): ResolvedEnvOptions {
  const minOffset = o.minOffset ?? 0;
  const scale = o.actionScale ?? 'price';
  if (!(Number.isFinite(o.orderSizeLots) && o.orderSizeLots > 0))
    throw new RangeError(`${who}: orderSizeLots must be a finite number > 0 (got ${o.orderSizeLots})`);
  if (!Number.isFinite(minOffset))
    throw new RangeError(`${who}: minOffset must be finite (got ${minOffset})`);
  if (!(Number.isFinite(o.maxOffset) && o.maxOffset > minOffset))
    throw new RangeError(
      `${who}: maxOffset must be finite and > minOffset = ${minOffset} (got ${o.maxOffset})`,
    );
  if (scale !== 'price' && scale !== 'unit')
    throw new RangeError(`${who}: actionScale must be 'price' or 'unit' (got ${String(scale)})`);
  if (!(Number.isFinite(o.inventoryScale) && o.inventoryScale > 0))
    throw new RangeError(`${who}: inventoryScale must be a finite number > 0 (got ${o.inventoryScale})`);
  if (o.horizon !== undefined && !(o.horizon > 0))
    throw new RangeError(`${who}: horizon must be > 0 (got ${o.horizon})`);
  const maxEpisodeSteps = o.maxEpisodeSteps ?? Number.POSITIVE_INFINITY;
  if (!(maxEpisodeSteps >= 1))
    throw new RangeError(`${who}: maxEpisodeSteps must be ≥ 1 (got ${o.maxEpisodeSteps})`);
  return {
    orderSizeLots: o.orderSizeLots,
    action: { unit: scale === 'unit', minOffset, maxOffset: o.maxOffset, range: o.maxOffset - minOffset },
    inventoryScale: o.inventoryScale,
    horizon: o.horizon,
    maxEpisodeSteps,
    reward: resolveReward(o.reward),
  };
}

/** The action space of one env: [a_bid, a_ask]. */
export function actionSpaceOf(m: ActionMap): Box {
  return m.unit ? box([-1, -1], [1, 1]) : box([m.minOffset, m.minOffset], [m.maxOffset, m.maxOffset]);
}

/** Map one action coordinate (finite) to a quote offset in price units, clipping to the box. */
export function actionToOffset(m: ActionMap, a: number): number {
  if (m.unit) {
    const c = a < -1 ? -1 : a > 1 ? 1 : a;
    const d = m.minOffset + (c + 1) * 0.5 * m.range;
    return d > m.maxOffset ? m.maxOffset : d;
  }
  return a < m.minOffset ? m.minOffset : a > m.maxOffset ? m.maxOffset : a;
}

export interface MarketMakingEnvConfig extends QuotingEnvOptions {
  sim: MarketSimulator;
  /** Base units per lot, for the mark-to-market value; defaults to the IntensitySimulator's. */
  lotSize?: number;
  /** Observation builder (default: intensityObservation). */
  observation?: ObservationBuilder;
}

export interface StepInfo {
  /** Mark-to-market PnL of the episode so far (quote currency). */
  pnl: number;
  /** Inventory in lots after the step. */
  inventory: number;
  /** Number of fills in the step. */
  fills: number;
  /** Lots bought and sold in the step (turnover = bought + sold). */
  bought: number;
  sold: number;
  /** Simulation time after the step. */
  t: number;
}

export interface StepResult {
  observation: Float64Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

type EnvState = 'idle' | 'running' | 'ended';

export class MarketMakingEnv {
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly options: ResolvedEnvOptions;
  readonly lotSize: number;

  private readonly sim: MarketSimulator;
  private readonly builder: ObservationBuilder;
  private readonly readFills: () => FillLog;
  private readonly obs: MarketObservation = emptyObservation();
  private readonly dec = emptyDecision();
  private readonly ctx: ObservationContext;
  private state: EnvState = 'idle';
  private seed = Number.NaN;
  private nextPathIndex = 0;
  private path = 0;
  private episodeSteps = 0;
  private value0 = 0;
  private prevValue = 0;

  constructor(config: MarketMakingEnvConfig) {
    this.options = resolveEnvOptions(config, 'MarketMakingEnv');
    this.sim = config.sim;
    const simLot = config.sim instanceof IntensitySimulator ? config.sim.sc.lotSize : undefined;
    const lotSize = config.lotSize ?? simLot;
    if (lotSize === undefined || !(Number.isFinite(lotSize) && lotSize > 0))
      throw new RangeError(`MarketMakingEnv: lotSize must be a finite number > 0 (got ${lotSize})`);
    if (simLot !== undefined && lotSize !== simLot)
      throw new RangeError(`MarketMakingEnv: lotSize ${lotSize} differs from the scenario's ${simLot}`);
    this.lotSize = lotSize;
    this.builder = config.observation ?? intensityObservation;
    if (
      this.builder.low.length !== this.builder.names.length ||
      this.builder.high.length !== this.builder.names.length
    )
      throw new RangeError('MarketMakingEnv: observation builder bounds must match its names');
    this.readFills = () => config.sim.ownFills();
    this.observationSpace = observationSpaceOf(this.builder);
    this.actionSpace = actionSpaceOf(this.options.action);
    this.ctx = { inventoryScale: this.options.inventoryScale, horizon: Number.NaN, tEnd: Number.NaN };
  }

  /** Path index of the current (or last) episode. */
  get pathIndex(): number {
    return this.path;
  }

  /**
   * Start an episode on simulator path (seed, pathIndex) and return its first observation.
   * Without `pathIndex`: 0 for the first reset with a new seed, then 1, 2, … on later resets with the
   * same seed, so `reset(seed)` in a loop walks through distinct paths deterministically.
   */
  reset(seed: number, pathIndex?: number): Float64Array {
    if (!Number.isFinite(seed))
      throw new RangeError(`MarketMakingEnv.reset: seed must be finite (got ${seed})`);
    if (seed !== this.seed) {
      this.seed = seed;
      this.nextPathIndex = 0;
    }
    const path = pathIndex ?? this.nextPathIndex;
    if (!(Number.isInteger(path) && path >= 0))
      throw new RangeError(`MarketMakingEnv.reset: pathIndex must be an integer ≥ 0 (got ${path})`);
    this.nextPathIndex = path + 1;
    this.path = path;
    const obs = this.obs;
    this.sim.reset(seed, path);
    if (isStatefulBuilder(this.builder)) this.builder.reset();
    if (!this.sim.observe(obs)) throw new Error('MarketMakingEnv.reset: the simulator session has no steps');
    const t0 = obs.t;
    const horizon = this.options.horizon ?? obs.horizon - t0;
    if (!(horizon > 0)) throw new RangeError(`MarketMakingEnv: episode horizon must be > 0 (got ${horizon})`);
    this.ctx.horizon = horizon;
    this.ctx.tEnd = t0 + horizon;
    this.episodeSteps = 0;
    this.value0 = markToMarket(obs.cash, obs.inventory, this.lotSize, obs.mid);
    this.prevValue = this.value0;
    this.state = 'running';
    return this.buildObservation();
  }

  step(action: ArrayLike<number>): StepResult {
    if (this.state !== 'running')
      throw new Error(
        this.state === 'idle'
          ? 'MarketMakingEnv.step() called before reset()'
          : 'MarketMakingEnv.step() called after the episode ended (terminated or truncated); call reset() first',
      );
    if (action.length !== 2)
      throw new RangeError(
        `MarketMakingEnv.step: action must have 2 entries [bid, ask] (got ${action.length})`,
      );
    const a0 = action[0]!;
    const a1 = action[1]!;
    if (!Number.isFinite(a0) || !Number.isFinite(a1))
      throw new RangeError(`MarketMakingEnv.step: action must be finite (got [${a0}, ${a1}])`);
    const o = this.options;
    const deltaBid = actionToOffset(o.action, a0);
    const deltaAsk = actionToOffset(o.action, a1);
    const obs = this.obs;
    const dec = this.dec;
    dec.bidPrice = obs.mid - deltaBid;
    dec.askPrice = obs.mid + deltaAsk;
    dec.bidSize = o.orderSizeLots;
    dec.askSize = o.orderSizeLots;
    dec.marketOrderLots = 0;

    const log = this.readFills();
    const countBefore = log.count;
    this.sim.act(dec);
    this.episodeSteps++;
    const alive = this.sim.observe(obs);
    if (this.readFills() !== log)
      throw new Error('MarketMakingEnv: the simulator replaced its fills log mid-path');
    let fills = 0;
    let bought = 0;
    let sold = 0;
    for (let j = countBefore; j < log.count; j++) {
      fills++;
      if (log.side[j] === BUY) bought += log.size[j]!;
      else sold += log.size[j]!;
    }
    if (!alive) this.loadFinalState();

    const terminated = !alive || obs.t >= this.ctx.tEnd;
    const truncated = !terminated && this.episodeSteps >= o.maxEpisodeSteps;
    const value = markToMarket(obs.cash, obs.inventory, this.lotSize, obs.mid);
    const dPnl = value - this.prevValue;
    this.prevValue = value;
    const reward = stepReward(
      o.reward,
      dPnl,
      obs.inventory,
      crossingAmount(deltaBid, deltaAsk),
      bought + sold,
      terminated,
    );
    if (terminated || truncated) this.state = 'ended';
    return {
      observation: this.buildObservation(),
      reward,
      terminated,
      truncated,
      info: { pnl: value - this.value0, inventory: obs.inventory, fills, bought, sold, t: obs.t },
    };
  }

  /** After the session ended, the last state is the final sample of the path result. */
  private loadFinalState(): void {
    const series = this.sim.result().series;
    const b = series.bars;
    const obs = this.obs;
    obs.t = series.t[b]!;
    obs.mid = series.mid[b]!;
    obs.inventory = series.inventory[b]!;
    obs.cash = series.cash[b]!;
    obs.bestBid = Number.NaN;
    obs.bestAsk = Number.NaN;
    obs.depth = undefined;
  }

  private buildObservation(): Float64Array {
    const out = new Float64Array(this.builder.names.length);
    this.builder.build(this.obs, this.ctx, out, 0);
    return out;
  }
}
