import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../rng/rng';
import { loadTf } from '../tf/backend';
import {
  diagGaussianLogProb,
  gaussianEntropy,
  gaussianLogProb,
  Ppo,
  type PpoConfig,
  type PpoUpdateResult,
  type PpoWeights,
} from './ppo';
import { RolloutBuffer } from './rollout';

const TINY: Omit<PpoConfig, 'seed'> = {
  obsDim: 3,
  actionDim: 2,
  hidden: [16, 16],
  minibatchSize: 32,
  epochs: 3,
};

/**
 * Fill `buf` (cleared first) with a rollout of a toy task: seeded random observations, reward
 * −Σ_j (clip(a_j) − 0.3)², an episode end with probability 0.1; then GAE with the agent's γ, λ.
 */
function collect(ppo: Ppo, buf: RolloutBuffer, seed: number): void {
  const { nEnvs: N, obsDim: D, actionDim: A } = buf;
  const rng = new Rng(seed);
  const obs = new Float32Array(N * D);
  const act = new Float32Array(N * A);
  const logp = new Float32Array(N);
  const val = new Float32Array(N);
  const rew = new Float32Array(N);
  const done = new Float32Array(N);
  buf.clear();
  for (let t = 0; t < buf.nSteps; t++) {
    for (let i = 0; i < obs.length; i++) obs[i] = rng.normal();
    ppo.sample(obs, act, logp, val);
    for (let e = 0; e < N; e++) {
      let r = 0;
      for (let j = 0; j < A; j++) r -= (Math.max(-1, Math.min(1, act[e * A + j]!)) - 0.3) ** 2;
      rew[e] = r;
      done[e] = rng.next() < 0.1 ? 1 : 0;
    }
    buf.add(obs, act, logp, val, rew, done);
  }
  for (let i = 0; i < obs.length; i++) obs[i] = rng.normal();
  ppo.value(obs, val);
  buf.computeGae(val, ppo.config.gamma, ppo.config.gaeLambda);
}

function tinyBuffer(nSteps = 16, nEnvs = 4): RolloutBuffer {
  return new RolloutBuffer({ nSteps, nEnvs, obsDim: TINY.obsDim, actionDim: TINY.actionDim });
}

/** Actor, critic and log σ as one flat list of arrays (weights only, no optimizer). */
async function params(ppo: Ppo): Promise<Float32Array[]> {
  const w = await ppo.getWeights({ optimizer: false });
  return [...w.actor, ...w.critic, w.logStd];
}

describe('Ppo', () => {
  beforeAll(async () => {
    await loadTf({ quiet: true });
  });

  it('computes the diagonal Gaussian log-density and entropy (hand values)', () => {
    // a = [0.5, −1], μ = 0, log σ = [−0.5, 0]:
    //   dim 0: −½ (0.5 e^{0.5})² + 0.5 − ½ log 2π = −0.758724;  dim 1: −½ − ½ log 2π = −1.418939
    const hand = -2.177662294966726;
    expect(diagGaussianLogProb([0.5, -1], [0, 0], [-0.5, 0])).toBeCloseTo(hand, 12);
    expect(diagGaussianLogProb([9, 9, 0.5, -1], [7, 7, 0, 0], [-0.5, 0], 2)).toBeCloseTo(hand, 12);
    const [lp, ent] = tf.tidy(() => {
      const logStd = tf.tensor1d([-0.5, 0]);
      return [
        gaussianLogProb(tf.tensor2d([0.5, -1, 0, 0], [2, 2]), tf.tensor2d([0, 0, 0, 0], [2, 2]), logStd),
        gaussianEntropy(logStd),
      ];
    });
    const lpv = lp!.dataSync();
    expect(lpv[0]!).toBeCloseTo(hand, 5);
    expect(lpv[1]!).toBeCloseTo(0.5 - Math.log(2 * Math.PI), 5); // a = μ: −Σ log σ − log 2π
    // H = Σ log σ + |A| (½ + ½ log 2π)
    expect(ent!.dataSync()[0]!).toBeCloseTo(2.3378770664093453, 5);
    lp!.dispose();
    ent!.dispose();
  });

  it('samples raw Gaussian actions with their log-probs and values; act clips to [−1, 1]', () => {
    const ppo = new Ppo({ obsDim: 2, actionDim: 2, seed: 1, hidden: [8], initialLogStd: 0.5 });
    const rows = 4000;
    const obs = new Float32Array(rows * 2).fill(0.5);
    const act = new Float32Array(rows * 2);
    const logp = new Float32Array(rows);
    const val = new Float32Array(rows);
    ppo.sample(obs, act, logp, val);
    const mu = new Float32Array(2);
    ppo.act(obs.subarray(0, 2), true, mu);
    const v = new Float32Array(1);
    ppo.value(obs.subarray(0, 2), v);
    expect(Array.from(ppo.logStdValues)).toEqual([0.5, 0.5]);
    const sigma = Math.exp(0.5);
    for (let j = 0; j < 2; j++) {
      let m = 0;
      let s = 0;
      for (let r = 0; r < rows; r++) m += act[2 * r + j]!;
      m /= rows;
      for (let r = 0; r < rows; r++) s += (act[2 * r + j]! - m) ** 2;
      expect(Math.abs(m - mu[j]!)).toBeLessThan(0.1);
      expect(Math.abs(Math.sqrt(s / rows) - sigma)).toBeLessThan(0.1);
    }
    // σ = 1.65: many raw samples lie outside [−1, 1]: sample does not clip.
    expect(act.some((a) => Math.abs(a) > 1)).toBe(true);
    for (let r = 0; r < rows; r += 97) {
      const ref = diagGaussianLogProb(act.subarray(2 * r, 2 * r + 2), mu, [0.5, 0.5]);
      expect(Math.abs(logp[r]! - ref)).toBeLessThan(1e-4);
      expect(Math.abs(val[r]! - v[0]!)).toBeLessThan(1e-5);
    }
    const out = new Float64Array(rows * 2);
    ppo.act(obs, false, out);
    expect(out.every((a) => a >= -1 && a <= 1)).toBe(true);
    expect(out.some((a) => a === 1 || a === -1)).toBe(true);
    ppo.dispose();
  });

  it('clips the objective: zero policy gradient where the clip applies, full gradient where it does not', async () => {
    // 64 rows, one minibatch, raw advantages ±1 (γ = 0: Â = r − V). Old log-probs are shifted by ±1
    // so that every ratio is e or 1/e, far outside [0.8, 1.2].
    const run = async (clippedSide: boolean, epochs: number) => {
      const ppo = new Ppo({
        obsDim: 2,
        actionDim: 1,
        seed: 2,
        hidden: [8],
        epochs,
        minibatchSize: 64,
        normalizeAdvantages: false,
        lr: 1e-2,
      });
      const buf = new RolloutBuffer({ nSteps: 16, nEnvs: 4, obsDim: 2, actionDim: 1 });
      const rng = new Rng(3);
      const obs = new Float32Array(8);
      const act = new Float32Array(4);
      const logp = new Float32Array(4);
      const val = new Float32Array(4);
      for (let t = 0; t < 16; t++) {
        for (let i = 0; i < 8; i++) obs[i] = rng.normal();
        ppo.sample(obs, act, logp, val);
        const rew = new Float32Array(4);
        const old = new Float32Array(4);
        for (let e = 0; e < 4; e++) {
          const adv = e < 2 ? 1 : -1;
          rew[e] = val[e]! + adv;
          // clippedSide: Â > 0 with ρ = e, Â < 0 with ρ = 1/e (min picks the clipped, constant term).
          const up = clippedSide ? adv > 0 : adv < 0;
          old[e] = logp[e]! + (up ? -1 : 1);
        }
        buf.add(obs, act, old, val, rew, [1, 1, 1, 1]);
      }
      buf.computeGae([0, 0, 0, 0], 0, 0);
      const before = await ppo.getWeights({ optimizer: false });
      const r = ppo.update(buf);
      const after = await ppo.getWeights({ optimizer: false });
      ppo.dispose();
      return { r, before, after };
    };

    const c = await run(true, 3);
    expect(c.r.clipFraction).toBe(1);
    // −mean(min(ρÂ, clip(ρ)Â)) = −½ (1.2 · 1 + 0.8 · (−1)) = −0.2
    expect(c.r.policyLoss).toBeCloseTo(-0.2, 5);
    expect(c.r.approxKl).toBeCloseTo(0.5 * (Math.E - 2) + 0.5 / Math.E, 5);
    expect(c.r.minibatches).toBe(3);
    expect(c.after.actor).toEqual(c.before.actor); // bit for bit: the policy gradient was exactly 0
    expect(c.after.logStd).toEqual(c.before.logStd);
    expect(c.after.critic).not.toEqual(c.before.critic); // the value loss still trains the critic

    const u = await run(false, 1);
    expect(u.r.clipFraction).toBe(1);
    // Unclipped side: −½ (e^{−1} · 1 + e · (−1)) = 1.1752
    expect(u.r.policyLoss).toBeCloseTo(1.1752011936438014, 5);
    expect(u.after.actor).not.toEqual(u.before.actor);
    expect(u.after.logStd).not.toEqual(u.before.logStd);
  });

  it('learns a 1-D continuous bandit: reward −(a − 0.3)², constant observation', () => {
    const N = 16;
    const ppo = new Ppo({
      obsDim: 1,
      actionDim: 1,
      seed: 4,
      hidden: [32, 32],
      lr: 3e-3,
      minibatchSize: 64,
      epochs: 10,
    });
    const buf = new RolloutBuffer({ nSteps: 8, nEnvs: N, obsDim: 1, actionDim: 1 });
    const obs = new Float32Array(N).fill(1);
    const act = new Float32Array(N);
    const logp = new Float32Array(N);
    const val = new Float32Array(N);
    const rew = new Float32Array(N);
    const done = new Float32Array(N).fill(1); // one-step episodes
    const det = new Float32Array(1);
    ppo.act(new Float32Array([1]), true, det);
    expect(Math.abs(det[0]! - 0.3)).toBeGreaterThan(0.25); // μ ≈ 0 at first
    let last: PpoUpdateResult | undefined;
    for (let it = 0; it < 12; it++) {
      buf.clear();
      for (let t = 0; t < buf.nSteps; t++) {
        ppo.sample(obs, act, logp, val);
        for (let e = 0; e < N; e++) rew[e] = -((Math.max(-1, Math.min(1, act[e]!)) - 0.3) ** 2);
        buf.add(obs, act, logp, val, rew, done);
      }
      buf.computeGae(new Float32Array(N), ppo.config.gamma, ppo.config.gaeLambda);
      last = ppo.update(buf);
    }
    expect(Number.isFinite(last!.policyLoss) && Number.isFinite(last!.valueLoss)).toBe(true);
    ppo.act(new Float32Array([1]), true, det);
    expect(Math.abs(det[0]! - 0.3)).toBeLessThan(0.1);
    expect(ppo.logStdValues[0]!).toBeLessThan(-1); // and it became more certain (σ₀ = e^{−0.5})
    expect(ppo.updateCount).toBe(12 * 10 * 2);
    ppo.dispose();
  });

  it('is deterministic: same seed and data → identical actions, losses and weights; another seed differs', async () => {
    const runs = [5, 5, 6].map((seed) => {
      const ppo = new Ppo({ ...TINY, seed });
      const buf = tinyBuffer();
      const results: PpoUpdateResult[] = [];
      for (let i = 0; i < 3; i++) {
        collect(ppo, buf, 100 + i);
        results.push(ppo.update(buf));
      }
      return { ppo, results, actions: Array.from(buf.actions) };
    });
    const [a, b, c] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    expect(b.results).toEqual(a.results);
    expect(b.actions).toEqual(a.actions);
    expect(await params(b.ppo)).toEqual(await params(a.ppo));
    expect(c.results).not.toEqual(a.results);
    expect(await params(c.ppo)).not.toEqual(await params(a.ppo));
    for (const r of runs) r.ppo.dispose();
  });

  it('round-trips weights (networks, log σ, Adam state, counters) through getWeights/setWeights', async () => {
    const a = new Ppo({ ...TINY, seed: 7 });
    const bufA = tinyBuffer();
    for (let i = 0; i < 2; i++) {
      collect(a, bufA, 200 + i);
      a.update(bufA);
    }
    const snapshot: PpoWeights = await a.getWeights();
    expect(snapshot.optimizer!.iterations).toBe(a.updateCount);
    const b = new Ppo({ ...TINY, seed: 99 });
    const bufB = tinyBuffer();
    collect(b, bufB, 1);
    b.update(bufB); // b has Adam moments of its own, which setWeights must replace, not leak
    await b.setWeights(snapshot);
    const count = tf.memory().numTensors;
    await b.setWeights(snapshot);
    expect(tf.memory().numTensors).toBe(count);
    expect(b.updateCount).toBe(a.updateCount);

    const obs = new Float32Array([0.1, -0.2, 0.3, 1, 2, -3]);
    const outA = new Float32Array(4);
    const outB = new Float32Array(4);
    a.act(obs, false, outA); // the act counter is part of the snapshot: same noise
    b.act(obs, false, outB);
    expect(outB).toEqual(outA);
    // Training continues identically: same rollouts (sample counter), shuffles, Adam moments.
    for (let i = 0; i < 2; i++) {
      collect(a, bufA, 300 + i);
      collect(b, bufB, 300 + i);
      expect(Array.from(bufB.logProbs)).toEqual(Array.from(bufA.logProbs));
      expect(b.update(bufB)).toEqual(a.update(bufA));
    }
    expect(await params(b)).toEqual(await params(a));

    // Without the optimizer state the weights load but the Adam moments do not: updates diverge.
    const light = await a.getWeights({ optimizer: false });
    expect(light.optimizer).toBeUndefined();
    const c = new Ppo({ ...TINY, seed: 1 });
    await c.setWeights(light);
    a.act(obs, true, outA);
    c.act(obs, true, outB);
    expect(outB).toEqual(outA);
    collect(a, bufA, 400);
    collect(c, bufB, 400);
    expect(c.update(bufB)).not.toEqual(a.update(bufA));

    const wrong = new Ppo({ obsDim: 3, actionDim: 2, hidden: [8, 8], seed: 1 });
    await expect(wrong.setWeights(snapshot)).rejects.toThrow(/hidden \[16, 16\]/);
    for (const p of [a, b, c, wrong]) p.dispose();
  });

  it('keeps the tensor count flat: identical after 3 and after 10 updates; dispose frees everything', () => {
    const baseline = tf.memory().numTensors;
    const ppo = new Ppo({ ...TINY, seed: 8, targetKl: 0.5 });
    const buf = tinyBuffer();
    const obs = new Float64Array(2 * TINY.obsDim).fill(0.5);
    const out = new Float64Array(2 * TINY.actionDim);
    const run = (n: number): void => {
      for (let i = 0; i < n; i++) {
        collect(ppo, buf, i);
        ppo.update(buf);
        ppo.act(obs, i % 2 === 0, out);
      }
    };
    run(3);
    const after3 = tf.memory().numTensors;
    run(7);
    expect(tf.memory().numTensors).toBe(after3);
    ppo.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('runs epochs × minibatches (a partial last one) and stops early on targetKl', () => {
    const buf = tinyBuffer(25, 4); // 100 rows, minibatches of 32: 32 + 32 + 32 + 4
    const full = new Ppo({ ...TINY, seed: 9, epochs: 4 });
    collect(full, buf, 1);
    const r = full.update(buf);
    expect(r).toMatchObject({ minibatches: 16, epochsRun: 4, stoppedEarly: false });
    expect(full.updateCount).toBe(16);
    expect(full.iterationCount).toBe(1);
    expect(r.approxKl).toBeGreaterThan(0);
    expect(r.clipFraction).toBeGreaterThanOrEqual(0);
    expect(r.clipFraction).toBeLessThanOrEqual(1);
    expect(r.entropy).toBeCloseTo(2 * (-0.5 + 0.5 + 0.5 * Math.log(2 * Math.PI)), 2);

    const early = new Ppo({ ...TINY, seed: 9, epochs: 20, lr: 1e-2, targetKl: 1e-3 });
    collect(early, buf, 1);
    const e = early.update(buf);
    expect(e.stoppedEarly).toBe(true);
    expect(e.minibatches).toBeGreaterThan(0);
    expect(e.minibatches).toBeLessThan(80);
    expect(early.updateCount).toBe(e.minibatches);
    expect(e.epochsRun).toBe(Math.floor(e.minibatches / 4) + 1);
    full.dispose();
    early.dispose();
  });

  it('the typed-array and the tfjs inference paths agree', () => {
    const viaTf = new Ppo({ ...TINY, seed: 10, inference: 'tf' });
    const viaTyped = new Ppo({ ...TINY, seed: 10, inference: 'typed' });
    expect(viaTf.inferencePath).toBe('tf');
    expect(viaTyped.inferencePath).toBe('typed');
    const bufA = tinyBuffer();
    const bufB = tinyBuffer();
    const obs = new Float32Array(5 * TINY.obsDim).map((_, i) => Math.sin(i));
    const x = new Float32Array(5 * TINY.actionDim);
    const y = new Float32Array(5 * TINY.actionDim);
    for (let k = 0; k < 2; k++) {
      collect(viaTf, bufA, k);
      collect(viaTyped, bufB, k);
      for (let i = 0; i < bufA.size; i++)
        expect(Math.abs(bufA.logProbs[i]! - bufB.logProbs[i]!)).toBeLessThan(1e-4);
      viaTf.update(bufA);
      viaTyped.update(bufB); // the typed path must pick up the new weights
      for (const deterministic of [true, false]) {
        viaTf.act(obs, deterministic, x);
        viaTyped.act(obs, deterministic, y);
        for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-4);
      }
      const va = new Float32Array(5);
      const vb = new Float32Array(5);
      viaTf.value(obs, va);
      viaTyped.value(obs, vb);
      for (let i = 0; i < 5; i++) expect(Math.abs(va[i]! - vb[i]!)).toBeLessThan(1e-4);
    }
    viaTf.dispose();
    viaTyped.dispose();
  });

  it('validates its configuration and inputs', () => {
    const base = { obsDim: 2, actionDim: 1, seed: 1, hidden: [4] };
    const cases: [Partial<PpoConfig>, RegExp][] = [
      [{ obsDim: 0 }, /obsDim/],
      [{ actionDim: 1.5 }, /actionDim/],
      [{ seed: Number.NaN }, /seed/],
      [{ hidden: [0] }, /hidden/],
      [{ gamma: 1.5 }, /gamma/],
      [{ gaeLambda: -0.1 }, /gaeLambda/],
      [{ clipRatio: 0 }, /clipRatio/],
      [{ lr: -1 }, /lr/],
      [{ epochs: 0 }, /epochs/],
      [{ minibatchSize: 2.5 }, /minibatchSize/],
      [{ entCoef: -1 }, /entCoef/],
      [{ vfCoef: Number.NaN }, /vfCoef/],
      [{ maxGradNorm: 0 }, /maxGradNorm/],
      [{ initialLogStd: Number.POSITIVE_INFINITY }, /initialLogStd/],
      [{ targetKl: 0 }, /targetKl/],
      [{ inference: 'gpu' as 'tf' }, /inference/],
    ];
    for (const [patch, re] of cases) {
      expect(() => new Ppo({ ...base, ...patch })).toThrow(RangeError);
      expect(() => new Ppo({ ...base, ...patch })).toThrow(re);
    }
    const ppo = new Ppo({ ...base, maxGradNorm: Number.POSITIVE_INFINITY });
    expect(ppo.config).toMatchObject({ gamma: 0.99, gaeLambda: 0.95, clipRatio: 0.2, lr: 3e-4, epochs: 10 });
    expect(ppo.config).toMatchObject({ minibatchSize: 256, entCoef: 0, vfCoef: 0.5, initialLogStd: -0.5 });
    expect(ppo.config.targetKl).toBeUndefined();
    expect(ppo.config.normalizeAdvantages).toBe(true);
    const defaults = new Ppo({ obsDim: 1, actionDim: 1, seed: 0 });
    expect(defaults.config.hidden).toEqual([64, 64]);
    defaults.dispose();

    const out = new Float32Array(4);
    expect(() => ppo.act(new Float32Array(3), true, out)).toThrow(/multiple of obsDim 2/);
    expect(() => ppo.act(new Float32Array(4), true, new Float32Array(1))).toThrow(/out has 1/);
    expect(() => ppo.sample(new Float32Array(4), out, new Float32Array(1), out)).toThrow(RangeError);
    expect(() => ppo.value(new Float32Array(4), new Float32Array(1))).toThrow(/out has 1/);
    const buf = new RolloutBuffer({ nSteps: 1, nEnvs: 1, obsDim: 2, actionDim: 1 });
    expect(() => ppo.update(buf)).toThrow(/empty/);
    buf.add([0, 0], [0], [0], [0], [0], [0]);
    expect(() => ppo.update(buf)).toThrow(/computeGae/);
    buf.computeGae([0], 0.99, 0.95);
    expect(() => ppo.update(new RolloutBuffer({ nSteps: 1, nEnvs: 1, obsDim: 3, actionDim: 1 }))).toThrow(
      /obs 3/,
    );
    expect(ppo.update(buf).minibatches).toBe(10); // a single row: no normalization, still finite
    ppo.dispose();
    expect(() => ppo.act(new Float32Array(2), true, out)).toThrow(/disposed/);
  });
});
