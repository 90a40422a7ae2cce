/**
 * Min/max decimation of a growing series (x strictly increasing), with a bounded number of points
 * however long it grows: the newest samples at full resolution (the tail) and everything older in
 * buckets of `k` consecutive samples, each drawn as its minimum and its maximum (in x order, one
 * point when they are the same sample), so a spike anywhere in the run stays visible. `k` is a power
 * of two that doubles (adjacent buckets merge, exactly) when the buckets would exceed their budget.
 *
 * The result depends only on the samples, not on how they arrived: pushing them one by one gives the
 * same points as `MinMaxDecimator.of(all)` (the batch definition below), so a history loaded in one
 * go and a live stream merge into the same series.
 *
 * Batch definition, for n samples p[0 … n), tail T and bound P:
 *   - head = p[0 … h) with h = 0 while n < 2T, else (⌊n/T⌋ − 1)·T; the tail p[h … n) has T … 2T − 1
 *     samples (the head grows T samples at a time, so a chart redraws the head once per T samples);
 *   - B = ⌊(P − 2T + 1) / 2⌋ buckets at most; k = the smallest power of two with ⌈h/k⌉ ≤ B;
 *   - bucket j = head[j·k … (j+1)·k) (the last one may be partial) → its minimum and its maximum (the
 *     first sample holding each), in x order;
 *   - points = the buckets' points, then the tail: ≤ 2B + 2T − 1 ≤ P.
 * Each push is O(1) amortized (a fold of T samples every T pushes, a merge of ≤ B buckets whenever
 * the head doubles); `points()` is O(P).
 */
import type { XY } from './step-grid';

export interface DecimatorOptions {
  /** Bound on the points of the series (default 2000). */
  maxPoints?: number;
  /** Newest samples kept at full resolution: between `tail` and 2·tail − 1 (default 256). */
  tail?: number;
}

export const DECIMATE_MAX_POINTS = 2000;
export const DECIMATE_TAIL = 256;

interface Bucket {
  min: XY;
  max: XY;
  count: number;
}

export class MinMaxDecimator {
  readonly maxPoints: number;
  readonly tail: number;
  /** Most buckets the head may hold. */
  readonly maxBuckets: number;
  private buckets: Bucket[] = [];
  private k = 1;
  private recent: XY[] = [];
  private n = 0;

  constructor(opts: DecimatorOptions = {}) {
    const P = opts.maxPoints ?? DECIMATE_MAX_POINTS;
    const T = opts.tail ?? DECIMATE_TAIL;
    if (!(Number.isInteger(T) && T >= 1))
      throw new RangeError(`MinMaxDecimator: tail must be an integer ≥ 1`);
    const B = Math.floor((P - 2 * T + 1) / 2);
    if (!(Number.isInteger(P) && B >= 1))
      throw new RangeError(`MinMaxDecimator: maxPoints must be an integer ≥ 2·tail + 1 (got ${P})`);
    this.maxPoints = P;
    this.tail = T;
    this.maxBuckets = B;
  }

  /** The batch result: every sample pushed in order. */
  static of(points: Iterable<XY>, opts: DecimatorOptions = {}): MinMaxDecimator {
    const d = new MinMaxDecimator(opts);
    for (const p of points) d.push(p);
    return d;
  }

  /** Samples accepted so far. */
  get count(): number {
    return this.n;
  }

  /** Samples per head bucket. */
  get bucketSize(): number {
    return this.k;
  }

  /** The oldest point of the series, if any. */
  get first(): XY | undefined {
    const b = this.buckets[0];
    if (b === undefined) return this.recent[0];
    return b.min.x <= b.max.x ? b.min : b.max;
  }

  /** The newest sample, if any. */
  get last(): XY | undefined {
    return this.recent[this.recent.length - 1];
  }

  /** Points the series has now (what `points()` returns, without building it). */
  get length(): number {
    let m = this.recent.length;
    for (const b of this.buckets) m += b.min === b.max ? 1 : 2;
    return m;
  }

  /**
   * Appends a sample; one whose x does not exceed the last one's is ignored (returns false). Returns
   * 'fold' when the head changed (the oldest tail samples went into buckets: the points before the
   * tail changed, a chart redraws the series), 'append' when only the tail grew by this sample.
   */
  push(p: XY): 'append' | 'fold' | false {
    const last = this.last;
    if (last !== undefined && !(p.x > last.x)) return false;
    this.recent.push(p);
    this.n++;
    const T = this.tail;
    if (this.recent.length < 2 * T) return 'append';
    for (let i = 0; i < T; i++) this.addToHead(this.recent[i]!);
    this.recent = this.recent.slice(T);
    return 'fold';
  }

  /** The decimated series: each bucket's min and max in x order, then the tail. */
  points(): XY[] {
    const out: XY[] = [];
    for (const b of this.buckets) {
      if (b.min === b.max) out.push(b.min);
      else if (b.min.x < b.max.x) out.push(b.min, b.max);
      else out.push(b.max, b.min);
    }
    for (const p of this.recent) out.push(p);
    return out;
  }

  /** An independent copy (same state: pushing the same samples to both keeps them equal). */
  clone(): MinMaxDecimator {
    const d = new MinMaxDecimator({ maxPoints: this.maxPoints, tail: this.tail });
    d.buckets = this.buckets.map((b) => ({ ...b }));
    d.k = this.k;
    d.recent = this.recent.slice();
    d.n = this.n;
    return d;
  }

  private addToHead(p: XY): void {
    const b = this.buckets[this.buckets.length - 1];
    if (b !== undefined && b.count < this.k) {
      if (p.y < b.min.y) b.min = p;
      if (p.y > b.max.y) b.max = p;
      b.count++;
    } else this.buckets.push({ min: p, max: p, count: 1 });
    if (this.buckets.length > this.maxBuckets) this.mergePairs();
  }

  /** k → 2k: buckets 2i and 2i + 1 become one (the earlier sample wins ties, as in the batch). */
  private mergePairs(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const l = this.buckets[i]!;
      const r = this.buckets[i + 1];
      if (r === undefined) merged.push(l);
      else
        merged.push({
          min: r.min.y < l.min.y ? r.min : l.min,
          max: r.max.y > l.max.y ? r.max : l.max,
          count: l.count + r.count,
        });
    }
    this.buckets = merged;
    this.k *= 2;
  }
}
