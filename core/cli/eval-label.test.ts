/**
 * budget.maxMinutes is a safety stop, not part of the recipe (issue 9 §5): `quotebench train` says
 * that a run stopped by it is short of its totalSteps, and `quotebench eval` labels a checkpoint of
 * such a run ("step N of M — stopped by the time budget") in its output and its JSON, from the
 * checkpoint's own metadata (no store needed); a checkpoint that reached its totalSteps gets no label.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, latestCheckpoint } from '../rl/train/checkpoint';
import { tinyTrainYaml } from '../rl/train/tiny-config.fixture';
import { captureOutput } from './capture.fixture';
import { evalCommand } from './eval';
import { trainCommand } from './train';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-eval-label-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function yaml(name: string, budget: string): string {
  return tinyTrainYaml({
    name,
    seed: 4,
    body: `sac: { hidden: [8], batchSize: 16, warmupSteps: 20 }
budget: { ${budget}, evalEvery: 0, evalEpisodes: 0 }
`,
  });
}

async function train(name: string, budget: string): Promise<{ runDir: string; out: string; code: number }> {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, yaml(name, budget));
  const runDir = path.join(dir, name);
  const r = await captureOutput(() => trainCommand(['--config', file, '--run-dir', runDir, '--quiet']));
  return { runDir, out: r.out, code: r.code };
}

interface AgentJson {
  name: string;
  step: number;
  totalSteps: number;
  stoppedBy: string | null;
  label: string | null;
}

describe('a run stopped by its time budget', () => {
  it('is reported by train and labelled by eval; a finished run is not', async () => {
    // 1e-4 min = 6 ms of wall clock: the safety stop ends the session long before 200,000 steps.
    const cut = await train('cut', 'totalSteps: 200000, checkpointEvery: 100000, maxMinutes: 0.0001');
    expect(cut.code).toBe(0);
    const ck = latestCheckpoint(cut.runDir)!;
    expect(ck.step).toBeLessThan(200_000);
    const m = readCheckpoint(ck.dir).manifest;
    expect(m).toMatchObject({ totalSteps: 200_000, stop: { cause: 'time' } });
    expect(cut.out).toMatch(/cut: stopped \(stopped at step \d+: the time budget of 0\.0001 min is spent\)/);
    const label = `step ${ck.step.toLocaleString('en-US')} of 200,000 — stopped by the time budget`;
    expect(cut.out).toContain(`  ${label}; resume the run to reach its totalSteps`);

    const whole = await train('whole', 'totalSteps: 60, checkpointEvery: 30');
    expect(whole.out).toMatch(/whole: finished/);

    const json = path.join(dir, 'eval.json');
    const r = await captureOutput(() =>
      evalCommand([
        '--checkpoint',
        cut.runDir,
        '--checkpoint',
        whole.runDir,
        '--episodes',
        '2',
        '--tune-episodes',
        '0',
        '--resamples',
        '100',
        '--json',
        json,
        '--quiet',
      ]),
    );
    expect(r.code, r.err).toBe(0);
    const agents = (JSON.parse(fs.readFileSync(json, 'utf8')) as { agents: AgentJson[] }).agents;
    const lines = r.out.split('\n');
    expect(lines.filter((l) => l.includes('time budget'))).toEqual([`agent ${agents[0]!.name}: ${label}`]);
    expect(
      agents.map(({ step, totalSteps, stoppedBy, label: l }) => ({ step, totalSteps, stoppedBy, label: l })),
    ).toEqual([
      { step: ck.step, totalSteps: 200_000, stoppedBy: 'time', label },
      { step: 60, totalSteps: 60, stoppedBy: null, label: null },
    ]);
  }, 120_000);
});
