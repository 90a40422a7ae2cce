/**
 * The web shell in a real browser: the built renderer served by `quotebench serve` on a fresh data
 * directory, driven in Debian's Chromium. What a person sees: a one-click backtest fills the results
 * table with numbers and draws its charts; a long run can be cancelled; the order-book replay moves
 * the ladder and can be paused, stepped and stopped; runs survive a server restart; bad input gets a
 * clear error; the tabs work from the keyboard. Screenshots go to e2e/output/.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ApiCallFailed, ApiSocket } from './api-socket';
import {
  attr,
  chartInk,
  expectAxisTitles,
  freshDataDir,
  goToTab,
  numAttr,
  numText,
  openPage,
  parseUiNumber,
  serve,
  settledAttr,
  sleep,
  startApp,
  stopShell,
  type MiniElement,
} from './app';
import { OUTPUT, screenshot } from './harness';

/** COLORS.pnl in renderer/src/charts/theme.ts. */
const PNL_COLOR = '#5aa9ff';

async function api(url: string): Promise<ApiSocket> {
  const socket = await ApiSocket.connect(url);
  onTestFinished(() => socket.close());
  return socket;
}

async function as2008Yaml(socket: ApiSocket): Promise<string> {
  const presets = await socket.call('scenarios.presets', {});
  const yaml = presets.find((p) => p.id === 'as2008')?.yaml;
  if (!yaml) throw new Error('no as2008 preset');
  return yaml;
}

/** Replaces one line of a config, failing loudly if the preset no longer has it. */
function withLine(yaml: string, from: RegExp, to: string): string {
  if (!from.test(yaml)) throw new Error(`config has no line matching ${from}`);
  return yaml.replace(from, to);
}

async function pickPreset(page: Page, testId: string, id: string): Promise<void> {
  const select = page.getByTestId(testId);
  await select.locator(`option[value="${id}"]`).waitFor({ state: 'attached' });
  await select.selectOption(id);
  expect(await select.inputValue()).toBe(id);
}

function runRow(page: Page, runId: string): Locator {
  return page.getByTestId('run-row').and(page.locator(`[data-run-id="${runId}"]`));
}

/** Run id → status, as the Runs table lists them. */
function listedRuns(page: Page): Promise<Record<string, string>> {
  return page
    .getByTestId('run-row')
    .evaluateAll((rows: MiniElement[]) =>
      Object.fromEntries(rows.map((r) => [r.getAttribute('data-run-id'), r.getAttribute('data-status')])),
    );
}

/** The formatted cells of one metric, row by row, in a results table. */
function metricTexts(table: Locator, metric: string): Promise<string[]> {
  return table
    .getByTestId('results-row')
    .evaluateAll(
      (rows: MiniElement[], m: string) =>
        rows.map((r) => r.querySelector(`[data-metric="${m}"]`)?.textContent ?? ''),
      metric,
    );
}

describe('web shell in Chromium', () => {
  it('one-click backtest: progress, numbers in the results table, a drawn PnL chart', async () => {
    const { page, shell, pageErrors } = await startApp();
    await goToTab(page, 'backtest');
    await expect.poll(() => page.getByTestId('backtest-empty').count()).toBe(1);
    await pickPreset(page, 'preset-select', 'as2008');
    expect(await page.getByTestId('preset-description').textContent()).toMatch(/Avellaneda/);

    await page.getByTestId('paths-input').fill('200');
    await expect.poll(() => page.getByTestId('yaml-editor').inputValue()).toMatch(/^paths: 200$/m);
    await page.getByTestId('run-backtest').click();

    const progress = page.getByTestId('backtest-progress');
    await progress.waitFor();
    await expect
      .poll(() => attr(page.getByTestId('job-card'), 'data-phase'), { timeout: 60_000 })
      .toBe('completed');
    // 6 strategies after grid expansion (2 variants × 3 gammas) × 200 paths, all done.
    expect(await numAttr(progress, 'data-max')).toBe(1200);
    expect(await numAttr(progress, 'data-value')).toBe(1200);

    const detail = page.getByTestId('backtest-detail');
    await expect.poll(() => attr(detail, 'data-state')).toBe('ready');
    const runId = await attr(detail, 'data-run-id');
    expect(runId).toBeTruthy();
    const table = page.getByTestId('backtest-results');
    await expect.poll(() => table.getByTestId('results-row').count()).toBe(6);

    // Every row has a finite PnL mean and std; as2008's quoters all make money on average (the
    // paper's table 1), so a positive mean is a sanity check of the numbers themselves.
    const means = (await metricTexts(table, 'pnlMean')).map(parseUiNumber);
    const stds = (await metricTexts(table, 'pnlStd')).map(parseUiNumber);
    expect(means).toHaveLength(6);
    for (const m of means) {
      expect(Number.isFinite(m)).toBe(true);
      expect(m).toBeGreaterThan(0);
    }
    for (const s of stds) expect(s).toBeGreaterThan(0);
    // The table shows the stored numbers (runs.get), to its 2 decimals.
    const socket = await api(shell.url);
    const stored = await socket.call('runs.get', { runId: runId ?? '' });
    expect(stored.run.status).toBe('completed');
    expect(means).toEqual(stored.results.map((r) => Number((r.metrics.pnlMean ?? NaN).toFixed(2))));

    // The charts: data on all four, and the PnL line really painted across the plot.
    const pnl = page.getByTestId('backtest-chart-pnl');
    await expect.poll(() => attr(pnl, 'data-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await numAttr(pnl, 'data-points')).toBeGreaterThan(100);
    for (const c of ['inventory', 'drawdown', 'quotes'])
      await expect.poll(() => attr(page.getByTestId(`backtest-chart-${c}`), 'data-drawn')).toBe('true');
    await expect
      .poll(async () => {
        const ink = await chartInk(pnl, PNL_COLOR);
        return ink.canvasWidth > 0 ? ink.columns / ink.canvasWidth : 0;
      })
      .toBeGreaterThan(0.6);
    // Axis titles on all four charts (lightweight-charts draws none).
    expect(await expectAxisTitles(page)).toBe(4);

    await screenshot(page, 'web-backtest-results');
    await pnl.screenshot({ path: join(OUTPUT, 'web-backtest-pnl-chart.png') });
    expect(pageErrors).toEqual([]);
  });

  it('a long backtest can be cancelled and is kept in Runs as cancelled', async () => {
    const { page, shell, pageErrors } = await startApp();
    await pickPreset(page, 'preset-select', 'as2008');
    await page.getByTestId('paths-input').fill('200000');
    await expect.poll(() => page.getByTestId('yaml-editor').inputValue()).toMatch(/^paths: 200000$/m);
    await page.getByTestId('run-backtest').click();

    const progress = page.getByTestId('backtest-progress');
    const card = page.getByTestId('job-card');
    await expect.poll(() => numAttr(progress, 'data-value'), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await numAttr(progress, 'data-max')).toBe(1_200_000);
    expect(await attr(card, 'data-phase')).toBe('running');
    expect(await page.getByTestId('run-backtest').isDisabled()).toBe(true);
    await screenshot(page, 'web-cancel-running');

    await page.getByTestId('cancel-backtest').click();
    await expect.poll(() => attr(card, 'data-phase'), { timeout: 30_000 }).toBe('cancelled');
    expect(await page.getByTestId('job-phase').textContent()).toBe('Cancelled');
    expect(await numAttr(progress, 'data-value')).toBeLessThan(1_200_000);
    expect(await page.getByTestId('notice-banner').textContent()).toMatch(/cancelled/i);
    expect(await page.getByTestId('run-backtest').isEnabled()).toBe(true);

    // The server really stopped the work, and stored the run as cancelled without results.
    const socket = await api(shell.url);
    expect(await socket.call('jobs.list', {})).toEqual([]);
    const runs = await socket.call('runs.list', {});
    expect(runs.map((r) => [r.status, r.results])).toEqual([['cancelled', 0]]);
    const runId = runs[0]?.id ?? '';

    await goToTab(page, 'runs');
    await expect.poll(() => listedRuns(page)).toEqual({ [runId]: 'cancelled' });
    await runRow(page, runId).getByTestId('run-open').click();
    const detail = page.getByTestId('run-detail');
    await expect.poll(() => attr(detail, 'data-state')).toBe('ready');
    expect(await detail.getByTestId('run-status').getAttribute('data-status')).toBe('cancelled');
    expect(await page.getByTestId('results-row').count()).toBe(0);
    await screenshot(page, 'web-cancelled-in-runs');
    expect(pageErrors).toEqual([]);
  });

  it('order-book replay: the ladder updates, our queued orders show, pause/step/stop work', async () => {
    const { page, pageErrors } = await startApp();
    await goToTab(page, 'orderbook');
    await pickPreset(page, 'replay-preset-select', 'book-default');
    await page.getByTestId('speed-select').selectOption('100');
    expect(await page.getByTestId('replay-depth-select').inputValue()).toBe('10');
    await page.getByTestId('replay-start').click();

    const status = page.getByTestId('replay-status');
    const ladder = page.getByTestId('ladder');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');

    // The ladder: 10 rows a side, asks above bids, prices strictly descending on the tick grid,
    // best ask above best bid.
    const readLadder = (): Promise<{ side: string; price: number }[]> =>
      page.getByTestId('ladder-row').evaluateAll((rows: MiniElement[]) =>
        rows.map((r) => ({
          side: r.getAttribute('data-side') ?? '',
          price: Number(r.getAttribute('data-price') ?? NaN),
        })),
      );
    await expect
      .poll(async () => {
        const rows = await readLadder();
        return Math.min(
          rows.filter((r) => r.side === 'ask' && r.price > 0).length,
          rows.filter((r) => r.side === 'bid' && r.price > 0).length,
        );
      })
      .toBeGreaterThanOrEqual(3);
    const rows = await readLadder();
    expect(rows).toHaveLength(20);
    expect(rows.map((r) => r.side)).toEqual([...Array(10).fill('ask'), ...Array(10).fill('bid')]);
    const priced = rows.filter((r) => Number.isFinite(r.price));
    for (let i = 1; i < priced.length; i++)
      expect(priced[i]?.price ?? NaN).toBeLessThan(priced[i - 1]?.price ?? NaN);
    for (const r of priced) expect(Math.abs(r.price * 100 - Math.round(r.price * 100))).toBeLessThan(1e-6);
    const bestAsk = Math.min(...priced.filter((r) => r.side === 'ask').map((r) => r.price));
    const bestBid = Math.max(...priced.filter((r) => r.side === 'bid').map((r) => r.price));
    expect(bestAsk).toBeGreaterThan(bestBid);

    // It keeps moving: the batch sequence and the update counter grow.
    const seq1 = await numAttr(ladder, 'data-seq');
    await expect.poll(() => numAttr(ladder, 'data-seq')).toBeGreaterThan(seq1);
    const total = page.getByTestId('ticker-total-updates');
    const total1 = await numAttr(total, 'data-value');
    expect(total1).toBeGreaterThan(0);
    await expect.poll(() => numAttr(total, 'data-value')).toBeGreaterThan(total1);
    expect(Number.isFinite(await numText(page.getByTestId('ticker-pnl')))).toBe(true);
    expect(Number.isFinite(await numText(page.getByTestId('ticker-inventory')))).toBe(true);

    // Our resting orders: highlighted ladder rows with a queue position that matches the orders
    // table (same frame: one read of the DOM).
    const readOurs = (): Promise<{
      ours: { side: string; price: number; cell: string }[];
      orders: string[][];
    }> =>
      ladder.evaluate((el: MiniElement) => {
        const doc = (globalThis as unknown as { document: MiniElement }).document;
        return {
          ours: Array.from(el.querySelectorAll('[data-testid="ladder-row"][data-ours="true"]')).map((r) => ({
            side: r.getAttribute('data-side') ?? '',
            price: Number(r.getAttribute('data-price')),
            cell: r.querySelector('[data-testid="ladder-queue"]')?.textContent ?? '',
          })),
          orders: Array.from(doc.querySelectorAll('[data-testid="our-order-row"]')).map((r) =>
            Array.from(r.querySelectorAll('td')).map((td) => td.textContent ?? ''),
          ),
        };
      });
    let sample = await readOurs();
    await expect
      .poll(async () => {
        sample = await readOurs();
        return sample.ours.length;
      })
      .toBeGreaterThan(0);
    for (const o of sample.ours) {
      const m = /^([\d,]+)q([\d,]+)$/.exec(o.cell);
      expect(m, `queue cell "${o.cell}"`).not.toBeNull();
      const [ourSize, queue] = [parseUiNumber(m?.[1] ?? ''), parseUiNumber(m?.[2] ?? '')];
      const mine = sample.orders.filter(
        ([side, price]) =>
          side === (o.side === 'bid' ? 'Bid' : 'Ask') && Math.abs(Number(price) - o.price) < 1e-9,
      );
      expect(mine.length).toBeGreaterThan(0);
      expect(ourSize).toBe(mine.reduce((s, r) => s + parseUiNumber(r[2] ?? ''), 0));
      expect(queue).toBe(Math.min(...mine.map((r) => parseUiNumber(r[3] ?? ''))));
    }

    const chart = page.getByTestId('book-chart');
    await expect.poll(() => attr(chart, 'data-drawn')).toBe('true');
    const points1 = await numAttr(chart, 'data-points');
    await expect.poll(() => numAttr(chart, 'data-points')).toBeGreaterThan(points1);
    await expect.poll(() => page.getByTestId('tape-row').count()).toBeGreaterThan(0);
    await screenshot(page, 'web-replay-running');

    // Pause: nothing moves any more.
    await page.getByTestId('replay-pause').click();
    await expect.poll(() => attr(status, 'data-status')).toBe('paused');
    const seqPaused = await settledAttr(ladder, 'data-seq');
    const totalPaused = await numText(total);
    await sleep(1000);
    expect(await numAttr(ladder, 'data-seq')).toBe(seqPaused);
    expect(await numText(total)).toBe(totalPaused);

    // Step: exactly one more batch each time, and still paused. The first step's batch also carries
    // the events simulated after the last batch before the pause (pausing does not flush them), so
    // the one-event check is on the second step.
    const step = async (n: number): Promise<number> => {
      await page.getByTestId('replay-step').click();
      await expect.poll(() => numAttr(ladder, 'data-seq')).toBe(seqPaused + n);
      await sleep(500);
      expect(await numAttr(ladder, 'data-seq')).toBe(seqPaused + n);
      expect(await attr(status, 'data-status')).toBe('paused');
      return numText(total);
    };
    const afterFirst = await step(1);
    expect(afterFirst).toBeGreaterThanOrEqual(totalPaused);
    const afterSecond = await step(2);
    expect(afterSecond - afterFirst).toBeLessThanOrEqual(1);
    await screenshot(page, 'web-replay-paused');

    await page.getByTestId('replay-stop').click();
    await expect.poll(() => attr(status, 'data-status')).toBe('stopped');
    expect(await page.getByTestId('replay-start').textContent()).toBe('Start');
    expect(await page.getByTestId('replay-step').isDisabled()).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('runs survive a server restart: listed, opened, compared, deleted', async () => {
    const dataDir = freshDataDir();
    const first = await serve(dataDir);

    // Seed the store through the API: two completed runs, one cancelled, one still running when the
    // server stops (it must be recorded as cancelled on the way down).
    const socket = await ApiSocket.connect(first.url);
    const base = await as2008Yaml(socket);
    const small = (name: string, seed: number): string =>
      withLine(
        withLine(withLine(base, /^name: .*$/m, `name: ${name}`), /^seed: .*$/m, `seed: ${seed}`),
        /^paths: .*$/m,
        'paths: 100',
      );
    const big = (name: string): string =>
      withLine(withLine(base, /^name: .*$/m, `name: ${name}`), /^paths: .*$/m, 'paths: 200000');
    const a = await socket.runBacktest(small('restart-a', 1));
    const b = await socket.runBacktest(small('restart-b', 2));
    expect([a.status, b.status]).toEqual(['completed', 'completed']);
    const startBig = async (name: string): Promise<{ jobId: string; runId: string }> => {
      const progressed = socket.waitFor('job.progress', (p) => p.done > 0);
      const ids = await socket.call('backtest.start', { yaml: big(name), keepPaths: 0 });
      await progressed;
      return ids;
    };
    const c = await startBig('restart-c');
    const cDone = socket.waitFor('job.done', (p) => p.jobId === c.jobId);
    expect(await socket.call('jobs.cancel', { jobId: c.jobId })).toEqual({ cancelled: true });
    expect((await cDone).status).toBe('cancelled');
    const d = await startBig('restart-d');
    socket.close();

    const before = await openPage(first);
    await goToTab(before.page, 'runs');
    const expected = {
      [a.runId]: 'completed',
      [b.runId]: 'completed',
      [c.runId]: 'cancelled',
      [d.runId]: 'running',
    };
    await expect.poll(() => listedRuns(before.page)).toEqual(expected);
    await runRow(before.page, a.runId).getByTestId('run-open').click();
    await expect
      .poll(() => before.page.getByTestId('run-results').getByTestId('results-row').count())
      .toBe(6);
    const meansBefore = await metricTexts(before.page.getByTestId('run-results'), 'pnlMean');
    await screenshot(before.page, 'web-runs-before-restart');
    expect(before.pageErrors).toEqual([]);
    await before.close();

    await stopShell(first);
    expect(first.proc.exitCode).toBe(0);

    const second = await serve(dataDir);
    expect(second.url).not.toBe(first.url);
    const { page, pageErrors } = await openPage(second);
    await goToTab(page, 'runs');
    await expect.poll(() => listedRuns(page)).toEqual({ ...expected, [d.runId]: 'cancelled' });

    // A run opens with the same numbers and its charts.
    await runRow(page, a.runId).getByTestId('run-open').click();
    const detail = page.getByTestId('run-detail');
    await expect.poll(() => attr(detail, 'data-run-id')).toBe(a.runId);
    const results = page.getByTestId('run-results');
    await expect.poll(() => results.getByTestId('results-row').count()).toBe(6);
    expect(await metricTexts(results, 'pnlMean')).toEqual(meansBefore);
    expect(meansBefore.map(parseUiNumber).every(Number.isFinite)).toBe(true);
    const pnl = page.getByTestId('run-chart-pnl');
    await expect.poll(() => attr(pnl, 'data-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await numAttr(pnl, 'data-points')).toBeGreaterThan(100);
    await screenshot(page, 'web-runs-after-restart');

    // Compare two runs side by side.
    expect(await page.getByTestId('compare-button').isDisabled()).toBe(true);
    await runRow(page, a.runId).getByTestId('run-compare-check').check();
    await runRow(page, b.runId).getByTestId('run-compare-check').check();
    await page.getByTestId('compare-button').click();
    const compare = page.getByTestId('compare-view');
    await compare.waitFor();
    // One table of A, B and Δ (e2e/tables.spec.ts checks its numbers), headed by the two runs.
    await expect.poll(() => compare.getByTestId('compare-table').count()).toBe(1);
    const sides = await compare
      .getByTestId('compare-side')
      .evaluateAll((els: MiniElement[]) => els.map((e) => e.getAttribute('data-run-id')));
    expect(sides).toEqual([a.runId, b.runId]);
    await screenshot(page, 'web-runs-compare');

    // Delete the cancelled run, with confirmation; it stays gone after a refresh.
    const row = runRow(page, c.runId);
    await row.getByTestId('run-delete').click();
    await row.getByTestId('run-delete-confirm').click();
    await expect.poll(() => row.count()).toBe(0);
    const { [c.runId]: _gone, ...remaining } = { ...expected, [d.runId]: 'cancelled' };
    await page.getByTestId('runs-refresh').click();
    await expect.poll(() => listedRuns(page)).toEqual(remaining);
    const check = await api(second.url);
    expect((await check.call('runs.list', {})).map((r) => r.id).sort()).toEqual(
      Object.keys(remaining).sort(),
    );
    await page.reload();
    await goToTab(page, 'runs');
    await expect.poll(() => listedRuns(page)).toEqual(remaining);
    await screenshot(page, 'web-runs-after-delete');
    expect(pageErrors).toEqual([]);
  });

  it('bad config input: a clear error banner naming the key, and no run', async () => {
    const { page, shell, pageErrors } = await startApp();
    await pickPreset(page, 'preset-select', 'as2008');
    const editor = page.getByTestId('yaml-editor');
    const good = await editor.inputValue();

    // Not YAML: caught in the page, the line is named and Run is disabled.
    await editor.fill(withLine(good, /^ {2}horizon: 1$/m, '  horizon: [1'));
    await expect.poll(() => page.getByTestId('yaml-error').count()).toBe(1);
    expect(await page.getByTestId('yaml-error').textContent()).toMatch(/line \d+/);
    expect(await page.getByTestId('run-backtest').isDisabled()).toBe(true);

    // Valid YAML with an unknown key: the server refuses it, naming key, file and line.
    const bad = withLine(good, /^ {2}dt: 0\.005$/m, '  dt: 0.005\n  dtt: 2');
    await editor.fill(bad);
    await expect.poll(() => page.getByTestId('yaml-error').count()).toBe(0);
    await page.getByTestId('run-backtest').click();
    const banner = page.getByTestId('error-banner');
    await banner.waitFor();
    expect(await banner.getAttribute('data-code')).toBe('bad_config');
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain('scenario.dtt');
    const line = Number(/config\.yaml:(\d+)/.exec(text)?.[1]);
    expect(bad.split('\n')[line - 1]).toMatch(/^\s*dtt: 2$/);
    await screenshot(page, 'web-error-banner');

    // Nothing started, nothing stored.
    expect(await page.getByTestId('job-card').count()).toBe(0);
    expect(await page.getByTestId('backtest-empty').count()).toBe(1);
    const socket = await api(shell.url);
    expect(await socket.call('runs.list', {})).toEqual([]);
    await expect(socket.call('backtest.start', { yaml: bad })).rejects.toBeInstanceOf(ApiCallFailed);
    await goToTab(page, 'runs');
    await page.getByTestId('runs-empty').waitFor();
    expect(await page.getByTestId('run-row').count()).toBe(0);

    await page.getByTestId('banner-dismiss').click();
    await expect.poll(() => page.getByTestId('error-banner').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('the view tabs follow the ARIA tabs pattern from the keyboard', async () => {
    const { page, pageErrors } = await startApp();
    const focused = (): Promise<string | null> =>
      page.evaluate(
        () =>
          (
            globalThis as unknown as { document: { activeElement: MiniElement | null } }
          ).document.activeElement?.getAttribute('data-testid') ?? null,
      );
    const expectTab = async (tab: string, content: string): Promise<void> => {
      await expect.poll(() => attr(page.getByTestId(`tab-${tab}`), 'aria-selected')).toBe('true');
      expect(await focused()).toBe(`tab-${tab}`);
      expect(await attr(page.getByRole('tabpanel'), 'aria-labelledby')).toBe(`tab-${tab}`);
      await page.getByTestId(content).first().waitFor();
      // Roving tabindex: only the selected tab is in the tab order.
      const tabIndexes = await page
        .getByRole('tab')
        .evaluateAll((els: MiniElement[]) => els.map((e) => e.getAttribute('tabindex')));
      expect(tabIndexes.filter((t) => t === '0')).toHaveLength(1);
    };

    await page.getByTestId('tab-backtest').focus();
    await page.keyboard.press('ArrowRight');
    await expectTab('orderbook', 'replay-start');
    expect(await page.getByTestId('preset-select').count()).toBe(0);
    await page.keyboard.press('ArrowRight');
    await expectTab('runs', 'runs-refresh');
    expect(await page.getByTestId('replay-start').count()).toBe(0);
    await page.keyboard.press('ArrowRight');
    await expectTab('stress', 'stress-view');
    await page.keyboard.press('ArrowRight');
    await expectTab('training', 'train-start');
    await page.keyboard.press('ArrowRight');
    await expectTab('paper', 'paper-view');
    await page.keyboard.press('ArrowRight'); // wraps to the first view
    await expectTab('data', 'data-import-button');
    await page.keyboard.press('ArrowLeft'); // wraps back
    await expectTab('paper', 'paper-view');
    await page.keyboard.press('Home');
    await expectTab('data', 'data-import-button');
    await page.keyboard.press('ArrowRight');
    await expectTab('calibration', 'calib-dataset-select');
    await page.keyboard.press('ArrowRight');
    await expectTab('backtest', 'preset-select');
    await page.keyboard.press('End');
    await expectTab('paper', 'paper-view');
    await page.keyboard.press('ArrowLeft');
    await expectTab('training', 'train-start');
    await page.keyboard.press('ArrowLeft');
    await expectTab('stress', 'stress-view');
    await page.keyboard.press('ArrowLeft');
    await expectTab('runs', 'runs-refresh');
    await screenshot(page, 'web-keyboard-tabs');

    // Tab leaves the tab list for the panel's first control: the runs filter.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('runs-filter');
    expect(pageErrors).toEqual([]);
  });
});
