/**
 * VectorAsEnv: N copies of the Avellaneda–Stoikov (2008) intensity market, stepped in one call over
 * typed arrays (structure of arrays, no allocation per step). It is the same model as
 * IntensitySimulator wrapped in MarketMakingEnv, specialised to what that env sends (two passive
 * quotes, no market order, no latency) and inlined: per env and step,
 *   1. offsets δ_bid, δ_ask from the action (clipped, as in MarketMakingEnv), quotes mid ∓ δ; sizes
 *      orderSizeLots or, with a size action, the lots of s_bid, s_ask (env.ts actionToLots). Only the
 *      'mid-offset' action map (the tick maps need a book or a tick size, which this kernel has not);
 *   2. two fill uniforms u_bid, u_ask drawn from the env's fill stream, always, bid first;
 *      a quote that could breach the inventory limit is vetoed; a quote fills if u < A·e^{−kδ}·dt,
 *      δ measured from the current mid, paying the maker fee;
 *   3. the mid moves by one ABM (or GBM) step, binomial ±σ√dt or Gaussian, from the price stream;
 *   4. reward (core/rl/reward.ts, every mode) and observation [q / inventoryScale, time left] (observation.ts).
 * Streams are seeded exactly as IntensitySimulator seeds them: price = deriveSeed(seed, path, 1),
 * fills = deriveSeed(seed, path, 2), with xoshiro128** and the Marsaglia polar normal (per-env cached
 * spare) inlined so that the numbers equal core/rng's Rng bit for bit. The equivalence test
 * (vector-env.test.ts) checks observations, rewards and flags against MarketMakingEnv(IntensitySimulator).
 *
 * Episodes and auto-reset (same-step auto-reset, as in Stable-Baselines3's VecEnv and Gymnasium's
 * AutoresetMode.SAME_STEP): episode k of env i runs path i + k·N (k = 0, 1, …), so N envs together
 * walk through paths 0, 1, 2, … of the seed (path indices enter deriveSeed modulo 2^32, as they do
 * in IntensitySimulator). When env i's episode ends in a step, terminated[i] or
 * truncated[i] is 1, rewards[i] and the info arrays describe that last step of the ended episode,
 * finalObservations row i holds its final observation (what a learner bootstraps from on truncation),
 * and observations row i already holds the first observation of the next episode. Rows of
 * finalObservations whose env did not end are stale and must be ignored.
 *
 * Ownership: every output buffer belongs to the env and is overwritten by the next step/reset; copy
 * what you keep. Unsupported scenario features (regimes, jumps, order-entry latency, market impact,
 * tick rounding) throw at construction: use MarketMakingEnv with IntensitySimulator for those.
 */
import { mix32 } from '../rng/rng';
import { intensitySteps, type IntensityScenario } from '../sim/intensity-sim';
import { makerFee, type FeeSpec } from '../sim/models/fee';
import {
  actionDimOf,
  actionSpaceOf,
  actionToLots,
  actionToOffset,
  resolveEnvOptions,
  type ActionMap,
  type QuotingEnvOptions,
  type ResolvedEnvOptions,
} from './env';
import { intensityObservation, inventoryFeature, observationSpaceOf, timeLeftFeature } from './observation';
import { crossingAmount, markToMarket, pnlTerm, stepReward, type RewardConfig } from './reward';
import type { Box } from './spaces';

const STREAM_PRICE = 1;
const STREAM_FILLS = 2;
const TWO_POW_32_INV = 1 / 4294967296;

export interface VectorAsEnvConfig extends QuotingEnvOptions {
  scenario: IntensityScenario;
  /** Number of parallel envs (≥ 1). */
  n: number;
}

/** Per-env information about the step just taken (for an env that ended: its ended episode). */
export interface VectorStepInfo {
  pnl: Float64Array;
  inventory: Float64Array;
  fills: Uint8Array;
  bought: Float64Array;
  sold: Float64Array;
  t: Float64Array;
}

export interface VectorStepResult {
  observations: Float64Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  finalObservations: Float64Array;
  info: VectorStepInfo;
}

/** List what the fast kernel cannot simulate; empty when the scenario is supported. */
export function unsupportedFeatures(sc: IntensityScenario): string[] {
  const out: string[] = [];
  if (sc.price.regimes) out.push('volatility regimes (price.regimes)');
  if (sc.price.jumps && sc.price.jumps.rate > 0) out.push('price jumps (price.jumps)');
  if (Math.max(0, Math.round(sc.entryLatency / sc.dt)) > 0)
    out.push('order-entry latency (entryLatency > 0)');
  if (sc.impact.model !== 'none') out.push(`market impact (impact.model = ${sc.impact.model})`);
  if (sc.tickSize !== 0) out.push('tick rounding (tickSize ≠ 0)');
  return out;
}

export class VectorAsEnv {
  readonly n: number;
  readonly obsDim: number;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly options: ResolvedEnvOptions;
  /** Entries per env in the actions array (2, or 4 with a size action). */
  readonly actionDim: number;
  /** Steps in a full session (horizon/dt rounded). */
  readonly sessionSteps: number;

  readonly observations: Float64Array;
  readonly finalObservations: Float64Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly info: VectorStepInfo;
  /** Episode counter k of each env (its current path is i + k·N). */
  readonly episode: Float64Array;

  private readonly result: VectorStepResult;
  private readonly sc: IntensityScenario;
  private readonly act: ActionMap;
  private readonly reward: RewardConfig;
  private readonly fees: FeeSpec;
  private readonly horizon: number;
  private readonly tEnd: number;

  // State, one entry per env (RNG state: four words per env and stream).
  private readonly mid: Float64Array;
  private readonly inv: Float64Array;
  private readonly cash: Float64Array;
  private readonly stepIdx: Int32Array;
  private readonly value0: Float64Array;
  private readonly prevValue: Float64Array;
  private readonly priceState: Uint32Array;
  private readonly fillState: Uint32Array;
  private readonly spare: Float64Array;
  private readonly hasSpare: Uint8Array;

  private seedHash = 0;
  private started = false;

  constructor(config: VectorAsEnvConfig) {
    const n = config.n;
    if (!(Number.isInteger(n) && n >= 1))
      throw new RangeError(`VectorAsEnv: n must be an integer ≥ 1 (got ${n})`);
    const sc = config.scenario;
    const unsupported = unsupportedFeatures(sc);
    if (unsupported.length > 0)
      throw new Error(
        `VectorAsEnv supports only the plain AS 2008 intensity model; this scenario has ${unsupported.join(', ')}. ` +
          'Use MarketMakingEnv with IntensitySimulator (the general simulator) instead.',
      );
    this.sessionSteps = intensitySteps(sc);
    if (!(this.sessionSteps >= 1))
      throw new RangeError(
        `VectorAsEnv: horizon/dt must give at least one step (got ${sc.horizon}/${sc.dt})`,
      );
    this.options = resolveEnvOptions(config, 'VectorAsEnv');
    if ((this.options.action.kind ?? 'mid-offset') !== 'mid-offset')
      throw new Error(
        `VectorAsEnv supports only actionMap 'mid-offset' (the AS model has no book and no tick); got '${this.options.action.kind}'`,
      );
    this.actionDim = actionDimOf(this.options.action);
    this.n = n;
    this.sc = sc;
    this.act = this.options.action;
    this.reward = this.options.reward;
    this.fees = sc.fees;
    // Episodes start at t = 0; same formulas as MarketMakingEnv.reset.
    this.horizon = this.options.horizon ?? sc.horizon - 0;
    this.tEnd = 0 + this.horizon;

    const builder = intensityObservation;
    this.obsDim = builder.names.length;
    this.observationSpace = observationSpaceOf(builder);
    this.actionSpace = actionSpaceOf(this.act);
    this.observations = new Float64Array(n * this.obsDim);
    this.finalObservations = new Float64Array(n * this.obsDim);
    this.rewards = new Float64Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.info = {
      pnl: new Float64Array(n),
      inventory: new Float64Array(n),
      fills: new Uint8Array(n),
      bought: new Float64Array(n),
      sold: new Float64Array(n),
      t: new Float64Array(n),
    };
    this.episode = new Float64Array(n);
    this.mid = new Float64Array(n);
    this.inv = new Float64Array(n);
    this.cash = new Float64Array(n);
    this.stepIdx = new Int32Array(n);
    this.value0 = new Float64Array(n);
    this.prevValue = new Float64Array(n);
    this.priceState = new Uint32Array(4 * n);
    this.fillState = new Uint32Array(4 * n);
    this.spare = new Float64Array(n);
    this.hasSpare = new Uint8Array(n);
    this.result = {
      observations: this.observations,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      finalObservations: this.finalObservations,
      info: this.info,
    };
  }

  /** Path index of env i's current episode. */
  pathIndexOf(i: number): number {
    return i + (this.episode[i] ?? 0) * this.n;
  }

  /** Start episode 0 of every env (env i on path i) and return the observations buffer. */
  reset(seed: number): Float64Array {
    if (!Number.isFinite(seed)) throw new RangeError(`VectorAsEnv.reset: seed must be finite (got ${seed})`);
    this.seedHash = mix32(seed >>> 0);
    this.episode.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.rewards.fill(0);
    for (let i = 0; i < this.n; i++) this.resetEnv(i);
    this.started = true;
    return this.observations;
  }

  /**
   * Step all N envs with `actions` (row i = [a_bid, a_ask] of env i, length 2N; with a size action
   * [a_bid, a_ask, s_bid, s_ask], length 4N). Returns the same
   * result object (views on the env's buffers) on every call.
   */
  step(actions: Float64Array): VectorStepResult {
    if (!this.started) throw new Error('VectorAsEnv.step() called before reset(seed)');
    const n = this.n;
    const ad = this.actionDim;
    if (actions.length !== ad * n)
      throw new RangeError(
        `VectorAsEnv.step: actions must have ${ad}N = ${ad * n} entries (got ${actions.length})`,
      );
    for (let j = 0; j < ad * n; j++) {
      const a = actions[j]!;
      if (a - a !== 0)
        throw new RangeError(`VectorAsEnv.step: action ${j} (env ${Math.floor(j / ad)}) is not finite: ${a}`);
    }

    const sc = this.sc;
    const am = this.act;
    const w = this.reward;
    const fees = this.fees;
    const A = sc.intensity.A;
    const k = sc.intensity.k;
    const dt = sc.dt;
    const lot = sc.lotSize;
    const size = this.options.orderSizeLots;
    const sz = am.size ?? null;
    const limit = sc.inventoryLimitLots;
    const invScale = this.options.inventoryScale;
    const steps = this.sessionSteps;
    const maxSteps = this.options.maxEpisodeSteps;
    const horizon = this.horizon;
    const tEnd = this.tEnd;
    const gbm = sc.price.model === 'gbm';
    const gaussian = sc.price.increments !== 'binomial';
    const sigma = sc.price.sigma;
    const drift = sc.price.drift;
    // The same sub-expressions, evaluated in the same order, as PriceProcess.step.
    const driftDt = drift * dt;
    const volSqrtDt = sigma * Math.sqrt(dt);
    const gbmDriftDt = (drift - 0.5 * sigma * sigma) * dt;

    const mid = this.mid;
    const inv = this.inv;
    const cashArr = this.cash;
    const stepIdx = this.stepIdx;
    const value0 = this.value0;
    const prevValue = this.prevValue;
    const ps = this.priceState;
    const fs = this.fillState;
    const spare = this.spare;
    const hasSpare = this.hasSpare;
    const obs = this.observations;
    const fin = this.finalObservations;
    const rewards = this.rewards;
    const term = this.terminated;
    const trunc = this.truncated;
    const info = this.info;
    const infoPnl = info.pnl;
    const infoInv = info.inventory;
    const infoFills = info.fills;
    const infoBought = info.bought;
    const infoSold = info.sold;
    const infoT = info.t;

    for (let i = 0; i < n; i++) {
      const deltaBid = actionToOffset(am, actions[ad * i]!);
      const deltaAsk = actionToOffset(am, actions[ad * i + 1]!);
      let s = mid[i]!;
      let q = inv[i]!;
      let cash = cashArr[i]!;
      const bid = s - deltaBid;
      const ask = s + deltaAsk;

      // Two fill uniforms (xoshiro128** inlined, as Rng.nextU32 / Rng.next).
      const f = 4 * i;
      let x0 = fs[f]!;
      let x1 = fs[f + 1]!;
      let x2 = fs[f + 2]!;
      let x3 = fs[f + 3]!;
      let m = Math.imul(x1, 5);
      let r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      let tt = x1 << 9;
      let n2 = x2 ^ x0;
      let n3 = x3 ^ x1;
      x1 ^= n2;
      x0 ^= n3;
      x2 = n2 ^ tt;
      x3 = (n3 << 11) | (n3 >>> 21);
      const uBid = (r + 0.5) * TWO_POW_32_INV;
      m = Math.imul(x1, 5);
      r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      tt = x1 << 9;
      n2 = x2 ^ x0;
      n3 = x3 ^ x1;
      x1 ^= n2;
      x0 ^= n3;
      x2 = n2 ^ tt;
      x3 = (n3 << 11) | (n3 >>> 21);
      const uAsk = (r + 0.5) * TWO_POW_32_INV;
      fs[f] = x0;
      fs[f + 1] = x1;
      fs[f + 2] = x2;
      fs[f + 3] = x3;

      // Passive fills, exactly as IntensitySimulator.act with no latency and no market order.
      let bidSize = sz === null ? size : actionToLots(sz, am.unit, actions[ad * i + 2]!);
      let askSize = sz === null ? size : actionToLots(sz, am.unit, actions[ad * i + 3]!);
      if (q + bidSize > limit) bidSize = 0;
      if (q - askSize < -limit) askSize = 0;
      let bought = 0;
      let sold = 0;
      if (bidSize > 0 && bid === bid) {
        if (uBid < A * Math.exp(-k * (s - bid)) * dt) {
          const fee = makerFee(fees, bid * bidSize * lot, bidSize);
          q += bidSize;
          cash -= bid * bidSize * lot + fee;
          bought = bidSize;
        }
      }
      if (askSize > 0 && ask === ask) {
        if (uAsk < A * Math.exp(-k * (ask - s)) * dt) {
          const fee = makerFee(fees, ask * askSize * lot, askSize);
          q -= askSize;
          cash += ask * askSize * lot - fee;
          sold = askSize;
        }
      }

      // Mid move (PriceProcess.step for ABM/GBM without regimes or jumps).
      let z: number;
      if (!gaussian) {
        z = (nextU32(ps, f) + 0.5) * TWO_POW_32_INV < 0.5 ? 1 : -1;
      } else if (hasSpare[i] === 1) {
        hasSpare[i] = 0;
        z = spare[i]!;
      } else {
        let u = 0;
        let v = 0;
        let ss = 0;
        do {
          u = 2 * ((nextU32(ps, f) + 0.5) * TWO_POW_32_INV) - 1;
          v = 2 * ((nextU32(ps, f) + 0.5) * TWO_POW_32_INV) - 1;
          ss = u * u + v * v;
        } while (ss >= 1 || ss === 0);
        const mult = Math.sqrt((-2 * Math.log(ss)) / ss);
        spare[i] = v * mult;
        hasSpare[i] = 1;
        z = u * mult;
      }
      s = gbm ? s * Math.exp(gbmDriftDt + volSqrtDt * z) : s + driftDt + volSqrtDt * z;

      // Accounting, reward, flags.
      const idx = stepIdx[i]! + 1;
      const t = idx * dt;
      const value = markToMarket(cash, q, lot, s);
      const dPnl = value - prevValue[i]!;
      const ended = idx >= steps || t >= tEnd;
      const cut = !ended && idx >= maxSteps;
      const pnl = pnlTerm(w, dPnl, value - value0[i]!, timeLeftFeature(t, tEnd, horizon), ended || cut);
      rewards[i] = stepReward(w, pnl, q, crossingAmount(deltaBid, deltaAsk), bought + sold, ended);
      term[i] = ended ? 1 : 0;
      trunc[i] = cut ? 1 : 0;
      infoPnl[i] = value - value0[i]!;
      infoInv[i] = q;
      infoFills[i] = (bought > 0 ? 1 : 0) + (sold > 0 ? 1 : 0);
      infoBought[i] = bought;
      infoSold[i] = sold;
      infoT[i] = t;

      const o = 2 * i;
      if (ended || cut) {
        fin[o] = inventoryFeature(q, invScale);
        fin[o + 1] = timeLeftFeature(t, tEnd, horizon);
        this.episode[i] = this.episode[i]! + 1;
        this.resetEnv(i);
      } else {
        mid[i] = s;
        inv[i] = q;
        cashArr[i] = cash;
        stepIdx[i] = idx;
        prevValue[i] = value;
        obs[o] = inventoryFeature(q, invScale);
        obs[o + 1] = timeLeftFeature(t, tEnd, horizon);
      }
    }
    return this.result;
  }

  /** Start env i's current episode (path i + k·N): reseed its streams, initial state, first observation. */
  private resetEnv(i: number): void {
    const sc = this.sc;
    const path = i + this.episode[i]! * this.n;
    seedXoshiro(this.priceState, 4 * i, deriveSeed2(this.seedHash, path, STREAM_PRICE));
    seedXoshiro(this.fillState, 4 * i, deriveSeed2(this.seedHash, path, STREAM_FILLS));
    this.hasSpare[i] = 0;
    this.spare[i] = 0;
    const s = sc.s0;
    const q = sc.initialInventoryLots;
    this.mid[i] = s;
    this.inv[i] = q;
    this.cash[i] = 0;
    this.stepIdx[i] = 0;
    const v = markToMarket(0, q, sc.lotSize, s);
    this.value0[i] = v;
    this.prevValue[i] = v;
    const o = this.obsDim * i;
    this.observations[o] = inventoryFeature(q, this.options.inventoryScale);
    this.observations[o + 1] = timeLeftFeature(0, this.tEnd, this.horizon);
  }
}

/** xoshiro128** step on the four words at `o` (the same algorithm as Rng.nextU32). */
function nextU32(st: Uint32Array, o: number): number {
  const s0 = st[o]!;
  const s1 = st[o + 1]!;
  const s2 = st[o + 2]!;
  const s3 = st[o + 3]!;
  const m = Math.imul(s1, 5);
  const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  st[o] = s0 ^ n3;
  st[o + 1] = s1 ^ n2;
  st[o + 2] = n2 ^ t;
  st[o + 3] = (n3 << 11) | (n3 >>> 21);
  return r;
}

/** Rng.reseed into the four words at `o`. */
function seedXoshiro(st: Uint32Array, o: number, seed: number): void {
  let x = seed >>> 0;
  x = mix32(x);
  const a = x;
  x = mix32(x);
  const b = x;
  x = mix32(x);
  const c = x;
  x = mix32(x);
  const d = x;
  st[o] = (a | b | c | d) === 0 ? 1 : a;
  st[o + 1] = b;
  st[o + 2] = c;
  st[o + 3] = d;
}

/** deriveSeed(seed, a, b) without the rest-parameter array; `seedHash` = mix32(seed >>> 0). */
export function deriveSeed2(seedHash: number, a: number, b: number): number {
  let h = mix32((seedHash ^ mix32(a >>> 0)) >>> 0);
  h = mix32((h ^ mix32(b >>> 0)) >>> 0);
  return h;
}
