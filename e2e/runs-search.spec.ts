/**
 * The searchable runs table and the compare view (issue 13 §5) in Chromium on the built web shell.
 * The data directory holds runs of every kind: two backtests run through the API (with kept paths, so
 * PnL curves), and an evaluation, a calibration, a sweep and 120 more evaluations written to the store
 * before the server starts (as core/store/run-recorder.ts records them). Checked: the kind, text
 * (with a `strategy:` prefix), status, dataset-hash and date filters each narrow the table to exactly
 * their runs; a metric sort orders the runs by their best result; the pager walks the history; three
 * runs of different kinds are compared (params with differences marked, metrics, overlaid PnL of the
 * two backtests) and the selection's tear sheet downloads.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openStore } from '../core/store/db';
import { ApiSocket } from './api-socket';
import {
  as2008Yaml,
  attr,
  freshDataDir,
  goToTab,
  oneQuoterYaml,
  openPage,
  parseUiNumber,
  serve,
} from './app';
import { screenshot } from './harness';

const HASH = 'c0ffee'.repeat(10) + 'abcd';

/** as2008 with one strategy, a name and few paths. */
async function smallYaml(
  socket: ApiSocket,
  name: string,
  variant: 'inventory' | 'symmetric',
): Promise<string> {
  return oneQuoterYaml(await as2008Yaml(socket), name, variant, 20);
}

/** Runs of the other kinds, written as the CLI and services record them. */
function seedStore(dataDir: string): { evalId: string; calId: string; sweepId: string } {
  let t = Date.parse('2026-01-10T12:00:00.000Z');
  const store = openStore(dataDir, { now: () => new Date((t += 1000)) });
  try {
    const ev = store.runs.create({
      kind: 'eval',
      name: 'eval PPO vs baselines',
      config: { command: 'eval', options: { episodes: 3 } },
      seed: 4242,
      paths: 3,
      codeVersion: 'e2e-v2',
      tags: ['ppo'],
    });
    store.runs.logSteps(ev.id, 'pnl', [
      [0, 1],
      [1, 2],
      [2, 1.5],
    ]);
    store.runs.end(ev.id, {
      status: 'completed',
      results: [
        {
          index: 0,
          strategy: 'PPO',
          params: {},
          scenario: 'calm',
          paths: 3,
          metrics: { sessionSharpe: 1000 },
        },
        {
          index: 1,
          strategy: 'AS',
          params: { gamma: 0.1 },
          scenario: 'calm',
          paths: 3,
          metrics: { sessionSharpe: 1 },
        },
      ],
      metrics: { quoters: 2 },
    });
    const cal = store.runs.create({
      kind: 'calibrate',
      name: 'calibrate AAPL',
      config: { command: 'calibrate', dataset: 'aapl' },
      seed: 7,
      paths: 0,
      codeVersion: 'e2e-v1',
      datasetHash: HASH,
      tags: ['lobster'],
    });
    store.runs.end(cal.id, { status: 'failed', error: 'too few trades', metrics: { seconds: 600 } });
    const sw = store.runs.create({
      kind: 'sweep',
      name: 'grid sweep',
      config: { sweep: 'abc', seeds: [1, 2] },
      seed: 1,
      paths: 2,
      codeVersion: 'e2e-v1',
      tags: ['sweep'],
    });
    store.runs.end(sw.id, { status: 'completed', metrics: { cells: 4 } });
    // An older history: 120 evaluations on 2025-06-01, so the table has more than one page.
    t = Date.parse('2025-06-01T00:00:00.000Z');
    for (let i = 0; i < 120; i++) {
      const r = store.runs.create({
        kind: 'eval',
        name: `old eval ${i}`,
        config: { i },
        seed: i,
        paths: 1,
        codeVersion: 'e2e-v0',
      });
      store.runs.end(r.id, { status: 'completed' });
    }
    return { evalId: ev.id, calId: cal.id, sweepId: sw.id };
  } finally {
    store.close();
  }
}

const names = (page: Page): Promise<string[]> =>
  page
    .getByTestId('run-row')
    .evaluateAll((rows: { querySelector(s: string): { textContent: string | null } | null }[]) =>
      rows.map((r) => r.querySelector('[data-testid="run-open"]')?.textContent ?? ''),
    );

const kinds = (page: Page): Promise<string[]> =>
  page
    .getByTestId('run-row')
    .evaluateAll((rows: { getAttribute(n: string): string | null }[]) =>
      rows.map((r) => r.getAttribute('data-kind') ?? ''),
    );

describe('runs: search and compare', () => {
  it('filters by kind, text, status, dataset hash and date, sorts by a metric, pages, and compares runs of three kinds', async () => {
    const dataDir = freshDataDir();
    const seeded = seedStore(dataDir);
    const shell = await serve(dataDir);
    const { page, pageErrors } = await openPage(shell);
    const socket = await ApiSocket.connect(shell.url);
    onTestFinished(() => socket.close());
    const a = await socket.runBacktest(await smallYaml(socket, 'bt-symmetric', 'symmetric'), 1);
    const b = await socket.runBacktest(await smallYaml(socket, 'bt-inventory', 'inventory'), 1);
    expect([a.status, b.status]).toEqual(['completed', 'completed']);

    await goToTab(page, 'runs');
    await page.getByTestId('runs-refresh').click();
    const count = page.getByTestId('runs-count');
    await expect.poll(() => attr(count, 'data-total')).toBe('125');
    expect(await page.getByTestId('run-row').count()).toBe(100); // one page
    expect((await names(page)).slice(0, 5)).toEqual([
      'bt-inventory',
      'bt-symmetric',
      'grid sweep',
      'calibrate AAPL',
      'eval PPO vs baselines',
    ]);
    // The pager: the second page holds the last 25 runs (the oldest evaluations).
    await page.getByTestId('runs-next').click();
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(25);
    expect(new Set(await names(page)).size).toBe(25);
    await page.getByTestId('runs-prev').click();
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(100);

    // Kind: calibrations and sweeps only.
    await page.getByTestId('runs-kind-calibrate').click();
    await page.getByTestId('runs-kind-sweep').click();
    await expect.poll(() => names(page)).toEqual(['grid sweep', 'calibrate AAPL']);
    await page.getByTestId('runs-clear').click();
    await expect.poll(() => attr(count, 'data-total')).toBe('125');

    // Text: a strategy of the evaluation (prefix), then a word of a backtest's name.
    await page.getByTestId('runs-filter').fill('strategy:PPO');
    await expect.poll(() => names(page)).toEqual(['eval PPO vs baselines']);
    await page.getByTestId('runs-filter').fill('name:inventory');
    await expect.poll(() => names(page)).toEqual(['bt-inventory']);
    await page.getByTestId('runs-filter').fill('no such run anywhere');
    await expect.poll(() => page.getByTestId('runs-filtered-empty').count()).toBe(1);
    await page.getByTestId('runs-filter').fill('');

    // Status, dataset hash (a prefix), code version and date.
    await page.getByTestId('runs-status').selectOption('failed');
    await expect.poll(() => names(page)).toEqual(['calibrate AAPL']);
    await page.getByTestId('runs-status').selectOption('');
    await page.getByTestId('runs-dataset-hash').fill(HASH.slice(0, 10));
    await expect.poll(() => names(page)).toEqual(['calibrate AAPL']);
    await page.getByTestId('runs-dataset-hash').fill('');
    await page.getByTestId('runs-code-version').fill('e2e-v0');
    await expect.poll(() => attr(count, 'data-total')).toBe('120');
    await page.getByTestId('runs-code-version').fill('');
    await page.getByTestId('runs-from').fill('2025-06-01');
    await page.getByTestId('runs-to').fill('2025-06-01');
    await expect.poll(() => attr(count, 'data-total')).toBe('120');
    await expect.poll(async () => new Set(await kinds(page))).toEqual(new Set(['eval']));
    await page.getByTestId('runs-clear').click();
    await expect.poll(() => attr(count, 'data-total')).toBe('125');

    // Sort by session Sharpe: each run's best result, best first; runs without it after.
    await page.getByTestId('runs-sort').selectOption('sessionSharpe');
    await expect.poll(async () => (await names(page))[0]).toBe('eval PPO vs baselines');
    const shown = (
      await page
        .getByTestId('run-metric')
        .evaluateAll((els: { textContent: string | null }[]) => els.map((e) => e.textContent))
    )
      .map(parseUiNumber)
      .filter(Number.isFinite);
    expect(shown[0]).toBe(1000);
    expect(shown.length).toBeGreaterThanOrEqual(3); // the evaluation and the two backtests
    for (let i = 1; i < shown.length; i++) expect(shown[i]!).toBeLessThanOrEqual(shown[i - 1]!);
    await screenshot(page, 'runs-search-sorted');
    await page.getByTestId('runs-sort').selectOption('createdAt');

    // An evaluation opens with its strategy rows and its record (per-path PnL, run-level metrics).
    const open = (id: string): Locator =>
      page
        .getByTestId('run-row')
        .and(page.locator(`[data-run-id="${id}"]`))
        .getByTestId('run-open');
    await open(seeded.evalId).click();
    await expect.poll(() => page.getByTestId('run-results').getByTestId('results-row').count()).toBe(2);
    const rec = page.getByTestId('record-view');
    await expect
      .poll(() => rec.locator('[data-testid="records-metric-row"][data-key="quoters"]').count())
      .toBe(1);
    await expect.poll(() => attr(rec.getByTestId('records-figure-pnl'), 'data-series')).toBe('1');
    // A calibration opens as its record: dataset hash and metrics.
    await open(seeded.calId).click();
    await expect.poll(() => page.getByTestId('record-view').getByText(HASH.slice(0, 12)).count()).toBe(1);
    await page.getByTestId('record-close').click();

    // Compare three runs of three kinds: the two backtests and the evaluation.
    const row = (id: string): Locator =>
      page.getByTestId('run-row').and(page.locator(`[data-run-id="${id}"]`));
    await expect.poll(() => row(seeded.evalId).count()).toBe(1);
    for (const id of [a.runId, b.runId, seeded.evalId])
      await row(id).getByTestId('run-compare-check').check();
    expect(await page.getByTestId('compare-hint').textContent()).toBe('3 runs picked');
    await page.getByTestId('compare-button').click();
    const cmp = page.getByTestId('records-compare');
    await expect.poll(() => cmp.getByTestId('records-run').count()).toBe(3);
    // Parameters: by default only those that differ, marked; the backtests differ in their variant.
    const diffRows = cmp.locator('[data-testid="records-param-row"][data-differs="true"]');
    await expect.poll(() => diffRows.count()).toBeGreaterThan(0);
    expect(await cmp.locator('[data-testid="records-param-row"][data-differs="false"]').count()).toBe(0);
    const variant = cmp.locator('[data-testid="records-param-row"][data-key="strategies.0.variant"]');
    await expect.poll(() => attr(variant, 'data-differs')).toBe('true');
    expect(await variant.locator('td').allTextContents()).toEqual(['symmetric', 'inventory', '—']);
    const differing = await diffRows.count();
    await cmp.getByTestId('records-only-diffs').uncheck();
    await expect.poll(() => cmp.getByTestId('records-param-row').count()).toBeGreaterThanOrEqual(differing);
    // Metrics: the evaluation's per-strategy Sharpe is there, its best (PPO's) marked.
    const sharpe = cmp.locator('[data-testid="records-metric-row"][data-key="PPO.sessionSharpe"]');
    await expect.poll(() => sharpe.count()).toBe(1);
    // Over time: PnL of the two backtests' kept paths and the evaluation's logged PnL, overlaid.
    const fig = cmp.getByTestId('records-figure-pnl');
    await expect.poll(() => attr(fig, 'data-series')).toBe('3');
    await expect
      .poll(() => attr(cmp.getByTestId('records-chart-pnl'), 'data-drawn'), { timeout: 20_000 })
      .toBe('true');
    await screenshot(page, 'runs-search-compare');
    // The selection's tear sheet.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      cmp.getByTestId('records-report').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.html$/);
    expect(pageErrors).toEqual([]);
  });
});
