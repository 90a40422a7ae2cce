import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadTf } from '../tf/backend';
import { listCheckpoints, readCheckpoint } from './checkpoint';
import type { TrainConfig } from './config';
import { createTrainer, TrainSetupError, type CreateTrainerOptions } from './trainer';
import type { TrainMetrics, TrainResult } from './types';
import { tinyTrainConfig } from './tiny-config.fixture';

/** A tiny SAC run: 50-step episodes of the AS intensity model, 16×16 networks, batch 32. */
function tiny(
  extra = '',
  budget = 'totalSteps: 300, checkpointEvery: 100, evalEvery: 150, evalEpisodes: 2',
): TrainConfig {
  return tinyTrainConfig({
    seed: 11,
    env: '  reward: { inventory: 0.01 }\n',
    body: `normalizeObservations: true
sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 60 }
budget: { ${budget} }
${extra}`,
  });
}

/** A deterministic metrics clock: 1 ms per call (so a 10 Hz throttle emits every 100 calls). */
function fakeClock(): () => number {
  let t = 0;
  return () => t++;
}

let dir: string;
beforeAll(async () => {
  await loadTf({ quiet: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-sac-train-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function train(
  cfg: TrainConfig,
  runDir: string,
  o: Partial<CreateTrainerOptions> = {},
  signal?: AbortSignal,
): Promise<{ metrics: TrainMetrics[]; result: TrainResult; logs: string[] }> {
  const t = await createTrainer(cfg, { runDir, quiet: true, clock: fakeClock(), ...o });
  const metrics: TrainMetrics[] = [];
  const logs: string[] = [];
  try {
    const result = await t.run({
      onMetrics: (m) => metrics.push(m),
      onLog: (l) => logs.push(l),
      ...(signal ? { signal } : {}),
    });
    return { metrics, result, logs };
  } finally {
    t.dispose();
  }
}

const strip = (m: TrainMetrics): Omit<TrainMetrics, 'elapsedSec' | 'stepsPerSec'> => {
  const { elapsedSec: _e, stepsPerSec: _s, ...rest } = m;
  return rest;
};

describe('SacTrainer', () => {
  it('honours a pause between the updates of a burst, and a paused run learns exactly what an unpaused one does', async () => {
    // Bursts of 10 updates every 10 steps from step 60: the burst's 9 inner boundaries consult the gate.
    const cfg = tinyTrainConfig({
      seed: 11,
      body: `normalizeObservations: true
sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 60, updateEvery: 10, updatesPerStep: 1 }
budget: { totalSteps: 200, checkpointEvery: 200, evalEvery: 0, evalEpisodes: 0 }
`,
    });
    const finalWeights = (runDir: string): Buffer =>
      fs.readFileSync(path.join(listCheckpoints(runDir).at(-1)!.dir, 'weights.bin'));
    const plainDir = path.join(dir, 'plain');
    const t1 = await createTrainer(cfg, { runDir: plainDir, quiet: true });
    const r1 = await t1.run();
    t1.dispose();
    const pausedDir = path.join(dir, 'paused');
    const t2 = await createTrainer(cfg, { runDir: pausedDir, quiet: true });
    let gateCalls = 0;
    const r2 = await t2.run({
      signal: new AbortController().signal,
      // Paused at every call: the trainer waits until a later macrotask resumes it.
      gate: () => {
        gateCalls++;
        return new Promise<void>((resolve) => setTimeout(resolve, 0));
      },
    });
    t2.dispose();
    expect(r1.updates).toBe(150); // 15 bursts (steps 60 … 200) of 10
    // One call per env step, and 9 between the updates of each burst.
    expect(gateCalls).toBe(200 + 15 * 9);
    expect(r2).toMatchObject({ status: 'finished', step: 200, updates: 150, episodes: r1.episodes });
    expect(finalWeights(pausedDir).equals(finalWeights(plainDir))).toBe(true);
  });

  it('trains to the budget, evaluates against AS, checkpoints, and is deterministic', async () => {
    const cfg = tiny();
    const a = await train(cfg, path.join(dir, 'a'));
    const b = await train(cfg, path.join(dir, 'b'));
    expect(a.result.status).toBe('finished');
    expect(a.result.step).toBe(300);
    expect(a.result.episodes).toBe(6);
    expect(a.result.updates).toBe(300 - 60 + 1);
    expect(a.metrics.length).toBeGreaterThan(2);
    const last = a.metrics.at(-1)!;
    expect(last.step).toBe(300);
    expect(last.evalReturn).toBeTypeOf('number');
    expect(last.evalBaselineReturn).toBeTypeOf('number');
    expect(a.metrics.some((m) => m.criticLoss !== undefined && m.alpha !== undefined)).toBe(true);
    expect(a.metrics.some((m) => m.episodeReturn !== undefined)).toBe(true);
    // Identical sequences (wall-clock fields aside).
    expect(b.metrics.map(strip)).toEqual(a.metrics.map(strip));
    // Checkpoints at 100, 200, 300 (the final one after the final evaluation).
    const ck = listCheckpoints(path.join(dir, 'a'));
    expect(ck.map((c) => c.step)).toEqual([100, 200, 300]);
    expect(a.result.lastCheckpoint?.step).toBe(300);
    expect(a.logs.some((l) => /eval at step 150/.test(l))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'a', 'config.json'))).toBe(true);
    // The run directory is the user's only (0700; config.json and checkpoint files 0600).
    expect(fs.statSync(path.join(dir, 'a')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'a', 'config.json')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(ck[0]!.dir, 'weights.bin')).mode & 0o777).toBe(0o600);
  });

  it('keeps the tensor count flat across many updates', async () => {
    const cfg = tiny('', 'totalSteps: 400, checkpointEvery: 1000, evalEvery: 0, evalEpisodes: 0');
    const before = tf.memory().numTensors;
    const t = await createTrainer(cfg, { runDir: dir, quiet: true, clock: fakeClock() });
    const counts: number[] = [];
    const r = await t.run({
      onMetrics: (m) => {
        if (m.updates > 20) counts.push(tf.memory().numTensors);
      },
    });
    expect(r.status).toBe('finished');
    expect(counts.length).toBeGreaterThan(2);
    expect(Math.max(...counts)).toBe(Math.min(...counts));
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on abort with a checkpoint and resumes from it to the end of the budget', async () => {
    const cfg = tiny('', 'totalSteps: 300, checkpointEvery: 80, evalEvery: 0, evalEpisodes: 2');
    const ac = new AbortController();
    const t = await createTrainer(cfg, { runDir: dir, quiet: true, clock: fakeClock() });
    const r1 = await t.run({
      signal: ac.signal,
      onCheckpoint: (c) => {
        if (c.step === 160) ac.abort();
      },
    });
    t.dispose();
    expect(r1.status).toBe('stopped');
    // The abort is seen at the next step boundary; the checkpoint just written is the final one.
    expect(r1.reason).toMatch(/stopped at step 160 by request/);
    expect(r1.lastCheckpoint?.step).toBe(160);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([80, 160]);

    await expect(createTrainer(cfg, { runDir: dir, quiet: true })).rejects.toThrow(TrainSetupError);
    const t2 = await createTrainer(cfg, { runDir: dir, quiet: true, resume: true });
    expect(t2.startStep).toBe(160);
    expect(t2.resumedFrom?.id).toBe('step-000000160');
    const logs: string[] = [];
    const r2 = await t2.run({ onLog: (l) => logs.push(l) });
    t2.dispose();
    expect(logs.some((l) => /resuming from step-000000160/.test(l))).toBe(true);
    expect(r2.status).toBe('finished');
    expect(r2.step).toBe(300);
    expect(r2.updates).toBe(300 - 60 + 1);
    expect(listCheckpoints(dir).at(-1)?.step).toBe(300);
  });

  it('stores terminations as done and bootstraps through truncations', async () => {
    const cfg = tiny('', 'totalSteps: 100, checkpointEvery: 100, evalEvery: 0, evalEpisodes: 0');
    const dones = async (c: TrainConfig, sub: string): Promise<number> => {
      const r = await train(c, path.join(dir, sub));
      expect(r.result.status).toBe('finished');
      const ck = readCheckpoint(listCheckpoints(path.join(dir, sub))[0]!.dir);
      return ck.replay!.arrays.done.reduce((x, y) => x + y, 0);
    };
    // 50-step episodes end by termination (the session's end): two terminal transitions.
    expect(await dones(cfg, 'term')).toBe(2);
    // Cut after 10 steps by env.maxEpisodeSteps: ten episodes, all truncated, none stored as done.
    const trunc: TrainConfig = { ...cfg, env: { ...cfg.env, maxEpisodeSteps: 10 } };
    expect(await dones(trunc, 'trunc')).toBe(0);
  });

  it('refuses to resume without a checkpoint or with another config', async () => {
    await expect(createTrainer(tiny(), { runDir: dir, quiet: true, resume: true })).rejects.toThrow(
      /nothing to resume: no valid checkpoint/,
    );
    const cfg = tiny('', 'totalSteps: 100, checkpointEvery: 100, evalEvery: 0, evalEpisodes: 0');
    const r = await train(cfg, dir);
    expect(r.result.status).toBe('finished');
    const changed: TrainConfig = { ...cfg, sac: { ...cfg.sac, gamma: 0.5 } };
    await expect(createTrainer(changed, { runDir: dir, quiet: true, resume: true })).rejects.toThrow(
      /refusing to resume .* with a different config: sac\.gamma/,
    );
    // A longer budget is fine.
    const longer: TrainConfig = { ...cfg, budget: { ...cfg.budget, totalSteps: 150 } };
    const r2 = await train(longer, dir, { resume: true });
    expect(r2.result.step).toBe(150);
  });

  it('fails on a NaN reward without writing a checkpoint; the previous one stays loadable', async () => {
    const cfg = tiny('', 'totalSteps: 300, checkpointEvery: 100, evalEvery: 0, evalEpisodes: 0');
    let n = 0;
    const { result } = await train(cfg, dir, {
      envHook: (te, role) => {
        if (role !== 'train') return;
        const step = te.env.step.bind(te.env);
        te.env.step = (a) => {
          const r = step(a);
          if (++n === 150) r.reward = Number.NaN;
          return r;
        };
      },
    });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/reward is NaN at step 150; kept checkpoint step-000000100/);
    expect(result.step).toBe(149);
    const ck = listCheckpoints(dir);
    expect(ck.map((c) => c.step)).toEqual([100]);
    expect(readCheckpoint(ck[0]!.dir, { algo: 'sac' }).manifest.step).toBe(100);
    const t = await createTrainer(cfg, { runDir: dir, quiet: true, resume: true });
    expect(t.startStep).toBe(100);
    t.dispose();
  });

  it('fails when a loss exceeds the bound, naming the loss and the update', async () => {
    const cfg = tiny(
      'guard: { maxLoss: 1.0e-9 }\n',
      'totalSteps: 300, checkpointEvery: 30, evalEvery: 0, evalEpisodes: 0',
    );
    const { result, metrics } = await train(cfg, dir);
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(
      /critic loss .* exceeds the bound 1e-9 at update 1; kept checkpoint step-000000030/,
    );
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([30]);
    expect(metrics.at(-1)?.step).toBe(60); // the final sample is emitted on failure too
  });

  it('resumes a checkpoint from before the running episode was saved, starting the next path', async () => {
    const cfg = tiny('', 'totalSteps: 160, checkpointEvery: 75, evalEvery: 0, evalEpisodes: 0');
    const ac = new AbortController();
    const t = await createTrainer(cfg, { runDir: dir, quiet: true });
    await t.run({ signal: ac.signal, onCheckpoint: (c) => c.step === 75 && ac.abort() });
    t.dispose();
    // Make it an older checkpoint: no episode, observation, schedule or turn state.
    const mf = path.join(dir, 'checkpoints', 'step-000000075', 'manifest.json');
    const m = JSON.parse(fs.readFileSync(mf, 'utf8')) as { trainer: Record<string, unknown> };
    for (const k of ['episode', 'obs', 'schedule', 'lastEvalStep', 'turnPending', 'pendingUpdates'])
      delete m.trainer[k];
    fs.writeFileSync(mf, JSON.stringify(m));
    const logs: string[] = [];
    const t2 = await createTrainer(cfg, { runDir: dir, quiet: true, resume: true });
    const r = await t2.run({ onLog: (l) => logs.push(l) });
    t2.dispose();
    expect(r).toMatchObject({ status: 'finished', step: 160 });
    expect(
      logs.some((l) => /step-000000075 holds no running episode: starting the next path \(2\)/.test(l)),
    ).toBe(true);
  });

  it('resumes without replay contents by refilling the buffer first', async () => {
    const cfg = tiny('', 'totalSteps: 200, checkpointEvery: 100, evalEvery: 0, evalEpisodes: 0');
    const ac = new AbortController();
    const t = await createTrainer(cfg, { runDir: dir, quiet: true, maxReplayBytes: 100 });
    await t.run({ signal: ac.signal, onCheckpoint: () => ac.abort() });
    t.dispose();
    const ck = readCheckpoint(listCheckpoints(dir).at(-1)!.dir);
    expect(ck.replay).toBeUndefined();
    expect(ck.manifest.replay?.omitted).toMatch(/exceeds the 100-byte limit/);
    const logs: string[] = [];
    const t2 = await createTrainer(cfg, { runDir: dir, quiet: true, resume: true, maxReplayBytes: 100 });
    const updatesAtResume = ck.manifest.updates;
    const r = await t2.run({ onLog: (l) => logs.push(l) });
    t2.dispose();
    expect(logs.some((l) => /refilling the buffer: no updates until step 160/.test(l))).toBe(true);
    expect(r.status).toBe('finished');
    expect(r.updates - updatesAtResume).toBe(200 - 160 + 1);
  });

  it('skips a corrupt newest checkpoint on resume and reports it', async () => {
    const cfg = tiny('', 'totalSteps: 200, checkpointEvery: 100, evalEvery: 0, evalEpisodes: 0');
    await train(cfg, dir);
    const ck = listCheckpoints(dir);
    fs.writeFileSync(
      path.join(ck[1]!.dir, 'weights.bin'),
      Buffer.alloc(fs.statSync(path.join(ck[1]!.dir, 'weights.bin')).size),
    );
    fs.mkdirSync(path.join(dir, 'checkpoints', 'step-000000250.tmp'));
    const longer: TrainConfig = { ...cfg, budget: { ...cfg.budget, totalSteps: 250 } };
    const t = await createTrainer(longer, { runDir: dir, resume: true, quiet: true });
    const logs: string[] = [];
    await t.run({ onLog: (l) => logs.push(l) });
    t.dispose();
    expect(t.startStep).toBe(100);
    expect(logs.some((l) => /ignoring checkpoint step-000000250\.tmp: incomplete write/.test(l))).toBe(true);
    expect(
      logs.some((l) => /skipping checkpoint step-000000200: .*weights\.bin: corrupt \(sha256/.test(l)),
    ).toBe(true);
  });

  it('honours the gate, the time budget, and the metrics rate; gives quote curves', async () => {
    const cfg = tiny(
      '',
      'totalSteps: 100000, checkpointEvery: 100000, evalEvery: 0, evalEpisodes: 0, maxMinutes: 0.01',
    );
    const t = await createTrainer(cfg, { runDir: dir, quiet: true, maxMetricsHz: 5 });
    let gates = 0;
    const metrics: TrainMetrics[] = [];
    const t0 = performance.now();
    const r = await t.run({
      gate: async () => {
        gates++;
      },
      onMetrics: (m) => metrics.push(m),
    });
    const secs = (performance.now() - t0) / 1000;
    expect(r.status).toBe('stopped');
    expect(r.reason).toMatch(/time budget of 0\.01 min/);
    expect(gates).toBeGreaterThanOrEqual(r.step);
    expect(metrics.length).toBeLessThanOrEqual(Math.ceil(secs * 5) + 2);
    expect(r.lastCheckpoint?.step).toBe(r.step);
    const curves = t.quoteCurves([-5, 0, 5]);
    expect(curves.map((c) => c.name)).toEqual(['agent', 'AS', 'GLFT']);
    for (const c of curves) {
      expect(c.points.map((p) => p.q)).toEqual([-5, 0, 5]);
      for (const p of c.points) {
        expect(Number.isFinite(p.bid) && Number.isFinite(p.ask)).toBe(true);
        if (c.name === 'agent') expect(p.bid >= 0 && p.bid <= 3 && p.ask >= 0 && p.ask <= 3).toBe(true);
      }
    }
    // AS skews against inventory: a long position lowers both quotes (higher bid distance).
    const as = curves[1]!.points;
    expect(as[2]!.bid).toBeGreaterThan(as[0]!.bid);
    t.dispose();
  });
});
