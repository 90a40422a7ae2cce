/**
 * `quotebench worker --redis URL [--queue NAME] [--concurrency N] [--lock-ms MS] [--data-dir DIR] [--quiet]`
 *
 * Computes sweep cells from a BullMQ queue (core/sweep/distributed.ts) until stopped: start any number
 * on any machine that can reach the Redis and has the coordinator's version of Quotebench (a cell from
 * another version is refused with a clear error, which the coordinator reports). Each cell runs in a
 * worker thread. The first SIGINT/SIGTERM stops taking cells and lets the running ones finish; a second
 * exits at once (the abandoned cells are taken by another worker after --lock-ms).
 * Replays read their datasets from this machine's data directory.
 */
import { UsageError, cliDataDir, intOption, parse } from './args';
import { WORKER_OPTIONS } from './commands';
import { handleStopSignals } from './stop-signals';
import { cliWorkerEntry } from './worker-entry';

const NAME = 'quotebench worker';

export async function workerCommand(args: string[]): Promise<number> {
  const values = parse(args, WORKER_OPTIONS);
  if (!values.redis) throw new UsageError('--redis URL is required');
  const concurrency = intOption(values, 'concurrency', WORKER_OPTIONS.concurrency);
  const lockMs = intOption(values, 'lock-ms', WORKER_OPTIONS['lock-ms']);
  const dataDir = cliDataDir(values['data-dir']);
  const log = values.quiet
    ? (): void => {}
    : (line: string): void => void process.stderr.write(`${NAME}: ${line}\n`);
  const { startSweepWorker } = await import('../sweep/distributed');
  const stop = handleStopSignals({
    name: NAME,
    stopping: 'finishing the running cells',
    abandoning: '(another worker will take the running cells)',
  });
  const w = startSweepWorker({
    redisUrl: values.redis,
    ...(values.queue !== undefined ? { queue: values.queue } : {}),
    concurrency,
    lockMs,
    dataDir,
    workerEntry: cliWorkerEntry('cell-worker'),
    log,
  });
  try {
    await w.ready;
    await new Promise<void>((resolve) =>
      stop.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await w.close();
    log('stopped');
    return stop.exitCode() ?? 0;
  } finally {
    stop.dispose();
  }
}
