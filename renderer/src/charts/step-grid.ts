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
