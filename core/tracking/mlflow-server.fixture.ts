/**
 * A local stand-in for an MLflow tracking server (node:http on 127.0.0.1, random port) implementing
 * the subset the exporter uses: experiments/get-by-name, experiments/create, runs/create,
 * runs/log-batch, runs/update and PUT /api/2.0/mlflow-artifacts/artifacts/<path>. It records every
 * request, keeps what was logged per run, enforces log-batch's limits the way MLflow does (400
 * INVALID_PARAMETER_VALUE with MLflow's message), refuses to change a param's value, and can be told
 * to answer the next request to an endpoint with a given status once (429/500 injection).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MLFLOW_LIMITS, type MlflowKeyValue, type MlflowMetric } from './limits';

export interface RecordedRequest {
  method: string;
  endpoint: string;
  bytes: number;
  body: unknown;
  authorization: string | undefined;
}

export interface FakeRun {
  runId: string;
  experimentId: string;
  name: string;
  startTime: number;
  endTime: number | null;
  status: string;
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: MlflowMetric[];
  artifacts: Map<string, Buffer>;
}

export interface FakeMlflow {
  url: string;
  requests: RecordedRequest[];
  experiments: Map<string, string>;
  runs: Map<string, FakeRun>;
  /** Answer the next request to `endpoint` (e.g. 'runs/log-batch') with `status`, once. */
  failOnce(endpoint: string, status: number, errorCode?: string, message?: string): void;
  close(): Promise<void>;
}

export async function startFakeMlflow(opts: { serveArtifacts?: boolean } = {}): Promise<FakeMlflow> {
  const requests: RecordedRequest[] = [];
  const experiments = new Map<string, string>(); // name → id
  const runs = new Map<string, FakeRun>();
  const failures = new Map<string, { status: number; code: string; message: string }[]>();
  let nextId = 1;

  const read = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((res, rej) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res(Buffer.concat(chunks)));
      req.on('error', rej);
    });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await read(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const art = '/api/2.0/mlflow-artifacts/artifacts/';
      const endpoint = url.pathname.startsWith(art)
        ? 'mlflow-artifacts/artifacts'
        : url.pathname.replace('/api/2.0/mlflow/', '');
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const err = (status: number, code: string, message: string): void =>
        send(status, { error_code: code, message });
      let body: unknown = null;
      if (req.headers['content-type'] === 'application/json' && raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return err(400, 'MALFORMED_REQUEST', 'body is not JSON');
        }
      }
      requests.push({
        method: req.method ?? '',
        endpoint,
        bytes: raw.length,
        body,
        authorization: req.headers.authorization,
      });
      const injected = failures.get(endpoint)?.shift();
      if (injected) return err(injected.status, injected.code, injected.message);

      if (endpoint === 'mlflow-artifacts/artifacts' && req.method === 'PUT') {
        const path = decodeURIComponent(url.pathname.slice(art.length));
        const m = /^([^/]+)\/([^/]+)\/artifacts\/(.+)$/.exec(path);
        const run = m ? runs.get(m[2] ?? '') : undefined;
        if (!m || !run) return err(404, 'RESOURCE_DOES_NOT_EXIST', `no run for artifact path ${path}`);
        run.artifacts.set(m[3] ?? '', raw);
        return send(200, {});
      }
      const b = (body ?? {}) as Record<string, unknown>;
      switch (`${req.method} ${endpoint}`) {
        case 'GET experiments/get-by-name': {
          const name = url.searchParams.get('experiment_name') ?? '';
          const id = experiments.get(name);
          if (id === undefined)
            return err(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
          return send(200, { experiment: { experiment_id: id, name, lifecycle_stage: 'active' } });
        }
        case 'POST experiments/create': {
          const name = String(b.name);
          if (experiments.has(name))
            return err(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
          const id = String(100 + nextId++);
          experiments.set(name, id);
          return send(200, { experiment_id: id });
        }
        case 'POST runs/create': {
          const experimentId = String(b.experiment_id);
          if (![...experiments.values()].includes(experimentId))
            return err(404, 'RESOURCE_DOES_NOT_EXIST', `No experiment ${experimentId}`);
          const runId = `run${String(nextId++).padStart(29, '0')}`;
          const tags = new Map(((b.tags as MlflowKeyValue[] | undefined) ?? []).map((t) => [t.key, t.value]));
          const run: FakeRun = {
            runId,
            experimentId,
            name: String(b.run_name ?? ''),
            startTime: Number(b.start_time),
            endTime: null,
            status: 'RUNNING',
            params: new Map(),
            tags,
            metrics: [],
            artifacts: new Map(),
          };
          runs.set(runId, run);
          const artifactUri =
            opts.serveArtifacts === false
              ? `s3://bucket/${experimentId}/${runId}/artifacts`
              : `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
          return send(200, {
            run: {
              info: {
                run_id: runId,
                run_uuid: runId,
                experiment_id: experimentId,
                artifact_uri: artifactUri,
                status: 'RUNNING',
              },
            },
          });
        }
        case 'POST runs/log-batch': {
          const run = runs.get(String(b.run_id));
          if (!run) return err(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${String(b.run_id)}' not found`);
          const metrics = (b.metrics as MlflowMetric[] | undefined) ?? [];
          const params = (b.params as MlflowKeyValue[] | undefined) ?? [];
          const tags = (b.tags as MlflowKeyValue[] | undefined) ?? [];
          // MLflow's own messages (mlflow/utils/validation.py, _validate_batch_log_limits).
          if (metrics.length > MLFLOW_LIMITS.metricsPerBatch)
            return err(
              400,
              'INVALID_PARAMETER_VALUE',
              `A batch logging request can contain at most ${MLFLOW_LIMITS.metricsPerBatch} metrics. Got ${metrics.length} metrics. Please split up metrics across multiple requests and try again.`,
            );
          if (params.length > MLFLOW_LIMITS.paramsPerBatch)
            return err(
              400,
              'INVALID_PARAMETER_VALUE',
              `A batch logging request can contain at most ${MLFLOW_LIMITS.paramsPerBatch} params. Got ${params.length} params. Please split up params across multiple requests and try again.`,
            );
          if (tags.length > MLFLOW_LIMITS.tagsPerBatch)
            return err(
              400,
              'INVALID_PARAMETER_VALUE',
              `A batch logging request can contain at most ${MLFLOW_LIMITS.tagsPerBatch} tags. Got ${tags.length} tags. Please split up tags across multiple requests and try again.`,
            );
          const total = metrics.length + params.length + tags.length;
          if (total > MLFLOW_LIMITS.entitiesPerBatch)
            return err(
              400,
              'INVALID_PARAMETER_VALUE',
              `A batch logging request can contain at most ${MLFLOW_LIMITS.entitiesPerBatch} metrics, params, and tags in total. Got ${total} entities.`,
            );
          if (raw.length > MLFLOW_LIMITS.batchBytes)
            return err(
              400,
              'INVALID_PARAMETER_VALUE',
              `Batched logging API requests must be at most ${MLFLOW_LIMITS.batchBytes} bytes, got a request of size ${raw.length}.`,
            );
          for (const p of params) {
            if (p.value.length > MLFLOW_LIMITS.paramValueLength)
              return err(
                400,
                'INVALID_PARAMETER_VALUE',
                `Param value '${p.value.slice(0, 20)}…' had length ${p.value.length}, which exceeded length limit of ${MLFLOW_LIMITS.paramValueLength}`,
              );
            const old = run.params.get(p.key);
            if (old !== undefined && old !== p.value)
              return err(
                400,
                'INVALID_PARAMETER_VALUE',
                `Changing param values is not allowed. Param with key='${p.key}' was already logged.`,
              );
          }
          for (const p of params) run.params.set(p.key, p.value);
          for (const t of tags) run.tags.set(t.key, t.value);
          run.metrics.push(...metrics);
          return send(200, {});
        }
        case 'POST runs/update': {
          const run = runs.get(String(b.run_id));
          if (!run) return err(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${String(b.run_id)}' not found`);
          run.status = String(b.status);
          run.endTime = b.end_time === undefined ? null : Number(b.end_time);
          return send(200, { run_info: { run_id: run.runId, status: run.status } });
        }
        default:
          return err(404, 'ENDPOINT_NOT_FOUND', `No API endpoint ${req.method ?? ''} ${url.pathname}`);
      }
    })().catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    experiments,
    runs,
    failOnce(
      endpoint,
      status,
      errorCode = status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'INTERNAL_ERROR',
      message = 'injected',
    ) {
      const l = failures.get(endpoint) ?? [];
      l.push({ status, code: errorCode, message });
      failures.set(endpoint, l);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
