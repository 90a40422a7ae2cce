/**
 * Simulator validation (issue 11 §5, first half): run the calibrated book-mode simulator and compare
 * it with the dataset it was calibrated on, statistic by statistic.
 *
 * Both sides are reduced to a Tape: the top of book over time, the market orders (executions with the
 * same time and aggressor side grouped, as in flow-rates.ts) and, in the simulator, the fills of a
 * passive quoter that joins the best bid and ask with one lot (it sees the book after the scenario's
 * market-data latency). The simulated top of book is recorded after every background event (our own
 * order entries and cancels between two background events are not recorded separately: joining the best
 * does not move it, and the next background event records the state). Statistics of a tape:
 * - spread: time share at 1, 2 and ≥ 3 ticks, time-weighted mean in ticks;
 * - market orders and trade prints per second;
 * - volatility: sd of the mid's returns on a 1-s and a 10-s grid, per √s;
 * - clustering: autocorrelation of |r| of 10-s returns at lags 1 … 5;
 * - mark-out of passive fills at 1, 5 and 30 s: the mean of s·(mid(t + h) − mid(t−))/tick, s = +1 for
 *   the passive buyer (the real data: the resting side of each market order, i.e. minus the aggressor's
 *   side; the simulator: the same for its background market orders, and our quoter's fills).
 * Sampling error: the method of batch means (e.g. Law & Kelton, "Simulation Modeling and Analysis",
 *   §9.5.3): the span is cut into m equal blocks (m = 20, fewer when blocks would hold less than 10 s),
 *   the statistic computed on each, SE = sd(block values)/√m; the simulator's blocks are pooled over its
 *   paths. The autocorrelations use Bartlett's white-noise SE 1/√n instead (blocks are too short).
 * Tolerance: a statistic agrees when |sim − real| ≤ 2·√(SE_real² + SE_sim²) (the two-sided 95% band
 * of the difference of two independent estimates). It is a sampling-error criterion only: with a day of
 * data, a statistic can fail it by a practically small amount.
 */
import { BookSimulator } from '../sim/book-sim';
import { toBookScenario, type BookScenarioConfig } from '../sim/scenario';
import { BUY } from '../domain/side';
import { emptyDecision, emptyObservation } from '../strategy/quoter';
import type { DatasetArrays } from './dataset-arrays';

export const MARKOUT_HORIZONS = [1, 5, 30] as const;
export const ACF_LAGS = 5;

export interface Tape {
  start: number;
  end: number;
  tick: number;
  top: { t: ArrayLike<number>; bid: ArrayLike<number>; ask: ArrayLike<number> };
  /** Market orders: time and aggressor sign (+1 buyer-initiated). */
  market: { t: ArrayLike<number>; side: ArrayLike<number> };
  /** Times of the trade prints (one per maker fill). */
  prints: ArrayLike<number>;
  /** Our passive fills (simulator only): time and our side sign (+1 we bought). */
  ours?: { t: ArrayLike<number>; side: ArrayLike<number> };
}

export interface Estimate {
  value: number;
  se: number;
}

export interface TapeStats {
  seconds: number;
  spreadShare: { one: Estimate; two: Estimate; threePlus: Estimate };
  meanSpreadTicks: Estimate;
  marketOrdersPerSecond: Estimate;
  printsPerSecond: Estimate;
  sigma1s: Estimate;
  sigma10s: Estimate;
  absAcf10s: Estimate[];
  markout: Estimate[];
  markoutCount: number;
  oursMarkout: Estimate[] | null;
  oursFills: number;
}

interface BlockAcc {
  time: Float64Array; // per block
  spreadTime: Float64Array[]; // [1, 2, 3+] per block
  spreadTicksTime: Float64Array;
  mo: Float64Array;
  pr: Float64Array;
  r1: Float64Array;
  n1: Float64Array;
  r10: Float64Array;
  n10: Float64Array;
  mk: Float64Array[]; // per horizon
  mkN: Float64Array[];
  ok: Float64Array[];
  okN: Float64Array[];
}

function newAcc(m: number): BlockAcc {
  const z = (): Float64Array => new Float64Array(m);
  return {
    time: z(),
    spreadTime: [z(), z(), z()],
    spreadTicksTime: z(),
    mo: z(),
    pr: z(),
    r1: z(),
    n1: z(),
    r10: z(),
    n10: z(),
    mk: MARKOUT_HORIZONS.map(z),
    mkN: MARKOUT_HORIZONS.map(z),
    ok: MARKOUT_HORIZONS.map(z),
    okN: MARKOUT_HORIZONS.map(z),
  };
}

/** Mid (carried forward over one-sided rows) and the index lookup of a tape's top of book. */
function midLookup(tape: Tape): (x: number, strict: boolean) => number {
  const n = tape.top.t.length;
  const mid = new Float64Array(n);
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const b = tape.top.bid[i]!;
    const a = tape.top.ask[i]!;
    if (a > b) last = (a + b) / 2;
    mid[i] = last;
  }
  return (x, strict) => {
    let lo = 0;
    let hi = n; // first index with t > x (or ≥ x when strict)
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (strict ? tape.top.t[m]! < x : tape.top.t[m]! <= x) lo = m + 1;
      else hi = m;
    }
    return lo > 0 ? mid[lo - 1]! : Number.NaN;
  };
}

export function blockCount(seconds: number): number {
  return Math.max(2, Math.min(20, Math.floor(seconds / 10)));
}

/** Accumulate one tape into per-block sums (blocks of `tape`'s own span). */
function accumulate(tape: Tape, m: number, acc: BlockAcc, offset: number, acfRets: number[]): void {
  const { start, end, tick } = tape;
  const L = (end - start) / m;
  const blk = (t: number): number => Math.min(m - 1, Math.max(0, Math.floor((t - start) / L))) + offset;
  const mid = midLookup(tape);
  // spread time, split over block boundaries
  const n = tape.top.t.length;
  for (let i = 0; i < n; i++) {
    const a0 = Math.max(start, tape.top.t[i]!);
    const a1 = Math.min(end, i + 1 < n ? tape.top.t[i + 1]! : end);
    if (!(a1 > a0)) continue;
    const b = tape.top.bid[i]!;
    const a = tape.top.ask[i]!;
    if (!(a > b)) continue;
    const ticks = Math.round((a - b) / tick);
    const s = ticks <= 1 ? 0 : ticks === 2 ? 1 : 2;
    const k0 = blk(a0) - offset;
    const k1 = blk(a1) - offset;
    for (let k = k0; k <= k1; k++) {
      const lo = k === 0 ? -Infinity : start + k * L;
      const hi = k === m - 1 ? Infinity : start + (k + 1) * L;
      const dt = Math.min(a1, hi) - Math.max(a0, lo);
      if (!(dt > 0)) continue;
      acc.time[k + offset]! += dt;
      acc.spreadTime[s]![k + offset]! += dt;
      acc.spreadTicksTime[k + offset]! += ticks * dt;
    }
  }
  for (let i = 0; i < tape.prints.length; i++) {
    const t = tape.prints[i]!;
    if (t >= start && t <= end) acc.pr[blk(t)]!++;
  }
  for (let i = 0; i < tape.market.t.length; i++) {
    const t = tape.market.t[i]!;
    if (t < start || t > end) continue;
    acc.mo[blk(t)]!++;
    const m0 = mid(t, true);
    MARKOUT_HORIZONS.forEach((h, j) => {
      if (t + h > end) return;
      const d = (-tape.market.side[i]! * (mid(t + h, false) - m0)) / tick;
      if (Number.isFinite(d)) {
        acc.mk[j]![blk(t)]! += d;
        acc.mkN[j]![blk(t)]!++;
      }
    });
  }
  if (tape.ours !== undefined) {
    for (let i = 0; i < tape.ours.t.length; i++) {
      const t = tape.ours.t[i]!;
      const m0 = mid(t, true);
      MARKOUT_HORIZONS.forEach((h, j) => {
        if (t + h > end) return;
        const d = (tape.ours!.side[i]! * (mid(t + h, false) - m0)) / tick;
        if (Number.isFinite(d)) {
          acc.ok[j]![blk(t)]! += d;
          acc.okN[j]![blk(t)]!++;
        }
      });
    }
  }
  for (const [h, sum, cnt] of [
    [1, acc.r1, acc.n1],
    [10, acc.r10, acc.n10],
  ] as const) {
    let prev = mid(start, false);
    for (let t = start + h; t <= end + 1e-9; t += h) {
      const cur = mid(t, false);
      const r = cur - prev;
      if (Number.isFinite(r)) {
        sum[blk(t - h)]! += r * r;
        cnt[blk(t - h)]!++;
        if (h === 10) acfRets.push(r);
      }
      prev = cur;
    }
  }
}

function estimate(
  num: ArrayLike<number>,
  den: ArrayLike<number>,
  f: (x: number) => number = (x) => x,
): Estimate {
  let sn = 0;
  let sd = 0;
  const vals: number[] = [];
  for (let k = 0; k < num.length; k++) {
    sn += num[k]!;
    sd += den[k]!;
    if (den[k]! > 0) vals.push(f(num[k]! / den[k]!));
  }
  const value = sd > 0 ? f(sn / sd) : Number.NaN;
  if (vals.length < 2) return { value, se: Number.NaN };
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  const v = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1);
  return { value, se: Math.sqrt(v / vals.length) };
}

function acf(x: number[], lags: number): Estimate[] {
  const n = x.length;
  const m = x.reduce((a, b) => a + b, 0) / Math.max(1, n);
  let c0 = 0;
  for (const v of x) c0 += (v - m) ** 2;
  const out: Estimate[] = [];
  for (let k = 1; k <= lags; k++) {
    let c = 0;
    for (let i = k; i < n; i++) c += (x[i]! - m) * (x[i - k]! - m);
    out.push({ value: c0 > 0 && k < n ? c / c0 : Number.NaN, se: n > 0 ? 1 / Math.sqrt(n) : Number.NaN });
  }
  return out;
}

/** Statistics of one or more tapes (simulated paths are pooled: their blocks together). */
export function tapeStats(tapes: readonly Tape[], blocksPerTape?: number): TapeStats {
  const seconds = tapes.reduce((a, t) => a + (t.end - t.start), 0);
  const m = blocksPerTape ?? blockCount(tapes[0]!.end - tapes[0]!.start);
  const acc = newAcc(m * tapes.length);
  const absR: number[] = [];
  tapes.forEach((tape, i) => {
    const rets: number[] = [];
    accumulate(tape, m, acc, i * m, rets);
    for (const r of rets) absR.push(Math.abs(r));
  });
  const sqrt =
    (h: number) =>
    (x: number): number =>
      Math.sqrt(x / h);
  const mk = MARKOUT_HORIZONS.map((_, j) => estimate(acc.mk[j]!, acc.mkN[j]!));
  const ours = tapes.some((t) => t.ours !== undefined)
    ? MARKOUT_HORIZONS.map((_, j) => estimate(acc.ok[j]!, acc.okN[j]!))
    : null;
  return {
    seconds,
    spreadShare: {
      one: estimate(acc.spreadTime[0]!, acc.time),
      two: estimate(acc.spreadTime[1]!, acc.time),
      threePlus: estimate(acc.spreadTime[2]!, acc.time),
    },
    meanSpreadTicks: estimate(acc.spreadTicksTime, acc.time),
    marketOrdersPerSecond: estimate(acc.mo, acc.time),
    printsPerSecond: estimate(acc.pr, acc.time),
    sigma1s: estimate(acc.r1, acc.n1, sqrt(1)),
    sigma10s: estimate(acc.r10, acc.n10, sqrt(10)),
    absAcf10s: acf(absR, ACF_LAGS),
    markout: mk,
    markoutCount: acc.mkN[0]!.reduce((a, b) => a + b, 0),
    oursMarkout: ours,
    oursFills: tapes.reduce((a, t) => a + (t.ours?.t.length ?? 0), 0),
  };
}

/** The dataset as a tape (times in seconds from its first top-of-book row). */
export function datasetTape(d: DatasetArrays, tick: number): Tape {
  const t: number[] = [];
  const side: number[] = [];
  let lastT = Number.NaN;
  let lastS = 0;
  for (let i = 0; i < d.trades.t.length; i++) {
    const s = d.trades.side[i]!;
    if (s === 0) continue;
    if (d.trades.t[i] === lastT && s === lastS) continue;
    lastT = d.trades.t[i]!;
    lastS = s;
    t.push(lastT);
    side.push(s);
  }
  return {
    start: d.top.t[0]!,
    end: d.top.t[d.top.t.length - 1]!,
    tick,
    top: d.top,
    market: { t, side },
    prints: d.trades.t,
  };
}

/**
 * One simulated path of the calibrated scenario with a passive quoter joining the best bid and ask
 * (one lot each side), as a tape. `stop` is polled once per decision.
 */
export function simulateTape(
  sc: BookScenarioConfig,
  seed: number,
  pathIndex: number,
  stop?: () => void,
): Tape {
  const scenario = toBookScenario(sc);
  const sim = new BookSimulator(scenario);
  const tick = scenario.tickSize;
  const tt: number[] = [];
  const bb: number[] = [];
  const aa: number[] = [];
  const mt: number[] = [];
  const ms: number[] = [];
  const pt: number[] = [];
  let lastT = Number.NaN;
  let lastS = 0;
  sim.onBookEvent = () => {
    const t = sim.now();
    if (t < 0) return;
    tt.push(t);
    bb.push(sim.book.bestBid() * tick);
    aa.push(sim.book.bestAsk() * tick);
  };
  sim.onTrade = (t, _price, _size, aggressor, ours) => {
    if (t < 0 || ours) return;
    pt.push(t);
    const s = aggressor === BUY ? 1 : -1;
    if (t === lastT && s === lastS) return;
    lastT = t;
    lastS = s;
    mt.push(t);
    ms.push(s);
  };
  const obs = emptyObservation();
  const dec = emptyDecision();
  sim.reset(seed, pathIndex);
  // the book at t = 0 (after the warm-up)
  tt.unshift(0);
  bb.unshift(sim.book.bestBid() * tick);
  aa.unshift(sim.book.bestAsk() * tick);
  while (sim.observe(obs)) {
    stop?.();
    dec.bidPrice = obs.bestBid;
    dec.askPrice = obs.bestAsk;
    dec.bidSize = Number.isFinite(obs.bestBid) ? 1 : 0;
    dec.askSize = Number.isFinite(obs.bestAsk) ? 1 : 0;
    dec.marketOrderLots = 0;
    sim.act(dec);
  }
  const fills = sim.result().fills;
  const ot: number[] = [];
  const os: number[] = [];
  for (let i = 0; i < fills.count; i++) {
    ot.push(fills.t[i]!);
    os.push(fills.side[i] === BUY ? 1 : -1);
  }
  return {
    start: 0,
    end: scenario.horizon,
    tick,
    top: { t: tt, bid: bb, ask: aa },
    market: { t: mt, side: ms },
    prints: pt,
    ours: { t: ot, side: os },
  };
}

export interface Comparison {
  statistic: string;
  real: Estimate;
  sim: Estimate;
  /** |sim − real| / √(SE_real² + SE_sim²); NaN without standard errors. */
  z: number;
  agrees: boolean | null;
}

export function compare(real: TapeStats, sim: TapeStats): Comparison[] {
  const rows: [string, Estimate, Estimate][] = [
    ['spread share 1 tick', real.spreadShare.one, sim.spreadShare.one],
    ['spread share 2 ticks', real.spreadShare.two, sim.spreadShare.two],
    ['spread share ≥3 ticks', real.spreadShare.threePlus, sim.spreadShare.threePlus],
    ['mean spread (ticks)', real.meanSpreadTicks, sim.meanSpreadTicks],
    ['market orders per s', real.marketOrdersPerSecond, sim.marketOrdersPerSecond],
    ['trade prints per s', real.printsPerSecond, sim.printsPerSecond],
    ['σ of 1-s mid returns (per √s)', real.sigma1s, sim.sigma1s],
    ['σ of 10-s mid returns (per √s)', real.sigma10s, sim.sigma10s],
    ...real.absAcf10s.map(
      (e, k) => [`acf of |r| (10 s), lag ${k + 1}`, e, sim.absAcf10s[k]!] as [string, Estimate, Estimate],
    ),
    ...MARKOUT_HORIZONS.map(
      (h, j) =>
        [`mark-out ${h} s, passive side of market orders (ticks)`, real.markout[j]!, sim.markout[j]!] as [
          string,
          Estimate,
          Estimate,
        ],
    ),
    ...(sim.oursMarkout === null
      ? []
      : MARKOUT_HORIZONS.map(
          (h, j) =>
            [
              `mark-out ${h} s, our passive fills vs real passive side (ticks)`,
              real.markout[j]!,
              sim.oursMarkout![j]!,
            ] as [string, Estimate, Estimate],
        )),
  ];
  return rows.map(([statistic, r, s]) => {
    const se = Math.sqrt(r.se ** 2 + s.se ** 2);
    const z = Math.abs(s.value - r.value) / se;
    return { statistic, real: r, sim: s, z, agrees: Number.isFinite(z) ? z <= 2 : null };
  });
}
