/**
 * Issue 11 §4 in Chromium: the Order book view plays a recorded dataset — the shared AAPL LOBSTER
 * sample, imported into the test's data directory with the CLI before the web shell starts. Source
 * "Dataset", the dataset and the FIFO queue model picked, the book-default preset's strategy quoting:
 * play, pause, step one recorded event at a time, scrub. After every step and every scrub the ladder's
 * best bid and ask must be the LOBSTER orderbook file's row for the event the view says it is at (the
 * raw file, not the importer's tables). Screenshots go to e2e/output/.
 *
 * The sample sits beside the repository (../shared/data, as in CI); without it the spec is skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { attr, freshDataDir, goToTab, numAttr, openPage, serve, type MiniElement } from './app';
import { ROOT, screenshot } from './harness';

const AAPL = join(ROOT, '..', 'shared', 'data', 'lobster', 'AAPL_2012-06-21_L10');
const MESSAGES = join(AAPL, 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv');
const ORDERBOOK = join(AAPL, 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv');

/** Per message row: best ask and bid price (dollars) and size (shares), from the raw orderbook file. */
function recordedTops(): { ask: number; askSize: number; bid: number; bidSize: number }[] {
  return readFileSync(ORDERBOOK, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const c = line.split(',').map(Number);
      const dollars = (x: number): number => Math.round(x * 100) / 1e6; // 1e-4 $ units, as the ladder rounds
      return { ask: dollars(c[0]!), askSize: c[1]!, bid: dollars(c[2]!), bidSize: c[3]! };
    });
}

/**
 * The ladder's best recorded bid and ask: price (data-price) and size (the row's size less our own
 * lots on it — the ladder adds our resting orders to the recorded book; a level of ours alone is
 * skipped). A level the last step emptied is shown struck and is not live.
 */
async function shownTouch(page: Page): Promise<{ bid: number[]; ask: number[] }> {
  return page.getByTestId('ladder').evaluate((el: MiniElement) => {
    const rows = Array.from(el.querySelectorAll('[data-testid="ladder-row"]'));
    const num = (r: MiniElement, sel: string): number =>
      Number((r.querySelector(sel)?.textContent ?? '0').replace(/,/g, ''));
    const read = (side: string): number[][] =>
      rows
        .filter(
          (r) =>
            r.getAttribute('data-side') === side &&
            r.getAttribute('data-price') !== null &&
            r.getAttribute('data-emptied') === null,
        )
        .map((r) => [
          Math.round(Number(r.getAttribute('data-price')) * 1e6) / 1e6, // ticks × tick: 585.9300000000001
          num(r, '.size') - num(r, '.our-size'),
        ])
        .filter((l) => l[1]! > 0);
    const bids = read('bid').sort((a, b) => b[0]! - a[0]!);
    const asks = read('ask').sort((a, b) => a[0]! - b[0]!);
    return { bid: bids[0] ?? [], ask: asks[0] ?? [] };
  });
}

describe.skipIf(![MESSAGES, ORDERBOOK].every((f) => existsSync(f)))(
  'order book on a recorded dataset',
  () => {
    it('plays, steps one recorded event at a time and scrubs; the ladder is the file’s book', async () => {
      const dataDir = freshDataDir();
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'bin', 'quotebench.mjs'),
          'data',
          'import',
          '--format',
          'lobster',
          '--message',
          MESSAGES,
          '--orderbook',
          ORDERBOOK,
          '--data-dir',
          dataDir,
        ],
        { cwd: ROOT, stdio: 'pipe' },
      );
      const tops = recordedTops();
      const shell = await serve(dataDir);
      const { page, pageErrors } = await openPage(shell);
      await goToTab(page, 'orderbook');

      const preset = page.getByTestId('replay-preset-select');
      await preset.locator('option[value="book-default"]').waitFor({ state: 'attached' });
      await preset.selectOption('book-default');
      const datasetButton = page.getByTestId('replay-source-dataset');
      await expect.poll(() => datasetButton.isEnabled()).toBe(true);
      await datasetButton.click();
      await expect.poll(() => attr(datasetButton, 'aria-pressed')).toBe('true');
      const pick = page.getByTestId('replay-dataset-pick');
      await expect.poll(() => pick.locator('option').count()).toBe(1);
      expect(await pick.locator('option').first().textContent()).toContain('AAPL_2012-06-21');
      await page.getByTestId('replay-queue-pick').selectOption('fifo');
      await page.getByTestId('speed-select').selectOption('1');

      // Play: the recorded book streams in.
      await page.getByTestId('replay-start').click();
      const status = page.getByTestId('replay-status');
      const ladder = page.getByTestId('ladder');
      const eventIndex = page.getByTestId('replay-event-index');
      await expect.poll(() => attr(status, 'data-status')).toBe('running');
      await expect.poll(() => numAttr(ladder, 'data-seq')).toBeGreaterThan(1);
      await expect.poll(() => page.getByTestId('ticker-time').textContent()).toContain('Recorded time');
      await page.getByTestId('replay-pause').click();
      await expect.poll(() => attr(status, 'data-status')).toBe('paused');

      /** The shown touch equals the file's row for the last applied event (event − 1, 0-based). */
      const expectFileTouch = async (): Promise<number> => {
        const event = await numAttr(eventIndex, 'data-event');
        const want = tops[event - 1]!;
        await expect
          .poll(() => shownTouch(page))
          .toEqual({
            bid: [want.bid, want.bidSize],
            ask: [want.ask, want.askSize],
          });
        return event;
      };

      // Step: one recorded event each, the ladder after each is the file's.
      let event = await expectFileTouch();
      const kinds = new Set<string>();
      let oursSeen = 0;
      let oursOnLadder = 0;
      for (let i = 0; i < 80; i++) {
        const seq = await numAttr(ladder, 'data-seq');
        await page.getByTestId('replay-step').click();
        await expect.poll(() => numAttr(ladder, 'data-seq')).toBeGreaterThan(seq);
        await expect.poll(() => numAttr(eventIndex, 'data-event')).toBe(event + 1);
        event = await expectFileTouch();
        kinds.add((await attr(page.getByTestId('replay-applied'), 'data-kind')) ?? '');
        oursSeen += await page.getByTestId('our-order-row').count();
        oursOnLadder += await page.getByTestId('ladder-queue').count();
      }
      // The steps went through adds and cancels, and our quotes rested in the recorded queues.
      expect([...kinds]).toEqual(expect.arrayContaining(['add', 'cancel']));
      expect(oursSeen).toBeGreaterThan(0);
      expect(oursOnLadder).toBeGreaterThan(0); // with their queue position ("q n") on the ladder
      await screenshot(page, 'orderbook-dataset-step');

      // Scrub: back to the start, then forward; the book is the file's wherever the view says it is.
      const slider = page.getByTestId('replay-scrub-slider');
      await slider.focus();
      await slider.press('Home');
      await expect.poll(() => numAttr(eventIndex, 'data-event')).toBeLessThan(event - 40);
      await expect.poll(() => page.getByTestId('replay-seeking').count()).toBe(0);
      const atStart = await expectFileTouch();
      for (let i = 0; i < 6; i++) await slider.press('PageUp');
      await expect.poll(() => numAttr(eventIndex, 'data-event')).toBeGreaterThan(atStart + 100);
      await expect.poll(() => page.getByTestId('replay-seeking').count()).toBe(0);
      await expect.poll(() => attr(status, 'data-status')).toBe('paused');
      await expectFileTouch();
      await screenshot(page, 'orderbook-dataset-scrub');

      // Play on to the end of the data.
      await page.getByTestId('speed-select').selectOption('0');
      await page.getByTestId('replay-resume').click();
      await expect.poll(() => attr(status, 'data-status')).toBe('finished');
      // The tape is drawn per animation frame, after the status: wait for it.
      await expect.poll(() => page.getByTestId('tape-row').count()).toBeGreaterThan(0);
      await screenshot(page, 'orderbook-dataset-end');
      expect(pageErrors).toEqual([]);
    });
  },
);
