import { describe, expect, it } from 'vitest';
import { benchPpo } from './bench';

describe('PPO benchmark', () => {
  it('runs and reports the median iteration time with the backend name (smoke test; speed is not asserted)', async () => {
    const r = await benchPpo({
      iterations: 3,
      seconds: 5,
      hidden: [8, 8],
      obsDim: 4,
      nSteps: 8,
      nEnvs: 4,
      epochs: 2,
      minibatchSize: 16,
    });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(r.backend);
    expect(r.ppoIterationSeconds).toBeGreaterThan(0);
    expect(r.iterations).toBe(3);
    expect(r.samples).toHaveLength(3);
    expect([...r.samples].sort((a, b) => a - b)[1]).toBe(r.ppoIterationSeconds); // the median
    expect(r.rows).toBe(32);
    expect(r.minibatchesPerIteration).toBe(4);
    expect(r.msPerMinibatch).toBeCloseTo((1000 * r.ppoIterationSeconds) / 4, 9);
    await expect(benchPpo({ iterations: 0 })).rejects.toThrow(/iterations must be/);
    await expect(benchPpo({ seconds: 0 })).rejects.toThrow(/seconds must be/);
  });
});
