import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTf } from '../tf/backend';
import { Reinforce, returnsToGo, type ReinforceBatch, type ReinforceWeights } from './reinforce';

beforeAll(async () => {
  await loadTf({ quiet: true });
});

describe('returnsToGo', () => {
  it('discounts within the episode and adds the bootstrap γ^{T−t}·v', () => {
    const out = new Float64Array(3);
    returnsToGo([1, 0, 2], 0.9, out);
    // G_2 = 2; G_1 = 0 + 0.9·2 = 1.8; G_0 = 1 + 0.9·1.8 = 2.62.
    expect(out[0]).toBeCloseTo(2.62, 12);
    expect(out[1]).toBeCloseTo(1.8, 12);
    expect(out[2]).toBeCloseTo(2, 12);
    const boot = new Float64Array(5);
    returnsToGo([1, 1], 0.5, boot, 4, 3);
    // G_1 = 1 + 0.5·4 = 3; G_0 = 1 + 0.5·3 = 2.5, written at offset 3.
    expect(Array.from(boot)).toEqual([0, 0, 0, 2.5, 3]);
  });
});

/**
 * A linear policy and baseline on one feature (hidden []), weights set by hand: μ(x) = 0.5x + 0.1,
 * σ = 0.5, b(x) = 1 (zero weight, bias 1). One episode of 3 steps, γ = 0.9, no normalization.
 */
async function handAgent(baselineLr = 1e-3): Promise<Reinforce> {
  const agent = new Reinforce({
    baselineLr,
    obsDim: 1,
    actionDim: 1,
    seed: 1,
    hidden: [],
    baselineHidden: [],
    discount: 0.9,
    normalizeAdvantages: false,
  });
  const w = await agent.getWeights({ optimizer: false });
  await agent.setWeights({
    ...w,
    actor: [Float32Array.of(0.5), Float32Array.of(0.1)],
    baseline: [Float32Array.of(0), Float32Array.of(1)],
    logStd: Float32Array.of(Math.log(0.5)),
  });
  return agent;
}

function handBatch(): ReinforceBatch {
  const returns = new Float32Array(3);
  returnsToGo([1, 0, 2], 0.9, returns); // G = [2.62, 1.8, 2]
  return { obs: Float32Array.of(1, 2, -1), actions: Float32Array.of(0.8, 0.2, -0.5), returns };
}

describe('Reinforce', () => {
  it('computes −(1/B) Σ_t ∇log π(a_t|s_t)(G_t − b(s_t)) as by hand', async () => {
    const agent = await handAgent();
    const batch = handBatch();
    // Â = G − b = [1.62, 0.8, 1.0]. μ = [0.6, 1.1, −0.4], σ² = 0.25.
    // ∂log π/∂μ = (a − μ)/σ² = [0.8, −3.6, −0.4];  ∂/∂W = that · x = [0.8, −7.2, 0.4];
    // ∂/∂log σ = (a − μ)²/σ² − 1 = [−0.84, 2.24, −0.96].
    // ∂L/∂W = −(1.62·0.8 + 0.8·(−7.2) + 1·0.4)/3 = −(−4.064)/3 = 1.354667
    // ∂L/∂b = −(1.62·0.8 + 0.8·(−3.6) + 1·(−0.4))/3 = −(−1.984)/3 = 0.661333
    // ∂L/∂log σ = −(1.62·(−0.84) + 0.8·2.24 + 1·(−0.96))/3 = −(−0.5288)/3 = 0.176267
    const [gW, gb, gLogStd] = agent.policyGradient(batch);
    expect(gW![0]).toBeCloseTo(4.064 / 3, 4);
    expect(gb![0]).toBeCloseTo(1.984 / 3, 4);
    expect(gLogStd![0]).toBeCloseTo(0.5288 / 3, 4);
    const { adv, mean } = agent.advantages(batch);
    expect(Array.from(adv).map((x) => Number(x.toFixed(5)))).toEqual([1.62, 0.8, 1]);
    expect(mean).toBeCloseTo(3.42 / 3, 5);
    agent.dispose();
  });

  it('fits the baseline to the returns by least squares and leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const agent = await handAgent(0.05);
    const batch = handBatch();
    const losses: number[] = [];
    for (let i = 0; i < 60; i++) losses.push(agent.update(batch).baselineLoss);
    // L_b at b ≡ 1: ((2.62 − 1)² + 0.8² + 1²)/3 = (2.6244 + 0.64 + 1)/3 = 1.421467.
    expect(losses[0]).toBeCloseTo(4.2644 / 3, 4);
    // The least-squares line through (1, 2.62), (2, 1.8), (−1, 2): x̄ = 2/3, Ḡ = 2.14,
    // Sxx = 42/9, SxG = −0.06, so the minimal mean squared residual is
    // (Σ(G − Ḡ)² − SxG²/Sxx)/3 = (0.3656 − 0.000771)/3 = 0.121610.
    const optimum = (0.3656 - 0.06 ** 2 / (42 / 9)) / 3;
    expect(losses.at(-1)!).toBeGreaterThanOrEqual(optimum - 1e-6);
    expect(losses.at(-1)!).toBeLessThan(optimum + 0.01);
    expect(agent.updateCount).toBe(60);
    agent.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic in its keys and resumes exactly from a snapshot', async () => {
    const cfg = { obsDim: 3, actionDim: 2, seed: 9, hidden: [8], policyLr: 0.01 };
    const a = new Reinforce(cfg);
    const obs = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const act1 = new Float32Array(8);
    const act2 = new Float32Array(8);
    const lp = new Float32Array(4);
    a.sample(obs, act1, lp, 3, 4);
    a.sample(obs, act2, lp, 3, 4);
    expect(act2).toEqual(act1);
    a.sample(obs, act2, lp, 3, 5);
    expect(act2).not.toEqual(act1);
    const batch: ReinforceBatch = { obs, actions: act1, returns: Float32Array.of(1, -2, 0.5, 3) };
    a.update(batch);
    const snap: ReinforceWeights = await a.getWeights();
    const b = new Reinforce({ ...cfg, seed: 1234 });
    await b.setWeights(snap);
    const ra = a.update(batch);
    const rb = b.update(batch);
    expect(rb).toEqual(ra);
    const wa = await a.getWeights();
    const wb = await b.getWeights();
    expect(wb).toEqual(wa);
    const outA = new Float32Array(8);
    const outB = new Float32Array(8);
    a.act(obs, false, outA);
    b.act(obs, false, outB);
    expect(outB).toEqual(outA);
    await expect(new Reinforce({ ...cfg, hidden: [4] }).setWeights(snap)).rejects.toThrow(/hidden/);
    a.dispose();
    b.dispose();
  });
});
