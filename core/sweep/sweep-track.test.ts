/**
 * A sweep's executions as tracked runs (issue 13 §5, sweep-run.ts trackSweep): runSweepLocal on a tiny
 * grid records one 'sweep' run per execution (config with the sweep id, first seed, progress over
 * time, counts), a resumed execution records its skipped cells, and a cancelled one is 'cancelled'.
 * Real worker threads and a real SQLite file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/db';
import { expandSweep } from './cells';
import { loadSweepConfig } from './config';
import { runSweepLocal } from './local';

const CONFIGS = path.resolve(__dirname, '../../resources/configs');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-sweep-track-'));
  fs.copyFileSync(path.join(CONFIGS, 'as2008.yaml'), path.join(dir, 'as2008.yaml'));
  fs.writeFileSync(
    path.join(dir, 'tiny.yaml'),
    `name: tiny-tracked
paths: 2
seeds: [3, 4]
scenarios:
  - file: as2008.yaml
strategies:
  - { type: fixed-spread, halfSpread: 0.7 }
`,
  );
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const q = {
  kinds: ['sweep' as const],
  sortBy: 'createdAt',
  sortDir: 'asc' as const,
  best: 'max' as const,
  offset: 0,
  limit: 10,
};

describe('sweeps as tracked runs', () => {
  it('records each execution: config, seed, progress over time, counts; a resume records its skips', async () => {
    const plan = expandSweep(loadSweepConfig(path.join(dir, 'tiny.yaml')));
    const store = openStore(path.join(dir, 'data'));
    try {
      const seen: number[] = [];
      const first = await runSweepLocal(store, plan, { workers: 1, onProgress: (p) => seen.push(p.done) });
      expect(first.status).toBe('completed');
      expect(seen.at(-1)).toBe(2); // the caller's own progress callback still runs
      const again = await runSweepLocal(store, plan, { workers: 1 });
      expect(again).toMatchObject({ computed: 0, skipped: 2 });
      const rows = store.runs.search(q).rows;
      expect(rows.map((r) => [r.kind, r.status, r.name])).toEqual([
        ['sweep', 'completed', 'tiny-tracked'],
        ['sweep', 'completed', 'tiny-tracked'],
      ]);
      expect(rows[0]!.tags).toEqual(['sweep', `sweep:${plan.id.slice(0, 16)}`]);
      const d = store.runs.get(rows[0]!.id)!;
      expect(d.run.seed).toBe(3);
      expect(d.config).toMatchObject({ sweep: plan.id, seeds: [3, 4], paths: 2 });
      expect(store.runs.runMetrics(rows[0]!.id)).toMatchObject({
        cells: 2,
        computed: 2,
        skipped: 0,
        failed: 0,
      });
      expect(store.runs.runMetrics(rows[1]!.id)).toMatchObject({ cells: 2, computed: 0, skipped: 2 });
      const h = store.runs.steps(rows[0]!.id).elapsedSeconds!;
      expect(h.step).toEqual([0, 1, 2]);
      expect(h.value.every((v, i) => i === 0 || v >= h.value[i - 1]!)).toBe(true);
      // The sweep's rows and cells are where they were.
      expect(store.sweeps.cellsOfSweep(plan.id)).toHaveLength(2);
    } finally {
      store.close();
    }
  });

  it('records a cancelled execution as cancelled', async () => {
    const plan = expandSweep(loadSweepConfig(path.join(dir, 'tiny.yaml')));
    const store = openStore(path.join(dir, 'data'));
    try {
      const ac = new AbortController();
      ac.abort();
      const out = await runSweepLocal(store, plan, { workers: 1, signal: ac.signal });
      expect(out.status).toBe('cancelled');
      const rows = store.runs.search(q).rows;
      expect(rows.map((r) => r.status)).toEqual(['cancelled']);
    } finally {
      store.close();
    }
  });
});
