/**
 * `quotebench mlflow export RUN_ID [RUN_ID …] (--uri URL [--experiment NAME] | --out DIR) [--data-dir DIR]`
 *
 * Exports stored runs (backtests, replays, evaluations, calibrations, sweeps, training runs) to MLflow (core/tracking, docs/tracking.md):
 * with --uri (or $MLFLOW_TRACKING_URI when neither --uri nor --out is given) to a tracking server over
 * its REST API, with $MLFLOW_TRACKING_TOKEN as a Bearer token when set (never printed); with --out as
 * an offline export in MLflow's file-store layout. Usage (exit 2 naming the option) and the run ids
 * (an unknown one is named, exit 2) are checked before anything is sent or written. A server error
 * exits 1 naming the run, the endpoint and the server's error code and message.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, UserError, cliDataDir, parseWithPositionals } from './args';
import { MLFLOW_OPTIONS } from './commands';
import { openStore } from '../store/db';
import { exportRunsToServer } from '../tracking/export';
import { exportRunsToFileStore } from '../tracking/file-store';
import { MlflowClient, MlflowError } from '../tracking/mlflow-client';
import { mapStoredRun, UnknownRunError, type TrackedRun } from '../tracking/run-mapping';

export async function mlflowCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'export') throw new UsageError(`expected export as the first argument, got "${sub ?? ''}"`);
  const { values, positionals } = parseWithPositionals(rest, MLFLOW_OPTIONS, true);
  if (positionals.length === 0) throw new UsageError('expected at least one RUN_ID');
  if (values.uri !== undefined && values.out !== undefined)
    throw new UsageError('--uri and --out exclude each other: log to a server or write an offline export');
  const envUri = process.env.MLFLOW_TRACKING_URI;
  const uri = values.out === undefined ? (values.uri ?? (envUri !== '' ? envUri : undefined)) : undefined;
  if (uri === undefined && values.out === undefined)
    throw new UsageError('--uri URL or --out DIR is required (or set MLFLOW_TRACKING_URI)');
  const experiment = values.experiment ?? 'quotebench';
  if (experiment.trim() === '') throw new UsageError('--experiment must not be empty');
  let client: MlflowClient | undefined;
  if (uri !== undefined) {
    try {
      const token = process.env.MLFLOW_TRACKING_TOKEN;
      client = new MlflowClient({ uri, ...(token !== undefined && token !== '' ? { token } : {}) });
    } catch (e) {
      if (e instanceof MlflowError) throw new UsageError(`--uri ${uri}: ${e.message}`);
      throw e;
    }
  }
  if (values.out !== undefined) {
    const st = statSync(resolve(values.out), { throwIfNoEntry: false });
    if (st !== undefined && !st.isDirectory()) throw new UserError(`--out ${values.out} is not a directory`);
  }
  const dataDir = cliDataDir(values['data-dir']);
  if (!existsSync(dataDir))
    throw new UserError(`--data-dir ${dataDir} does not exist (no runs stored there)`);

  const ids = [...new Set(positionals)];
  const store = openStore(dataDir);
  let runs: TrackedRun[];
  try {
    const unknown = ids.filter((id) => store.runs.get(id) === null && store.training.get(id) === null);
    if (unknown.length > 0)
      throw new UserError(`unknown run id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
    try {
      runs = ids.map((id) => mapStoredRun(store, id, { dataDir }));
    } catch (e) {
      if (e instanceof UnknownRunError) throw new UserError(e.message);
      throw e;
    }
  } finally {
    store.close();
  }
  for (const r of runs) for (const n of r.notes) process.stderr.write(`run ${r.sourceId}: ${n}\n`);

  if (client !== undefined && uri !== undefined) {
    const res = await exportRunsToServer(client, experiment, runs);
    const where = new URL(uri);
    where.username = '';
    where.password = '';
    for (const r of res.runs)
      process.stdout.write(
        `run ${r.sourceId} → MLflow run ${r.mlflowRunId} in experiment ${res.experimentId} at ${where.origin} (${r.batches} log-batch requests, ${r.artifacts} artifacts)\n`,
      );
    return 0;
  }
  const res = exportRunsToFileStore(resolve(values.out ?? '.'), experiment, runs);
  for (const r of res.runs) process.stdout.write(`run ${r.sourceId} → ${r.dir}\n`);
  process.stdout.write(`view with: mlflow ui --backend-store-uri ${res.root}\n`);
  return 0;
}
