/**
 * Order-flow rates by distance from the mid, and order-size distributions: the zero-intelligence
 * parameters of the book simulator (core/sim/book-sim.ts: λ_L, depthMeanTicks, θ, μ, log-normal sizes),
 * measured on a catalog dataset (issue 11 §3). The model being calibrated is that of Smith, Farmer,
 * Gillemot & Krishnamurthy (2003) and Cont, Stoikov & Talreja (2010, §2 and §3.1: arrival rates λ(i)
 * of limit orders at distance i ticks, cancel rate θ(i) per order, market order rate μ, estimated as
 * counts over the time or the order-time at risk).
 *
 * Distance in ticks, the simulator's convention: a bid at price p with the mid m (both in ticks) is at
 * d = ⌈m − p⌉, an ask at d = ⌈p − m⌉ (a bid at the best of a one-tick spread is at d = 1; so is an order
 * improving a two-tick spread). The mid is the one just before the event. Distances 1 … `maxTicks` are
 * binned; an order at d ≤ 0 (crossing the mid) or beyond the cap is counted apart.
 *
 * L3 (LOBSTER kinds add / partialCancel / delete / execute, with order ids):
 * - arrivals: every add at its distance at arrival; rate per side = count / (2 T), T the span;
 * - cancels: a delete of an order whose add was seen, at its distance when cancelled; the exposure is
 *   order-seconds: for every interval between events, the number of resting (seen) orders at each
 *   distance × the interval. θ(d) = cancels(d) / orderSeconds(d), the Poisson MLE of a constant per-order
 *   rate (Cont et al. 2010, eq. 3.2). Deletes of orders added before the data starts are counted as
 *   `unseenCancels` and left out of both (their resting time is unknown); partial cancels are counted
 *   apart (the simulator cancels whole orders).
 * L2 (levelSet events carrying the new absolute size of a level; snapshot levels set the book):
 * - per level update, Δ = new − old size and e = the size traded at that level (maker side) since its
 *   last update; arrivals = max(0, Δ + e), cancelled = max(0, −Δ − e) (the minimal split: one update
 *   cannot tell an arrival and a cancel apart when both happened); an update with arrivals > 0 is one
 *   arriving order of that size (an approximation: a venue message aggregates);
 * - θ(d) = cancelled volume(d) / resting volume-seconds(d): under per-order cancellation at rate θ the
 *   cancelled volume per second is θ × the resting volume, so this is the same θ.
 * Market orders: executions with the same timestamp and aggressor side are one market order (LOBSTER
 * splits a market order into one execution per resting order it hits; Binance one trade per maker);
 * rate per side = orders / (2 T); size = the sum.
 * Sizes: log-normal by maximum likelihood on ln(size / lot): μ̂ = mean, σ̂ = standard deviation with
 * divisor n; intervals μ̂ ± z σ̂/√n and σ̂ (1 ± z/√(2n)) (asymptotic normal; the simulator draws
 * exp(μ + σZ) lots, rounded, at least 1).
 * Rate intervals: Wald on the log of a Poisson rate, rate · exp(±z/√count) (approximate for L2
 * volumes, where the count is the number of cancelling updates).
 * Levels are tracked in a dense window of ±`windowTicks` around the first mid (levels outside it, e.g.
 * a crypto snapshot's far levels, cannot be within `maxTicks` of the mid unless the price moves that
 * far; they are ignored and counted in `outsideWindow`).
 */
import { EVENT_KIND } from '../data/catalog';
import { twoSidedZ } from './intensity';

export interface LogNormalFit {
  n: number;
  mu: number;
  sigma: number;
  ciMu: [number, number];
  ciSigma: [number, number];
  /** Arithmetic mean of the sizes (lots), for comparison with exp(μ + σ²/2). */
  mean: number;
}

export interface DistanceBin {
  ticks: number;
  arrivals: number;
  /** Arrivals per second per side at this distance. */
  arrivalRate: number;
  cancels: number;
  /** Order-seconds (L3) or volume-seconds in lots (L2) resting at this distance. */
  exposure: number;
  /** Cancels (L3) or cancelled lots (L2) per exposure unit per second; NaN without exposure. */
  cancelRate: number;
  cancelRateCi: [number, number];
}

export interface FlowRates {
  level: 'L3' | 'L2';
  seconds: number;
  tick: number;
  lot: number;
  maxTicks: number;
  bins: DistanceBin[];
  /** Limit-order arrivals per second per side within 1 … maxTicks (the simulator's λ_L). */
  limitRate: number;
  limitRateCi: [number, number];
  /** Mean distance of those arrivals (the simulator's depthMeanTicks, geometric MLE). */
  depthMeanTicks: number;
  /** Pooled cancel rate over 1 … maxTicks (the simulator's θ). */
  cancelRate: number;
  cancelRateCi: [number, number];
  marketOrders: number;
  /** Market orders per second per side (the simulator's μ). */
  marketRate: number;
  marketRateCi: [number, number];
  limitSize: LogNormalFit | null;
  marketSize: LogNormalFit | null;
  /** Arrivals at d ≤ 0 and beyond maxTicks. */
  arrivalsInside: number;
  arrivalsBeyond: number;
  partialCancels: number;
  unseenCancels: number;
  outsideWindow: number;
}

/** Events in source order; times in seconds; `midBefore` the mid just before each event (NaN if none). */
export interface FlowEvents {
  t: ArrayLike<number>;
  kind: ArrayLike<number>;
  orderId: ArrayLike<number>;
  side: ArrayLike<number>;
  price: ArrayLike<number>;
  size: ArrayLike<number>;
  midBefore: ArrayLike<number>;
  /** Best bid and ask just before each event (needed with `atBestOnly`). */
  bidBefore?: ArrayLike<number>;
  askBefore?: ArrayLike<number>;
}

export interface FlowRatesOptions {
  tick: number;
  lot: number;
  maxTicks?: number;
  windowTicks?: number;
  level?: number;
  /** Span in seconds (default: last − first event time). */
  seconds?: number;
  /**
   * Level-1 data (a LOBSTER level-1 file carries only the messages that touch the best quotes): count
   * exposure and cancels only for orders at the best price of their side, where the file sees them.
   */
  atBestOnly?: boolean;
}

export function fitLogNormal(sizes: ArrayLike<number>, level = 0.95): LogNormalFit | null {
  const n = sizes.length;
  if (n < 2) return null;
  let s = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    s += Math.log(sizes[i]!);
    m += sizes[i]!;
  }
  const mu = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (Math.log(sizes[i]!) - mu) ** 2;
  const sigma = Math.sqrt(v / n);
  const z = twoSidedZ(level);
  return {
    n,
    mu,
    sigma,
    ciMu: [mu - (z * sigma) / Math.sqrt(n), mu + (z * sigma) / Math.sqrt(n)],
    ciSigma: [sigma * (1 - z / Math.sqrt(2 * n)), sigma * (1 + z / Math.sqrt(2 * n))],
    mean: m / n,
  };
}

/** Poisson rate count/exposure with a Wald interval on its log; NaN (and NaN bounds) without exposure. */
export function poissonRate(
  count: number,
  exposure: number,
  z: number,
): { rate: number; ci: [number, number] } {
  if (!(exposure > 0)) return { rate: Number.NaN, ci: [Number.NaN, Number.NaN] };
  const rate = count / exposure;
  if (count === 0) return { rate, ci: [0, Number.NaN] };
  const f = Math.exp(z / Math.sqrt(count));
  return { rate, ci: [rate / f, rate * f] };
}

/** Distance in ticks of an order at `priceTicks` on `side` (1 buy, −1 sell) from the mid (ticks). */
export function distanceTicks(side: number, priceTicks: number, midTicks: number): number {
  const d = side > 0 ? Math.ceil(midTicks - priceTicks - 1e-9) : Math.ceil(priceTicks - midTicks - 1e-9);
  return d + 0; // no −0
}

export function flowRates(ev: FlowEvents, opts: FlowRatesOptions): FlowRates {
  const n = ev.t.length;
  const tick = opts.tick;
  const lot = opts.lot;
  const cap = opts.maxTicks ?? 50;
  const W = opts.windowTicks ?? 20_000;
  const z = twoSidedZ(opts.level ?? 0.95);
  if (n === 0) throw new RangeError('flowRates: no events');
  const seconds = opts.seconds ?? ev.t[n - 1]! - ev.t[0]!;
  if (!(seconds > 0)) throw new RangeError('flowRates: the events span no time');
  let firstMid = Number.NaN;
  for (let i = 0; i < n && !Number.isFinite(firstMid); i++) firstMid = ev.midBefore[i]!;
  if (!Number.isFinite(firstMid))
    for (let i = 0; i < n && !Number.isFinite(firstMid); i++) if (ev.price[i]! > 0) firstMid = ev.price[i]!;
  const base = Math.round(firstMid / tick) - W;
  const size = 2 * W + 1;
  // Resting book in the window: count of seen orders (L3) and volume in lots (both), per side.
  const cnt = [new Float64Array(size), new Float64Array(size)]; // [bid, ask]
  const vol = [new Float64Array(size), new Float64Array(size)];
  const pending = [new Float64Array(size), new Float64Array(size)]; // L2: traded lots since last update
  const sideIx = (side: number): number => (side > 0 ? 0 : 1);
  const arrivals = new Float64Array(cap + 1);
  const cancels = new Float64Array(cap + 1);
  const cancelEvents = new Float64Array(cap + 1);
  const exposure = new Float64Array(cap + 1);
  const orders = new Map<number, { side: number; p: number; q: number; seen: boolean }>();
  const limitSizes: number[] = [];
  const marketSizes: number[] = [];
  let l3 = false;
  let arrivalsInside = 0;
  let arrivalsBeyond = 0;
  let partialCancels = 0;
  let unseenCancels = 0;
  let outsideWindow = 0;
  let moSide = 0;
  let moT = Number.NaN;
  let moSize = 0;
  const flushMarket = (): void => {
    if (moSize > 0) marketSizes.push(moSize);
    moSize = 0;
    moSide = 0;
  };
  const atBest = opts.atBestOnly === true;
  if (atBest && (ev.bidBefore === undefined || ev.askBefore === undefined))
    throw new RangeError('flowRates: atBestOnly needs bidBefore and askBefore');
  const isAtBest = (side: number, p: number, i: number): boolean => {
    const best = Math.round((side > 0 ? ev.bidBefore : ev.askBefore)![i]! / tick);
    return side > 0 ? p >= best : p <= best;
  };
  const bin = (side: number, p: number, mid: number): number =>
    Number.isFinite(mid) ? distanceTicks(side, p, mid / tick) : Number.NaN;
  let tPrev = ev.t[0]!;
  for (let i = 0; i < n; i++) {
    const t = ev.t[i]!;
    const mid = ev.midBefore[i]!;
    const dt = t - tPrev; // sources interleaved by receive time may step back in exchange time
    if (t > tPrev) tPrev = t;
    // Exposure of the interval before this event: the book as it was, at the mid before this event.
    if (dt > 0 && Number.isFinite(mid) && atBest) {
      for (const sd of [1, -1]) {
        const best = (sd > 0 ? ev.bidBefore : ev.askBefore)![i]!;
        if (!Number.isFinite(best)) continue;
        const pb = Math.round(best / tick);
        const d = distanceTicks(sd, pb, mid / tick);
        const k = pb - base;
        if (d >= 1 && d <= cap && k >= 0 && k < size)
          exposure[d]! += (l3 ? cnt[sideIx(sd)]![k]! : vol[sideIx(sd)]![k]!) * dt;
      }
    } else if (dt > 0 && Number.isFinite(mid)) {
      const m = mid / tick;
      const usesCount = l3;
      for (let d = 1; d <= cap; d++) {
        const pb = Math.ceil(m - d - 1e-9) - base; // bid at distance d
        const pa = Math.floor(m + d + 1e-9) - base; // ask at distance d
        let x = 0;
        if (pb >= 0 && pb < size) x += (usesCount ? cnt[0]![pb] : vol[0]![pb])!;
        if (pa >= 0 && pa < size) x += (usesCount ? cnt[1]![pa] : vol[1]![pa])!;
        exposure[d]! += x * dt;
      }
    }
    const kind = ev.kind[i]!;
    const side = ev.side[i]!;
    const pT = Math.round(ev.price[i]! / tick);
    const j = pT - base;
    const inWin = j >= 0 && j < size;
    const q = ev.size[i]! / lot;
    const isTrade =
      kind === EVENT_KIND.execute || kind === EVENT_KIND.hiddenExecute || kind === EVENT_KIND.trade;
    if (isTrade) {
      // aggressor: LOBSTER executions carry the resting order's side, trades the aggressor's
      const aggressor = kind === EVENT_KIND.trade ? side : -side;
      if (aggressor !== 0) {
        if (!(t === moT && aggressor === moSide)) flushMarket();
        moT = t;
        moSide = aggressor;
        moSize += q;
      }
    }
    switch (kind) {
      case EVENT_KIND.add: {
        l3 = true;
        const d = bin(side, pT, mid);
        if (d >= 1 && d <= cap) arrivals[d]!++;
        else if (d <= 0) arrivalsInside++;
        else if (d > cap) arrivalsBeyond++;
        limitSizes.push(q);
        orders.set(ev.orderId[i]!, { side, p: pT, q, seen: true });
        if (inWin) {
          cnt[sideIx(side)]![j]!++;
          vol[sideIx(side)]![j]! += q;
        } else outsideWindow++;
        break;
      }
      case EVENT_KIND.partialCancel:
      case EVENT_KIND.execute:
      case EVENT_KIND.delete: {
        l3 = true;
        const o = orders.get(ev.orderId[i]!);
        if (o === undefined) {
          if (kind === EVENT_KIND.delete) unseenCancels++;
          break;
        }
        const k = o.p - base;
        const ok = k >= 0 && k < size;
        const s = sideIx(o.side);
        const gone = kind === EVENT_KIND.delete ? o.q : Math.min(o.q, q);
        o.q -= gone;
        if (ok) vol[s]![k]! -= gone;
        if (kind === EVENT_KIND.partialCancel) partialCancels++;
        if (kind === EVENT_KIND.delete) {
          const d = bin(o.side, o.p, mid);
          if (d >= 1 && d <= cap && (!atBest || isAtBest(o.side, o.p, i))) {
            cancels[d]!++;
            cancelEvents[d]!++;
          }
        }
        if (o.q <= 1e-12 || kind === EVENT_KIND.delete) {
          orders.delete(ev.orderId[i]!);
          if (ok) {
            cnt[s]![k]!--;
            if (cnt[s]![k]! <= 0) vol[s]![k] = 0; // clear rounding residue
          }
        }
        break;
      }
      case EVENT_KIND.snapshotLevel: {
        if (inWin) {
          vol[sideIx(side)]![j] = q;
          pending[sideIx(side)]![j] = 0;
        } else outsideWindow++;
        break;
      }
      case EVENT_KIND.levelSet: {
        if (!inWin) {
          outsideWindow++;
          break;
        }
        const s = sideIx(side);
        const delta = q - vol[s]![j]!;
        const e = pending[s]![j]!;
        pending[s]![j] = 0;
        vol[s]![j] = q;
        const arrived = Math.max(0, delta + e);
        const cancelled = Math.max(0, -delta - e);
        const d = bin(side, pT, mid);
        if (arrived > 1e-12) {
          if (d >= 1 && d <= cap) arrivals[d]!++;
          else if (d <= 0) arrivalsInside++;
          else if (d > cap) arrivalsBeyond++;
          limitSizes.push(arrived);
        }
        if (cancelled > 1e-12 && d >= 1 && d <= cap) {
          cancels[d]! += cancelled;
          cancelEvents[d]!++;
        }
        break;
      }
      case EVENT_KIND.trade: {
        // the maker side's level at this price loses what traded (explained decreases)
        if (inWin && side !== 0) pending[sideIx(-side)]![j]! += q;
        break;
      }
      default:
        break;
    }
  }
  flushMarket();
  const bins: DistanceBin[] = [];
  let aTot = 0;
  let aDist = 0;
  let cTot = 0;
  let ceTot = 0;
  let eTot = 0;
  for (let d = 1; d <= cap; d++) {
    const r = poissonRate(cancels[d]!, exposure[d]!, z);
    // the interval is driven by the number of cancelling events (equal to cancels for L3)
    const f = cancelEvents[d]! > 0 ? Math.exp(z / Math.sqrt(cancelEvents[d]!)) : Number.NaN;
    bins.push({
      ticks: d,
      arrivals: arrivals[d]!,
      arrivalRate: arrivals[d]! / (2 * seconds),
      cancels: cancels[d]!,
      exposure: exposure[d]!,
      cancelRate: r.rate,
      cancelRateCi: cancelEvents[d]! > 0 ? [r.rate / f, r.rate * f] : r.ci,
    });
    aTot += arrivals[d]!;
    aDist += d * arrivals[d]!;
    cTot += cancels[d]!;
    ceTot += cancelEvents[d]!;
    eTot += exposure[d]!;
  }
  const lr = poissonRate(aTot, 2 * seconds, z);
  const mr = poissonRate(marketSizes.length, 2 * seconds, z);
  const cr = poissonRate(cTot, eTot, z);
  const fc = ceTot > 0 ? Math.exp(z / Math.sqrt(ceTot)) : Number.NaN;
  return {
    level: l3 ? 'L3' : 'L2',
    seconds,
    tick,
    lot,
    maxTicks: cap,
    bins,
    limitRate: lr.rate,
    limitRateCi: lr.ci,
    depthMeanTicks: aTot > 0 ? aDist / aTot : Number.NaN,
    cancelRate: cr.rate,
    cancelRateCi: ceTot > 0 ? [cr.rate / fc, cr.rate * fc] : cr.ci,
    marketOrders: marketSizes.length,
    marketRate: mr.rate,
    marketRateCi: mr.ci,
    limitSize: fitLogNormal(limitSizes, opts.level),
    marketSize: fitLogNormal(marketSizes, opts.level),
    arrivalsInside,
    arrivalsBeyond,
    partialCancels,
    unseenCancels,
    outsideWindow,
  };
}
