/**
 * Tables, Compare and Export (issue 10 §4) in Chromium on the built web shell: the results tables fit
 * the page at 1280 and 1440 px with their default columns, the column chooser adds a column that
 * survives a reload, Compare shows Δ = B − A and marks the better side of a known pair (AS 2008's
 * inventory quoter has a smaller PnL std than the symmetric one), the runs list sorts and filters, and
 * the exports download a CSV with the expected header, the config YAML and a chart PNG.
 */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ApiSocket } from './api-socket';
import { as2008Yaml, attr, goToTab, oneQuoterYaml, startApp, type MiniElement } from './app';
import { screenshot } from './harness';

interface Measured extends MiniElement {
  readonly scrollWidth: number;
  readonly clientWidth: number;
}

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
] as const;

/** How far the page scrolls sideways (≤ 0: it does not). */
function pageOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const el = (globalThis as unknown as { document: { documentElement: Measured } }).document
      .documentElement;
    return el.scrollWidth - el.clientWidth;
  });
}

/** How far an element's content overflows it sideways. */
function ownOverflow(loc: Locator): Promise<number> {
  return loc.evaluate((el: Measured) => el.scrollWidth - el.clientWidth);
}

async function api(url: string): Promise<ApiSocket> {
  const socket = await ApiSocket.connect(url);
  onTestFinished(() => socket.close());
  return socket;
}

/** as2008 with one strategy, a name and few paths. */
async function smallYaml(
  socket: ApiSocket,
  name: string,
  variant: 'inventory' | 'symmetric',
): Promise<string> {
  const yaml = oneQuoterYaml(await as2008Yaml(socket), name, variant, 100);
  expect(yaml).toMatch(new RegExp(`^name: ${name}$`, 'm'));
  return yaml;
}

async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await d.path();
  return { name: d.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

async function exportItem(page: Page, menu: string, format: string): Promise<{ name: string; text: string }> {
  await page.getByTestId(menu).locator('summary').click();
  return download(page, () =>
    page.getByTestId(menu).locator(`[data-testid="export-item"][data-format="${format}"]`).click(),
  );
}

async function openRun(page: Page, runId: string): Promise<void> {
  await page
    .getByTestId('run-row')
    .and(page.locator(`[data-run-id="${runId}"]`))
    .getByTestId('run-open')
    .click();
  await expect.poll(() => attr(page.getByTestId('run-detail'), 'data-run-id')).toBe(runId);
  await expect
    .poll(() => page.getByTestId('run-results').getByTestId('results-row').count())
    .toBeGreaterThan(0);
}

describe('tables, compare and export', () => {
  it('results tables fit at 1280 and 1440 px; the column chooser persists; CSV and YAML export', async () => {
    const { page, shell, pageErrors } = await startApp();
    const socket = await api(shell.url);

    // A backtest through the UI: the Backtest view's results table.
    await goToTab(page, 'backtest');
    const select = page.getByTestId('preset-select');
    await select.locator('option[value="as2008"]').waitFor({ state: 'attached' });
    await select.selectOption('as2008');
    await page.getByTestId('paths-input').fill('100');
    await expect.poll(() => page.getByTestId('yaml-editor').inputValue()).toMatch(/^paths: 100$/m);
    await page.getByTestId('run-backtest').click();
    await expect
      .poll(() => attr(page.getByTestId('backtest-detail'), 'data-state'), { timeout: 60_000 })
      .toBe('ready');
    const btTable = page.getByTestId('backtest-results');
    await expect.poll(() => btTable.getByTestId('results-row').count()).toBe(6);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await expect.poll(() => pageOverflow(page)).toBeLessThanOrEqual(0);
      // The default columns fit without the table's own scrollbar.
      expect(await ownOverflow(page.getByTestId('backtest-results-wrap'))).toBeLessThanOrEqual(0);
      await screenshot(page, `tables-backtest-${size.width}`);
    }
    // Units in the headers, definitions in their tooltips.
    const header = btTable.locator('th[data-metric="effectiveSpreadBps"]');
    expect(await header.textContent()).toMatch(/bp/);
    expect(await header.getAttribute('title')).toMatch(/mid at the fill/);

    // The Runs view's table of a run stored through the API.
    const { runId, status } = await socket.runBacktest(await smallYaml(socket, 'tables-a', 'symmetric'), 2);
    expect(status).toBe('completed');
    await goToTab(page, 'runs');
    await page.getByTestId('runs-refresh').click();
    await openRun(page, runId);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await expect.poll(() => pageOverflow(page)).toBeLessThanOrEqual(0);
      expect(await ownOverflow(page.getByTestId('run-results-wrap'))).toBeLessThanOrEqual(0);
      await screenshot(page, `tables-runs-${size.width}`);
    }

    // The column chooser adds Turnover; the choice survives a reload.
    const table = page.getByTestId('run-results');
    expect(await table.locator('th[data-metric="turnover"]').count()).toBe(0);
    await page.getByTestId('run-results-columns').locator('summary').click();
    await page.getByTestId('run-results-columns').locator('[data-key="turnover"]').check();
    await expect.poll(() => table.locator('th[data-metric="turnover"]').count()).toBe(1);
    expect(await table.locator('td[data-metric="turnover"]').count()).toBe(1);
    await screenshot(page, 'tables-column-chooser');
    await page.reload();
    await expect.poll(() => attr(page.getByTestId('connection-status'), 'data-state')).toBe('open');
    await goToTab(page, 'runs');
    await openRun(page, runId);
    expect(await page.getByTestId('run-results').locator('th[data-metric="turnover"]').count()).toBe(1);

    // CSV: a header row, then one row per result at full precision (the stored numbers exactly).
    const csv = await exportItem(page, 'run-results-export', 'csv');
    expect(csv.name).toBe('tables-a-results.csv');
    const lines = csv.text.trim().split(/\r\n/);
    expect(lines[0]).toMatch(/^index,strategy,params,pnlMean,pnlStd,sessionSharpe,sharpe,/);
    expect(lines[0]?.split(',')).toContain('maxDrawdownWorst');
    expect(lines).toHaveLength(2);
    const stored = await socket.call('runs.get', { runId });
    const pnlCol = lines[0]?.split(',').indexOf('pnlMean') ?? -1;
    expect(Number(lines[1]?.split(',')[pnlCol])).toBe(stored.results[0]?.metrics.pnlMean);
    const json = await exportItem(page, 'run-results-export', 'json');
    expect((JSON.parse(json.text) as unknown[]).length).toBe(1);
    // The run's config as YAML.
    const yaml = await exportItem(page, 'run-run-export', 'yaml');
    expect(yaml.name).toBe('tables-a-config.yaml');
    expect(yaml.text).toMatch(/^name: tables-a$/m);
    expect(yaml.text).toMatch(/variant: symmetric/);
    // A chart as PNG.
    await expect
      .poll(() => attr(page.getByTestId('run-chart-pnl'), 'data-drawn'), { timeout: 20_000 })
      .toBe('true');
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('run-chart-pnl-png').click(),
    ]);
    expect(png.suggestedFilename()).toBe('pnl.png');
    expect(
      readFileSync(await png.path())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(pageErrors).toEqual([]);
  });

  it('runs list sorts and filters; compare shows Δ and marks the better side', async () => {
    const { page, shell, pageErrors } = await startApp();
    const socket = await api(shell.url);
    const a = await socket.runBacktest(await smallYaml(socket, 'pair-symmetric', 'symmetric'), 2);
    const b = await socket.runBacktest(await smallYaml(socket, 'pair-inventory', 'inventory'), 2);
    const c = await socket.runBacktest(await smallYaml(socket, 'other-run', 'inventory'), 0);
    expect([a.status, b.status, c.status]).toEqual(['completed', 'completed', 'completed']);
    // Watch the page's API calls (its socket opens again on reload): sorting and filtering by a
    // metric or strategy run on the back end (runs.search), not one runs.get per run.
    const sent: string[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        const m = /"method":"([\w.]+)"/.exec(typeof f.payload === 'string' ? f.payload : '');
        if (m?.[1]) sent.push(m[1]);
      }),
    );
    await page.reload();
    await expect.poll(() => attr(page.getByTestId('connection-status'), 'data-state')).toBe('open');
    await goToTab(page, 'runs');
    await expect.poll(() => sent.includes('runs.search')).toBe(true);
    const names = (): Promise<string[]> =>
      page
        .getByTestId('run-row')
        .evaluateAll((rows: MiniElement[]) =>
          rows.map((r) => r.querySelector('[data-testid="run-open"]')?.textContent ?? ''),
        );
    await expect.poll(names).toEqual(['other-run', 'pair-inventory', 'pair-symmetric']); // newest first
    await page.getByTestId('runs-sort-name').click();
    await expect.poll(names).toEqual(['other-run', 'pair-inventory', 'pair-symmetric']);
    await page.getByTestId('runs-sort-name').click();
    await expect.poll(names).toEqual(['pair-symmetric', 'pair-inventory', 'other-run']);
    // By a metric: each run's PnL std, best (lowest) first, shown in its own column.
    const stored = await Promise.all([a, b, c].map((r) => socket.call('runs.get', { runId: r.runId })));
    const std = stored.map((d) => d.results[0]?.metrics.pnlStd ?? NaN);
    // Ties (other-run repeats pair-inventory's config) stay newest first, as listed.
    const byStd = ['pair-symmetric', 'pair-inventory', 'other-run']
      .map((n, i) => ({ n, v: std[i] ?? NaN }))
      .reverse()
      .sort((x, y) => x.v - y.v)
      .map((x) => x.n);
    await page.getByTestId('runs-sort').selectOption('pnlStd');
    await expect.poll(names).toEqual(byStd);
    expect(await page.getByTestId('run-metric').count()).toBe(3);
    // Filter on name, then on strategy.
    await page.getByTestId('runs-filter').fill('pair');
    await expect.poll(names).toEqual(byStd.filter((n) => n.startsWith('pair')));
    // other-run matches by its strategy only (the AS inventory quoter), not by its name.
    await page.getByTestId('runs-filter').fill('strategy:inventory');
    await expect.poll(async () => (await names()).sort()).toEqual(['other-run', 'pair-inventory']);
    await page.getByTestId('runs-filter').fill('no such run');
    await expect.poll(() => page.getByTestId('runs-filtered-empty').count()).toBe(1);
    await page.getByTestId('runs-filter').fill('pair');
    await screenshot(page, 'tables-runs-sorted-filtered');
    expect(sent.filter((m) => m === 'runs.get')).toEqual([]);

    // Compare A = symmetric, B = inventory (tick in that order).
    const row = (id: string): Locator =>
      page.getByTestId('run-row').and(page.locator(`[data-run-id="${id}"]`));
    await row(a.runId).getByTestId('run-compare-check').check();
    await row(b.runId).getByTestId('run-compare-check').check();
    await page.getByTestId('compare-button').click();
    const cmp = page.getByTestId('compare-table');
    await expect.poll(() => cmp.getByTestId('compare-row').count()).toBeGreaterThanOrEqual(25);
    expect(await attr(page.locator('[data-testid="compare-side"][data-side="A"]'), 'data-run-id')).toBe(
      a.runId,
    );
    const stdRow = cmp.locator('[data-testid="compare-row"][data-metric="pnlStd"]');
    // AS 2008 table 1: the inventory quoter's PnL is far less dispersed than the symmetric one's.
    const [stdA, stdB] = [std[0] ?? NaN, std[1] ?? NaN];
    expect(stdB).toBeLessThan(stdA);
    expect(await attr(stdRow, 'data-better')).toBe('B');
    expect(await stdRow.locator('td.better').getAttribute('data-side')).toBe('B');
    expect(Number(await attr(stdRow.locator('[data-side="delta"]'), 'data-value'))).toBeCloseTo(
      stdB - stdA,
      9,
    );
    expect(await stdRow.locator('[data-side="delta"]').textContent()).toMatch(/^−/);
    // PnL mean: higher is better, whichever side that is.
    const meanRow = cmp.locator('[data-testid="compare-row"][data-metric="pnlMean"]');
    const [mA, mB] = stored.slice(0, 2).map((d) => d.results[0]?.metrics.pnlMean ?? NaN);
    expect(await attr(meanRow, 'data-better')).toBe((mB ?? 0) > (mA ?? 0) ? 'B' : 'A');
    // Overlaid curves: two series on each chart.
    for (const id of ['pnl', 'drawdown']) {
      const chart = page.getByTestId(`compare-chart-${id}`);
      await expect.poll(() => attr(chart, 'data-drawn'), { timeout: 20_000 }).toBe('true');
      await expect.poll(() => attr(page.getByTestId(`compare-figure-${id}`), 'data-series')).toBe('2');
    }
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await expect.poll(() => pageOverflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `tables-compare-${size.width}`);
    }
    const csv = await exportItem(page, 'compare-export', 'csv');
    expect(csv.text.split('\r\n')[0]).toBe('metric,A,B,delta,better');
    expect(pageErrors).toEqual([]);
  });
});
