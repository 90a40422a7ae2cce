/**
 * The back end of the app: one object that owns the run store, the job runner, live replay sessions,
 * the training service (training-service.ts) and the event bus, and implements every method of the
 * API contract. Electron's main process and the headless server both host exactly this (each binds
 * it to its own transport), so the two shells cannot drift apart.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  ApiException,
  type AppInfo,
  type JobInfo,
  type RunListRow,
  type RunRow,
  type ScenarioPreset,
} from '../api/contract';
import { EventBus, createDispatcher, type Dispatch, type Handlers } from '../api/registry';
import { DEFAULT_MAX_JOBS_PER_CLIENT, LimitError, checkBacktestLimits } from '../backtest/limits';
import { ConfigError } from '../config/load-config';
import {
  checkConfigDataAsync,
  closeSharedParsePool,
  parseConfigTextAsync,
} from '../config-worker/parse-async';
import { JobCancelledError, JobRunner } from '../jobs/job-runner';
import type { BacktestConfig } from '../backtest/config';
import { buildQuoter } from '../backtest/quoters';
import { describeRuns } from '../backtest/grid';
import { expandGrid } from '../strategy/specs';
import { codeVersion } from '../store/code-version';
import { loadRecords } from '../tracking/records';
import { createBacktestRun, trackCalibrationFit, trackTrainEvaluate } from './run-tracking';
import { UnknownRunError } from '../tracking/run-mapping';
import { openStore, type Store } from '../store/db';
import { renderReportHtml } from '../report/html';
import { loadReport, reportBaseName } from '../report/model';
import { chromiumPath, printHtmlStringToPdf } from '../report/pdf';
import { DataService, type DataServiceOptions } from './data-service';
import { loadPresets } from './presets';
import { ReplaySession } from './replay-session';
import { openMarket, replayConfig } from './replay-source';
import { listSweeps, sweepDetail } from './sweep-view';
import { SweepService, type SweepServiceOptions } from './sweep-service';
import { TrainingService, type TrainingServiceOptions } from './training-service';
import { join } from 'node:path';
import { EncryptedFileSecretStore } from '../secrets/encrypted-file';
import type { SecretStore } from '../secrets/secret-store';
import { PaperApi, SecretsApi, type PaperApiOptions } from './paper-app';

/** Strategy runs (results) one `runs.report` may draw; larger reports are the CLI's. */
export const MAX_REPORT_ENTRIES = 24;

/** The web shell's PDF printer: Debian's Chromium, or `unavailable` when it is not installed. */
async function printWithChromium(html: string): Promise<Uint8Array> {
  if (!existsSync(chromiumPath()))
    throw new ApiException(
      'unavailable',
      `PDF export needs Chromium at ${chromiumPath()} (apt-get install chromium); the HTML report works without it`,
    );
  return printHtmlStringToPdf(html);
}

/** Who is calling: sessions are owned by a client and stopped when it goes away. */
export interface CallContext {
  clientId: string;
}

export interface AppServiceOptions {
  dataDir: string;
  transport: AppInfo['transport'];
  version: string;
  jobs?: JobRunner;
  /** Live replay sessions allowed at once per client. */
  maxSessionsPerClient?: number;
  /** Queued and running backtests allowed at once per client (default 8); more get limit_exceeded. */
  maxJobsPerClient?: number;
  /** Path of a better-sqlite3 addon built for this runtime (Electron); default: the installed one. */
  nativeBinding?: string | undefined;
  /** Training service options (worker entry, limits); the store, bus and data dir are the service's. */
  training?: Omit<TrainingServiceOptions, 'store' | 'bus' | 'dataDir'>;
  /**
   * Data service options: the native file dialog and worker entry (Electron). Host paths are accepted
   * by `data.import` only over Electron's IPC; the web shell imports uploads.
   */
  data?: Pick<DataServiceOptions, 'pickFiles' | 'workerEntry'>;
  /**
   * Prints a report's HTML to PDF bytes: Electron's printToPDF in the app; by default Debian's
   * Chromium through playwright-core (core/report/pdf.ts).
   */
  printPdf?: (html: string) => Promise<Uint8Array>;
  /** Sweeps started from the app (sweep-service.ts): the cell worker entry (Electron), threads. */
  sweeps?: Pick<SweepServiceOptions, 'cellWorkerEntry' | 'workers'>;
  /**
   * Where venue API keys live: Electron's safeStorage in the app (main/secrets.ts); by default a
   * passphrase-encrypted file `<dataDir>/secrets.enc.json` (core/secrets/encrypted-file.ts).
   */
  secrets?: SecretStore;
  /** Paper trading (paper-app.ts): the keyed venues' opener (tests: a fake exchange's), snapshot pace. */
  paper?: Pick<PaperApiOptions, 'openVenue' | 'openLiveFeed' | 'snapshotEveryMs'>;
}

interface RunningJob {
  info: JobInfo;
  controller: AbortController;
  /** The client that started it (CallContext.clientId). */
  owner: string;
}

export class AppService {
  readonly bus = new EventBus();
  readonly store: Store;
  readonly dispatch: Dispatch<CallContext>;
  readonly training: TrainingService;
  readonly data: DataService;
  readonly sweeps: SweepService;
  readonly secrets: SecretsApi;
  readonly paper: PaperApi;
  private readonly jobs: JobRunner;
  private readonly running = new Map<string, RunningJob>();
  private readonly sessions = new Map<string, { owner: string; session: ReplaySession }>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly opts: AppServiceOptions) {
    this.store = openStore(opts.dataDir, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {});
    this.jobs = opts.jobs ?? new JobRunner();
    this.training = new TrainingService({
      ...opts.training,
      store: this.store,
      bus: this.bus,
      dataDir: this.store.dataDir,
    });
    this.data = new DataService({
      ...opts.data,
      dataDir: this.store.dataDir,
      bus: this.bus,
      hostPaths: opts.transport === 'electron',
    });
    const secretStore =
      opts.secrets ?? new EncryptedFileSecretStore({ file: join(this.store.dataDir, 'secrets.enc.json') });
    this.secrets = new SecretsApi(secretStore);
    this.sweeps = new SweepService({
      ...opts.sweeps,
      store: this.store,
      bus: this.bus,
      jobs: this.jobs,
      scenariosDir: this.data.scenariosDir,
    });
    this.paper = new PaperApi({
      ...opts.paper,
      secrets: secretStore,
      bus: this.bus,
      dataDir: this.store.dataDir,
      runDir: (id) => this.store.training.get(id)?.runDir ?? null,
    });
    this.dispatch = createDispatcher(this.handlers());
  }

  /** Stop a client's live sessions (its window closed or its socket dropped). */
  releaseClient(clientId: string): void {
    for (const [id, s] of this.sessions) {
      if (s.owner === clientId) {
        s.session.dispose();
        this.sessions.delete(id);
      }
    }
  }

  /** Cancel running jobs, stop sessions, wait for the store writes, close everything. */
  async close(): Promise<void> {
    for (const job of this.running.values()) job.controller.abort();
    for (const s of this.sessions.values()) s.session.dispose();
    this.sessions.clear();
    await this.paper.close();
    await this.training.close();
    await this.data.close();
    await this.sweeps.close();
    await Promise.allSettled([...this.pending]);
    await this.jobs.close();
    await closeSharedParsePool();
    this.store.close();
  }

  private handlers(): Handlers<CallContext> {
    return {
      'app.info': () => ({
        version: this.opts.version,
        codeVersion: codeVersion(),
        dataDir: this.opts.dataDir,
        transport: this.opts.transport,
      }),
      'scenarios.presets': () => this.presets(),
      'scenarios.validate': async ({ yaml, file }) => {
        const name = file ?? 'config.yaml';
        try {
          const cfg = await parseConfigTextAsync(yaml, name, 'backtest');
          const { runs, count } = describeRuns(cfg.strategies);
          return { ok: true, file: name, issues: [], runs, runCount: count };
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          return { ok: false, file: name, issues: e.issues.slice(0, 20), runs: [], runCount: 0 };
        }
      },
      'backtest.start': async ({ config, yaml, keepPaths, file }, ctx) => {
        const cfg = await parseBacktest(config, yaml, file);
        return this.startBacktest(cfg, keepPaths, ctx.clientId);
      },
      'jobs.list': () => [...this.running.values()].map((j) => ({ ...j.info })),
      'jobs.cancel': ({ jobId }) => {
        const job = this.running.get(jobId);
        if (!job) return { cancelled: this.data.cancel(jobId) };
        job.controller.abort();
        return { cancelled: true };
      },
      'runs.list': ({ limit }) => this.store.runs.list(limit).map((run) => this.withSummary(run)),
      'runs.search': (input) => this.store.runs.search(input),
      'runs.records': ({ runIds }) => {
        try {
          return loadRecords(this.store, [...new Set(runIds)]);
        } catch (e) {
          if (e instanceof UnknownRunError) throw new ApiException('not_found', e.message, 'runIds');
          throw e;
        }
      },
      'runs.get': ({ runId }) => {
        const run = this.store.runs.get(runId);
        if (!run) throw new ApiException('not_found', `no run ${runId}`, 'runId');
        return run;
      },
      'runs.series': ({ runId, resultIndex, path }) => {
        const s = this.store.runs.series(runId, resultIndex, path);
        if (!s)
          throw new ApiException(
            'not_found',
            `no stored series for run ${runId}, result ${resultIndex}, path ${path}`,
          );
        return s;
      },
      'runs.delete': ({ runId }) => {
        const job = [...this.running.values()].find((j) => j.info.runId === runId);
        if (job) throw new ApiException('conflict', 'the run is still running: cancel it first', 'runId');
        return { deleted: this.store.runs.delete(runId) };
      },
      'runs.report': ({ runIds }) => this.report(runIds),
      'sweeps.list': () => listSweeps(this.store),
      'sweeps.get': ({ id }) => {
        const detail = sweepDetail(this.store, id);
        if (!detail) throw new ApiException('not_found', `no sweep ${id}`, 'id');
        return detail;
      },
      'sweeps.presets': () => this.sweeps.presets(),
      'sweeps.start': (input) => this.sweeps.start(input),
      'sweeps.cancel': ({ id }) => this.sweeps.cancel(id),
      'sweeps.openCell': (input) => this.sweeps.openCell(input),
      'runs.reportPdf': async ({ runIds }) => {
        const { fileName, html } = this.report(runIds);
        const print = this.opts.printPdf ?? printWithChromium;
        const pdf = await print(html);
        return {
          fileName: fileName.replace(/\.html$/, '.pdf'),
          pdfBase64: Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('base64'),
        };
      },
      'replay.start': async (input, ctx) => {
        // A book-mode config plays the simulator; a replay-mode config or a dataset source, a dataset.
        const cfg = await replayConfig(input, this.presets());
        checkBacktestLimits({ ...cfg, paths: 1 }); // before the grid is expanded; a replay runs one path
        const specs = cfg.strategies.flatMap((s) => expandGrid(s));
        const spec = specs[input.strategyIndex];
        if (!spec) {
          throw new ApiException(
            'invalid_input',
            `strategyIndex ${input.strategyIndex} ≥ ${specs.length} strategies`,
            'strategyIndex',
          );
        }
        const fromInput = input.source === 'dataset';
        const market = await openMarket(cfg, this.store.dataDir, input.depthLevels, {
          dataset: fromInput ? 'dataset' : 'scenario.dataset',
          queue: fromInput ? 'queue' : 'scenario.queue',
        });
        const own = [...this.sessions.entries()].filter(([, s]) => s.owner === ctx.clientId);
        const max = this.opts.maxSessionsPerClient ?? 2;
        for (const [id, s] of own.slice(0, Math.max(0, own.length - max + 1))) {
          s.session.dispose();
          this.sessions.delete(id);
        }
        const sessionId = randomUUID();
        const session = new ReplaySession({
          sessionId,
          market,
          quoter: buildQuoter(spec, cfg.scenario),
          seed: input.seed ?? cfg.seed,
          speed: input.speed,
          depthLevels: input.depthLevels,
          maxBatchesPerSec: input.maxBatchesPerSec,
          onSnapshot: (s) => this.bus.emit('book.snapshot', s),
          onState: (s) => this.bus.emit('replay.state', s),
        });
        this.sessions.set(sessionId, { owner: ctx.clientId, session });
        return session.start();
      },
      'replay.control': ({ sessionId, action, speed, t }) => {
        const s = this.sessions.get(sessionId);
        if (!s) throw new ApiException('not_found', `no replay session ${sessionId}`, 'sessionId');
        const state = s.session.control(action, speed, t);
        if (action === 'stop') {
          s.session.dispose();
          this.sessions.delete(sessionId);
        }
        return state;
      },
      'train.presets': () => this.training.presets(),
      'train.start': (input) => this.training.start(input),
      'train.control': ({ id, action }) => this.training.control(id, action),
      'train.resume': ({ id }) => this.training.resume(id),
      'train.list': ({ limit }) => this.training.list(limit),
      'train.get': ({ id, maxPoints }) => this.training.get(id, maxPoints),
      'train.checkpoints': ({ id }) => this.training.checkpoints(id),
      'train.quoteCurves': ({ id, inventories }) => this.training.quoteCurves(id, inventories),
      'train.evaluate': ({ id, checkpoint, episodes, tuneEpisodes }) =>
        trackTrainEvaluate(this.store, { id, checkpoint, episodes, tuneEpisodes }, () =>
          this.training.evaluate(id, checkpoint, episodes, undefined, tuneEpisodes),
        ),
      'data.list': () => this.data.list(),
      'data.get': ({ id, maxPoints }) => this.data.get(id, maxPoints),
      'data.pickFiles': ({ format }) => this.data.pickFiles(format),
      'data.import': ({ format, paths, name }) => this.data.import(format, paths, name),
      'data.jobs': () => this.data.jobs(),
      'calibration.fit': ({ dataset }) => {
        const job = this.data.fit(dataset);
        trackCalibrationFit({
          store: this.store,
          bus: this.bus,
          dataDir: this.store.dataDir,
          calibrationsDir: this.data.calibrationsDir,
          dataset,
          jobId: job.jobId,
        });
        return job;
      },
      'calibration.get': ({ dataset }) => this.data.calibration(dataset),
      'calibration.saveScenario': ({ dataset, name }) => this.data.saveScenario(dataset, name),
      'secrets.status': () => this.secrets.status(),
      'secrets.unlock': ({ passphrase }) => this.secrets.unlock(passphrase),
      'secrets.set': (input) => this.secrets.set(input),
      'secrets.delete': ({ venue }) => this.secrets.delete(venue),
      'paper.start': (input) => this.paper.start(input),
      'paper.stop': ({ sessionId }) => this.paper.stop(sessionId),
      'paper.kill': ({ sessionId, flatten }) => this.paper.kill(sessionId, flatten),
      'paper.status': () => this.paper.status(),
    };
  }

  /** The shipped presets, then the scenarios saved from calibrations (data-service.ts). */
  private presets(): ScenarioPreset[] {
    return [...loadPresets(), ...this.data.userPresets()];
  }

  /**
   * A runs-list row with its results' strategies and metrics, read here from the local store, so the
   * list sorts and filters by them without one `runs.get` round trip per run.
   */
  private withSummary(run: RunRow): RunListRow {
    const results = run.results > 0 ? (this.store.runs.get(run.id)?.results ?? []) : [];
    return {
      ...run,
      summary: { strategies: results.map((r) => r.strategy), metrics: results.map((r) => r.metrics) },
    };
  }

  /** The HTML tear sheet of stored runs (runs.report, runs.reportPdf). */
  private report(runIds: readonly string[]): { fileName: string; html: string } {
    // Built on this thread: bounded by the strategy runs it draws (each ≤ 50 kept paths).
    const ids = [...new Set(runIds)];
    let entries = 0;
    for (const runId of ids) {
      const detail = this.store.runs.get(runId);
      if (detail === null) throw new ApiException('not_found', `no run ${runId}`, 'runIds');
      entries += detail.results.length;
    }
    if (entries > MAX_REPORT_ENTRIES)
      throw new ApiException(
        'limit_exceeded',
        `a report draws at most ${MAX_REPORT_ENTRIES} strategy runs; these runs have ${entries} (use the CLI: quotebench report)`,
        'runIds',
      );
    const model = loadReport(this.store, ids);
    return { fileName: `${reportBaseName(ids)}.html`, html: renderReportHtml(model) };
  }

  private startBacktest(
    cfg: BacktestConfig,
    keepPaths: number,
    owner: string,
  ): { jobId: string; runId: string } {
    // Refused before anything is written: the work and memory the config implies, and the client's queue.
    checkBacktestLimits(cfg, { keepPaths });
    const maxJobs = this.opts.maxJobsPerClient ?? DEFAULT_MAX_JOBS_PER_CLIENT;
    const own = [...this.running.values()].filter((j) => j.owner === owner).length;
    if (own >= maxJobs)
      throw new LimitError(
        'maxJobsPerClient',
        maxJobs,
        own + 1,
        'backtests queued or running for this client',
        '(wait for one to finish or cancel one)',
      );
    const run = createBacktestRun(this.store, cfg);
    const jobId = randomUUID();
    const controller = new AbortController();
    const info: JobInfo = {
      jobId,
      runId: run.id,
      kind: 'backtest',
      done: 0,
      total: 0,
      startedAt: new Date().toISOString(),
    };
    this.running.set(jobId, { info, controller, owner });
    const work = this.jobs
      .runBacktest(cfg, {
        keepPaths,
        dataDir: this.store.dataDir,
        signal: controller.signal,
        onProgress: (p) => {
          info.done = p.done;
          info.total = p.total;
          this.bus.emit('job.progress', { jobId, runId: run.id, ...p });
        },
      })
      .then(
        (result) => {
          try {
            this.store.runs.writeCompleted(
              run.id,
              result.runs.map((r, index) => ({ index, ...r })),
              result.paths,
            );
            this.bus.emit('job.done', { jobId, runId: run.id, status: 'completed', error: null });
          } catch (e) {
            const message = `could not save the results: ${e instanceof Error ? e.message : String(e)}`;
            this.store.runs.finish(run.id, 'failed', message);
            this.bus.emit('job.done', { jobId, runId: run.id, status: 'failed', error: message });
          }
        },
        (e: unknown) => {
          const cancelled = e instanceof JobCancelledError;
          const message = e instanceof Error ? e.message : String(e);
          this.store.runs.finish(run.id, cancelled ? 'cancelled' : 'failed', cancelled ? undefined : message);
          this.bus.emit('job.done', {
            jobId,
            runId: run.id,
            status: cancelled ? 'cancelled' : 'failed',
            error: cancelled ? null : message,
          });
        },
      )
      .finally(() => {
        this.running.delete(jobId);
        this.pending.delete(work);
      });
    this.pending.add(work);
    return { jobId, runId: run.id };
  }
}

/**
 * A backtest config from an object or YAML text (parsed and checked in the config worker: no document
 * can stall the event loop); errors name the key (and line for YAML).
 */
async function parseBacktest(
  config: unknown,
  yaml: string | undefined,
  file = 'config.yaml',
): Promise<BacktestConfig> {
  if (yaml !== undefined) return parseConfigTextAsync(yaml, file, 'backtest');
  const checked = await checkConfigDataAsync(config, 'backtest');
  if (checked.ok) return checked.data;
  const issue = checked.issues[0];
  const path = issue?.path ?? '';
  throw new ConfigError('config', [
    { path: path === '' ? 'config' : `config.${path}`, message: issue?.message ?? 'invalid' },
  ]);
}
