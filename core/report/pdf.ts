/**
 * Print a report's HTML file to PDF with Chromium's own print engine, driven by playwright-core
 * (the CLI's path; the Electron app prints with webContents.printToPDF, the same engine). The browser
 * is Debian's Chromium (/usr/bin/chromium, or $QUOTEBENCH_CHROMIUM), never a downloaded one. Every
 * request other than the report file itself is aborted and counted, so a report that tried to reach
 * the network is caught, not silently fetched.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as PlaywrightModule from 'playwright-core';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const PLAYWRIGHT = 'playwright-core';

/** Where Chromium is expected. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.QUOTEBENCH_CHROMIUM ?? DEFAULT_CHROMIUM;
}

/** Chromium is missing (the CLI checks first and reports it as a usage problem, exit 2). */
export class ChromiumMissingError extends Error {
  override name = 'ChromiumMissingError';
}

export interface PrintResult {
  /** Requests other than the HTML file itself (each was aborted). */
  otherRequests: string[];
}

/** Open `htmlFile` in headless Chromium and print it to `pdfFile` (A4, backgrounds on). */
export async function printHtmlToPdf(
  htmlFile: string,
  pdfFile: string,
  opts: { chromium?: string } = {},
): Promise<PrintResult> {
  const exe = opts.chromium ?? chromiumPath();
  if (!existsSync(exe)) {
    throw new ChromiumMissingError(
      `--pdf needs Chromium at ${exe}: install Debian's chromium (apt-get install chromium) or set QUOTEBENCH_CHROMIUM`,
    );
  }
  // A computed specifier: bundlers leave it alone, so the Electron main bundle (which prints with
  // printToPDF instead) does not carry playwright-core, a development dependency.
  const { chromium } = (await import(/* @vite-ignore */ PLAYWRIGHT)) as typeof PlaywrightModule;
  const browser = await chromium.launch({
    executablePath: exe,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
    ],
  });
  try {
    const page = await browser.newPage();
    const self = pathToFileURL(htmlFile).href;
    const otherRequests: string[] = [];
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === self) await route.continue();
      else {
        otherRequests.push(url);
        await route.abort();
      }
    });
    await page.goto(self, { waitUntil: 'load' });
    await page.pdf({ path: pdfFile, format: 'A4', printBackground: true, preferCSSPageSize: true });
    return { otherRequests };
  } finally {
    await browser.close();
  }
}

/**
 * Print an HTML document (a string) to PDF bytes with printHtmlToPdf, through a private temporary
 * directory that is removed afterwards. Fails if the document asked for anything but itself.
 */
export async function printHtmlStringToPdf(html: string, opts: { chromium?: string } = {}): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'quotebench-report-'));
  try {
    const htmlFile = join(dir, 'report.html');
    const pdfFile = join(dir, 'report.pdf');
    writeFileSync(htmlFile, html, { mode: 0o600 });
    const { otherRequests } = await printHtmlToPdf(htmlFile, pdfFile, opts);
    if (otherRequests.length > 0)
      throw new Error(
        `the report asked for ${otherRequests.length} external resource(s): ${otherRequests[0]}`,
      );
    return readFileSync(pdfFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
