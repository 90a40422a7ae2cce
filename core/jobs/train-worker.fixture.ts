/**
 * A training worker with a scripted fake trainer (no tfjs), for the service's tests: the real message
 * loop (train-worker-host.ts) around a trainer that advances `FAKE_STEPS_PER_TICK` steps every
 * QB_FAKE_TICK_MS (default 5 ms), emits a metrics sample per tick, writes real checkpoints
 * (core/rl/train/checkpoint.ts, with a one-number "agent") every budget.checkpointEvery steps and on
 * stop, resumes from the newest one, and honours gate, signal and budget.maxMinutes (a time stop, with
 * the real trainers' reason and checkpoint mark) like the real trainers.
 *
 * Scripted failures by config name: "fake-nan" → status 'failed' at step ≥ 200 (after a checkpoint);
 * "fake-crash" → the thread exits with code 3 at step ≥ 200; "fake-throw" → createTrainer throws.
 * `train.evaluate` answers 'unavailable', except for "fake-eval-block": an evaluation that blocks
 * the thread for 60 s and ignores its stop flag (the service must terminate the worker to cancel it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { listCheckpoints, writeCheckpoint, type CheckpointStop } from '../rl/train/checkpoint';
import { trainConfigSchema, type TrainConfig } from '../rl/train/config';
import { timeBudgetReason } from '../rl/train/run-label';
import type { CheckpointInfo, QuoteCurve, Trainer, TrainResult, TrainRunOptions } from '../rl/train/types';
import { hostTrainWorker, UnavailableError, type TrainerOpenOptions } from './train-worker-host';

export const FAKE_STEPS_PER_TICK = 20;

const port = parentPort;
if (!port) throw new Error('train-worker.fixture must run in a worker thread');
const tickMs = Number(process.env.QB_FAKE_TICK_MS ?? 5);

class FakeTrainer implements Trainer {
  readonly algo: TrainConfig['algo'];
  readonly backend = 'fake';
  startStep = 0;
  private step = 0;
  private updates = 0;
  private episodes = 0;

  constructor(
    private readonly cfg: TrainConfig,
    readonly runDir: string,
    resume: boolean,
  ) {
    this.algo = cfg.algo;
    const cps = listCheckpoints(runDir);
    if (resume) {
      const last = cps[cps.length - 1];
      if (!last) throw new Error(`nothing to resume: no checkpoint in ${runDir}`);
      this.step = last.step;
      this.updates = last.updates;
      this.episodes = last.episodes;
      this.startStep = last.step;
    } else if (cps.length > 0) {
      throw new Error(`${runDir} already holds a training run`);
    }
  }

  async run(opts: TrainRunOptions = {}): Promise<TrainResult> {
    const total = this.cfg.budget.totalSteps;
    const every = this.cfg.budget.checkpointEvery;
    opts.onLog?.(`fake trainer from step ${this.step}`);
    let last: CheckpointInfo | undefined;
    const started = performance.now();
    while (this.step < total) {
      await opts.gate?.();
      if (opts.signal?.aborted) {
        last = this.checkpoint(opts, { cause: 'request', reason: 'aborted' });
        return { ...this.result('stopped', last, 'aborted'), stoppedBy: 'request' };
      }
      const maxMin = this.cfg.budget.maxMinutes;
      if (maxMin !== undefined && performance.now() - started > maxMin * 60_000) {
        const reason = timeBudgetReason(this.step, maxMin);
        last = this.checkpoint(opts, { cause: 'time', reason });
        return { ...this.result('stopped', last, reason), stoppedBy: 'time' };
      }
      await new Promise((r) => setTimeout(r, tickMs));
      const before = this.step;
      this.step = Math.min(total, this.step + FAKE_STEPS_PER_TICK);
      this.updates += FAKE_STEPS_PER_TICK / 2;
      if (this.step % 100 === 0) this.episodes++;
      if (this.step >= 200 && this.cfg.name === 'fake-nan') {
        return this.result('failed', last, `critic loss is NaN at update ${this.updates}`);
      }
      if (this.step >= 200 && this.cfg.name === 'fake-crash') process.exit(3);
      opts.onMetrics?.({
        step: this.step,
        totalSteps: total,
        updates: this.updates,
        episodes: this.episodes,
        elapsedSec: (performance.now() - started) / 1000,
        stepsPerSec: 1000,
        episodeReturn: this.step / 100,
        actorLoss: 1 / (1 + this.step),
        criticLoss: 2 / (1 + this.step),
        alpha: 0.2,
        entropy: -1,
        ...(this.step % 200 === 0 ? { evalReturn: this.step / 50, evalBaselineReturn: 1 } : {}),
      });
      if (Math.floor(this.step / every) > Math.floor(before / every)) last = this.checkpoint(opts);
    }
    last = this.checkpoint(opts);
    return this.result('finished', last);
  }

  quoteCurves(inventories: readonly number[]): QuoteCurve[] {
    const curve = (name: string, base: number): QuoteCurve => ({
      name,
      points: inventories.map((q) => ({ q, bid: base + 0.01 * q, ask: base - 0.01 * q })),
    });
    return [curve('agent', 0.5 + this.step / 1e4), curve('AS', 0.6), curve('GLFT', 0.55)];
  }

  dispose(): void {}

  private checkpoint(opts: TrainRunOptions, stop?: CheckpointStop): CheckpointInfo {
    const info = writeCheckpoint(this.runDir, {
      algo: this.algo,
      step: this.step,
      totalSteps: this.cfg.budget.totalSteps,
      ...(stop ? { stop } : {}),
      updates: this.updates,
      episodes: this.episodes,
      configHash: 'fake',
      evalReturn: this.step / 50,
      nextPath: [0],
      normalizer: null,
      trainer: {},
      agent: { w: new Float32Array([this.step]) },
    });
    opts.onCheckpoint?.(info);
    return info;
  }

  private result(
    status: TrainResult['status'],
    last: CheckpointInfo | undefined,
    reason?: string,
  ): TrainResult {
    return {
      status,
      ...(reason !== undefined ? { reason } : {}),
      step: this.step,
      updates: this.updates,
      episodes: this.episodes,
      ...(last ? { lastCheckpoint: last } : {}),
    };
  }
}

hostTrainWorker(port, {
  parseConfig: (config) => trainConfigSchema.parse(config),
  evaluate: (cfg, req) => {
    if (cfg.name !== 'fake-eval-block')
      return Promise.reject(
        new UnavailableError('evaluation against baselines is not available in this build'),
      );
    // Synchronous work that never looks at a signal or flag; a heartbeat file shows it is running.
    const beat = path.join(req.runDir, 'eval-heartbeat');
    const end = performance.now() + 60_000;
    let next = 0;
    for (let n = 0; performance.now() < end;) {
      if (performance.now() >= next) {
        fs.writeFileSync(beat, String(n++));
        next = performance.now() + 20;
      }
    }
    return Promise.reject(new Error('the blocking fake evaluation was not cancelled'));
  },
  createTrainer: (cfg: TrainConfig, opts: TrainerOpenOptions) => {
    if (cfg.name === 'fake-throw') return Promise.reject(new Error('cannot build the networks'));
    return Promise.resolve(new FakeTrainer(cfg, opts.runDir, opts.resume === true));
  },
});
