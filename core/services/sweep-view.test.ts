/**
 * `sweeps.list` / `sweeps.get` against a real store holding a real sweep (2 scenarios × 2 strategies ×
 * 2 seeds, 3 paths, run by the local worker pool of core/sweep) and a stress sweep: the grid's means
 * are the stored cells' metrics averaged by hand, the intervals are the t intervals worked out beside
 * them, and one seed gives no interval.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepDetail, SweepListRow } from '../api/contract';
import type { CallResult } from '../api/registry';
import { JobRunner } from '../jobs/job-runner';
import { openStore } from '../store/db';
import { expandSweep } from '../sweep/cells';
import { loadSweepConfig } from '../sweep/config';
import { runSweepLocal } from '../sweep/local';
import { AppService } from './app-service';
import { meanInterval, studentTQuantile } from './sweep-view';

const CONFIGS = path.resolve(__dirname, '../../resources/configs');

function ok<T>(r: CallResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.output as T;
}

describe('meanInterval', () => {
  it('is the Student t interval of the mean, and none with one value', () => {
    // t₀.₉₇₅ with 1 and 4 degrees of freedom (tables: 12.7062, 2.7764).
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764, 3);
    // 1, 3: mean 2, s = √2, s/√2 = 1 → 2 ± 12.7062.
    const two = meanInterval([1, 3]);
    expect(two.mean).toBe(2);
    expect(two.low).toBeCloseTo(2 - 12.7062, 3);
    expect(two.high).toBeCloseTo(2 + 12.7062, 3);
    // null (a NaN metric) is not a seed's value.
    expect(meanInterval([5, null])).toEqual({ n: 1, mean: 5, low: null, high: null });
    expect(meanInterval([])).toEqual({ n: 0, mean: null, low: null, high: null });
  });
});

describe('sweeps.list / sweeps.get', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-sweep-view-'));
  const dataDir = path.join(dir, 'data');
  let svc: AppService;
  const ctx = { clientId: 'test' };
  let planId = '';
  let stressId = '';
  let expected: Map<string, { sessionSharpe: number[]; fillRate: number[] }>;

  beforeAll(async () => {
    fs.copyFileSync(path.join(CONFIGS, 'as2008.yaml'), path.join(dir, 'as2008.yaml'));
    fs.writeFileSync(
      path.join(dir, 'sweep.yaml'),
      `name: view-test
paths: 3
seeds: [1, 2]
scenarios:
  - file: as2008.yaml
  - name: wide
    file: as2008.yaml
    stress: [{ kind: volatility-spike, onset: 0.5, duration: 0.25, magnitude: 3 }]
strategies:
  - { type: avellaneda-stoikov, variant: inventory, gamma: 0.1 }
  - { type: fixed-spread, halfSpread: 0.7 }
`,
    );
    fs.writeFileSync(
      path.join(dir, 'stress.yaml'),
      `name: stress-view-test
paths: 3
seeds: [1, 2]
scenario: { file: as2008.yaml }
stresses:
  - { kind: liquidity-drought, onset: 0.25, duration: 0.5, magnitude: 0.3 }
strategies:
  - { type: fixed-spread, halfSpread: 0.7 }
`,
    );
    const store = openStore(dataDir);
    try {
      const plan = expandSweep(loadSweepConfig(path.join(dir, 'sweep.yaml')));
      planId = plan.id;
      expect((await runSweepLocal(store, plan, { workers: 2, codeVersion: 'test' })).status).toBe(
        'completed',
      );
      const stress = expandSweep(loadSweepConfig(path.join(dir, 'stress.yaml'), 'stress'));
      stressId = stress.id;
      expect((await runSweepLocal(store, stress, { workers: 2, codeVersion: 'test' })).status).toBe(
        'completed',
      );
      expected = new Map();
      for (const c of plan.cells) {
        const s = store.sweeps.cells([c.key])[0]!;
        const k = `${c.scenario}/${c.strategyIndex}`;
        const e = expected.get(k) ?? { sessionSharpe: [], fillRate: [] };
        e.sessionSharpe.push(s.metrics.sessionSharpe!);
        e.fillRate.push(s.metrics.fillRate!);
        expected.set(k, e);
      }
    } finally {
      store.close();
    }
    svc = new AppService({
      dataDir,
      transport: 'websocket',
      version: '0.0.0-test',
      jobs: new JobRunner({ size: 1 }),
    });
  }, 120_000);

  afterAll(async () => {
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists both sweeps, newest first, with their cell counts', async () => {
    const rows = ok<SweepListRow[]>(await svc.dispatch('sweeps.list', {}, ctx));
    expect(rows.map((r) => [r.id, r.kind, r.status, r.cells, r.stored])).toEqual([
      [stressId, 'stress', 'completed', 4, 4],
      [planId, 'sweep', 'completed', 8, 8],
    ]);
    expect(rows[1]).toMatchObject({ name: 'view-test', scenarios: 2, strategies: 2, seeds: 2 });
  });

  it("gives each scenario × strategy the mean of its seeds' metrics and a t interval", async () => {
    const d = ok<SweepDetail>(await svc.dispatch('sweeps.get', { id: planId }, ctx));
    expect(d.source).toBe('expansion');
    expect(d.scenarios.map((s) => s.name)).toEqual(['as2008', 'wide']);
    expect(d.strategies.map((s) => s.type)).toEqual(['avellaneda-stoikov', 'fixed-spread']);
    expect(d.strategies[1]?.label).toMatch(/^fixed-spread \(halfSpread 0.7 /);
    expect(d.seeds).toEqual([1, 2]);
    expect(d.cells).toHaveLength(4);
    const t1 = 12.706204736174707; // t₀.₉₇₅ with 1 degree of freedom
    for (const c of d.cells) {
      const e = expected.get(`${c.scenario}/${c.strategyIndex}`)!;
      const [a, b] = e.sessionSharpe as [number, number];
      const m = (a + b) / 2;
      // s = |a − b|/√2, s/√2 = |a − b|/2.
      const half = (t1 * Math.abs(a - b)) / 2;
      expect(c.seeds).toBe(2);
      expect(c.stats.sessionSharpe.n).toBe(2);
      expect(c.stats.sessionSharpe.mean).toBeCloseTo(m, 12);
      expect(c.stats.sessionSharpe.low).toBeCloseTo(m - half, 6);
      expect(c.stats.sessionSharpe.high).toBeCloseTo(m + half, 6);
      const [fa, fb] = e.fillRate as [number, number];
      expect(c.stats.fillRate.mean).toBeCloseTo((fa + fb) / 2, 12);
      expect(c.delta).toBeUndefined();
    }
    // The two scenarios differ (a volatility spike), so the grid is not one number repeated.
    expect(new Set(d.cells.map((c) => c.stats.sessionSharpe.mean)).size).toBe(4);
  });

  it('adds the paired change against the base for the stressed scenario of a stress sweep', async () => {
    const d = ok<SweepDetail>(await svc.dispatch('sweeps.get', { id: stressId }, ctx));
    expect(d.scenarios).toEqual([
      { name: 'as2008', stress: 'base' },
      { name: 'as2008+liquidity-drought', stress: 'liquidity-drought' },
    ]);
    const base = d.cells.find((c) => c.scenario === 'as2008')!;
    const stressed = d.cells.find((c) => c.scenario !== 'as2008')!;
    expect(base.delta).toBeUndefined();
    // Mean of paired differences = difference of means when both have every seed.
    expect(stressed.delta?.fillRate.mean).toBeCloseTo(
      stressed.stats.fillRate.mean! - base.stats.fillRate.mean!,
      12,
    );
    expect(stressed.delta?.fillRate.n).toBe(2);
  });

  it('says not_found for an unknown sweep', async () => {
    const r = await svc.dispatch('sweeps.get', { id: 'nope' }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found', path: 'id' } });
  });
});
