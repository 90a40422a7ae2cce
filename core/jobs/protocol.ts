/** Messages between the job runner and its worker threads (structured-clone friendly). */
import type { RunSummary } from '../backtest/run';
import type { PathResult } from '../sim/path-result';

export interface WorkerRequest {
  config: unknown;
  keepPaths: number;
  /** SharedArrayBuffer of one Int32: set to 1 to cancel. */
  abort: SharedArrayBuffer;
  /** Compute only these runs of the expanded grid (runBacktest's runIndices); all when absent. */
  runIndices?: number[];
  /** The data directory (a replay loads its dataset from its catalog). */
  dataDir?: string;
}

export interface KeptPath {
  resultIndex: number;
  path: PathResult;
}

export type WorkerMessage =
  | { type: 'progress'; done: number; total: number; strategy: string }
  | { type: 'done'; runs: RunSummary[]; paths: KeptPath[] }
  | { type: 'cancelled' }
  | {
      type: 'failed';
      message: string;
      /** Set when the run stopped on a NonFiniteError (core/sim/guards.ts): its fields. */
      nonFinite?: { quantity: string; value: number; pathIndex: number; step: number; t: number };
    };
