/**
 * Render the first page of a PDF to PNG without poppler or ghostscript: Mozilla's pdf.js (pdfjs-dist,
 * a dev dependency) runs in a Chromium page (playwright-core, Debian's Chromium), draws page 1 on a
 * canvas, and the canvas is saved as a PNG. The page is served from an origin of its own that answers
 * only pdf.js's two modules and the PDF (every other request is aborted), so nothing reaches a network.
 *
 * What it reports about page 1, for checks that can fail:
 * - `text`: pdf.js's text items of page 1, joined, and where a given heading sits (its top, in canvas
 *   pixels);
 * - `ink`: how many canvas pixels are within `tolerance` (per RGB channel) of any of the given colours,
 *   in all and below the heading (the region the heading's chart is drawn in), with the bounding box of
 *   those below it (a line across a chart spans most of the page's width; a colour swatch does not).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';

const ORIGIN = 'http://pdf-render.invalid';
const require = createRequire(import.meta.url);

export interface PdfFirstPage {
  pages: number;
  /** Text items of page 1, joined by spaces. */
  text: string;
  width: number;
  height: number;
  /** Top of the first text item that contains `heading` (canvas px), null when page 1 has none. */
  headingTop: number | null;
  /** Pixels of the colours: anywhere on page 1, and at or below the heading (with their bounding box). */
  ink: { all: number; belowHeading: number; box: { x0: number; y0: number; x1: number; y1: number } | null };
}

const PAGE_HTML = `<!doctype html><html><body style="margin:0;background:#fff">
<canvas id="c"></canvas>
<script type="module">
import * as pdfjs from '${ORIGIN}/pdf.mjs';
pdfjs.GlobalWorkerOptions.workerSrc = '${ORIGIN}/pdf.worker.mjs';
window.renderFirstPage = async (heading, rgbs, tolerance, scale) => {
  const data = new Uint8Array(await (await fetch('${ORIGIN}/doc.pdf')).arrayBuffer());
  const doc = await pdfjs.getDocument({ data, isEvalSupported: false }).promise;
  const page = await doc.getPage(1);
  const viewport = page.getViewport({ scale });
  const canvas = document.getElementById('c');
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  await page.render({ canvasContext: ctx, viewport, canvas }).promise;
  const content = await page.getTextContent();
  const items = content.items.filter((i) => typeof i.str === 'string');
  let headingTop = null;
  for (const i of items) {
    if (headingTop === null && i.str.includes(heading)) {
      const [, y] = viewport.convertToViewportPoint(i.transform[4], i.transform[5]);
      headingTop = y - (i.height || 0) * scale;
    }
  }
  const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let all = 0, below = 0, x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const o = (y * canvas.width + x) * 4;
      if (rgbs.some((rgb) => Math.abs(img[o] - rgb[0]) <= tolerance &&
          Math.abs(img[o + 1] - rgb[1]) <= tolerance && Math.abs(img[o + 2] - rgb[2]) <= tolerance)) {
        all++;
        if (headingTop !== null && y >= headingTop) {
          below++;
          if (x < x0) x0 = x; if (y < y0) y0 = y; if (x > x1) x1 = x; if (y > y1) y1 = y;
        }
      }
    }
  }
  return {
    pages: doc.numPages,
    text: items.map((i) => i.str).join(' '),
    width: canvas.width,
    height: canvas.height,
    headingTop,
    ink: { all, belowHeading: below, box: x1 < 0 ? null : { x0, y0, x1, y1 } },
  };
};
window.ready = true;
</script></body></html>`;

/** "#0072B2" → [0, 114, 178]. */
export function rgbOf(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/**
 * Render page 1 of `pdfFile` at `scale` (1 = 72 dpi), save it as `pngFile`, and measure the ink of
 * `colors` below the first text item containing `heading`.
 */
export async function renderPdfFirstPage(
  browser: Browser,
  pdfFile: string,
  pngFile: string,
  opts: { heading: string; colors: string[]; tolerance?: number; scale?: number },
): Promise<PdfFirstPage> {
  const dir = require.resolve('pdfjs-dist/build/pdf.mjs').replace(/pdf\.mjs$/, '');
  const files: Record<string, { body: Buffer; type: string }> = {
    '/index.html': { body: Buffer.from(PAGE_HTML), type: 'text/html' },
    '/pdf.mjs': { body: readFileSync(`${dir}pdf.mjs`), type: 'text/javascript' },
    '/pdf.worker.mjs': { body: readFileSync(`${dir}pdf.worker.mjs`), type: 'text/javascript' },
    '/doc.pdf': { body: readFileSync(pdfFile), type: 'application/pdf' },
  };
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      const f = url.origin === ORIGIN ? files[url.pathname] : undefined;
      return f
        ? route.fulfill({ status: 200, body: f.body, contentType: f.type })
        : route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction(
      () => (globalThis as unknown as { ready?: boolean }).ready === true,
      undefined,
      {
        timeout: 60_000,
      },
    );
    const result = await page.evaluate(
      ([heading, rgb, tolerance, scale]) =>
        (
          globalThis as unknown as {
            renderFirstPage: (h: string, c: number[][], t: number, s: number) => Promise<PdfFirstPage>;
          }
        ).renderFirstPage(heading, rgb, tolerance, scale),
      [opts.heading, opts.colors.map(rgbOf), opts.tolerance ?? 40, opts.scale ?? 1.5] as const,
    );
    await page.locator('#c').screenshot({ path: pngFile });
    if (errors.length > 0) throw new Error(`pdf.js page errors: ${errors.join('; ')}`);
    return result;
  } finally {
    await context.close();
  }
}
