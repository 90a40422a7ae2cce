/**
 * Latency interpolated from a capture's own timestamps: each recorded event has an exchange time and
 * the time the capture host received it. Their difference d = local − exchange is the feed delay plus
 * the host clock's offset from the venue's clock, which is unknown; we take the smallest difference
 * seen in the whole capture as "no delay" (the fastest message arrived in `floor` seconds), so
 *
 *     feed delay(t) = floor + (d̄(t) − min d),
 *
 * where d̄(t) is the mean of d over the one-second bucket containing t, linearly interpolated between
 * bucket centres (constant beyond the first and last). Order entry and cancel delays are the feed
 * delay times `orderMultiplier` (default 1): a capture records how fast market data reached us, not
 * how fast our orders reach the venue — hftbacktest's interpolated order latency needs recorded order
 * round trips, which a market-data capture does not have. The assumption is stated in docs.
 */
import type { LatencyModel } from '../sim/models/latency';
import type { ReplayTape } from './tape';

export interface RecordedLatencyOptions {
  /** Delay of the fastest recorded message, seconds (default 0). */
  floor?: number;
  /** Order entry and cancel delay = feed delay × this (default 1). */
  orderMultiplier?: number;
  /** Bucket width in seconds (default 1). */
  bucket?: number;
}

export class RecordedLatency implements LatencyModel {
  readonly name = 'recorded';
  /** Bucket centres (s, tape time) and the feed delay there (s). */
  readonly times: Float64Array;
  readonly delays: Float64Array;
  readonly minDelay: number;
  private readonly mult: number;

  constructor(tape: ReplayTape, opts: RecordedLatencyOptions = {}) {
    const d = tape.delay;
    if (d === null)
      throw new RangeError(`dataset ${tape.id} records no receive times: use a constant latency`);
    const floor = opts.floor ?? 0;
    const width = opts.bucket ?? 1;
    this.mult = opts.orderMultiplier ?? 1;
    if (!(floor >= 0) || !(width > 0) || !(this.mult >= 0))
      throw new RangeError('recorded latency: floor ≥ 0, bucket > 0 and orderMultiplier ≥ 0 are required');
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < tape.count; i++) if (d[i]! < min) min = d[i]!;
    this.minDelay = min;
    const t0 = tape.count > 0 ? tape.t[0]! : 0;
    const buckets = Math.max(
      1,
      Math.floor(((tape.count > 0 ? tape.t[tape.count - 1]! : 0) - t0) / width) + 1,
    );
    const sum = new Float64Array(buckets);
    const cnt = new Float64Array(buckets);
    for (let i = 0; i < tape.count; i++) {
      const x = d[i]!;
      if (x !== x) continue;
      const b = Math.min(buckets - 1, Math.floor((tape.t[i]! - t0) / width));
      sum[b]! += x;
      cnt[b]! += 1;
    }
    let m = 0;
    for (let b = 0; b < buckets; b++) if (cnt[b]! > 0) m++;
    this.times = new Float64Array(m);
    this.delays = new Float64Array(m);
    let k = 0;
    for (let b = 0; b < buckets; b++) {
      if (cnt[b]! === 0) continue;
      this.times[k] = t0 + (b + 0.5) * width;
      this.delays[k] = floor + sum[b]! / cnt[b]! - min;
      k++;
    }
  }

  /** Feed delay at tape time t (s). */
  feed(t: number): number {
    const ts = this.times;
    const n = ts.length;
    if (n === 0) return 0;
    if (t <= ts[0]!) return this.delays[0]!;
    if (t >= ts[n - 1]!) return this.delays[n - 1]!;
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ts[mid]! <= t) lo = mid;
      else hi = mid;
    }
    const w = (t - ts[lo]!) / (ts[hi]! - ts[lo]!);
    return this.delays[lo]! + w * (this.delays[hi]! - this.delays[lo]!);
  }

  entry(t: number): number {
    return this.feed(t) * this.mult;
  }

  cancel(t: number): number {
    return this.feed(t) * this.mult;
  }

  marketData(t: number): number {
    return this.feed(t);
  }
}
