/**
 * Views that tell the truth at a glance (issue 10 §4), in Chromium at 1440×900 on the built web shell:
 * the order-book chart's time axis is proportional to sim time (every bucket of a regular grid is a
 * point, also after a speed change widens the buckets), our quotes are step lines, prices carry the
 * tick's precision, the MID ticker shows the ladder's mid in full and unclipped, and the page does not
 * overflow horizontally. Screenshots go to e2e/output/.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { attr, goToTab, numAttr, settledAttr, startApp, type MiniElement } from './app';
import { OUTPUT, screenshot } from './harness';

interface Measured extends MiniElement {
  readonly scrollWidth: number;
}

/** Whether the page scrolls horizontally (document wider than the viewport). */
function pageOverflowX(page: Page): Promise<number> {
  return page.evaluate(() => {
    const el = (globalThis as unknown as { document: { documentElement: Measured } }).document
      .documentElement;
    return el.scrollWidth - el.clientWidth;
  });
}

/** Text, and how far its content overflows its box (> 0: clipped or ellipsised). */
function textAndClip(loc: Locator): Promise<{ text: string; clip: number }> {
  return loc.evaluate((el: Measured) => ({
    text: el.textContent ?? '',
    clip: el.scrollWidth - el.clientWidth,
  }));
}

describe('views that tell the truth', () => {
  it('order book: time axis proportional to sim time, step quotes, full-precision mid', async () => {
    const { page, pageErrors } = await startApp();
    await goToTab(page, 'orderbook');
    const select = page.getByTestId('replay-preset-select');
    await select.locator('option[value="book-default"]').waitFor({ state: 'attached' });
    await select.selectOption('book-default');
    await page.getByTestId('speed-select').selectOption('100');
    await page.getByTestId('replay-start').click();
    const status = page.getByTestId('replay-status');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');

    const chart = page.getByTestId('book-chart');
    await expect.poll(() => numAttr(chart, 'data-points'), { timeout: 30_000 }).toBeGreaterThan(10);
    expect(await attr(chart, 'data-line-type')).toBe('steps');
    expect(await numAttr(chart, 'data-bucket-width')).toBe(5); // 100× → 5 s buckets

    // A faster speed widens the buckets (100× → 5 s, 1000× → 60 s): the chart is re-gridded, so
    // every bar is still the same span of sim time.
    await page.getByTestId('speed-select').selectOption('1000');
    await expect.poll(() => numAttr(chart, 'data-bucket-width')).toBe(60);
    await expect
      .poll(async () => (await numAttr(chart, 'data-last-t')) - (await numAttr(chart, 'data-first-t')))
      .toBeGreaterThanOrEqual(4 * 60);
    if ((await attr(status, 'data-status')) === 'running') {
      await page.getByTestId('replay-pause').click();
      await expect.poll(() => attr(status, 'data-status')).not.toBe('running');
    }
    await settledAttr(chart, 'data-points');
    const grid = await chart.evaluate((el: MiniElement) => ({
      points: Number(el.getAttribute('data-points')),
      first: Number(el.getAttribute('data-first-t')),
      last: Number(el.getAttribute('data-last-t')),
      width: Number(el.getAttribute('data-bucket-width')),
    }));
    // Strictly increasing times on multiples of the width, and as many points as buckets in the
    // span: so the k-th point is at first + k·width and its x position (index) is proportional to time.
    expect(grid.first % grid.width).toBe(0);
    expect(grid.last % grid.width).toBe(0);
    expect(grid.points).toBe((grid.last - grid.first) / grid.width + 1);

    // Prices: the ladder's mid with one decimal beyond the tick, the MID ticker shows it in full.
    const ladderMid = (await page.getByTestId('ladder-spread').textContent()) ?? '';
    const m = /mid ([\d.]+)/.exec(ladderMid);
    expect(m, ladderMid).not.toBeNull();
    const midText = m?.[1] ?? '';
    const decimals = midText.split('.')[1]?.length ?? 0;
    expect(await numAttr(chart, 'data-price-precision')).toBe(decimals);
    const ticker = await textAndClip(page.getByTestId('ticker-mid').locator('.ticker-value'));
    expect(ticker.text).toBe(midText);
    expect(ticker.clip).toBeLessThanOrEqual(0);
    for (const id of ['ticker-inventory', 'ticker-pnl', 'ticker-cash', 'ticker-total-updates']) {
      const t = await textAndClip(page.getByTestId(id).locator('.ticker-value'));
      expect(t.clip, `${id} "${t.text}" is clipped`).toBeLessThanOrEqual(0);
    }
    expect(await pageOverflowX(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'views-orderbook');
    await chart.screenshot({ path: join(OUTPUT, 'views-orderbook-chart.png') });
    expect(pageErrors).toEqual([]);
  });
});
