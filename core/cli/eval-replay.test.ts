/**
 * `quotebench eval --replay` in process: a tiny SAC agent trained on a book-mode scenario, evaluated on
 * windows of the AAPL LOBSTER sample against baselines tuned on its simulated training paths; and the
 * usage errors of the replay options (exit 2, nothing evaluated).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLobster } from '../data/lobster-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../data/lobster-replay';
import { parseTrainConfig } from '../rl/train/config';
import { tinyTrainConfig } from '../rl/train/tiny-config.fixture';
import { runEval, trainRun } from './eval.fixture';

const BOOK_AGENT = `name: tiny-book
algo: sac
seed: 4
scenario:
  mode: book
  horizon: 10
  warmup: 5
  tickSize: 0.01
  s0: 580
  price: { model: abm, sigma: 0.05 }
  flow: { limitRate: 10, depthMeanTicks: 3, cancelRate: 0.2, marketRate: 2 }
  decisionInterval: 0.5
env:
  maxOffset: 0.05
  inventoryScale: 5
  reward: { inventory: 0.001 }
features: { kind: book, levels: 3, volHorizons: [5] }
sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 40 }
budget: { totalSteps: 120, checkpointEvery: 120, evalEvery: 120, evalEpisodes: 1 }
baseline: { gamma: 0.1, A: 2, k: 50 }
`;

let dir: string;
let dataDir: string;
let datasetId: string;
let bookRun: string;
let intensityRun: string;
let out = '';
let err = '';

function train(yaml: string | ReturnType<typeof tinyTrainConfig>, name: string): Promise<string> {
  return trainRun(typeof yaml === 'string' ? parseTrainConfig(yaml, `${name}.yaml`) : yaml, dir, name);
}

async function run(args: string[]): Promise<number> {
  const r = await runEval(args);
  out = r.out;
  err = r.err;
  return r.code;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-eval-replay-'));
  dataDir = path.join(dir, 'data');
  const s = LOBSTER_SAMPLES.find((x) => x.name === 'AAPL_L10')!;
  const p = lobsterSamplePaths(s);
  datasetId = (await importLobster({ dataDir, messagePath: p.messagePath, orderbookPath: p.orderbookPath }))
    .info.id;
  bookRun = await train(BOOK_AGENT, 'book');
  intensityRun = await train(
    tinyTrainConfig({
      name: 'tiny-int',
      body: 'sac: { hidden: [8, 8], batchSize: 16, warmupSteps: 20 }\nbudget: { totalSteps: 40, checkpointEvery: 40, evalEvery: 40, evalEpisodes: 1 }\n',
    }),
    'intensity',
  );
}, 180_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('quotebench eval --replay', () => {
  it('evaluates the agent and the tuned baselines on windows of the recorded day', async () => {
    const json = path.join(dir, 'replay.json');
    const code = await run([
      '--checkpoint',
      bookRun,
      '--replay',
      datasetId,
      '--from',
      '5',
      '--data-dir',
      dataDir,
      '--tune-episodes',
      '2',
      '--refine-budget',
      '0',
      '--resamples',
      '200',
      '--json',
      json,
      '--quiet',
    ]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    // 49 s of data from 5 s: four whole windows of the agent's 10-s episode
    expect(out).toMatch(
      /Replay of [0-9a-f]+ \(.*\): 4 windows of 10 s, seconds 5–45 after its first event, queue fifo/,
    );
    expect(out).toMatch(/Baselines tuned on 2 training paths/);
    const j = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      evaluation: {
        paths: number;
        replay: { dataset: string; windows: { from: number; to: number }[] };
        quoters: { name: string; kind: string; perPath: { pnl: number[] } }[];
      };
    };
    expect(j.evaluation.paths).toBe(4);
    expect(j.evaluation.replay.dataset).toBe(datasetId);
    expect(j.evaluation.replay.windows.map((w) => w.from)).toEqual([5, 15, 25, 35]);
    expect(j.evaluation.quoters.map((q) => q.kind)).toEqual([
      'agent',
      'baseline',
      'baseline',
      'baseline',
      'baseline',
      'baseline',
    ]);
    for (const q of j.evaluation.quoters) expect(q.perPath.pnl.length).toBe(4);
  }, 120_000);

  it('refuses replay options that do not fit, before any work', async () => {
    const base = ['--checkpoint', bookRun, '--quiet'];
    expect(await run([...base, '--replay', datasetId, '--episodes', '5'])).toBe(2);
    expect(err).toMatch(/--episodes does not apply with --replay/);
    expect(await run([...base, '--window', '10'])).toBe(2);
    expect(err).toMatch(/--window applies only with --replay/);
    expect(await run([...base, '--replay', datasetId, '--queue', 'lifo'])).toBe(2);
    expect(err).toMatch(/--queue must be one of fifo, risk-averse, prob-power, prob-log/);
    expect(await run([...base, '--replay', datasetId, '--from', '9', '--to', '3'])).toBe(2);
    expect(err).toMatch(/--to must be greater than --from/);
    expect(await run([...base, '--replay', datasetId, '--data-dir', dataDir, '--window', '40'])).toBe(2);
    expect(err).toMatch(/hold 1 window\(s\) of 40 s; at least 2 are needed/);
    expect(await run([...base, '--replay', 'NO_SUCH_DATASET', '--data-dir', dataDir])).toBe(2);
    expect(err).toMatch(/NO_SUCH_DATASET/);
    expect(
      await run(['--checkpoint', intensityRun, '--quiet', '--replay', datasetId, '--data-dir', dataDir]),
    ).toBe(2);
    expect(err).toMatch(/--replay needs an agent trained on a book-mode scenario/);
  }, 60_000);
});
