/**
 * Fixtures for the web-shell specs: a fresh data directory, the real `quotebench serve`, Chromium on
 * its URL, each torn down when the test finishes (browser, then server, then the directory), plus
 * small readers for what the page shows. Page functions run in the browser; this project compiles
 * e2e/ without the DOM library, so they type the few DOM members they touch locally.
 */
import { readFileSync, rmSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { expect, onTestFinished } from 'vitest';
import type { ApiSocket } from './api-socket';
import { launchChromium, startWebShell, tempDataDir, type WebShell } from './harness';

export const VIEWPORT = { width: 1440, height: 900 };

/** The DOM members the page functions use (e2e/ is compiled without lib.dom). */
export interface MiniElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): MiniElement | null;
  querySelectorAll(selector: string): ArrayLike<MiniElement>;
  readonly textContent: string | null;
  readonly clientWidth: number;
  readonly clientHeight: number;
}

interface MiniCanvas extends MiniElement {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}

/** A temp data directory removed when the test finishes (after the server using it has stopped). */
export function freshDataDir(): string {
  const dir = tempDataDir();
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `quotebench serve` on `dataDir`, stopped when the test finishes (SIGKILL if SIGTERM hangs). */
export async function serve(dataDir: string): Promise<WebShell> {
  const shell = await startWebShell(dataDir);
  onTestFinished(() => stopShell(shell));
  return shell;
}

export async function stopShell(shell: WebShell): Promise<void> {
  if (shell.proc.exitCode !== null || shell.proc.signalCode !== null) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      shell.proc.kill('SIGKILL');
      resolve();
    }, 15_000);
  });
  await Promise.race([shell.stop(), killed]);
  clearTimeout(timer);
}

export interface OpenPage {
  browser: Browser;
  page: Page;
  /** Uncaught exceptions in the page (each spec expects none). */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Chromium on the shell's URL, connected (the status badge says open); closed when the test finishes. */
export async function openPage(shell: WebShell): Promise<OpenPage> {
  const browser = await launchChromium();
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await browser.close();
  };
  onTestFinished(close);
  const page = await browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(30_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(shell.url);
  await expect.poll(() => attr(page.getByTestId('connection-status'), 'data-state')).toBe('open');
  return { browser, page, pageErrors, close };
}

/** A fresh data dir, a server on it and a connected page. */
export async function startApp(): Promise<OpenPage & { shell: WebShell; dataDir: string }> {
  const dataDir = freshDataDir();
  const shell = await serve(dataDir);
  const opened = await openPage(shell);
  return { ...opened, shell, dataDir };
}

/** An attribute of the first matching element, or null when there is none (never waits). */
export function attr(loc: Locator, name: string): Promise<string | null> {
  return loc.evaluateAll((els: MiniElement[], n: string) => els[0]?.getAttribute(n) ?? null, name);
}

/** A number attribute of the first matching element (NaN when missing). */
export async function numAttr(loc: Locator, name: string): Promise<number> {
  const v = await attr(loc, name);
  return v === null ? NaN : Number(v);
}

/** A number as the UI formats it (true minus sign, thousands commas, %, unit suffixes). */
export function parseUiNumber(text: string | null): number {
  if (text === null) return NaN;
  const m = /[−+-]?[\d,]*\.?\d+(?:e[−+-]?\d+)?/i.exec(text.trim());
  if (!m) return NaN;
  return Number(m[0].replace(/−/g, '-').replace(/,/g, ''));
}

/** The visible text of the first matching element, read as a number (NaN when missing). */
export async function numText(loc: Locator): Promise<number> {
  const t = await loc.evaluateAll((els: MiniElement[]) => els[0]?.textContent ?? null);
  return parseUiNumber(t);
}

/** Selects a tab and checks it took: selected, and the tab panel is labelled by it. */
export async function goToTab(
  page: Page,
  tab: 'data' | 'calibration' | 'backtest' | 'orderbook' | 'runs' | 'stress' | 'training' | 'paper',
): Promise<void> {
  await page.getByTestId(`tab-${tab}`).click();
  await expect.poll(() => attr(page.getByTestId(`tab-${tab}`), 'aria-selected')).toBe('true');
  await expect.poll(() => attr(page.getByRole('tabpanel'), 'aria-labelledby')).toBe(`tab-${tab}`);
}

export interface Ink {
  /** Width in device pixels of the canvas that holds the most of the colour. */
  canvasWidth: number;
  /** Pixel columns of that canvas holding at least one pixel of the colour. */
  columns: number;
  /** Pixels of the colour in that canvas. */
  pixels: number;
}

/**
 * How much of a colour a chart has actually painted, read back from its canvases. Only canvases at
 * least half as wide as the chart count (the plot pane, not the price axis, whose last-value label
 * carries the series colour).
 */
export function chartInk(chart: Locator, hex: string, tolerance = 24): Promise<Ink> {
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return chart.evaluate(
    (el: MiniElement, arg: { rgb: number[]; tol: number }): Ink => {
      const [r = 0, g = 0, b = 0] = arg.rgb;
      let best: Ink = { canvasWidth: 0, columns: 0, pixels: 0 };
      const canvases = Array.from(el.querySelectorAll('canvas')) as MiniCanvas[];
      for (const c of canvases) {
        if (c.clientWidth < el.clientWidth / 2 || c.width === 0 || c.height === 0) continue;
        const ctx = c.getContext('2d');
        if (!ctx) continue;
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        const cols = new Uint8Array(c.width);
        let pixels = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (
            Math.abs((data[i] ?? 0) - r) <= arg.tol &&
            Math.abs((data[i + 1] ?? 0) - g) <= arg.tol &&
            Math.abs((data[i + 2] ?? 0) - b) <= arg.tol
          ) {
            pixels++;
            cols[(i / 4) % c.width] = 1;
          }
        }
        let columns = 0;
        for (const v of cols) columns += v;
        if (pixels > best.pixels) best = { canvasWidth: c.width, columns, pixels };
      }
      return best;
    },
    { rgb, tol: tolerance },
  );
}

/** Waits until a numeric attribute stops changing for `quietMs` (e.g. the last frame after a pause). */
export async function settledAttr(loc: Locator, name: string, quietMs = 400): Promise<number> {
  let last = await numAttr(loc, name);
  for (let i = 0; i < 50; i++) {
    await sleep(quietMs);
    const now = await numAttr(loc, name);
    if (now === last) return now;
    last = now;
  }
  throw new Error(`${name} kept changing`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? NaN;
}

/** Each chart on the page (by test id) with its axis titles ('' when missing). */
export function chartAxisTitles(page: Page): Promise<{ id: string; x: string; y: string }[]> {
  return page.locator('.chart[data-testid]').evaluateAll((els: MiniElement[]) =>
    els.map((el) => ({
      id: el.getAttribute('data-testid') ?? '',
      x: el.querySelector('[data-axis="x"]')?.textContent ?? '',
      y: el.querySelector('[data-axis="y"]')?.textContent ?? '',
    })),
  );
}

/** Asserts every chart on the page has an x and a y axis title; returns how many charts there are. */
export async function expectAxisTitles(page: Page): Promise<number> {
  const charts = await chartAxisTitles(page);
  for (const c of charts) {
    expect(c.x, `${c.id} has no x-axis title`).not.toBe('');
    expect(c.y, `${c.id} has no y-axis title`).not.toBe('');
  }
  return charts.length;
}

/**
 * A small, fast SAC training config for the specs that drive the Training view: 100-step episodes, a
 * tiny network, a checkpoint every 300 steps, two evaluation episodes.
 */
export function tinyTrainingYaml(name: string, description: string): string {
  return `name: ${name}
description: ${description}
algo: sac
seed: 5
scenario:
  mode: intensity
  name: tiny
  horizon: 1
  dt: 0.01
  s0: 100
  price: { model: abm, sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
env:
  maxOffset: 2
  inventoryScale: 5
sac:
  hidden: [16, 16]
  batchSize: 32
  warmupSteps: 100
  bufferSize: 20000
budget:
  totalSteps: 100000
  checkpointEvery: 300
  evalEvery: 600
  evalEpisodes: 2
`;
}

/** The shipped as2008 preset's YAML, as the server lists it. */
export async function as2008Yaml(socket: ApiSocket): Promise<string> {
  const presets = await socket.call('scenarios.presets', {});
  const base = presets.find((p) => p.id === 'as2008')?.yaml;
  if (!base) throw new Error('no as2008 preset');
  return base;
}

/** A preset's YAML with a name, `paths` paths and one Avellaneda–Stoikov quoter (γ 0.1) of `variant`. */
export function oneQuoterYaml(
  base: string,
  name: string,
  variant: 'inventory' | 'symmetric',
  paths: number,
): string {
  return base
    .replace(/^name: .*$/m, `name: ${name}`)
    .replace(/^paths: .*$/m, `paths: ${paths}`)
    .replace(
      /^strategies:[\s\S]*$/m,
      `strategies:\n  - type: avellaneda-stoikov\n    variant: ${variant}\n    gamma: 0.1\n`,
    );
}

export interface PngDownload {
  name: string;
  /** Pixel size from the PNG's IHDR chunk. */
  width: number;
  height: number;
  bytes: number;
}

/**
 * Clicks a chart's PNG button and reads the download: asserts it is a PNG (signature) and returns
 * its file name, pixel size and byte count.
 */
export async function downloadPng(page: Page, testId: string): Promise<PngDownload> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const buf = readFileSync(await d.path());
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(buf.subarray(12, 16).toString()).toBe('IHDR');
  return {
    name: d.suggestedFilename(),
    width: buf.readUInt32BE(16),
    height: buf.readUInt32BE(20),
    bytes: buf.length,
  };
}

/** A chart's `data-last-y` ("key:kind=value,…") as a map from "key:kind" to the last drawn value. */
export async function lastDrawn(chart: Locator): Promise<Map<string, number>> {
  const raw = (await attr(chart, 'data-last-y')) ?? '';
  const out = new Map<string, number>();
  for (const part of raw.split(',')) {
    const i = part.lastIndexOf('=');
    if (i > 0) out.set(part.slice(0, i), Number(part.slice(i + 1)));
  }
  return out;
}
