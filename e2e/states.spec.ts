/**
 * Views that say what they know (issue 10 §4): when the server dies a running job turns "connection
 * lost — state unknown" and stops counting; an old tab after a restart says the token is stale rather
 * than "cannot reach the server"; config errors show while editing; the order-book step names the
 * event it applied. Screenshots go to e2e/output/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { attr, goToTab, numAttr, startApp, stopShell } from './app';
import { screenshot, startWebShell } from './harness';

async function pickPreset(page: Page, testId: string, id: string): Promise<void> {
  const select = page.getByTestId(testId);
  await select.locator(`option[value="${id}"]`).waitFor({ state: 'attached' });
  await select.selectOption(id);
  expect(await select.inputValue()).toBe(id);
}

describe('honest states in Chromium', () => {
  it('server death: the job card stops claiming "Running"; a restarted server is told from a dead one', async () => {
    const { page, shell, dataDir, pageErrors } = await startApp();
    await pickPreset(page, 'preset-select', 'as2008');
    await page.getByTestId('paths-input').fill('200000');
    await expect.poll(() => page.getByTestId('yaml-editor').inputValue()).toMatch(/^paths: 200000$/m);
    await page.getByTestId('run-backtest').click();
    const card = page.getByTestId('job-card');
    const progress = page.getByTestId('backtest-progress');
    await expect.poll(() => numAttr(progress, 'data-value'), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await attr(card, 'data-phase')).toBe('running');

    // The server dies: the card says the state is unknown, and the banner that nothing answers.
    await stopShell(shell);
    await expect.poll(() => attr(card, 'data-phase'), { timeout: 30_000 }).toBe('lost');
    expect(await page.getByTestId('job-phase').textContent()).toBe('Connection lost — state unknown');
    const banner = page.getByTestId('connection-banner');
    await expect.poll(() => attr(banner, 'data-reason'), { timeout: 30_000 }).toBe('unreachable');
    expect(await banner.textContent()).toMatch(/cannot reach the server/i);
    await screenshot(page, 'states-server-down');

    // Restarted on the same port with a new token: the old tab is told the token changed.
    const second = await startWebShell(dataDir, shell.port);
    onTestFinished(() => stopShell(second));
    expect(second.url).not.toBe(shell.url);
    await expect.poll(() => attr(banner, 'data-reason'), { timeout: 30_000 }).toBe('token-rejected');
    expect(await banner.textContent()).toContain(
      'the server restarted; open the new URL printed by `quotebench serve` (the token changed)',
    );
    expect(await attr(card, 'data-phase')).toBe('lost');
    await screenshot(page, 'states-stale-token');
    expect(pageErrors).toEqual([]);
  });

  it('config errors show while editing, name the loaded file, and do not stack', async () => {
    const { page, pageErrors } = await startApp();
    await pickPreset(page, 'preset-select', 'as2008');
    const editor = page.getByTestId('yaml-editor');
    const good = await editor.inputValue();
    expect(good).toMatch(/^ {2}dt: 0\.005$/m);

    // An unknown key: named inline next to the editor without pressing Run.
    const bad = good.replace(/^ {2}dt: 0\.005$/m, '  dt: 0.005\n  dtt: 2');
    await editor.fill(bad);
    const issue = page.getByTestId('config-issue');
    await expect.poll(() => issue.count()).toBe(1);
    expect(await attr(issue, 'data-path')).toBe('scenario.dtt');
    const line = Number(await attr(issue, 'data-line'));
    expect(bad.split('\n')[line - 1]).toMatch(/^\s*dtt: 2$/);
    expect(await issue.textContent()).toMatch(/^config\.yaml:\d+:\d+ scenario\.dtt/);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await editor.fill(good);
    await expect.poll(() => issue.count()).toBe(0);

    // A loaded file is named by its own name, inline and in the Run banner.
    await page
      .getByTestId('yaml-file-input')
      .setInputFiles({ name: 'my-scenario.yaml', mimeType: 'text/yaml', buffer: Buffer.from(bad) });
    await expect.poll(() => page.getByTestId('yaml-source').textContent()).toContain('my-scenario.yaml');
    await expect.poll(() => issue.count()).toBe(1);
    expect(await issue.textContent()).toMatch(/^my-scenario\.yaml:\d+:\d+ scenario\.dtt/);
    await page.getByTestId('run-backtest').click();
    const banner = page.getByTestId('error-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/my-scenario\.yaml:\d+:\d+: scenario\.dtt/);
    expect(await banner.textContent()).not.toContain('config.yaml');

    // A second, different config error replaces the first banner instead of stacking.
    await editor.fill(bad.replace('  dtt: 2', '  dttt: 3'));
    await expect.poll(() => attr(issue, 'data-path')).toBe('scenario.dttt');
    await page.getByTestId('run-backtest').click();
    await expect.poll(() => banner.textContent()).toMatch(/scenario\.dttt/);
    expect(await banner.count()).toBe(1);
    await screenshot(page, 'states-config-issues');
    expect(pageErrors).toEqual([]);
  });

  it('the order-book step says which event it applied and highlights that ladder row', async () => {
    const { page, pageErrors } = await startApp();
    await goToTab(page, 'orderbook');
    await pickPreset(page, 'replay-preset-select', 'book-default');
    await page.getByTestId('speed-select').selectOption('100');
    await page.getByTestId('replay-start').click();
    const status = page.getByTestId('replay-status');
    const ladder = page.getByTestId('ladder');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    await expect.poll(() => numAttr(ladder, 'data-seq')).toBeGreaterThan(2);
    await page.getByTestId('replay-pause').click();
    await expect.poll(() => attr(status, 'data-status')).toBe('paused');
    expect(await page.getByTestId('replay-applied').count()).toBe(0);

    const applied = page.getByTestId('replay-applied');
    const seen = new Set<string>();
    let added = false;
    for (let i = 0; i < 60 && !(added && seen.size >= 2); i++) {
      const seq = await numAttr(ladder, 'data-seq');
      await page.getByTestId('replay-step').click();
      await expect.poll(() => numAttr(ladder, 'data-seq')).toBeGreaterThan(seq);
      await applied.waitFor();
      const kind = (await attr(applied, 'data-kind')) ?? '';
      seen.add(kind);
      const text = (await applied.textContent()) ?? '';
      expect(text).toMatch(/^Applied: (add|cancel|trade|price move|no book change)/);
      if (kind === 'add' && !added) {
        // The sentence names side, price and size, and exactly that ladder row is highlighted.
        expect(text).toMatch(/^Applied: add · (bid|ask) \d+\.\d{2} × \d+/);
        const side = await attr(applied, 'data-side');
        const price = Number(await attr(applied, 'data-price'));
        const rows = page.locator('[data-testid="ladder-row"][data-applied]');
        expect(await rows.count()).toBe(1);
        expect(await attr(rows, 'data-applied')).toBe('add');
        expect(await attr(rows, 'data-side')).toBe(side);
        expect(Number(await attr(rows, 'data-price'))).toBeCloseTo(price, 9);
        await screenshot(page, 'states-orderbook-step');
        added = true;
      }
    }
    expect(added).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(2);

    // Resuming drops the sentence and the highlight.
    await page.getByTestId('replay-resume').click();
    await expect.poll(() => applied.count()).toBe(0);
    expect(await page.locator('[data-testid="ladder-row"][data-applied]').count()).toBe(0);
    await page.getByTestId('replay-stop').click();
    expect(pageErrors).toEqual([]);
  });
});
