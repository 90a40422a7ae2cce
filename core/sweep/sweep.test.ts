/**
 * Sweeps on this machine: the config (errors name file, line and key; a cell's key does not depend on
 * how its scenario was written), the local worker-thread pool against the backtest runner (a cell's
 * metrics are the backtest's, bit for bit), resumption (stored cells are not recomputed), cancellation,
 * and the stress sweep's deltas against its base. Real worker threads and a real SQLite file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backtestConfigSchema } from '../backtest/config';
import { runBacktest } from '../backtest/run';
import { ConfigError, loadConfigFile } from '../config/load-config';
import { openStore } from '../store/db';
import { expandSweep } from './cells';
import { loadSweepConfig } from './config';
import { runSweepLocal } from './local';
import { sweepReport } from './report';

const CONFIGS = path.resolve(__dirname, '../../resources/configs');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-sweep-'));
  fs.copyFileSync(path.join(CONFIGS, 'as2008.yaml'), path.join(dir, 'as2008.yaml'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const AS2008 = loadConfigFile(path.join(CONFIGS, 'as2008.yaml'), backtestConfigSchema);
const inlineScenario = JSON.stringify(AS2008.scenario);

const SMALL = `
name: small
paths: 4
seeds: [1, 2]
scenarios:
  - file: as2008.yaml
strategies:
  - { type: avellaneda-stoikov, variant: inventory, gamma: [0.1, 0.5] }
  - { type: fixed-spread, halfSpread: 0.7 }
`;

describe('sweep config', () => {
  it('expands the shipped example to scenario × strategy × seed cells with distinct keys', () => {
    const plan = expandSweep(loadSweepConfig(path.join(CONFIGS, 'sweep-example.yaml')));
    expect(plan.cells).toHaveLength(2 * 4 * 3);
    expect(new Set(plan.cells.map((c) => c.key)).size).toBe(24);
    for (const c of plan.cells) expect(c.key).not.toContain(':');
    // The stressed scenario carries its stress; the plain one none.
    expect(plan.scenarios[1]?.scenario.stress).toHaveLength(1);
  });

  it('gives a cell the same key whether its scenario is inline or a file, and a different one per seed', () => {
    const a = expandSweep(loadSweepConfig(write('a.yaml', SMALL)));
    const b = expandSweep(
      loadSweepConfig(write('b.yaml', SMALL.replace('- file: as2008.yaml', `- scenario: ${inlineScenario}`))),
    );
    expect(b.cells.map((c) => c.key)).toEqual(a.cells.map((c) => c.key));
    expect(a.cells[0]?.key).not.toBe(a.cells[1]?.key);
    expect(a.cells[0]?.configHash).toBe(a.cells[1]?.configHash);
  });

  it('names the file, line and key of an error, also for checks across scenario and strategy', () => {
    const bad = write('bad.yaml', SMALL.replace('halfSpread: 0.7', 'halfSpred: 0.7'));
    expect(() => loadSweepConfig(bad)).toThrow(ConfigError);
    expect(() => loadSweepConfig(bad)).toThrow(/bad\.yaml:9:\d+: strategies\[1\]/);
    const book = write(
      'book.yaml',
      `paths: 2\nseeds: [1]\nscenarios:\n  - file: ${path.join(CONFIGS, 'book-default.yaml')}\nstrategies:\n  - { type: glft, gamma: 0.1, A: 1 }\n`,
    );
    expect(() => loadSweepConfig(book)).toThrow(
      /book\.yaml:6:\d+: strategies\[0\]\.k: on scenario .*required in book mode/,
    );
    const missing = write('missing.yaml', SMALL.replace('file: as2008.yaml', 'file: nope.yaml'));
    expect(() => loadSweepConfig(missing)).toThrow(
      /missing\.yaml:6:\d+: scenarios\[0\]\.file: .*nope\.yaml: \(root\): cannot read file/,
    );
  });
});

describe('local sweep', () => {
  it('stores the backtest metrics of every cell, then resumes without recomputing', async () => {
    const plan = expandSweep(loadSweepConfig(write('s.yaml', SMALL)));
    const store = openStore(path.join(dir, 'data'));
    try {
      const out = await runSweepLocal(store, plan, { workers: 2, codeVersion: 'test' });
      expect(out).toMatchObject({ status: 'completed', computed: 6, skipped: 0, failures: [] });
      const stored = store.sweeps.cells(plan.cells.map((c) => c.key));
      expect(stored).toHaveLength(6);
      // Cell (as2008, AS γ=0.5, seed 2) equals that run of a backtest of the whole grid with seed 2.
      const cfg = backtestConfigSchema.parse({
        ...AS2008,
        paths: 4,
        seed: 2,
        strategies: [{ type: 'avellaneda-stoikov', variant: 'inventory', gamma: [0.1, 0.5] }],
      });
      const direct = runBacktest(cfg).runs[1]!;
      const cell = plan.cells.find((c) => c.strategyIndex === 1 && c.seed === 2)!;
      const got = stored.find((s) => s.cellKey === cell.key)!;
      expect(got.metrics.pnlMean).toBe(direct.metrics.pnlMean);
      expect(got.metrics.maxDrawdown).toBe(direct.metrics.maxDrawdown);
      expect(got.metrics.fills).toBe(direct.metrics.fills);

      const again = await runSweepLocal(store, plan, { workers: 2, codeVersion: 'test' });
      expect(again).toMatchObject({ status: 'completed', computed: 0, skipped: 6 });
      expect(store.sweeps.list()).toHaveLength(1);
      for (const c of plan.cells) expect(store.sweeps.countKey(c.key)).toBe(1);
    } finally {
      store.close();
    }
  });

  it('cancels on the signal, keeps the finished cells and resumes the rest', async () => {
    const plan = expandSweep(loadSweepConfig(write('s.yaml', SMALL.replace('paths: 4', 'paths: 40'))));
    const store = openStore(path.join(dir, 'data'));
    try {
      const ac = new AbortController();
      const out = await runSweepLocal(store, plan, {
        workers: 1,
        signal: ac.signal,
        codeVersion: 'test',
        onProgress: (p) => {
          if (p.done - p.skipped >= 1) ac.abort();
        },
      });
      expect(out.status).toBe('cancelled');
      expect(out.computed).toBeGreaterThanOrEqual(1);
      expect(out.computed).toBeLessThan(6);
      expect(store.sweeps.get(plan.id)?.status).toBe('cancelled');
      const rest = await runSweepLocal(store, plan, { workers: 2, codeVersion: 'test' });
      expect(rest).toMatchObject({ status: 'completed', computed: 6 - out.computed, skipped: out.computed });
    } finally {
      store.close();
    }
  });

  it('stress sweep: the base and each stress; deltas are stressed − base per seed', async () => {
    const f = write(
      'st.yaml',
      `paths: 4\nseeds: [3, 4]\nscenario: { file: as2008.yaml }\nstresses:\n  - { kind: volatility-spike, onset: 0.5, duration: 0.25, magnitude: 3 }\n  - name: drought\n    stress: [{ kind: liquidity-drought, onset: 0.25, duration: 0.5, magnitude: 0.3 }]\nstrategies:\n  - { type: fixed-spread, halfSpread: 0.7 }\n`,
    );
    const plan = expandSweep(loadSweepConfig(f, 'stress'));
    expect(plan.scenarios.map((s) => s.name)).toEqual([
      'as2008',
      'as2008+volatility-spike',
      'as2008+drought',
    ]);
    const store = openStore(path.join(dir, 'data'));
    try {
      expect((await runSweepLocal(store, plan, { workers: 2, codeVersion: 'test' })).status).toBe(
        'completed',
      );
      const stored = store.sweeps.cells(plan.cells.map((c) => c.key));
      const rows = sweepReport(plan, stored);
      const drought = rows.find((r) => r.stress === 'drought')!;
      const base = rows.find((r) => r.stress === 'base')!;
      expect(base.delta).toBeUndefined();
      const pnl = (sc: string, seed: number): number =>
        stored.find((s) => s.scenario === sc && s.seed === seed)!.metrics.pnlMean!;
      const want =
        (pnl('as2008+drought', 3) - pnl('as2008', 3) + (pnl('as2008+drought', 4) - pnl('as2008', 4))) / 2;
      expect(drought.delta?.pnlMean).toBeCloseTo(want, 12);
      // A drought of arrivals lowers the fills.
      expect(drought.delta?.fillRate).toBeLessThan(0);
    } finally {
      store.close();
    }
  });
});
