/**
 * Issue 11 §6 in a real browser, on the web shell: import the shared AAPL LOBSTER sample (uploaded from
 * the page, as a user of the web shell would), see it in the catalog with its price and spread charts,
 * calibrate it (GARCH, regimes, intensity, book statistics in the service's worker), save the fit as a
 * scenario (the book-mode config `quotebench calibrate` writes), run a backtest on that scenario from
 * the Backtest view, then switch the Backtest view to Replay mode and run the same strategies against
 * the recorded book of the dataset (exact FIFO queues). Screenshots go to e2e/output/.
 *
 * The sample sits beside the repository (../shared/data, as in CI); without it the spec is skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attr, goToTab, numAttr, startApp, type MiniElement } from './app';
import { ROOT, screenshot } from './harness';

const AAPL = join(ROOT, '..', 'shared', 'data', 'lobster', 'AAPL_2012-06-21_L10');
const OTHER_ORDERBOOK = join(
  ROOT,
  '..',
  'shared',
  'data',
  'lobster',
  'AMZN_2012-06-21_L10',
  'AMZN_2012-06-21_34200000_57600000_orderbook_10.first16000.csv',
);
const FILES = [
  join(AAPL, 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv'),
  join(AAPL, 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv'),
];

describe.skipIf(![...FILES, OTHER_ORDERBOOK].every((f) => existsSync(f)))(
  'data → calibration → backtest in Chromium',
  () => {
    it('a pair that does not belong together is refused with the reason, and nothing is added', async () => {
      const { page, pageErrors } = await startApp();
      await goToTab(page, 'data');
      await page.getByTestId('data-format-select').selectOption('lobster');
      // AAPL's messages with AMZN's orderbook: 998 messages against 16,000 rows.
      await page.getByTestId('data-file-input').setInputFiles([FILES[0]!, OTHER_ORDERBOOK]);
      await expect.poll(() => attr(page.getByTestId('data-import-status'), 'data-phase')).toBe('failed');
      expect(await page.getByTestId('data-import-error').textContent()).toMatch(/row-aligned/);
      expect(await page.getByTestId('data-row').count()).toBe(0);
      await page.getByTestId('data-empty').waitFor();
      // One file for LOBSTER is refused before any work, naming the field.
      await page.getByTestId('data-file-input').setInputFiles([FILES[0]!]);
      await expect
        .poll(() => page.getByTestId('data-import-error').textContent())
        .toMatch(/exactly two files/);
      await screenshot(page, 'data-import-refused');
      expect(pageErrors).toEqual([]);
    });

    it('imports a LOBSTER pair, calibrates it, saves a scenario and backtests on it', async () => {
      const { page, pageErrors } = await startApp();

      // --- Data: an empty catalog, then an upload + import of the pair.
      await goToTab(page, 'data');
      await page.getByTestId('data-empty').waitFor();
      await page.getByTestId('data-format-select').selectOption('lobster');
      await page.getByTestId('data-file-input').setInputFiles(FILES);
      const status = page.getByTestId('data-import-status');
      await expect.poll(() => attr(status, 'data-phase')).toBe('completed');
      expect(await page.getByTestId('data-import-error').count()).toBe(0);
      await expect.poll(() => page.getByTestId('data-row').count()).toBe(1);
      const row = page.getByTestId('data-row').first();
      const datasetId = await attr(row, 'data-id');
      expect(datasetId).toMatch(/^[0-9a-f]{16}$/);
      expect(await row.textContent()).toContain('AAPL_2012-06-21');
      // The imported dataset is selected: its details and its top of book on the charts.
      await expect.poll(() => attr(page.getByTestId('data-detail'), 'data-id')).toBe(datasetId);
      expect(await page.getByTestId('data-detail-name').textContent()).toBe('AAPL_2012-06-21');
      const verification = await page.getByTestId('data-verification').textContent();
      expect(verification).toContain('rowsMatching');
      const price = page.getByTestId('data-chart-price');
      await expect.poll(() => numAttr(price, 'data-points')).toBeGreaterThan(50);
      expect(await numAttr(price, 'data-points')).toBeLessThanOrEqual(2000);
      await expect
        .poll(() => numAttr(page.getByTestId('data-chart-spread'), 'data-points'))
        .toBeGreaterThan(50);
      await screenshot(page, 'data-imported');

      // --- Calibration: from the dataset's "Calibrate…" button.
      await page.getByTestId('data-calibrate').click();
      await expect.poll(() => attr(page.getByTestId('tab-calibration'), 'aria-selected')).toBe('true');
      const selected = await page
        .getByTestId('calib-dataset-select')
        .evaluate((el: MiniElement & { value?: string }) => el.value ?? null);
      expect(selected).toBe(datasetId);
      await page.getByTestId('calib-empty').waitFor();
      await page.getByTestId('calib-fit').click();
      await expect
        .poll(() => attr(page.getByTestId('calib-status'), 'data-phase'), { timeout: 90_000 })
        .toBe('completed');
      // The job ends first, then the page loads the stored result (calibration.get): wait for the table.
      const paramNames = (): Promise<(string | null)[]> =>
        page
          .getByTestId('calib-param-row')
          .evaluateAll((rows: MiniElement[]) => rows.map((r) => r.getAttribute('data-name')));
      await expect.poll(paramNames).toContain('GARCH(1,1).alpha');
      const names = await paramNames();
      for (const n of ['GARCH(1,1).alpha', 'GARCH(1,1).beta', 'Intensity.A', 'Intensity.k', 'Regimes.sigma1'])
        expect(names).toContain(n);
      // Every estimate in the table is a number; the intensity rows carry an interval.
      const kRow = page.locator('[data-testid="calib-param-row"][data-name="Intensity.k"]');
      expect(await kRow.textContent()).toMatch(/\[[\d.e+−-]+, [\d.e+−-]+\]/);
      const vol = page.getByTestId('calib-chart-vol');
      await expect.poll(() => numAttr(vol, 'data-points')).toBeGreaterThanOrEqual(150);
      expect(await numAttr(vol, 'data-shaded')).toBeGreaterThanOrEqual(0);
      const intensity = page.getByTestId('calib-chart-intensity');
      await expect.poll(() => numAttr(intensity, 'data-empirical')).toBeGreaterThan(2);
      // The simulator's order flow as calibrated: the laws by distance, μ before and after the pilot.
      await expect.poll(() => numAttr(page.getByTestId('calib-chart-flow'), 'data-bins')).toBe(50);
      for (const n of ['Flow.μ measured (per side)', 'Flow.μ used (pilot)', 'Flow.informed share π'])
        expect(names).toContain(n);
      expect(await page.getByTestId('calib-flow').textContent()).toMatch(/pilot \(3 × [\d,]+ s\)/);
      await screenshot(page, 'calibration-fitted');

      // --- Save as scenario → it is offered in the Backtest view and runs there.
      await page.getByTestId('calib-scenario-name').fill('e2e-aapl');
      await page.getByTestId('calib-save').click();
      await expect.poll(() => attr(page.getByTestId('calib-saved'), 'data-preset')).toBe('user/e2e-aapl');
      // Saving the same name again is refused, naming the field.
      await page.getByTestId('calib-save').click();
      await expect.poll(() => page.getByTestId('calib-save-error').count()).toBe(1);
      expect(await page.getByTestId('calib-save-error').textContent()).toMatch(/exists already/);
      await page.getByTestId('calib-scenario-name').fill('e2e-aapl-2');
      await page.getByTestId('calib-save').click();
      await expect.poll(() => attr(page.getByTestId('calib-saved'), 'data-preset')).toBe('user/e2e-aapl-2');
      await page.getByTestId('calib-open-backtest').click();
      await expect.poll(() => attr(page.getByTestId('tab-backtest'), 'aria-selected')).toBe('true');
      const presetValue = (): Promise<string | null> =>
        page
          .getByTestId('preset-select')
          .evaluate((el: MiniElement & { value?: string }) => el.value ?? null);
      await expect.poll(presetValue).toBe('user/e2e-aapl-2');
      await expect
        .poll(() => page.getByTestId('yaml-editor').inputValue())
        .toContain(`on dataset ${datasetId} (AAPL_2012-06-21`);
      await page.getByTestId('paths-input').fill('4');
      await expect.poll(() => page.getByTestId('yaml-editor').inputValue()).toMatch(/^paths: 4$/m);
      await page.getByTestId('run-backtest').click();
      const job = page.getByTestId('job-card');
      await expect.poll(() => attr(job, 'data-phase'), { timeout: 120_000 }).toBe('completed');
      // calibrate's strategies: a fixed spread at the median half-spread and GLFT with the fitted A and k.
      await expect.poll(() => page.getByTestId('results-row').count()).toBe(2);
      await screenshot(page, 'calibration-backtest');
      const firstRun = await attr(page.getByTestId('backtest-detail'), 'data-run-id');

      // --- Replay mode: the same strategies against the recorded AAPL book, exact FIFO queues.
      await page.getByTestId('market-replay').click();
      await expect.poll(() => attr(page.getByTestId('market-fields'), 'data-market')).toBe('replay');
      const datasetChoice = (): Promise<string | null> =>
        page
          .getByTestId('replay-dataset-select')
          .evaluate((el: MiniElement & { value?: string }) => el.value ?? null);
      await expect.poll(datasetChoice).toBe(datasetId);
      await page.getByTestId('replay-queue-select').selectOption('fifo');
      const yaml = (): Promise<string> => page.getByTestId('yaml-editor').inputValue();
      await expect.poll(yaml).toMatch(/mode: replay/);
      expect(await yaml()).toMatch(new RegExp(`dataset: ${datasetId}`));
      expect(await yaml()).toMatch(/queue:\s*\n\s+model: fifo/);
      // The server accepts it (σ carried over to the GLFT quoter from the simulated scenario).
      await expect.poll(() => page.getByTestId('config-issue').count()).toBe(0);
      await page.getByTestId('run-backtest').click();
      await expect.poll(() => attr(job, 'data-phase'), { timeout: 120_000 }).toBe('completed');
      await expect.poll(() => attr(page.getByTestId('backtest-detail'), 'data-run-id')).not.toBe(firstRun);
      await expect.poll(() => page.getByTestId('results-row').count()).toBe(2);
      await screenshot(page, 'calibration-replay');
      // Back to the simulated market: the calibrated scenario returns.
      await page.getByTestId('market-simulated').click();
      await expect.poll(yaml).toMatch(/mode: book/);
      expect(pageErrors).toEqual([]);
    });
  },
);
