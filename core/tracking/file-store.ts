/**
 * The offline export: mapped runs (run-mapping.ts) written in MLflow's own file-store layout, so that
 * `mlflow ui --backend-store-uri ./mlruns` (or `mlflow server`) reads them, and copying the directory
 * next to other mlruns imports them.
 *
 * Layout, as MLflow's FileStore writes and reads it (mlflow/store/tracking/file_store.py):
 *   mlruns/.trash/                                  (FileStore creates it; kept for its checks)
 *   mlruns/0/meta.yaml                              the Default experiment, when absent
 *   mlruns/<experiment_id>/meta.yaml                experiment_id, name, artifact_location,
 *                                                   lifecycle_stage, creation_time, last_update_time
 *   mlruns/<experiment_id>/<run_id>/meta.yaml       run_id, run_uuid, run_name, experiment_id,
 *                                                   status (int: RUNNING 1, FINISHED 3, FAILED 4,
 *                                                   KILLED 5), start_time, end_time, artifact_uri,
 *                                                   lifecycle_stage, user_id, source_* and tags: []
 *   mlruns/<experiment_id>/<run_id>/params/<key>    the value, no trailing newline
 *   mlruns/<experiment_id>/<run_id>/tags/<key>      the value, no trailing newline
 *   mlruns/<experiment_id>/<run_id>/metrics/<key>   one line per point: "<timestamp> <value> <step>"
 *   mlruns/<experiment_id>/<run_id>/artifacts/…     the files
 * (FileStore._log_run_metric appends f"{timestamp} {value} {step}\n"; _get_metric_from_line splits on
 * spaces, int timestamp, float value, int step.)
 *
 * The experiment id is derived from its name (a stable decimal id, as MLflow's are), and the MLflow run
 * id from the Quotebench run id (its hex digits), so exporting the same run again replaces it rather
 * than duplicating it. Each run is written to a temporary directory and renamed into place.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { TrackedRun } from './run-mapping';

export const RUN_STATUS_CODE = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;
/** mlflow.entities.SourceType.LOCAL. */
const SOURCE_TYPE_LOCAL = 4;

export class FileStoreError extends Error {
  override name = 'FileStoreError';
}

/** A stable numeric experiment id for `name` (never "0", the Default experiment's). */
export function experimentIdFor(name: string): string {
  const h = createHash('sha256').update(name).digest();
  return ((h.readBigUInt64BE(0) % 10n ** 18n) + 1n).toString();
}

/** The MLflow run id of a Quotebench run: its hex digits when it is a UUID, else a hash of it. */
export function mlflowRunIdFor(sourceId: string): string {
  const hex = sourceId.replace(/-/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex)) return hex;
  return createHash('sha256').update(sourceId).digest('hex').slice(0, 32);
}

export interface FileExportResult {
  root: string;
  experimentId: string;
  runs: { sourceId: string; mlflowRunId: string; dir: string }[];
}

export function exportRunsToFileStore(
  outDir: string,
  experimentName: string,
  runs: readonly TrackedRun[],
): FileExportResult {
  const root = resolve(outDir);
  mkdirSync(join(root, '.trash'), { recursive: true });
  const now = Date.now();
  if (!existsSync(join(root, '0', 'meta.yaml'))) writeExperiment(root, '0', 'Default', now);
  const experimentId = experimentIdFor(experimentName);
  const expMeta = join(root, experimentId, 'meta.yaml');
  if (existsSync(expMeta)) {
    const meta = parseYaml(readFileSync(expMeta, 'utf8')) as { name?: unknown } | null;
    if (meta?.name !== experimentName)
      throw new FileStoreError(`${expMeta} holds experiment ${String(meta?.name)}, not ${experimentName}`);
  } else {
    writeExperiment(root, experimentId, experimentName, now);
  }
  const out: FileExportResult['runs'] = [];
  for (const run of runs) {
    const runId = mlflowRunIdFor(run.sourceId);
    const dir = join(root, experimentId, runId);
    const tmp = join(root, experimentId, `.${runId}.${process.pid}.tmp`);
    rmSync(tmp, { recursive: true, force: true });
    try {
      writeRun(tmp, dir, experimentId, runId, run);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    out.push({ sourceId: run.sourceId, mlflowRunId: runId, dir });
  }
  return { root, experimentId, runs: out };
}

function writeExperiment(root: string, id: string, name: string, now: number): void {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  const meta = {
    artifact_location: pathToFileURL(dir).href,
    creation_time: now,
    experiment_id: id,
    last_update_time: now,
    lifecycle_stage: 'active',
    name,
  };
  writeFileSync(join(dir, 'meta.yaml'), toYaml(meta));
}

/** Write the run into `tmp`; its artifact_uri points at `finalDir`, where it will be renamed to. */
function writeRun(tmp: string, finalDir: string, experimentId: string, runId: string, run: TrackedRun): void {
  mkdirSync(tmp, { recursive: true });
  const meta = {
    artifact_uri: pathToFileURL(join(finalDir, 'artifacts')).href,
    end_time: run.endTime,
    entry_point_name: '',
    experiment_id: experimentId,
    lifecycle_stage: 'active',
    run_id: runId,
    run_name: run.name,
    run_uuid: runId,
    source_name: '',
    source_type: SOURCE_TYPE_LOCAL,
    source_version: '',
    start_time: run.startTime,
    status: RUN_STATUS_CODE[run.status],
    tags: [],
    user_id: 'quotebench',
  };
  writeFileSync(join(tmp, 'meta.yaml'), toYaml(meta));
  for (const sub of ['params', 'tags', 'metrics', 'artifacts']) mkdirSync(join(tmp, sub));
  for (const p of run.params) writeFileSync(join(tmp, 'params', p.key), p.value);
  for (const t of run.tags) writeFileSync(join(tmp, 'tags', t.key), t.value);
  const lines = new Map<string, string[]>();
  for (const m of run.metrics) {
    let l = lines.get(m.key);
    if (l === undefined) lines.set(m.key, (l = []));
    l.push(`${Math.round(m.timestamp)} ${formatValue(m.value)} ${Math.round(m.step)}\n`);
  }
  for (const [key, l] of lines) writeFileSync(join(tmp, 'metrics', key), l.join(''));
  for (const a of run.artifacts) {
    const file = join(tmp, 'artifacts', ...a.path.split('/'));
    if (!resolve(file).startsWith(resolve(tmp, 'artifacts')))
      throw new FileStoreError(`artifact path ${a.path} leaves the run's artifact directory`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, a.data);
  }
}

/** A float as Python's float() reads it back exactly (JS shortest round-trip form). */
function formatValue(v: number): string {
  return String(v);
}
