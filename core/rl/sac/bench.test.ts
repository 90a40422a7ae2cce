import { describe, expect, it } from 'vitest';
import { benchRollout, benchSac } from './bench';

describe('SAC benchmarks', () => {
  it('run and report rates with the backend name (smoke test; speed is not asserted)', async () => {
    const s = await benchSac({
      hidden: [8, 8],
      batchSize: 16,
      obsDim: 4,
      updates: 2,
      warmup: 1,
      allowShort: true,
    });
    expect(s.sacUpdatesPerSec).toBeGreaterThan(0);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(s.backend);
    const r = await benchRollout({ n: 4, steps: 5, hidden: [8] });
    expect(r.rolloutStepsPerSec).toBeGreaterThan(0);
    expect(r.tfStepsPerSec).toBeGreaterThan(0);
    expect(r.typedStepsPerSec).toBeGreaterThan(0);
    expect(r.rolloutStepsPerSec).toBe(r.inference === 'tf' ? r.tfStepsPerSec : r.typedStepsPerSec);
    await expect(benchSac({ updates: 5 })).rejects.toThrow(/updates must be/);
  });
});
