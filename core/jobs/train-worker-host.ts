/**
 * The message loop of a training worker thread, independent of which trainer it drives: the real
 * entry (train-worker.ts) binds it to createTrainer, tests bind it to a scripted fake. See
 * train-protocol.ts for the messages.
 *
 * One training at a time: a second 'start' while one runs is refused with 'failed'. Pause is the
 * trainer's `gate` (a promise that stays pending while paused; the trainer awaits it between
 * iterations, so this thread keeps receiving messages); stop aborts the trainer's signal and opens the
 * gate. When run() returns, the worker asks the trainer for the final policy's quote curves, disposes
 * it and posts 'done'. Any exception becomes 'failed' (or a failed 'reply'), never an uncaught error.
 */
import type { MessagePort } from 'node:worker_threads';
import type { TrainEvalReport } from '../api/contract';
import type { QuoteCurve, Trainer, TrainMetrics } from '../rl/train/types';
import type {
  EvaluateRequest,
  TrainReply,
  TrainStartRequest,
  TrainWorkerMessage,
  TrainWorkerRequest,
} from './train-protocol';

export interface TrainerOpenOptions {
  runDir: string;
  resume?: boolean;
  maxMetricsHz?: number;
  quiet?: boolean;
}

export interface TrainWorkerDeps<C> {
  /** Validate a config object that crossed the thread boundary (throws on a bad one). */
  parseConfig(config: unknown): C;
  createTrainer(cfg: C, opts: TrainerOpenOptions): Promise<Trainer>;
  /**
   * Evaluate a checkpoint against the baselines. Absent in builds where the evaluation module is not
   * wired: the request is answered with code 'unavailable'.
   */
  evaluate?: (
    cfg: C,
    req: EvaluateRequest,
    progress: (phase: 'tune' | 'eval', done: number, total: number) => void,
  ) => Promise<TrainEvalReport>;
}

/** Thrown by `evaluate` (or anything) to be reported with code 'unavailable'. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

export function hostTrainWorker<C>(port: MessagePort, deps: TrainWorkerDeps<C>): void {
  let active: {
    trainer: Trainer | null;
    controller: AbortController;
    paused: boolean;
    release: (() => void) | null;
    lastStep: number;
  } | null = null;

  const post = (m: TrainWorkerMessage): void => port.postMessage(m);
  const reply = (reqId: number, fn: () => Promise<unknown> | unknown): void => {
    void (async () => {
      let m: TrainReply;
      try {
        m = { type: 'reply', reqId, ok: true, value: await fn() };
      } catch (e) {
        const code = e instanceof UnavailableError ? ('unavailable' as const) : undefined;
        m = { type: 'reply', reqId, ok: false, message: messageOf(e), ...(code ? { code } : {}) };
      }
      post(m);
    })();
  };

  const start = async (req: TrainStartRequest): Promise<void> => {
    const controller = new AbortController();
    const state = {
      trainer: null as Trainer | null,
      controller,
      paused: false,
      release: null as (() => void) | null,
      lastStep: 0,
    };
    active = state;
    let trainer: Trainer | null = null;
    try {
      const cfg = deps.parseConfig(req.config);
      trainer = await deps.createTrainer(cfg, {
        runDir: req.runDir,
        resume: req.resume,
        maxMetricsHz: req.maxMetricsHz,
        quiet: true,
      });
      state.trainer = trainer;
      const extra = trainer as Trainer & { startStep?: unknown; backendLine?: unknown };
      if (typeof extra.startStep === 'number') state.lastStep = extra.startStep;
      post({
        type: 'started',
        algo: trainer.algo,
        backend: trainer.backend,
        startStep: typeof extra.startStep === 'number' ? extra.startStep : 0,
        ...(typeof extra.backendLine === 'string' ? { backendLine: extra.backendLine } : {}),
      });
      const result = await trainer.run({
        signal: controller.signal,
        onMetrics: (m: TrainMetrics) => {
          state.lastStep = m.step;
          post({ type: 'metrics', metrics: m });
        },
        onCheckpoint: (c) => post({ type: 'checkpoint', checkpoint: c }),
        onLog: (line) => post({ type: 'log', line }),
        gate: () =>
          state.paused && !controller.signal.aborted
            ? new Promise<void>((resolve) => {
                state.release = resolve;
              })
            : Promise.resolve(),
      });
      let curves: QuoteCurve[] | null = null;
      try {
        curves = trainer.quoteCurves(req.inventories);
      } catch (e) {
        post({ type: 'log', line: `could not compute the final quote curves: ${messageOf(e)}` });
      }
      post({ type: 'done', result, curves });
    } catch (e) {
      post({ type: 'failed', message: messageOf(e) });
    } finally {
      try {
        trainer?.dispose();
      } catch {
        // Nothing useful to do: the worker is about to be released.
      }
      active = null;
    }
  };

  const openIdle = async <T>(config: unknown, runDir: string, fn: (t: Trainer, cfg: C) => T): Promise<T> => {
    if (active) throw new Error('this worker is training: ask it while idle');
    const cfg = deps.parseConfig(config);
    const trainer = await deps.createTrainer(cfg, { runDir, resume: true, quiet: true });
    try {
      return fn(trainer, cfg);
    } finally {
      trainer.dispose();
    }
  };

  port.on('message', (req: TrainWorkerRequest) => {
    switch (req.type) {
      case 'start':
        if (active) {
          post({ type: 'failed', message: 'this worker is already training a run' });
          return;
        }
        void start(req);
        return;
      case 'pause':
        if (active) active.paused = true;
        return;
      case 'resume':
        if (active) {
          active.paused = false;
          active.release?.();
          active.release = null;
        }
        return;
      case 'stop':
        if (active) {
          active.controller.abort();
          active.paused = false;
          active.release?.();
          active.release = null;
        }
        return;
      case 'curves':
        reply(req.reqId, () => {
          const t = active?.trainer;
          if (!t) throw new Error('no training is running in this worker');
          return { step: active?.lastStep ?? 0, curves: t.quoteCurves(req.inventories) };
        });
        return;
      case 'loadCurves':
        reply(req.reqId, () => openIdle(req.config, req.runDir, (t) => t.quoteCurves(req.inventories)));
        return;
      case 'evaluate':
        reply(req.reqId, async () => {
          const evaluate = deps.evaluate;
          if (!evaluate)
            throw new UnavailableError('evaluation against baselines is not available in this build');
          if (active) throw new Error('this worker is training: evaluate in an idle worker');
          // Posted from inside the synchronous evaluation: at most ~10 a second.
          let last = -Infinity;
          const progress = (phase: 'tune' | 'eval', done: number, total: number): void => {
            const now = performance.now();
            if (done < total && now - last < 100) return;
            last = now;
            port.postMessage({
              type: 'evalProgress',
              reqId: req.reqId,
              phase,
              done,
              total,
            } satisfies TrainWorkerMessage);
          };
          return evaluate(deps.parseConfig(req.config), req, progress);
        });
        return;
    }
  });
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
