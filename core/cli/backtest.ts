/**
 * `quotebench backtest --config FILE [--json OUT] [--seed N] [--paths N] [--quiet]`
 *
 * The backtest runs in a worker thread (core/jobs/backtest-worker.ts, started before the config is
 * read so its start-up overlaps parsing), which keeps this thread free to answer SIGINT/SIGTERM: the
 * first signal sets the worker's stop flag (polled inside every path), prints "cancelled" and exits
 * 130/143 without writing --json; a second signal, or a worker that has not stopped 3 s later, exits at
 * once. The config's work and memory are checked against its limits before the run (LimitError).
 * Errors are thrown to main.ts, which prints one line and picks the exit code.
 */
import { checkBacktestLimits } from '../backtest/limits';
import { loadConfigFile } from '../config/load-config';
import type { WorkerMessage, WorkerRequest } from '../jobs/protocol';
import { startWorker } from '../jobs/worker-url';
import { backtestConfigSchema } from '../sim/backtest-config';
import type { BacktestResult } from '../sim/backtest';
import { UsageError, intOption, parse } from './args';
import { BACKTEST_OPTIONS } from './commands';
import { ProgressBar } from './progress';
import { handleStopSignals } from './stop-signals';
import { formatTable } from './table';
import { cliWorkerEntry } from './worker-entry';
import { checkWritable, writeJsonAtomic } from './write-json';

const NAME = 'quotebench backtest';

/** A run that failed on its own terms (exit 1): the message is for the user, no stack. */
export class RunFailedError extends Error {
  override name = 'RunFailedError';
}

export async function backtestCommand(args: string[]): Promise<number> {
  const values = parse(args, BACKTEST_OPTIONS);
  if (!values.config) throw new UsageError('--config FILE is required');
  const seed = values.seed !== undefined ? intOption(values, 'seed', BACKTEST_OPTIONS.seed) : undefined;
  const paths = values.paths !== undefined ? intOption(values, 'paths', BACKTEST_OPTIONS.paths) : undefined;

  const worker = startWorker(cliWorkerEntry('backtest-worker'));
  try {
    const cfg = loadConfigFile(values.config, backtestConfigSchema);
    if (seed !== undefined) cfg.seed = seed;
    if (paths !== undefined) cfg.paths = paths;
    checkBacktestLimits(cfg, { keepPaths: 0 }); // LimitError (exit 2) before any work
    if (values.json) checkWritable(values.json);

    const stop = handleStopSignals({ name: NAME, stopping: 'cancelling', graceMs: 3000 });
    const bar = new ProgressBar('backtest', process.stderr, !values.quiet);
    let outcome: { result: BacktestResult } | { cancelled: true };
    try {
      outcome = await runInWorker(worker, cfg, stop.signal, (done, total, strategy) =>
        bar.update(done, total, strategy),
      );
    } finally {
      bar.done();
      stop.dispose();
    }
    const code = stop.exitCode();
    if ('cancelled' in outcome || code !== undefined) {
      process.stderr.write(`${NAME}: cancelled\n`);
      return code ?? 130;
    }
    const { result } = outcome;

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
        })),
      });
      process.stderr.write(`wrote ${values.json}\n`);
    }
    return 0;
  } finally {
    void worker.terminate();
  }
}

/** Run one validated config in the worker; resolves with the result or `cancelled` once it stopped. */
function runInWorker(
  worker: ReturnType<typeof startWorker>,
  config: unknown,
  signal: AbortSignal,
  onProgress: (done: number, total: number, strategy: string) => void,
): Promise<{ result: BacktestResult } | { cancelled: true }> {
  const abort = new SharedArrayBuffer(4);
  const flag = new Int32Array(abort);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      Atomics.store(flag, 0, 1);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      signal.removeEventListener('abort', onAbort);
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
          resolve({ result: { runs: m.runs } });
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
    const req: WorkerRequest = { config, keepPaths: 0, abort };
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
    'sharpe',
    'max dd',
    'ES99',
    'fill rate',
    'rs bps',
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
    r.metrics.sharpe,
    r.metrics.maxDrawdown,
    r.metrics.es99,
    r.metrics.fillRate,
    r.metrics.realizedSpreadBps,
  ]);
  return formatTable(headers, rows);
}
