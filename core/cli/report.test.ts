/**
 * `quotebench report` end to end, in process: usage errors (exit 2 naming the option or the run id,
 * nothing written), the HTML of one run and of a comparison, and with --pdf a real PDF printed by
 * Debian's Chromium. The HTML is also loaded in Chromium with every request intercepted: the only
 * request is the file itself. Chromium tests skip (with the reason) only when /usr/bin/chromium is
 * absent.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/db';
import { chromiumPath } from '../report/pdf';
import { storeBacktest, tinyConfig } from '../report/report.fixture';
import { captureOutput } from './capture.fixture';
import { main } from './main';
import { reportBaseName } from './report';

const HAVE_CHROMIUM = existsSync(chromiumPath());
const SKIP_REASON = `Chromium not found at ${chromiumPath()} (apt-get install chromium): PDF and browser checks skipped`;
if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

let dataDir: string;
let out: string;
let ids: string[];

const run = (argv: string[]): Promise<{ code: number; out: string; err: string }> =>
  captureOutput(() => main(argv));

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'qb-report-cli-'));
  out = join(dataDir, 'out');
  const store = openStore(dataDir);
  try {
    const a = storeBacktest(store, tinyConfig({ paths: 3 }), 3);
    const b = storeBacktest(
      store,
      tinyConfig({ name: 'fixed', strategies: [{ type: 'fixed-spread', halfSpread: 0.6 }] }),
      2,
    );
    ids = [a.runId, b.runId];
  } finally {
    store.close();
  }
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('quotebench report: usage errors', () => {
  it('no run id, no --out, an unknown id, --out a file: exit 2 naming the problem, nothing written', async () => {
    const none = await run(['report', '--out', out, '--data-dir', dataDir]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/RUN_ID/);
    const noOut = await run(['report', ids[0]!, '--data-dir', dataDir]);
    expect(noOut.code).toBe(2);
    expect(noOut.err).toMatch(/--out/);
    const unknown = await run(['report', ids[0]!, 'nope-123', '--out', out, '--data-dir', dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no run nope-123/);
    expect(unknown.err.trimEnd().split('\n')).toHaveLength(1);
    const file = join(dataDir, 'a-file');
    writeFileSync(file, 'x');
    const notDir = await run(['report', ids[0]!, '--out', file, '--data-dir', dataDir]);
    expect(notDir.code).toBe(2);
    expect(notDir.err).toMatch(/--out/);
    const bogus = await run(['report', ids[0]!, '--out', out, '--bogus']);
    expect(bogus.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe('quotebench report: HTML', () => {
  it('writes report-<id>.html for one run and compare-….html for several', async () => {
    const one = await run(['report', ids[0]!, '--out', out, '--data-dir', dataDir]);
    expect(one.code, one.err).toBe(0);
    const f1 = join(out, `${reportBaseName([ids[0]!])}.html`);
    expect(one.out).toContain(f1);
    const html = readFileSync(f1, 'utf8');
    expect(html).toContain('<section id="pnl">');
    expect(html).toContain(ids[0]);
    const two = await run(['report', ...ids, '--out', out, '--data-dir', dataDir]);
    expect(two.code, two.err).toBe(0);
    const f2 = join(out, `${reportBaseName(ids)}.html`);
    expect(readFileSync(f2, 'utf8')).toContain('Comparison: tiny vs fixed');
    expect(readdirSync(out).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('quotebench report --pdf (Chromium)', () => {
  it('prints a PDF with pages; the HTML makes no request but for itself', async () => {
    const r = await run(['report', ...ids, '--out', out, '--pdf', '--data-dir', dataDir]);
    expect(r.code, r.err).toBe(0);
    const base = join(out, reportBaseName(ids));
    const pdf = readFileSync(`${base}.pdf`);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(1);

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox'],
    });
    try {
      const count = async (file: string): Promise<string[]> => {
        const page = await browser.newPage();
        const self = pathToFileURL(file).href;
        const others: string[] = [];
        await page.route('**/*', async (route) => {
          const url = route.request().url();
          if (url === self) await route.continue();
          else {
            others.push(url);
            await route.abort();
          }
        });
        await page.goto(self, { waitUntil: 'load' });
        await page.close();
        return others;
      };
      expect(await count(`${base}.html`)).toEqual([]);
      // the interception does see a page that asks for something (the check can fail)
      const leaky = join(out, 'leaky.html');
      writeFileSync(leaky, '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"></body></html>');
      expect(await count(leaky)).toHaveLength(1);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
