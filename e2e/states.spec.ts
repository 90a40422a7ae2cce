/**
 * Views that say what they know (issue 10 §4): when the server dies a running job turns "connection
 * lost — state unknown" and stops counting; an old tab after a restart says the token is stale rather
 * than "cannot reach the server"; config errors show while editing; the order-book step names the
 * event it applied; a training run shown while the server dies turns "connection lost — state
 * unknown", and the same server back (same port and token) re-syncs the page without a reload.
 * Screenshots go to e2e/output/.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { attr, freshDataDir, goToTab, numAttr, openPage, startApp, stopShell, tinyTrainingYaml } from './app';
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

  it('training: the card stops saying "running" when the server dies, and re-syncs when it is back', async () => {
    // A server with a fixed token, so a restart on the same port is the same server to the page.
    const dataDir = freshDataDir();
    const token = randomBytes(18).toString('base64url');
    const first = await startWebShell(dataDir, 0, token);
    onTestFinished(() => stopShell(first));
    const { page, pageErrors } = await openPage(first);
    await goToTab(page, 'training');
    await pickPreset(page, 'train-preset-select', '__custom__');
    await page.getByTestId('train-yaml-editor').fill(tinyTrainingYaml('e2e-states', 'server death'));
    await page.getByTestId('train-start').click();
    const status = page.getByTestId('train-status');
    const pill = page.getByTestId('train-status-pill');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    const runId = (await attr(status, 'data-run-id')) ?? '';
    const row = page.locator(`[data-testid="train-run-row"][data-run-id="${runId}"]`);
    await expect.poll(() => numAttr(status, 'data-step'), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await pill.textContent()).toBe('running');
    // Marks this page load: still there after the re-sync means no reload happened.
    await page.evaluate(() => {
      (globalThis as { __sameLoad?: boolean }).__sameLoad = true;
    });

    // The server dies abruptly (no final status event): the card and the list row stop saying running.
    first.proc.kill('SIGKILL');
    await expect.poll(() => attr(status, 'data-status')).toBe('lost');
    expect(await pill.textContent()).toBe('connection lost — state unknown');
    expect(await attr(row, 'data-status')).toBe('lost');
    expect(await page.getByTestId('train-eta').textContent()).toBe('—');
    expect(await page.getByTestId('train-pause').isDisabled()).toBe(true);
    expect(await page.getByTestId('train-stop').isDisabled()).toBe(true);
    await expect.poll(() => attr(page.getByTestId('connection-banner'), 'data-reason')).toBe('unreachable');
    await screenshot(page, 'states-training-server-down');

    // The same server back on the same port and token: the page reconnects by itself, re-reads the
    // list (the server found the killed run orphaned: incomplete) and the run, without a reload.
    const second = await startWebShell(dataDir, first.port, token);
    onTestFinished(() => stopShell(second));
    expect(second.url).toBe(first.url);
    await expect
      .poll(() => attr(page.getByTestId('connection-status'), 'data-state'), { timeout: 60_000 })
      .toBe('open');
    await expect.poll(() => attr(status, 'data-status')).toBe('incomplete');
    expect(await attr(row, 'data-status')).toBe('incomplete');
    expect(await pill.textContent()).toBe('incomplete');
    expect(await page.getByTestId('connection-banner').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __sameLoad?: boolean }).__sameLoad)).toBe(true);
    await screenshot(page, 'states-training-resynced');
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

  it('an order-book step that empties a level keeps it on screen, struck, and says so', async () => {
    const { page, pageErrors } = await startApp();
    await goToTab(page, 'orderbook');
    await pickPreset(page, 'replay-preset-select', 'book-default');
    await page.getByTestId('replay-depth-select').selectOption('20');
    await page.getByTestId('speed-select').selectOption('100');
    await page.getByTestId('replay-start').click();
    const status = page.getByTestId('replay-status');
    const ladder = page.getByTestId('ladder');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    await expect.poll(() => numAttr(ladder, 'data-seq')).toBeGreaterThan(2);
    await page.getByTestId('replay-pause').click();
    await expect.poll(() => attr(status, 'data-status')).toBe('paused');

    const applied = page.getByTestId('replay-applied');
    const emptiedRows = page.locator('[data-testid="ladder-row"][data-emptied]');
    // Step until a step empties a level, in the page (one round trip per step would take minutes on
    // a busy machine): each step waits for its snapshot (the ladder's seq) and its answer (the Step
    // button enabled again), then reads the sentence; no row may be marked emptied before.
    const search = await page.evaluate(async (max: number) => {
      interface El {
        getAttribute(name: string): string | null;
        click(): void;
        readonly disabled: boolean;
      }
      const g = globalThis as unknown as {
        document: { querySelector(sel: string): El | null; querySelectorAll(sel: string): ArrayLike<El> };
        requestAnimationFrame(cb: () => void): number;
      };
      const q = (sel: string): El | null => g.document.querySelector(sel);
      const seqNow = (): number => Number(q('[data-testid="ladder"]')?.getAttribute('data-seq'));
      const frame = (): Promise<void> => new Promise((resolve) => g.requestAnimationFrame(resolve));
      for (let i = 1; i <= max; i++) {
        const seq = seqNow();
        const button = q('[data-testid="replay-step"]');
        if (!button) return { steps: i, found: false, stray: -1 };
        button.click();
        for (let w = 0; w < 600 && !(seqNow() > seq && !button.disabled); w++) await frame();
        await frame();
        const stray = g.document.querySelectorAll('[data-testid="ladder-row"][data-emptied]').length;
        if (q('[data-testid="replay-applied"]')?.getAttribute('data-emptied') === 'true')
          return { steps: i, found: true, stray: 0 };
        if (stray > 0) return { steps: i, found: false, stray };
      }
      return { steps: max, found: false, stray: 0 };
    }, 600);
    expect(search.stray, `a row marked emptied after a step that emptied none (${search.steps})`).toBe(0);
    const { found, steps } = search;
    expect(found, `no step emptied a level in ${steps} steps`).toBe(true);
    const kind = await attr(applied, 'data-kind');
    expect(kind === 'cancel' || kind === 'trade').toBe(true);
    expect(await applied.textContent()).toMatch(
      /^Applied: (cancel|trade) · (bid|ask) \d+\.\d{2}.* · level emptied$/,
    );
    // Exactly one struck row, at the event's side and price, size "n → 0", also outlined as applied.
    expect(await emptiedRows.count()).toBe(1);
    expect(await attr(emptiedRows, 'data-side')).toBe(await attr(applied, 'data-side'));
    expect(Number(await attr(emptiedRows, 'data-price'))).toBeCloseTo(
      Number(await attr(applied, 'data-price')),
      9,
    );
    expect(await attr(emptiedRows, 'data-applied')).toBe(kind);
    expect(Number(await attr(emptiedRows, 'data-size-before'))).toBeGreaterThan(0);
    expect(await emptiedRows.locator('.size').textContent()).toMatch(/^\d+ → 0$/);
    // The ladder still shows 20 rows a side (the ghost takes the deepest level's place for this step).
    expect(await page.locator('[data-testid="ladder-row"]').count()).toBe(40);
    await screenshot(page, 'states-orderbook-emptied');

    // The next step moves on: the ghost is gone unless that step empties a level too.
    const seq = await numAttr(ladder, 'data-seq');
    await page.getByTestId('replay-step').click();
    await expect.poll(() => numAttr(ladder, 'data-seq')).toBeGreaterThan(seq);
    if ((await attr(applied, 'data-emptied')) !== 'true') expect(await emptiedRows.count()).toBe(0);
    await page.getByTestId('replay-stop').click();
    expect(pageErrors).toEqual([]);
  });
});
