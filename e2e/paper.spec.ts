/**
 * Issue 14 §5 in Chromium on the built web shell: the Paper view.
 *
 * 1. Keys: API keys stored through the keys panel (web shell: an encrypted file with a passphrase)
 *    show only "keys stored"; the inputs are cleared; neither the page (the DOM after saving) nor any
 *    WebSocket frame the server sent contains the key or the secret. The frames the page sent are
 *    searched too: the key appears in exactly one (the secrets.set call), which proves the capture saw
 *    the traffic.
 * 2. A paper session on the paper venue fed by the LOBSTER AAPL sample (imported with the CLI before
 *    the server starts): the book, our quotes, fills and PnL update; Ctrl+Shift+K (the kill switch's
 *    shortcut) cancels every order: "no open orders", the session is killed.
 *
 * The sample sits beside the repository (../shared/data, as in CI); without it the spec is skipped.
 * Every wait polls for a condition (with the page's generous default timeout as the hang guard).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VIEWPORT, attr, freshDataDir, goToTab, numAttr, serve } from './app';
import { ROOT, launchChromium, screenshot } from './harness';

const AAPL = join(ROOT, '..', 'shared', 'data', 'lobster', 'AAPL_2012-06-21_L10');
const MESSAGES = join(AAPL, 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv');
const ORDERBOOK = join(AAPL, 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv');

const API_KEY = 'E2Epaperkey9Qz7Lw3Vb1Nc5Xm';
const SECRET = 'E2Epapersecret4Ht8Jk2Pf6Rd0Gs';
const PASSPHRASE = 'e2e paper passphrase';

describe.skipIf(![MESSAGES, ORDERBOOK].every((f) => existsSync(f)))('Paper view', () => {
  it('stores keys write-only, runs a session on a recorded feed, and the kill shortcut cancels everything', async () => {
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
    const shell = await serve(dataDir);
    const browser = await launchChromium();
    onTestFinished(() => browser.close());
    const page = await browser.newPage({ viewport: VIEWPORT });
    page.setDefaultTimeout(60_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Every WebSocket frame, both ways, from before the page opens its socket.
    const received: string[] = [];
    const sent: string[] = [];
    page.on('websocket', (ws) => {
      ws.on('framereceived', (f) => received.push(String(f.payload)));
      ws.on('framesent', (f) => sent.push(String(f.payload)));
    });
    await page.goto(shell.url);
    await expect.poll(() => attr(page.getByTestId('connection-status'), 'data-state')).toBe('open');
    await goToTab(page, 'paper');
    await page.getByTestId('paper-view').waitFor();

    // ---- 1. keys: write-only
    await page.getByTestId('keys-panel').waitFor();
    await expect.poll(() => attr(page.getByTestId('keys-row').first(), 'data-stored')).toBe('false');
    expect(await page.getByTestId('keys-api-key').getAttribute('type')).toBe('password');
    expect(await page.getByTestId('keys-secret').getAttribute('type')).toBe('password');
    await page.getByTestId('keys-passphrase').fill(PASSPHRASE);
    await page.getByTestId('keys-api-key').fill(API_KEY);
    await page.getByTestId('keys-secret').fill(SECRET);
    await page.getByTestId('keys-save').click();
    const usdm = page.locator('[data-testid="keys-row"][data-venue="binance-usdm-demo"]');
    await expect.poll(() => attr(usdm, 'data-stored')).toBe('true');
    expect(await usdm.textContent()).toContain('keys stored');
    expect(await page.getByTestId('keys-api-key').inputValue()).toBe('');
    expect(await page.getByTestId('keys-secret').inputValue()).toBe('');
    expect(await page.getByTestId('keys-backend').textContent()).toContain('unlocked');
    const html = await page.content();
    expect(html).not.toContain(API_KEY);
    expect(html).not.toContain(SECRET);
    await screenshot(page, 'paper-keys-stored');

    // ---- 2. a paper session on the recorded feed
    await page.getByTestId('paper-venue').selectOption('paper-dataset');
    const pick = page.getByTestId('paper-dataset');
    await expect.poll(() => pick.locator('option').count()).toBe(2); // "choose" + the sample
    const datasetId = await pick.locator('option').nth(1).getAttribute('value');
    await pick.selectOption(datasetId ?? '');
    await page.getByTestId('paper-speed').fill('1');
    await page.getByTestId('paper-classical').selectOption('fixed-spread');
    await page.getByTestId('paper-params').fill('halfSpread=0.01, orderSizeLots=100');
    await page.getByTestId('paper-limit-maxInventory').fill('100000');
    await page.getByTestId('paper-start').click();

    const status = page.getByTestId('paper-status');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    // The kill switch is in the top bar on every tab while the session runs.
    await page.getByTestId('kill-switch-top').waitFor();
    expect(await page.getByTestId('kill-switch').getAttribute('title')).toContain('Ctrl+Shift+K');
    // The book, our quotes (working orders and their rows on the book), fills, PnL and the chart.
    await expect.poll(() => numAttr(page.getByTestId('paper-book'), 'data-levels')).toBeGreaterThan(4);
    await expect.poll(() => numAttr(page.getByTestId('paper-orders'), 'data-count')).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('[data-testid="paper-book-row"][data-ours="true"]').count())
      .toBeGreaterThan(0);
    await expect.poll(() => numAttr(page.getByTestId('paper-fill-count'), 'data-value')).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('paper-fill').count()).toBeGreaterThan(0);
    await expect
      .poll(async () => (await numAttr(page.getByTestId('paper-pnl'), 'data-value')) !== 0)
      .toBe(true);
    await expect.poll(() => numAttr(page.getByTestId('paper-chart'), 'data-points')).toBeGreaterThan(1);
    expect(await page.getByTestId('paper-risk-row').count()).toBeGreaterThan(0);
    expect(await attr(page.getByTestId('paper-connection'), 'data-connection')).toBe('connected');
    await screenshot(page, 'paper-session-running');

    // The kill switch's shortcut, from another tab (it is global to the window).
    await goToTab(page, 'runs');
    await page.keyboard.press('Control+Shift+K');
    await goToTab(page, 'paper');
    await expect.poll(() => attr(status, 'data-status')).toBe('killed');
    await expect.poll(() => attr(page.getByTestId('paper-kill-result'), 'data-open-orders')).toBe('0');
    expect(await page.getByTestId('paper-kill-result').textContent()).toContain('no open orders');
    await page.getByTestId('paper-no-orders').waitFor();
    expect(await page.getByTestId('kill-switch-top').count()).toBe(0);
    expect(await page.getByTestId('paper-halted').textContent()).toContain('kill switch');
    await screenshot(page, 'paper-session-killed');

    // ---- the keys never came back over the socket; the capture did see the traffic.
    expect(received.length).toBeGreaterThan(10);
    expect(received.some((f) => f.includes('paper.snapshot'))).toBe(true);
    for (const f of received) {
      expect(f).not.toContain(API_KEY);
      expect(f).not.toContain(SECRET);
      expect(f).not.toContain(PASSPHRASE);
    }
    expect(sent.filter((f) => f.includes(API_KEY))).toHaveLength(1);
    expect(sent.filter((f) => f.includes('secrets.set'))).toHaveLength(1);
    expect(await page.content()).not.toContain(API_KEY);
    expect(pageErrors).toEqual([]);
  });
});
