/**
 * splitLogBatch against MLflow's limits: every request within 1000 metrics / 100 params / 100 tags /
 * 1000 entities / 1 MB, the requests together carry exactly the input in order, none is empty; and a
 * run that needs no split goes in one request.
 */
import { describe, expect, it } from 'vitest';
import { MLFLOW_LIMITS, TRUNCATION_MARKER, splitLogBatch, truncateValue, type MlflowMetric } from './limits';

const metrics = (n: number, key = 'm'): MlflowMetric[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `${key}${i % 7}`,
    value: i / 3,
    timestamp: 1_700_000_000_000,
    step: i,
  }));
const kv = (n: number, p: string, len = 8): { key: string; value: string }[] =>
  Array.from({ length: n }, (_, i) => ({ key: `${p}${i}`, value: 'x'.repeat(len) }));

function check(b: ReturnType<typeof splitLogBatch>[number]): void {
  expect(b.metrics.length).toBeLessThanOrEqual(MLFLOW_LIMITS.metricsPerBatch);
  expect(b.params.length).toBeLessThanOrEqual(MLFLOW_LIMITS.paramsPerBatch);
  expect(b.tags.length).toBeLessThanOrEqual(MLFLOW_LIMITS.tagsPerBatch);
  expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(
    MLFLOW_LIMITS.entitiesPerBatch,
  );
  expect(b.metrics.length + b.params.length + b.tags.length).toBeGreaterThan(0);
  expect(new TextEncoder().encode(JSON.stringify(b)).length).toBeLessThanOrEqual(MLFLOW_LIMITS.batchBytes);
}

describe('splitLogBatch', () => {
  it('a small run is one request', () => {
    const out = splitLogBatch('r', { metrics: metrics(10), params: kv(5, 'p'), tags: kv(3, 't') });
    expect(out).toHaveLength(1);
  });

  it('2500 metrics, 250 params, 120 tags: each request within every limit, all items once, in order', () => {
    const data = { metrics: metrics(2500), params: kv(250, 'p'), tags: kv(120, 't') };
    const out = splitLogBatch('r', data);
    // params need 3 requests, and the totals need at least ceil(2870 / 1000) = 3.
    expect(out.length).toBeGreaterThanOrEqual(3);
    out.forEach(check);
    expect(out.flatMap((b) => b.metrics)).toEqual(data.metrics);
    expect(out.flatMap((b) => b.params)).toEqual(data.params);
    expect(out.flatMap((b) => b.tags)).toEqual(data.tags);
    expect(out.every((b) => b.run_id === 'r')).toBe(true);
  });

  it('the 1 MB body limit splits before the count limits do', () => {
    // 150 params of 6000 characters (≈ 900 kB): the 100-param limit makes two requests, each < 1 MB.
    const data = { metrics: [], params: kv(150, 'p', 6000), tags: [] };
    const out = splitLogBatch('r', data);
    out.forEach(check);
    expect(out.flatMap((b) => b.params)).toEqual(data.params);
    const small = { ...MLFLOW_LIMITS, batchBytes: 20_000 };
    const tight = splitLogBatch('r', { metrics: [], params: kv(10, 'p', 6000), tags: [] }, small);
    // Each param is {"key":"pN","value":"x…x"} = 6023 bytes (+1 comma); the empty body is 49 bytes.
    // 3 params: 49 + 3 × 6024 = 18121 ≤ 20000; a 4th would make 24145 > 20000. So 3 + 3 + 3 + 1.
    expect(tight.map((b) => b.params.length)).toEqual([3, 3, 3, 1]);
    tight.forEach((b) => expect(JSON.stringify(b).length).toBeLessThanOrEqual(20_000));
  });

  it('truncateValue cuts to the limit and marks the cut', () => {
    expect(truncateValue('abc', 5)).toBe('abc');
    const t = truncateValue('x'.repeat(7000), 6000);
    expect(t).toHaveLength(6000);
    expect(t.endsWith(TRUNCATION_MARKER)).toBe(true);
  });
});
