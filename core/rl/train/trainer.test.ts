import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadTf } from '../tf/backend';
import { latestCheckpoint, scanCheckpoints } from './checkpoint';
import { parseTrainConfig, type TrainConfig } from './config';
import { createTrainer, lossProblem, MetricsWindow } from './trainer';
import type { TrainMetrics } from './types';
import { tinyTrainYaml } from './tiny-config.fixture';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const trainerModule = fileURLToPath(new URL('./trainer.ts', import.meta.url));

const tinyText = tinyTrainYaml({
  name: 'kill',
  seed: 21,
  body: `sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 50 }
budget: { totalSteps: 1000000, checkpointEvery: 100, evalEvery: 0, evalEpisodes: 0 }
`,
});

let dir: string;
beforeAll(async () => {
  await loadTf({ quiet: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-trainer-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('MetricsWindow', () => {
  it('throttles by the clock, aggregates since the previous sample, and always emits when forced', () => {
    let now = 0;
    const out: TrainMetrics[] = [];
    const w = new MetricsWindow(
      10,
      () => now,
      (m) => out.push(m),
      0,
    );
    const base = (step: number) => ({ step, totalSteps: 100, updates: step, episodes: 0, elapsedSec: 0 });
    w.addLosses({ criticLoss: 2, actorLoss: 1 });
    w.addLosses({ criticLoss: 4 });
    w.addInventory(-3);
    w.addInventory(1);
    now = 50;
    w.maybeEmit(base(5), {});
    expect(out).toHaveLength(0);
    now = 100;
    w.maybeEmit(base(10), { evalReturn: 1, evalBaselineReturn: 2 });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      step: 10,
      criticLoss: 3,
      actorLoss: 1,
      meanAbsInventory: 2,
      evalReturn: 1,
    });
    expect(out[0]!.episodeReturn).toBeUndefined();
    w.addEpisode(10, 4);
    w.addEpisode(20, 6);
    now = 120;
    w.maybeEmit(base(12), {});
    expect(out).toHaveLength(1);
    w.maybeEmit(base(12), {}, true);
    expect(out[1]).toMatchObject({ step: 12, episodeReturn: 15, episodePnl: 5 });
    expect(out[1]!.criticLoss).toBeUndefined();
    expect(w.count).toBe(2);
  });

  it('lossProblem names the first non-finite or exploding loss', () => {
    expect(lossProblem({ a: 1, b: -2 }, 10)).toBeUndefined();
    expect(lossProblem({ a: 1, 'critic loss': Number.NaN }, 10)).toBe('critic loss is NaN');
    expect(lossProblem({ 'actor loss': -1e9 }, 1e8)).toBe('actor loss -1.000e+9 exceeds the bound 100000000');
  });
});

describe('createTrainer', () => {
  it('validates maxMetricsHz', async () => {
    const cfg = parseTrainConfig(tinyText, 'k.yaml');
    await expect(createTrainer(cfg, { runDir: dir, maxMetricsHz: 20 })).rejects.toThrow(/maxMetricsHz/);
  });

  it('resumes after the training process is killed with SIGKILL', async () => {
    const cfg: TrainConfig = parseTrainConfig(tinyText, 'k.yaml');
    const script = `
      const { createTrainer } = await import(${JSON.stringify(trainerModule)});
      const cfg = JSON.parse(process.env.QB_CFG);
      const t = await createTrainer(cfg, { runDir: process.env.QB_RUN_DIR, quiet: true });
      await t.run({ onCheckpoint: (c) => process.stdout.write('ckpt ' + c.step + '\\n') });
    `;
    const lines = await new Promise<string[]>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: repoRoot,
        env: { ...process.env, QB_CFG: JSON.stringify(cfg), QB_RUN_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      let killed = false;
      const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (!killed && /ckpt (2|3|4)00\n/.test(out)) {
          killed = true;
          child.kill('SIGKILL');
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      child.on('error', reject);
      child.on('exit', (_code, signal) => {
        clearTimeout(guard);
        if (!killed || signal !== 'SIGKILL')
          reject(new Error(`trainer did not reach a checkpoint:\n${out}\n${err}`));
        else resolve(out.split('\n').filter((l) => l !== ''));
      });
    });
    const reported = Math.max(...lines.map((l) => Number(l.slice(5))));
    const latest = latestCheckpoint(dir)!;
    // Everything reported is on disk (perhaps one more, written after the report, before the kill).
    expect(latest.step).toBeGreaterThanOrEqual(reported);
    const { invalid } = scanCheckpoints(dir);
    expect(invalid.every((i) => i.id.endsWith('.tmp'))).toBe(true);

    const budget = { ...cfg.budget, totalSteps: latest.step + 100 };
    const t = await createTrainer({ ...cfg, budget }, { runDir: dir, quiet: true, resume: true });
    expect(t.startStep).toBe(latest.step);
    const r = await t.run();
    t.dispose();
    expect(r.status).toBe('finished');
    expect(r.step).toBe(latest.step + 100);
    expect(r.updates).toBe(latest.step + 100 - 50 + 1);
  });
});
