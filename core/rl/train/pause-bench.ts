/**
 * Pause latency of a training run: how long after a pause request the trainer actually stops working
 * (awaits its gate), measured on resources/configs/ppo-default.yaml (2,048 transitions per update, 10
 * epochs of 8 minibatches of 256, 64×64 networks) with a shortened budget.
 *
 * Method: the trainer runs in this thread, as it does in the training worker, where a `pause` message
 * is handled only when the trainer yields to the event loop. A seeded sequence of timers stands for
 * the messages: a timer due at t0 sets the pause flag when the loop next runs, and the gate records t1
 * when the trainer next consults it (then resumes it 2 ms later and arms the next timer); the latency
 * is t1 − t0, what a message arriving at t0 would wait. A pause is "mid-update" when its timer ran
 * while Ppo.updateSteps was being driven (the minibatch loop). A benchmark, not a test: never assert
 * on its timings (`quotebench bench --only pause`, or `npx tsx core/rl/train/pause-bench.ts`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from '../../rng/rng';
import type { Ppo } from '../ppo/ppo';
import type { RolloutBuffer } from '../ppo/rollout';
import { parseTrainConfig } from './config';
import { createTrainer } from './trainer';

export interface PauseBenchResult {
  /** Largest latency of the pauses requested while a PPO update ran (ms). */
  ppoPauseLatencyMaxMs: number;
  /** Median and 95th percentile of those (ms). */
  ppoPauseLatencyMedianMs: number;
  ppoPauseLatencyP95Ms: number;
  /** Pauses that landed mid-update, and all pauses. */
  midUpdatePauses: number;
  pauses: number;
  /** Largest latency over every pause (rollout, update, evaluation). */
  pauseLatencyMaxMs: number;
  backend: string;
}

export interface PauseBenchOptions {
  /** Env steps to train (default 20 PPO iterations of 2,048). */
  totalSteps?: number;
  seed?: number;
}

function configPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '../../../resources/configs/ppo-default.yaml');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** The q-quantile by the nearest rank. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export async function benchPauseLatency(opts: PauseBenchOptions = {}): Promise<PauseBenchResult> {
  const parsed = parseTrainConfig(fs.readFileSync(configPath(), 'utf8'), 'ppo-default.yaml');
  const totalSteps = opts.totalSteps ?? 20 * 2048;
  const cfg = {
    ...parsed,
    budget: {
      ...parsed.budget,
      totalSteps,
      checkpointEvery: totalSteps,
      evalEvery: totalSteps,
      evalEpisodes: 1,
    },
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-pause-bench-'));
  const rng = new Rng(opts.seed ?? 11);
  const all: number[] = [];
  const mid: number[] = [];
  let inUpdate = false;
  let paused = false;
  let t0 = 0;
  let t0MidUpdate = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  const arm = (): void => {
    if (done) return;
    const delay = 30 + rng.int(400);
    const due = performance.now() + delay;
    timer = setTimeout(() => {
      paused = true;
      t0 = due;
      t0MidUpdate = inUpdate;
    }, delay);
  };
  try {
    const trainer = await createTrainer(cfg, { runDir: dir, quiet: true });
    const agent = (trainer as unknown as { agent: Ppo }).agent;
    const updateSteps = agent.updateSteps.bind(agent);
    agent.updateSteps = function* (buf: RolloutBuffer) {
      inUpdate = true;
      try {
        return yield* updateSteps(buf);
      } finally {
        inUpdate = false;
      }
    };
    arm();
    await trainer.run({
      signal: new AbortController().signal,
      gate: () => {
        if (!paused) return Promise.resolve();
        const latency = performance.now() - t0;
        all.push(latency);
        if (t0MidUpdate) mid.push(latency);
        paused = false;
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            arm();
            resolve();
          }, 2),
        );
      },
    });
    done = true;
    clearTimeout(timer);
    const backend = trainer.backend;
    trainer.dispose();
    const round = (x: number): number => Math.round(x * 10) / 10;
    return {
      ppoPauseLatencyMaxMs: round(Math.max(...mid)),
      ppoPauseLatencyMedianMs: round(median(mid)),
      ppoPauseLatencyP95Ms: round(quantile(mid, 0.95)),
      midUpdatePauses: mid.length,
      pauses: all.length,
      pauseLatencyMaxMs: round(Math.max(...all)),
      backend,
    };
  } finally {
    done = true;
    clearTimeout(timer);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const steps = process.argv[2] !== undefined ? Number(process.argv[2]) : undefined;
  void benchPauseLatency(steps !== undefined ? { totalSteps: steps } : {}).then((r) =>
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
  );
}
