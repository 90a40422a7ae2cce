/**
 * `quotebench train --config FILE [--run-dir DIR] [--resume] [--data-dir DIR] [--steps N] [--quiet]`
 *
 * Trains the SAC, PPO or REINFORCE agent a training config describes (core/rl/train/config.ts) and writes its
 * checkpoints under the run directory, by default `<data dir>/training/<config name>-<seed>` (the data
 * dir as everywhere: --data-dir, QUOTEBENCH_DATA_DIR, ~/.quotebench). Prints the tfjs backend line
 * first, then a progress bar on stderr (steps, mean episode return, latest evaluation against the
 * Avellaneda–Stoikov baseline), one line per checkpoint, and a summary on stdout. SIGINT (Ctrl-C) or
 * SIGTERM stops cleanly after writing a checkpoint and exits 130/143 (a second signal exits at once,
 * losing nothing but the steps since the last checkpoint). `--steps N` overrides budget.totalSteps (also when resuming).
 *
 * Exit codes: 0 finished, 130/143 stopped by SIGINT/SIGTERM, 1 failed (NaN / exploding loss: the last good checkpoint stays),
 * 2 invalid usage, config or run directory (nothing is written for an invalid config).
 *
 * Tracking (issue 13 §5): the run is recorded in the data directory's store as the app records its
 * training runs (core/store/training-repository.ts): config, seed, code version, run directory and
 * backend once the trainer is set up; metrics in batches as they come; every checkpoint; the final
 * status and reason. Each execution is a row of its own (a resumed run is a second row on the same run
 * directory). A store that cannot be opened or written costs a warning, never the training, and
 * nothing of it feeds back into what is learned.
 */
import path from 'node:path';
import { ConfigError } from '../config/load-config';
import { CheckpointError } from '../rl/train/checkpoint';
import { loadTrainConfig, type TrainConfig } from '../rl/train/config';
import { progressLabel } from '../rl/train/run-label';
import { createTrainer, fmt, TrainSetupError, type TrainerHandle } from '../rl/train/trainer';
import type { TrainMetrics, TrainResult } from '../rl/train/types';
import { describeTf, loadTf } from '../rl/tf/backend';
import { DataDirError, resolveDataDir } from '../store/data-dir';
import { createTrainingRun } from '../services/run-tracking';
import type { Store } from '../store/db';
import { startInStore } from './run-record';
import type { CheckpointInfo } from '../rl/train/types';
import { UsageError, intOption, parse } from './args';
import { TRAIN_OPTIONS } from './commands';
import { ProgressBar } from './progress';
import { handleStopSignals } from './stop-signals';

const NAME = 'quotebench train';

/** Default run directory of a config under a data directory. */
export function defaultRunDir(dataDir: string, cfg: Pick<TrainConfig, 'name' | 'seed'>): string {
  return path.join(dataDir, 'training', `${cfg.name}-${cfg.seed}`);
}

export async function trainCommand(args: string[]): Promise<number> {
  const err = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };
  let values;
  let steps: number | undefined;
  try {
    values = parse(args, TRAIN_OPTIONS);
    if (!values.config) throw new UsageError('--config FILE is required');
    if (values.steps !== undefined) steps = intOption(values, 'steps', TRAIN_OPTIONS.steps);
  } catch (e) {
    err(`${NAME}: ${(e as Error).message}`);
    return 2;
  }

  let cfg: TrainConfig;
  try {
    cfg = loadTrainConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`${NAME}: invalid config\n${e.message}`);
      return 2;
    }
    throw e;
  }
  if (steps !== undefined) cfg = { ...cfg, budget: { ...cfg.budget, totalSteps: steps } };

  let runDir: string;
  let dataDir: string;
  try {
    dataDir = resolveDataDir({ ...(values['data-dir'] ? { cliDataDir: values['data-dir'] } : {}) });
    runDir = values['run-dir'] ? path.resolve(values['run-dir']) : defaultRunDir(dataDir, cfg);
  } catch (e) {
    if (e instanceof DataDirError) {
      err(`${NAME}: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const quiet = values.quiet === true;
  err(describeTf(await loadTf({ quiet: true })));

  let trainer: TrainerHandle;
  try {
    trainer = await createTrainer(cfg, { runDir, resume: values.resume === true, quiet: true });
  } catch (e) {
    if (e instanceof TrainSetupError || e instanceof CheckpointError || e instanceof RangeError) {
      err(`${NAME}: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const tty = Boolean(process.stderr.isTTY);
  const bar = new ProgressBar('train', process.stderr, !quiet);
  const line = (s: string): void => {
    if (quiet) return;
    // On a terminal, clear the bar's line first; the bar redraws on the next sample.
    process.stderr.write(tty ? `\r\x1b[K${s}\n` : `${s}\n`);
  };
  line(
    `${cfg.algo.toUpperCase()} '${cfg.name}' (seed ${cfg.seed}, ${cfg.budget.totalSteps} steps) in ${runDir}` +
      (trainer.resumedFrom ? `, resuming at step ${trainer.startStep}` : ''),
  );

  const record = TrainRecord.start(dataDir, cfg, runDir, trainer.backend, err);
  const stop = handleStopSignals({
    name: NAME,
    stopping: 'stopping after a final checkpoint',
    abandoning: 'without a final checkpoint',
  });

  let last: TrainMetrics | undefined;
  let lastReturn: number | undefined;
  let result: TrainResult;
  try {
    result = await trainer.run({
      signal: stop.signal,
      onLog: line,
      onCheckpoint: (c) => {
        // The trainer's own log line names it (onLog).
        record?.checkpoint(c);
      },
      onMetrics: (m) => {
        record?.metrics(m);
        last = m;
        if (m.episodeReturn !== undefined) lastReturn = m.episodeReturn;
        const evalPart =
          m.evalReturn !== undefined ? ` eval ${fmt(m.evalReturn)} vs AS ${fmt(m.evalBaselineReturn)}` : '';
        const stagePart =
          m.curriculumStage !== undefined
            ? ` stage ${m.curriculumStage}/${cfg.curriculum?.stages.length ?? 0}`
            : '';
        bar.update(m.step, m.totalSteps, `ret ${fmt(lastReturn)}${evalPart}${stagePart}`);
      },
    });
  } catch (e) {
    bar.done();
    record?.end('failed', e instanceof Error ? e.message : String(e));
    throw e;
  } finally {
    stop.dispose();
    trainer.dispose();
  }
  bar.done();
  if (result.lastCheckpoint) record?.checkpoint(result.lastCheckpoint);
  record?.end(
    result.status,
    result.status === 'stopped'
      ? (result.reason ?? 'stopped')
      : result.status === 'failed'
        ? (result.reason ?? 'the trainer failed')
        : null,
  );

  const secs = last?.elapsedSec ?? 0;
  const ran = result.step - trainer.startStep;
  const out: string[] = [
    `${cfg.name}: ${result.status}${result.reason !== undefined ? ` (${result.reason})` : ''}`,
    `  steps ${result.step}/${cfg.budget.totalSteps}, updates ${result.updates}, episodes ${result.episodes}; ` +
      `${ran} steps in ${secs.toFixed(1)} s (${secs > 0 ? Math.round(ran / secs) : 0} steps/s), backend ${trainer.backend}`,
  ];
  if (last?.evalReturn !== undefined)
    out.push(`  eval return ${fmt(last.evalReturn)} vs AS baseline ${fmt(last.evalBaselineReturn)}`);
  if (last?.curriculumStage !== undefined)
    out.push(
      `  curriculum stage ${last.curriculumStage} of 0…${cfg.curriculum?.stages.length ?? 0} (the last is the config's scenario)`,
    );
  if (result.stoppedBy === 'time') {
    // budget.maxMinutes is a safety stop, not part of the recipe: the policy is short of its budget.
    const label = progressLabel({ step: result.step, totalSteps: cfg.budget.totalSteps, stop: 'time' });
    if (label !== undefined) out.push(`  ${label}; resume the run to reach its totalSteps`);
  }
  if (result.lastCheckpoint) out.push(`  checkpoint ${result.lastCheckpoint.dir}`);
  out.push(`  run dir ${runDir}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return result.status === 'failed' ? 1 : (stop.exitCode() ?? 0);
}

/** Metric samples written to the store per transaction. */
const METRIC_BATCH = 200;

/** This training run's row in the store; after the first store error it warns once and records no more. */
class TrainRecord {
  private buffer: TrainMetrics[] = [];
  private broken = false;

  private constructor(
    private readonly store: Store,
    readonly id: string,
    private readonly warn: (s: string) => void,
  ) {}

  static start(
    dataDir: string,
    cfg: TrainConfig,
    runDir: string,
    backend: string,
    warn: (s: string) => void,
  ): TrainRecord | undefined {
    return startInStore(
      () => dataDir,
      (store) => {
        const row = createTrainingRun(store, cfg, runDir);
        store.training.setBackend(row.id, backend);
        return new TrainRecord(store, row.id, warn);
      },
      (e) => warn(`${NAME}: warning: not recorded in ${dataDir}: ${e.message}`),
    );
  }

  metrics(m: TrainMetrics): void {
    if (this.broken) return;
    this.buffer.push(m);
    if (this.buffer.length >= METRIC_BATCH) this.flush();
  }

  checkpoint(c: CheckpointInfo): void {
    this.guard(() => {
      this.flush();
      this.store.training.addCheckpoint(this.id, c);
    });
  }

  end(status: 'finished' | 'stopped' | 'failed', reason: string | null): void {
    this.guard(() => {
      this.flush();
      this.store.training.finish(this.id, status, reason);
    });
    this.broken = true;
    this.store.close();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.guard(() => this.store.training.appendMetrics(this.id, batch));
  }

  private guard(fn: () => void): void {
    if (this.broken) return;
    try {
      fn();
    } catch (e) {
      this.broken = true;
      this.warn(`${NAME}: warning: training run ${this.id} no longer recorded: ${(e as Error).message}`);
    }
  }
}
