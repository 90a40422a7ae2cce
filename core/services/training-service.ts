/**
 * The training monitor's back end: starts training runs in worker threads, relays and persists what
 * they report, and answers the `train.*` methods of the API contract (AppService binds them).
 *
 * - One worker thread per active run (core/jobs/train-worker.ts: createTrainer + run); this thread
 *   never loads tfjs. At most `maxActive` runs train at once (default 1: the trainers are CPU-bound).
 * - Pause/resume go to the worker's gate, stop to its AbortSignal (the trainer writes a final
 *   checkpoint, then reports 'done' with status 'stopped'); `train.control` returns at once and the
 *   final status follows as a `train.status` event.
 * - Metrics: every sample the worker posts is buffered twice: for the `train.metrics` event (flushed
 *   at most `maxEventHz` times a second per run, as one batch of samples: none is dropped) and for
 *   the store (one transaction per `persistEveryMs`, default 1 s, or per 500 samples), and always
 *   before a checkpoint, a status change or the end of the run.
 * - Resume (`train.resume`): a stopped, failed or incomplete run continues from its newest checkpoint
 *   in a new worker; metrics and checkpoint rows beyond that checkpoint (left by a crash) are dropped
 *   first, so the history stays monotonic in steps.
 * - Quote curves: a running run's worker answers live. For a run that is not running, the curves the
 *   worker computed from its final policy when the run ended are stored with the run and returned; a
 *   run without them (a crash) gets them by loading its newest checkpoint in a short-lived worker
 *   (then stored, so that happens once).
 * - Evaluation: see `evaluateTrainingRun` (integration point).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiException,
  type QuoteCurve,
  type TrainEvalReport,
  type TrainingCheckpointRow,
  type TrainingDetail,
  type TrainingRunRow,
  type TrainMetrics,
  type TrainPreset,
  type TrainQuoteCurves,
} from '../api/contract';
import type { EventBus } from '../api/registry';
import { ConfigError, formatPath } from '../config/load-config';
import { parseConfigTextAsync } from '../config-worker/parse-async';
import type { EvaluateRequest, TrainWorkerMessage } from '../jobs/train-protocol';
import { TrainWorkerClient, TrainWorkerError } from '../jobs/train-worker-client';
import { listCheckpoints } from '../rl/train/checkpoint';
import { trainConfigSchema, type TrainConfig } from '../rl/train/config';
import { checkTrainLimits } from '../rl/train/limits';
import { createTrainingRun } from './run-tracking';
import type { Store } from '../store/db';
import { defaultConfigsDir, loadTrainPresets } from './presets';

export interface TrainingServiceOptions {
  store: Store;
  bus: EventBus;
  dataDir: string;
  /** The training worker entry (default: core/jobs/train-worker.ts via tsx; Electron passes its bundle). */
  workerEntry?: URL;
  /** Runs training at once (default 1). */
  maxActive?: number;
  /** Store metrics at least this often while samples arrive (default 1000 ms). */
  persistEveryMs?: number;
  /** `train.metrics` events per second per run, at most (default 10). */
  maxEventHz?: number;
  /** Where the presets are read (default resources/configs). */
  configsDir?: string;
  /** How long close() waits for a trainer's final checkpoint (default 20 s). */
  stopTimeoutMs?: number;
}

interface ActiveRun {
  id: string;
  client: TrainWorkerClient;
  status: 'running' | 'paused';
  started: boolean;
  stopReason: string | null;
  dbBuffer: TrainMetrics[];
  eventBuffer: TrainMetrics[];
  dbTimer: ReturnType<typeof setTimeout> | null;
  eventTimer: ReturnType<typeof setTimeout> | null;
  lastEventAt: number;
  /** Resolves when the run has ended and its final state is stored. */
  ended: Promise<void>;
  end: () => void;
}

const MAX_DB_BUFFER = 500;
const CURVE_POINTS = 21;

export class TrainingService {
  private readonly active = new Map<string, ActiveRun>();
  private readonly curveLoads = new Map<string, Promise<TrainQuoteCurves>>();
  /** Running `train.evaluate` calls (close() cancels them). */
  private readonly evaluations = new Set<AbortController>();
  private readonly entry: URL;
  private readonly maxActive: number;
  private readonly persistEveryMs: number;
  private readonly minEventMs: number;
  private closed = false;

  constructor(private readonly opts: TrainingServiceOptions) {
    this.entry = opts.workerEntry ?? new URL('../jobs/train-worker.ts', import.meta.url);
    this.maxActive = Math.max(1, opts.maxActive ?? 1);
    this.persistEveryMs = opts.persistEveryMs ?? 1000;
    this.minEventMs = 1000 / (opts.maxEventHz ?? 10);
  }

  private get store(): Store {
    return this.opts.store;
  }

  presets(): TrainPreset[] {
    return loadTrainPresets(this.opts.configsDir ?? defaultConfigsDir());
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  async start(input: {
    preset?: string | undefined;
    yaml?: string | undefined;
    name?: string | undefined;
  }): Promise<TrainingRunRow> {
    let text = input.yaml;
    let file = 'config.yaml';
    if (input.preset !== undefined) {
      const preset = this.presets().find((p) => p.id === input.preset);
      if (!preset) throw new ApiException('not_found', `no training preset ${input.preset}`, 'preset');
      text = preset.yaml;
      file = `${preset.id}.yaml`;
    }
    if (text === undefined)
      throw new ApiException('invalid_input', 'give a preset or the yaml of a training config', 'preset');
    // YAML work in the config worker: no document can stall the event loop.
    const cfg = await parseConfigTextAsync(text, file, 'train');
    checkTrainLimits(cfg); // LimitError (limit_exceeded) before anything is written
    this.requireCapacity();
    const id = randomUUID();
    const runDir = join(this.opts.dataDir, 'training', id);
    mkdirSync(runDir, { recursive: true });
    const row = createTrainingRun(this.store, cfg, runDir, { id, name: input.name });
    this.launch(row, cfg, false);
    this.log(id, `started ${cfg.algo.toUpperCase()} training "${row.name}" (${cfg.budget.totalSteps} steps)`);
    return this.emitStatus(id);
  }

  control(id: string, action: 'pause' | 'resume' | 'stop'): TrainingRunRow {
    const run = this.active.get(id);
    if (!run) {
      const row = this.requireRow(id);
      if (action === 'stop') return row;
      throw new ApiException('conflict', `training run ${id} is ${row.status}, not running`, 'id');
    }
    if (action === 'stop') {
      if (run.stopReason === null) run.stopReason = 'stopped by the user';
      run.client.post({ type: 'stop' });
      this.log(id, 'stop requested: the trainer writes a final checkpoint');
      return this.requireRow(id);
    }
    const next = action === 'pause' ? 'paused' : 'running';
    if (run.status === next) return this.requireRow(id);
    run.client.post({ type: action });
    run.status = next;
    this.flushDb(run);
    this.store.training.setLive(id, next);
    this.log(id, action === 'pause' ? 'paused' : 'resumed');
    return this.emitStatus(id);
  }

  /** Continue a stopped, failed or incomplete run from its newest checkpoint. */
  resume(id: string): TrainingRunRow {
    const row = this.requireRow(id);
    if (this.active.has(id) || row.status === 'running' || row.status === 'paused')
      throw new ApiException('conflict', `training run ${id} is already ${row.status}`, 'id');
    if (row.status === 'finished')
      throw new ApiException('conflict', `training run ${id} is finished: its step budget is spent`, 'id');
    this.requireCapacity();
    const checkpoint = this.newestCheckpoint(id);
    if (!checkpoint)
      throw new ApiException('conflict', `training run ${id} has no checkpoint to resume from`, 'id');
    const cfg = this.storedConfig(id);
    this.store.training.truncateAfter(id, checkpoint.step);
    this.store.training.setLive(id, 'running');
    this.launch(this.requireRow(id), cfg, true);
    this.log(id, `resuming from checkpoint ${checkpoint.id} (step ${checkpoint.step})`);
    return this.emitStatus(id);
  }

  /** Stop every run (final checkpoints), wait for them (bounded), terminate the workers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.evaluations) c.abort();
    const runs = [...this.active.values()];
    for (const run of runs) {
      run.stopReason = 'stopped because the app was closed';
      run.client.post({ type: 'stop' });
    }
    const timeout = this.opts.stopTimeoutMs ?? 20_000;
    await Promise.all(
      runs.map(async (run) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timedOut = await Promise.race([
          run.ended.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), timeout);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut)
          this.endRun(run, 'stopped', 'the app closed before the trainer confirmed its final checkpoint');
      }),
    );
    await Promise.allSettled([...this.curveLoads.values()]);
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  list(limit: number): TrainingRunRow[] {
    return this.store.training.list(limit);
  }

  get(id: string, maxPoints: number): TrainingDetail {
    const run = this.active.get(id);
    if (run) this.flushDb(run);
    const row = this.requireRow(id);
    return {
      run: row,
      config: this.store.training.config(id),
      metrics: this.store.training.metrics(id, maxPoints),
      checkpoints: this.checkpoints(id),
    };
  }

  /** The run's checkpoints, oldest first, reconciled with its run directory. */
  checkpoints(id: string): TrainingCheckpointRow[] {
    this.requireRow(id);
    this.syncCheckpoints(id);
    return this.store.training.checkpoints(id);
  }

  async quoteCurves(id: string, inventories?: number[]): Promise<TrainQuoteCurves> {
    const row = this.requireRow(id);
    const run = this.active.get(id);
    const qs = inventories ?? this.defaultInventories(id);
    if (run) {
      if (!run.started)
        throw new ApiException('conflict', 'the trainer is still starting: ask again in a moment', 'id');
      try {
        const v = await run.client.request<{ step: number; curves: QuoteCurve[] }>(
          { type: 'curves', inventories: qs },
          30_000,
        );
        return { runId: id, source: 'live', step: v.step, curves: v.curves };
      } catch (e) {
        throw toApi(e);
      }
    }
    const newest = this.newestCheckpoint(id);
    if (inventories === undefined) {
      const stored = this.store.training.curves(id);
      if (stored && (!newest || stored.step >= newest.step))
        return { runId: id, source: 'final', step: stored.step, curves: stored.curves };
    }
    if (!newest)
      throw new ApiException(
        'not_found',
        `training run ${id} (${row.status}) has no checkpoint yet: no policy to show`,
        'id',
      );
    const key = `${id}/${newest.id}/${inventories ? qs.join(',') : ''}`;
    let load = this.curveLoads.get(key);
    if (!load) {
      load = this.withIdleWorker(async (client) => {
        const curves = await client.request<QuoteCurve[]>({
          type: 'loadCurves',
          config: this.storedConfig(id),
          runDir: row.runDir,
          inventories: qs,
        });
        if (inventories === undefined && this.store.training.get(id))
          this.store.training.setCurves(id, { step: newest.step, curves });
        return { runId: id, source: 'checkpoint' as const, step: newest.step, curves };
      }).finally(() => this.curveLoads.delete(key));
      this.curveLoads.set(key, load);
    }
    return load;
  }

  /**
   * Evaluate a checkpoint in a short-lived worker. `signal` (and close()) cancel it within about a
   * second: see evaluateTrainingRun.
   */
  async evaluate(
    id: string,
    checkpoint: string | undefined,
    episodes: number,
    signal?: AbortSignal,
    tuneEpisodes = 0,
  ): Promise<TrainEvalReport> {
    const row = this.requireRow(id);
    const cps = this.checkpoints(id);
    const cp = checkpoint === undefined ? cps[cps.length - 1] : cps.find((c) => c.id === checkpoint);
    if (!cp) {
      throw checkpoint === undefined
        ? new ApiException('conflict', `training run ${id} has no checkpoint to evaluate yet`, 'id')
        : new ApiException('not_found', `training run ${id} has no checkpoint ${checkpoint}`, 'checkpoint');
    }
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    if (signal?.aborted === true) controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.evaluations.add(controller);
    try {
      return await evaluateTrainingRun({
        run: row,
        config: this.storedConfig(id),
        checkpoint: cp,
        episodes,
        tuneEpisodes,
        withIdleWorker: (fn) =>
          this.withIdleWorker(fn, (m) => {
            if (m.type === 'evalProgress')
              this.opts.bus.emit('train.evalProgress', {
                runId: id,
                phase: m.phase,
                done: m.done,
                total: m.total,
              });
          }),
        signal: controller.signal,
      });
    } finally {
      this.evaluations.delete(controller);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Worker

  private launch(row: TrainingRunRow, cfg: TrainConfig, resume: boolean): void {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const run: ActiveRun = {
      id: row.id,
      client: null as unknown as TrainWorkerClient,
      status: 'running',
      started: false,
      stopReason: null,
      dbBuffer: [],
      eventBuffer: [],
      dbTimer: null,
      eventTimer: null,
      lastEventAt: -Infinity,
      ended,
      end,
    };
    run.client = new TrainWorkerClient({
      entry: this.entry,
      onMessage: (m) => this.onWorkerMessage(run, m),
      onExit: (reason) => this.endRun(run, 'failed', reason),
    });
    this.active.set(row.id, run);
    run.client.post({
      type: 'start',
      config: cfg,
      runDir: row.runDir,
      resume,
      maxMetricsHz: Math.min(10, 1000 / this.minEventMs),
      inventories: inventoryGrid(cfg),
    });
  }

  private onWorkerMessage(run: ActiveRun, m: Exclude<TrainWorkerMessage, { type: 'reply' }>): void {
    if (this.active.get(run.id) !== run) return;
    try {
      switch (m.type) {
        case 'started':
          run.started = true;
          this.store.training.setBackend(run.id, m.backend);
          // A resumed trainer may have skipped an unreadable newest checkpoint: drop what lies beyond.
          if (m.startStep > 0) this.store.training.truncateAfter(run.id, m.startStep);
          this.log(run.id, m.backendLine ?? `training on the tfjs '${m.backend}' backend`);
          this.emitStatus(run.id);
          return;
        case 'metrics':
          run.dbBuffer.push(m.metrics);
          run.eventBuffer.push(m.metrics);
          if (run.dbBuffer.length >= MAX_DB_BUFFER) this.flushDb(run);
          else run.dbTimer ??= setTimeout(() => this.flushDb(run), this.persistEveryMs);
          this.scheduleEvent(run);
          return;
        case 'checkpoint': {
          this.flushDb(run);
          const checkpoint = this.store.training.addCheckpoint(run.id, m.checkpoint);
          this.syncCheckpoints(run.id);
          this.opts.bus.emit('train.checkpoint', { runId: run.id, checkpoint });
          this.emitStatus(run.id);
          return;
        }
        case 'log':
          this.log(run.id, m.line);
          return;
        case 'done': {
          const { result } = m;
          if (result.lastCheckpoint) this.store.training.addCheckpoint(run.id, result.lastCheckpoint);
          if (m.curves) this.store.training.setCurves(run.id, { step: result.step, curves: m.curves });
          const reason =
            result.status === 'stopped'
              ? (run.stopReason ?? result.reason ?? 'stopped')
              : result.status === 'failed'
                ? (result.reason ?? 'the trainer failed')
                : null;
          this.endRun(run, result.status, reason);
          return;
        }
        case 'failed':
          this.endRun(run, 'failed', m.message);
          return;
      }
    } catch (e) {
      // A store error here must not leave the run hanging: stop it and record why.
      const message = e instanceof Error ? e.message : String(e);
      this.log(run.id, `could not record the worker's ${m.type}: ${message}`);
      if (m.type === 'done' || m.type === 'failed') this.endRun(run, 'failed', message);
    }
  }

  private endRun(run: ActiveRun, status: 'finished' | 'stopped' | 'failed', reason: string | null): void {
    if (this.active.get(run.id) !== run) return;
    this.active.delete(run.id);
    try {
      this.flushDb(run);
    } catch (e) {
      reason = `${reason ?? ''}${reason ? '; ' : ''}the last metrics could not be stored: ${(e as Error).message}`;
    }
    this.flushEvent(run);
    if (run.eventTimer) clearTimeout(run.eventTimer);
    try {
      if (this.store.training.get(run.id)) {
        this.store.training.finish(run.id, status, reason);
        this.log(run.id, `${status}${reason ? `: ${reason}` : ''}`);
        this.emitStatus(run.id);
      }
    } finally {
      void run.client.close();
      run.end();
    }
  }

  private withIdleWorker<T>(
    fn: (client: TrainWorkerClient) => Promise<T>,
    onMessage?: (m: TrainWorkerMessage) => void,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new ApiException('conflict', 'the service is closing'));
    const client = new TrainWorkerClient({ entry: this.entry, ...(onMessage ? { onMessage } : {}) });
    return fn(client)
      .catch((e: unknown) => {
        throw toApi(e);
      })
      .finally(() => void client.close());
  }

  // ---------------------------------------------------------------------------------------------
  // Buffers

  private flushDb(run: ActiveRun): void {
    if (run.dbTimer) clearTimeout(run.dbTimer);
    run.dbTimer = null;
    if (run.dbBuffer.length === 0) return;
    const batch = run.dbBuffer;
    run.dbBuffer = [];
    this.store.training.appendMetrics(run.id, batch);
  }

  private scheduleEvent(run: ActiveRun): void {
    if (run.eventTimer) return;
    const wait = Math.max(0, run.lastEventAt + this.minEventMs - performance.now());
    if (wait === 0) this.flushEvent(run);
    else run.eventTimer = setTimeout(() => this.flushEvent(run), wait);
  }

  private flushEvent(run: ActiveRun): void {
    run.eventTimer = null;
    if (run.eventBuffer.length === 0) return;
    const samples = run.eventBuffer;
    run.eventBuffer = [];
    run.lastEventAt = performance.now();
    this.opts.bus.emit('train.metrics', { runId: run.id, samples });
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private requireCapacity(): void {
    if (this.closed) throw new ApiException('conflict', 'the service is closing');
    if (this.active.size >= this.maxActive) {
      const names = [...this.active.keys()].map((id) => this.store.training.get(id)?.name ?? id);
      throw new ApiException(
        'conflict',
        `${names.join(', ')} is training now (at most ${this.maxActive} at a time): pause is not enough, stop it first`,
      );
    }
  }

  private requireRow(id: string): TrainingRunRow {
    const row = this.store.training.get(id);
    if (!row) throw new ApiException('not_found', `no training run ${id}`, 'id');
    return row;
  }

  private storedConfig(id: string): TrainConfig {
    const parsed = trainConfigSchema.safeParse(this.store.training.config(id));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new ConfigError(`training run ${id}`, [
      {
        path: issue ? formatPath(issue.path) : '',
        message: `${issue?.message ?? 'invalid'} (the stored config no longer validates; was it written by another version?)`,
      },
    ]);
  }

  private newestCheckpoint(id: string): TrainingCheckpointRow | undefined {
    const cps = this.checkpoints(id);
    return cps[cps.length - 1];
  }

  /**
   * Rows whose directory is gone (pruned by the trainer's keepCheckpoints) are dropped; when the run
   * is not training, valid checkpoints the trainer wrote but never reported (the process died in
   * between) are added from the run directory (listCheckpoints: complete, readable manifests only).
   */
  private syncCheckpoints(id: string): void {
    const row = this.store.training.get(id);
    if (!row) return;
    const rows = this.store.training.checkpoints(id);
    for (const c of rows) if (!existsSync(c.dir)) this.store.training.removeCheckpoint(id, c.id);
    if (this.active.has(id) || !existsSync(join(row.runDir, 'checkpoints'))) return;
    const known = new Set(rows.map((c) => c.id));
    for (const c of listCheckpoints(row.runDir))
      if (!known.has(c.id)) this.store.training.addCheckpoint(id, c);
  }

  private defaultInventories(id: string): number[] {
    try {
      return inventoryGrid(this.storedConfig(id));
    } catch {
      return inventoryGrid(null);
    }
  }

  private log(runId: string, line: string): void {
    this.opts.bus.emit('train.log', { runId, at: new Date().toISOString(), line });
  }

  private emitStatus(id: string): TrainingRunRow {
    const row = this.requireRow(id);
    this.opts.bus.emit('train.status', row);
    return row;
  }
}

/**
 * Evaluation against the baselines (`train.evaluate`). Runs in an idle training worker (tfjs never runs
 * on this thread): core/jobs/train-worker.ts loads the checkpoint's policy (core/rl/train/load-policy.ts)
 * and evaluates it with core/jobs/train-evaluate.ts (core/rl/eval/evaluate.ts: the policy against AS and
 * GLFT on held-out paths). A worker without an evaluator (a test double) answers 'unavailable', which
 * reaches the caller as ApiError code 'unavailable'.
 */
export async function evaluateTrainingRun(ctx: {
  run: TrainingRunRow;
  config: TrainConfig;
  checkpoint: TrainingCheckpointRow;
  episodes: number;
  /** Tune every baseline on this many training paths first (0: the config's untuned AS and GLFT). */
  tuneEpisodes?: number;
  withIdleWorker: <T>(fn: (client: TrainWorkerClient) => Promise<T>) => Promise<T>;
  /**
   * Cancels the evaluation at once: the call rejects with 'conflict', the worker's shared stop flag is
   * raised (the evaluation polls it inside its paths, core/rl/eval/evaluate.ts shouldStop) and the
   * short-lived worker is terminated (withIdleWorker closes it when the call settles), the safety net
   * for work that does not poll.
   */
  signal?: AbortSignal;
}): Promise<TrainEvalReport> {
  const stopFlag = new SharedArrayBuffer(4);
  const req: Omit<EvaluateRequest, 'reqId'> = {
    type: 'evaluate',
    runId: ctx.run.id,
    config: ctx.config,
    runDir: ctx.run.runDir,
    checkpoint: ctx.checkpoint.id,
    episodes: ctx.episodes,
    ...(ctx.tuneEpisodes !== undefined && ctx.tuneEpisodes > 0 ? { tuneEpisodes: ctx.tuneEpisodes } : {}),
    stopFlag,
  };
  const signal = ctx.signal;
  const cancelled = (): ApiException =>
    new ApiException('conflict', `the evaluation of training run ${ctx.run.id} was cancelled`);
  if (signal?.aborted === true) throw cancelled();
  return ctx.withIdleWorker(async (client) => {
    let rejectCancel: ((e: unknown) => void) | undefined;
    const onAbort = (): void => {
      Atomics.store(new Int32Array(stopFlag), 0, 1);
      rejectCancel?.(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await Promise.race([
        client.request<TrainEvalReport>(req, 30 * 60_000),
        new Promise<never>((_, reject) => {
          rejectCancel = reject;
        }),
      ]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  });
}

/** Inventories for the quote curves: 21 points over ±2·inventoryScale (at least ±1 lot). */
export function inventoryGrid(cfg: Pick<TrainConfig, 'env'> | null): number[] {
  const scale = cfg?.env.inventoryScale ?? 5;
  const lot = cfg?.env.orderSizeLots ?? 1;
  const qMax = Math.max(lot, 2 * scale);
  const half = (CURVE_POINTS - 1) / 2;
  return Array.from({ length: CURVE_POINTS }, (_, i) => Math.round(((i - half) / half) * qMax * 1e6) / 1e6);
}

function toApi(e: unknown): unknown {
  if (e instanceof TrainWorkerError) {
    const code = e.code === 'unavailable' ? 'unavailable' : e.code === 'conflict' ? 'conflict' : 'internal';
    return new ApiException(code, e.message);
  }
  return e;
}
