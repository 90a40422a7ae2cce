import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../rng/rng';
import { loadTf } from './backend';
import { FlatAdam, polyakFlat } from './flat-adam';
import { readOptimizer, writeOptimizer } from './optimizer-state';

beforeAll(async () => {
  await loadTf({ quiet: true });
});

const SHAPES: [number, ...number[]][] = [[5, 3], [3], [3, 7], [7], [1]];

function makeVars(prefix: string, seed: number): tf.Variable[] {
  const rng = new Rng(seed);
  return SHAPES.map((shape, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = Float32Array.from({ length: n }, () => rng.normal());
    return tf.variable(tf.tensor(v, shape), true, `${prefix}/v${i}`);
  });
}

/** Gradients of step k: seeded, with a wide spread of magnitudes (and exact zeros). */
function grads(k: number): tf.Tensor[] {
  const rng = new Rng(1000 + k);
  return SHAPES.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const g = Float32Array.from({ length: n }, () =>
      rng.next() < 0.1 ? 0 : rng.normal() * Math.exp(6 * rng.normal()),
    );
    return tf.tensor(g, shape);
  });
}

const values = (vs: readonly tf.Variable[]): number[][] => vs.map((v) => Array.from(v.dataSync()));

describe('FlatAdam', () => {
  it("steps exactly as tfjs's AdamOptimizer, bit for bit, and keeps its checkpoint layout", async () => {
    const a = makeVars('ref', 1);
    const b = makeVars('flat', 1);
    const ref = tf.train.adam(3e-3, 0.9, 0.999, 1e-8);
    const flat = new FlatAdam(b, 3e-3, 0.9, 0.999, 1e-8);
    for (let k = 0; k < 60; k++) {
      const g = grads(k);
      ref.applyGradients(a.map((v, i) => ({ name: v.name, tensor: g[i]! })));
      flat.applyGradients(g);
      tf.dispose(g);
      expect(values(b)).toEqual(values(a));
    }
    const sRef = await readOptimizer(ref, 'ref');
    const sFlat = flat.getState('flat');
    expect(sFlat.iterations).toBe(60);
    expect(sFlat.names).toEqual(sRef.names);
    expect(sFlat.accBeta).toEqual(sRef.accBeta);
    expect(sFlat.values.map((x) => Array.from(x))).toEqual(sRef.values.map((x) => Array.from(x)));
    // A state written by tfjs's optimizer (an older checkpoint) resumes here identically, and back.
    const c = makeVars('resumed', 9);
    c.forEach((v, i) => v.assign(a[i]!));
    const resumed = new FlatAdam(c, 3e-3, 0.9, 0.999, 1e-8);
    resumed.setState(sRef, 'test');
    const d = makeVars('back', 9);
    d.forEach((v, i) => v.assign(a[i]!));
    const back = tf.train.adam(3e-3, 0.9, 0.999, 1e-8);
    await writeOptimizer(back, sFlat, d, 'test');
    for (let k = 60; k < 80; k++) {
      const g = grads(k);
      ref.applyGradients(a.map((v, i) => ({ name: v.name, tensor: g[i]! })));
      resumed.applyGradients(g);
      back.applyGradients(d.map((v, i) => ({ name: v.name, tensor: g[i]! })));
      tf.dispose(g);
    }
    expect(values(c)).toEqual(values(a));
    expect(values(d)).toEqual(values(a));
    tf.dispose([...a, ...b, ...c, ...d]);
    for (const o of [ref, back]) o.dispose();
    for (const o of [flat, resumed]) o.dispose();
  });

  it('loads a state without running β products as tfjs does (pow(β, t + 1)) and checks sizes', async () => {
    const a = makeVars('old', 2);
    const b = makeVars('oldflat', 2);
    const ref = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    const flat = new FlatAdam(b, 1e-3, 0.9, 0.999, 1e-8);
    for (let k = 0; k < 3; k++) {
      const g = grads(k);
      ref.applyGradients(a.map((v, i) => ({ name: v.name, tensor: g[i]! })));
      tf.dispose(g);
    }
    const { accBeta: _accBeta, ...old } = await readOptimizer(ref, 'old');
    b.forEach((v, i) => v.assign(a[i]!));
    flat.setState(old, 'test');
    await writeOptimizer(ref, old, a, 'test'); // tfjs's own path for such a state
    const g = grads(3);
    ref.applyGradients(a.map((v, i) => ({ name: v.name, tensor: g[i]! })));
    flat.applyGradients(g);
    tf.dispose(g);
    expect(values(b)).toEqual(values(a));
    expect(() => flat.setState({ ...old, values: old.values.slice(1) }, 'who:')).toThrow(
      /who: optimizer has/,
    );
    expect(() => flat.applyGradients([])).toThrow(/gradients/);
    tf.dispose([...a, ...b]);
    ref.dispose();
    flat.dispose();
  });

  it('polyakFlat equals the per-variable average and leaves no tensors behind', () => {
    const t1 = makeVars('t1', 3);
    const t2 = makeVars('t2', 3);
    const s = makeVars('s', 4);
    const before = tf.memory().numTensors;
    polyakFlat(t1, s, 0.005);
    expect(tf.memory().numTensors).toBe(before);
    tf.tidy(() => {
      for (let i = 0; i < t2.length; i++)
        t2[i]!.assign(tf.add(tf.mul(t2[i]!, tf.scalar(1 - 0.005)), tf.mul(s[i]!, tf.scalar(0.005))));
    });
    expect(values(t1)).toEqual(values(t2));
    expect(values(t1)).not.toEqual(values(makeVars('fresh', 3)));
    tf.dispose([...t1, ...t2, ...s]);
  });
});
