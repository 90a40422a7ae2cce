/**
 * Shared by the eval CLI tests: train a config into a run directory, and run `quotebench eval` in
 * process with its output captured.
 */
import fs from 'node:fs';
import os from 'node:os';
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

/** Where evaluations without --data-dir are recorded in tests (one temporary directory per process). */
let testDataDir: string | undefined;

/**
 * `quotebench eval ARGS` in process: exit code and captured stdout/stderr. Without --data-dir the run
 * is recorded in a temporary data directory, never the user's.
 */
export function runEval(args: string[]): Promise<{ code: number; out: string; err: string }> {
  testDataDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'qb-eval-data-'));
  const withDir = args.includes('--data-dir') ? args : [...args, '--data-dir', testDataDir];
  return captureOutput(() => evalCommand(withDir));
}
