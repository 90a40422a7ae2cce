/**
 * The price grid implied by observed prices: the smallest positive gap between distinct prices, each
 * snapped to 10⁻⁹ of the quote currency first (prices are decimals stored as doubles, so 585.33 − 585.32
 * is not exactly 0.01). One piece serves the book statistics, the calibration and the replay tape.
 */
export class TickFinder {
  private readonly seen = new Set<number>();

  /** Number of distinct prices added so far. */
  get distinct(): number {
    return this.seen.size;
  }

  /** Add a price (non-finite values are ignored). */
  add(price: number): void {
    if (Number.isFinite(price)) this.seen.add(Math.round(price * 1e9));
  }

  /** The smallest positive gap between the distinct prices added; NaN with fewer than two. */
  tick(): number {
    const p = Float64Array.from(this.seen).sort();
    let g = Number.POSITIVE_INFINITY;
    for (let i = 1; i < p.length; i++) g = Math.min(g, p[i]! - p[i - 1]!);
    return Number.isFinite(g) ? g / 1e9 : Number.NaN;
  }
}
