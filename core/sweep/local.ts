/**
 * Run a sweep on this machine: the cells not yet in the store go to a pool of worker threads (the
 * JobRunner of core/jobs with the cell worker, cell-worker.ts), one cell per job, FIFO, every result
 * written to the store as it arrives (so a crash loses at most the cells that were running; the next
 * run skips what is stored). The pool has one thread per core unless told otherwise.
 *
 * Cancellation: `signal` rejects queued cells at once and stops running ones within a stop poll (the
 * JobRunner's shared flag); the sweep is then 'cancelled' in the store and resumable. A failing cell
 * does not stop the others: it is reported (and retried by the next run, since it has no result).
 */
import os from 'node:os';
import { JobCancelledError, JobRunner } from '../jobs/job-runner';
import type { Store } from '../store/db';
import type { SweepPlan } from './cells';
import { cellResult, sweepCodeVersion, trackSweep, type SweepOutcome, type SweepProgress } from './sweep-run';

export const CELL_WORKER_ENTRY = new URL('./cell-worker.ts', import.meta.url);

export interface LocalSweepOptions {
  /** Worker threads (default: every core). */
  workers?: number;
  signal?: AbortSignal;
  dataDir?: string | undefined;
  onProgress?: (p: SweepProgress) => void;
  codeVersion?: string;
  /** The cell worker entry (Electron passes its bundled file); default CELL_WORKER_ENTRY. */
  workerEntry?: URL;
}

/** Record the sweep and return the cells that still need computing. */
export function beginSweep(
  store: Store,
  plan: SweepPlan,
  codeVersion: string,
): { pending: SweepPlan['cells']; skipped: number; resumed: boolean } {
  const { resumed } = store.sweeps.begin({
    id: plan.id,
    kind: plan.kind,
    name: plan.name,
    config: {
      name: plan.name,
      kind: plan.kind,
      paths: plan.paths,
      seeds: plan.seeds,
      scenarios: plan.scenarios,
      strategies: plan.strategies,
      metrics: plan.metrics,
    },
    cells: plan.cells.length,
    codeVersion,
  });
  const done = store.sweeps.finishedKeys(plan.cells.map((c) => c.key));
  const pending = plan.cells.filter((c) => !done.has(c.key));
  return { pending, skipped: plan.cells.length - pending.length, resumed };
}

export async function runSweepLocal(
  store: Store,
  plan: SweepPlan,
  opts: LocalSweepOptions = {},
): Promise<SweepOutcome> {
  // Recorded as a tracked run (sweep-run.ts trackSweep).
  return trackSweep(store, plan, opts, (onProgress) => runLocal(store, plan, { ...opts, onProgress }));
}

async function runLocal(store: Store, plan: SweepPlan, opts: LocalSweepOptions): Promise<SweepOutcome> {
  const version = opts.codeVersion ?? sweepCodeVersion();
  const { pending, skipped } = beginSweep(store, plan, version);
  const size = Math.max(1, Math.min(opts.workers ?? os.availableParallelism(), pending.length || 1));
  const runner = new JobRunner({
    size,
    workerEntry: opts.workerEntry ?? CELL_WORKER_ENTRY,
    maxProgressHz: 4,
  });
  const progress: SweepProgress = { done: skipped, total: plan.cells.length, skipped, failed: 0 };
  const failures: SweepOutcome['failures'] = [];
  let computed = 0;
  let cancelled = false;
  opts.onProgress?.({ ...progress });
  try {
    await Promise.all(
      pending.map(async (cell) => {
        const t0 = performance.now();
        try {
          const r = await runner.runBacktest(cell.config, {
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
            keepPaths: 0,
          });
          const run = r.runs[0];
          if (!run) throw new Error('no result');
          store.sweeps.insertCell(
            plan.id,
            cellResult(cell, run, {
              codeVersion: version,
              worker: `thread@${os.hostname()}:${process.pid}`,
              elapsedMs: performance.now() - t0,
            }),
          );
          computed++;
          progress.done++;
          progress.last = `${cell.scenario} · ${run.strategy} · seed ${cell.seed}`;
        } catch (e) {
          if (e instanceof JobCancelledError || opts.signal?.aborted) {
            cancelled = true;
            return;
          }
          failures.push({ key: cell.key, scenario: cell.scenario, error: (e as Error).message });
          progress.failed++;
        }
        opts.onProgress?.({ ...progress });
      }),
    );
  } finally {
    await runner.close();
  }
  const status = cancelled ? 'cancelled' : failures.length > 0 ? 'failed' : 'completed';
  store.sweeps.finish(plan.id, status, failures.length > 0 ? `${failures.length} cells failed` : undefined);
  return { status, computed, skipped, failures };
}
