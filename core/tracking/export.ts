/**
 * Export mapped runs (run-mapping.ts) to an MLflow tracking server over REST: one MLflow run per
 * Quotebench run, in the experiment named by the caller (created if absent). Order per run:
 * runs/create (start time, name and tags), runs/log-batch as many times as the limits need (params,
 * remaining tags, metrics), the artifacts through the artifact proxy, then runs/update with the run's
 * final status and end time. A failure stops the export and names the run and the endpoint; the MLflow
 * run it was writing is marked FAILED (best effort) so it is not left RUNNING.
 */
import type { MlflowClient } from './mlflow-client';
import { MlflowError } from './mlflow-client';
import type { TrackedRun } from './run-mapping';

export interface ExportedRun {
  sourceId: string;
  mlflowRunId: string;
  batches: number;
  artifacts: number;
}

export async function exportRunsToServer(
  client: MlflowClient,
  experimentName: string,
  runs: readonly TrackedRun[],
): Promise<{ experimentId: string; runs: ExportedRun[] }> {
  const experimentId = await client.experimentId(experimentName);
  const out: ExportedRun[] = [];
  for (const run of runs) {
    try {
      out.push(await exportOne(client, experimentId, run));
    } catch (e) {
      if (e instanceof MlflowError)
        throw new MlflowError(`run ${run.sourceId}: ${e.message}`, e.endpoint, e.status, e.errorCode);
      throw e;
    }
  }
  return { experimentId, runs: out };
}

async function exportOne(client: MlflowClient, experimentId: string, run: TrackedRun): Promise<ExportedRun> {
  const created = await client.createRun({
    experimentId,
    runName: run.name,
    startTime: run.startTime,
    tags: run.tags,
  });
  try {
    const batches = await client.logBatch(created.runId, {
      metrics: run.metrics,
      params: run.params,
      tags: [],
    });
    for (const a of run.artifacts) await client.uploadArtifact(created.artifactUri, a.path, a.data, a.mime);
    if (run.status !== 'RUNNING')
      await client.updateRun(created.runId, run.status, run.endTime ?? run.startTime);
    return { sourceId: run.sourceId, mlflowRunId: created.runId, batches, artifacts: run.artifacts.length };
  } catch (e) {
    // Do not leave the MLflow run RUNNING (best effort: the server may be the problem).
    await client.updateRun(created.runId, 'FAILED', Date.now()).catch(() => undefined);
    throw e;
  }
}
