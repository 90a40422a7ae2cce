/**
 * Space descriptors for reinforcement-learning environments, after the `spaces` of OpenAI Gym
 * (Brockman et al. 2016, "OpenAI Gym", arXiv:1606.01540) and its successor Gymnasium.
 *
 * A space is plain data (typed arrays and numbers, no methods), so it can be posted to a worker
 * thread, written into a run's parameters, or read by the agent code that sizes its networks.
 * Only `Box` (a product of closed real intervals) exists for now; a discriminated union on `kind`
 * leaves room for `Discrete` later.
 *
 * Invariants: `low.length === high.length === product(shape)`, `low[i] <= high[i]`, bounds may be
 * infinite. Sampling follows Gymnasium's Box: uniform on bounded coordinates, standard normal on
 * unbounded ones, shifted exponential on half-bounded ones. All randomness comes from a seeded Rng.
 */
import type { Rng } from '../rng/rng';

export interface Box {
  readonly kind: 'box';
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly shape: readonly number[];
}

export type Space = Box;

/** Build a Box; `shape` defaults to the flat shape [low.length]. */
export function box(low: ArrayLike<number>, high: ArrayLike<number>, shape?: readonly number[]): Box {
  if (low.length !== high.length)
    throw new RangeError(`Box: low has ${low.length} entries but high has ${high.length}`);
  const sh = shape ? [...shape] : [low.length];
  const size = sh.reduce((a, b) => a * b, 1);
  if (size !== low.length)
    throw new RangeError(`Box: shape [${sh.join(', ')}] has ${size} entries, bounds have ${low.length}`);
  const lo = Float64Array.from(low);
  const hi = Float64Array.from(high);
  for (let i = 0; i < lo.length; i++) {
    const l = lo[i]!;
    const h = hi[i]!;
    if (Number.isNaN(l) || Number.isNaN(h) || l > h)
      throw new RangeError(`Box: bound ${i} must satisfy low <= high (got [${l}, ${h}])`);
  }
  return { kind: 'box', low: lo, high: hi, shape: sh };
}

/** Number of scalars in a flattened element of the space. */
export function flatDim(space: Space): number {
  return space.low.length;
}

/**
 * Draw a random element of the space into `out` (allocated when omitted) and return it.
 * The draws per coordinate are fixed (one uniform for bounded, one normal or exponential otherwise),
 * so a seeded Rng gives a reproducible sequence of samples.
 */
export function sample(space: Space, rng: Rng, out?: Float64Array): Float64Array {
  const n = space.low.length;
  const x = out ?? new Float64Array(n);
  if (x.length < n) throw new RangeError(`sample: output has ${x.length} entries, space needs ${n}`);
  for (let i = 0; i < n; i++) {
    const l = space.low[i]!;
    const h = space.high[i]!;
    const loFinite = Number.isFinite(l);
    const hiFinite = Number.isFinite(h);
    if (loFinite && hiFinite) {
      const v = l + (h - l) * rng.next();
      x[i] = v > h ? h : v;
    } else if (loFinite) x[i] = l + rng.exponential(1);
    else if (hiFinite) x[i] = h - rng.exponential(1);
    else x[i] = rng.normal();
  }
  return x;
}

/** True when `x` has the space's size and every coordinate lies within its bounds (NaN never does). */
export function contains(space: Space, x: ArrayLike<number>): boolean {
  const n = space.low.length;
  if (x.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (!(v >= space.low[i]! && v <= space.high[i]!)) return false;
  }
  return true;
}
