import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { allocateBatch, ReplayBuffer } from './replay-buffer';

/** Transition k: obs = [k, k + 0.5], action = [−k], reward k/10, nextObs = obs + 1, done every 5th. */
function fill(buf: ReplayBuffer, from: number, to: number): void {
  for (let k = from; k < to; k++) buf.add([k, k + 0.5], [-k], k / 10, [k + 1, k + 1.5], k % 5 === 4);
}

describe('ReplayBuffer', () => {
  it('stores transitions and samples whole, consistent rows into the batch arrays', () => {
    const buf = new ReplayBuffer({ capacity: 100, obsDim: 2, actionDim: 1, seed: 3 });
    fill(buf, 0, 30);
    expect(buf.size).toBe(30);
    const batch = allocateBatch(64, 2, 1);
    buf.sample(batch);
    for (let i = 0; i < 64; i++) {
      const k = batch.obs[2 * i]!;
      expect(Number.isInteger(k) && k >= 0 && k < 30).toBe(true);
      expect(batch.obs[2 * i + 1]).toBe(k + 0.5);
      expect(batch.nextObs[2 * i]).toBe(k + 1);
      expect(batch.nextObs[2 * i + 1]).toBe(k + 1.5);
      expect(batch.action[i]).toBe(-k);
      expect(batch.reward[i]).toBeCloseTo(k / 10, 6);
      expect(batch.done[i]).toBe(k % 5 === 4 ? 1 : 0);
    }
  });

  it('samples the rows Rng(seed).int(size) gives, in order (bit-for-bit the core/rng stream)', () => {
    const buf = new ReplayBuffer({ capacity: 50, obsDim: 2, actionDim: 1, seed: 77 });
    fill(buf, 0, 37);
    const batch = allocateBatch(200, 2, 1);
    buf.sample(batch);
    const rng = new Rng(77);
    for (let i = 0; i < 200; i++) expect(batch.obs[2 * i]).toBe(rng.int(37));
  });

  it('overwrites the oldest transitions when full', () => {
    const buf = new ReplayBuffer({ capacity: 10, obsDim: 2, actionDim: 1, seed: 1 });
    fill(buf, 0, 25);
    expect(buf.size).toBe(10);
    expect(buf.added).toBe(25);
    const stored = Array.from(buf.arrays().obs.filter((_, i) => i % 2 === 0)).sort((a, b) => a - b);
    expect(stored).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    const batch = allocateBatch(100, 2, 1);
    buf.sample(batch);
    for (let i = 0; i < 100; i++) expect(batch.obs[2 * i]).toBeGreaterThanOrEqual(15);
  });

  it('addBatch stores one transition per env row, done = terminated', () => {
    const buf = new ReplayBuffer({ capacity: 8, obsDim: 2, actionDim: 2, seed: 1 });
    const obs = new Float64Array([1, 2, 3, 4, 5, 6]);
    const act = new Float64Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    const next = new Float64Array([7, 8, 9, 10, 11, 12]);
    buf.addBatch(3, obs, act, [1, 2, 3], next, new Uint8Array([0, 1, 0]));
    const a = buf.arrays();
    expect(Array.from(a.obs.subarray(0, 6))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(a.nextObs.subarray(0, 6))).toEqual([7, 8, 9, 10, 11, 12]);
    expect(Array.from(a.action.subarray(0, 6))).toEqual(Array.from(Float32Array.from(act)));
    expect(Array.from(a.reward.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(Array.from(a.done.subarray(0, 3))).toEqual([0, 1, 0]);
  });

  it('allocates 1,000,000 transitions (obs dim 2, action dim 2) and samples from them', () => {
    const buf = new ReplayBuffer({ capacity: 1_000_000, obsDim: 2, actionDim: 2, seed: 5 });
    expect(buf.arrays().obs.length).toBe(2_000_000);
    buf.add([1, 2], [0.5, -0.5], 1, [3, 4], false);
    const batch = allocateBatch(4, 2, 2);
    buf.sample(batch);
    expect(Array.from(batch.obs)).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
  });

  it('meta()/arrays() → restore() resumes storage and the sampling stream exactly', () => {
    const a = new ReplayBuffer({ capacity: 16, obsDim: 2, actionDim: 1, seed: 9 });
    fill(a, 0, 21);
    const batch = allocateBatch(8, 2, 1);
    a.sample(batch);
    const meta = a.meta();
    // A checkpoint writes only the stored rows.
    const full = a.arrays();
    const rows = meta.size;
    const b = ReplayBuffer.restore(structuredClone(meta), {
      obs: full.obs.slice(0, rows * 2),
      action: full.action.slice(0, rows),
      reward: full.reward.slice(0, rows),
      nextObs: full.nextObs.slice(0, rows * 2),
      done: full.done.slice(0, rows),
    });
    expect(b.meta()).toEqual(meta);
    const ba = allocateBatch(32, 2, 1);
    const bb = allocateBatch(32, 2, 1);
    a.sample(ba);
    b.sample(bb);
    expect(bb).toEqual(ba);
    fill(a, 21, 30);
    fill(b, 21, 30);
    expect(b.arrays()).toEqual(a.arrays());
  });

  it('rejects bad sizes, an empty sample and inconsistent checkpoints', () => {
    expect(() => new ReplayBuffer({ capacity: 0, obsDim: 1, actionDim: 1, seed: 1 })).toThrow(/capacity/);
    expect(() => new ReplayBuffer({ capacity: 4, obsDim: 1.5, actionDim: 1, seed: 1 })).toThrow(/obsDim/);
    const buf = new ReplayBuffer({ capacity: 4, obsDim: 1, actionDim: 1, seed: 1 });
    expect(() => buf.sample(allocateBatch(2, 1, 1))).toThrow(/empty/);
    buf.add([1], [1], 1, [1], false);
    expect(() => buf.sample(allocateBatch(2, 3, 1))).toThrow(/dimensions/);
    const meta = buf.meta();
    const arrays = buf.arrays();
    expect(() => ReplayBuffer.restore({ ...meta, cursor: 3 }, arrays)).toThrow(/cursor/);
    expect(() => ReplayBuffer.restore({ ...meta, size: 9 }, arrays)).toThrow(/size/);
    expect(() => ReplayBuffer.restore({ ...meta, rngState: [0, 0, 0, 0] }, arrays)).toThrow(/rngState/);
    expect(() => ReplayBuffer.restore(meta, { ...arrays, reward: new Float32Array(0) })).toThrow(/reward/);
  });
});
