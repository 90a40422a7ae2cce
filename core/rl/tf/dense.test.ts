import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../rng/rng';
import { loadTf } from './backend';
import { dense, Mlp } from './dense';

function randomTensor(rng: Rng, shape: [number, number] | [number]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return tf.tensor(v, shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** tf's own dense: matMul + bias (+ relu), differentiated by tfjs's registered gradients. */
function reference(x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  const z = tf.add(tf.matMul(x, W), b) as tf.Tensor2D;
  return relu ? tf.relu(z) : z;
}

/** Run `f` on each backend this machine has (the default one first), restoring the default after. */
const BACKENDS = ['default', 'cpu'] as const;

describe('dense / Mlp', () => {
  let defaultBackend = '';
  beforeAll(async () => {
    defaultBackend = (await loadTf({ quiet: true })).backend;
  });
  afterAll(async () => {
    await tf.setBackend(defaultBackend);
  });

  for (const which of BACKENDS) {
    it(`customGrad dense gives tf's gradients to 1e-5 (${which} backend)`, async () => {
      await tf.setBackend(which === 'default' ? defaultBackend : which);
      const rng = new Rng(11);
      // (batch, in, out): the first shape takes the "flipped" dW orientation, the others the direct one.
      for (const [n, fanIn, fanOut] of [
        [7, 3, 40],
        [6, 5, 4],
        [9, 12, 1],
      ] as const) {
        for (const relu of [true, false]) {
          tf.tidy(() => {
            const x = randomTensor(rng, [n, fanIn]) as tf.Tensor2D;
            const W = randomTensor(rng, [fanIn, fanOut]) as tf.Tensor2D;
            const b = randomTensor(rng, [fanOut]) as tf.Tensor1D;
            const upstream = randomTensor(rng, [n, fanOut]);
            const act = relu ? 'relu' : 'linear';
            const loss =
              (f: typeof reference) =>
              (xx: tf.Tensor, WW: tf.Tensor, bb: tf.Tensor): tf.Tensor =>
                tf.sum(tf.mul(f(xx as tf.Tensor2D, WW as tf.Tensor2D, bb as tf.Tensor1D, relu), upstream));
            const ours = tf.grads(loss((xx, WW, bb) => dense(xx, WW, bb, act)))([x, W, b]);
            const theirs = tf.grads(loss(reference))([x, W, b]);
            for (let i = 0; i < 3; i++) expect(maxAbsDiff(ours[i]!, theirs[i]!)).toBeLessThan(1e-5);
            expect(maxAbsDiff(dense(x, W, b, act), reference(x, W, b, relu))).toBeLessThan(1e-5);
            // frozen: the same dx, zero dW and db.
            const frozen = tf.grads(loss((xx, WW, bb) => dense(xx, WW, bb, act, true)))([x, W, b]);
            expect(maxAbsDiff(frozen[0]!, theirs[0]!)).toBeLessThan(1e-5);
            expect(tf.max(tf.abs(frozen[1]!)).dataSync()[0]).toBe(0);
            expect(tf.max(tf.abs(frozen[2]!)).dataSync()[0]).toBe(0);
          });
        }
      }
    });

    it(`Mlp gradients (all gradient-need variants) match a tf-gradient reference (${which} backend)`, async () => {
      await tf.setBackend(which === 'default' ? defaultBackend : which);
      const m = new Mlp({ sizes: [3, 16, 8, 2], seed: 5 });
      const rng = new Rng(3);
      tf.tidy(() => {
        const x = randomTensor(rng, [10, 3]) as tf.Tensor2D;
        const upstream = randomTensor(rng, [10, 2]);
        const vars = m.variables as tf.Variable[];
        const refForward = (input: tf.Tensor2D): tf.Tensor2D => {
          let h = input;
          for (let l = 0; l < 3; l++)
            h = reference(h, vars[2 * l] as tf.Tensor2D, vars[2 * l + 1] as tf.Tensor1D, l < 2);
          return h;
        };
        const objective = (y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, upstream));
        const ref = tf.variableGrads(() => objective(refForward(x)), vars);
        for (const inputGrad of [true, false]) {
          const ours = tf.variableGrads(() => objective(m.apply(x, { inputGrad })), vars);
          expect(Math.abs(ours.value.dataSync()[0]! - ref.value.dataSync()[0]!)).toBeLessThan(1e-4);
          for (const v of vars)
            expect(maxAbsDiff(ours.grads[v.name]!, ref.grads[v.name]!)).toBeLessThan(1e-5);
        }
        // Gradient with respect to the input, trainable and frozen.
        const dxRef = tf.grad((xx: tf.Tensor) => objective(refForward(xx as tf.Tensor2D)))(x);
        const dx = tf.grad((xx: tf.Tensor) => objective(m.apply(xx as tf.Tensor2D)))(x);
        const dxFrozen = tf.grad((xx: tf.Tensor) => objective(m.apply(xx as tf.Tensor2D, { frozen: true })))(
          x,
        );
        expect(maxAbsDiff(dx, dxRef)).toBeLessThan(1e-5);
        expect(maxAbsDiff(dxFrozen, dxRef)).toBeLessThan(1e-5);
        // Frozen weights are constants of the op: no gradient reaches them (variableGrads omits
        // them; the last bias enters the objective separately so that something is differentiable).
        const frozenVars = tf.variableGrads(
          () => tf.add(objective(m.apply(x, { frozen: true })), tf.sum(tf.mul(vars[5]!, 0))),
          vars,
        );
        expect(Object.keys(frozenVars.grads)).toEqual([vars[5]!.name]);
      });
      m.dispose();
    });
  }

  it('forwardTyped equals apply() to 1e-5, for one row and for a batch', () => {
    const m = new Mlp({ sizes: [5, 64, 64, 3], seed: 9 });
    const rng = new Rng(4);
    // Move the weights away from their initial values so that the snapshot matters.
    const other = new Mlp({ sizes: [5, 64, 64, 3], seed: 10 });
    m.polyakFrom(other, 0.3);
    m.syncTyped();
    const rows = 17;
    const input = new Float32Array(rows * 5);
    for (let i = 0; i < input.length; i++) input[i] = rng.normal();
    const ref = tf.tidy(() => m.apply(tf.tensor2d(input, [rows, 5])).dataSync() as Float32Array).slice();
    const out = new Float32Array(rows * 3);
    m.forwardTyped(input, out, rows);
    for (let i = 0; i < out.length; i++) expect(Math.abs(out[i]! - ref[i]!)).toBeLessThan(1e-5);
    const one = new Float64Array(3);
    m.forwardTyped(Float64Array.from(input.subarray(5, 10)), one);
    for (let j = 0; j < 3; j++) expect(Math.abs(one[j]! - ref[3 + j]!)).toBeLessThan(1e-5);
    expect(() => m.forwardTyped(new Float32Array(4), one)).toThrow(/input has 4 values/);
    m.dispose();
    other.dispose();
  });

  it('initialization is deterministic in the seed; copyFrom, polyakFrom and typed round trips', () => {
    const a = new Mlp({ sizes: [4, 8, 2], seed: 42 });
    const b = new Mlp({ sizes: [4, 8, 2], seed: 42 });
    const c = new Mlp({ sizes: [4, 8, 2], seed: 43 });
    const wa = a.toTypedArrays();
    expect(b.toTypedArrays()).toEqual(wa);
    expect(c.toTypedArrays()).not.toEqual(wa);
    // He-uniform bound on the hidden layer, zero biases.
    const limit = Math.sqrt(6 / 4);
    expect(wa[0]!.every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(wa[1]!.every((v) => v === 0)).toBe(true);

    const wc = c.toTypedArrays();
    a.polyakFrom(c, 0.25);
    const mixed = a.toTypedArrays();
    for (let i = 0; i < mixed.length; i++)
      for (let j = 0; j < mixed[i]!.length; j++)
        expect(mixed[i]![j]).toBeCloseTo(0.75 * wa[i]![j]! + 0.25 * wc[i]![j]!, 6);

    a.copyFrom(c);
    expect(a.toTypedArrays()).toEqual(wc);
    a.fromTypedArrays(wa);
    expect(a.toTypedArrays()).toEqual(wa);
    expect(() => a.fromTypedArrays([wa[0]!])).toThrow(/expected 4 arrays/);
    const wrong = new Mlp({ sizes: [4, 9, 2], seed: 1 });
    expect(() => a.copyFrom(wrong)).toThrow(/differ in shape/);
    for (const m of [a, b, c, wrong]) m.dispose();
    expect(() => a.toTypedArrays()).toThrow(/disposed/);
  });

  it('leaves no tensors behind across forward and backward passes', () => {
    const m = new Mlp({ sizes: [3, 16, 1], seed: 2 });
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const step = (): void =>
      tf.tidy(() => {
        tf.variableGrads(() => tf.sum(m.apply(x)) as tf.Scalar, m.variables as tf.Variable[]);
        tf.grad((xx: tf.Tensor) => tf.sum(m.apply(xx as tf.Tensor2D, { frozen: true })))(x);
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});
