/**
 * Plain-text report of an evaluation (./evaluate.ts) for the terminal: one row per quoter with the
 * session Sharpe (a statistic over paths) and the means over paths of the single-path metrics, each as
 * "value [low, high]" (percentile-bootstrap CI at
 * the evaluation's level), then the paired tests of each agent against the best baseline (mean
 * difference agent − baseline with its bootstrap CI, the paired-t p-value and the Wilcoxon
 * signed-rank p-value; methods in core/metrics/inference.ts). Numbers are printed with the CLI's
 * formatNumber (core/cli/table.ts).
 */
import { formatNumber, formatTable } from '../../cli/table';
import type { PairedTestResult } from '../../metrics/inference';
import { compareToBest, type Comparison, type EvalResult, type MeanCi, type PathMetricKey } from './evaluate';

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

function testRow(agent: string, metric: string, r: PairedTestResult): string[] {
  return [
    agent,
    metric,
    formatCi({ mean: r.meanDiff, low: r.ciLow, high: r.ciHigh }),
    formatNumber(r.t),
    formatP(r.pValue),
    formatNumber(r.wilcoxonZ),
    formatP(r.wilcoxonP),
  ];
}

/**
 * The evaluation table, and the paired-test block when there is something to compare: `comparison`
 * when given, else compareToBest over the result's agents (PolicyQuoters) and baselines by mean reward.
 */
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

  let cmp = comparison;
  if (cmp === undefined) {
    const agents = result.quoters.filter((q) => q.kind === 'agent').map((q) => q.name);
    const baselines = result.quoters.filter((q) => q.kind === 'baseline').map((q) => q.name);
    if (agents.length > 0 && baselines.length > 0)
      cmp = compareToBest(result, { agents, baselines, key: 'reward' });
  }
  if (cmp !== undefined && cmp.tests.length > 0) {
    const cpct = Math.round(cmp.level * 1000) / 10;
    lines.push('');
    lines.push(
      `Paired tests vs the best baseline by ${cmp.key === 'sessionSharpe' ? 'session Sharpe' : `mean ${cmp.key}`}: ` +
        `${cmp.bestBaseline} ` +
        `(difference agent − baseline per path; t: paired Student t, W: Wilcoxon signed-rank)`,
    );
    lines.push('');
    const tHeaders = ['Agent', 'Metric', `Mean diff [${cpct}% CI]`, 't', 'p (t)', 'W z', 'p (W)'];
    const tRows = cmp.tests.flatMap((t) => [
      testRow(t.agent, 'reward', t.reward),
      testRow(t.agent, 'PnL', t.pnl),
      [
        t.agent,
        'session Sharpe',
        formatCi({ mean: t.sessionSharpe.diff, low: t.sessionSharpe.ciLow, high: t.sessionSharpe.ciHigh }),
        '—',
        '—',
        '—',
        '—',
      ],
    ]);
    lines.push(formatTable(tHeaders, tRows).trimEnd());
  }
  return lines.join('\n') + '\n';
}
