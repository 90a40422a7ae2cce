/**
 * A backtest worker that never polls its cancel flag, for the JobRunner's safety-net test: for the
 * config `'spin'` it spins forever on the thread (as code stuck in a non-polling loop would); for any
 * other config it answers `done` with no runs at once. Speaks the real protocol (./protocol.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerMessage, WorkerRequest } from './protocol';

const port = parentPort;
if (!port) throw new Error('stuck-worker.fixture must run in a worker thread');

port.on('message', (req: WorkerRequest) => {
  if (req.config === 'spin') {
    port.postMessage({ type: 'progress', done: 0, total: 1, strategy: 'spin' } satisfies WorkerMessage);
    // Busy-wait without ever reading the flag or yielding to the event loop.
    let x = 0;
    for (;;) x = (x + 1) % 1_000_003;
  }
  port.postMessage({ type: 'done', runs: [], paths: [] } satisfies WorkerMessage);
});
