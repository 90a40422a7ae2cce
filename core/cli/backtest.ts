/**
 * `quotebench backtest --config FILE [--json OUT] [--seed N] [--paths N] [--quiet]`
 *
 * The backtest runs in worker threads (core/jobs/backtest-worker.ts; the first is started before the
 * config is read so its start-up overlaps parsing): the runs of the grid are dealt round-robin to up to
 * one worker per core (at most MAX_WORKERS, never more than there are runs), one worker per
 * STEPS_PER_WORKER simulated steps — a worker costs ~0.2 s of start-up and JIT warm-up, which a small
 * job would not win back. Runs are independent, so the results are
 * the same bit for bit whatever the number of workers; the table lists them in grid order. The workers
 * keep this thread free to answer SIGINT/SIGTERM: the first signal sets their shared stop flag (polled
 * inside every path), prints "cancelled" and exits 130/143 without writing --json; a second signal, or a
 * worker that has not stopped 3 s later, exits at once. The config's work and memory are checked against its limits before the run (LimitError).
 * Errors are thrown to main.ts, which prints one line and picks the exit code.
 *
 * Tracking (issue 13 §5): every backtest is recorded as a run in the data directory's store, as the
 * app records its own: created once the config is valid (config, seed, paths, code version, a
 * replay's dataset hash), ended completed with one result row per strategy run (no paths: the CLI
 * keeps none), cancelled, or failed with the reason. A store that cannot be opened or written costs a
 * warning, never the backtest.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { checkBacktestLimits, estimateBacktestWork } from '../backtest/limits';
import { loadConfigFile } from '../config/load-config';
import type { WorkerMessage, WorkerRequest } from '../jobs/protocol';
import { startWorker } from '../threads/worker-url';
import { backtestConfigSchema } from '../backtest/config';
import type { BacktestResult, RunSummary } from '../backtest/run';
import { UsageError, UserError, cliDataDir, intOption, parse } from './args';
import { readDataset } from '../data/catalog';
import type { Store } from '../store/db';
import { startInStore } from './run-record';
import { createBacktestRun } from '../services/run-tracking';
import { BACKTEST_OPTIONS } from './commands';
import { ProgressBar } from './progress';
import { handleStopSignals } from './stop-signals';
import { formatNumber, formatTable } from '../text/table';
import { cliWorkerEntry } from './worker-entry';
import { checkWritable, writeJsonAtomic } from './write-json';

const NAME = 'quotebench backtest';
/** Upper bound on worker threads (each loads the simulator's code, ~30 MB). */
const MAX_WORKERS = 8;
/** Simulated steps (or book events) that justify one more worker (~0.5–1 s of warm work). */
const STEPS_PER_WORKER = 2e6;

/**
 * Worker threads for a backtest of `runs` runs and `totalSteps` steps: one per STEPS_PER_WORKER steps,
 * at most one per core, per run and MAX_WORKERS. QUOTEBENCH_WORKERS=N forces N (still at most the runs).
 */
export function backtestWorkerCount(
  runs: number,
  totalSteps: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const forced = Number(env.QUOTEBENCH_WORKERS);
  const want =
    Number.isInteger(forced) && forced >= 1
      ? forced
      : Math.min(os.availableParallelism(), Math.ceil(totalSteps / STEPS_PER_WORKER));
  return Math.max(1, Math.min(want, runs, MAX_WORKERS));
}

/** A run that failed on its own terms (exit 1): the message is for the user, no stack. */
export class RunFailedError extends Error {
  override name = 'RunFailedError';
}

export async function backtestCommand(args: string[]): Promise<number> {
  const values = parse(args, BACKTEST_OPTIONS);
  if (!values.config) throw new UsageError('--config FILE is required');
  const seed = values.seed !== undefined ? intOption(values, 'seed', BACKTEST_OPTIONS.seed) : undefined;
  const paths = values.paths !== undefined ? intOption(values, 'paths', BACKTEST_OPTIONS.paths) : undefined;

  const entry = cliWorkerEntry('backtest-worker');
  const workers: Worker[] = [startWorker(entry)];
  try {
    const cfg = loadConfigFile(values.config, backtestConfigSchema);
    if (seed !== undefined) cfg.seed = seed;
    if (paths !== undefined) cfg.paths = paths;
    checkBacktestLimits(cfg, { keepPaths: 0 }); // LimitError (exit 2) before any work
    // A replay reads its dataset from the catalog: a missing one is the user's to fix (exit 2).
    const storeDir = cliDataDir(values['data-dir']);
    const dataDir = cfg.scenario.mode === 'replay' ? storeDir : undefined;
    if (cfg.scenario.mode === 'replay') {
      try {
        readDataset(dataDir!, cfg.scenario.dataset);
      } catch (e) {
        throw new UserError(`${values.config}: scenario.dataset: ${(e as Error).message}`);
      }
    }
    const work = estimateBacktestWork(cfg);
    const wanted = backtestWorkerCount(work.runs, work.totalSteps);
    while (workers.length < wanted) workers.push(startWorker(entry));
    if (values.json) checkWritable(values.json);

    const record = startRecord(storeDir, cfg);
    const stop = handleStopSignals({ name: NAME, stopping: 'cancelling', graceMs: 3000 });
    const bar = new ProgressBar('backtest', process.stderr, !values.quiet);
    let outcome: { result: BacktestResult } | { cancelled: true };
    try {
      outcome = await runInWorkers(workers, cfg, work.runs, stop.signal, dataDir, (done, total, strategy) =>
        bar.update(done, total, strategy),
      );
    } catch (e) {
      record?.end((store, id) => store.runs.finish(id, 'failed', e instanceof Error ? e.message : String(e)));
      throw e;
    } finally {
      bar.done();
      stop.dispose();
    }
    const code = stop.exitCode();
    if ('cancelled' in outcome || code !== undefined) {
      record?.end((store, id) => store.runs.finish(id, 'cancelled'));
      process.stderr.write(`${NAME}: cancelled\n`);
      return code ?? 130;
    }
    const { result } = outcome;
    record?.end((store, id) => {
      store.runs.writeCompleted(
        id,
        result.runs.map((r, index) => ({ index, ...r })),
        [],
      );
      process.stderr.write(`recorded as run ${id} in ${store.dataDir}\n`);
    });

    process.stdout.write(
      `${cfg.name}: ${cfg.paths} paths, seed ${cfg.seed}, scenario ${cfg.scenario.name}\n\n`,
    );
    process.stdout.write(resultsTable(result));
    if (values.json) {
      writeJsonAtomic(values.json, {
        runs: result.runs.map((r) => ({
          strategy: r.strategy,
          params: r.params,
          scenario: r.scenario,
          paths: r.paths,
          metrics: r.metrics,
          annualization: r.annualization,
        })),
      });
      process.stderr.write(`wrote ${values.json}\n`);
    }
    return 0;
  } finally {
    for (const w of workers) void w.terminate();
  }
}

interface BacktestRecord {
  /** Write the run's end (once) and close the store; a store error is a warning. */
  end(write: (store: Store, runId: string) => void): void;
}

/** The run of this backtest in the store, or undefined (with a warning) when it cannot be created. */
function startRecord(
  dataDir: string,
  cfg: { name: string; seed: number; paths: number },
): BacktestRecord | undefined {
  return startInStore(
    () => dataDir,
    (opened): BacktestRecord => {
      const run = createBacktestRun(opened, cfg);
      let ended = false;
      return {
        end(write) {
          if (ended) return;
          ended = true;
          try {
            write(opened, run.id);
          } catch (e) {
            process.stderr.write(`${NAME}: warning: run ${run.id} not recorded: ${(e as Error).message}\n`);
          } finally {
            opened.close();
          }
        },
      };
    },
    (e) => process.stderr.write(`${NAME}: warning: not recorded in ${dataDir}: ${e.message}\n`),
  );
}

/**
 * Deal the runs round-robin over the workers (worker k gets runs k, k+n, …), run them, and put the
 * summaries back in grid order. Progress is summed over the workers. Resolves with `cancelled` once
 * every worker stopped after the signal; rejects on the first failure.
 */
async function runInWorkers(
  workers: Worker[],
  config: unknown,
  runCount: number,
  signal: AbortSignal,
  dataDir: string | undefined,
  onProgress: (done: number, total: number, strategy: string) => void,
): Promise<{ result: BacktestResult } | { cancelled: true }> {
  const abort = new SharedArrayBuffer(4);
  const flag = new Int32Array(abort);
  const onAbort = (): void => {
    Atomics.store(flag, 0, 1);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const n = workers.length;
  const slices = workers.map((_, k) =>
    Array.from({ length: runCount }, (_, i) => i).filter((i) => i % n === k),
  );
  const done = new Float64Array(n);
  const total = new Float64Array(n);
  try {
    const outcomes = await Promise.all(
      workers.map((w, k) =>
        runInWorker(w, config, abort, slices[k] ?? [], dataDir, (d, t, strategy) => {
          done[k] = d;
          total[k] = t;
          onProgress(sum(done), sum(total), strategy);
        }),
      ),
    );
    const runs: RunSummary[] = new Array<RunSummary>(runCount);
    for (let k = 0; k < n; k++) {
      const o = outcomes[k];
      if (o === undefined || 'cancelled' in o) return { cancelled: true };
      (slices[k] ?? []).forEach((runIndex, j) => {
        const r = o.runs[j];
        if (r) runs[runIndex] = r;
      });
    }
    return { result: { runs } };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x;
  return s;
}

/** Run some runs of one validated config in a worker; resolves with their summaries or `cancelled`. */
function runInWorker(
  worker: Worker,
  config: unknown,
  abort: SharedArrayBuffer,
  runIndices: number[],
  dataDir: string | undefined,
  onProgress: (done: number, total: number, strategy: string) => void,
): Promise<{ runs: RunSummary[] } | { cancelled: true }> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      worker.removeAllListeners('message');
      worker.removeAllListeners('error');
      worker.removeAllListeners('exit');
    };
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'progress':
          onProgress(m.done, m.total, m.strategy);
          return;
        case 'done':
          settle();
          resolve({ runs: m.runs });
          return;
        case 'cancelled':
          settle();
          resolve({ cancelled: true });
          return;
        case 'failed':
          settle();
          reject(new RunFailedError(m.message));
          return;
      }
    });
    worker.on('error', (e: Error) => {
      settle();
      reject(e);
    });
    worker.on('exit', (code: number) => {
      settle();
      reject(new Error(`the backtest worker exited with code ${code}`));
    });
    const req: WorkerRequest = {
      config,
      keepPaths: 0,
      abort,
      runIndices,
      ...(dataDir !== undefined ? { dataDir } : {}),
    };
    worker.postMessage(req);
  });
}

export function resultsTable(result: BacktestResult): string {
  const headers = [
    'strategy',
    'params',
    'spread',
    'pnl mean',
    'pnl std',
    'q_T mean',
    'q_T std',
    'sharpe sess',
    'sharpe ann',
    'max dd mean',
    'max dd worst',
    'ES99 bar',
    'fill rate',
    'eff bps',
    'real bps',
  ];
  const rows = result.runs.map((r) => [
    r.strategy,
    Object.entries(r.params)
      .filter(
        ([k]) => k === 'gamma' || k === 'halfSpread' || k === 'skewPerLot' || k === 'method' || k === 'Q',
      )
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' '),
    r.metrics.avgSpread,
    r.metrics.pnlMean,
    r.metrics.pnlStd,
    r.metrics.finalInventoryMean,
    r.metrics.finalInventoryStd,
    r.metrics.sessionSharpe,
    r.metrics.sharpe,
    r.metrics.maxDrawdown,
    r.metrics.maxDrawdownWorst,
    r.metrics.es99,
    r.metrics.fillRate,
    r.metrics.effectiveSpreadBps,
    r.metrics.realizedSpreadBps,
  ]);
  const basis = result.runs[0]?.annualization;
  const note =
    basis === undefined
      ? ''
      : `sharpe ann = sharpe sess × √(${formatNumber(basis.sessionsPerYear)} sessions/year): ${basis.basis}\n` +
        'max dd mean / worst: mean over paths / worst path; ES99 bar: of per-bar PnL changes; ' +
        'eff / real bps: edge vs the mid at the fill / markoutHorizon later\n';
  return formatTable(headers, rows) + note;
}
