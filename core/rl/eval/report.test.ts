import { describe, expect, it } from 'vitest';
import type { ScenarioConfig } from '../../backtest/config';
import { intensityScenarioSchema } from '../../sim/scenario';
import { buildQuoter } from '../../backtest/quoters';
import type { Policy } from '../agent';
import { intensityObservation } from '../observation';
import { compareAgents, evaluate } from './evaluate';
import { PolicyQuoter } from './policy-quoter';
import { formatCi, formatEvalTable } from './report';

const scenario: ScenarioConfig = intensityScenarioSchema.parse({
  mode: 'intensity',
  name: 'as2008-report',
  horizon: 1,
  dt: 0.005,
  s0: 100,
  price: { model: 'abm', sigma: 2, increments: 'binomial' },
  intensity: { A: 140, k: 1.5 },
});

const policy: Policy = {
  obsDim: 2,
  actionDim: 2,
  act(obs, _d, out) {
    out[0] = Math.tanh(-0.2 + obs[0]!);
    out[1] = Math.tanh(-0.2 - obs[0]!);
  },
};

const result = evaluate({
  scenario,
  quoters: [
    PolicyQuoter.fromEnvOptions(
      { orderSizeLots: 1, maxOffset: 2, actionScale: 'unit', inventoryScale: 5 },
      { name: 'sac-agent', policy, builder: intensityObservation },
    ),
    buildQuoter({ type: 'avellaneda-stoikov', name: 'as-0.1', gamma: 0.1 }, scenario),
    buildQuoter({ type: 'fixed-spread', name: 'fixed-0.7', halfSpread: 0.7 }, scenario),
  ],
  seed: 5,
  paths: 8,
  reward: { inventory: 0.01 },
  metrics: { sessionsPerYear: 252, markoutHorizon: 0.05 },
  resamples: 200,
});

describe('formatEvalTable', () => {
  it('prints one row per quoter with "value [low, high]" cells and the paired-test block', () => {
    const text = formatEvalTable(result);
    for (const h of [
      'Quoter',
      'Session Sharpe',
      'Max DD (mean)',
      'ES99 (bar)',
      'Fill rate',
      'Eff. spread (bps)',
      'Real. spread (bps)',
      'PnL',
      'Reward',
    ])
      expect(text).toContain(h);
    expect(text).toContain('as2008-report: 8 paths (seed 5, paths 0…7)');
    expect(text).toContain('95% percentile-bootstrap CI, B = 200');
    const lines = text.split('\n');
    for (const q of result.quoters) {
      const row = lines.find((l) => l.startsWith(q.name));
      expect(row).toBeDefined();
      expect(row).toContain(formatCi(q.sessionSharpe));
      expect(row).toContain(formatCi(q.summary.reward));
    }
    expect(text).not.toContain('Paired tests'); // no comparison given
  });

  it('prints the paired tests of a comparison, with effect sizes and Holm-adjusted p-values', () => {
    const cmp = compareAgents(result, {
      agents: ['sac-agent'],
      baselines: ['as-0.1', 'fixed-0.7'],
      chosenBy: 'chosen for the test',
    });
    const text = formatEvalTable(result, cmp);
    const lines = text.split('\n');
    expect(text).toContain('Paired tests against as-0.1, fixed-0.7 (chosen for the test)');
    expect(text).toContain('Holm: adjusted over all 8 tests');
    for (const h of ['Mean diff [95% CI]', 'd_z [95% CI]', 'p (t)', 'p (W)', 'p Holm', 'At 5% (Holm)'])
      expect(text).toContain(h);
    const t = cmp.tests[0]!;
    const rewardRow = lines.find(
      (l) => l.startsWith('sac-agent') && l.includes(' as-0.1 ') && l.includes(' reward '),
    );
    expect(rewardRow).toContain(
      formatCi({ mean: t.reward.meanDiff, low: t.reward.ciLow, high: t.reward.ciHigh }),
    );
    expect(rewardRow).toContain(formatCi({ mean: t.reward.dz, low: t.reward.dzLow, high: t.reward.dzHigh }));
    const ssRow = lines.find(
      (l) => l.startsWith('sac-agent') && l.includes(' as-0.1 ') && l.includes(' session Sharpe '),
    );
    const d = t.sessionSharpe;
    expect(ssRow).toContain(formatCi({ mean: d.diff, low: d.ciLow, high: d.ciHigh }));
    expect(ssRow).toContain('(boot)');
    expect(lines.filter((l) => l.startsWith('sac-agent'))).toHaveLength(1 + 2 * 4); // table row + 2 × 4 tests
  });

  it('omits the block when there is nothing to compare', () => {
    const baselinesOnly = { ...result, quoters: result.quoters.filter((q) => q.kind === 'baseline') };
    expect(formatEvalTable(baselinesOnly)).not.toContain('Paired tests');
    expect(formatCi({ mean: 1.5, low: -0.25, high: 3 })).toBe('1.500 [-0.2500, 3]');
  });
});
