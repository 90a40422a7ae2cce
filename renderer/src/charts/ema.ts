/**
 * Smoothing of a noisy training curve by an exponential moving average, as TensorBoard's smoothing
 * slider: with weight w (0 ≤ w < 1) over the samples in step order,
 *   a_n = w·a_{n−1} + (1 − w)·y_n,  a_0 = 0,   s_n = a_n / (1 − wⁿ)
 * (the division removes the pull toward the zero start, so s_1 = y_1 and every s_n is a weighted
 * mean of y_1..y_n with weights ∝ w^(n−i)). Per sample, not per step: the trainer reports at a
 * regular step interval, so this equals a step-time EMA with span ≈ (1 + w)/(1 − w) samples.
 * w = 0 is the raw curve.
 */
import type { XY } from './step-grid';

/** The smoothing weight the Training view offers (≈ 19-sample span). */
export const EMA_WEIGHT = 0.9;

export class Ema {
  private acc = 0;
  private decay = 1;

  constructor(readonly weight: number) {
    if (!(weight >= 0 && weight < 1)) throw new RangeError(`EMA weight must be in [0, 1), got ${weight}`);
  }

  /** Adds a sample; returns the debiased average of the samples so far. */
  push(y: number): number {
    this.acc = this.weight * this.acc + (1 - this.weight) * y;
    this.decay *= this.weight;
    return this.acc / (1 - this.decay);
  }

  reset(): void {
    this.acc = 0;
    this.decay = 1;
  }
}

/** A whole series smoothed (what `Ema.push` gives sample by sample). */
export function emaSeries(points: readonly XY[], weight: number): XY[] {
  const ema = new Ema(weight);
  return points.map((p) => ({ x: p.x, y: ema.push(p.y) }));
}
