/**
 * Sweeps beyond one machine, on BullMQ (Redis): the coordinator (`quotebench sweep --redis URL`)
 * enqueues the cells that are not in its store as jobs and writes the results into its store; workers
 * (`quotebench worker --redis URL`, any number, anywhere) compute them, each cell in a worker thread
 * (the local pool's JobRunner + cell-worker.ts), so the process's event loop stays free to renew the
 * job's lock.
 *
 * Idempotency: the job id is the cell key (cells.ts: config hash + seed), so enqueueing a cell twice
 * (a restarted coordinator) adds nothing; the store's primary key is the same key, so a cell computed
 * twice (a worker that stalled and came back, a retried job) is stored once.
 *
 * Faults:
 * - A worker that dies mid-cell stops renewing its lock; after `lockMs` BullMQ's stalled-job check (run
 *   by every live worker every `lockMs`) moves the job back to wait and another worker takes it (a job
 *   may stall MAX_STALLED times). A cell that throws is retried ATTEMPTS times, then reported.
 * - Redis going away: ioredis reconnects (maxRetriesPerRequest null: commands wait for it); the
 *   coordinator re-reads every pending job every RECONCILE_MS and re-adds one Redis lost (a restart
 *   without persistence), so the sweep completes once Redis is back.
 * - Code version: every job carries the coordinator's (sweep-run.ts sweepCodeVersion); a worker running
 *   another refuses it with UnrecoverableError (no retry), and the coordinator stops the sweep with
 *   that message (exit 1); the next run of the sweep re-queues the refused cells.
 * - Cancellation: the coordinator removes its waiting jobs and marks the sweep cancelled; running
 *   cells finish on their workers and their results are picked up by the next run.
 *
 * Job results from Redis are input from another machine: they are validated before they are stored.
 */
import os from 'node:os';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { scenarioSchema } from '../backtest/config';
import { JobRunner } from '../jobs/job-runner';
import type { RunSummary } from '../backtest/run';
import type { Store } from '../store/db';
import type { CellConfig, SweepCell, SweepPlan } from './cells';
import { beginSweep, CELL_WORKER_ENTRY } from './local';
import { cellResult, sweepCodeVersion, trackSweep, type SweepOutcome, type SweepProgress } from './sweep-run';

export const DEFAULT_QUEUE = 'quotebench-sweep';
/** The first words of a refusal: the coordinator recognizes a code-version mismatch by them. */
export const CODE_VERSION_REFUSED = 'code version mismatch';
const ATTEMPTS = 3;
const MAX_STALLED = 3;
const RECONCILE_MS = 1000;

export interface CellJobData {
  sweepId: string;
  key: string;
  codeVersion: string;
  config: CellConfig;
}

const cellJobResultSchema = z.object({
  run: z.object({
    strategy: z.string().max(1000),
    params: z.record(z.string(), z.unknown()),
    scenario: z.string().max(1000),
    paths: z.number().int().nonnegative(),
    metrics: z.record(z.string(), z.number().nullable()),
    annualization: z.record(z.string(), z.unknown()),
  }),
  worker: z.string().max(300),
  codeVersion: z.string().max(300),
  elapsedMs: z.number().finite().nonnegative(),
});
export type CellJobResult = z.output<typeof cellJobResultSchema>;

export function redisConnection(url: string, log?: (line: string) => void): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw Object.assign(new Error(`--redis ${url}: not a URL (redis://host:port)`), { name: 'UsageError' });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw Object.assign(new Error(`--redis ${url}: expected redis://host:port or rediss://…`), {
      name: 'UsageError',
    });
  const conn = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(100 * n, 2000) });
  let reported = false;
  conn.on('error', (e: Error) => {
    if (!reported) log?.(`redis: ${e.message} (retrying)`);
    reported = true;
  });
  conn.on('ready', () => {
    if (reported) log?.('redis: connected again');
    reported = false;
  });
  return conn;
}

export interface DistributedSweepOptions {
  redisUrl: string;
  queue?: string;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  log?: (line: string) => void;
  codeVersion?: string;
}

function jobOf(
  plan: SweepPlan,
  cell: SweepCell,
  codeVersion: string,
): { name: string; data: CellJobData; opts: object } {
  return {
    name: 'cell',
    data: { sweepId: plan.id, key: cell.key, codeVersion, config: cell.config },
    opts: {
      jobId: cell.key,
      attempts: ATTEMPTS,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  };
}

export async function runSweepDistributed(
  store: Store,
  plan: SweepPlan,
  opts: DistributedSweepOptions,
): Promise<SweepOutcome> {
  // Recorded as a tracked run (sweep-run.ts trackSweep).
  return trackSweep(store, plan, opts, (onProgress) => runDistributed(store, plan, { ...opts, onProgress }));
}

async function runDistributed(
  store: Store,
  plan: SweepPlan,
  opts: DistributedSweepOptions,
): Promise<SweepOutcome> {
  const log = opts.log ?? ((): void => {});
  const version = opts.codeVersion ?? sweepCodeVersion();
  const name = opts.queue ?? DEFAULT_QUEUE;
  const conn = redisConnection(opts.redisUrl, log);
  const eventsConn = redisConnection(opts.redisUrl);
  const queue = new Queue<CellJobData>(name, { connection: conn });
  const events = new QueueEvents(name, { connection: eventsConn });
  queue.on('error', () => {});
  events.on('error', () => {});
  const { pending, skipped } = beginSweep(store, plan, version);
  const remaining = new Map(pending.map((c) => [c.key, c]));
  const progress: SweepProgress = { done: skipped, total: plan.cells.length, skipped, failed: 0 };
  const failures: SweepOutcome['failures'] = [];
  let computed = 0;
  let fatal: string | undefined;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    wake?.();
  };
  const due = new Set<string>();
  events.on('completed', ({ jobId }) => {
    due.add(jobId);
    poke();
  });
  events.on('failed', ({ jobId }) => {
    due.add(jobId);
    poke();
  });
  opts.signal?.addEventListener('abort', poke, { once: true });
  opts.onProgress?.({ ...progress });

  const check = async (key: string): Promise<void> => {
    const cell = remaining.get(key);
    if (!cell) return;
    const job = (await queue.getJob(key)) as Job<CellJobData> | undefined;
    if (!job) {
      // Redis lost it (a restart without persistence) or it expired: enqueue it again.
      const j = jobOf(plan, cell, version);
      await queue.add(j.name, j.data, j.opts);
      return;
    }
    const state = await job.getState();
    if (state === 'completed') {
      const parsed = cellJobResultSchema.safeParse(job.returnvalue);
      if (parsed.success && parsed.data.codeVersion !== version) {
        // A result left in Redis by a run of another version (jobs are kept 7 days): compute it again.
        await job.remove();
        const j = jobOf(plan, cell, version);
        await queue.add(j.name, j.data, j.opts);
        return;
      }
      if (!parsed.success) {
        failures.push({
          key,
          scenario: cell.scenario,
          error: `invalid result from a worker: ${parsed.error.issues[0]?.message ?? ''}`,
        });
        progress.failed++;
      } else {
        const r = parsed.data;
        store.sweeps.insertCell(
          plan.id,
          cellResult(cell, r.run as unknown as RunSummary, {
            codeVersion: r.codeVersion,
            worker: r.worker,
            elapsedMs: r.elapsedMs,
          }),
        );
        computed++;
        progress.done++;
        progress.last = `${cell.scenario} · ${r.run.strategy} · seed ${cell.seed} (${r.worker})`;
      }
      remaining.delete(key);
      opts.onProgress?.({ ...progress });
      await job.remove().catch(() => {});
    } else if (state === 'failed') {
      const reason = job.failedReason ?? 'failed';
      remaining.delete(key);
      if (reason.startsWith(CODE_VERSION_REFUSED)) {
        fatal ??= reason;
        return;
      }
      failures.push({ key, scenario: cell.scenario, error: reason });
      progress.failed++;
      opts.onProgress?.({ ...progress });
    }
  };

  try {
    // Re-queue the cells whose job failed in an earlier run (e.g. refused by an old worker).
    if (pending.length > 0) {
      await queue.addBulk(pending.map((c) => jobOf(plan, c, version)) as never);
      for (const c of pending) {
        const job = (await queue.getJob(c.key)) as Job<CellJobData> | undefined;
        if (job && (await job.getState()) === 'failed') {
          await job.updateData({ ...job.data, codeVersion: version });
          await job.retry('failed');
        } else if (job && job.data.codeVersion !== version && (await job.getState()) !== 'completed') {
          await job.updateData({ ...job.data, codeVersion: version });
        }
      }
      log(
        `enqueued ${pending.length} cells on queue ${name} (${skipped} already in the store); waiting for workers`,
      );
    }
    let lastReconcile = 0;
    while (remaining.size > 0 && fatal === undefined && !opts.signal?.aborted) {
      const now = performance.now();
      const keys = now - lastReconcile >= RECONCILE_MS ? [...remaining.keys()] : [...due];
      if (keys.length === remaining.size) lastReconcile = now;
      due.clear();
      for (const k of keys) {
        if (opts.signal?.aborted || fatal !== undefined) break;
        await check(k);
      }
      if (remaining.size === 0 || fatal !== undefined || opts.signal?.aborted) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, due.size > 0 ? 0 : RECONCILE_MS);
        wake = (): void => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
    let status: SweepOutcome['status'];
    if (fatal !== undefined) status = 'failed';
    else if (opts.signal?.aborted) status = 'cancelled';
    else status = failures.length > 0 ? 'failed' : 'completed';
    if (status !== 'completed' && remaining.size > 0) {
      // Leave no queued work behind a stopped sweep (running cells finish; the next run stores them).
      await Promise.race([
        (async () => {
          for (const k of remaining.keys()) {
            const job = await queue.getJob(k);
            const st = job ? await job.getState() : undefined;
            if (job && (st === 'waiting' || st === 'delayed' || st === 'prioritized'))
              await job.remove().catch(() => {});
          }
        })(),
        new Promise((r) => setTimeout(r, 3000)),
      ]);
    }
    const error =
      fatal !== undefined
        ? `a worker refused a cell: ${fatal}`
        : failures.length > 0
          ? `${failures.length} cells failed`
          : undefined;
    store.sweeps.finish(plan.id, status, error);
    return {
      status,
      computed,
      skipped,
      failures,
      ...(fatal !== undefined ? { error: `a worker refused a cell: ${fatal}` } : {}),
    };
  } finally {
    await Promise.race([
      Promise.all([events.close(), queue.close()]),
      new Promise((r) => setTimeout(r, 2000)),
    ]);
    conn.disconnect();
    eventsConn.disconnect();
  }
}

/** A one-path cell of a small intensity market (the worker's warm-up). */
const WARM_UP_CELL: CellConfig = {
  name: 'warm-up',
  seed: 0,
  paths: 1,
  scenario: scenarioSchema.parse({
    mode: 'intensity',
    name: 'warm-up',
    horizon: 1,
    dt: 0.01,
    s0: 100,
    price: { model: 'abm', sigma: 1 },
    intensity: { A: 10, k: 1.5 },
  }),
  strategy: { type: 'fixed-spread', halfSpread: 0.5 },
  metrics: {},
};

export interface SweepWorkerOptions {
  redisUrl: string;
  queue?: string;
  /** Cells at once (worker threads). */
  concurrency?: number;
  /** Lock duration and stalled-check interval (ms). */
  lockMs?: number;
  dataDir?: string | undefined;
  codeVersion?: string;
  /** The cell worker entry (the CLI passes its bundled file); default CELL_WORKER_ENTRY. */
  workerEntry?: URL;
  log?: (line: string) => void;
}

export interface SweepWorkerHandle {
  /** This worker's name in results: "host:pid". */
  readonly id: string;
  /** Resolves once the worker is connected and taking jobs. */
  readonly ready: Promise<void>;
  /** Stop taking jobs; wait for the running cells (force: abandon them, another worker will retry). */
  close(force?: boolean): Promise<void>;
}

export function startSweepWorker(opts: SweepWorkerOptions): SweepWorkerHandle {
  const log = opts.log ?? ((): void => {});
  const version = opts.codeVersion ?? sweepCodeVersion();
  const id = `${os.hostname()}:${process.pid}`;
  const lockMs = opts.lockMs ?? 30_000;
  const concurrency = opts.concurrency ?? 1;
  const conn = redisConnection(opts.redisUrl, log);
  const runner = new JobRunner({
    size: concurrency,
    workerEntry: opts.workerEntry ?? CELL_WORKER_ENTRY,
    maxProgressHz: 1,
  });
  const stop = new AbortController();
  const worker = new Worker<CellJobData, CellJobResult>(
    opts.queue ?? DEFAULT_QUEUE,
    async (job) => {
      const data = job.data;
      if (data.codeVersion !== version) {
        const msg =
          `${CODE_VERSION_REFUSED}: worker ${id} runs Quotebench ${version}, but the sweep was enqueued by ` +
          `${data.codeVersion}; run the coordinator's version on the worker (same package version and commit), ` +
          'then run the sweep again';
        log(`refused cell ${data.key}: ${msg}`);
        throw new UnrecoverableError(msg);
      }
      log(`cell ${data.key} started (attempt ${job.attemptsMade + 1})`);
      const t0 = performance.now();
      const r = await runner.runBacktest(data.config, {
        keepPaths: 0,
        signal: stop.signal,
        ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
      });
      const run = r.runs[0];
      if (!run) throw new Error('the cell produced no result');
      const elapsedMs = performance.now() - t0;
      log(
        `cell ${data.key} (${run.scenario} · ${run.strategy} · seed ${data.config.seed}) in ${(elapsedMs / 1000).toFixed(2)} s`,
      );
      const metrics: Record<string, number | null> = {};
      for (const [k, v] of Object.entries(run.metrics))
        if (typeof v === 'number') metrics[k] = Number.isFinite(v) ? v : null;
      return {
        run: {
          strategy: run.strategy,
          params: run.params,
          scenario: run.scenario,
          paths: run.paths,
          metrics,
          annualization: { ...run.annualization },
        },
        worker: id,
        codeVersion: version,
        elapsedMs,
      };
    },
    {
      connection: conn,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: MAX_STALLED,
      autorun: false,
    },
  );
  worker.on('error', (e) => log(`worker: ${e.message}`));
  worker.on('failed', (job, e) => {
    if (job && !e.message.startsWith(CODE_VERSION_REFUSED)) log(`cell ${job.id} failed: ${e.message}`);
  });
  // Start the threads (and load the simulator's code) before taking the first cell: a cell's time is
  // then its computation, and a slow start-up cannot make a fresh worker's first lock lapse.
  const ready = Promise.all(
    Array.from({ length: concurrency }, () => runner.runBacktest(WARM_UP_CELL, { keepPaths: 0 })),
  )
    .then(() => worker.waitUntilReady())
    .then(() => {
      void worker.run();
      log(
        `worker ${id} (${version}) taking cells from ${opts.queue ?? DEFAULT_QUEUE}, ${concurrency} at a time`,
      );
    });
  return {
    id,
    ready,
    close: async (force = false) => {
      if (force) stop.abort();
      await worker.close(force);
      await runner.close();
      conn.disconnect();
    },
  };
}
