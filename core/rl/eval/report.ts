/**
 * Plain-text report of an evaluation (./evaluate.ts) for the terminal: one row per quoter with the
 * session Sharpe (a statistic over paths) and the means over paths of the single-path metrics, each as
 * "value [low, high]" (percentile-bootstrap CI at
 * the evaluation's level), then the paired tests of each agent against the chosen baseline(s) (mean
 * difference agent − baseline with its bootstrap CI, Cohen's d_z with CI, the paired-t, Wilcoxon
 * signed-rank or bootstrap p-value, and the Holm-adjusted p-value with its verdict at 5%; methods in
 * core/metrics/inference.ts). Numbers are printed with the CLI's
 * formatNumber (core/text/table.ts).
 */
import { formatNumber, formatTable } from '../../text/table';
import {
  BETTER,
  COMPARE_METRICS,
  type AgentComparison,
  type CompareMetric,
  type Comparison,
  type EvalResult,
  type MeanCi,
  type PathMetricKey,
} from './evaluate';

const COLUMNS: readonly { key: PathMetricKey; header: string }[] = [
  { key: 'maxDrawdown', header: 'Max DD (mean)' },
  { key: 'es99', header: 'ES99 (bar)' },
  { key: 'fillRate', header: 'Fill rate' },
  { key: 'effectiveSpreadBps', header: 'Eff. spread (bps)' },
  { key: 'realizedSpreadBps', header: 'Real. spread (bps)' },
  { key: 'pnl', header: 'PnL' },
  { key: 'reward', header: 'Reward' },
];

/** "value [low, high]". */
export function formatCi(c: MeanCi): string {
  return `${formatNumber(c.mean)} [${formatNumber(c.low)}, ${formatNumber(c.high)}]`;
}

function formatP(p: number): string {
  return p === 0 ? '0' : formatNumber(p);
}

const METRIC_LABEL: Record<CompareMetric, string> = {
  reward: 'reward',
  pnl: 'PnL',
  maxDrawdown: 'max DD (lower better)',
  sessionSharpe: 'session Sharpe',
};

function testRows(t: AgentComparison): string[][] {
  return COMPARE_METRICS.map((m) => {
    if (m === 'sessionSharpe') {
      const s = t.sessionSharpe;
      return [
        t.agent,
        t.baseline,
        METRIC_LABEL[m],
        formatCi({ mean: s.diff, low: s.ciLow, high: s.ciHigh }),
        '—',
        `${formatP(s.pValue)} (boot)`,
        '—',
        formatP(s.pHolm),
        verdict(s.diff, s.pHolm, BETTER[m]),
      ];
    }
    const r = t[m];
    return [
      t.agent,
      t.baseline,
      METRIC_LABEL[m],
      formatCi({ mean: r.meanDiff, low: r.ciLow, high: r.ciHigh }),
      formatCi({ mean: r.dz, low: r.dzLow, high: r.dzHigh }),
      formatP(r.pValue),
      formatP(r.wilcoxonP),
      formatP(r.pHolm),
      verdict(r.meanDiff, r.pHolm, BETTER[m]),
    ];
  });
}

/** "agent better" / "baseline better" at Holm-adjusted p < 0.05, else "no difference". */
function verdict(diff: number, pHolm: number, better: 'higher' | 'lower'): string {
  if (!(pHolm < 0.05) || diff === 0) return 'no significant difference';
  const agentBetter = better === 'higher' ? diff > 0 : diff < 0;
  return agentBetter ? 'agent better' : 'baseline better';
}

/** The evaluation table, and the paired-test block when a comparison is given. */
export function formatEvalTable(result: EvalResult, comparison?: Comparison): string {
  const pct = Math.round(result.level * 1000) / 10;
  const last = result.firstPath + result.paths - 1;
  const lines: string[] = [];
  lines.push(
    `Evaluation on ${result.scenario}: ${result.paths} paths (seed ${result.seed}, paths ${result.firstPath}…${last}); ` +
      `mean over paths [${pct}% percentile-bootstrap CI, B = ${result.resamples}]`,
  );
  lines.push('');
  const headers = ['Quoter', 'Kind', 'Session Sharpe', ...COLUMNS.map((c) => c.header)];
  const rows = result.quoters.map((q) => [
    q.name,
    q.kind,
    formatCi(q.sessionSharpe),
    ...COLUMNS.map((c) => formatCi(q.summary[c.key])),
  ]);
  lines.push(formatTable(headers, rows).trimEnd());

  const cmp = comparison;
  if (cmp !== undefined && cmp.tests.length > 0) {
    const cpct = Math.round(cmp.level * 1000) / 10;
    lines.push('');
    lines.push(
      `Paired tests against ${cmp.baselines.join(', ')} (${cmp.chosenBy}): difference agent − baseline per path; ` +
        `d_z = mean / std of the differences; p (t): paired Student t, p (W): Wilcoxon signed-rank, ` +
        `(boot): paired bootstrap; Holm: adjusted over all ${cmp.familySize} tests`,
    );
    lines.push('');
    const tHeaders = [
      'Agent',
      'Baseline',
      'Metric',
      `Mean diff [${cpct}% CI]`,
      `d_z [${cpct}% CI]`,
      'p (t)',
      'p (W)',
      'p Holm',
      'At 5% (Holm)',
    ];
    lines.push(formatTable(tHeaders, cmp.tests.flatMap(testRows)).trimEnd());
  }
  return lines.join('\n') + '\n';
}
