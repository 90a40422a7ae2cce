/**
 * Worker-thread entry for sweep cells, driven by core/jobs/job-runner.ts (JobRunner with this file as
 * its `workerEntry`) and speaking its protocol (core/jobs/protocol.ts): the request's `config` is a
 * CellConfig (cells.ts), the answer one RunSummary. Cancellation through the shared flag, polled inside
 * every path, as in backtest-worker.ts. Loaded policies are kept per thread (checkpoint + pick → policy),
 * so a sweep over seeds loads each agent once per worker.
 */
import { parentPort } from 'node:worker_threads';
import { NonFiniteError } from '../sim/guards';
import type { Quoter } from '../strategy/quoter';
import type { WorkerMessage, WorkerRequest } from '../jobs/protocol';
import type { CellConfig } from './cells';
import { runCell } from './run-cell';

const port = parentPort;
if (!port) throw new Error('cell-worker must run in a worker thread');

interface Loaded {
  quoter(name?: string): Quoter;
}
const policies = new Map<string, Promise<Loaded>>();

async function policyQuoter(
  checkpoint: string,
  pick: 'latest' | 'best',
  name: string | undefined,
): Promise<Quoter> {
  const id = `${pick}:${checkpoint}`;
  let p = policies.get(id);
  if (!p) {
    // TensorFlow.js only for sweeps with agents.
    p = import('../rl/train/load-policy').then((m) => m.loadPolicy(checkpoint, { pick }));
    policies.set(id, p);
    p.catch(() => policies.delete(id));
  }
  return (await p).quoter(name);
}

port.on('message', (req: WorkerRequest) => void run(req));

async function run(req: WorkerRequest): Promise<void> {
  const flag = new Int32Array(req.abort);
  const stopRequested = (): boolean => Atomics.load(flag, 0) !== 0;
  const post = (m: WorkerMessage): void => port!.postMessage(m);
  let last = -Infinity;
  try {
    const summary = await runCell(req.config as CellConfig, {
      dataDir: req.dataDir,
      shouldStop: stopRequested,
      policyQuoter,
      onProgress: (done, total, strategy) => {
        const now = performance.now();
        if (done === total || now - last >= 25) {
          last = now;
          post({ type: 'progress', done, total, strategy });
        }
      },
    });
    post({ type: 'done', runs: [summary], paths: [] });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (stopRequested() || err.name === 'AbortError') post({ type: 'cancelled' });
    else if (err instanceof NonFiniteError) {
      const { quantity, value, pathIndex, step, t } = err;
      post({ type: 'failed', message: err.message, nonFinite: { quantity, value, pathIndex, step, t } });
    } else post({ type: 'failed', message: err.message });
  }
}
