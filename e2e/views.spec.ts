/**
 * Views that tell the truth at a glance (issue 10 §4), in Chromium at 1440×900 on the built web shell:
 * the order-book chart's time axis is proportional to sim time (every bucket of a regular grid is a
 * point, also after a speed change widens the buckets), our quotes are step lines, prices carry the
 * tick's precision, the MID ticker shows the ladder's mid in full and unclipped, and the page does not
 * overflow horizontally; in the training monitor α reads "α" (not an upper-cased "Α"), the RETURN
 * figure shows the last completed episode's return, and the two losses have an axis each; the
 * training curves' step axis is a regular grid too, and every chart has axis titles.
 * Screenshots go to e2e/output/.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  attr,
  downloadPng,
  expectAxisTitles,
  goToTab,
  lastDrawn,
  numAttr,
  settledAttr,
  sleep,
  startApp,
  tinyTrainingYaml,
  type MiniElement,
} from './app';
import { OUTPUT, screenshot } from './harness';

interface Measured extends MiniElement {
  readonly scrollWidth: number;
  /** The rendered text (CSS text-transform applied), unlike textContent. */
  readonly innerText: string;
}

const TINY = tinyTrainingYaml('e2e-views', 'tiny SAC run for the views spec');

function innerText(loc: Locator): Promise<string> {
  return loc.evaluate((el: Measured) => el.innerText);
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
    // At 1000× the 15-minute session ends within seconds: read the chart once it has.
    await expect.poll(() => attr(status, 'data-status'), { timeout: 60_000 }).not.toBe('running');
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

    // Fill markers at 1000×: counted per bar group (one per side per group, with the count as text),
    // not stacked one arrow per fill: fewer markers than fills, at most two per group of bars, and
    // at most two per 14 px of chart width.
    const mk = await chart.evaluate((el: MiniElement) => ({
      markers: Number(el.getAttribute('data-markers')),
      fills: Number(el.getAttribute('data-marker-fills')),
      group: Number(el.getAttribute('data-marker-group')),
      width: el.clientWidth,
    }));
    expect(mk.fills, JSON.stringify(mk)).toBeGreaterThan(mk.markers);
    expect(mk.markers).toBeGreaterThan(0);
    expect(mk.markers).toBeLessThanOrEqual(2 * Math.ceil(grid.points / mk.group));
    expect(mk.markers).toBeLessThanOrEqual(2 * Math.ceil(mk.width / 14));

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
    expect(await expectAxisTitles(page)).toBe(1);
    expect(await chart.locator('[data-axis="x"]').textContent()).toBe('sim m:ss');
    await screenshot(page, 'views-orderbook');
    await chart.screenshot({ path: join(OUTPUT, 'views-orderbook-chart.png') });
    // The chart saves as a non-empty PNG (the same button as the run charts').
    const png = await downloadPng(page, 'book-chart-png');
    expect(png.name).toBe('orderbook-chart.png');
    expect(png.width).toBeGreaterThan(100);
    expect(png.bytes).toBeGreaterThan(1000);
    expect(pageErrors).toEqual([]);
  });
  it('training: α reads α, RETURN shows the last completed episode, one axis per loss', async () => {
    const { page, pageErrors } = await startApp();
    await goToTab(page, 'training');
    const select = page.getByTestId('train-preset-select');
    await select.locator('option[value="__custom__"]').waitFor({ state: 'attached' });
    await select.selectOption('__custom__');
    await page.getByTestId('train-yaml-editor').fill(TINY);
    await page.getByTestId('train-name-input').fill('e2e views SAC');
    await page.getByTestId('train-start').click();
    const status = page.getByTestId('train-status');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');

    // Rendered text (innerText applies text-transform): an upper-cased α would be "Α".
    expect(await innerText(page.getByTestId('train-alpha-label'))).toBe('α (temperature)');
    // Episodes are 100 steps: once the return chart has a point, an episode has ended, and the
    // RETURN figure must keep showing it on every later sample (most samples end no episode).
    const ret = page.getByTestId('train-chart-return');
    await expect.poll(() => numAttr(ret, 'data-points'), { timeout: 60_000 }).toBeGreaterThan(1);
    for (let i = 0; i < 5; i++) {
      expect(await page.getByTestId('train-return').textContent()).not.toBe('—');
      await sleep(300);
    }
    // Step axis proportional to the step: each curve is on a regular step grid with every bucket
    // present, so the k-th point is at first + k·width.
    for (const id of ['train-chart-loss', 'train-chart-alpha']) {
      const g = await page.getByTestId(id).evaluate((el: MiniElement) => ({
        points: Number(el.getAttribute('data-points')),
        first: Number(el.getAttribute('data-first-t')),
        last: Number(el.getAttribute('data-last-t')),
        width: Number(el.getAttribute('data-grid-width')),
      }));
      expect(g.points, id).toBeGreaterThan(1);
      expect(g.first % g.width, id).toBe(0);
      expect(g.last % g.width, id).toBe(0);
      expect(g.points, `${id} ${JSON.stringify(g)}`).toBe((g.last - g.first) / g.width + 1);
    }
    expect(await attr(page.getByTestId('train-chart-loss'), 'data-price-scales')).toBe(
      'actorLoss:left,criticLoss:right',
    );
    expect(await pageOverflowX(page)).toBeLessThanOrEqual(0);
    // Return, losses (a title per axis), α/entropy and the quote curves.
    expect(await expectAxisTitles(page)).toBe(4);
    expect(await page.getByTestId('train-chart-loss').locator('[data-axis="y-left"]').textContent()).toBe(
      'actor loss',
    );
    await screenshot(page, 'views-training');

    // ETA while running: "—" until two samples show the step rate, then a time left.
    const eta = page.getByTestId('train-eta');
    await expect.poll(() => eta.textContent()).toMatch(/^~\d+ (s|m \d\d s|h \d\d m)$/);
    expect(await numAttr(eta, 'data-eta-sec')).toBeGreaterThan(0);

    // Smoothing: off by default (one raw line per loss); on, each loss is drawn as its EMA over a
    // faint raw copy, and the EMA's last value is not the raw one; off again restores the raw lines.
    const loss = page.getByTestId('train-chart-loss');
    expect(await attr(loss, 'data-smoothing')).toBe('off');
    expect(await attr(loss, 'data-series')).toBe('actorLoss:raw,criticLoss:raw');
    await page.getByTestId('train-smoothing').check();
    await expect.poll(() => attr(loss, 'data-smoothing')).toBe('0.9');
    expect(await attr(loss, 'data-series')).toBe(
      'actorLoss:faint,actorLoss:ema,criticLoss:faint,criticLoss:ema',
    );
    expect(await attr(ret, 'data-series')).toBe(
      'episodeReturn:faint,episodeReturn:ema,evalReturn:raw,evalBaselineReturn:raw',
    );
    await expect
      .poll(async () => {
        const y = await lastDrawn(loss);
        const raw = y.get('criticLoss:faint');
        const ema = y.get('criticLoss:ema');
        return raw !== undefined && ema !== undefined && Number.isFinite(raw) && Number.isFinite(ema)
          ? Math.abs(raw - ema)
          : -1;
      })
      .toBeGreaterThan(0);
    expect(await numAttr(loss, 'data-points')).toBeGreaterThan(1);
    await screenshot(page, 'views-training-smoothed');
    await page.getByTestId('train-smoothing').uncheck();
    await expect.poll(() => attr(loss, 'data-series')).toBe('actorLoss:raw,criticLoss:raw');

    // Every training chart saves as a non-empty PNG.
    for (const name of ['return', 'loss', 'alpha', 'quotes']) {
      const png = await downloadPng(page, `train-chart-${name}-png`);
      expect(png.name).toBe(`training-${name}.png`);
      expect(png.width).toBeGreaterThan(100);
      expect(png.height).toBeGreaterThan(50);
      expect(png.bytes).toBeGreaterThan(1000);
    }

    await page.getByTestId('train-stop').click();
    await expect.poll(() => attr(status, 'data-status'), { timeout: 30_000 }).toBe('stopped');
    expect(pageErrors).toEqual([]);
  });
});
