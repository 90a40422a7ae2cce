/**
 * Inline SVG charts for the tear sheet: line charts (several series, each one or more lines), scatter
 * marks, and histograms with marked values. Plain strings, no DOM, no scripts, no external
 * references, so a report is one self-contained file that prints as it shows. Every text that reaches
 * the markup goes through escapeHtml; numbers are formatted by the code here.
 */

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Distinct colours for series (colour-blind-safe Okabe–Ito order, then greys). */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#999999',
];

export function colorOf(i: number): string {
  return PALETTE[i % PALETTE.length] ?? '#000000';
}

export interface XY {
  t: number[];
  y: number[];
}

export interface LineSeries {
  name: string;
  color: string;
  lines: XY[];
  /** Stroke width (default 1.5) and opacity (default 1). */
  width?: number;
  opacity?: number;
  dash?: boolean;
}

export interface ScatterSeries {
  name: string;
  color: string;
  points: { t: number; y: number }[];
}

export interface Rule {
  /** A horizontal rule at y (axis 'y') or a vertical one at x (axis 'x'). */
  axis: 'x' | 'y';
  at: number;
  label: string;
  color: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  rules?: Rule[];
  /** Shade the area between the line and 0 (underwater charts). */
  fillToZero?: boolean;
}

const M = { left: 64, right: 16, top: 44, bottom: 40 };

/** Round numbers for axis ticks: about `count` ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** A number for an axis or a table: compact, no exponent for ordinary magnitudes. */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(2);
  return Number(x.toPrecision(digits)).toString();
}

/** [min, max] of the finite values; null when there is none. */
function finiteRange(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? null : [lo, hi];
}

/** The finite values' range padded by 4% each side ([0, 1] without values, ±1 around one value). */
function extent(values: Iterable<number>): [number, number] {
  const r = finiteRange(values);
  if (r === null) return [0, 1];
  const [lo, hi] = r;
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.04;
  return [lo - pad, hi + pad];
}

/** [min, max] of the finite values, without padding (a time axis starts and ends with the data). */
function tight(values: Iterable<number>): [number, number] {
  const r = finiteRange(values);
  if (r === null) return [0, 1];
  return r[0] === r[1] ? [r[0] - 1, r[1] + 1] : r;
}

function frame(
  o: ChartOptions,
  xr: [number, number],
  yr: [number, number],
  body: (x: (v: number) => number, y: (v: number) => number) => string,
  legend: { name: string; color: string }[],
): string {
  const W = o.width ?? 760;
  const H = o.height ?? 260;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number): number => M.left + ((v - xr[0]) / (xr[1] - xr[0])) * pw;
  const y = (v: number): number => M.top + ph - ((v - yr[0]) / (yr[1] - yr[0])) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(o.title)}">`,
  );
  parts.push(`<text x="${M.left}" y="16" class="ct">${escapeHtml(o.title)}</text>`);
  for (const v of niceTicks(yr[0], yr[1])) {
    const py = y(v).toFixed(1);
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py}" y2="${py}" class="grid"/>`);
    parts.push(`<text x="${M.left - 6}" y="${py}" class="yt">${escapeHtml(fmt(v, 3))}</text>`);
  }
  for (const v of niceTicks(xr[0], xr[1], 6)) {
    const px = x(v).toFixed(1);
    parts.push(`<line x1="${px}" x2="${px}" y1="${M.top}" y2="${M.top + ph}" class="grid"/>`);
    parts.push(`<text x="${px}" y="${M.top + ph + 14}" class="xt">${escapeHtml(fmt(v, 3))}</text>`);
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" class="box"/>`);
  parts.push(`<g>${body(x, y)}</g>`);
  let nx = 0;
  for (const r of o.rules ?? []) {
    if (r.axis === 'y' && r.at >= yr[0] && r.at <= yr[1]) {
      const py = y(r.at).toFixed(1);
      parts.push(
        `<line x1="${M.left}" x2="${W - M.right}" y1="${py}" y2="${py}" stroke="${r.color}" stroke-dasharray="4 3"/>`,
        `<text x="${W - M.right - 4}" y="${(y(r.at) - 3).toFixed(1)}" class="rl" fill="${r.color}">${escapeHtml(r.label)}</text>`,
      );
    } else if (r.axis === 'x' && r.at >= xr[0] && r.at <= xr[1]) {
      const px = x(r.at).toFixed(1);
      parts.push(
        `<line x1="${px}" x2="${px}" y1="${M.top}" y2="${M.top + ph}" stroke="${r.color}" stroke-dasharray="4 3"/>`,
        `<text x="${(x(r.at) + 3).toFixed(1)}" y="${M.top + 10 + 11 * (nx++ % 4)}" class="rlx" fill="${r.color}">${escapeHtml(r.label)}</text>`,
      );
    }
  }
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 6}" class="al">${escapeHtml(o.xLabel)}</text>`);
  parts.push(
    `<text x="12" y="${M.top + ph / 2}" class="al" transform="rotate(-90 12 ${M.top + ph / 2})">${escapeHtml(o.yLabel)}</text>`,
  );
  // Legend: one row under the title, left to right (names cut to fit).
  if (legend.length > 1 || (legend[0]?.name ?? '') !== '') {
    let lx = M.left;
    const per = Math.max(60, Math.floor(pw / Math.max(1, legend.length)));
    const chars = Math.max(6, Math.floor((per - 18) / 5.6));
    for (const l of legend) {
      parts.push(
        `<rect x="${lx}" y="${M.top - 17}" width="10" height="10" fill="${l.color}"/><text x="${lx + 13}" y="${M.top - 8}" class="lg">${escapeHtml(truncate(l.name, chars))}</text>`,
      );
      lx += per;
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function polyline(l: XY, x: (v: number) => number, y: (v: number) => number): string {
  const pts: string[] = [];
  for (let i = 0; i < l.t.length; i++) {
    const yv = l.y[i]!;
    if (!Number.isFinite(yv)) continue;
    pts.push(`${x(l.t[i]!).toFixed(1)},${y(yv).toFixed(1)}`);
  }
  return pts.join(' ');
}

export function lineChart(series: LineSeries[], o: ChartOptions, scatter: ScatterSeries[] = []): string {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series)
    for (const l of s.lines) {
      xs.push(...l.t);
      ys.push(...l.y);
    }
  for (const s of scatter)
    for (const p of s.points) {
      xs.push(p.t);
      ys.push(p.y);
    }
  if (o.fillToZero === true) ys.push(0);
  const xr = tight(xs);
  const yr = extent(ys);
  for (const r of o.rules ?? [])
    if (r.axis === 'y') [yr[0], yr[1]] = [Math.min(yr[0], r.at), Math.max(yr[1], r.at)];
  return frame(
    o,
    xr,
    yr,
    (x, y) => {
      const out: string[] = [];
      for (const s of series) {
        for (const l of s.lines) {
          const pts = polyline(l, x, y);
          if (pts === '') continue;
          if (o.fillToZero === true && l.t.length > 1) {
            const base = y(0).toFixed(1);
            out.push(
              `<polygon points="${x(l.t[0]!).toFixed(1)},${base} ${pts} ${x(l.t[l.t.length - 1]!).toFixed(1)},${base}" fill="${s.color}" fill-opacity="0.12" stroke="none"/>`,
            );
          }
          out.push(
            `<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}" stroke-opacity="${s.opacity ?? 1}"${s.dash === true ? ' stroke-dasharray="5 3"' : ''}/>`,
          );
        }
      }
      for (const s of scatter)
        for (const p of s.points)
          out.push(`<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="2.2" fill="${s.color}"/>`);
      return out.join('');
    },
    [...series, ...scatter].map((s) => ({ name: s.name, color: s.color })),
  );
}

export interface HistSeries {
  name: string;
  color: string;
  edges: number[];
  counts: number[];
}

/** Histograms as densities (count / (n · bin width)), overlaid, with vertical rules. */
export function histogramChart(series: HistSeries[], o: ChartOptions): string {
  const xs: number[] = [];
  const ys: number[] = [0];
  const dens = series.map((s) => {
    const n = s.counts.reduce((a, b) => a + b, 0);
    return s.counts.map((c, i) => {
      const w = (s.edges[i + 1] ?? 0) - (s.edges[i] ?? 0);
      return n > 0 && w > 0 ? c / (n * w) : 0;
    });
  });
  series.forEach((s, k) => {
    xs.push(...s.edges);
    ys.push(...(dens[k] ?? []));
  });
  for (const r of o.rules ?? []) if (r.axis === 'x') xs.push(r.at);
  const xr = extent(xs);
  const [, yhi] = extent(ys);
  const yr: [number, number] = [0, yhi];
  return frame(
    o,
    xr,
    yr,
    (x, y) => {
      const out: string[] = [];
      series.forEach((s, k) => {
        const d = dens[k] ?? [];
        for (let i = 0; i < s.counts.length; i++) {
          const x0 = x(s.edges[i]!);
          const x1 = x(s.edges[i + 1]!);
          const top = y(d[i]!);
          out.push(
            `<rect x="${x0.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(0.5, x1 - x0).toFixed(1)}" height="${(y(0) - top).toFixed(1)}" fill="${s.color}" fill-opacity="${series.length > 1 ? 0.35 : 0.6}" stroke="${s.color}" stroke-width="0.5"/>`,
          );
        }
      });
      return out.join('');
    },
    series.map((s) => ({ name: s.name, color: s.color })),
  );
}
