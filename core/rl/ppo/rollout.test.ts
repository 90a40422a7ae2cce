import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng/rng';
import { RolloutBuffer } from './rollout';

/** Per-env columns [t] of a time-major [t][env] array. */
function column(a: Float32Array, nEnvs: number, e: number): number[] {
  const out: number[] = [];
  for (let i = e; i < a.length; i += nEnvs) out.push(a[i]!);
  return out;
}

function expectClose(got: number[], want: number[], tol = 1e-6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(tol);
}

/** A buffer of seeded random steps (obs/actions irrelevant to GAE), with dones of probability pDone. */
function randomBuffer(nSteps: number, nEnvs: number, seed: number, pDone: number): RolloutBuffer {
  const buf = new RolloutBuffer({ nSteps, nEnvs, obsDim: 2, actionDim: 1 });
  const rng = new Rng(seed);
  for (let t = 0; t < nSteps; t++) {
    const v = Array.from({ length: nEnvs }, () => rng.normal());
    const r = Array.from({ length: nEnvs }, () => rng.normal());
    const d = Array.from({ length: nEnvs }, () => (rng.next() < pDone ? 1 : 0));
    buf.add(new Float32Array(2 * nEnvs), new Float32Array(nEnvs), new Float32Array(nEnvs), v, r, d);
  }
  return buf;
}

describe('RolloutBuffer', () => {
  it('computes GAE by hand: two envs, a done in the middle, bootstrap values at the end', () => {
    const buf = new RolloutBuffer({ nSteps: 3, nEnvs: 2, obsDim: 1, actionDim: 1 });
    // env 0: r = [1, 2, 3], V = [0.5, 1, 1.5], done = [0, 1, 0], V(s_3) = 2
    // env 1: r = [0, 0, 1], V = [0.2, 0.1, −0.3], done = [0, 0, 0], V(s_3) = 0.5
    const z = [0, 0];
    buf.add(z, z, z, [0.5, 0.2], [1, 0], [0, 0]);
    buf.add(z, z, z, [1, 0.1], [2, 0], [1, 0]);
    expect(buf.full).toBe(false);
    expect(buf.size).toBe(4);
    buf.add(z, z, z, [1.5, -0.3], [3, 1], [0, 0]);
    expect(buf.full).toBe(true);
    expect(buf.size).toBe(6);
    expect(buf.hasAdvantages).toBe(false);
    buf.computeGae([2, 0.5], 0.9, 0.8);
    expect(buf.hasAdvantages).toBe(true);
    // γλ = 0.72. env 0, backwards:
    //   t=2: δ = 3 + 0.9·2 − 1.5 = 3.3;                         A = 3.3
    //   t=1: done → δ = 2 − 1 = 1 (no bootstrap);               A = 1 (no carry from t=2)
    //   t=0: δ = 1 + 0.9·1 − 0.5 = 1.4;                          A = 1.4 + 0.72·1 = 2.12
    // env 1:
    //   t=2: δ = 1 + 0.9·0.5 + 0.3 = 1.75;                       A = 1.75
    //   t=1: δ = 0 + 0.9·(−0.3) − 0.1 = −0.37;                   A = −0.37 + 0.72·1.75 = 0.89
    //   t=0: δ = 0 + 0.9·0.1 − 0.2 = −0.11;                      A = −0.11 + 0.72·0.89 = 0.5308
    expectClose(column(buf.advantages, 2, 0), [2.12, 1, 3.3]);
    expectClose(column(buf.advantages, 2, 1), [0.5308, 0.89, 1.75]);
    expectClose(column(buf.returns, 2, 0), [2.62, 2, 4.8]);
    expectClose(column(buf.returns, 2, 1), [0.7308, 0.99, 1.45]);
  });

  it('λ = 0 gives the one-step TD error; λ = 1, γ = 1 the Monte-Carlo return minus V', () => {
    const T = 12;
    const N = 3;
    const buf = randomBuffer(T, N, 1, 0.2);
    const V = buf.values;
    const r = buf.rewards;
    const d = buf.dones;
    const last = [0.7, -1.2, 0.4];
    expect(d.some((x) => x === 1)).toBe(true);

    buf.computeGae(last, 0.95, 0);
    for (let t = 0; t < T; t++)
      for (let e = 0; e < N; e++) {
        const i = t * N + e;
        const next = t === T - 1 ? last[e]! : V[i + N]!;
        const td = r[i]! + 0.95 * next * (1 - d[i]!) - V[i]!;
        expect(Math.abs(buf.advantages[i]! - td)).toBeLessThan(1e-5);
      }

    buf.computeGae(last, 1, 1);
    for (let e = 0; e < N; e++) {
      // Monte-Carlo: the sum of rewards to the end of the episode, plus V(s_T) if it did not end.
      let G = last[e]!;
      for (let t = T - 1; t >= 0; t--) {
        const i = t * N + e;
        G = d[i] === 1 ? r[i]! : r[i]! + G;
        expect(Math.abs(buf.advantages[i]! - (G - V[i]!))).toBeLessThan(1e-4);
        expect(Math.abs(buf.returns[i]! - G)).toBeLessThan(1e-4);
      }
    }
  });

  it('exposes time-major views of the filled rows, copies its input, and clears', () => {
    const buf = new RolloutBuffer({ nSteps: 2, nEnvs: 2, obsDim: 3, actionDim: 2 });
    const obs = new Float32Array([1, 2, 3, 4, 5, 6]);
    buf.add(obs, [0.1, 0.2, 0.3, 0.4], [-1, -2], [0.5, 0.6], [1, 2], [0, 1]);
    obs.fill(0); // the buffer holds a copy
    expect(Array.from(buf.obs)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(buf.actions.length).toBe(4);
    expect(Array.from(buf.logProbs)).toEqual([-1, -2]);
    expect(Array.from(buf.dones)).toEqual([0, 1]);
    buf.add([7, 8, 9, 10, 11, 12], [0, 0, 0, 0], [0, 0], [0, 0], [0, 0], [0, 0]);
    expect(Array.from(buf.obs.subarray(6))).toEqual([7, 8, 9, 10, 11, 12]);
    buf.computeGae([0, 0], 0.99, 0.95);
    buf.clear();
    expect(buf.size).toBe(0);
    expect(buf.full).toBe(false);
    expect(buf.hasAdvantages).toBe(false);
    expect(buf.obs.length).toBe(0);
  });

  it('validates sizes, dones, parameters and capacity', () => {
    expect(() => new RolloutBuffer({ nSteps: 0, nEnvs: 1, obsDim: 1, actionDim: 1 })).toThrow(/nSteps/);
    expect(() => new RolloutBuffer({ nSteps: 1, nEnvs: 1.5, obsDim: 1, actionDim: 1 })).toThrow(/nEnvs/);
    const buf = new RolloutBuffer({ nSteps: 1, nEnvs: 2, obsDim: 2, actionDim: 1 });
    const z2 = [0, 0];
    expect(() => buf.computeGae(z2, 0.99, 0.95)).toThrow(RangeError);
    expect(() => buf.add([0, 0, 0], z2, z2, z2, z2, z2)).toThrow(/obs has length 3, expected 4/);
    expect(() => buf.add([0, 0, 0, 0], [0], z2, z2, z2, z2)).toThrow(/action/);
    expect(() => buf.add([0, 0, 0, 0], z2, z2, z2, [0], z2)).toThrow(/reward/);
    expect(() => buf.add([0, 0, 0, 0], z2, z2, z2, z2, [0, 0.5])).toThrow(/done\[1\] must be 0 or 1/);
    expect(buf.size).toBe(0);
    buf.add([0, 0, 0, 0], z2, z2, z2, z2, z2);
    expect(() => buf.add([0, 0, 0, 0], z2, z2, z2, z2, z2)).toThrow(/full/);
    expect(() => buf.computeGae([0], 0.99, 0.95)).toThrow(/lastValue/);
    expect(() => buf.computeGae(z2, 1.1, 0.95)).toThrow(/gamma/);
    expect(() => buf.computeGae(z2, 0.99, -0.1)).toThrow(/lambda/);
  });
});
