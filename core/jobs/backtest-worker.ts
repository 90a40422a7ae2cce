/**
 * Worker-thread entry for one backtest. Receives a validated config, runs it with progress messages
 * (throttled by the parent), keeps the first `keepPaths` paths of every strategy run for charts, and
 * posts the results. Cancellation: the parent sets a flag in a SharedArrayBuffer (a running
 * synchronous backtest cannot receive messages); the simulators poll it every few thousand steps or
 * events inside each path (StopPoller, core/sim/guards.ts), so a cancel is seen within milliseconds
 * whatever the path length. Progress is reported within long paths too (fractional `done`).
 * A NonFiniteError is posted with its fields so the parent can rebuild it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadMarketInputs, runBacktest } from '../backtest/run';
import { backtestConfigSchema } from '../backtest/config';
import { NonFiniteError } from '../sim/guards';
import type { PathResult } from '../sim/path-result';
import type { WorkerRequest, WorkerMessage, KeptPath } from './protocol';

const port = parentPort;
if (!port) throw new Error('backtest-worker must run in a worker thread');

port.on('message', (req: WorkerRequest) => void run(req));

async function run(req: WorkerRequest): Promise<void> {
  const port = parentPort!;
  const flag = new Int32Array(req.abort);
  const stopRequested = (): boolean => Atomics.load(flag, 0) !== 0;
  const kept: KeptPath[] = [];
  const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  // Progress leaves the worker at most every 25 ms (the parent throttles again to its own rate): one
  // message per path would flood the host's event loop on fast backtests.
  let lastProgress = -Infinity;
  try {
    const cfg = backtestConfigSchema.parse(req.config);
    // A replay's dataset is read (asynchronously, DuckDB) before the synchronous run.
    const market = await loadMarketInputs(cfg.scenario, req.dataDir);
    if (stopRequested()) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    const result = runBacktest(cfg, {
      market,
      shouldStop: stopRequested,
      progressWithinPath: true,
      ...(req.runIndices !== undefined ? { runIndices: req.runIndices } : {}),
      onProgress: (p) => {
        const now = performance.now();
        if (p.done === p.total || now - lastProgress >= 25) {
          lastProgress = now;
          post({ type: 'progress', done: p.done, total: p.total, strategy: p.strategy });
        }
      },
      keepPaths: req.keepPaths,
      onPath: (run, path) => {
        kept.push({ resultIndex: run, path });
      },
    });
    post({ type: 'done', runs: result.runs, paths: kept }, transferables(kept.map((k) => k.path)));
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (stopRequested() || err.name === 'AbortError') post({ type: 'cancelled' });
    else if (err instanceof NonFiniteError) {
      const { quantity, value, pathIndex, step, t } = err;
      post({ type: 'failed', message: err.message, nonFinite: { quantity, value, pathIndex, step, t } });
    } else post({ type: 'failed', message: err.message });
  }
}

function transferables(paths: PathResult[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const p of paths) {
    const s = p.series;
    for (const a of [s.t, s.mid, s.bid, s.ask, s.inventory, s.cash, s.pnl]) out.push(a.buffer as ArrayBuffer);
    const f = p.fills;
    for (const a of [f.t, f.side, f.price, f.size, f.fee, f.midAtFill]) out.push(a.buffer as ArrayBuffer);
  }
  return out;
}

void workerData;
