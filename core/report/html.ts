/**
 * The tear sheet as one self-contained HTML file: inline CSS, charts as inline SVG (svg.ts), no
 * script, no external reference of any kind, and a Content-Security-Policy of `default-src 'none'`
 * so that even a browser that met an injected reference would not fetch it. Every string from the
 * store (run names, strategy names, parameters, config text, dataset names) is escaped. The same
 * file is printed to PDF (pdf.ts) — sections avoid page breaks inside figures and tables.
 *
 * Sections (ids in parentheses, docs/reports.md describes each): runs and provenance (#runs), metrics
 * side by side (#metrics), cumulative PnL (#pnl), underwater drawdown (#drawdown), rolling session
 * Sharpe (#rolling-sharpe), PnL distribution with VaR/ES (#distribution), inventory distribution and
 * path (#inventory), fills and mark-outs (#fills), inventory risk and PnL-variance attribution
 * (#risk), per-period and per-session tables (#periods), configs (#config).
 */
import type { ReportEntry, ReportModel } from './model';
import { ATTRIBUTION_TERMS, type AttributionTerm } from './risk';
import {
  colorOf,
  escapeHtml as esc,
  fmt,
  histogramChart,
  lineChart,
  type LineSeries,
  type Rule,
} from './svg';

/** The stored metrics shown in the side-by-side table, in this order, with their labels. */
export const METRIC_ROWS: readonly (readonly [string, string])[] = [
  ['paths', 'Paths'],
  ['pnlMean', 'Mean session PnL'],
  ['pnlStd', 'Std of session PnL'],
  ['sessionSharpe', 'Session Sharpe'],
  ['sharpe', 'Sharpe (annualised)'],
  ['sortino', 'Sortino (annualised)'],
  ['calmar', 'Calmar'],
  ['maxDrawdown', 'Mean max drawdown'],
  ['maxDrawdownWorst', 'Worst max drawdown'],
  ['maxDrawdownDuration', 'Mean longest drawdown (time)'],
  ['var95', 'VaR 95% per bar'],
  ['es95', 'ES 95% per bar'],
  ['var99', 'VaR 99% per bar'],
  ['es99', 'ES 99% per bar'],
  ['fillRate', 'Fill rate'],
  ['fillsPerPath', 'Fills per path'],
  ['effectiveSpreadBps', 'Effective spread (bps)'],
  ['realizedSpreadBps', 'Realized spread (bps)'],
  ['adverseSelectionBps', 'Adverse selection (bps)'],
  ['meanAbsInventory', 'Mean |inventory| (lots)'],
  ['finalInventoryMean', 'Mean final inventory'],
  ['turnover', 'Turnover per path'],
  ['avgSpread', 'Mean quoted spread'],
  ['winRate', 'Bar win rate'],
];

const TERM_LABEL: Record<AttributionTerm, string> = {
  carry: 'Price × inventory (carry)',
  spread: 'Spread capture, net of fees',
  adverse: 'Adverse selection',
  residual: 'Residual',
};

const CSS = `
*{box-sizing:border-box}
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;margin:24px auto;max-width:1000px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:14px;margin:16px 0 6px}
p.note{color:#57606a;margin:4px 0 8px}
table{border-collapse:collapse;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f6f8fa}
td.l,th.l{text-align:left}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;font-size:11px;white-space:pre-wrap;word-break:break-all}
svg.chart{max-width:100%;height:auto;display:block;margin:4px 0 10px}
svg .ct{font-size:13px;font-weight:600}
svg .yt{font-size:10px;text-anchor:end;dominant-baseline:middle;fill:#57606a}
svg .xt{font-size:10px;text-anchor:middle;fill:#57606a}
svg .al{font-size:11px;text-anchor:middle;fill:#24292f}
svg .lg{font-size:10px;fill:#24292f}
svg .rl{font-size:10px;text-anchor:end}
svg .rlx{font-size:10px}
svg .grid{stroke:#eaeef2}
svg .box{fill:none;stroke:#8c959f}
section,figure,table,svg{break-inside:avoid}
@page{size:A4;margin:12mm}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}}
`;

export function renderReportHtml(model: ReportModel): string {
  const e = model.entries;
  const out: string[] = [];
  out.push(
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(model.title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${esc(model.title)}</h1>`,
    `<p class="note">Generated ${esc(model.generatedAt)} by quotebench. Metrics tables show the stored metrics of all paths; charts and the statistics beneath them use the paths each run kept for charts.</p>`,
  );
  // The headline chart first: the top of the page and the first page of the PDF show the PnL.
  out.push(pnlSection(e));
  out.push(runsSection(model));
  out.push(metricsSection(e));
  out.push(drawdownSection(e));
  out.push(rollingSection(e));
  out.push(distributionSection(e));
  out.push(inventorySection(e));
  out.push(fillsSection(e));
  out.push(riskSection(e));
  out.push(periodsSection(e));
  out.push(configSection(model));
  out.push('</body></html>\n');
  return out.join('\n');
}

function runsSection(m: ReportModel): string {
  const rows = m.runs.map(
    (r) =>
      `<tr><td class="l">${esc(r.name)}</td><td class="l"><code>${esc(r.id)}</code></td><td class="l">${esc(r.status)}</td><td>${r.seed}</td><td>${r.paths}</td><td class="l">${esc(r.scenarioMode)}</td><td class="l"><code>${esc(r.codeVersion)}</code></td><td class="l">${esc(r.createdAt)}</td><td class="l">${datasetCell(r.dataset)}</td></tr>`,
  );
  const entries = m.entries.map(
    (x, i) =>
      `<tr><td class="l"><span style="color:${colorOf(i)}">■</span> ${esc(x.label)}</td><td class="l">${esc(x.scenario)}</td><td class="l">${esc(x.stress.join(', ') || 'none')}</td><td>${x.keptPaths}</td><td>${x.bars}</td></tr>`,
  );
  return section(
    'runs',
    'Runs',
    table(
      ['Run', 'Id', 'Status', 'Seed', 'Paths', 'Market', 'Code version', 'Created', 'Dataset (hash)'],
      rows,
      [0, 1, 2, 5, 6, 7, 8],
    ) +
      '<h3>Strategy runs in this report</h3>' +
      table(['Strategy run', 'Scenario', 'Stress', 'Kept paths', 'Bars'], entries, [0, 1, 2]),
  );
}

function datasetCell(d: ReportModel['runs'][number]['dataset']): string {
  if (d === null) return '—';
  return `${esc(d.name)}<br><code>${esc(d.hash ?? 'unknown')}</code><br><small>${esc(d.note)}</small>`;
}

function metricsSection(e: readonly ReportEntry[]): string {
  const head = ['Metric', ...e.map((x) => x.label)];
  const rows = METRIC_ROWS.filter(([k]) => e.some((x) => k in x.metrics)).map(
    ([k, label]) =>
      `<tr><th class="l">${esc(label)}</th>${e.map((x) => `<td data-metric="${esc(k)}">${num(x.metrics[k])}</td>`).join('')}</tr>`,
  );
  return section('metrics', 'Metrics (all paths)', table(head, rows, [0]));
}

function pnlSection(e: readonly ReportEntry[]): string {
  const series: LineSeries[] =
    e.length === 1
      ? [
          { name: 'kept paths', color: '#8c959f', lines: e[0]!.pnl, width: 1, opacity: 0.7 },
          { name: 'mean of kept paths', color: colorOf(0), lines: [e[0]!.meanPnl], width: 2 },
        ]
      : e.map((x, i) => ({ name: x.label, color: colorOf(i), lines: [x.meanPnl], width: 2 }));
  return section(
    'pnl',
    'Cumulative PnL',
    lineChart(series, {
      title: e.length === 1 ? 'Mark-to-market PnL per kept path' : 'Mean PnL of the kept paths',
      xLabel: 'time',
      yLabel: 'PnL (quote currency)',
      rules: [{ axis: 'y', at: 0, label: '', color: '#57606a' }],
    }),
  );
}

function drawdownSection(e: readonly ReportEntry[]): string {
  const series: LineSeries[] = e.map((x, i) => ({
    name: x.label,
    color: colorOf(i),
    lines: x.drawdown,
    width: 1.2,
  }));
  return section(
    'drawdown',
    'Drawdown (underwater)',
    lineChart(series, {
      title: 'PnL minus its running maximum, per kept path',
      xLabel: 'time',
      yLabel: 'drawdown',
      fillToZero: true,
    }),
  );
}

function rollingSection(e: readonly ReportEntry[]): string {
  const series: LineSeries[] = e.map((x, i) => ({
    name: `${x.label} (window ${x.rollingSharpe.window} bars)`,
    color: colorOf(i),
    lines: [{ t: x.rollingSharpe.points.map((p) => p.t), y: x.rollingSharpe.points.map((p) => p.value) }],
  }));
  return section(
    'rolling-sharpe',
    'Rolling session Sharpe',
    '<p class="note">Per-bar Sharpe of the increments of the last W bars of every kept path, × √(bars per session): the session Sharpe the recent bars would give if they went on.</p>' +
      lineChart(series, {
        title: 'Rolling session Sharpe',
        xLabel: 'time',
        yLabel: 'session Sharpe',
        rules: [{ axis: 'y', at: 0, label: '', color: '#57606a' }],
      }),
  );
}

function distributionSection(e: readonly ReportEntry[]): string {
  const rules: Rule[] = [];
  e.forEach((x, i) => {
    const c = e.length === 1 ? undefined : colorOf(i);
    rules.push(
      { axis: 'x', at: -x.increments.var95.var, label: 'VaR95', color: c ?? '#bf8700' },
      { axis: 'x', at: -x.increments.var95.es, label: 'ES95', color: c ?? '#cf222e' },
      { axis: 'x', at: -x.increments.var99.var, label: 'VaR99', color: c ?? '#8250df' },
      { axis: 'x', at: -x.increments.var99.es, label: 'ES99', color: c ?? '#82071e' },
    );
  });
  const chart = histogramChart(
    e.map((x, i) => ({ name: x.label, color: colorOf(i), ...x.increments.histogram })),
    {
      title: 'Per-bar PnL increments (kept paths), VaR and ES marked at −VaR and −ES',
      xLabel: 'PnL per bar',
      yLabel: 'density',
      rules,
    },
  );
  const rows = e.map(
    (x) =>
      `<tr><td class="l">${esc(x.label)}</td><td>${x.increments.count}</td><td>${num(x.increments.var95.var)}</td><td>${num(x.increments.var95.es)}</td><td>${num(x.increments.var99.var)}</td><td>${num(x.increments.var99.es)}</td><td>${num(x.metrics.var99)}</td><td>${num(x.metrics.es99)}</td></tr>`,
  );
  return section(
    'distribution',
    'PnL distribution',
    chart +
      table(
        [
          'Strategy run',
          'Bars',
          'VaR 95%',
          'ES 95%',
          'VaR 99%',
          'ES 99%',
          'VaR 99% (all paths)',
          'ES 99% (all paths)',
        ],
        rows,
        [0],
      ) +
      '<p class="note">Historical VaR/ES of the pooled per-bar increments, losses positive (docs/metrics.md).</p>',
  );
}

function inventorySection(e: readonly ReportEntry[]): string {
  const hist = histogramChart(
    e.map((x, i) => ({ name: x.label, color: colorOf(i), ...x.inventoryHistogram })),
    { title: 'Inventory over all samples of the kept paths', xLabel: 'inventory (lots)', yLabel: 'density' },
  );
  const path = lineChart(
    e.map((x, i) => ({ name: x.label, color: colorOf(i), lines: x.inventory, width: 1.1 })),
    {
      title: 'Inventory path',
      xLabel: 'time',
      yLabel: 'inventory (lots)',
      rules: [{ axis: 'y', at: 0, label: '', color: '#57606a' }],
    },
  );
  return section('inventory', 'Inventory', hist + path);
}

function fillsSection(e: readonly ReportEntry[]): string {
  const charts = e.slice(0, 6).map((x, i) =>
    lineChart(
      [{ name: 'mid', color: '#57606a', lines: [x.mid], width: 1 }],
      {
        title: `Fills on the first kept path: ${x.label} (${x.fills.length} of ${x.fillsTotal} drawn)`,
        xLabel: 'time',
        yLabel: 'price',
        height: 220,
      },
      [
        {
          name: 'we bought',
          color: i % 2 === 0 ? '#1a7f37' : '#0072B2',
          points: x.fills.filter((f) => f.buy).map((f) => ({ t: f.t, y: f.price })),
        },
        {
          name: 'we sold',
          color: '#cf222e',
          points: x.fills.filter((f) => !f.buy).map((f) => ({ t: f.t, y: f.price })),
        },
      ],
    ),
  );
  const markout = lineChart(
    e.map((x, i) => ({
      name: x.label,
      color: colorOf(i),
      lines: [{ t: x.markouts.map((m) => m.bars), y: x.markouts.map((m) => m.bps) }],
    })),
    {
      title: 'Mark-out: size-weighted realized spread h bars after the fill',
      xLabel: 'horizon (bars)',
      yLabel: 'bps (+ = we earned)',
    },
  );
  const horizons = e[0]?.markouts.map((m) => m.bars) ?? [];
  const rows = e.map(
    (x) =>
      `<tr><td class="l">${esc(x.label)}</td><td>${num(x.effectiveBps)}</td>${horizons.map((h) => `<td>${num(x.markouts.find((m) => m.bars === h)?.bps)}</td>`).join('')}</tr>`,
  );
  return section(
    'fills',
    'Fills and mark-outs',
    charts.join('') +
      markout +
      table(['Strategy run', 'at fill', ...horizons.map((h) => `${h} bars`)], rows, [0]),
  );
}

function riskSection(e: readonly ReportEntry[]): string {
  const inv = e.map((x) => {
    const r = x.inventoryRisk;
    return `<tr><td class="l">${esc(x.label)}</td><td class="l">${esc(x.scenario)}</td><td class="l">${esc(x.stress.join(', ') || 'none')}</td><td>${num(r.carry95.var)}</td><td>${num(r.carry95.es)}</td><td>${num(r.carry99.var)}</td><td>${num(r.carry99.es)}</td><td>${num(r.meanAbsExposure)}</td><td>${num(r.p99AbsExposure)}</td></tr>`;
  });
  const head = ['Source', ...e.map((x) => x.label)];
  const contrib = ATTRIBUTION_TERMS.map(
    (t) =>
      `<tr><th class="l">${esc(TERM_LABEL[t])}</th>${e
        .map((x) => {
          const c = x.attribution.terms.find((k) => k.term === t);
          return `<td data-term="${t}">${c !== undefined ? `${pct(c.contribution)} <small>(mean ${num(c.mean)}, sd ${num(c.std)})</small>` : '—'}</td>`;
        })
        .join('')}</tr>`,
  );
  contrib.push(
    `<tr><th class="l">Var(PnL per bar)</th>${e.map((x) => `<td>${num(x.attribution.pnlVariance)}</td>`).join('')}</tr>`,
  );
  return section(
    'risk',
    'Inventory risk and PnL attribution',
    '<h3>Inventory risk by scenario</h3>' +
      table(
        [
          'Strategy run',
          'Scenario',
          'Stress',
          'Carry VaR 95%',
          'Carry CVaR 95%',
          'Carry VaR 99%',
          'Carry CVaR 99%',
          'Mean |exposure|',
          '99% |exposure|',
        ],
        inv,
        [0, 1, 2],
      ) +
      '<p class="note">Carry = inventory held over a bar × the mid’s move in that bar (× lot size): the loss from holding the inventory. VaR and CVaR (= ES) are historical, per bar, losses positive. Exposure = |inventory × lot size × mid|.</p>' +
      '<h3>Contribution of each risk source to the variance of the per-bar PnL</h3>' +
      table(head, contrib, [0]) +
      '<p class="note">ΔPnL = carry + spread + adverse selection + residual exactly; each share is Cov(term, ΔPnL)/Var(ΔPnL) (Euler allocation), the shares sum to 100%.</p>',
  );
}

function periodsSection(e: readonly ReportEntry[]): string {
  const parts: string[] = [];
  for (const x of e) {
    const rows = x.periods.map(
      (p) =>
        `<tr><td>${num(p.from)}</td><td>${num(p.to)}</td><td>${num(p.pnlMean)}</td><td>${num(p.pnlStd)}</td><td>${num(p.fillsPerPath)}</td><td>${num(p.meanAbsInventory)}</td></tr>`,
    );
    const paths = x.paths.map(
      (p) =>
        `<tr><td>${p.path}</td><td>${p.seed}</td><td>${num(p.finalPnl)}</td><td>${num(p.maxDrawdown)}</td><td>${num(p.maxDrawdownDuration)}</td><td>${p.fills}</td><td>${num(p.finalInventory)}</td><td>${num(p.meanAbsInventory)}</td></tr>`,
    );
    parts.push(
      `<h3>${esc(x.label)}</h3>` +
        table(['From', 'To', 'Mean PnL', 'Std PnL', 'Fills / path', 'Mean |inventory|'], rows) +
        table(
          [
            'Path',
            'Seed',
            'Final PnL',
            'Max drawdown',
            'Longest drawdown',
            'Fills',
            'Final inventory',
            'Mean |inventory|',
          ],
          paths,
        ),
    );
  }
  return section(
    'periods',
    'Per-period and per-session tables',
    '<p class="note">Periods: the session cut into equal slices; PnL made in each, mean and std over the kept paths. Sessions: one row per kept path.</p>' +
      parts.join(''),
  );
}

function configSection(m: ReportModel): string {
  const parts = m.runs.map(
    (r) =>
      `<h3>${esc(r.name)}</h3><p class="note">seed ${r.seed} · code version <code>${esc(r.codeVersion)}</code>${r.dataset !== null ? ` · dataset ${esc(r.dataset.name)} <code>${esc(r.dataset.hash ?? 'unknown')}</code>` : ''}</p><pre>${esc(r.configText)}</pre>`,
  );
  return section('config', 'Configuration', parts.join(''));
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

/** A table; `left` are the column indices aligned left. Rows are already-escaped HTML. */
function table(head: readonly string[], rows: readonly string[], left: readonly number[] = []): string {
  const th = head.map((h, i) => `<th${left.includes(i) ? ' class="l"' : ''}>${esc(h)}</th>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function num(x: number | undefined): string {
  return x === undefined ? '—' : esc(fmt(x));
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
