/** Messages between the data service and its worker (structured-clone friendly). */
import type { CalibrationResult, DataImportFormat } from '../api/contract';

export type DataWorkerRequest =
  | {
      kind: 'import';
      dataDir: string;
      format: DataImportFormat;
      /** Host paths; for LOBSTER [message, orderbook]. */
      files: string[];
      name?: string;
    }
  | { kind: 'calibration'; dataDir: string; dataset: string }
  /** Stop the running job at its next safe point; it answers `failed` (the host knows it cancelled). */
  | { kind: 'cancel' };

export type DataWorkerMessage =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'imported'; dataset: string; existed: boolean }
  | { type: 'fitted'; result: CalibrationResult }
  | { type: 'failed'; message: string };
