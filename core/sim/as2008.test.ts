/**
 * The Avellaneda & Stoikov (2008) section 4 experiment, end to end from the shipped config.
 *
 * Paper's table (1000 simulations; profit mean/std, final inventory mean/std):
 *   γ = 0.1   inventory 62.94 / 5.89, q 0.10 / 2.80     symmetric 67.21 / 13.43, q −0.018 / 8.66
 *   γ = 0.01  inventory 66.78 / 8.76, q −0.02 / 4.70    symmetric 67.36 / 13.40, q −0.31 / 8.65
 *   γ = 0.5   inventory 33.92 / 4.72, q −0.02 / 1.88    symmetric 66.20 / 14.53, q 0.25 / 9.06
 * We implement the formulas as printed (spread γσ²(T−t) + (2/γ)ln(1+γ/k)). For γ ∈ {0.1, 0.01} that
 * reproduces the paper within a few percent; for γ = 0.5 the paper's own numbers are not reproducible
 * from its formulas (see docs/results.md), so there we assert the paper's qualitative claim only.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../config/load-config';
import { runBacktest } from '../backtest/run';
import { backtestConfigSchema } from '../backtest/config';
import { as2008ConfigPath } from './bench';

const cfg = loadConfigFile(as2008ConfigPath(), backtestConfigSchema);
const result = runBacktest(cfg);
const find = (strategy: string, gamma: number) => {
  const r = result.runs.find((x) => x.strategy === strategy && x.params.gamma === gamma);
  if (!r) throw new Error(`no run ${strategy} γ=${gamma}`);
  return r.metrics;
};

const paper: Record<string, [number, number, number]> = {
  'inventory 0.1': [62.94, 5.89, 2.8],
  'symmetric 0.1': [67.21, 13.43, 8.66],
  'inventory 0.01': [66.78, 8.76, 4.7],
  'symmetric 0.01': [67.36, 13.4, 8.65],
};

describe('Avellaneda–Stoikov 2008 section 4 reproduction', () => {
  it('runs 6 runs × 1000 paths from resources/configs/as2008.yaml', () => {
    expect(result.runs.map((r) => `${r.strategy} ${String(r.params.gamma)}`)).toEqual([
      'inventory 0.1',
      'inventory 0.01',
      'inventory 0.5',
      'symmetric 0.1',
      'symmetric 0.01',
      'symmetric 0.5',
    ]);
    expect(result.runs.every((r) => r.paths === 1000)).toBe(true);
  });

  it.each(Object.entries(paper))(
    '%s matches the paper: profit within 4%%, stds within 12%%',
    (key, [pnl, pnlStd, qStd]) => {
      const [strategy, gamma] = key.split(' ');
      const m = find(strategy ?? '', Number(gamma));
      expect(Math.abs(m.pnlMean / pnl - 1)).toBeLessThan(0.04);
      expect(Math.abs(m.pnlStd / pnlStd - 1)).toBeLessThan(0.12);
      expect(Math.abs(m.finalInventoryStd / qStd - 1)).toBeLessThan(0.12);
    },
  );

  it.each([0.1, 0.01, 0.5])(
    'γ = %s: the inventory strategy has far less PnL and inventory dispersion',
    (gamma) => {
      const inv = find('inventory', gamma);
      const sym = find('symmetric', gamma);
      expect(inv.pnlStd).toBeLessThan(0.75 * sym.pnlStd);
      expect(inv.finalInventoryStd).toBeLessThan(0.65 * sym.finalInventoryStd);
      expect(inv.avgSpread).toBeCloseTo(sym.avgSpread, 12);
      // Average quoted spread = (2/γ)ln(1+γ/k) + γσ²·mean(T − t) over the 200 decision times.
      const meanTau = (1 + 0.005) / 2;
      expect(inv.avgSpread).toBeCloseTo((2 / gamma) * Math.log(1 + gamma / 1.5) + gamma * 4 * meanTau, 9);
    },
  );

  it('is pinned by a golden file (any change to the numbers must be deliberate)', async () => {
    await expect(JSON.stringify({ runs: result.runs }, null, 2) + '\n').toMatchFileSnapshot(
      './__golden__/as2008.json',
    );
  });
});
