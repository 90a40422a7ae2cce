/**
 * The desktop app itself, through Playwright's Electron driver: the window opens on the built
 * renderer with the preload bridge, runs a backtest over IPC and shows its results. Runs where the
 * Electron binary is installed; elsewhere it reports itself skipped with the reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ROOT, screenshot, tempDataDir } from './harness';

const require = createRequire(import.meta.url);

function electronBinary(): { path: string } | { reason: string } {
  try {
    const path = require('electron') as unknown as string;
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { reason: `the Electron binary is not installed (${String(path)} missing)` };
  } catch (e) {
    const version = (
      JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    return {
      reason: `the Electron ${version} binary is not installed on this machine (${(e as Error).message.split('\n')[0]}); it cannot be downloaded here`,
    };
  }
}

const bin = electronBinary();

describe('Electron shell', () => {
  it('opens the app window, talks to the main process over IPC and runs a backtest', async (ctx) => {
    if ('reason' in bin) {
      console.warn(
        `Electron e2e spec skipped: ${bin.reason}. The web-shell specs cover the same UI in Chromium.`,
      );
      ctx.skip(`skipped: ${bin.reason}`);
      return;
    }
    const app = await electron.launch({
      executablePath: bin.path,
      args: [join(ROOT, 'out/main/index.js')],
      env: { ...process.env, QUOTEBENCH_DATA_DIR: tempDataDir() },
    });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector('[data-testid="tab-backtest"]');
      const bridgeKeys = await page.evaluate(() =>
        Object.keys((globalThis as unknown as { quotebench: object }).quotebench).sort(),
      );
      expect(bridgeKeys).toEqual(['invoke', 'methods', 'subscribe', 'topics', 'version']);
      const nodeAccess = await page.evaluate(
        () => typeof (globalThis as unknown as { require?: unknown }).require,
      );
      expect(nodeAccess).toBe('undefined');
      await page.getByTestId('run-backtest').click();
      await page.waitForSelector('[data-testid="results-row"]', { timeout: 120_000 });
      await screenshot(page, 'electron-backtest');
    } finally {
      await app.close();
    }
  });
});
