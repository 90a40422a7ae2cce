/**
 * Issue 13 §6 in Chromium on the built web shell: run a small stress grid from the Stress tab (the
 * editor's quick preset: base and a volatility spike × two strategies × two seeds, 4 paths), watch the
 * progress bar and the heatmap fill in, open a stressed cell (its PnL, inventory and drawdown charts,
 * each overlaid on the base run), export the pair's report as PDF, and check the PDF: it has pages, and
 * its first page, rendered to PNG by pdf.js (e2e/pdf-page.ts), shows the cumulative-PnL chart — the
 * heading "Cumulative PnL" is on page 1 and the report's PnL line colour fills pixels below it. The same
 * check fails on a PDF of the same report with the PnL chart taken out.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { printHtmlStringToPdf } from '../core/report/pdf';
import { ApiSocket } from './api-socket';
import { attr, goToTab, startApp } from './app';
import { OUTPUT, screenshot } from './harness';
import { renderPdfFirstPage, type PdfFirstPage } from './pdf-page';

/**
 * The report's colours of its first two strategy runs (core/report/svg.ts PALETTE[0], [1]): the stressed
 * run's and the base run's mean-PnL lines (they overlap where the stress has not acted yet).
 */
const PNL_LINES = ['#0072B2', '#D55E00'];
/** Pixels of those colours below the heading for "the chart is there" (two drawn lines are thousands). */
const MIN_LINE_PIXELS = 1000;

/**
 * Page 1 shows the PnL chart: its heading and chart title are page-1 text, and below the heading the
 * line colours cover at least MIN_LINE_PIXELS pixels spread over at least half the page's width (lines
 * across a plot, not the colour swatches of a table).
 */
function showsPnlChart(p: PdfFirstPage): boolean {
  const box = p.ink.box;
  return (
    p.pages >= 1 &&
    p.headingTop !== null &&
    p.text.includes('Cumulative PnL') &&
    p.text.includes('Mean PnL of the kept paths') &&
    p.ink.belowHeading >= MIN_LINE_PIXELS &&
    box !== null &&
    box.x1 - box.x0 >= p.width / 2
  );
}

async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; path: string }> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), click()]);
  return { name: d.suggestedFilename(), path: await d.path() };
}

describe('Stress tab: a stress grid run from the UI', () => {
  it('runs, fills the heatmap, opens a cell with its base, and exports a PDF whose page 1 shows the PnL chart', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'qb-e2e-stress-ui-'));
    onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
    const { page, shell, pageErrors, browser } = await startApp();
    await goToTab(page, 'stress');

    // The editor starts from the quickest shipped stress sweep.
    const yaml = page.getByTestId('sweep-yaml');
    await expect.poll(() => yaml.inputValue()).toContain('name: stress-quick');
    expect(await yaml.inputValue()).toMatch(/seeds: \[1, 2\]/);
    await page.getByTestId('sweep-start').click();

    // Progress to the end, and the heatmap has every cell's mean.
    const status = page.getByTestId('sweep-run-status');
    await expect.poll(() => attr(status, 'data-status'), { timeout: 120_000 }).toBe('completed');
    const bar = page.getByTestId('sweep-progress');
    expect(await attr(bar, 'data-value')).toBe('8');
    expect(await attr(bar, 'data-max')).toBe('8');
    const cells = page.getByTestId('heat-cell');
    await expect.poll(() => cells.count()).toBe(4);
    await expect
      .poll(async () =>
        (await cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-mean')))).join('|'),
      )
      .toMatch(/^[^|]+\|[^|]+\|[^|]+\|[^|]+$/);
    expect(await page.getByTestId('sweep-row').count()).toBe(1);
    expect(await page.getByTestId('sweep-row').first().textContent()).toContain('8 / 8');
    expect(await attr(page.getByTestId('heat-legend'), 'data-better')).toBe('higher');
    await screenshot(page, 'stress-ui-heatmap');

    // Open the stressed cell of strategy 0: its charts, each with the base run overlaid.
    const stressed = page.locator('[data-testid="heat-cell"][data-strategy="0"]').nth(1);
    const scenario = await attr(stressed, 'data-scenario');
    expect(scenario).toContain('volatility-spike');
    await stressed.click();
    const panel = page.getByTestId('stress-cell-panel');
    await expect.poll(() => attr(panel, 'data-state'), { timeout: 120_000 }).toBe('ready');
    const runId = (await attr(panel, 'data-run-id')) ?? '';
    const baseRunId = (await attr(panel, 'data-base-run-id')) ?? '';
    expect(runId).not.toBe('');
    expect(baseRunId).not.toBe('');
    for (const q of ['pnl', 'inventory', 'drawdown'])
      await expect.poll(() => attr(page.getByTestId(`stress-cell-chart-${q}`), 'data-drawn')).toBe('true');
    expect(await panel.getByTestId('cell-legend-item').count()).toBe(6); // stressed + base, 3 charts
    await screenshot(page, 'stress-ui-cell');

    // Clicking it again finds the stored runs.
    await page.getByTestId('stress-cell-close').click();
    await stressed.click();
    await expect.poll(() => attr(panel, 'data-state')).toBe('ready');
    expect(await attr(panel, 'data-run-id')).toBe(runId);
    expect(await attr(panel, 'data-cached')).toBe('true');

    // The PDF of the pair.
    const pdf = await download(page, () => page.getByTestId('stress-cell-report-pdf').click());
    expect(pdf.name).toMatch(/\.pdf$/);
    const pdfFile = join(tmp, pdf.name);
    writeFileSync(pdfFile, readFileSync(pdf.path));
    expect(existsSync(pdfFile)).toBe(true);
    expect(readFileSync(pdfFile).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const png = join(tmp, 'page-1.png');
    const first = await renderPdfFirstPage(browser, pdfFile, png, {
      heading: 'Cumulative PnL',
      colors: PNL_LINES,
    });
    expect(existsSync(png)).toBe(true);
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(first.pages).toBeGreaterThanOrEqual(1);
    expect(first.text).toContain('Cumulative PnL');
    expect(first.ink.belowHeading).toBeGreaterThanOrEqual(MIN_LINE_PIXELS);
    expect(showsPnlChart(first)).toBe(true);
    mkdirSync(OUTPUT, { recursive: true });
    copyFileSync(png, join(OUTPUT, 'stress-ui-pdf-page1.png'));

    // The check can fail: the same report with the PnL chart's SVG removed, printed the same way.
    const socket = await ApiSocket.connect(shell.url);
    onTestFinished(() => socket.close());
    const { html } = await socket.call('runs.report', { runIds: [runId, baseRunId] });
    const start = html.indexOf('Cumulative PnL');
    const svgStart = html.indexOf('<svg', start);
    const svgEnd = html.indexOf('</svg>', svgStart) + '</svg>'.length;
    expect(start > 0 && svgStart > start && svgEnd > svgStart).toBe(true);
    const noChart = html.slice(0, svgStart) + html.slice(svgEnd);
    const controlPdf = join(tmp, 'no-pnl-chart.pdf');
    writeFileSync(controlPdf, await printHtmlStringToPdf(noChart));
    const control = await renderPdfFirstPage(browser, controlPdf, join(tmp, 'no-pnl-chart.png'), {
      heading: 'Cumulative PnL',
      colors: PNL_LINES,
    });
    expect(control.pages).toBeGreaterThanOrEqual(1);
    expect(control.ink.belowHeading).toBeLessThan(MIN_LINE_PIXELS);
    expect(showsPnlChart(control)).toBe(false);
    console.info(
      `stress-ui: PDF ${first.pages} pages; page 1 ${first.width}×${first.height} px, PnL-line pixels below the heading: ${first.ink.belowHeading} spanning ${first.ink.box ? first.ink.box.x1 - first.ink.box.x0 : 0} px (without the chart: ${control.ink.belowHeading}, ${control.ink.box ? control.ink.box.x1 - control.ink.box.x0 : 0} px)`,
    );

    expect(pageErrors).toEqual([]);
  });
});
