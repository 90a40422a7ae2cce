/**
 * The report model of a real stored backtest against independent computations on the same paths:
 * naive loops for drawdowns and quantiles, the per-period sums, and — with every path kept — the
 * stored all-path metrics, which core/metrics computed by other code paths (streaming accumulator,
 * quickselect VaR) when the run finished.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markoutHorizon } from '../backtest/config';
import { openStore, type Store } from '../store/db';
import { loadReport, reduceLine, ReportError, type ReportModel } from './model';
import { storeBacktest, tinyConfig, type StoredFixture } from './report.fixture';

let dir: string;
let store: Store;
let fx: StoredFixture;
let model: ReportModel;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qb-report-'));
  store = openStore(dir);
  // every path kept, so the kept-path statistics must equal the stored all-path metrics
  fx = storeBacktest(store, tinyConfig({ paths: 4 }), 4);
  model = loadReport(store, [fx.runId], { generatedAt: '2026-12-06T00:00:00.000Z' });
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Naive O(n²) max drawdown: max over i ≤ j of x_i − x_j. */
function naiveMdd(x: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < x.length; i++) for (let j = i; j < x.length; j++) w = Math.max(w, x[i]! - x[j]!);
  return w;
}

/** VaR and ES by sorting: the ⌈n(1 − level)⌉-th smallest and the mean of the values at or below it. */
function naiveVarEs(x: number[], level: number): { var: number; es: number } {
  const s = [...x].sort((a, b) => a - b);
  const q = s[Math.max(1, Math.ceil(s.length * (1 - level) - 1e-9)) - 1]!;
  const tail = s.filter((v) => v <= q);
  return { var: -q, es: -tail.reduce((a, b) => a + b, 0) / tail.length };
}

describe('loadReport on a stored backtest', () => {
  it('carries the run, its provenance and its stored metrics', () => {
    expect(model.runs).toHaveLength(1);
    const r = model.runs[0]!;
    expect(r.id).toBe(fx.runId);
    expect(r.seed).toBe(7);
    expect(r.codeVersion).toBe('test-version');
    expect(r.dataset).toBeNull(); // not a replay
    expect(JSON.parse(r.configText)).toEqual(JSON.parse(JSON.stringify(fx.cfg)));
    expect(model.entries).toHaveLength(1);
    const e = model.entries[0]!;
    expect(e.metrics).toEqual(fx.metrics[0]);
    expect(e.keptPaths).toBe(4);
    expect(e.bars).toBe(200);
    expect(e.barLength).toBeCloseTo(0.005, 15);
  });

  it('per-session rows equal naive recomputations on the kept paths', () => {
    const kept = fx.kept.get(0)!;
    const rows = model.entries[0]!.paths;
    expect(rows).toHaveLength(kept.length);
    rows.forEach((row, i) => {
      const p = kept[i]!;
      const n = p.series.bars + 1;
      expect(row.finalPnl).toBe(p.series.pnl[n - 1]);
      expect(row.maxDrawdown).toBeCloseTo(naiveMdd(p.series.pnl), 12);
      expect(row.fills).toBe(p.fills.count);
      let abs = 0;
      for (let k = 0; k < n; k++) abs += Math.abs(p.series.inventory[k]!);
      expect(row.meanAbsInventory).toBeCloseTo(abs / n, 12);
    });
    expect(rows.some((r) => r.maxDrawdown > 0 && r.fills > 0)).toBe(true); // the market did something
  });

  it('the PnL distribution: all increments, VaR/ES equal to a sort and to the stored all-path metrics', () => {
    const e = model.entries[0]!;
    const incs: number[] = [];
    for (const p of fx.kept.get(0)!)
      for (let i = 1; i <= p.series.bars; i++) incs.push(p.series.pnl[i]! - p.series.pnl[i - 1]!);
    expect(e.increments.count).toBe(incs.length);
    expect(e.increments.histogram.counts.reduce((a, b) => a + b, 0)).toBe(incs.length);
    const v99 = naiveVarEs(incs, 0.99);
    expect(e.increments.var99.var).toBeCloseTo(v99.var, 12);
    expect(e.increments.var99.es).toBeCloseTo(v99.es, 12);
    // all paths kept: the same numbers as the backtest's own (quickselect) VaR/ES
    expect(e.increments.var95.var).toBeCloseTo(e.metrics.var95!, 12);
    expect(e.increments.var99.es).toBeCloseTo(e.metrics.es99!, 12);
    expect(e.increments.var99.es).toBeGreaterThan(0);
  });

  it('mark-outs: at fill and at the run horizon equal the stored effective and realized spreads', () => {
    const e = model.entries[0]!;
    expect(e.effectiveBps).toBeCloseTo(e.metrics.effectiveSpreadBps!, 10);
    const h = markoutHorizon(fx.cfg) / e.barLength; // 10 bars
    const at = e.markouts.find((m) => m.bars === Math.round(h));
    expect(at).toBeDefined();
    expect(at!.bps).toBeCloseTo(e.metrics.realizedSpreadBps!, 10);
    expect(e.markouts.map((m) => m.bars)).toEqual([0, 1, 2, 5, 10, 20, 50, 100]);
  });

  it('attribution: the terms add up to the PnL (residual ≈ 0) and the shares sum to 1', () => {
    const a = model.entries[0]!.attribution;
    expect(a.bars).toBe(4 * 200);
    const sum = a.terms.reduce((s, t) => s + t.contribution, 0);
    expect(sum).toBeCloseTo(1, 10);
    const res = a.terms.find((t) => t.term === 'residual')!;
    expect(Math.abs(res.contribution)).toBeLessThan(1e-9);
    expect(res.std).toBeLessThan(1e-9);
    const carry = a.terms.find((t) => t.term === 'carry')!;
    expect(carry.contribution).toBeGreaterThan(0.05); // inventory risk is there
  });

  it('the per-period table adds up to the session PnL and the fills', () => {
    const e = model.entries[0]!;
    const kept = fx.kept.get(0)!;
    expect(e.periods).toHaveLength(10);
    const meanFinal = kept.reduce((s, p) => s + p.series.pnl[200]! - p.series.pnl[0]!, 0) / kept.length;
    expect(e.periods.reduce((s, r) => s + r.pnlMean, 0)).toBeCloseTo(meanFinal, 10);
    const fillsPerPath = kept.reduce((s, p) => s + p.fills.count, 0) / kept.length;
    expect(e.periods.reduce((s, r) => s + r.fillsPerPath, 0)).toBeCloseTo(fillsPerPath, 10);
    expect(e.periods[0]!.from).toBe(0);
    expect(e.periods[9]!.to).toBeCloseTo(1, 12);
  });

  it('inventory: histogram of every sample; the carry CVaR is at least its VaR', () => {
    const e = model.entries[0]!;
    expect(e.inventoryHistogram.counts.reduce((a, b) => a + b, 0)).toBe(4 * 201);
    expect(e.inventoryRisk.carry99.es).toBeGreaterThanOrEqual(e.inventoryRisk.carry99.var);
    expect(e.inventoryRisk.carry99.es).toBeGreaterThan(0);
  });

  it('a comparison holds every run; an unknown id is named', () => {
    const other = storeBacktest(
      store,
      tinyConfig({ name: 'wide', strategies: [{ type: 'fixed-spread', halfSpread: [0.5, 1] }] }),
      2,
    );
    const m = loadReport(store, [fx.runId, other.runId]);
    expect(m.runs.map((r) => r.name)).toEqual(['tiny', 'wide']);
    expect(m.entries).toHaveLength(3); // 1 + a grid of 2
    expect(m.entries[2]!.keptPaths).toBe(2);
    expect(m.title).toContain('tiny vs wide');
    expect(() => loadReport(store, ['no-such-run'])).toThrow(ReportError);
    expect(() => loadReport(store, ['no-such-run'])).toThrow(/no-such-run/);
  });
});

describe('reduceLine', () => {
  it('keeps the ends and every bucket extreme, at most max points', () => {
    const n = 10_000;
    const t = Array.from({ length: n }, (_, i) => i);
    const y = t.map((i) => Math.sin(i / 50) + (i === 4321 ? 10 : 0) + (i === 777 ? -10 : 0));
    const r = reduceLine(t, y, n, 100);
    expect(r.t.length).toBeLessThanOrEqual(100);
    expect(r.t[0]).toBe(0);
    expect(r.t[r.t.length - 1]).toBe(n - 1);
    expect(r.y).toContain(y[4321]);
    expect(r.y).toContain(y[777]);
    expect([...r.t].sort((a, b) => a - b)).toEqual(r.t);
  });
});
