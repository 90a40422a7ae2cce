/**
 * Adam (Kingma & Ba 2015) over a group of variables as one flat vector, and the Polyak average of
 * a group the same way: the same arithmetic as tfjs's AdamOptimizer, in fewer kernel launches.
 *
 * Why: tfjs's AdamOptimizer runs ~14 kernels per variable (and uploads a few scalars each time); a
 * SAC update steps 18 weight tensors, ~250 launches of small elementwise kernels whose cost on the
 * wasm backend is mostly the launch, not the arithmetic (docs/performance.md, the SAC profile). Here
 * the gradients are concatenated into one vector, the moments m and v are one vector each, the
 * 14 elementwise kernels run once on the whole group, and the new values are split back into the
 * variables: 1 concat + 14 + 1 split per step, whatever the number of variables.
 *
 * Same numbers, bit for bit: every operation is elementwise and the formulas, constants and order of
 * operations are tfjs 4.22's AdamOptimizer.applyGradients:
 *     m ← m·β1 + g·(1 − β1)          v ← v·β2 + g²·(1 − β2)
 *     m̂ = m / (1 − β1ᵗ)             v̂ = v / (1 − β2ᵗ)
 *     θ ← (m̂ / (√v̂ + ε))·(−lr) + θ   β1ᵗ ← β1ᵗ·β1, β2ᵗ ← β2ᵗ·β2 (float32 running products)
 * IEEE-754 float32 multiply, add, divide and square root are correctly rounded and wasm does not fuse
 * them, so an element's value does not depend on which tensor it sits in (flat-adam.test.ts checks
 * it against tfjs's AdamOptimizer step by step, and across a checkpoint written by either).
 *
 * Checkpoints: `getState`/`setState` read and write the OptimizerState layout of optimizer-state.ts
 * (iterations; m of each variable, then v of each, as Float32Arrays in variable order; the running
 * β products), so checkpoints written with tfjs's AdamOptimizer load here and the other way round.
 * A state without `accBeta` (older checkpoints) sets β1ᵗ = pow(β1, t + 1) as tfjs's setWeights does.
 *
 * Ownership: the optimizer owns m, v and the β products (`dispose()`); not the variables it steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerState } from './optimizer-state';

type V1 = tf.Variable<tf.Rank.R1>;

/** Flat concatenation of tensors (each reshaped to 1-D), in order. */
function flatConcat(ts: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.concat(
    ts.map((t) => tf.reshape(t, [-1])),
    0,
  ) as tf.Tensor1D;
}

/**
 * Split a flat vector into the variables' shapes and assign them. Through one download and one upload
 * per variable, not tf.split: the wasm backend's Slice reads the whole input out of the heap for every
 * piece (readSync copies), measured ~13 ms per split of SAC's 140k critic weights.
 */
function assignFlat(vars: readonly tf.Variable[], flat: tf.Tensor): void {
  const values = flat.dataSync() as Float32Array;
  let o = 0;
  for (const v of vars) {
    // A copy per piece: the cpu backend keeps the array it is given.
    v.assign(tf.tensor(values.slice(o, o + v.size), v.shape, 'float32'));
    o += v.size;
  }
}

export class FlatAdam {
  private readonly sizes: number[];
  private readonly total: number;
  private readonly m: V1;
  private readonly v: V1;
  private readonly accBeta1: tf.Variable<tf.Rank.R0>;
  private readonly accBeta2: tf.Variable<tf.Rank.R0>;
  private iterations = 0;
  private disposed = false;

  constructor(
    readonly vars: readonly tf.Variable[],
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    if (vars.length === 0) throw new RangeError('FlatAdam: no variables');
    this.sizes = vars.map((x) => x.size);
    this.total = this.sizes.reduce((a, b) => a + b, 0);
    [this.m, this.v, this.accBeta1, this.accBeta2] = tf.tidy(() => [
      tf.variable(tf.zeros([this.total]), false) as V1,
      tf.variable(tf.zeros([this.total]), false) as V1,
      tf.variable(tf.scalar(beta1), false) as tf.Variable<tf.Rank.R0>,
      tf.variable(tf.scalar(beta2), false) as tf.Variable<tf.Rank.R0>,
    ]);
  }

  /** One Adam step with `grads[i]` the gradient of `vars[i]` (same shapes). */
  applyGradients(grads: readonly tf.Tensor[]): void {
    this.assertLive();
    if (grads.length !== this.vars.length)
      throw new RangeError(`FlatAdam: ${grads.length} gradients for ${this.vars.length} variables`);
    tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
      const gradient = flatConcat(grads);
      const value = flatConcat(this.vars);
      const newFirstMoment = tf.add(tf.mul(this.m, this.beta1), tf.mul(gradient, 1 - this.beta1));
      const newSecondMoment = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
      const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1);
      const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2);
      this.m.assign(newFirstMoment as tf.Tensor1D);
      this.v.assign(newSecondMoment as tf.Tensor1D);
      const newValue = tf.add(
        tf.mul(
          tf.div(biasCorrectedFirstMoment, tf.add(tf.sqrt(biasCorrectedSecondMoment), this.epsilon)),
          -this.learningRate,
        ),
        value,
      );
      assignFlat(this.vars, newValue);
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
    this.iterations++;
  }

  /** The state in optimizer-state.ts's layout (names relative to `prefix/`). */
  getState(prefix: string): OptimizerState {
    this.assertLive();
    const m = this.m.dataSync() as Float32Array;
    const v = this.v.dataSync() as Float32Array;
    const values: Float32Array[] = [];
    for (const flat of [m, v]) {
      let o = 0;
      for (const n of this.sizes) {
        values.push(Float32Array.from(flat.subarray(o, o + n)));
        o += n;
      }
    }
    const rel = (name: string): string =>
      name.startsWith(`${prefix}/`) ? name.slice(prefix.length + 1) : name;
    return {
      iterations: this.iterations,
      names: [...this.vars.map((x) => `${rel(x.name)}/m`), ...this.vars.map((x) => `${rel(x.name)}/v`)],
      values,
      accBeta: [this.accBeta1.dataSync()[0]!, this.accBeta2.dataSync()[0]!],
    };
  }

  /** Load a state (positional, as optimizer-state.ts writeOptimizer; no moments = fresh zeros). */
  setState(s: OptimizerState, who: string): void {
    this.assertLive();
    if (!(Number.isInteger(s.iterations) && s.iterations >= 0))
      throw new RangeError(`${who} optimizer iterations must be an integer ≥ 0`);
    const n = this.vars.length;
    if (s.values.length !== 0 && s.values.length !== 2 * n)
      throw new RangeError(`${who} optimizer has ${s.values.length} slots, expected ${2 * n}`);
    for (let i = 0; i < s.values.length; i++)
      if (s.values[i]!.length !== this.sizes[i % n])
        throw new RangeError(`${who} optimizer slot ${i} has the wrong size`);
    if (
      s.accBeta !== undefined &&
      (s.accBeta.length !== 2 || !s.accBeta.every((x) => Number.isFinite(x) && x > 0 && x <= 1))
    )
      throw new RangeError(`${who} optimizer accBeta must be two numbers in (0, 1]`);
    const m = new Float32Array(this.total);
    const v = new Float32Array(this.total);
    if (s.values.length > 0) {
      let o = 0;
      for (let i = 0; i < n; i++) {
        m.set(s.values[i]!, o);
        v.set(s.values[n + i]!, o);
        o += this.sizes[i]!;
      }
    }
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(m));
      this.v.assign(tf.tensor1d(v));
      if (s.accBeta !== undefined) {
        this.accBeta1.assign(tf.scalar(s.accBeta[0]!, 'float32'));
        this.accBeta2.assign(tf.scalar(s.accBeta[1]!, 'float32'));
      } else {
        // What tfjs's AdamOptimizer.setWeights does.
        this.accBeta1.assign(tf.pow(this.beta1, s.iterations + 1) as tf.Scalar);
        this.accBeta2.assign(tf.pow(this.beta2, s.iterations + 1) as tf.Scalar);
      }
    });
    this.iterations = s.iterations;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.m.dispose();
    this.v.dispose();
    this.accBeta1.dispose();
    this.accBeta2.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('FlatAdam was disposed');
  }
}

/**
 * θ̄ ← θ̄·(1 − τ) + θ·τ for every pair (targets[i], sources[i]) as one flat operation (the same
 * elementwise arithmetic as Mlp.polyakFrom, so the same values): 2 concats, 3 kernels and a split.
 */
export function polyakFlat(
  targets: readonly tf.Variable[],
  sources: readonly tf.Variable[],
  tau: number,
): void {
  if (targets.length !== sources.length || targets.some((t, i) => t.size !== sources[i]!.size))
    throw new RangeError('polyakFlat: targets and sources differ in shape');
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`polyakFlat: tau must be in [0, 1] (got ${tau})`);
  tf.tidy(() => {
    const keep = tf.scalar(1 - tau);
    const take = tf.scalar(tau);
    const next = tf.add(tf.mul(flatConcat(targets), keep), tf.mul(flatConcat(sources), take));
    assignFlat(targets, next);
  });
}
