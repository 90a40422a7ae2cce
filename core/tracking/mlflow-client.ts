/**
 * A small MLflow tracking client over the REST API (Node's fetch), covering what an export needs:
 * experiments/get-by-name and experiments/create, runs/create, runs/log-batch (split within MLflow's
 * limits, see limits.ts), runs/update, and artifact upload through the tracking server's artifact
 * proxy (`PUT /api/2.0/mlflow-artifacts/artifacts/<path>`, served by `mlflow server` unless it runs
 * with --no-serve-artifacts).
 *
 * Protocol facts (MLflow REST API reference, mlflow.org/docs/latest/rest-api.html): every endpoint is
 * under `/api/2.0/mlflow/`; errors come back as JSON `{ "error_code": "...", "message": "..." }`;
 * timestamps are milliseconds since the epoch; runs/create returns `run.info.run_id` and
 * `run.info.artifact_uri`, which for a proxied artifact store reads
 * `mlflow-artifacts:/<experiment_id>/<run_id>/artifacts` — the path the PUT goes to.
 *
 * Behaviour: every request has its own timeout; 429 and 5xx answers (and network errors) are retried
 * with exponential backoff (honouring a numeric Retry-After up to the cap); any other failure throws a
 * MlflowError naming the endpoint and the server's error_code and message. A token, when given, is
 * sent as `Authorization: Bearer …` and never appears in an error or a log line.
 */
import {
  MLFLOW_LIMITS,
  splitLogBatch,
  type MlflowKeyValue,
  type MlflowLimits,
  type MlflowMetric,
} from './limits';

export class MlflowError extends Error {
  override name = 'MlflowError';
  constructor(
    message: string,
    readonly endpoint: string,
    readonly status: number | null,
    readonly errorCode: string | null,
  ) {
    super(message);
  }
}

export interface MlflowClientOptions {
  /** Tracking server base URL, e.g. http://127.0.0.1:5000. */
  uri: string;
  /** Sent as a Bearer token (MLFLOW_TRACKING_TOKEN). */
  token?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Attempts per request, the first included (default 5). */
  attempts?: number;
  /** First backoff delay; doubled each retry (default 500 ms), capped at maxDelayMs (default 10 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  limits?: MlflowLimits;
  /** For tests: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
}

export type RunStatusName = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface CreatedRun {
  runId: string;
  artifactUri: string;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class MlflowClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly limits: MlflowLimits;
  private readonly sleep: (ms: number) => Promise<void>;
  /** log-batch requests sent (for the CLI's summary). */
  batchesSent = 0;

  constructor(private readonly opts: MlflowClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.uri);
    } catch {
      throw new MlflowError(`not a URL: ${opts.uri}`, 'tracking URI', null, null);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new MlflowError(
        `the tracking URI must be http(s)://…, got ${url.protocol} (for a directory use the offline export)`,
        'tracking URI',
        null,
        null,
      );
    this.base = url.href.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.attempts = Math.max(1, opts.attempts ?? 5);
    this.baseDelayMs = opts.baseDelayMs ?? 500;
    this.maxDelayMs = opts.maxDelayMs ?? 10_000;
    this.limits = opts.limits ?? MLFLOW_LIMITS;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /** The id of the experiment named `name`, created when it does not exist. */
  async experimentId(name: string): Promise<string> {
    const found = await this.request('GET', 'experiments/get-by-name', { experiment_name: name }, true);
    const id = (found as { experiment?: { experiment_id?: unknown } } | null)?.experiment?.experiment_id;
    if (typeof id === 'string') return id;
    try {
      const created = (await this.request('POST', 'experiments/create', { name })) as {
        experiment_id?: unknown;
      };
      if (typeof created.experiment_id !== 'string')
        throw new MlflowError(
          'experiments/create: no experiment_id in the answer',
          'experiments/create',
          200,
          null,
        );
      return created.experiment_id;
    } catch (e) {
      // Created meanwhile by someone else: read it again.
      if (e instanceof MlflowError && e.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const again = (await this.request('GET', 'experiments/get-by-name', { experiment_name: name })) as {
          experiment?: { experiment_id?: unknown };
        };
        if (typeof again.experiment?.experiment_id === 'string') return again.experiment.experiment_id;
      }
      throw e;
    }
  }

  async createRun(input: {
    experimentId: string;
    runName: string;
    startTime: number;
    tags: readonly MlflowKeyValue[];
  }): Promise<CreatedRun> {
    const body = {
      experiment_id: input.experimentId,
      run_name: input.runName,
      start_time: input.startTime,
      tags: input.tags,
    };
    const res = (await this.request('POST', 'runs/create', body)) as {
      run?: { info?: { run_id?: unknown; run_uuid?: unknown; artifact_uri?: unknown } };
    };
    const info = res.run?.info;
    const runId = typeof info?.run_id === 'string' ? info.run_id : info?.run_uuid;
    if (typeof runId !== 'string')
      throw new MlflowError('runs/create: no run_id in the answer', 'runs/create', 200, null);
    return { runId, artifactUri: typeof info?.artifact_uri === 'string' ? info.artifact_uri : '' };
  }

  /** Log everything, split into as many log-batch requests as MLflow's limits need; returns that count. */
  async logBatch(
    runId: string,
    data: {
      metrics: readonly MlflowMetric[];
      params: readonly MlflowKeyValue[];
      tags: readonly MlflowKeyValue[];
    },
  ): Promise<number> {
    const batches = splitLogBatch(runId, data, this.limits);
    for (const b of batches) {
      await this.request('POST', 'runs/log-batch', b);
      this.batchesSent++;
    }
    return batches.length;
  }

  async updateRun(runId: string, status: RunStatusName, endTime: number): Promise<void> {
    await this.request('POST', 'runs/update', { run_id: runId, status, end_time: endTime });
  }

  /**
   * Upload one artifact through the server's proxy. `artifactUri` is the run's (from runs/create); it
   * must be an `mlflow-artifacts:` URI, else the server does not proxy artifacts and the client would
   * need direct access to the store (S3, …), which this exporter does not do.
   */
  async uploadArtifact(artifactUri: string, relPath: string, data: Uint8Array, mime: string): Promise<void> {
    const root = proxiedArtifactRoot(artifactUri);
    const parts = relPath.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..'))
      throw new MlflowError(`invalid artifact path ${relPath}`, 'mlflow-artifacts/artifacts', null, null);
    const path = [...root.split('/'), ...parts].map(encodeURIComponent).join('/');
    await this.send(
      'mlflow-artifacts/artifacts',
      'PUT',
      `${this.base}/api/2.0/mlflow-artifacts/artifacts/${path}`,
      data,
      mime,
    );
  }

  private async request(
    method: 'GET' | 'POST',
    endpoint: string,
    body: object,
    notFoundIsNull = false,
  ): Promise<unknown> {
    const url = new URL(`${this.base}/api/2.0/mlflow/${endpoint}`);
    if (method === 'GET') {
      for (const [k, v] of Object.entries(body)) url.searchParams.set(k, String(v));
      return this.send(endpoint, 'GET', url.href, undefined, undefined, notFoundIsNull);
    }
    return this.send(endpoint, 'POST', url.href, JSON.stringify(body), 'application/json', notFoundIsNull);
  }

  private async send(
    endpoint: string,
    method: string,
    url: string,
    body: string | Uint8Array | undefined,
    contentType: string | undefined,
    notFoundIsNull = false,
  ): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (this.opts.token !== undefined && this.opts.token !== '')
      headers.authorization = `Bearer ${this.opts.token}`;
    let last = '';
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        const err = e as Error;
        last =
          err.name === 'TimeoutError'
            ? `no answer within ${this.timeoutMs} ms`
            : `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`;
        if (attempt >= this.attempts)
          throw new MlflowError(`${endpoint}: ${last} (after ${attempt} attempts)`, endpoint, null, null);
        await this.sleep(this.backoff(attempt, null));
        continue;
      }
      const text = await res.text();
      if (res.ok) {
        if (text === '') return {};
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return {};
        }
      }
      const { code, message } = parseError(text);
      if (notFoundIsNull && res.status === 404 && code === 'RESOURCE_DOES_NOT_EXIST') return null;
      const retryable = res.status === 429 || res.status >= 500;
      const what = `${endpoint}: HTTP ${res.status}${code !== null ? ` ${code}` : ''}${message !== '' ? `: ${message}` : ''}`;
      if (!retryable) throw new MlflowError(what, endpoint, res.status, code);
      last = what;
      if (attempt >= this.attempts)
        throw new MlflowError(`${last} (after ${attempt} attempts)`, endpoint, res.status, code);
      await this.sleep(this.backoff(attempt, res.headers.get('retry-after')));
    }
  }

  private backoff(attempt: number, retryAfter: string | null): number {
    const exp = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    const ra = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
    return Math.min(this.maxDelayMs, Math.max(exp, ra));
  }
}

/** `<experiment_id>/<run_id>/artifacts` from `mlflow-artifacts:/…` or `mlflow-artifacts://host:port/…`. */
export function proxiedArtifactRoot(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.+?)\/*$/.exec(artifactUri);
  if (m?.[1] === undefined)
    throw new MlflowError(
      `the server stores this run's artifacts at ${artifactUri === '' ? '(no artifact_uri)' : artifactUri}, not behind its artifact proxy; start it with --serve-artifacts (the default of mlflow server) to receive artifacts`,
      'mlflow-artifacts/artifacts',
      null,
      null,
    );
  return m[1];
}

function parseError(text: string): { code: string | null; message: string } {
  try {
    const j = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    return {
      code: typeof j.error_code === 'string' ? j.error_code : null,
      message: typeof j.message === 'string' ? j.message : '',
    };
  } catch {
    return { code: null, message: text.slice(0, 200).trim() };
  }
}
