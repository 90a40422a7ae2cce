/**
 * Environments and baselines of a training config: a fresh simulator per env (makeSimulator on the
 * config's scenario), a feature builder per env (intensityObservation, or a BookFeatureBuilder that
 * reads that env's own fills log), actions in [−1, 1] (actionScale 'unit', the natural output of a
 * tanh-squashed or clipped Gaussian policy), and the Avellaneda–Stoikov / GLFT quoters the periodic
 * evaluation and the quote curves compare against.
 *
 * The simulator is wrapped in a thin tap that remembers the MarketObservation the env last asked it
 * to fill (MarketMakingEnv reuses one object), so a classical quoter can be run through the same env
 * (and the same reward) as the agent: see baselineAction below.
 */
import { makeSimulator } from '../../backtest/run';
import type { FillLog, PathResult } from '../../sim/path-result';
import type { StopPoller } from '../../sim/guards';
import type { MarketSimulator } from '../../sim/simulator';
import { buildQuoter, scenarioSigma } from '../../backtest/quoters';
import {
  emptyDecision,
  emptyObservation,
  type MarketObservation,
  type QuoteDecision,
  type Quoter,
} from '../../strategy/quoter';
import {
  actionDimOf,
  MarketMakingEnv,
  resolveActionMap,
  type ActionMap,
  type QuotingEnvOptions,
} from '../env';
import { BookFeatureBuilder } from '../features/book-features';
import { intensityObservation, type ObservationBuilder } from '../observation';
import type { CheckpointActionRecord } from './checkpoint';
import type { TrainConfig } from './config';

/** A MarketSimulator that remembers the observation object it last filled. */
export class TappedSimulator implements MarketSimulator {
  private last: MarketObservation | null = null;
  private next: { sim: MarketSimulator; tag: number } | null = null;
  private stopPoller: StopPoller | null = null;
  /** Label of the simulator in use (the curriculum stage, core/rl/train/curriculum.ts; 0 by default). */
  tag = 0;

  constructor(public inner: MarketSimulator) {}

  /**
   * Run on `sim` (labelled `tag`) from the next reset on — a running path finishes on the current
   * simulator — or at once when `now` (before a reset: nothing is running).
   */
  switchTo(sim: MarketSimulator, tag: number, now = false): void {
    this.next = { sim, tag };
    if (now) this.applySwitch();
  }

  /** Tag of the simulator the next reset will use. */
  get nextTag(): number {
    return this.next?.tag ?? this.tag;
  }

  reset(seed: number, pathIndex: number): void {
    this.applySwitch();
    this.inner.reset(seed, pathIndex);
  }

  private applySwitch(): void {
    if (this.next === null) return;
    this.inner = this.next.sim;
    this.tag = this.next.tag;
    this.next = null;
    if (this.stopPoller !== null) this.inner.setStopPoller?.(this.stopPoller);
  }

  observe(obs: MarketObservation): boolean {
    this.last = obs;
    return this.inner.observe(obs);
  }

  act(dec: QuoteDecision): void {
    this.inner.act(dec);
  }

  result(): PathResult {
    return this.inner.result();
  }

  ownFills(): FillLog {
    return this.inner.ownFills();
  }

  // Forwarded, so a stop poller set on the env's simulator reaches the one that runs the path.
  setStopPoller(stop: StopPoller | null): void {
    this.stopPoller = stop;
    this.inner.setStopPoller?.(stop);
  }

  pathProgress(): number {
    return this.inner.pathProgress?.() ?? 0;
  }

  /** The observation the env holds (live: updated by every step); null before the first reset. */
  lastObservation(): MarketObservation | null {
    return this.last;
  }
}

export interface TrainEnv {
  env: MarketMakingEnv;
  sim: TappedSimulator;
  builder: ObservationBuilder;
  obsDim: number;
  /** Entries of one action: 2 ([bid, ask]) or 4 (with env.sizeAction); the agents size their networks by it. */
  actionDim: number;
  /** Index of the inventory feature (q / inventoryScale) and of the time-left feature. */
  inventoryIndex: number;
  timeLeftIndex: number;
}

/** The env options of a config (actionScale 'unit'). */
export function envOptions(cfg: TrainConfig): QuotingEnvOptions {
  const e = cfg.env;
  return {
    orderSizeLots: e.orderSizeLots,
    maxOffset: e.maxOffset,
    minOffset: e.minOffset,
    actionScale: 'unit',
    ...(e.actionMap !== undefined ? { actionMap: e.actionMap } : {}),
    ...(e.minTicks !== undefined ? { minTicks: e.minTicks } : {}),
    ...(e.maxTicks !== undefined ? { maxTicks: e.maxTicks } : {}),
    ...(e.sizeAction !== undefined ? { sizeAction: { ...e.sizeAction } } : {}),
    inventoryScale: e.inventoryScale,
    ...(e.horizon !== undefined ? { horizon: e.horizon } : {}),
    ...(e.maxEpisodeSteps !== undefined ? { maxEpisodeSteps: e.maxEpisodeSteps } : {}),
    reward: { ...e.reward },
  };
}

/** Entries of one action of a config's env (2, or 4 with env.sizeAction): what the agents size their networks by. */
export function actionDimOfConfig(cfg: TrainConfig): number {
  return actionDimOf(resolveActionMap(envOptions(cfg), 'config'));
}

/** What a checkpoint records of a config's action map (checkpoint.ts CheckpointActionRecord). */
export function actionRecordOf(cfg: TrainConfig): CheckpointActionRecord {
  const m = resolveActionMap(envOptions(cfg), 'config');
  return {
    map: m.kind ?? 'mid-offset',
    dim: actionDimOf(m),
    low: m.minOffset,
    high: m.maxOffset,
    ...(m.size ? { minLots: m.size.minLots, maxLots: m.size.maxLots } : {}),
  };
}

/** The observation builder of a config, with the indices of its inventory and time-left features. */
export interface FeatureSet {
  builder: ObservationBuilder;
  inventoryIndex: number;
  timeLeftIndex: number;
}

/**
 * A fresh observation builder for a config. Book features read our own fills from the observation
 * (`obs.fills`), or from `fills` when given (the training env passes its simulator's log).
 */
export function makeFeatures(cfg: TrainConfig, fills?: () => FillLog): FeatureSet {
  if (cfg.features.kind === 'book') {
    const b = new BookFeatureBuilder({
      ...(cfg.features.levels !== undefined ? { levels: cfg.features.levels } : {}),
      ...(cfg.features.volHorizons !== undefined ? { volHorizons: cfg.features.volHorizons } : {}),
      ...(cfg.features.fillsEwmaSpan !== undefined ? { fillsEwmaSpan: cfg.features.fillsEwmaSpan } : {}),
      ...(fills !== undefined ? { fills } : {}),
    });
    return { builder: b, inventoryIndex: b.layout.inventory, timeLeftIndex: b.layout.timeLeft };
  }
  return { builder: intensityObservation, inventoryIndex: 0, timeLeftIndex: 1 };
}

/** One env with its own simulator and feature builder. */
export function makeEnv(cfg: TrainConfig): TrainEnv {
  const sim = new TappedSimulator(makeSimulator(cfg.scenario));
  const { builder, inventoryIndex, timeLeftIndex } = makeFeatures(cfg, () => sim.ownFills());
  const env = new MarketMakingEnv({
    ...envOptions(cfg),
    sim,
    lotSize: cfg.scenario.lotSize,
    observation: builder,
  });
  return {
    env,
    sim,
    builder,
    obsDim: builder.names.length,
    actionDim: actionDimOf(env.options.action),
    inventoryIndex,
    timeLeftIndex,
  };
}

/** `n` independent envs (PPO). */
export function makeEnvs(cfg: TrainConfig, n: number): TrainEnv[] {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`makeEnvs: n must be an integer ≥ 1 (got ${n})`);
  return Array.from({ length: n }, () => makeEnv(cfg));
}

export interface BaselineParams {
  gamma: number;
  sigma: number;
  k: number;
  A: number;
  /** GLFT inventory bound, clips. */
  Q: number;
  orderSizeLots: number;
}

/** Baseline model parameters: the config's `baseline`, else the scenario's (as core/backtest/quoters.ts). */
export function baselineParams(cfg: TrainConfig): BaselineParams {
  const sc = cfg.scenario;
  const b = cfg.baseline;
  const k = b.k ?? (sc.mode === 'intensity' ? sc.intensity.k : undefined);
  const A = b.A ?? (sc.mode === 'intensity' ? sc.intensity.A : undefined);
  if (k === undefined || A === undefined)
    throw new RangeError('baseline.k and baseline.A are required in book mode');
  const Q = b.Q ?? Math.max(1, Math.ceil((4 * cfg.env.inventoryScale) / cfg.env.orderSizeLots));
  return {
    gamma: b.gamma,
    sigma: b.sigma ?? scenarioSigma(sc),
    k,
    A: A > 0 ? A : 1e-9,
    Q,
    orderSizeLots: cfg.env.orderSizeLots,
  };
}

/**
 * The AS (inventory variant) or GLFT (exact) quoter with the baseline parameters; `gamma`, `A` and `k`
 * override the config's (tuning; A does not enter the AS quotes), `name` the quoter's name in results.
 */
export function makeBaselineQuoter(
  cfg: TrainConfig,
  kind: 'as' | 'glft',
  opts: { gamma?: number; A?: number; k?: number; name?: string } = {},
): Quoter {
  const p = { ...baselineParams(cfg) };
  if (opts.A !== undefined) p.A = opts.A;
  if (opts.k !== undefined) p.k = opts.k;
  const gamma = opts.gamma ?? p.gamma;
  const name = opts.name !== undefined ? { name: opts.name } : {};
  if (kind === 'as')
    return buildQuoter(
      {
        type: 'avellaneda-stoikov',
        ...name,
        variant: 'inventory',
        gamma,
        sigma: p.sigma,
        k: p.k,
        orderSizeLots: p.orderSizeLots,
      },
      cfg.scenario,
    );
  return buildQuoter(
    {
      type: 'glft',
      ...name,
      method: 'exact',
      gamma,
      sigma: p.sigma,
      A: p.A,
      k: p.k,
      Q: p.Q,
      orderSizeLots: p.orderSizeLots,
    },
    cfg.scenario,
  );
}

/**
 * Inverse of env.actionToOffset for 'unit' actions: offset δ → a ∈ [−1, 1] (clipped). Under a tick
 * map δ is in ticks.
 */
export function offsetToUnit(m: ActionMap, delta: number): number {
  if (Number.isNaN(delta)) return 1; // side not quoted: the farthest quote the env can express
  const a = (2 * (delta - m.minOffset)) / m.range - 1;
  return a < -1 ? -1 : a > 1 ? 1 : a;
}

/**
 * Inverse of env.mapAction for 'unit' actions: the action that quotes as close as the map allows to
 * (bidPrice, askPrice, bidSize, askSize) against `ref`, into out[0 … actionDim). Under a tick map the
 * prices are first rounded to the tick the way the simulators do (bids down, asks up) and measured in
 * ticks from the map's reference; sizes go to the size dimensions (clipped to [minLots, maxLots]).
 */
export function quotesToUnitAction(
  m: ActionMap,
  ref: { mid: number; bestBid: number; bestAsk: number; tickSize: number },
  bidPrice: number,
  askPrice: number,
  bidSize: number,
  askSize: number,
  out: Float32Array | Float64Array,
): void {
  const kind = m.kind ?? 'mid-offset';
  if (kind === 'mid-offset') {
    out[0] = offsetToUnit(m, ref.mid - bidPrice);
    out[1] = offsetToUnit(m, askPrice - ref.mid);
  } else {
    const tick = ref.tickSize;
    const mt = ref.mid / tick;
    const below = Math.ceil(mt - 1e-9) - 1;
    const above = Math.floor(mt + 1e-9) + 1;
    const bb = ref.bestBid;
    const ba = ref.bestAsk;
    const bidRef = kind === 'ticks-from-touch' && Number.isFinite(bb) ? Math.round(bb / tick) : below;
    const askRef = kind === 'ticks-from-touch' && Number.isFinite(ba) ? Math.round(ba / tick) : above;
    out[0] = offsetToUnit(m, bidRef - Math.floor(bidPrice / tick + 1e-9));
    out[1] = offsetToUnit(m, Math.ceil(askPrice / tick - 1e-9) - askRef);
  }
  const z = m.size;
  if (z) {
    const toUnit = (lots: number): number => {
      if (!(lots > 0)) return -1;
      const a = (2 * (lots - z.minLots)) / z.range - 1;
      return a < -1 ? -1 : a > 1 ? 1 : a;
    };
    out[2] = toUnit(bidSize);
    out[3] = toUnit(askSize);
  }
}

/**
 * Runs a classical quoter through a MarketMakingEnv: per step, the quoter sees the env's current
 * market observation (with `horizon` set to the end of the env's episode, so its time to horizon is
 * the agent's time-left feature) and its quotes become a unit action. Quotes outside the env's box
 * [minOffset, maxOffset] are clipped to it, and a side the quoter does not quote is sent at
 * maxOffset (the env always quotes both sides); sizes are the env's orderSizeLots (or, with a size
 * action, the quoter's own, clipped). So the baseline is
 * "the quoter as far as the env's action space can express it", scored by the very same reward.
 * Under a tick map the quotes become whole ticks from the map's reference (quotesToUnitAction), and
 * with a size action the quoter's sizes go to the size dimensions.
 */
export class BaselineDriver {
  private readonly obs = emptyObservation();
  private readonly dec = emptyDecision();
  private tEnd = Number.NaN;

  constructor(
    private readonly te: TrainEnv,
    private readonly quoter: Quoter,
    private readonly envHorizon: number | undefined,
  ) {}

  /** Call right after env.reset. */
  reset(): void {
    this.quoter.reset();
    const o = this.live();
    this.tEnd = this.envHorizon !== undefined ? o.t + this.envHorizon : o.horizon;
  }

  /** The unit action of the quoter for the env's current observation, into out[0 … actionDim). */
  action(out: Float32Array | Float64Array): void {
    const src = this.live();
    const o = this.obs;
    o.t = src.t;
    o.horizon = this.tEnd;
    o.mid = src.mid;
    o.bestBid = src.bestBid;
    o.bestAsk = src.bestAsk;
    o.tickSize = src.tickSize;
    o.inventory = src.inventory;
    o.cash = src.cash;
    o.depth = src.depth;
    const d = this.dec;
    d.bidPrice = Number.NaN;
    d.askPrice = Number.NaN;
    this.quoter.quote(o, d);
    const m = this.te.env.options.action;
    quotesToUnitAction(m, o, d.bidPrice, d.askPrice, d.bidSize, d.askSize, out);
  }

  private live(): MarketObservation {
    const o = this.te.sim.lastObservation();
    if (o === null) throw new Error('BaselineDriver: reset the env first');
    return o;
  }
}
