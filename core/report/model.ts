/**
 * The report model: everything a tear sheet shows, for one stored backtest run or a comparison of
 * several, computed from the store (core/store) and nothing else. One entry per strategy run (a
 * `run_results` row: strategy × parameters × scenario); a run with a grid gives several entries, and a
 * comparison is simply the entries of all its runs, so one renderer serves both.
 *
 * Where the numbers come from:
 * - `metrics`: the run's stored metrics (all paths of the backtest, computed by core/metrics when the
 *   run finished), shown as they are.
 * - Everything drawn (curves, distributions, mark-outs, attribution, inventory risk, per-period and
 *   per-session tables) is computed from the paths the run kept for charts (`keepPaths`, 3 by default):
 *   the store has no other per-bar data. The report says how many paths that is, and the per-bar VaR/ES
 *   marked on the distribution are those of the kept paths (with core/metrics/stats.ts), beside the
 *   stored all-path values.
 * - New statistics are defined in risk.ts. Mark-outs are core/metrics/fills.ts' realized spread at a
 *   ladder of horizons, drawdowns core/metrics/drawdown.ts.
 *
 * Chart series are reduced to at most CHART_POINTS points per line (per-bucket min and max, so a spike
 * survives the reduction); statistics always use the full series.
 */
import { barLength, backtestConfigSchema, markoutHorizon, type BacktestConfig } from '../backtest/config';
import { readDataset } from '../data/catalog';
import { maxDrawdown, maxDrawdownDuration } from '../metrics/drawdown';
import { accumulateSpreadBps } from '../metrics/fills';
import { historicalVarEs, mean, type VarEs } from '../metrics/stats';
import type { PathResult } from '../sim/path-result';
import type { Store } from '../store/db';
import {
  attributeBars,
  defaultRollingWindow,
  histogram,
  inventoryRisk,
  rollingSessionSharpe,
  varianceContributions,
  type Histogram,
  type InventoryRisk,
  type RollingPoint,
  type VarianceDecomposition,
} from './risk';
import { BUY } from '../domain/side';

/** Most points of one chart line. */
export const CHART_POINTS = 600;
/** Most fills drawn on the fills chart (the first path's, in time order). */
export const MAX_FILL_MARKS = 1500;
/** Periods of the per-period table (equal slices of the session). */
export const PERIODS = 10;
/** Mark-out horizons, in bars. */
export const MARKOUT_BARS = [0, 1, 2, 5, 10, 20, 50, 100] as const;

/** A run id that is not in the store. */
export class ReportError extends Error {
  override name = 'ReportError';
}

/**
 * The report's file name (without extension): `report-<id>` for one run, `compare-<id8>-<id8>…` for
 * several (each id cut to 8 characters); characters other than letters, digits, '_' and '-' become '_'.
 */
export function reportBaseName(ids: readonly string[]): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_');
  if (ids.length === 1) return `report-${safe(ids[0] ?? '')}`;
  return `compare-${ids.map((id) => safe(id).slice(0, 8)).join('-')}`;
}

export interface ReportRunInfo {
  id: string;
  name: string;
  status: string;
  seed: number;
  paths: number;
  codeVersion: string;
  createdAt: string;
  finishedAt: string | null;
  scenarioMode: string;
  /** The stored config, as indented JSON. */
  configText: string;
  /** A replay's dataset: its name and content hash (null when the catalog no longer has it). */
  dataset: { name: string; hash: string | null; note: string } | null;
}

export interface Line {
  t: number[];
  y: number[];
}

export interface PathRow {
  path: number;
  seed: number;
  finalPnl: number;
  maxDrawdown: number;
  maxDrawdownDuration: number;
  fills: number;
  finalInventory: number;
  meanAbsInventory: number;
}

export interface PeriodRow {
  /** [from, to) in the series' time unit. */
  from: number;
  to: number;
  /** Mean over kept paths of the PnL made in the period, and its sample std across paths. */
  pnlMean: number;
  pnlStd: number;
  /** Fills in the period, per path. */
  fillsPerPath: number;
  /** Mean |inventory| over the period's samples (lots). */
  meanAbsInventory: number;
}

export interface MarkoutPoint {
  /** Horizon in bars and in the series' time unit. */
  bars: number;
  horizon: number;
  /** Size-weighted realized spread at that horizon (bps, + = we earned). */
  bps: number;
}

export interface FillMark {
  t: number;
  price: number;
  buy: boolean;
}

export interface ReportEntry {
  runId: string;
  runName: string;
  resultIndex: number;
  /** "run name · strategy params" */
  label: string;
  strategy: string;
  params: Record<string, number | string | boolean>;
  scenario: string;
  /** Stress kinds laid over the scenario (core/stress), empty for none. */
  stress: string[];
  /** Stored metrics over all paths of the backtest. */
  metrics: Record<string, number>;
  /** Paths kept for charts, used for everything below. */
  keptPaths: number;
  bars: number;
  barLength: number;
  pnl: Line[];
  drawdown: Line[];
  inventory: Line[];
  /** Mean PnL over the kept paths at every bar. */
  meanPnl: Line;
  rollingSharpe: { window: number; points: RollingPoint[] };
  /** Per-bar PnL increments pooled over kept paths: histogram and historical VaR/ES. */
  increments: { histogram: Histogram; var95: VarEs; var99: VarEs; count: number };
  inventoryHistogram: Histogram;
  /** The first kept path's mid and fills. */
  mid: Line;
  fills: FillMark[];
  fillsTotal: number;
  markouts: MarkoutPoint[];
  /** Effective spread (against the mid at the fill), bps. */
  effectiveBps: number;
  attribution: VarianceDecomposition;
  inventoryRisk: InventoryRisk;
  paths: PathRow[];
  periods: PeriodRow[];
}

export interface ReportModel {
  title: string;
  generatedAt: string;
  runs: ReportRunInfo[];
  entries: ReportEntry[];
}

export interface LoadReportOptions {
  /** Data directory of the catalog (a replay's dataset hash); default the store's. */
  dataDir?: string;
  /** Timestamp printed in the report (default now). */
  generatedAt?: string;
}

/** Build the report of `runIds` (one run, or a comparison) from an open store. */
export function loadReport(
  store: Store,
  runIds: readonly string[],
  opts: LoadReportOptions = {},
): ReportModel {
  if (runIds.length === 0) throw new ReportError('no run to report on');
  const runs: ReportRunInfo[] = [];
  const entries: ReportEntry[] = [];
  for (const id of runIds) {
    const detail = store.runs.get(id);
    if (detail === null) throw new ReportError(`no run ${id} in ${store.dataDir}`);
    const parsed = backtestConfigSchema.safeParse(detail.config);
    const cfg: BacktestConfig | null = parsed.success ? parsed.data : null;
    const scenario = cfg?.scenario;
    runs.push({
      id,
      name: detail.run.name,
      status: detail.run.status,
      seed: detail.run.seed,
      paths: detail.run.paths,
      codeVersion: detail.run.codeVersion,
      createdAt: detail.run.createdAt,
      finishedAt: detail.run.finishedAt,
      scenarioMode: scenario?.mode ?? 'unknown',
      configText: JSON.stringify(detail.config, null, 2) ?? 'null',
      dataset:
        scenario?.mode === 'replay' ? datasetInfo(opts.dataDir ?? store.dataDir, scenario.dataset) : null,
    });
    for (const r of detail.results) {
      const kept: PathResult[] = [];
      for (const p of detail.seriesPaths) {
        const path = store.runs.path(id, r.index, p);
        if (path !== null) kept.push(path);
      }
      const stress =
        scenario !== undefined && 'stress' in scenario ? (scenario.stress ?? []).map((s) => s.kind) : [];
      entries.push(
        buildEntry(kept, {
          runId: id,
          runName: detail.run.name,
          resultIndex: r.index,
          strategy: r.strategy,
          params: r.params,
          scenario: r.scenario,
          stress,
          metrics: r.metrics,
          barLength: cfg !== null ? barLength(cfg.scenario) : undefined,
          markoutHorizon: cfg !== null ? markoutHorizon(cfg) : undefined,
        }),
      );
    }
  }
  const title =
    runs.length === 1
      ? `Tear sheet: ${runs[0]?.name ?? ''}`
      : `Comparison: ${runs.map((r) => r.name).join(' vs ')}`;
  return { title, generatedAt: opts.generatedAt ?? new Date().toISOString(), runs, entries };
}

export interface EntryMeta {
  runId: string;
  runName: string;
  resultIndex: number;
  strategy: string;
  params: Record<string, number | string | boolean>;
  scenario: string;
  stress: string[];
  metrics: Record<string, number>;
  /** Bar length (series time unit); default the first path's median sample spacing. */
  barLength?: number | undefined;
  /** The run's mark-out horizon (unused here but kept with the metrics it explains). */
  markoutHorizon?: number | undefined;
}

/** One entry of the report from its kept paths (all of the same run and result). */
export function buildEntry(kept: readonly PathResult[], meta: EntryMeta): ReportEntry {
  const first = kept[0];
  const bars = kept.length > 0 ? Math.min(...kept.map((p) => p.series.bars)) : 0;
  const bar = meta.barLength ?? (first !== undefined ? medianSpacing(first.series.t, first.series.bars) : 1);
  const parts = kept.map(attributeBars);
  const incs: number[] = [];
  for (const a of parts) for (const v of a.pnl) incs.push(v);
  const invs: number[] = [];
  for (const p of kept) for (let i = 0; i <= p.series.bars; i++) invs.push(p.series.inventory[i]!);
  const window = defaultRollingWindow(bars);
  const paramText = Object.entries(meta.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const eff = { sum: 0, weight: 0 };
  for (const p of kept) accumulateSpreadBps(p, undefined, eff);
  const fillMarks: FillMark[] = [];
  if (first !== undefined) {
    const f = first.fills;
    for (let i = 0; i < f.count && fillMarks.length < MAX_FILL_MARKS; i++)
      fillMarks.push({ t: f.t[i]!, price: f.price[i]!, buy: f.side[i] === BUY });
  }
  return {
    runId: meta.runId,
    runName: meta.runName,
    resultIndex: meta.resultIndex,
    label: `${meta.runName} · ${meta.strategy}${paramText !== '' ? ` ${paramText}` : ''}`,
    strategy: meta.strategy,
    params: meta.params,
    scenario: meta.scenario,
    stress: meta.stress,
    metrics: meta.metrics,
    keptPaths: kept.length,
    bars,
    barLength: bar,
    pnl: kept.map((p) => reduceLine(p.series.t, p.series.pnl, p.series.bars + 1)),
    drawdown: kept.map((p) =>
      reduceLine(p.series.t, underwater(p.series.pnl, p.series.bars + 1), p.series.bars + 1),
    ),
    inventory: kept.map((p) => reduceLine(p.series.t, p.series.inventory, p.series.bars + 1)),
    meanPnl: meanLine(kept, bars),
    rollingSharpe: { window, points: kept.length > 0 ? thin(rollingSessionSharpe(kept, window)) : [] },
    increments: {
      histogram: histogram(incs),
      var95: historicalVarEs(incs, 0.95),
      var99: historicalVarEs(incs, 0.99),
      count: incs.length,
    },
    inventoryHistogram: histogram(invs),
    mid:
      first !== undefined
        ? reduceLine(first.series.t, first.series.mid, first.series.bars + 1)
        : { t: [], y: [] },
    fills: fillMarks,
    fillsTotal: first?.fills.count ?? 0,
    markouts: markoutCurve(kept, bar, bars),
    effectiveBps: eff.weight > 0 ? eff.sum / eff.weight : 0,
    attribution: varianceContributions(parts),
    inventoryRisk: inventoryRisk(kept, parts),
    paths: kept.map(pathRow),
    periods: periodTable(kept, bars),
  };
}

/** Realized spread (core/metrics/fills.ts) at each horizon of MARKOUT_BARS up to the session length. */
export function markoutCurve(kept: readonly PathResult[], bar: number, bars: number): MarkoutPoint[] {
  const out: MarkoutPoint[] = [];
  for (const k of MARKOUT_BARS) {
    if (k > bars) break;
    const acc = { sum: 0, weight: 0 };
    for (const p of kept) accumulateSpreadBps(p, k * bar, acc);
    out.push({ bars: k, horizon: k * bar, bps: acc.weight > 0 ? acc.sum / acc.weight : 0 });
  }
  return out;
}

function pathRow(p: PathResult): PathRow {
  const s = p.series;
  const n = s.bars + 1;
  let abs = 0;
  for (let i = 0; i < n; i++) abs += Math.abs(s.inventory[i]!);
  return {
    path: p.pathIndex,
    seed: p.seed,
    finalPnl: s.pnl[n - 1]!,
    maxDrawdown: maxDrawdown(s.pnl.subarray(0, n)),
    maxDrawdownDuration: maxDrawdownDuration(s.t.subarray(0, n), s.pnl.subarray(0, n)),
    fills: p.fills.count,
    finalInventory: s.inventory[n - 1]!,
    meanAbsInventory: abs / n,
  };
}

/**
 * The session cut into PERIODS slices of equal bar count (fewer when there are fewer bars): period k
 * covers bars (b_k, b_{k+1}], its PnL is π_{b_{k+1}} − π_{b_k} per path; fills with t in [t_{b_k},
 * t_{b_{k+1}}) (the last period also takes fills at its end); |inventory| averaged over samples b_k+1..b_{k+1}.
 */
export function periodTable(kept: readonly PathResult[], bars: number): PeriodRow[] {
  const first = kept[0];
  if (first === undefined || bars === 0) return [];
  const k = Math.min(PERIODS, bars);
  const rows: PeriodRow[] = [];
  for (let j = 0; j < k; j++) {
    const b0 = Math.round((j * bars) / k);
    const b1 = Math.round(((j + 1) * bars) / k);
    const pnl: number[] = [];
    let fills = 0;
    let abs = 0;
    let samples = 0;
    for (const p of kept) {
      const s = p.series;
      pnl.push(s.pnl[b1]! - s.pnl[b0]!);
      const from = s.t[b0]!;
      const to = s.t[b1]!;
      const last = j === k - 1;
      for (let i = 0; i < p.fills.count; i++) {
        const t = p.fills.t[i]!;
        if (t >= from && (t < to || (last && t === to))) fills++;
      }
      for (let i = b0 + 1; i <= b1; i++) {
        abs += Math.abs(s.inventory[i]!);
        samples++;
      }
    }
    const m = mean(pnl);
    let ss = 0;
    for (const v of pnl) ss += (v - m) ** 2;
    rows.push({
      from: first.series.t[b0]!,
      to: first.series.t[b1]!,
      pnlMean: m,
      pnlStd: pnl.length > 1 ? Math.sqrt(ss / (pnl.length - 1)) : 0,
      fillsPerPath: fills / kept.length,
      meanAbsInventory: samples > 0 ? abs / samples : 0,
    });
  }
  return rows;
}

/** PnL minus its running maximum (≤ 0), the underwater curve whose minimum is −maxDrawdown. */
export function underwater(pnl: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n);
  let peak = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = pnl[i]!;
    if (v > peak) peak = v;
    out[i] = v - peak;
  }
  return out;
}

function meanLine(kept: readonly PathResult[], bars: number): Line {
  const first = kept[0];
  if (first === undefined) return { t: [], y: [] };
  const y = new Float64Array(bars + 1);
  for (const p of kept) for (let i = 0; i <= bars; i++) y[i] = y[i]! + p.series.pnl[i]! / kept.length;
  return reduceLine(first.series.t, y, bars + 1);
}

/**
 * At most `max` points: the first and last samples, and between them the series cut into
 * ⌊(max − 2)/2⌋ buckets, each contributing its minimum and maximum in time order.
 */
export function reduceLine(t: ArrayLike<number>, y: ArrayLike<number>, n: number, max = CHART_POINTS): Line {
  const idx: number[] = [];
  if (n <= max) for (let i = 0; i < n; i++) idx.push(i);
  else {
    const buckets = Math.floor((max - 2) / 2);
    idx.push(0);
    for (let b = 0; b < buckets; b++) {
      const lo = 1 + Math.floor((b * (n - 2)) / buckets);
      const hi = 1 + Math.floor(((b + 1) * (n - 2)) / buckets);
      let iMin = lo;
      let iMax = lo;
      for (let i = lo; i < hi; i++) {
        if (y[i]! < y[iMin]!) iMin = i;
        if (y[i]! > y[iMax]!) iMax = i;
      }
      if (hi <= lo) continue;
      idx.push(Math.min(iMin, iMax));
      if (iMax !== iMin) idx.push(Math.max(iMin, iMax));
    }
    idx.push(n - 1);
  }
  return { t: idx.map((i) => t[i]!), y: idx.map((i) => y[i]!) };
}

function thin(points: RollingPoint[], max = CHART_POINTS): RollingPoint[] {
  if (points.length <= max) return points;
  const step = points.length / max;
  const out: RollingPoint[] = [];
  for (let k = 0; k < max; k++) out.push(points[Math.floor(k * step)]!);
  const last = points[points.length - 1]!;
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

function medianSpacing(t: ArrayLike<number>, bars: number): number {
  if (bars < 1) return 1;
  const d: number[] = [];
  for (let i = 1; i <= bars; i++) d.push(t[i]! - t[i - 1]!);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)] ?? 1;
}

function datasetInfo(dataDir: string, name: string): { name: string; hash: string | null; note: string } {
  try {
    const info = readDataset(dataDir, name);
    return { name: info.name, hash: info.contentHash, note: `${info.venue} ${info.symbol}, ${info.format}` };
  } catch (e) {
    return { name, hash: null, note: `not in the catalog of ${dataDir}: ${(e as Error).message}` };
  }
}
