import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../rng/rng';
import { allocateBatch, ReplayBuffer, type ReplayBatch } from '../replay-buffer';
import { loadTf } from '../tf/backend';
import { logProbConstant, Sac, tanhGaussianLogProb, type SacConfig, type SacUpdateResult } from './sac';

const TINY: Omit<SacConfig, 'seed'> = { obsDim: 3, actionDim: 2, hidden: [16, 16] };

/** A buffer of seeded random transitions. */
function randomBuffer(obsDim: number, actionDim: number, n: number, seed: number): ReplayBuffer {
  const buf = new ReplayBuffer({ capacity: n, obsDim, actionDim, seed });
  const rng = new Rng(seed + 100);
  const o = new Float32Array(obsDim);
  const o2 = new Float32Array(obsDim);
  const a = new Float32Array(actionDim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < obsDim; j++) {
      o[j] = rng.normal();
      o2[j] = rng.normal();
    }
    for (let j = 0; j < actionDim; j++) a[j] = 2 * rng.next() - 1;
    buf.add(o, a, rng.normal(), o2, rng.next() < 0.1);
  }
  return buf;
}

/** `count` batches drawn once, so that several agents can be fed the very same data. */
function batches(buf: ReplayBuffer, count: number, size: number): ReplayBatch[] {
  const out: ReplayBatch[] = [];
  for (let i = 0; i < count; i++) {
    const b = allocateBatch(size, buf.obsDim, buf.actionDim);
    buf.sample(b);
    out.push(b);
  }
  return out;
}

describe('Sac', () => {
  beforeAll(async () => {
    await loadTf({ quiet: true });
  });

  it('learns a 1-D continuous bandit: reward −(a − 0.3)², constant observation', () => {
    const buf = new ReplayBuffer({ capacity: 1000, obsDim: 1, actionDim: 1, seed: 1 });
    const rng = new Rng(2);
    for (let i = 0; i < 1000; i++) {
      const a = 2 * rng.next() - 1;
      buf.add([1], [a], -((a - 0.3) ** 2), [1], true);
    }
    const sac = new Sac({
      obsDim: 1,
      actionDim: 1,
      seed: 3,
      hidden: [32, 32],
      actorLr: 3e-3,
      criticLr: 3e-3,
      alphaLr: 3e-3,
      initialAlpha: 0.1,
    });
    const batch = allocateBatch(64, 1, 1);
    let last: SacUpdateResult | undefined;
    for (let k = 0; k < 300; k++) {
      buf.sample(batch);
      last = sac.update(batch);
    }
    expect(Number.isFinite(last!.criticLoss) && Number.isFinite(last!.actorLoss)).toBe(true);
    const det = new Float32Array(1);
    sac.act(new Float32Array([1]), true, det);
    const samples = new Float32Array(1000);
    sac.act(new Float32Array(1000).fill(1), false, samples);
    const mean = samples.reduce((s, v) => s + v, 0) / samples.length;
    expect(Math.abs(det[0]! - 0.3)).toBeLessThan(0.1);
    expect(Math.abs(mean - 0.3)).toBeLessThan(0.1);
    expect(samples.every((v) => v >= -1 && v <= 1)).toBe(true);
    sac.dispose();
  });

  it('keeps the tensor count flat: identical after 50 and after 200 updates (and acts)', () => {
    const buf = randomBuffer(TINY.obsDim, TINY.actionDim, 500, 4);
    const sac = new Sac({ ...TINY, seed: 5, maxGradNorm: 10 });
    const batch = allocateBatch(32, TINY.obsDim, TINY.actionDim);
    const obs = new Float32Array(4 * TINY.obsDim).fill(0.5);
    const out = new Float32Array(4 * TINY.actionDim);
    const run = (n: number): void => {
      for (let i = 0; i < n; i++) {
        buf.sample(batch);
        sac.update(batch);
        sac.act(obs, i % 2 === 0, out);
      }
    };
    run(50);
    const after50 = tf.memory().numTensors;
    run(150);
    const after200 = tf.memory().numTensors;
    expect(after200).toBe(after50);
    sac.dispose();
    // dispose() frees everything the agent created: back to the count before it (one scalar of
    // slack for tfjs's own lazily created constants is not needed here).
    const baseline = tf.memory().numTensors;
    const again = new Sac({ ...TINY, seed: 6 });
    buf.sample(batch);
    again.update(batch);
    again.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('is deterministic: same seed and batches → identical losses over 20 updates; another seed differs', () => {
    const data = batches(randomBuffer(TINY.obsDim, TINY.actionDim, 400, 7), 20, 32);
    const a = new Sac({ ...TINY, seed: 8 });
    const b = new Sac({ ...TINY, seed: 8 });
    const c = new Sac({ ...TINY, seed: 9 });
    const la = data.map((d) => a.update(d));
    const lb = data.map((d) => b.update(d));
    const lc = data.map((d) => c.update(d));
    expect(lb).toEqual(la);
    expect(lc).not.toEqual(la);
    for (const s of [a, b, c]) s.dispose();
  });

  it('round-trips weights (networks, targets, α, Adam state) through getWeights/setWeights', async () => {
    const data = batches(randomBuffer(TINY.obsDim, TINY.actionDim, 400, 10), 12, 32);
    const a = new Sac({ ...TINY, seed: 11 });
    for (let i = 0; i < 8; i++) a.update(data[i]!);
    const snapshot = await a.getWeights();
    const b = new Sac({ ...TINY, seed: 99 });
    b.update(data[0]!); // b has Adam moments of its own, which setWeights must replace, not leak
    await b.setWeights(snapshot);
    const count = tf.memory().numTensors;
    await b.setWeights(snapshot);
    expect(tf.memory().numTensors).toBe(count);

    const obs = new Float32Array([0.1, -0.2, 0.3, 1, 2, -3]);
    const outA = new Float32Array(4);
    const outB = new Float32Array(4);
    a.act(obs, true, outA);
    b.act(obs, true, outB);
    expect(outB).toEqual(outA);
    a.act(obs, false, outA); // the act counter is part of the snapshot: same noise
    b.act(obs, false, outB);
    expect(outB).toEqual(outA);
    // Training continues identically (same Adam moments, step counts, noise streams).
    for (let i = 8; i < 12; i++) expect(b.update(data[i]!)).toEqual(a.update(data[i]!));
    expect(b.alpha).toBe(a.alpha);
    expect(b.updateCount).toBe(12);

    // A snapshot without optimizer state still restores the policy.
    const light = await a.getWeights({ optimizer: false });
    expect(light.optimizers).toBeUndefined();
    const c = new Sac({ ...TINY, seed: 1 });
    await c.setWeights(light);
    c.act(obs, true, outB);
    a.act(obs, true, outA);
    expect(outB).toEqual(outA);

    const wrong = new Sac({ obsDim: 3, actionDim: 2, hidden: [8, 8], seed: 1 });
    await expect(wrong.setWeights(snapshot)).rejects.toThrow(/hidden \[16, 16\]/);
    for (const s of [a, b, c, wrong]) s.dispose();
  });

  it('the typed-array and the tfjs inference paths give the same actions', () => {
    const data = batches(randomBuffer(TINY.obsDim, TINY.actionDim, 200, 12), 3, 32);
    const viaTf = new Sac({ ...TINY, seed: 13, inference: 'tf' });
    const viaTyped = new Sac({ ...TINY, seed: 13, inference: 'typed' });
    expect(viaTf.inferencePath).toBe('tf');
    expect(viaTyped.inferencePath).toBe('typed');
    const obs = new Float64Array(5 * TINY.obsDim).map((_, i) => Math.sin(i));
    const a = new Float64Array(5 * TINY.actionDim);
    const b = new Float64Array(5 * TINY.actionDim);
    for (const d of data) {
      viaTf.update(d);
      viaTyped.update(d); // the typed path must pick up the new weights
      for (const deterministic of [true, false]) {
        viaTf.act(obs, deterministic, a);
        viaTyped.act(obs, deterministic, b);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
      }
    }
    viaTf.dispose();
    viaTyped.dispose();
  });

  it('computes log π with the stable tanh correction', () => {
    const rng = new Rng(14);
    const B = 6;
    const A = 3;
    const mu = new Float32Array(B * A);
    const logStd = new Float32Array(B * A);
    const eps = new Float32Array(B * A);
    for (let i = 0; i < B * A; i++) {
      mu[i] = 2 * rng.normal();
      logStd[i] = rng.normal() - 0.5;
      eps[i] = rng.normal();
    }
    mu[0] = 25; // tanh(u) = 1 in float32: the naive log(1 − tanh²) is −Infinity here
    const u = new Float32Array(B * A);
    for (let i = 0; i < B * A; i++) u[i] = mu[i]! + Math.exp(logStd[i]!) * eps[i]!;
    const consts = new Float32Array(B);
    for (let r = 0; r < B; r++) consts[r] = logProbConstant(eps, r * A, A);
    const got = tf
      .tidy(
        () =>
          tanhGaussianLogProb(
            tf.tensor2d(u, [B, A]),
            tf.tensor2d(logStd, [B, A]),
            tf.tensor2d(consts, [B, 1]),
          ).dataSync() as Float32Array,
      )
      .slice();
    for (let r = 0; r < B; r++) {
      let ref = 0;
      for (let j = 0; j < A; j++) {
        const i = r * A + j;
        const uu = u[i]!;
        // log(1 − tanh² u) = log(4) − 2|u| − 2 log(1 + e^{−2|u|}), exact in float64.
        const logOneMinusTanh2 = Math.log(4) - 2 * Math.abs(uu) - 2 * Math.log1p(Math.exp(-2 * Math.abs(uu)));
        ref += -0.5 * eps[i]! ** 2 - logStd[i]! - 0.5 * Math.log(2 * Math.PI) - logOneMinusTanh2;
      }
      expect(Number.isFinite(got[r]!)).toBe(true);
      expect(Math.abs(got[r]! - ref)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref)));
    }
  });

  it('clips gradients when asked, acts randomly for warm-up, and validates its inputs', () => {
    const data = batches(randomBuffer(TINY.obsDim, TINY.actionDim, 200, 15), 2, 32);
    const plain = new Sac({ ...TINY, seed: 16 });
    const clipped = new Sac({ ...TINY, seed: 16, maxGradNorm: 1e-3 });
    plain.update(data[0]!);
    clipped.update(data[0]!);
    const r1 = plain.update(data[1]!);
    const r2 = clipped.update(data[1]!);
    expect(Number.isFinite(r2.criticLoss)).toBe(true);
    expect(r2.criticLoss).not.toBe(r1.criticLoss);

    const out = new Float32Array(6);
    plain.randomAction(out);
    expect(out.every((v) => v >= -1 && v <= 1)).toBe(true);
    const again = new Sac({ ...TINY, seed: 16 });
    const out2 = new Float32Array(6);
    again.randomAction(out2);
    expect(out2).not.toEqual(new Float32Array(6));

    expect(() => plain.act(new Float32Array(4), true, out)).toThrow(/multiple of obsDim 3/);
    expect(() => plain.act(new Float32Array(6), true, new Float32Array(3))).toThrow(/out has 3/);
    expect(() => plain.update(allocateBatch(4, 2, 2))).toThrow(/obsDim\/actionDim/);
    expect(() => new Sac({ ...TINY, seed: 1, gamma: 1.5 })).toThrow(/gamma/);
    expect(() => new Sac({ ...TINY, seed: 1, hidden: [0] })).toThrow(/hidden/);
    expect(() => new Sac({ ...TINY, seed: 1, tau: 0 })).toThrow(/tau/);
    for (const s of [plain, clipped, again]) s.dispose();
    expect(() => plain.act(new Float32Array(3), true, out)).toThrow(/disposed/);
  });
});
