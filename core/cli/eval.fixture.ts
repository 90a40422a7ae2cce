/**
 * Shared by the eval CLI tests: train a config into a run directory, and run `quotebench eval` in
 * process with its output captured.
 */
import path from 'node:path';
import { expect } from 'vitest';
import type { TrainConfig } from '../rl/train/config';
import { createTrainer } from '../rl/train/trainer';
import { captureOutput } from './capture.fixture';
import { evalCommand } from './eval';

/** Train `cfg` to the end of its budget in `dir/name`; the run directory. */
export async function trainRun(cfg: TrainConfig, dir: string, name: string): Promise<string> {
  const runDir = path.join(dir, name);
  const t = await createTrainer(cfg, { runDir, quiet: true });
  try {
    expect((await t.run({})).status).toBe('finished');
  } finally {
    t.dispose();
  }
  return runDir;
}

/** `quotebench eval ARGS` in process: exit code and captured stdout/stderr. */
export function runEval(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return captureOutput(() => evalCommand(args));
}
