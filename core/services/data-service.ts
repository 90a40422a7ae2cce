/**
 * Market data and calibration for the app (the Data and Calibration views): the catalog
 * (core/data/catalog.ts) listed and charted, imports and calibration fits run as jobs in a worker
 * thread (data-worker.ts), fits kept per dataset, and a fit saved as a backtest scenario.
 *
 * - Jobs run one at a time, in order (an import writes a large DuckDB table in memory; two at once on a
 *   small machine would only compete), in one worker reused while jobs end normally. `cancel` asks the
 *   worker to stop the job (an import stops at its next chunk boundary, a fit at its next stage or pilot
 *   path, within about a second); the worker answers and stays in use. Only a worker that does not
 *   answer within CANCEL_GRACE_MS is terminated — a last resort, since a thread terminated while DuckDB
 *   writes Parquet aborts the whole process. Then the temporary directory an import of this process may
 *   have left is removed (`datasets/.import-<pid>-*`: only one of ours runs at a time).
 * - Sources: in Electron (`hostPaths`), paths on the host the user chose in the native dialog
 *   (`data.pickFiles`): only those, once each, so even a compromised renderer can make the app read
 *   no other file; over the WebSocket only upload references (uploads.ts), so a browser client can
 *   read no file of the host it did not upload itself. Uploads are removed when their import ends.
 * - Fits are stored as `<data dir>/calibrations/<dataset id>.json`. A fit carries the book-mode config
 *   `quotebench calibrate` writes (core/calibration/calibrate.ts); "save as scenario" writes it under
 *   the user's name as `<data dir>/scenarios/<name>.yaml` (after the backtest parser accepts it),
 *   listed by `scenarios.presets` next to the shipped presets as `user/<name>`.
 * - The price/spread series of `data.get` is one DuckDB aggregation over top.parquet (DuckDB runs its
 *   scan on its own threads; the event loop only receives ≤ 2000 rows).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { parseDocument } from 'yaml';
import {
  ApiException,
  type BookStats,
  type CalibrationResult,
  type DataImportFormat,
  type DataJobInfo,
  type DatasetDetail,
  type DatasetInfo,
  type DatasetSeries,
  type EventPayload,
  type ScenarioPreset,
} from '../api/contract';
import type { EventBus } from '../api/registry';
import type { BookStats as CoreBookStats } from '../calibration/book-stats';
import { ConfigError } from '../config/load-config';
import { parseConfigTextAsync } from '../config-worker/parse-async';
import {
  CatalogError,
  datasetFile,
  datasetsDir,
  listDatasets,
  openDuck,
  readDataset,
  type DatasetInfo as CoreDatasetInfo,
} from '../data/catalog';
import { startWorker } from '../threads/worker-url';
import type { DataWorkerMessage, DataWorkerRequest } from './data-protocol';
import { loadPresets } from './presets';
import { UploadStore } from './uploads';

// The contract restates these two shapes for the renderer; they must stay the catalog's own.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _datasetInfoSame: Same<DatasetInfo, CoreDatasetInfo> = true;
const _bookStatsSame: Same<BookStats, CoreBookStats> = true;
void _datasetInfoSame;
void _bookStatsSame;

export interface DataServiceOptions {
  dataDir: string;
  bus: EventBus;
  /** Whether `data.import` accepts paths on the host (Electron) or only upload references (web). */
  hostPaths: boolean;
  /** The native file dialog (Electron's main process); absent: `data.pickFiles` is unavailable. */
  pickFiles?: (format: DataImportFormat) => Promise<string[]>;
  /** The worker entry (default: data-worker.ts beside this file, via tsx). */
  workerEntry?: URL;
}

interface Job {
  info: DataJobInfo;
  request: DataWorkerRequest;
  /** Upload references to remove when the job ends. */
  uploads: string[];
  worker: Worker | null;
  cancelled: boolean;
  /** Its data.done was sent (the worker may still be shutting down). */
  finished: boolean;
  lastProgressMs: number;
}

const MAX_QUEUED = 16;
/** How long a cancelled job's worker may take to answer before it is terminated (last resort). */
const CANCEL_GRACE_MS = 10_000;

export class DataService {
  readonly uploads: UploadStore;
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  private readonly entry: URL;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  /** Host paths the user chose in the native dialog, not yet imported (each grant is used once). */
  private readonly granted = new Set<string>();
  /** The worker of the last job that ended normally, kept for the next job. */
  private idleWorker: Worker | null = null;

  constructor(private readonly opts: DataServiceOptions) {
    this.uploads = new UploadStore(opts.dataDir);
    this.entry = opts.workerEntry ?? new URL('./data-worker.ts', import.meta.url);
  }

  get calibrationsDir(): string {
    return path.join(this.opts.dataDir, 'calibrations');
  }

  get scenariosDir(): string {
    return path.join(this.opts.dataDir, 'scenarios');
  }

  list(): DatasetInfo[] {
    return listDatasets(this.opts.dataDir);
  }

  async get(id: string, maxPoints: number): Promise<DatasetDetail> {
    const info = this.dataset(id, 'id');
    return { info, series: await topSeries(this.opts.dataDir, info, maxPoints) };
  }

  async pickFiles(format: DataImportFormat): Promise<{ paths: string[] }> {
    if (!this.opts.pickFiles)
      throw new ApiException(
        'unavailable',
        'no native file dialog in the web shell: upload the files instead',
        'format',
      );
    const paths = await this.opts.pickFiles(format);
    for (const p of paths) this.granted.add(path.resolve(p));
    return { paths };
  }

  /** Queue an import of `paths` (host paths or upload references, see the header). */
  import(format: DataImportFormat, paths: string[], name: string | undefined): { jobId: string } {
    try {
      return this.queueImport(format, paths, name);
    } catch (e) {
      // A refused import does not keep its uploads (the client uploads again to retry).
      this.uploads.release(paths.filter((p) => UploadStore.isRef(p)));
      throw e;
    }
  }

  private queueImport(
    format: DataImportFormat,
    paths: string[],
    name: string | undefined,
  ): { jobId: string } {
    const files = paths.map((p, i) => this.sourceFile(p, `paths.${i}`));
    let ordered = files;
    if (format === 'lobster') {
      if (files.length !== 2)
        throw new ApiException(
          'invalid_input',
          `lobster needs exactly two files (message and orderbook), got ${files.length}`,
          'paths',
        );
      const kind = (f: string): string | null => {
        const b = path.basename(f).toLowerCase();
        return b.includes('message') ? 'message' : b.includes('orderbook') ? 'orderbook' : null;
      };
      const m = files.findIndex((f) => kind(f) === 'message');
      const o = files.findIndex((f) => kind(f) === 'orderbook');
      if (m < 0 || o < 0 || m === o)
        throw new ApiException(
          'invalid_input',
          'lobster files are told apart by their names: one must contain "message", the other "orderbook"',
          'paths',
        );
      ordered = [files[m]!, files[o]!];
    }
    const label = ordered.map((f) => path.basename(f)).join(', ');
    return this.enqueue(
      'import',
      label,
      null,
      {
        kind: 'import',
        dataDir: this.opts.dataDir,
        format,
        files: ordered,
        ...(name !== undefined ? { name } : {}),
      },
      paths.filter((p) => UploadStore.isRef(p)),
    );
  }

  fit(dataset: string): { jobId: string } {
    const info = this.dataset(dataset, 'dataset');
    return this.enqueue('calibration', info.name, info.id, {
      kind: 'calibration',
      dataDir: this.opts.dataDir,
      dataset: info.id,
    });
  }

  jobs(): DataJobInfo[] {
    const running = this.current && !this.current.finished ? [this.current] : [];
    return [...running, ...this.queue].map((j) => ({ ...j.info }));
  }

  /** Cancel a queued or running data job; false when there is no such job. */
  /** Worker threads started so far (a cancelled job's worker is kept, not replaced). */
  workersStarted = 0;

  cancel(jobId: string): boolean {
    if (this.current?.info.jobId === jobId && !this.current.finished) {
      const job = this.current;
      if (job.cancelled) return true;
      job.cancelled = true;
      const w = job.worker;
      if (w) {
        w.postMessage({ kind: 'cancel' } satisfies DataWorkerRequest);
        const timer = setTimeout(() => {
          if (!job.finished) void w.terminate();
        }, CANCEL_GRACE_MS);
        timer.unref();
      }
      return true;
    }
    const i = this.queue.findIndex((j) => j.info.jobId === jobId);
    if (i < 0) return false;
    const [job] = this.queue.splice(i, 1);
    if (job) this.finish(job, 'cancelled', null, null, false);
    return true;
  }

  calibration(dataset: string): CalibrationResult {
    const info = this.dataset(dataset, 'dataset');
    const file = path.join(this.calibrationsDir, `${info.id}.json`);
    if (!existsSync(file))
      throw new ApiException('not_found', `dataset ${info.id} has not been calibrated yet`, 'dataset');
    return JSON.parse(readFileSync(file, 'utf8')) as CalibrationResult;
  }

  /** Write the dataset's fit as a backtest scenario; it is listed by `scenarios.presets` from now on. */
  async saveScenario(dataset: string, name: string): Promise<{ preset: ScenarioPreset; file: string }> {
    const fit = this.calibration(dataset);
    const file = path.join(this.scenariosDir, `${name}.yaml`);
    if (existsSync(file))
      throw new ApiException(
        'conflict',
        `a scenario named ${name} exists already: choose another name`,
        'name',
      );
    if (!fit.scenario)
      throw new ApiException(
        'invalid_input',
        `this fit has no scenario: ${fit.errors.scenario ?? 'fit the dataset again'}`,
        'dataset',
      );
    const yaml = renamedConfig(fit.scenario.yaml, name);
    try {
      await parseConfigTextAsync(yaml, `${name}.yaml`, 'backtest');
    } catch (e) {
      if (e instanceof ConfigError)
        throw new ApiException(
          'internal',
          `the calibrated scenario does not validate: ${e.message}`,
          'dataset',
        );
      throw e;
    }
    mkdirSync(this.scenariosDir, { recursive: true, mode: 0o700 });
    writeAtomic(file, yaml);
    const preset = this.userPresets().find((p) => p.id === userPresetId(name));
    if (!preset) throw new ApiException('internal', `scenario ${name} was written but cannot be read back`);
    return { preset, file };
  }

  /** Scenarios saved from calibrations (ids `user/<name>`). */
  userPresets(): ScenarioPreset[] {
    if (!existsSync(this.scenariosDir)) return [];
    return loadPresets(this.scenariosDir).map((p) => ({ ...p, id: userPresetId(p.id) }));
  }

  /** Cancel everything and wait for the running job's worker to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.finish(job, 'cancelled', null, null, false);
    if (this.current) this.cancel(this.current.info.jobId);
    await this.idle;
    const w = this.idleWorker;
    this.idleWorker = null;
    if (w) await w.terminate();
  }

  // ------------------------------------------------------------------------------------------------

  private dataset(idOrName: string, field: string): CoreDatasetInfo {
    try {
      return readDataset(this.opts.dataDir, idOrName);
    } catch (e) {
      if (e instanceof CatalogError) throw new ApiException('not_found', e.message, field);
      throw e;
    }
  }

  private sourceFile(p: string, field: string): string {
    if (UploadStore.isRef(p)) {
      try {
        return this.uploads.resolve(p);
      } catch (e) {
        throw new ApiException('invalid_input', (e as Error).message, field);
      }
    }
    if (!this.opts.hostPaths)
      throw new ApiException(
        'invalid_input',
        'the web shell imports uploaded files only (upload: references from POST /upload)',
        field,
      );
    if (!path.isAbsolute(p)) throw new ApiException('invalid_input', 'give an absolute path', field);
    if (!this.granted.delete(path.resolve(p)))
      throw new ApiException(
        'invalid_input',
        'choose the file in the file dialog (data.pickFiles) first',
        field,
      );
    if (!existsSync(p)) throw new ApiException('not_found', `no such file: ${p}`, field);
    return p;
  }

  private enqueue(
    kind: DataJobInfo['kind'],
    label: string,
    dataset: string | null,
    request: DataWorkerRequest,
    uploads: string[] = [],
  ): { jobId: string } {
    if (this.closed) throw new ApiException('unavailable', 'the app is shutting down');
    if (this.queue.length >= MAX_QUEUED)
      throw new ApiException('limit_exceeded', `${MAX_QUEUED} data jobs are waiting already`);
    const jobId = randomUUID();
    const info: DataJobInfo = {
      jobId,
      kind,
      label,
      dataset,
      phase: 'queued',
      done: 0,
      total: 0,
      startedAt: new Date().toISOString(),
    };
    this.queue.push({
      info,
      request,
      uploads,
      worker: null,
      cancelled: false,
      finished: false,
      lastProgressMs: -Infinity,
    });
    this.pump();
    return { jobId };
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.current = job;
    this.idle = this.runJob(job).finally(() => {
      this.current = null;
      this.pump();
    });
  }

  private runJob(job: Job): Promise<void> {
    return new Promise<void>((resolve) => {
      // A worker that finished its last job is reused: starting one (and, from sources, transpiling its
      // modules) takes seconds on a busy machine.
      if (!this.idleWorker) this.workersStarted++;
      const worker = this.idleWorker ?? startWorker(this.entry);
      this.idleWorker = null;
      job.worker = worker;
      let settled = false;
      /** Reports the job's end; `reusable`: the worker answered (done or failed) and is idle again. */
      const end = (
        status: EventPayload<'data.done'>['status'],
        error: string | null,
        dataset: string | null,
        existed: boolean,
        reusable = false,
      ): void => {
        if (settled) return;
        settled = true;
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (status !== 'completed' && job.request.kind === 'import') this.removeOwnImportDirs();
        this.finish(job, status, error, dataset, existed);
        if (reusable && !this.closed) {
          this.idleWorker = worker;
          resolve();
        } else void worker.terminate().finally(resolve);
      };
      const onMessage = (m: DataWorkerMessage): void => {
        switch (m.type) {
          case 'progress':
            job.info.phase = m.phase;
            job.info.done = m.done;
            job.info.total = m.total;
            this.progress(job);
            return;
          case 'imported':
            job.info.dataset = m.dataset;
            end('completed', null, m.dataset, m.existed, true);
            return;
          case 'fitted':
            try {
              mkdirSync(this.calibrationsDir, { recursive: true, mode: 0o700 });
              writeAtomic(
                path.join(this.calibrationsDir, `${m.result.dataset}.json`),
                JSON.stringify(m.result),
              );
              end('completed', null, m.result.dataset, false, true);
            } catch (e) {
              end('failed', `could not save the fit: ${(e as Error).message}`, job.info.dataset, false, true);
            }
            return;
          case 'failed':
            if (job.cancelled) end('cancelled', null, job.info.dataset, false, true);
            else end('failed', m.message, job.info.dataset, false, true);
            return;
        }
      };
      const onError = (e: Error): void =>
        end(
          job.cancelled ? 'cancelled' : 'failed',
          job.cancelled ? null : e.message,
          job.info.dataset,
          false,
        );
      const onExit = (code: number): void =>
        end(
          job.cancelled ? 'cancelled' : 'failed',
          job.cancelled ? null : `the data worker exited with code ${code}`,
          job.info.dataset,
          false,
        );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      if (job.cancelled) {
        void worker.terminate();
        return;
      }
      job.info.phase = 'starting';
      this.progress(job, true);
      worker.postMessage(job.request);
    });
  }

  private progress(job: Job, force = false): void {
    const now = performance.now();
    if (!force && now - job.lastProgressMs < 100) return;
    job.lastProgressMs = now;
    this.opts.bus.emit('data.progress', { ...job.info });
  }

  private finish(
    job: Job,
    status: EventPayload<'data.done'>['status'],
    error: string | null,
    dataset: string | null,
    existed: boolean,
  ): void {
    job.finished = true;
    this.uploads.release(job.uploads);
    this.opts.bus.emit('data.done', {
      jobId: job.info.jobId,
      kind: job.info.kind,
      status,
      error,
      dataset,
      existed,
    });
  }

  /** The temporary dataset directories of this process (only one of its imports runs at a time). */
  private removeOwnImportDirs(): void {
    const root = datasetsDir(this.opts.dataDir);
    if (!existsSync(root)) return;
    for (const name of readdirSync(root))
      if (name.startsWith(`.import-${process.pid}-`))
        rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

export function userPresetId(name: string): string {
  return `user/${name}`;
}

/** The calibrated config under the user's name (comments and layout kept). */
export function renamedConfig(yaml: string, name: string): string {
  const doc = parseDocument(yaml);
  doc.set('name', name);
  return doc.toString({ lineWidth: 0 });
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * The top of book on a grid of ≤ maxPoints buckets of equal width (whole ns): the last row of each
 * bucket (file order), carried forward through empty buckets.
 */
export async function topSeries(
  dataDir: string,
  info: CoreDatasetInfo,
  maxPoints: number,
): Promise<DatasetSeries> {
  const file = datasetFile(dataDir, info.id, 'top');
  const empty: DatasetSeries = { bucketSeconds: 0, t: [], bid: [], ask: [], mid: [], spread: [] };
  if (!existsSync(file)) return empty;
  const src = `read_parquet('${file.replaceAll("'", "''")}', file_row_number = true)`;
  const { conn, close } = await openDuck();
  try {
    const range = (
      await conn.runAndReadAll(`SELECT min(exchange_ts_ns), max(exchange_ts_ns) FROM ${src}`)
    ).getRows()[0];
    if (!range || range[0] === null) return empty;
    const t0 = range[0] as bigint;
    const t1 = range[1] as bigint;
    const span = t1 - t0 + 1n;
    const n = BigInt(maxPoints);
    const width = (span + n - 1n) / n;
    const rows = (
      await conn.runAndReadAll(
        `SELECT (exchange_ts_ns - ${t0}) // ${width} AS b, ` +
          `arg_max_null(bid_price, file_row_number), arg_max_null(ask_price, file_row_number) ` +
          `FROM ${src} GROUP BY b ORDER BY b`,
      )
    ).getRows();
    const buckets = Number((span + width - 1n) / width);
    const out: DatasetSeries = {
      bucketSeconds: Number(width) / 1e9,
      t: [],
      bid: [],
      ask: [],
      mid: [],
      spread: [],
    };
    let r = 0;
    let bid: number | null = null;
    let ask: number | null = null;
    for (let b = 0; b < buckets; b++) {
      const row = rows[r];
      if (row && Number(row[0] as bigint) === b) {
        bid = (row[1] as number | null) ?? null;
        ask = (row[2] as number | null) ?? null;
        r++;
      }
      out.t.push((b * Number(width)) / 1e9);
      out.bid.push(bid);
      out.ask.push(ask);
      out.mid.push(bid !== null && ask !== null ? (bid + ask) / 2 : null);
      out.spread.push(bid !== null && ask !== null ? ask - bid : null);
    }
    return out;
  } finally {
    close();
  }
}
