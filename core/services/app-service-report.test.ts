/**
 * `runs.report` through the app service, as both shells call it: the tear sheet of a stored run and
 * of a comparison as HTML with a file name to save it under; an unknown id is a not_found error
 * naming it, and invalid input is refused by the contract.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../api/contract';
import { storeBacktest, tinyConfig } from '../report/report.fixture';
import { AppService, MAX_REPORT_ENTRIES } from './app-service';

const ctx = { clientId: 'test' };

describe('AppService runs.report', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-svc-report-'));
  const svc = new AppService({ dataDir, transport: 'websocket', version: '0.0.0-test' });
  const a = storeBacktest(svc.store, tinyConfig({ name: 'alpha', paths: 2 }), 2);
  const b = storeBacktest(svc.store, tinyConfig({ name: 'beta', paths: 2 }), 1);
  afterAll(async () => {
    await svc.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('returns the HTML of one run and of a comparison, with their file names', async () => {
    const one = await svc.dispatch('runs.report', { runIds: [a.runId] }, ctx);
    expect(one.ok).toBe(true);
    const r1 = (one as { output: RunReport }).output;
    expect(r1.fileName).toBe(`report-${a.runId}.html`);
    expect(r1.html).toMatch(/^<!DOCTYPE html>/);
    expect(r1.html).toContain('<title>Tear sheet: alpha</title>');
    const two = await svc.dispatch('runs.report', { runIds: [a.runId, b.runId, a.runId] }, ctx);
    const r2 = (two as { output: RunReport }).output;
    expect(r2.fileName).toBe(`compare-${a.runId.slice(0, 8)}-${b.runId.slice(0, 8)}.html`);
    expect(r2.html).toContain('Comparison: alpha vs beta');
  });

  it('an unknown id is not_found naming it; an empty list is invalid input', async () => {
    const r = await svc.dispatch('runs.report', { runIds: [a.runId, 'missing-run'] }, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('not_found');
      expect(r.error.message).toContain('missing-run');
    }
    // a grid of MAX_REPORT_ENTRIES + 1 strategy runs is refused before any work
    const big = storeBacktest(
      svc.store,
      tinyConfig({
        name: 'big',
        paths: 1,
        strategies: [
          {
            type: 'fixed-spread',
            halfSpread: Array.from({ length: MAX_REPORT_ENTRIES + 1 }, (_, i) => 0.1 + i / 10),
          },
        ],
      }),
      0,
    );
    const tooBig = await svc.dispatch('runs.report', { runIds: [big.runId] }, ctx);
    expect(tooBig.ok).toBe(false);
    if (!tooBig.ok) expect(tooBig.error.code).toBe('limit_exceeded');
    const empty = await svc.dispatch('runs.report', { runIds: [] }, ctx);
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.error.code).toBe('invalid_input');
  });
});
