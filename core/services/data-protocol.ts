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
  | { kind: 'calibration'; dataDir: string; dataset: string };

export type DataWorkerMessage =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'imported'; dataset: string; existed: boolean }
  | { type: 'fitted'; result: CalibrationResult }
  | { type: 'failed'; message: string };
