/**
 * A regular grid for index-spaced charts. lightweight-charts places points by index, not by their
 * horizontal value, so samples at irregular x (training steps 80, 4430, 4740) would be drawn evenly
 * spaced. Here every series is put on buckets k·width (k integer) with every bucket between its first
 * and last sample present: a bucket holding samples takes the last of them, an empty bucket takes the
 * straight line between its neighbouring samples (what a line chart on a proportional axis draws
 * anyway). Series that share a chart share the grid, so the union of their times is regular too and
 * index spacing equals x spacing.
 *
 * The width is a "nice" number (1, 2 or 5 × 10^n) chosen so the span holds at most `maxBuckets`
 * buckets; it only grows (then the caller re-grids everything).
 */

export interface XY {
  x: number;
  y: number;
}

/** The smallest 1/2/5 × 10^n ≥ max(1, span / maxBuckets). */
export function niceGridWidth(span: number, maxBuckets: number): number {
  const raw = Math.max(1, span / maxBuckets);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw - 1e-9) return m * p;
  return 10 * p;
}

/** Bucket index of x on a grid of `width`. */
export function bucketOf(x: number, width: number): number {
  return Math.floor(x / width + 1e-9);
}

/**
 * Appends sample `p` to a gridded series whose last bucket is `lastK` (last sample `prev`), calling
 * `emit(x, y)` for each bucket it fills or replaces, in order. Returns the new last bucket.
 */
export function appendOnGrid(
  prev: XY | null,
  lastK: number,
  p: XY,
  width: number,
  emit: (x: number, y: number) => void,
): number {
  let k = bucketOf(p.x, width);
  if (prev === null) {
    emit(k * width, p.y);
    return k;
  }
  if (k < lastK) k = lastK;
  for (let j = lastK + 1; j < k; j++) {
    const x = j * width;
    const f = (x - prev.x) / (p.x - prev.x);
    emit(x, prev.y + (p.y - prev.y) * Math.min(1, Math.max(0, f)));
  }
  emit(k * width, p.y);
  return k;
}

/** A whole series on the grid (what `appendOnGrid` would emit, last value per bucket). */
export function toGrid(points: readonly XY[], width: number): XY[] {
  const out: XY[] = [];
  let prev: XY | null = null;
  let lastK = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    if (prev !== null && p.x <= prev.x) continue;
    lastK = appendOnGrid(prev, lastK, p, width, (x, y) => {
      const last = out[out.length - 1];
      if (last && last.x === x) last.y = y;
      else out.push({ x, y });
    });
    prev = p;
  }
  return out;
}

/**
 * A regular grid that keeps each bucket's extremes: buckets of width 2·slot, each drawn as two points
 * at k·2·slot and k·2·slot + slot — the bucket's minimum and maximum sample, the earlier one first
 * (the same value twice when the bucket holds one sample or a constant) — so a spike inside a bucket
 * stays visible; empty buckets between samples take the straight line between their neighbours at
 * both slot times. Every slot between the first and the last is present (index spacing = x spacing).
 *
 * `push` appends a sample and emits the slots it fills or changes, in order; `replace` is true for a
 * slot that already exists and is not the last (the first slot of the current bucket when its
 * extremes change: lightweight-charts' `update(point, true)`). Amortized O(1) per sample.
 */
export class MinMaxGrid {
  private prev: XY | null = null;
  private k = Number.NEGATIVE_INFINITY;
  private lo: XY | null = null;
  private hi: XY | null = null;

  constructor(readonly slot: number) {}

  get bucketWidth(): number {
    return 2 * this.slot;
  }

  push(p: XY, emit: (x: number, y: number, replace: boolean) => void): void {
    const prev = this.prev;
    if (prev !== null && !(p.x > prev.x)) return;
    const w = 2 * this.slot;
    const k = Math.max(bucketOf(p.x, w), this.k);
    if (prev !== null && k === this.k && this.lo !== null && this.hi !== null) {
      const lo = p.y < this.lo.y ? p : this.lo;
      const hi = p.y > this.hi.y ? p : this.hi;
      if (lo !== this.lo || hi !== this.hi) {
        this.lo = lo;
        this.hi = hi;
        const [a, b] = lo.x <= hi.x ? [lo, hi] : [hi, lo];
        emit(k * w, a.y, true);
        emit(k * w + this.slot, b.y, false);
      }
      this.prev = p;
      return;
    }
    if (prev !== null)
      for (let j = this.k + 1; j < k; j++)
        for (const x of [j * w, j * w + this.slot]) {
          const f = (x - prev.x) / (p.x - prev.x);
          emit(x, prev.y + (p.y - prev.y) * Math.min(1, Math.max(0, f)), false);
        }
    this.k = k;
    this.lo = p;
    this.hi = p;
    this.prev = p;
    emit(k * w, p.y, false);
    emit(k * w + this.slot, p.y, false);
  }
}

/** A whole series on a MinMaxGrid (what its `push` would leave drawn). */
export function toMinMaxGrid(points: readonly XY[], slot: number): XY[] {
  const grid = new MinMaxGrid(slot);
  const out: XY[] = [];
  for (const p of points)
    grid.push(p, (x, y) => {
      const last = out[out.length - 1];
      const before = out[out.length - 2];
      if (last && last.x === x) last.y = y;
      else if (before && before.x === x)
        before.y = y; // the current bucket's first slot
      else out.push({ x, y });
    });
  return out;
}
