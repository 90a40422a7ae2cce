/**
 * How to start a worker for an entry module that sits next to the caller: from TypeScript sources
 * (tsx, vitest) through the bootstrap that registers tsx in the thread, or directly when the code was
 * bundled to JavaScript (the Electron build passes the bundled entry's path explicitly).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (entry.pathname.endsWith('.ts')) {
    const bootstrap = new URL('./ts-worker-bootstrap.mjs', import.meta.url);
    const workerData = {
      ...(options.workerData as Record<string, unknown> | undefined),
      __entry: entry.href,
    };
    return new Worker(bootstrap, { ...options, workerData });
  }
  return new Worker(entry, options);
}
