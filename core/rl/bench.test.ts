import { describe, expect, it } from 'vitest';
import { benchVectorEnv } from './bench';

describe('benchVectorEnv', () => {
  it('runs and reports env-steps per second (smoke test; speed is not asserted)', () => {
    const r = benchVectorEnv({ n: 16, steps: 50, seed: 3 });
    expect(r.n).toBe(16);
    expect(r.steps).toBe(50);
    expect(r.vectorEnvStepsPerSec).toBeGreaterThan(0);
    expect(Number.isFinite(r.vectorEnvStepsPerSec)).toBe(true);
    expect(() => benchVectorEnv({ n: 0 })).toThrow(/n must be/);
  });
});
