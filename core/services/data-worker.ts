/**
 * Worker-thread entry for the data service's jobs (data-service.ts): a catalog import
 * (core/data/*-import.ts) or a calibration fit (calibration-fit.ts). Both are long and mostly
 * synchronous (parsing, the LOBSTER book replay, maximum-likelihood fits), so they never run on the
 * host's event loop. The host cancels with a `cancel` message: the job's AbortSignal stops an import
 * at its next chunk boundary (buildDataset's spill, core/data/catalog.ts) and a fit at its next stage or
 * pilot path; the job then answers `failed` and the worker is idle again. Terminating the thread is the
 * host's last resort only: a thread terminated while DuckDB is writing Parquet aborts the whole process.
 * The host sends the next job only after this one answered, so one worker serves the jobs in turn.
 */
import { parentPort } from 'node:worker_threads';
import { importBinanceRaw } from '../data/binance-import';
import { importLobster } from '../data/lobster-import';
import { importTardis } from '../data/tardis-import';
import { FIT_STAGES, fitDataset } from './calibration-fit';
import type { DataWorkerMessage, DataWorkerRequest } from './data-protocol';

const port = parentPort;
if (!port) throw new Error('data-worker must run in a worker thread');

const post = (m: DataWorkerMessage): void => port.postMessage(m);

let current: AbortController | null = null;

async function run(req: Exclude<DataWorkerRequest, { kind: 'cancel' }>, signal: AbortSignal): Promise<void> {
  if (req.kind === 'calibration') {
    const result = await fitDataset(
      req.dataDir,
      req.dataset,
      (phase, i) => post({ type: 'progress', phase, done: i, total: FIT_STAGES.length }),
      signal,
    );
    post({ type: 'fitted', result });
    return;
  }
  const name = req.name !== undefined ? { name: req.name } : {};
  post({ type: 'progress', phase: 'reading', done: 0, total: 0 });
  let lastPost = -Infinity;
  const throttled = (done: number, total: number): void => {
    const now = performance.now();
    if (done !== total && now - lastPost < 100) return;
    lastPost = now;
    post({ type: 'progress', phase: 'reading', done, total });
  };
  let out;
  if (req.format === 'lobster') {
    const [messagePath, orderbookPath] = req.files;
    if (messagePath === undefined || orderbookPath === undefined) throw new Error('lobster needs two files');
    out = await importLobster({
      dataDir: req.dataDir,
      messagePath,
      orderbookPath,
      ...name,
      onProgress: throttled,
      signal,
    });
  } else if (req.format === 'tardis') {
    out = await importTardis({ dataDir: req.dataDir, files: req.files, ...name, signal });
  } else {
    out = await importBinanceRaw({
      dataDir: req.dataDir,
      files: req.files,
      format: req.format === 'binance-csv' ? 'csv' : 'raw',
      ...name,
      onProgress: (lines) => throttled(lines, 0),
      signal,
    });
  }
  post({ type: 'imported', dataset: out.info.id, existed: out.existed });
}

port.on('message', (req: DataWorkerRequest) => {
  if (req.kind === 'cancel') {
    current?.abort();
    return;
  }
  const ctl = new AbortController();
  current = ctl;
  run(req, ctl.signal)
    .catch((e: unknown) =>
      post({
        type: 'failed',
        message: ctl.signal.aborted ? 'cancelled' : e instanceof Error ? e.message : String(e),
      }),
    )
    .finally(() => {
      if (current === ctl) current = null;
    });
});
