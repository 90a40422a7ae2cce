/**
 * MLflow's request limits, and the split of one run's data into `runs/log-batch` requests that keep
 * within them.
 *
 * The limits, with their source:
 * - REST API reference, "Log Batch" → "Request Limits" (mlflow.org/docs/latest/rest-api.html; the same
 *   text in Databricks' `POST /api/2.0/mlflow/runs/log-batch` reference): a single JSON-serialized
 *   request may be up to 1 MB and contain no more than 1000 metrics, params and tags in total, up to
 *   1000 metrics, up to 100 params and up to 100 tags.
 * - mlflow/utils/validation.py: MAX_METRICS_PER_BATCH = 1000, MAX_PARAMS_TAGS_PER_BATCH = 100,
 *   MAX_ENTITIES_PER_BATCH = 1000, MAX_BATCH_LOG_REQUEST_SIZE = int(1e6) (bytes),
 *   MAX_ENTITY_KEY_LENGTH = 250, MAX_PARAM_VAL_LENGTH = 6000 (MLflow ≥ 2.x; 500 before).
 * - Tag values: the REST reference guarantees every backend supports tag values up to 5000 bytes
 *   (newer servers accept 8000); we keep to 5000.
 *
 * Invariant of splitLogBatch: every request respects every limit above, the requests together carry
 * exactly the input (same items, same order within each kind), and no request is empty.
 */

export const MLFLOW_LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  /** Bytes of the JSON body of one log-batch request. */
  batchBytes: 1_000_000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
} as const;

export type MlflowLimits = { readonly [K in keyof typeof MLFLOW_LIMITS]: number };

export interface MlflowMetric {
  key: string;
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  step: number;
}

export interface MlflowKeyValue {
  key: string;
  value: string;
}

export interface LogBatchBody {
  run_id: string;
  metrics: MlflowMetric[];
  params: MlflowKeyValue[];
  tags: MlflowKeyValue[];
}

/** What a value becomes when it is longer than MLflow accepts: cut, with this marker at the end. */
export const TRUNCATION_MARKER = '…[truncated]';

/** `value` cut to at most `max` characters, ending with TRUNCATION_MARKER when it was cut. */
export function truncateValue(value: string, max: number): string {
  if (value.length <= max) return value;
  return value.slice(0, Math.max(0, max - TRUNCATION_MARKER.length)) + TRUNCATION_MARKER;
}

const utf8 = new TextEncoder();
const bytes = (x: unknown): number => utf8.encode(JSON.stringify(x)).length;

/**
 * Split a run's metrics, params and tags into log-batch bodies within `limits`. Params and tags go
 * first (MLflow's own clients do the same), metrics fill the rest. Throws if a single item alone does
 * not fit in a request (it cannot: keys and values are bounded, but a caller's limits may be odd).
 */
export function splitLogBatch(
  runId: string,
  data: {
    metrics: readonly MlflowMetric[];
    params: readonly MlflowKeyValue[];
    tags: readonly MlflowKeyValue[];
  },
  limits: MlflowLimits = MLFLOW_LIMITS,
): LogBatchBody[] {
  const out: LogBatchBody[] = [];
  const empty = (): LogBatchBody => ({ run_id: runId, metrics: [], params: [], tags: [] });
  // Size of the empty body plus one byte per separating comma, tracked incrementally.
  const baseBytes = bytes(empty());
  let cur = empty();
  let curBytes = baseBytes;
  const flush = (): void => {
    if (cur.metrics.length + cur.params.length + cur.tags.length > 0) out.push(cur);
    cur = empty();
    curBytes = baseBytes;
  };
  const add = (kind: 'metrics' | 'params' | 'tags', item: MlflowMetric | MlflowKeyValue): void => {
    const cap =
      kind === 'metrics'
        ? limits.metricsPerBatch
        : kind === 'params'
          ? limits.paramsPerBatch
          : limits.tagsPerBatch;
    const size = bytes(item) + 1;
    const fits = (): boolean =>
      cur[kind].length < cap &&
      cur.metrics.length + cur.params.length + cur.tags.length < limits.entitiesPerBatch &&
      curBytes + size <= limits.batchBytes;
    if (!fits()) flush();
    if (!fits())
      throw new RangeError(`a single ${kind.slice(0, -1)} (${item.key}) does not fit in a log-batch request`);
    (cur[kind] as (MlflowMetric | MlflowKeyValue)[]).push(item);
    curBytes += size;
  };
  for (const p of data.params) add('params', p);
  for (const t of data.tags) add('tags', t);
  for (const m of data.metrics) add('metrics', m);
  flush();
  return out;
}
