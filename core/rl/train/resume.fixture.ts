/**
 * Shared by resume-equivalence.test.ts and its crash child: the two tiny training problems whose
 * resumed runs must equal the uninterrupted ones bit for bit, and (when run as a script) a child that
 * trains one of them and freezes right after writing the checkpoint of a given step, printing
 * `checkpointed <step>` so the test can SIGKILL it there.
 *
 *   node --import tsx resume.fixture.ts <sac|ppo> <runDir> <killAfterStep>
 *
 * SAC: 50-step episodes, checkpoints every 25 steps (step 100 is an episode boundary, 125 is mid-
 * episode). PPO: 2 envs × 25 steps per iteration (50 env steps), so checkpoints fall on iteration
 * boundaries; every env's episode ends at global step 100, 200, … (150 is mid-episode).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseTrainConfig, type TrainConfig } from './config';
import { tinyTrainConfig } from './tiny-config.fixture';
import { createTrainer } from './trainer';

export function resumeSacConfig(): TrainConfig {
  return tinyTrainConfig({
    name: 'resume-sac',
    seed: 17,
    env: '  reward: { inventory: 0.01 }\n',
    body: `normalizeObservations: true
sac: { hidden: [8, 8], batchSize: 16, warmupSteps: 40, updateEvery: 2, updatesPerStep: 1 }
budget: { totalSteps: 260, checkpointEvery: 25, evalEvery: 100, evalEpisodes: 1, keepCheckpoints: 100 }
`,
  });
}

export function resumePpoConfig(): TrainConfig {
  return tinyTrainConfig({
    name: 'resume-ppo',
    algo: 'ppo',
    seed: 23,
    body: `normalizeObservations: true
ppo: { hidden: [8, 8], nEnvs: 2, nSteps: 25, epochs: 2, minibatchSize: 25 }
budget: { totalSteps: 300, checkpointEvery: 50, evalEvery: 100, evalEpisodes: 1, keepCheckpoints: 100 }
`,
  });
}

/** PPO on the book simulator (stateful book features): the episode replay must hold there too. */
export function resumeBookConfig(): TrainConfig {
  return parseTrainConfig(
    `name: resume-book
algo: ppo
seed: 5
scenario:
  mode: book
  horizon: 20
  warmup: 5
  tickSize: 0.01
  s0: 100
  price: { sigma: 0.01 }
  decisionInterval: 0.5
env:
  minOffset: 0.005
  maxOffset: 0.1
  inventoryScale: 10
features: { kind: book, levels: 3, volHorizons: [5, 20] }
baseline: { k: 100, A: 0.5 }
ppo: { hidden: [8], nEnvs: 2, nSteps: 10, epochs: 1, minibatchSize: 20 }
budget: { totalSteps: 160, checkpointEvery: 40, evalEvery: 80, evalEpisodes: 1, keepCheckpoints: 100 }
`,
    'resume-book.yaml',
  );
}

/** A metrics clock that lets every sample through (so the sample sequence is deterministic). */
export function everyCallClock(): () => number {
  let t = 0;
  return () => (t += 1000);
}

async function child(algo: string, runDir: string, killAfter: number): Promise<void> {
  const cfg = algo === 'ppo' ? resumePpoConfig() : resumeSacConfig();
  const t = await createTrainer(cfg, { runDir, quiet: true, clock: everyCallClock() });
  await t.run({
    onCheckpoint: (c) => {
      if (c.step < killAfter) return;
      process.stdout.write(`checkpointed ${c.step}\n`);
      // Freeze here (synchronously: nothing else runs) until the parent kills the process.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    },
  });
  process.stdout.write('finished without being killed\n');
}

const self = process.argv[1];
if (self !== undefined && import.meta.url === pathToFileURL(path.resolve(self)).href) {
  const [algo, runDir, k] = process.argv.slice(2);
  if (algo === undefined || runDir === undefined || k === undefined)
    throw new Error('usage: resume.fixture.ts <sac|ppo> <runDir> <killAfterStep>');
  await child(algo, runDir, Number(k));
}
