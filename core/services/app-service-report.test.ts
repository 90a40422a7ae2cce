/**
 * `runs.report` through the app service, as both shells call it: the tear sheet of a stored run and
 * of a comparison as HTML with a file name to save it under; an unknown id is a not_found error
 * naming it, and invalid input is refused by the contract.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport, RunReportPdf } from '../api/contract';
import { chromiumPath } from '../report/pdf';
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

describe('AppService runs.reportPdf', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-svc-report-pdf-'));
  const printed: string[] = [];
  const svc = new AppService({
    dataDir,
    transport: 'electron',
    version: '0.0.0-test',
    printPdf: (html) => {
      printed.push(html);
      return Promise.resolve(new TextEncoder().encode('%PDF-fake'));
    },
  });
  const a = storeBacktest(svc.store, tinyConfig({ name: 'alpha', paths: 2 }), 2);
  afterAll(async () => {
    await svc.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("prints the run's HTML with the shell's printer and returns it base64-encoded", async () => {
    const r = await svc.dispatch('runs.reportPdf', { runIds: [a.runId] }, ctx);
    expect(r.ok).toBe(true);
    const out = (r as { output: RunReportPdf }).output;
    expect(out.fileName).toBe(`report-${a.runId}.pdf`);
    expect(Buffer.from(out.pdfBase64, 'base64').toString('latin1')).toBe('%PDF-fake');
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('<title>Tear sheet: alpha</title>');
  });

  it.skipIf(!existsSync(chromiumPath()))(
    "the web shell's default printer is Debian's Chromium (skipped without /usr/bin/chromium)",
    async () => {
      const web = new AppService({
        dataDir: mkdtempSync(join(tmpdir(), 'qb-svc-web-')),
        transport: 'websocket',
        version: 't',
      });
      try {
        const b = storeBacktest(web.store, tinyConfig({ name: 'web', paths: 2 }), 2);
        const r = await web.dispatch('runs.reportPdf', { runIds: [b.runId] }, ctx);
        expect(r.ok, JSON.stringify(r)).toBe(true);
        const pdf = Buffer.from((r as { output: RunReportPdf }).output.pdfBase64, 'base64').toString(
          'latin1',
        );
        expect(pdf.startsWith('%PDF-')).toBe(true);
        expect((pdf.match(/\/Type\s*\/Page(?!s)/g) ?? []).length).toBeGreaterThanOrEqual(1);
      } finally {
        await web.close();
        rmSync(web.store.dataDir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
