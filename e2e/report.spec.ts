/**
 * Reports (issue 13 §4) in Chromium on the built web shell: the Report and PDF buttons of a stored run
 * and of a comparison download a self-contained HTML tear sheet (every section; opened in the browser
 * with every request intercepted, it asks for nothing but itself) and a PDF with pages.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ApiSocket } from './api-socket';
import { as2008Yaml, attr, goToTab, oneQuoterYaml, startApp } from './app';
import { screenshot } from './harness';

async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; path: string }> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), click()]);
  return { name: d.suggestedFilename(), path: await d.path() };
}

describe('reports', () => {
  it('Report and PDF of a run and of a comparison', async () => {
    const { page, shell } = await startApp();
    const socket = await ApiSocket.connect(shell.url);
    onTestFinished(() => socket.close());
    const base = await as2008Yaml(socket);
    const a = await socket.runBacktest(oneQuoterYaml(base, 'report-a', 'inventory', 20), 3);
    const b = await socket.runBacktest(oneQuoterYaml(base, 'report-b', 'symmetric', 20), 3);
    expect([a.status, b.status]).toEqual(['completed', 'completed']);

    await goToTab(page, 'runs');
    await page.getByTestId('runs-refresh').click();
    const row = (id: string): ReturnType<Page['locator']> =>
      page.getByTestId('run-row').and(page.locator(`[data-run-id="${id}"]`));
    await row(a.runId).getByTestId('run-open').click();
    await expect.poll(() => attr(page.getByTestId('run-detail'), 'data-run-id')).toBe(a.runId);

    // HTML of one run
    const html = await download(page, () => page.getByTestId('run-report').click());
    expect(html.name).toBe(`report-${a.runId}.html`);
    const text = readFileSync(html.path, 'utf8');
    for (const id of [
      'runs',
      'metrics',
      'pnl',
      'drawdown',
      'rolling-sharpe',
      'distribution',
      'inventory',
      'fills',
      'risk',
      'periods',
      'config',
    ])
      expect(text, id).toContain(`<section id="${id}">`);
    expect(text).toContain('Tear sheet: report-a');

    // Opened in the browser, it asks for nothing but itself.
    const browser = page.context().browser();
    if (!browser) throw new Error('no browser');
    const view = await browser.newPage();
    const self = pathToFileURL(html.path).href;
    const others: string[] = [];
    await view.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === self) await route.continue();
      else {
        others.push(url);
        await route.abort();
      }
    });
    await view.goto(self, { waitUntil: 'load' });
    expect(others).toEqual([]);
    await screenshot(view, 'report-run');
    await view.close();

    // PDF of one run
    const pdf = await download(page, () => page.getByTestId('run-report-pdf').click());
    expect(pdf.name).toBe(`report-${a.runId}.pdf`);
    const bytes = readFileSync(pdf.path).toString('latin1');
    expect(bytes.startsWith('%PDF-')).toBe(true);
    expect((bytes.match(/\/Type\s*\/Page(?!s)/g) ?? []).length).toBeGreaterThanOrEqual(1);

    // A comparison
    await row(a.runId).getByTestId('run-compare-check').check();
    await row(b.runId).getByTestId('run-compare-check').check();
    const cmp = await download(page, () => page.getByTestId('compare-report').click());
    expect(cmp.name).toBe(`compare-${a.runId.slice(0, 8)}-${b.runId.slice(0, 8)}.html`);
    expect(readFileSync(cmp.path, 'utf8')).toContain('Comparison: report-a vs report-b');
  });
});
