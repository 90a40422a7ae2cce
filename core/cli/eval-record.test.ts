/**
 * `quotebench eval` records an 'eval' run (issue 13 §5): one tiny SAC run evaluated in process with
 * --data-dir; the store then holds the run with its canonical config, evaluation seed, code version,
 * one result per quoter, the per-path PnL as metrics over time and the --json file by SHA-256; an
 * evaluation that fails after the agents are loaded is recorded 'failed' with the reason.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluationSeed } from '../rl/train/config';
import { tinyTrainConfig } from '../rl/train/tiny-config.fixture';
import { codeVersion } from '../store/code-version';
import { openStore } from '../store/db';
import { searchNewest } from '../store/test-fixtures';
import { runEval, trainRun } from './eval.fixture';

const cfg = tinyTrainConfig({
  name: 'tiny-rec',
  algo: 'sac',
  seed: 9,
  env: '  reward: { inventory: 0.01 }\n',
  body: `sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 60 }
budget: { totalSteps: 120, checkpointEvery: 120, evalEvery: 120, evalEpisodes: 1 }
`,
});

let dir: string;
let runDir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-eval-rec-'));
  runDir = await trainRun(cfg, dir, 'sac');
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('quotebench eval records its run', () => {
  it('stores config, seed, code version, results per quoter, per-path PnL and the JSON file', async () => {
    const dataDir = path.join(dir, 'data');
    const json = path.join(dir, 'eval.json');
    const r = await runEval([
      '--checkpoint',
      runDir,
      '--episodes',
      '3',
      '--tune-episodes',
      '0',
      '--resamples',
      '100',
      '--json',
      json,
      '--data-dir',
      dataDir,
      '--quiet',
    ]);
    expect(r.code, r.err).toBe(0);
    const store = openStore(dataDir);
    try {
      const page = searchNewest(store, { kinds: ['eval'] });
      expect(page.total).toBe(1);
      const id = page.rows[0]!.id;
      const d = store.runs.get(id)!;
      expect(d.run).toMatchObject({
        kind: 'eval',
        status: 'completed',
        seed: evaluationSeed(cfg),
        paths: 3,
        codeVersion: codeVersion(),
        tags: ['sac'],
      });
      const config = d.config as {
        command: string;
        agents: { checkpoint: string }[];
        options: object;
        train: object;
      };
      expect(config.command).toBe('eval');
      expect(config.agents[0]!.checkpoint.startsWith(runDir)).toBe(true);
      expect(Object.keys(config)).toEqual(['agents', 'command', 'options', 'train']); // canonical order
      expect(d.results.map((x) => x.strategy)).toEqual([
        'SAC',
        'AS',
        'GLFT',
        'fixed-spread',
        'static',
        'random',
      ]);
      const j = JSON.parse(fs.readFileSync(json, 'utf8')) as {
        evaluation: {
          quoters: { name: string; summary: { pnl: { mean: number } }; perPath: { pnl: number[] } }[];
        };
      };
      const sac = j.evaluation.quoters[0]!;
      expect(d.results[0]!.metrics.pnl).toBe(sac.summary.pnl.mean);
      expect(d.results[0]!.metrics['pnl.low']).toBeLessThanOrEqual(sac.summary.pnl.mean);
      expect(store.runs.steps(id)['SAC.pnl']).toEqual({ step: [1000, 1001, 1002], value: sac.perPath.pnl });
      expect(store.runs.runMetrics(id)).toMatchObject({ quoters: 6, agents: 1, paths: 3 });
      const sha = createHash('sha256').update(fs.readFileSync(json)).digest('hex');
      expect(store.runs.files(id)).toEqual([{ path: json, bytes: fs.statSync(json).size, sha256: sha }]);
    } finally {
      store.close();
    }
  });

  it('records an evaluation that fails after the agents are loaded as failed, with the reason', async () => {
    const dataDir = path.join(dir, 'data-fail');
    const r = await runEval([
      '--checkpoint',
      runDir,
      '--replay',
      'NO_SUCH_DATASET',
      '--data-dir',
      dataDir,
      '--quiet',
    ]);
    expect(r.code).toBe(2);
    const store = openStore(dataDir);
    try {
      const rows = searchNewest(store, { kinds: ['eval'], statuses: ['failed'] }).rows;
      expect(rows).toHaveLength(1);
      const d = store.runs.get(rows[0]!.id)!;
      expect(d.run.error).toBeTruthy();
      expect(r.err).toContain(d.run.error!);
      expect(d.run.tags).toContain('replay');
    } finally {
      store.close();
    }
  });
});
