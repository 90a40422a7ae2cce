/**
 * The evaluation report of `train.evaluate` (train-evaluate.ts) with a classical quoter standing in
 * for the checkpoint's policy (core/rl/train/load-policy.test.ts tests the loaded policy itself): the agent and the
 * AS / GLFT baselines on the same held-out paths, every metric as a mean with its CI, the paired
 * tests as notes; deterministic.
 */
import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../rl/train/config';
import { buildQuoter } from '../backtest/quoters';
import { evaluateAgainstBaselines } from './train-evaluate';
import { BASELINE_FAMILIES, BASELINE_NAMES, tuneBaselines } from '../rl/eval/tune-baselines';
import { metricOptionsOf } from '../backtest/config';

const cfg = parseTrainConfig(
  `name: eval-test
algo: sac
seed: 3
scenario:
  mode: intensity
  name: tiny
  horizon: 1
  dt: 0.01
  s0: 100
  price: { model: abm, sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
env:
  maxOffset: 2
  inventoryScale: 5
budget:
  totalSteps: 1000
`,
  'eval-test.yaml',
);

describe('evaluateAgainstBaselines', () => {
  it('reports the agent and both baselines with means and CIs, and the paired tests', () => {
    const quoter = buildQuoter({ type: 'fixed-spread', halfSpread: 0.7 }, cfg.scenario);
    const agent = { quoter, checkpoint: 'step-000000900', step: 900 };
    const report = evaluateAgainstBaselines(cfg, { runId: 'r1', episodes: 6 }, agent, { resamples: 200 });
    expect(report).toMatchObject({
      runId: 'r1',
      checkpoint: 'step-000000900',
      step: 900,
      episodes: 6,
      level: 0.95,
    });
    expect(report.rows.map((r) => r.kind)).toEqual(['agent', 'baseline', 'baseline']);
    expect(report.rows[0]?.name).toBe(quoter.name);
    for (const r of report.rows) {
      for (const k of [
        'sessionSharpe',
        'maxDrawdown',
        'es99',
        'fillRate',
        'effectiveSpreadBps',
        'realizedSpreadBps',
        'pnl',
        'reward',
      ] as const) {
        const s = r.summary[k];
        expect(Number.isFinite(s.mean)).toBe(true);
        expect(s.low).toBeLessThanOrEqual(s.mean + 1e-12);
        expect(s.high).toBeGreaterThanOrEqual(s.mean - 1e-12);
      }
      expect(r.summary.fillRate.mean).toBeGreaterThan(0);
    }
    expect(report.notes).toHaveLength(6); // reward, pnl, session Sharpe against each of the 2 baselines
    expect(report.notes[0]).toMatch(/^reward: .* − .* \(config parameters, untuned\) = .*d_z = .*Holm p = /);
    // held-out paths and fixed seeds: the same report again
    expect(evaluateAgainstBaselines(cfg, { runId: 'r1', episodes: 6 }, agent, { resamples: 200 })).toEqual(
      report,
    );
  });

  it("stops inside a path when its stop flag is raised (the worker polls the service's flag)", () => {
    const quoter = buildQuoter({ type: 'fixed-spread', halfSpread: 0.7 }, cfg.scenario);
    const agent = { quoter, checkpoint: 'step-000000900', step: 900 };
    const flag = new Int32Array(new SharedArrayBuffer(4));
    let polls = 0;
    const shouldStop = (): boolean => {
      if (++polls === 3) Atomics.store(flag, 0, 1);
      return Atomics.load(flag, 0) === 1;
    };
    expect(() =>
      evaluateAgainstBaselines(cfg, { runId: 'r1', episodes: 50 }, agent, { resamples: 200, shouldStop }),
    ).toThrow(/cancelled/);
    expect(polls).toBe(3);
  });

  it('with tuneEpisodes: every baseline tuned first (as quotebench eval), its parameters in the rows, the best on the tuning paths as the reference', () => {
    // the stand-in policy needs a name of its own: 'fixed-spread' is a tuned baseline's
    const fixed = buildQuoter({ type: 'fixed-spread', halfSpread: 0.7 }, cfg.scenario);
    const quoter = Object.create(fixed, { name: { value: 'policy' } }) as typeof fixed;
    const agent = { quoter, checkpoint: 'step-000000900', step: 900 };
    const phases: string[] = [];
    const report = evaluateAgainstBaselines(cfg, { runId: 'r1', episodes: 4, tuneEpisodes: 2 }, agent, {
      resamples: 100,
      onProgress: (phase, done, total) => {
        expect(done).toBeLessThanOrEqual(total);
        if (phases.at(-1) !== phase) phases.push(phase);
      },
    });
    expect(phases).toEqual(['tune', 'eval']);
    // the same tuning run on its own: the same parameters and the same best baseline
    const t = tuneBaselines({ cfg, paths: 2, metrics: metricOptionsOf(cfg) });
    expect(report.tuning).toEqual({
      paths: 2,
      seed: t.seed,
      bestBaseline: t.bestBaseline,
      candidates: t.candidates.length,
    });
    expect(report.rows.map((r) => r.kind)).toEqual(['agent', ...BASELINE_FAMILIES.map(() => 'baseline')]);
    for (const f of BASELINE_FAMILIES) {
      const row = report.rows.find((r) => r.name === BASELINE_NAMES[f]);
      expect(row?.params).toEqual(t.best[f].params);
      expect(row?.edges).toHaveLength(t.best[f].edges.length);
    }
    // tested against the one reference, not each baseline
    expect(report.notes).toHaveLength(3);
    expect(report.notes[0]).toContain(`− ${t.bestBaseline} (tuned on 2 training paths)`);
  });
});
