import { describe, expect, it } from 'vitest';
import { describeTf, loadTf, parseTfPreference } from './backend';

describe('loadTf', () => {
  it('parses QUOTEBENCH_TF_BACKEND values', () => {
    expect(parseTfPreference(undefined)).toBeUndefined();
    expect(parseTfPreference(' ')).toBeUndefined();
    expect(parseTfPreference('node')).toBe('node');
    expect(parseTfPreference('TensorFlow')).toBe('node');
    expect(parseTfPreference('wasm')).toBe('wasm');
    expect(parseTfPreference('cpu')).toBe('cpu');
    expect(() => parseTfPreference('gpu')).toThrow(/QUOTEBENCH_TF_BACKEND must be one of/);
  });

  it('picks a working backend once, says which and why, and computes with it', async () => {
    const r = await loadTf({ quiet: true });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(r.backend);
    expect(r.tf.getBackend()).toBe(r.backend);
    if (r.backend !== 'tensorflow') expect(r.reason).toMatch(/tfjs-node/);
    // Idempotent: later calls (whatever they prefer) get the same result.
    expect(await loadTf({ prefer: 'cpu', quiet: true })).toBe(r);
    expect(describeTf(r)).toContain(`backend: ${r.backend}`);
    const sum = r.tf.tidy(() => r.tf.matMul(r.tf.ones([2, 3]), r.tf.ones([3, 2])).dataSync()[0]);
    expect(sum).toBe(3);
  });
});
