/**
 * The stress schedule a simulator consults where it draws: a parsed stress list (./stress.ts) turned
 * into parallel typed arrays (kind, onset, end, magnitude, options) once, then looked up by time with
 * no allocation: `factorsAt(t, out)` writes the active factors into a small Float64Array (layout F_*
 * below), `displacement(t, level)` gives the flash-crash offset of the price path, and the latency
 * and fee wrappers adjust each draw by the factors at the time of the message or fill.
 *
 * A simulator without stresses holds no schedule (null) and takes none of these code paths, so its
 * random draws and numbers are bit-identical to before the stresses existed.
 *
 * Factor layout (neutral values when nothing is active):
 *   F_SIGMA        σ multiplier (volatility-spike × regime-shift), 1
 *   F_RATE         arrival-rate multiplier (liquidity-drought × regime-shift `rates`), 1
 *   F_LAT_MUL + 2p latency multiplier of path p (0 entry, 1 cancel, 2 marketData), 1
 *   F_LAT_ADD + 2p latency addition of path p (time units), 0
 *   F_TOXIC_SET    informed share set by the last active `op: set` surge, NaN for none
 *   F_TOXIC_ADD    informed share added, 0
 *   F_SPREAD       extra ticks of spread, 0
 *   F_MAKER_BPS    maker fee change (bps), 0
 *   F_TAKER_BPS    taker fee change (bps), 0
 */
import { LATENCY_PATHS, type StressSpec } from './stress';

export const F_SIGMA = 0;
export const F_RATE = 1;
export const F_LAT_MUL = 2;
export const F_LAT_ADD = 3;
export const F_TOXIC_SET = 8;
export const F_TOXIC_ADD = 9;
export const F_SPREAD = 10;
export const F_MAKER_BPS = 11;
export const F_TAKER_BPS = 12;
export const FACTOR_COUNT = 13;

const K_VOL = 1;
const K_DROUGHT = 2;
const K_LATENCY = 3;
const K_INFORMED = 4;
const K_REGIME = 5;
const K_CRASH = 6;
const K_SPREAD = 7;
const K_FEE = 8;

const KIND_CODE: Record<StressSpec['kind'], number> = {
  'volatility-spike': K_VOL,
  'liquidity-drought': K_DROUGHT,
  'latency-shock': K_LATENCY,
  'informed-flow-surge': K_INFORMED,
  'regime-shift': K_REGIME,
  'flash-crash': K_CRASH,
  'spread-blowout': K_SPREAD,
  'fee-change': K_FEE,
};

/** A latency model's shape (core/sim/models/latency.ts), restated so this layer imports no simulator. */
export interface TimedLatency {
  readonly name: string;
  entry(t: number): number;
  cancel(t: number): number;
  marketData(t: number): number;
}

/** A fee model's shape (core/sim/models/fee.ts): what a fill at time t costs. */
export interface TimedFee {
  readonly name: string;
  maker(notional: number, lots: number, t?: number): number;
  taker(notional: number, lots: number, t?: number): number;
}

export class StressSchedule {
  readonly count: number;
  private readonly kind: Uint8Array;
  private readonly onset: Float64Array;
  private readonly end: Float64Array;
  private readonly mag: Float64Array;
  /**
   * Per kind: latency-shock — bit mask of paths (1 entry, 2 cancel, 4 marketData) + 8 when it
   * multiplies; informed-flow-surge — 1 for `set`; regime-shift — the rates multiplier; flash-crash —
   * the half-life; fee-change — 1 maker, 2 taker, 3 both.
   */
  private readonly opt: Float64Array;
  /** Flash crashes: the price level captured at onset (NaN until then), per path. */
  private readonly level: Float64Array;
  private readonly scratch = new Float64Array(FACTOR_COUNT);

  constructor(readonly stresses: readonly StressSpec[]) {
    const n = stresses.length;
    this.count = n;
    this.kind = new Uint8Array(n);
    this.onset = new Float64Array(n);
    this.end = new Float64Array(n);
    this.mag = new Float64Array(n);
    this.opt = new Float64Array(n);
    this.level = new Float64Array(n).fill(Number.NaN);
    stresses.forEach((s, i) => {
      this.kind[i] = KIND_CODE[s.kind];
      this.onset[i] = s.onset;
      this.end[i] = s.onset + (s.duration ?? Number.POSITIVE_INFINITY);
      this.mag[i] = s.magnitude;
      switch (s.kind) {
        case 'latency-shock': {
          let mask = s.op === 'multiply' ? 8 : 0;
          for (const p of s.paths) mask |= 1 << LATENCY_PATHS.indexOf(p);
          this.opt[i] = mask;
          break;
        }
        case 'informed-flow-surge':
          this.opt[i] = s.op === 'set' ? 1 : 0;
          break;
        case 'regime-shift':
          this.opt[i] = s.rates;
          break;
        case 'flash-crash':
          this.opt[i] = s.halfLife;
          this.end[i] = Number.POSITIVE_INFINITY;
          break;
        case 'fee-change':
          this.opt[i] = s.side === 'maker' ? 1 : s.side === 'taker' ? 2 : 3;
          break;
        default:
          break;
      }
    });
  }

  /** A schedule for a stress list, or null when there is none (the simulators' fast, unchanged path). */
  static of(stresses: readonly StressSpec[] | undefined): StressSchedule | null {
    return stresses && stresses.length > 0 ? new StressSchedule(stresses) : null;
  }

  /** Whether any entry is of one of these kinds. */
  has(...kinds: StressSpec['kind'][]): boolean {
    return this.stresses.some((s) => kinds.includes(s.kind));
  }

  /** Forget the flash-crash levels (a new path). */
  reset(): void {
    this.level.fill(Number.NaN);
  }

  /** Write the factors active at session time t into `out` (length ≥ FACTOR_COUNT). */
  factorsAt(t: number, out: Float64Array): Float64Array {
    out[F_SIGMA] = 1;
    out[F_RATE] = 1;
    for (let p = 0; p < 3; p++) {
      out[F_LAT_MUL + 2 * p] = 1;
      out[F_LAT_ADD + 2 * p] = 0;
    }
    out[F_TOXIC_SET] = Number.NaN;
    out[F_TOXIC_ADD] = 0;
    out[F_SPREAD] = 0;
    out[F_MAKER_BPS] = 0;
    out[F_TAKER_BPS] = 0;
    for (let i = 0; i < this.count; i++) {
      if (!(t >= this.onset[i]! && t < this.end[i]!)) continue;
      const m = this.mag[i]!;
      const o = this.opt[i]!;
      switch (this.kind[i]) {
        case K_VOL:
          out[F_SIGMA]! *= m;
          break;
        case K_DROUGHT:
          out[F_RATE]! *= m;
          break;
        case K_REGIME:
          out[F_SIGMA]! *= m;
          out[F_RATE]! *= o;
          break;
        case K_LATENCY:
          for (let p = 0; p < 3; p++) {
            if ((o & (1 << p)) === 0) continue;
            if (o & 8) out[F_LAT_MUL + 2 * p]! *= m;
            else out[F_LAT_ADD + 2 * p]! += m;
          }
          break;
        case K_INFORMED:
          if (o === 1) out[F_TOXIC_SET] = m;
          else out[F_TOXIC_ADD]! += m;
          break;
        case K_SPREAD:
          out[F_SPREAD]! += m;
          break;
        case K_FEE:
          if (o & 1) out[F_MAKER_BPS]! += m;
          if (o & 2) out[F_TAKER_BPS]! += m;
          break;
        default:
          break;
      }
    }
    return out;
  }

  /** The informed share at factors `f` over a base share π (set, then add, clamped to [0, 1]). */
  static informedShare(f: Float64Array, base: number): number {
    const set = f[F_TOXIC_SET]!;
    const pi = (set === set ? set : base) + f[F_TOXIC_ADD]!;
    return pi < 0 ? 0 : pi > 1 ? 1 : pi;
  }

  /**
   * The flash-crash displacement of the price path at session time t: Σ m·S_onset·2^{−max(0, t −
   * onset − duration)/halfLife} over the crashes begun by t; `level` (the undisplaced price now) is
   * captured as S_onset the first time a crash is seen active.
   */
  displacement(t: number, level: number): number {
    let d = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.kind[i] !== K_CRASH || !(t >= this.onset[i]!)) continue;
      let s0 = this.level[i]!;
      if (!(s0 === s0)) s0 = this.level[i] = level;
      const hold = this.stresses[i]?.duration ?? 0;
      const after = t - this.onset[i]! - hold;
      d += this.mag[i]! * s0 * (after > 0 ? Math.pow(2, -after / this.opt[i]!) : 1);
    }
    return d;
  }

  /** Latency of path p (0 entry, 1 cancel, 2 marketData) for a base draw x at session time t. */
  latency(p: number, t: number, x: number): number {
    const f = this.factorsAt(t, this.scratch);
    return x * f[F_LAT_MUL + 2 * p]! + f[F_LAT_ADD + 2 * p]!;
  }

  /** Fee change in bps at session time t for a maker (true) or taker fill. */
  feeBps(t: number, maker: boolean): number {
    const f = this.factorsAt(t, this.scratch);
    return maker ? f[F_MAKER_BPS]! : f[F_TAKER_BPS]!;
  }
}

/**
 * `base` with every draw adjusted by the schedule at the send time: L(t)·f + a. `offset` converts
 * the model's clock to session time (t_session = t − offset; a replay's clock is tape seconds).
 * The base model is called exactly as often as before (same random draws).
 */
export function stressedLatency<L extends TimedLatency>(
  base: L,
  sched: StressSchedule,
  offset = 0,
): TimedLatency {
  return {
    name: `${base.name}+stress`,
    entry: (t) => sched.latency(0, t - offset, base.entry(t)),
    cancel: (t) => sched.latency(1, t - offset, base.cancel(t)),
    marketData: (t) => sched.latency(2, t - offset, base.marketData(t)),
  };
}

/**
 * `base` plus the fee change active at the fill time: fee + |notional|·Δbps/10⁴ (so the rate in bps
 * changes by exactly Δ). Fills without a time are charged the base fee.
 */
export function stressedFee(base: TimedFee, sched: StressSchedule, offset = 0): TimedFee {
  return {
    name: `${base.name}+stress`,
    maker: (notional, lots, t) =>
      base.maker(notional, lots, t) +
      (t === undefined ? 0 : (Math.abs(notional) * sched.feeBps(t - offset, true)) / 1e4),
    taker: (notional, lots, t) =>
      base.taker(notional, lots, t) +
      (t === undefined ? 0 : (Math.abs(notional) * sched.feeBps(t - offset, false)) / 1e4),
  };
}
