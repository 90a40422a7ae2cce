/**
 * PolicyQuoter: a trained RL policy (core/rl/agent.ts) behind the Quoter interface, so that agents run
 * in backtests, evaluation (./evaluate.ts), replay and paper trading exactly like classical quoters.
 *
 * It reproduces the quotes MarketMakingEnv (core/rl/env.ts) places for the same policy:
 * - Episode context. On the first observation after `reset()` (time t₀), the episode horizon is the
 *   `horizon` option or, without it, obs.horizon − t₀ (the rest of the session), and
 *   tEnd = t₀ + horizon: the same ObservationContext env.reset builds. A stateful builder
 *   (BookFeatureBuilder) is reset in `reset()`, which runPath calls right after sim.reset, the same
 *   place env.reset resets it.
 * - Observation. x = builder.build(obs, ctx); when a normalizer is given (the statistics training ended
 *   with, frozen), y = normalizer.normalize(x, y, clip), as the trainer does before
 *   calling the policy, clipped to ±`clip` (pass the trainer's, core/rl/train/trainer.ts OBS_CLIP = 10;
 *   default 5, the normalizer's own default); otherwise the raw x goes to the policy (the env itself
 *   never normalizes).
 * - Action. a = policy.act(y, deterministic = true): [a_bid, a_ask] (+ [s_bid, s_ask] with a size
 *   action); a non-finite action is a RangeError (as env.step). The quotes are env.ts mapAction(actionMap,
 *   a, obs): the very function env.step calls, so every action map ('mid-offset': bid = mid − δ_bid,
 *   ask = mid + δ_ask; the tick maps: whole ticks from the touch or the mid, never past the mid) and
 *   the size dimensions give the same prices and sizes here as in training; no market order.
 *
 * After tEnd (only when `horizon` is shorter than the session, a case the env never reaches because its
 * episode has ended) the quoter keeps applying the policy, with the time-left feature clamped at 0.
 *
 * Our fills. The builder reads them from the observation (`obs.fills`, BookFeatureBuilder without a
 * `fills` source), like every quoter: there is no channel to the simulator, so the same PolicyQuoter
 * runs in a simulator, a replay or (later) against a live venue.
 *
 * Hot path: `quote` allocates nothing (scratch arrays are made once in the constructor); the policy's
 * own act() may allocate (tfjs), which is outside this class.
 */
import type { MarketObservation, ParamValue, QuoteDecision, Quoter } from '../../strategy/quoter';
import type { Policy } from '../agent';
import {
  actionDimOf,
  emptyMappedQuotes,
  mapAction,
  resolveEnvOptions,
  type ActionMap,
  type QuotingEnvOptions,
} from '../env';
import { isStatefulBuilder } from '../features/book-features';
import type { RunningNormalizer } from '../features/normalizer';
import type { ObservationBuilder, ObservationContext } from '../observation';

export interface PolicyQuoterOptions {
  /** Stable name for results files, e.g. "sac-run3-step120000". */
  name: string;
  policy: Policy;
  /** The builder the policy was trained with (a fresh instance: it may be stateful). */
  builder: ObservationBuilder;
  /** Frozen observation statistics from training; omit when the policy takes raw observations. */
  normalizer?: RunningNormalizer;
  /** Clip of the normalized observation (±clip, > 0; default 5): the value training used. */
  clip?: number;
  /** The env's action map (resolveEnvOptions(...).action). */
  action: ActionMap;
  orderSizeLots: number;
  inventoryScale: number;
  /** Episode length (QuotingEnvOptions.horizon); default: to the end of the session. */
  horizon?: number;
  /** Extra parameters for results files (merged over the ones derived from the options). */
  params?: Record<string, ParamValue>;
}

export type PolicyQuoterEnvParts = Pick<
  PolicyQuoterOptions,
  'name' | 'policy' | 'builder' | 'normalizer' | 'clip' | 'params'
>;

export class PolicyQuoter implements Quoter {
  readonly name: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly policy: Policy;
  readonly builder: ObservationBuilder;
  readonly normalizer: RunningNormalizer | undefined;
  readonly clip: number;
  readonly action: ActionMap;
  readonly orderSizeLots: number;
  readonly inventoryScale: number;
  readonly horizon: number | undefined;

  private readonly ctx: ObservationContext;
  private readonly raw: Float64Array;
  private readonly normed: Float64Array | null;
  private readonly act: Float64Array;
  private readonly quotes = emptyMappedQuotes();
  private started = false;

  /** The PolicyQuoter for a policy trained in an env with these options. */
  static fromEnvOptions(env: QuotingEnvOptions, parts: PolicyQuoterEnvParts): PolicyQuoter {
    const o = resolveEnvOptions(env, 'PolicyQuoter');
    return new PolicyQuoter({
      ...parts,
      action: o.action,
      orderSizeLots: o.orderSizeLots,
      inventoryScale: o.inventoryScale,
      ...(o.horizon !== undefined ? { horizon: o.horizon } : {}),
    });
  }

  constructor(o: PolicyQuoterOptions) {
    const who = 'PolicyQuoter';
    if (typeof o.name !== 'string' || o.name.length === 0)
      throw new RangeError(`${who}: name must be a non-empty string`);
    const dim = o.builder.names.length;
    if (!(dim > 0)) throw new RangeError(`${who}: the observation builder has no features`);
    if (o.policy.obsDim !== dim)
      throw new RangeError(
        `${who}: policy.obsDim ${o.policy.obsDim} does not match the builder's ${dim} features`,
      );
    const actionDim = actionDimOf(o.action);
    if (o.policy.actionDim !== actionDim)
      throw new RangeError(
        `${who}: policy.actionDim must be ${actionDim} (${actionDim === 2 ? '[bid, ask]' : '[bid, ask, bidSize, askSize]'}) (got ${o.policy.actionDim})`,
      );
    if (o.normalizer !== undefined && o.normalizer.dim !== dim)
      throw new RangeError(
        `${who}: normalizer.dim ${o.normalizer.dim} does not match the builder's ${dim} features`,
      );
    const m = o.action;
    if (!(Number.isFinite(m.minOffset) && Number.isFinite(m.maxOffset) && m.maxOffset > m.minOffset))
      throw new RangeError(`${who}: action map needs finite minOffset < maxOffset`);
    if (!(Number.isFinite(o.orderSizeLots) && o.orderSizeLots > 0))
      throw new RangeError(`${who}: orderSizeLots must be a finite number > 0 (got ${o.orderSizeLots})`);
    if (!(Number.isFinite(o.inventoryScale) && o.inventoryScale > 0))
      throw new RangeError(`${who}: inventoryScale must be a finite number > 0 (got ${o.inventoryScale})`);
    if (o.horizon !== undefined && !(o.horizon > 0))
      throw new RangeError(`${who}: horizon must be > 0 (got ${o.horizon})`);
    const clip = o.clip ?? 5;
    if (!(clip > 0)) throw new RangeError(`${who}: clip must be > 0 (got ${clip})`);

    this.name = o.name;
    this.policy = o.policy;
    this.builder = o.builder;
    this.normalizer = o.normalizer;
    this.clip = clip;
    // The range is recomputed exactly as resolveEnvOptions does.
    const kind = m.kind ?? 'mid-offset';
    const z = m.size ?? null;
    if (
      z !== null &&
      !(Number.isInteger(z.minLots) && z.minLots >= 1 && Number.isInteger(z.maxLots) && z.maxLots > z.minLots)
    )
      throw new RangeError(`${who}: the size action needs whole lots 1 ≤ minLots < maxLots`);
    this.action = {
      kind,
      unit: m.unit,
      minOffset: m.minOffset,
      maxOffset: m.maxOffset,
      range: m.maxOffset - m.minOffset,
      ...(z !== null
        ? { size: { minLots: z.minLots, maxLots: z.maxLots, range: z.maxLots - z.minLots } }
        : {}),
    };
    this.orderSizeLots = o.orderSizeLots;
    this.inventoryScale = o.inventoryScale;
    this.horizon = o.horizon;
    this.params = Object.freeze({
      orderSizeLots: o.orderSizeLots,
      inventoryScale: o.inventoryScale,
      minOffset: m.minOffset,
      maxOffset: m.maxOffset,
      actionScale: m.unit ? 'unit' : 'price',
      ...(kind !== 'mid-offset' ? { actionMap: kind } : {}),
      ...(z !== null ? { minLots: z.minLots, maxLots: z.maxLots } : {}),
      ...(o.horizon !== undefined ? { horizon: o.horizon } : {}),
      normalized: o.normalizer !== undefined,
      features: dim,
      ...(o.params ?? {}),
    });
    this.ctx = { inventoryScale: o.inventoryScale, horizon: Number.NaN, tEnd: Number.NaN };
    this.raw = new Float64Array(dim);
    this.normed = o.normalizer !== undefined ? new Float64Array(dim) : null;
    this.act = new Float64Array(actionDim);
  }

  /** The current episode context (horizon NaN before the first observation of a path). */
  get context(): Readonly<ObservationContext> {
    return this.ctx;
  }

  reset(): void {
    this.started = false;
    this.ctx.horizon = Number.NaN;
    this.ctx.tEnd = Number.NaN;
    if (isStatefulBuilder(this.builder)) this.builder.reset();
  }

  quote(obs: MarketObservation, out: QuoteDecision): void {
    const ctx = this.ctx;
    if (!this.started) {
      const t0 = obs.t;
      const horizon = this.horizon ?? obs.horizon - t0;
      if (!(horizon > 0)) throw new RangeError(`PolicyQuoter: episode horizon must be > 0 (got ${horizon})`);
      ctx.horizon = horizon;
      ctx.tEnd = t0 + horizon;
      this.started = true;
    }
    this.builder.build(obs, ctx, this.raw, 0);
    const x = this.normed !== null ? this.normalizer!.normalize(this.raw, this.normed, this.clip) : this.raw;
    const a = this.act;
    this.policy.act(x, true, a);
    for (let j = 0; j < a.length; j++)
      if (!Number.isFinite(a[j]!))
        throw new RangeError(
          `PolicyQuoter '${this.name}': policy returned a non-finite action [${Array.from(a).join(', ')}]`,
        );
    const q = mapAction(this.action, a, 0, obs, this.orderSizeLots, this.quotes);
    out.bidPrice = q.bidPrice;
    out.askPrice = q.askPrice;
    out.bidSize = q.bidSize;
    out.askSize = q.askSize;
    out.marketOrderLots = 0;
  }
}
