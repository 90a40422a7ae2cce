/**
 * Runs backtests in a pool of worker threads, never on the calling thread. Each job takes an
 * AbortSignal; progress is throttled to at most `maxProgressHz` (default 20) callbacks a second, plus
 * the final one. Jobs beyond the pool size wait in FIFO order. A worker is reused between jobs and
 * replaced if it dies.
 *
 * Cancellation: a queued job is rejected at once; a running job's worker sees a shared flag within a
 * few thousand simulation steps (the simulators poll it) and answers 'cancelled'. Safety net: if it has
 * not answered `cancelGraceMs` (default 2 s) after the abort — stuck in code that does not poll — the
 * worker is terminated and replaced, the job rejects with JobCancelledError, and the queue moves on.
 * close() cancels queued and running jobs the same way. A run that went non-finite rejects with the
 * NonFiniteError of core/sim/guards.ts.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { RunSummary } from '../backtest/run';
import { NonFiniteError } from '../sim/guards';
import { FillLog } from '../sim/path-result';
import type { KeptPath, WorkerMessage, WorkerRequest } from './protocol';
import { startWorker } from '../threads/worker-url';

export interface BacktestJobOptions {
  keepPaths?: number;
  /** Data directory of the catalog (replay scenarios). */
  dataDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; strategy: string }) => void;
}

export interface BacktestJobResult {
  runs: RunSummary[];
  paths: KeptPath[];
}

export class JobCancelledError extends Error {
  override name = 'AbortError';
  constructor() {
    super('job cancelled');
  }
}

interface Pending {
  config: unknown;
  opts: BacktestJobOptions;
  resolve: (r: BacktestJobResult) => void;
  reject: (e: Error) => void;
}

export interface JobRunnerOptions {
  /** Worker threads (default: cores − 1, at least 1). */
  size?: number;
  maxProgressHz?: number;
  /** The backtest worker entry (default: backtest-worker.ts next to this file, via tsx). */
  workerEntry?: URL;
  /** How long a running job may take to acknowledge a cancel before its worker is terminated (ms). */
  cancelGraceMs?: number;
}

export class JobRunner {
  private readonly size: number;
  private readonly minProgressMs: number;
  private readonly entry: URL;
  private readonly idle: Worker[] = [];
  private busy = 0;
  private readonly queue: Pending[] = [];
  /** Kill switches of the running jobs (terminate the worker, reject with JobCancelledError). */
  private readonly running = new Set<() => void>();
  private readonly cancelGraceMs: number;
  private closed = false;

  constructor(opts: JobRunnerOptions = {}) {
    this.size = Math.max(1, opts.size ?? Math.max(1, os.availableParallelism() - 1));
    this.minProgressMs = 1000 / (opts.maxProgressHz ?? 20);
    this.entry = opts.workerEntry ?? new URL('./backtest-worker.ts', import.meta.url);
    this.cancelGraceMs = opts.cancelGraceMs ?? 2000;
  }

  /** Run one backtest; rejects with JobCancelledError when the signal aborts. */
  runBacktest(config: unknown, opts: BacktestJobOptions = {}): Promise<BacktestJobResult> {
    if (this.closed) return Promise.reject(new Error('JobRunner is closed'));
    if (opts.signal?.aborted) return Promise.reject(new JobCancelledError());
    return new Promise((resolve, reject) => {
      const job: Pending = { config, opts, resolve, reject };
      this.queue.push(job);
      // A job cancelled while it waits leaves the queue at once.
      opts.signal?.addEventListener(
        'abort',
        () => {
          const i = this.queue.indexOf(job);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(new JobCancelledError());
          }
        },
        { once: true },
      );
      this.pump();
    });
  }

  /** Number of jobs running and waiting. */
  load(): { running: number; queued: number } {
    return { running: this.busy, queued: this.queue.length };
  }

  /** Reject queued jobs, terminate running ones (JobCancelledError) and every worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new JobCancelledError());
    for (const kill of [...this.running]) kill();
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.busy < this.size) {
      const job = this.queue.shift();
      if (!job) return;
      if (job.opts.signal?.aborted) {
        job.reject(new JobCancelledError());
        continue;
      }
      this.busy++;
      const worker = this.idle.pop() ?? startWorker(this.entry);
      this.run(worker, job);
    }
  }

  private run(worker: Worker, job: Pending): void {
    const abort = new SharedArrayBuffer(4);
    const flag = new Int32Array(abort);
    let lastProgress = -Infinity;
    let settled = false;
    let grace: ReturnType<typeof setTimeout> | null = null;
    const kill = (): void => {
      if (settled) return;
      finish(false);
      job.reject(new JobCancelledError());
    };
    const onAbort = (): void => {
      Atomics.store(flag, 0, 1);
      grace = setTimeout(kill, this.cancelGraceMs);
    };
    job.opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.running.add(kill);

    const finish = (reuse: boolean): void => {
      settled = true;
      if (grace !== null) clearTimeout(grace);
      this.running.delete(kill);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      job.opts.signal?.removeEventListener('abort', onAbort);
      this.busy--;
      if (reuse && !this.closed) this.idle.push(worker);
      else void worker.terminate();
      this.pump();
    };
    const onMessage = (m: WorkerMessage): void => {
      switch (m.type) {
        case 'progress': {
          const now = performance.now();
          if (m.done === m.total || now - lastProgress >= this.minProgressMs) {
            lastProgress = now;
            job.opts.onProgress?.({ done: m.done, total: m.total, strategy: m.strategy });
          }
          return;
        }
        case 'done':
          for (const k of m.paths) Object.setPrototypeOf(k.path.fills, FillLog.prototype);
          finish(true);
          job.resolve({ runs: m.runs, paths: m.paths });
          return;
        case 'cancelled':
          finish(true);
          job.reject(new JobCancelledError());
          return;
        case 'failed': {
          finish(true);
          const nf = m.nonFinite;
          job.reject(
            nf
              ? new NonFiniteError(nf.quantity, nf.value, nf.pathIndex, nf.step, nf.t)
              : new Error(m.message),
          );
          return;
        }
      }
    };
    const onError = (e: Error): void => {
      if (settled) return;
      finish(false);
      job.reject(e);
    };
    const onExit = (code: number): void => {
      if (settled) return;
      finish(false);
      job.reject(new Error(`backtest worker exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const req: WorkerRequest = {
      config: job.config,
      keepPaths: job.opts.keepPaths ?? 3,
      abort,
      ...(job.opts.dataDir !== undefined ? { dataDir: job.opts.dataDir } : {}),
    };
    worker.postMessage(req);
  }
}
