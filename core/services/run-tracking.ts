/**
 * The app's jobs recorded as tracked runs (issue 13 §5), as the CLI records its own (core/cli/eval.ts,
 * calibrate.ts; both through core/store/run-recorder.ts):
 *
 * - `train.evaluate` → an 'eval' run: the training run, checkpoint, episodes and tuning as config with
 *   the training config, the evaluation seed (core/rl/train/config.ts evaluationSeed), one result per
 *   quoter (mean and CI of each per-path metric), 'cancelled' when the evaluation was cancelled and
 *   'failed' with the reason otherwise.
 * - `calibration.fit` → a 'calibrate' run, created when the fit is queued and ended by its `data.done`:
 *   the dataset's content hash, the fit's headline numbers (calibration-fit.ts calibrationMetrics, which
 *   the CLI records too) and the saved fit file by SHA-256. A fit still running when the app closes
 *   stays 'running' and becomes 'incomplete' at the next start (run-ownership.ts).
 * - A replay backtest carries its dataset's content hash (replayDatasetHash).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ApiException,
  type CalibrationResult,
  type RunRow,
  type TrainEvalReport,
  type TrainingRunRow,
} from '../api/contract';
import type { EventBus } from '../api/registry';
import { readDataset } from '../data/catalog';
import { evaluationSeed, type TrainConfig } from '../rl/train/config';
import { codeVersion } from '../store/code-version';
import type { Store } from '../store/db';
import { RunRecorder, canonical, meanCiMetrics } from '../store/run-recorder';
import { CALIBRATION_SEED, fitInterval } from './calibration-fit';
import { datasetSpanSeconds } from '../calibration/dataset-arrays';

/** The catalog's content hash of a replay config's dataset (null: not a replay, or not in the catalog). */
export function replayDatasetHash(config: unknown, dataDir: string): string | null {
  const sc = (config as { scenario?: { mode?: unknown; dataset?: unknown } } | null)?.scenario;
  if (sc?.mode !== 'replay' || typeof sc.dataset !== 'string') return null;
  try {
    return readDataset(dataDir, sc.dataset).contentHash;
  } catch {
    return null;
  }
}

/**
 * A backtest's run, created once its config is valid: the config, seed, path count, code version and a
 * replay's dataset hash. The app's backtest.start and `quotebench backtest` both record it so.
 */
export function createBacktestRun(store: Store, cfg: { name: string; seed: number; paths: number }): RunRow {
  return store.runs.create({
    kind: 'backtest',
    name: cfg.name,
    config: cfg,
    seed: cfg.seed,
    paths: cfg.paths,
    codeVersion: codeVersion(),
    datasetHash: replayDatasetHash(cfg, store.dataDir),
  });
}

/**
 * A training run's row, created as its trainer starts: config, seed, code version, run directory and
 * step budget. The app's train.start (with the id it named the run directory by, and the name the user
 * gave) and `quotebench train` both record it so.
 */
export function createTrainingRun(
  store: Store,
  cfg: TrainConfig,
  runDir: string,
  as: { id?: string; name?: string | undefined } = {},
): TrainingRunRow {
  return store.training.create({
    id: as.id,
    name: as.name ?? cfg.name,
    algo: cfg.algo,
    config: cfg,
    seed: cfg.seed,
    codeVersion: codeVersion(),
    runDir,
    totalSteps: cfg.budget.totalSteps,
  });
}

export interface EvaluateInput {
  id: string;
  checkpoint?: string | undefined;
  episodes: number;
  tuneEpisodes: number;
}

/** Run `evaluate` (TrainingService.evaluate) recorded as an 'eval' run; its result or error unchanged. */
export async function trackTrainEvaluate(
  store: Store,
  input: EvaluateInput,
  evaluate: () => Promise<TrainEvalReport>,
): Promise<TrainEvalReport> {
  const row = store.training.get(input.id);
  if (row === null) return evaluate(); // not found: the service answers with its own error
  const train = store.training.config(input.id) as TrainConfig;
  let seed = 0;
  try {
    seed = evaluationSeed(train);
  } catch {
    seed = 0;
  }
  let recorder: RunRecorder;
  try {
    recorder = startEvalRun(store, input, row, train, seed);
  } catch {
    return evaluate(); // the evaluation does not depend on its record (a store error is not the user's)
  }
  let report: TrainEvalReport;
  try {
    report = await evaluate();
  } catch (e) {
    if (e instanceof ApiException && /was cancelled/.test(e.message)) recorder.cancel();
    else recorder.fail(e);
    throw e;
  }
  await recorder.complete({
    results: report.rows.map((r, index) => ({
      index,
      strategy: r.name,
      params: r.params ?? {},
      scenario: train.scenario?.name ?? 'scenario',
      paths: report.episodes,
      metrics: meanCiMetrics(r.summary),
    })),
    metrics: {
      step: report.step,
      episodes: report.episodes,
      ...(report.tuning ? { tuningPaths: report.tuning.paths } : {}),
    },
  });
  return report;
}

function startEvalRun(
  store: Store,
  input: EvaluateInput,
  row: { name: string; algo: string },
  train: TrainConfig,
  seed: number,
): RunRecorder {
  return RunRecorder.start(store.runs, {
    kind: 'eval',
    name: `eval ${row.name}`,
    config: canonical({
      command: 'train.evaluate',
      trainingRun: input.id,
      checkpoint: input.checkpoint ?? 'latest',
      episodes: input.episodes,
      tuneEpisodes: input.tuneEpisodes,
      train,
    }),
    seed,
    paths: input.episodes,
    codeVersion: codeVersion(),
    tags: [row.algo, 'app'],
  });
}

/**
 * Record the fit queued as `jobId` (DataService.fit) as a 'calibrate' run, ended by its data.done.
 * Returns the run id, or null when the run could not be recorded (the fit goes on).
 */
export function trackCalibrationFit(opts: {
  store: Store;
  bus: EventBus;
  dataDir: string;
  calibrationsDir: string;
  dataset: string;
  jobId: string;
}): string | null {
  try {
    return startCalibrationRun(opts);
  } catch {
    return null; // the fit runs whatever happens to its record (a store error is not the user's)
  }
}

function startCalibrationRun(opts: Parameters<typeof trackCalibrationFit>[0]): string {
  const info = readDataset(opts.dataDir, opts.dataset);
  const recorder = RunRecorder.start(opts.store.runs, {
    kind: 'calibrate',
    name: `calibrate ${info.name}`,
    config: canonical({
      command: 'calibration.fit',
      dataset: info.id,
      interval: fitInterval(datasetSpanSeconds(info)),
    }),
    seed: CALIBRATION_SEED,
    paths: 0,
    codeVersion: codeVersion(),
    datasetHash: info.contentHash,
    tags: [info.format, info.name.replace(/[^\p{L}\p{N}_.:/-]/gu, '_').slice(0, 100) || '_', 'app'],
  });
  const off = opts.bus.subscribe('data.done', (d) => {
    if (d.jobId !== opts.jobId) return;
    off();
    if (d.status === 'cancelled') {
      recorder.cancel();
      return;
    }
    if (d.status !== 'completed') {
      recorder.fail(d.error ?? 'the fit failed');
      return;
    }
    const file = path.join(opts.calibrationsDir, `${info.id}.json`);
    let metrics: Record<string, number> = {};
    try {
      metrics = (JSON.parse(readFileSync(file, 'utf8')) as CalibrationResult).metrics ?? {};
    } catch {
      metrics = {};
    }
    void recorder.complete({ metrics, files: [file] }).catch((e: unknown) => {
      try {
        recorder.fail(e);
      } catch {
        // the store is closing: the run becomes incomplete at the next open
      }
    });
  });
  return recorder.id;
}
