/**
 * Resume is the same as never stopping (issue 9 §5): a run stopped — or SIGKILLed — after a checkpoint
 * and resumed from it ends with the same weights, optimizer state, replay buffer, normalizer,
 * counters, evaluation and metric samples as the run that never stopped, bit for bit. For SAC and PPO,
 * with checkpoints at an episode boundary, mid-episode, and (PPO) a stop in the middle of a rollout.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadTf } from '../tf/backend';
import { latestCheckpoint, readCheckpoint } from './checkpoint';
import type { TrainConfig } from './config';
import { everyCallClock, resumeBookConfig, resumePpoConfig, resumeSacConfig } from './resume.fixture';
import { createTrainer } from './trainer';
import type { TrainMetrics, TrainResult } from './types';

type Sample = Omit<TrainMetrics, 'elapsedSec' | 'stepsPerSec'>;
const strip = ({ elapsedSec: _e, stepsPerSec: _s, ...rest }: TrainMetrics): Sample => rest;

interface Final {
  result: Omit<TrainResult, 'lastCheckpoint'> & { checkpoint: string | undefined };
  manifest: Record<string, unknown>;
  files: Record<string, string>;
}

/** The final checkpoint of a run, byte for byte (its creation time aside), and the result. */
function final(runDir: string, r: TrainResult): Final {
  const ck = latestCheckpoint(runDir);
  if (!ck) throw new Error(`no checkpoint in ${runDir}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(ck.dir, 'manifest.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete manifest.createdAt;
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(ck.dir).sort())
    if (f.endsWith('.bin')) files[f] = fs.readFileSync(path.join(ck.dir, f)).toString('base64');
  const { lastCheckpoint, ...rest } = r;
  return { result: { ...rest, checkpoint: lastCheckpoint?.id }, manifest, files };
}

interface Stop {
  checkpoint?: number;
  step?: number;
  reads?: number;
}

interface Session {
  result: TrainResult;
  metrics: Sample[];
}

async function session(cfg: TrainConfig, runDir: string, resume: boolean, stopWhen?: Stop): Promise<Session> {
  const t = await createTrainer(cfg, { runDir, quiet: true, resume, clock: everyCallClock() });
  const ac = new AbortController();
  // `reads`: a signal that reads as aborted from its N-th look on — a stop at a deterministic point
  // anywhere the trainer checks (a step, between burst updates or PPO minibatches, in an evaluation).
  let reads = 0;
  const limit = stopWhen?.reads ?? Number.POSITIVE_INFINITY;
  const counted = {
    get aborted(): boolean {
      return ++reads >= limit;
    },
  };
  const signal = stopWhen?.reads !== undefined ? (counted as unknown as AbortSignal) : ac.signal;
  const metrics: Sample[] = [];
  try {
    const result = await t.run({
      signal,
      onMetrics: (m) => {
        metrics.push(strip(m));
        if (stopWhen?.step !== undefined && m.step >= stopWhen.step) ac.abort();
      },
      onCheckpoint: (c) => {
        if (c.step === stopWhen?.checkpoint) ac.abort();
      },
    });
    return { result, metrics };
  } finally {
    t.dispose();
  }
}

let dir: string;
beforeAll(async () => {
  await loadTf({ quiet: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-resume-eq-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const cases: {
  algo: string;
  cfg: () => TrainConfig;
  stops: Stop[];
}[] = [
  // SAC: episodes end at 50, 100, …; checkpoint 100 is at an episode boundary, 125 mid-episode.
  { algo: 'sac', cfg: resumeSacConfig, stops: [{ checkpoint: 100 }, { checkpoint: 125 }] },
  // PPO: checkpoint 100 is at the envs' episode boundary, 150 mid-episode; step 170 is mid-rollout.
  { algo: 'ppo', cfg: resumePpoConfig, stops: [{ checkpoint: 100 }, { checkpoint: 150 }, { step: 170 }] },
  // PPO on the book simulator (stateful features): a stop mid-episode and mid-rollout.
  { algo: 'ppo-book', cfg: resumeBookConfig, stops: [{ checkpoint: 40 }, { step: 66 }] },
];

describe('resume equals never stopping', () => {
  for (const { algo, cfg, stops } of cases)
    it(`${algo}: stopped and resumed runs end bit-identical to the uninterrupted run`, async () => {
      const c = cfg();
      const whole = await session(c, path.join(dir, 'whole'), false);
      expect(whole.result.status).toBe('finished');
      const want = final(path.join(dir, 'whole'), whole.result);
      for (const stop of stops) {
        const runDir = path.join(dir, `stop-${stop.checkpoint ?? `s${stop.step}`}`);
        const a = await session(c, runDir, false, stop);
        expect(a.result.status).toBe('stopped');
        const at = a.result.step;
        expect(at).toBe(stop.checkpoint ?? stop.step);
        const b = await session(c, runDir, true);
        expect(b.result.status).toBe('finished');
        expect(final(runDir, b.result), `${algo} stopped at ${at}`).toEqual(want);
        // The metric samples: the stopped session's last sample is the forced final one (nothing
        // aggregated since the sample before it); every other sample is the same.
        expect(a.metrics.at(-1)?.step).toBe(at);
        expect([...a.metrics.slice(0, -1), ...b.metrics], `${algo} metrics, stop at ${at}`).toEqual(
          whole.metrics,
        );
      }
    }, 120_000);

  /** Where a stop fell, from its checkpoint's trainer state. */
  function position(runDir: string): string {
    const ck = latestCheckpoint(runDir)!;
    const t = readCheckpoint(ck.dir, undefined, { replay: false }).trainer;
    const sched = t.schedule as { nextEvalAt: number | null };
    if (t.turnPending !== true) return 'step';
    if (typeof t.pendingUpdates === 'number' && t.pendingUpdates > 0) return 'burst';
    if (t.rollout !== undefined) return 'update';
    if (sched.nextEvalAt !== null && sched.nextEvalAt <= ck.step) return 'eval';
    return 'other';
  }

  for (const { algo, cfg, reads, want } of [
    // SAC (bursts of 2 updates): a read per step, one per burst, one per evaluation step.
    { algo: 'sac', cfg: resumeSacConfig, reads: [120, 121, 122, 123, 180], want: ['burst', 'eval', 'step'] },
    // PPO (4 minibatches per update): a read per vector step, per minibatch, per evaluation step.
    { algo: 'ppo', cfg: resumePpoConfig, reads: [27, 28, 29, 30, 120], want: ['eval', 'step', 'update'] },
  ] as const)
    it(`${algo}: a stop anywhere the signal is checked (${want.join(', ')}) resumes bit-identical`, async () => {
      const c = cfg();
      const whole = await session(c, path.join(dir, 'whole'), false);
      const wantFinal = final(path.join(dir, 'whole'), whole.result);
      const seen = new Set<string>();
      for (const n of reads) {
        const runDir = path.join(dir, `reads-${n}`);
        const a = await session(c, runDir, false, { reads: n });
        expect(a.result).toMatchObject({ status: 'stopped', stoppedBy: 'request' });
        const where = position(runDir);
        seen.add(where);
        const b = await session(c, runDir, true);
        expect(final(runDir, b.result), `${algo} stopped (${where}) at ${a.result.step}`).toEqual(wantFinal);
      }
      expect([...seen].sort()).toEqual(expect.arrayContaining([...want]));
    }, 180_000);

  for (const { algo, cfg, k } of [
    { algo: 'sac', cfg: resumeSacConfig, k: 125 },
    { algo: 'ppo', cfg: resumePpoConfig, k: 100 },
  ] as const)
    it(`${algo}: a run SIGKILLed after checkpoint ${k} resumes to the uninterrupted result`, async () => {
      const c = cfg();
      const whole = await session(c, path.join(dir, 'whole'), false);
      const runDir = path.join(dir, 'killed');
      const fixture = fileURLToPath(new URL('./resume.fixture.ts', import.meta.url));
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', fixture, algo, runDir, String(k)], {
          cwd: fileURLToPath(new URL('../../..', import.meta.url)),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let text = '';
        let err = '';
        const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          text += d;
          if (/checkpointed \d+/.test(text)) child.kill('SIGKILL');
        });
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        child.on('exit', (_code, signal) => {
          clearTimeout(guard);
          if (signal === 'SIGKILL' && /checkpointed/.test(text)) resolve(text);
          else reject(new Error(`the child was not killed after a checkpoint:\n${text}\n${err}`));
        });
      });
      expect(out).toMatch(new RegExp(`checkpointed ${k}`));
      expect(latestCheckpoint(runDir)?.step).toBe(k);
      const b = await session(c, runDir, true);
      expect(b.result.status).toBe('finished');
      expect(final(runDir, b.result)).toEqual(final(path.join(dir, 'whole'), whole.result));
    }, 120_000);
});
