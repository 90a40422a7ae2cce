/**
 * Worker-thread entry for one training run (started by TrainingService through train-worker-client.ts:
 * from sources via the tsx bootstrap, in the Electron build as its own bundle). Binds the generic
 * message loop (train-worker-host.ts) to the real trainer: createTrainer from core/rl/train/trainer.ts,
 * configs re-validated with trainConfigSchema. tfjs is loaded here, never on the service thread.
 */
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { checkpointsDir } from '../rl/train/checkpoint';
import { trainConfigSchema, type TrainConfig } from '../rl/train/config';
import { loadPolicy } from '../rl/train/load-policy';
import { createTrainer } from '../rl/train/trainer';
import { evaluateAgainstBaselines, type CheckpointQuoterLoader } from './train-evaluate';
import { hostTrainWorker } from './train-worker-host';

const port = parentPort;
if (!port) throw new Error('train-worker must run in a worker thread');

/**
 * `train.evaluate`: the chosen checkpoint (default: the run's newest) loaded as a PolicyQuoter by
 * core/rl/train/load-policy.ts; its tensors are freed once the report is made.
 */
const loadCheckpointQuoter: CheckpointQuoterLoader = async (_cfg, runDir, checkpointId) => {
  if (checkpointId !== undefined && !/^step-\d+$/.test(checkpointId))
    throw new RangeError(`checkpoint must be an id like "step-000010000" (got "${checkpointId}")`);
  const dir = checkpointId !== undefined ? path.join(checkpointsDir(runDir), checkpointId) : runDir;
  const loaded = await loadPolicy(dir);
  return {
    quoter: loaded.quoter(),
    checkpoint: loaded.checkpoint.id,
    step: loaded.checkpoint.step,
    dispose: () => loaded.dispose(),
  };
};

hostTrainWorker<TrainConfig>(port, {
  parseConfig: (config) => trainConfigSchema.parse(config),
  createTrainer: (cfg, opts) => createTrainer(cfg, opts),
  evaluate: async (cfg, req, progress) => {
    const agent = await loadCheckpointQuoter(cfg, req.runDir, req.checkpoint);
    try {
      const flag = req.stopFlag ? new Int32Array(req.stopFlag) : undefined;
      return evaluateAgainstBaselines(cfg, req, agent, {
        ...(flag ? { shouldStop: () => Atomics.load(flag, 0) === 1 } : {}),
        onProgress: progress,
      });
    } finally {
      agent.dispose?.();
    }
  },
});
