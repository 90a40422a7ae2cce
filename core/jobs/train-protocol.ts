/**
 * Messages between the training service (main/service thread) and a training worker thread
 * (core/jobs/train-worker.ts). Plain, structured-clone friendly data.
 *
 * A worker hosts at most one training at a time ('start'); while it trains it answers 'pause',
 * 'resume', 'stop' (→ the trainer's AbortSignal: it writes a final checkpoint) and 'curves' (the live
 * policy's quote curves), and posts 'metrics', 'checkpoint', 'log' and finally 'done' or 'failed'.
 * Requests with a `reqId` ('curves', 'loadCurves', 'evaluate') are answered by one 'reply' each;
 * 'loadCurves' and 'evaluate' load a run's checkpoint in a worker that is not training.
 */
import type { TrainEvalReport } from '../api/contract';
import type { CheckpointInfo, QuoteCurve, TrainMetrics, TrainResult } from '../rl/train/types';

export interface TrainStartRequest {
  type: 'start';
  /** A validated training config (trainConfigSchema output; validated again in the worker). */
  config: unknown;
  runDir: string;
  /** Continue from the newest checkpoint under runDir. */
  resume: boolean;
  maxMetricsHz: number;
  /** Inventories for the final quote curves posted with 'done'. */
  inventories: number[];
}

export interface LoadCurvesRequest {
  type: 'loadCurves';
  reqId: number;
  config: unknown;
  runDir: string;
  inventories: number[];
}

export interface EvaluateRequest {
  type: 'evaluate';
  reqId: number;
  runId: string;
  config: unknown;
  runDir: string;
  /** Checkpoint id under `<runDir>/checkpoints`; the newest when absent. */
  checkpoint?: string;
  episodes: number;
  /**
   * Tune every baseline family on this many training paths first (core/rl/eval/tune-baselines.ts, as
   * `quotebench eval`) and test against the best of them; 0: the config's untuned AS and GLFT.
   */
  tuneEpisodes?: number;
  /**
   * Cancellation flag (an Int32Array's buffer; element 0 set to 1 by the service): the evaluation polls
   * it inside its paths (core/rl/eval/evaluate.ts shouldStop), since a synchronous evaluation does not
   * see messages. The service also terminates the worker if it has not answered soon after.
   */
  stopFlag?: SharedArrayBuffer;
}

export type TrainWorkerRequest =
  | TrainStartRequest
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'curves'; reqId: number; inventories: number[] }
  | LoadCurvesRequest
  | EvaluateRequest;

/** Result of a request with a reqId. `code` 'unavailable' marks a feature not wired in this build. */
export type TrainReply =
  | { type: 'reply'; reqId: number; ok: true; value: unknown }
  | { type: 'reply'; reqId: number; ok: false; message: string; code?: 'unavailable' | 'conflict' };

export type TrainWorkerMessage =
  /** The trainer is ready; `startStep` > 0 when it resumed from a checkpoint at that step. */
  | { type: 'started'; algo: string; backend: string; startStep: number; backendLine?: string }
  | { type: 'metrics'; metrics: TrainMetrics }
  | { type: 'checkpoint'; checkpoint: CheckpointInfo }
  | { type: 'log'; line: string }
  /** The run ended (finished, stopped or failed by the trainer's own guard); curves of its final policy. */
  | { type: 'done'; result: TrainResult; curves: QuoteCurve[] | null }
  /** The trainer could not be created or threw. */
  | { type: 'failed'; message: string }
  /** Progress of an evaluation request (tuning the baselines, then the held-out paths). */
  | { type: 'evalProgress'; reqId: number; phase: 'tune' | 'eval'; done: number; total: number }
  | TrainReply;

/** The value of a 'curves' reply (the live policy, at the step of the latest metrics sample). */
export interface CurvesReplyValue {
  step: number;
  curves: QuoteCurve[];
}

/** The value of a 'loadCurves' reply (the newest checkpoint's policy; the service knows its step). */
export type LoadCurvesReplyValue = QuoteCurve[];

/** The value of an 'evaluate' reply. */
export type EvaluateReplyValue = TrainEvalReport;
