/**
 * The tear sheet's HTML: every section is there with the model's numbers, nothing in it can reach the
 * network, and a hostile run name or config string is text, not markup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/db';
import { renderReportHtml } from './html';
import { loadReport, type ReportModel } from './model';
import { storeBacktest, tinyConfig } from './report.fixture';
import { escapeHtml, fmt } from './svg';

const SECTIONS = [
  'runs',
  'metrics',
  'pnl',
  'drawdown',
  'rolling-sharpe',
  'distribution',
  'inventory',
  'fills',
  'risk',
  'periods',
  'config',
];

let dir: string;
let store: Store;
let single: ReportModel;
let compare: ReportModel;
let hostile: ReportModel;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qb-report-html-'));
  store = openStore(dir);
  const a = storeBacktest(store, tinyConfig({ paths: 3 }), 3);
  const b = storeBacktest(
    store,
    tinyConfig({ name: 'fixed', strategies: [{ type: 'fixed-spread', halfSpread: 0.6 }] }),
    2,
  );
  const evil = storeBacktest(
    store,
    {
      ...tinyConfig({ name: '<script>alert(1)</script>', paths: 2 }),
      description: '</pre><img src="http://evil.example/x.png"><a href=\'https://evil.example\'>x</a>',
    },
    2,
  );
  single = loadReport(store, [a.runId], { generatedAt: 'G' });
  compare = loadReport(store, [a.runId, b.runId], { generatedAt: 'G' });
  hostile = loadReport(store, [evil.runId, a.runId], { generatedAt: 'G' });
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every src/href/url()/@import/srcset reference in the file that names a network scheme. */
function networkRefs(html: string): string[] {
  const refs: string[] = [];
  const patterns = [
    /\b(?:src|href|srcset|action|poster|data|xlink:href)\s*=\s*["']?\s*([^"'\s>]+)/gi,
    /url\(\s*["']?([^"')]+)/gi,
    /@import\s+["']?([^"';\s]+)/gi,
  ];
  for (const re of patterns) for (const m of html.matchAll(re)) refs.push(m[1] ?? '');
  return refs.filter((r) => /^(https?:|\/\/|ftp:|ws:|wss:)/i.test(r));
}

describe('renderReportHtml', () => {
  it('has every section, with the model numbers in it', () => {
    const html = renderReportHtml(single);
    for (const id of SECTIONS) expect(html, id).toContain(`<section id="${id}">`);
    const e = single.entries[0]!;
    // the metrics table cell of a stored metric, and the provenance
    expect(html).toContain(`<td data-metric="pnlMean">${fmt(e.metrics.pnlMean!)}</td>`);
    expect(html).toContain(`<td data-metric="es99">${fmt(e.metrics.es99!)}</td>`);
    expect(html).toContain('test-version');
    expect(html).toContain(`<td>${single.runs[0]!.seed}</td>`);
    expect(html).toContain(escapeHtml(single.runs[0]!.id));
    // the kept-path VaR/ES, the inventory CVaR and a variance share
    expect(html).toContain(`<td>${fmt(e.increments.var99.es)}</td>`);
    expect(html).toContain(`<td>${fmt(e.inventoryRisk.carry99.es)}</td>`);
    const carry = e.attribution.terms.find((t) => t.term === 'carry')!;
    expect(html).toContain(`${(carry.contribution * 100).toFixed(1)}%`);
    // per-session row of the first path and the first period
    expect(html).toContain(`<td>${fmt(e.paths[0]!.finalPnl)}</td>`);
    expect(html).toContain(`<td>${fmt(e.periods[0]!.pnlMean)}</td>`);
    // charts are inline SVG: pnl, drawdown, rolling Sharpe, distribution, inventory ×2, fills, mark-out
    expect((html.match(/<svg /g) ?? []).length).toBe(8);
    for (const id of ['pnl', 'drawdown', 'rolling-sharpe', 'distribution', 'inventory', 'fills']) {
      const body = html.slice(html.indexOf(`<section id="${id}">`));
      expect(body.slice(0, body.indexOf('</section>')), id).toContain('<svg ');
    }
    // the distribution marks VaR and ES
    for (const label of ['VaR95', 'ES95', 'VaR99', 'ES99']) expect(html).toContain(`>${label}</text>`);
    // the config, as JSON
    expect(html).toContain(escapeHtml('"mode": "intensity"'));
  });

  it('a comparison lays the runs side by side', () => {
    const html = renderReportHtml(compare);
    expect(compare.entries).toHaveLength(2);
    for (const e of compare.entries) {
      expect(html).toContain(escapeHtml(e.label));
      expect(html).toContain(`<td data-metric="sharpe">${fmt(e.metrics.sharpe!)}</td>`);
    }
    // the metrics table has one column per entry
    const row = /<tr><th class="l">Session Sharpe<\/th>(.*?)<\/tr>/.exec(html)?.[1] ?? '';
    expect((row.match(/<td /g) ?? []).length).toBe(2);
  });

  it('is self-contained: no script, no network reference, a CSP that forbids any fetch', () => {
    for (const m of [single, compare, hostile]) {
      const html = renderReportHtml(m);
      expect(networkRefs(html)).toEqual([]);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<link\b/i);
      expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    }
    // the scanner itself finds what it is meant to find
    expect(networkRefs('<img src="http://x/y.png"><a href=\'https://z\'>')).toHaveLength(2);
    expect(networkRefs('<div style="background:url(//cdn/x.png)">')).toHaveLength(1);
  });

  it('escapes a run named <script> and hostile config text', () => {
    const html = renderReportHtml(hostile);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<img src="http://evil.example');
    expect(html).not.toContain('</pre><img');
    // the title element holds the escaped name too
    expect(html).toMatch(/<title>Comparison: &lt;script&gt;alert\(1\)&lt;\/script&gt; vs tiny<\/title>/);
    // the only tags are the renderer's own
    const tags = new Set([...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
    const allowed = [
      'html',
      'head',
      'meta',
      'title',
      'style',
      'body',
      'h1',
      'h2',
      'h3',
      'p',
      'section',
      'table',
      'thead',
      'tbody',
      'tr',
      'th',
      'td',
      'span',
      'code',
      'br',
      'small',
      'pre',
      'svg',
      'text',
      'line',
      'rect',
      'g',
      'polyline',
      'polygon',
      'circle',
    ];
    expect([...tags].filter((t) => !allowed.includes(t))).toEqual([]);
  });

  it('renders a run that kept no path, and a run still running (no results), without NaN', () => {
    const bare = storeBacktest(store, tinyConfig({ name: 'bare', paths: 2 }), 0);
    const running = store.runs.create({
      kind: 'backtest',
      name: 'running',
      config: tinyConfig(),
      seed: 1,
      paths: 1,
      codeVersion: 'v',
    });
    const m = loadReport(store, [bare.runId, running.id], { generatedAt: 'G' });
    expect(m.entries).toHaveLength(1);
    expect(m.entries[0]!.keptPaths).toBe(0);
    const html = renderReportHtml(m);
    for (const id of SECTIONS) expect(html, id).toContain(`<section id="${id}">`);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(html).toContain(`<td data-metric="pnlMean">${fmt(m.entries[0]!.metrics.pnlMean!)}</td>`);
  });
});
