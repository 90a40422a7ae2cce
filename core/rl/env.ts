/**
 * MarketMakingEnv: a gym-style environment around any MarketSimulator (intensity or book mode). API after OpenAI Gym (Brockman et al. 2016) with Gymnasium's split of episode ends into
 * `terminated` (the MDP reached a terminal state) and `truncated` (cut short by a time limit outside
 * the MDP); the market model is the simulator's (Avellaneda & Stoikov 2008 in intensity mode).
 *
 * One step = one decision point of the simulator:
 *   action [a_bid, a_ask] (+ [s_bid, s_ask] with a size action) → quotes by the action map (mapAction)
 *   → sim.act(quotes), no market order; sim.observe(next) → reward (core/rl/reward.ts) and next observation.
 *
 * Actions. `actionScale: 'price'` (the default) takes offsets in the map's unit on the box
 * [lo, hi]²; `'unit'` takes [−1, 1]² mapped linearly onto it (−1 → lo, +1 → hi), the natural output
 * of a tanh-squashed SAC/PPO policy. Out-of-box actions are clipped; NaN or ±Infinity throws.
 * The action map (`actionMap`, mapAction below):
 * - 'mid-offset' (the default, the only map before issue 12): offsets δ in price units on
 *   [minOffset, maxOffset], bid = mid − δ_bid, ask = mid + δ_ask. minOffset defaults to 0; a negative
 *   minOffset lets quotes cross the mid, which the crossing penalty then prices.
 * - 'ticks-from-touch': whole ticks n ∈ [minTicks, maxTicks] (rounded) behind the best quote of the
 *   own side: 0 joins the touch, n < 0 improves inside the spread but never past the mid (so never
 *   crosses), so a policy reaches the touch at a whole interval of actions, not at one boundary point.
 * - 'ticks-from-mid': whole ticks n ∈ [minTicks ≥ 0, maxTicks] beyond the nearest tick on the own
 *   side of the mid.
 * Size (`sizeAction`, optional): two more dimensions [s_bid, s_ask] map to whole lots in
 * [minLots, maxLots] per side (rounded half up); without it both quotes are `orderSizeLots`. Per side
 * rather than one shared size because asymmetric size is a market maker's second inventory lever
 * next to the skew of prices (quote less on the side that would grow the position), which a shared
 * size cannot express; the price is two more action dimensions.
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
  timeLeftFeature,
  type ObservationBuilder,
  type ObservationContext,
} from './observation';
import { isStatefulBuilder } from './features/book-features';
import {
  crossingAmount,
  markToMarket,
  pnlTerm,
  resolveReward,
  stepReward,
  type RewardConfig,
} from './reward';
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
  /** 'price' (default): actions are offsets in the map's units (price units, or ticks); 'unit': actions in [−1, 1]. */
  actionScale?: ActionScale;
  /** How an action becomes a quote price (default 'mid-offset'; see the module header). */
  actionMap?: ActionMapKind;
  /** Tick maps: smallest offset in whole ticks (default 0; < 0 improves on the touch, 'ticks-from-touch' only). */
  minTicks?: number;
  /** Tick maps: largest offset in whole ticks (required with a tick map). */
  maxTicks?: number;
  /** Order size as action dimensions 3 and 4 (bid, ask), whole lots in [minLots, maxLots]; replaces orderSizeLots. */
  sizeAction?: SizeActionOptions;
  /** Lots that map to 1.0 in the inventory feature (> 0). */
  inventoryScale: number;
  /** Episode length in time units; default: to the end of the simulator's session. */
  horizon?: number;
  /** Truncate an episode after this many steps (default: never). */
  maxEpisodeSteps?: number;
  /** Reward mode and weights (core/rl/reward.ts); missing weights are 0, the mode 'delta-pnl'. */
  reward?: Partial<RewardConfig>;
}

export type ActionMapKind = 'mid-offset' | 'ticks-from-touch' | 'ticks-from-mid';

export const ACTION_MAP_KINDS: readonly ActionMapKind[] = Object.freeze([
  'mid-offset',
  'ticks-from-touch',
  'ticks-from-mid',
]);

export interface SizeActionOptions {
  /** Smallest order size, whole lots (≥ 1). */
  minLots: number;
  /** Largest order size, whole lots (> minLots). */
  maxLots: number;
}

/**
 * How actions become quotes (resolved once, shared by both envs and the PolicyQuoter). `minOffset`,
 * `maxOffset` and `range` are in the map's unit: price units for 'mid-offset', whole ticks for the
 * tick maps. An action has `dim` entries: [a_bid, a_ask] or, with `size`, [a_bid, a_ask, s_bid, s_ask].
 * Objects resolved before the tick maps existed (no `kind`) mean 'mid-offset' without size.
 */
export interface ActionMap {
  kind?: ActionMapKind;
  unit: boolean;
  minOffset: number;
  maxOffset: number;
  range: number;
  size?: SizeActionMap | null;
}

export interface SizeActionMap {
  minLots: number;
  maxLots: number;
  range: number;
}

/** Entries of one action under this map (2, or 4 with the size dimensions). */
export function actionDimOf(m: ActionMap): number {
  return m.size ? 4 : 2;
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
    action: resolveActionMap(o, who),
    inventoryScale: o.inventoryScale,
    horizon: o.horizon,
    maxEpisodeSteps,
    reward: resolveReward(o.reward),
  };
}

/** The ActionMap of env options (validated; minOffset/maxOffset were checked by the caller). */
export function resolveActionMap(o: QuotingEnvOptions, who: string): ActionMap {
  const kind = o.actionMap ?? 'mid-offset';
  if (!ACTION_MAP_KINDS.includes(kind))
    throw new RangeError(
      `${who}: actionMap must be one of ${ACTION_MAP_KINDS.join(', ')} (got ${String(kind)})`,
    );
  const unit = (o.actionScale ?? 'price') === 'unit';
  let size: SizeActionMap | null = null;
  if (o.sizeAction !== undefined) {
    const { minLots, maxLots } = o.sizeAction;
    if (!(Number.isInteger(minLots) && minLots >= 1 && Number.isInteger(maxLots) && maxLots > minLots))
      throw new RangeError(
        `${who}: sizeAction needs whole lots 1 ≤ minLots < maxLots (got [${minLots}, ${maxLots}])`,
      );
    size = { minLots, maxLots, range: maxLots - minLots };
  }
  if (kind === 'mid-offset') {
    const minOffset = o.minOffset ?? 0;
    return {
      kind,
      unit,
      minOffset,
      maxOffset: o.maxOffset,
      range: o.maxOffset - minOffset,
      ...(size ? { size } : {}),
    };
  }
  const minTicks = o.minTicks ?? 0;
  const maxTicks = o.maxTicks;
  if (maxTicks === undefined) throw new RangeError(`${who}: actionMap '${kind}' needs maxTicks`);
  if (!(Number.isInteger(minTicks) && Number.isInteger(maxTicks) && maxTicks > minTicks))
    throw new RangeError(
      `${who}: minTicks and maxTicks must be whole numbers with minTicks < maxTicks (got [${minTicks}, ${maxTicks}])`,
    );
  if (kind === 'ticks-from-mid' && minTicks < 0)
    throw new RangeError(`${who}: actionMap 'ticks-from-mid' needs minTicks ≥ 0 (got ${minTicks})`);
  return {
    kind,
    unit,
    minOffset: minTicks,
    maxOffset: maxTicks,
    range: maxTicks - minTicks,
    ...(size ? { size } : {}),
  };
}

/** The action space of one env: [a_bid, a_ask] (and [s_bid, s_ask] with a size action). */
export function actionSpaceOf(m: ActionMap): Box {
  const z = m.size;
  if (m.unit) return z ? box([-1, -1, -1, -1], [1, 1, 1, 1]) : box([-1, -1], [1, 1]);
  return z
    ? box([m.minOffset, m.minOffset, z.minLots, z.minLots], [m.maxOffset, m.maxOffset, z.maxLots, z.maxLots])
    : box([m.minOffset, m.minOffset], [m.maxOffset, m.maxOffset]);
}

/** Whole ticks of one action coordinate under a tick map: the offset rounded half up, clipped to the bounds. */
export function actionToTicks(m: ActionMap, a: number): number {
  let x: number;
  if (m.unit) {
    const c = a < -1 ? -1 : a > 1 ? 1 : a;
    x = m.minOffset + (c + 1) * 0.5 * m.range;
  } else x = a;
  const n = Math.round(x);
  return n < m.minOffset ? m.minOffset : n > m.maxOffset ? m.maxOffset : n;
}

/** Order size in whole lots of one size coordinate: rounded half up, clipped to [minLots, maxLots]. */
export function actionToLots(z: SizeActionMap, unit: boolean, a: number): number {
  let x: number;
  if (unit) {
    const c = a < -1 ? -1 : a > 1 ? 1 : a;
    x = z.minLots + (c + 1) * 0.5 * z.range;
  } else x = a;
  const n = Math.round(x);
  return n < z.minLots ? z.minLots : n > z.maxLots ? z.maxLots : n;
}

/** The market a quote is placed against (a MarketObservation has these fields). */
export interface QuoteReference {
  mid: number;
  bestBid: number;
  bestAsk: number;
  tickSize: number;
}

/** Quotes of one action, and the offsets from the mid the crossing penalty measures. */
export interface MappedQuotes {
  bidPrice: number;
  askPrice: number;
  bidSize: number;
  askSize: number;
  /** mid − bid and ask − mid (for 'mid-offset': the clipped offsets themselves). */
  deltaBid: number;
  deltaAsk: number;
}

export function emptyMappedQuotes(): MappedQuotes {
  return { bidPrice: NaN, askPrice: NaN, bidSize: 0, askSize: 0, deltaBid: 0, deltaAsk: 0 };
}

/**
 * The quotes of an action (entries at `at`…) against the market `ref` — the one map the envs and the
 * PolicyQuoter share. 'mid-offset' computes exactly what the env always did (bid = mid − δ_bid). The
 * tick maps work in integer ticks of ref.tickSize (> 0, else RangeError): with m the mid in ticks,
 *   below = ⌈m⌉ − 1, the highest tick strictly below the mid; above = ⌊m⌋ + 1, the lowest strictly above;
 *   'ticks-from-mid':   bid = below − n_bid,  ask = above + n_ask        (n ≥ 0: 0 is the nearest tick)
 *   'ticks-from-touch': bid = B − n_bid,      ask = A + n_ask            (B, A the touches in ticks;
 *                       0 joins the touch, n < 0 improves), then bid ≤ below and ask ≥ above.
 * That last clamp is how crossing is prevented: every quote stays strictly on its own side of the mid,
 * so a bid is always below the best ask (which is above the mid) and below our own ask, and vice versa;
 * improving stops at the last tick before the mid (no improvement at all in a two-tick spread). A side
 * whose touch is missing (one-sided book, or the intensity model, which has no book) measures from the
 * nearest tick on its side of the mid (below / above), as 'ticks-from-mid' does. A non-finite mid gives
 * no quotes (NaN prices, which simulators skip). Sizes: orderSizeLots, or the size dimensions.
 */
export function mapAction(
  m: ActionMap,
  action: ArrayLike<number>,
  at: number,
  ref: QuoteReference,
  orderSizeLots: number,
  out: MappedQuotes,
): MappedQuotes {
  const a0 = action[at]!;
  const a1 = action[at + 1]!;
  const mid = ref.mid;
  const kind = m.kind ?? 'mid-offset';
  if (kind === 'mid-offset') {
    const deltaBid = actionToOffset(m, a0);
    const deltaAsk = actionToOffset(m, a1);
    out.deltaBid = deltaBid;
    out.deltaAsk = deltaAsk;
    out.bidPrice = mid - deltaBid;
    out.askPrice = mid + deltaAsk;
  } else {
    const tick = ref.tickSize;
    if (!(tick > 0)) throw new RangeError(`actionMap '${kind}' needs a tick size > 0 (got ${tick})`);
    const mt = mid / tick;
    const below = Math.ceil(mt - 1e-9) - 1;
    const above = Math.floor(mt + 1e-9) + 1;
    const nBid = actionToTicks(m, a0);
    const nAsk = actionToTicks(m, a1);
    let bidT: number;
    let askT: number;
    if (kind === 'ticks-from-mid') {
      bidT = below - nBid;
      askT = above + nAsk;
    } else {
      const bb = ref.bestBid;
      const ba = ref.bestAsk;
      bidT = (bb === bb && Number.isFinite(bb) ? Math.round(bb / tick) : below) - nBid;
      askT = (ba === ba && Number.isFinite(ba) ? Math.round(ba / tick) : above) + nAsk;
      if (bidT > below) bidT = below;
      if (askT < above) askT = above;
    }
    const bid = bidT * tick;
    const ask = askT * tick;
    // A NaN mid makes below/above NaN, hence NaN prices: no quotes.
    out.bidPrice = bid;
    out.askPrice = ask;
    out.deltaBid = mid - bid;
    out.deltaAsk = ask - mid;
  }
  const z = m.size;
  if (z) {
    out.bidSize = actionToLots(z, m.unit, action[at + 2]!);
    out.askSize = actionToLots(z, m.unit, action[at + 3]!);
  } else {
    out.bidSize = orderSizeLots;
    out.askSize = orderSizeLots;
  }
  return out;
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
  private readonly quotes = emptyMappedQuotes();
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
    const o = this.options;
    const dim = actionDimOf(o.action);
    if (action.length !== dim)
      throw new RangeError(
        `MarketMakingEnv.step: action must have ${dim} entries [${dim === 2 ? 'bid, ask' : 'bid, ask, bidSize, askSize'}] (got ${action.length})`,
      );
    for (let j = 0; j < dim; j++)
      if (!Number.isFinite(action[j]!))
        throw new RangeError(
          `MarketMakingEnv.step: action must be finite (got [${Array.from(action).join(', ')}])`,
        );
    const obs = this.obs;
    const dec = this.dec;
    const q = mapAction(o.action, action, 0, obs, o.orderSizeLots, this.quotes);
    const deltaBid = q.deltaBid;
    const deltaAsk = q.deltaAsk;
    dec.bidPrice = q.bidPrice;
    dec.askPrice = q.askPrice;
    dec.bidSize = q.bidSize;
    dec.askSize = q.askSize;
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
    const ctx = this.ctx;
    const reward = stepReward(
      o.reward,
      pnlTerm(
        o.reward,
        dPnl,
        value - this.value0,
        timeLeftFeature(obs.t, ctx.tEnd, ctx.horizon),
        terminated || truncated,
      ),
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
