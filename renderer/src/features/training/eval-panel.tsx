/**
 * "Evaluate against baselines": runs train.evaluate on the watched run's newest checkpoint and shows
 * the results table — per quoter the mean over the held-out evaluation paths of each risk metric with
 * its bootstrap confidence interval.
 */
import { observer } from 'mobx-react-lite';
import type { ReactElement } from 'react';
import type { EvalMeanCi, EvalMetricKey, TrainEvalReport } from '../../../../core/api/contract';
import { NumberField } from '../../components/number-field';
import { ColumnChooser, useColumnChoice } from '../../components/column-chooser';
import { ExportMenu } from '../../components/export-menu';
import { downloadText, safeFileName, toCsv } from '../../lib/export';
import { fmtFixed, fmtInt, fmtPct, fmtSig } from '../../lib/format';
import { useStores } from '../../stores/context';

interface Column {
  key: EvalMetricKey;
  label: string;
  unit: string;
  fmt: (x: number) => string;
  title: string;
}

const fix2 = (x: number): string => fmtFixed(x, 2);
const sig3 = (x: number): string => fmtSig(x, 3);

const COLUMNS: readonly Column[] = [
  {
    key: 'sessionSharpe',
    label: 'Sharpe',
    unit: 'session',
    fmt: fix2,
    title: 'Mean / sample std of the per-path (per-session) PnL, not annualised',
  },
  {
    key: 'maxDrawdown',
    label: 'Max DD',
    unit: 'mean, ccy',
    fmt: sig3,
    title: 'Mean over paths of the largest peak-to-trough PnL fall',
  },
  {
    key: 'es99',
    label: 'ES 99',
    unit: 'ccy/bar',
    fmt: sig3,
    title: 'Historical 99% expected shortfall of per-bar PnL changes (loss > 0)',
  },
  {
    key: 'fillRate',
    label: 'Fill rate',
    unit: '%',
    fmt: (x) => fmtPct(x, 1),
    title: 'Fills per quote posted',
  },
  {
    key: 'effectiveSpreadBps',
    label: 'Eff. spread',
    unit: 'bp',
    fmt: fix2,
    title: 'Effective spread: size-weighted edge of our fills against the mid at the fill',
  },
  {
    key: 'realizedSpreadBps',
    label: 'Real. spread',
    unit: 'bp',
    fmt: fix2,
    title: 'Realized spread: edge of our fills against the mid the mark-out horizon later',
  },
  {
    key: 'pnl',
    label: 'PnL mean',
    unit: 'ccy',
    fmt: (x) => fmtSig(x, 4),
    title: 'Final mark-to-market PnL per path',
  },
  {
    key: 'reward',
    label: 'Reward',
    unit: 'per episode',
    fmt: sig3,
    title: "Sum of the env's reward per episode",
  },
];

const ALL_KEYS = COLUMNS.map((c) => c.key);
/** What fits the evaluation panel at 1280–1440 px with the interval under each mean; the rest via Columns. */
const DEFAULT_KEYS: readonly EvalMetricKey[] = ['sessionSharpe', 'maxDrawdown', 'realizedSpreadBps', 'pnl'];

/** CSV of an evaluation: quoter, kind, then mean, low and high of every metric, unformatted. */
export function evalCsv(report: TrainEvalReport): string {
  return toCsv(
    ['quoter', 'kind', ...ALL_KEYS.flatMap((k) => [k, `${k}Low`, `${k}High`])],
    report.rows.map((r) => [
      r.name,
      r.kind,
      ...ALL_KEYS.flatMap((k) => {
        const ci = r.summary[k] as EvalMeanCi | undefined;
        return [ci?.mean, ci?.low, ci?.high];
      }),
    ]),
  );
}

function Cell({ ci, fmt }: { ci: EvalMeanCi | undefined; fmt: (x: number) => string }): ReactElement {
  if (ci === undefined) return <span className="num">—</span>;
  return (
    <>
      <span className="num">{fmt(ci.mean)}</span>
      <span className="ci num">
        [{fmt(ci.low)}, {fmt(ci.high)}]
      </span>
    </>
  );
}

export const EvalPanel = observer(function EvalPanel(): ReactElement {
  const { training } = useStores();
  const run = training.selected;
  const report = training.evalReport;
  const hasCheckpoint = (run?.lastCheckpointStep ?? null) !== null || training.checkpoints.length > 0;
  return (
    <section className="panel train-eval" aria-label="Evaluation against baselines" data-testid="train-eval">
      <div className="panel-head">
        <h2>Evaluation against baselines</h2>
        <span className="spacer" />
        <div className="train-eval-form">
          <NumberField
            label="Episodes"
            value={training.evalEpisodes}
            onCommit={training.setEvalEpisodes}
            min={1}
            max={10_000}
            testId="train-eval-episodes"
          />
          <NumberField
            label="Tuning paths"
            value={training.evalTuneEpisodes}
            onCommit={training.setEvalTuneEpisodes}
            min={0}
            max={1000}
            testId="train-eval-tune-episodes"
          />
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void training.evaluate()}
            disabled={!run || !hasCheckpoint || training.evalBusy}
            title={!hasCheckpoint ? 'The run has no checkpoint yet' : 'Evaluate the newest checkpoint'}
            data-testid="train-evaluate"
          >
            {training.evalBusy ? 'Evaluating…' : 'Evaluate against baselines'}
          </button>
        </div>
      </div>
      {report ? (
        <EvalTable report={report} />
      ) : (
        <div className="empty-state small" data-testid="train-eval-empty">
          {training.evalError ? (
            <span className="yaml-error" role="alert" data-testid="train-eval-error">
              {training.evalError}
            </span>
          ) : training.evalBusy ? (
            <EvalProgressLine />
          ) : training.evalTuneEpisodes > 0 ? (
            `Evaluate the newest checkpoint on held-out paths against every baseline (AS, GLFT, fixed spread, static, random), each first tuned on ${training.evalTuneEpisodes} training paths; the best of them on those paths is the reference.`
          ) : (
            'Evaluate the newest checkpoint on held-out paths next to the config’s untuned Avellaneda–Stoikov and GLFT quoters.'
          )}
        </div>
      )}
    </section>
  );
});

const EvalProgressLine = observer(function EvalProgressLine(): ReactElement {
  const { training } = useStores();
  const p = training.evalProgress;
  if (p === null) return <span data-testid="train-eval-progress">Starting the evaluation…</span>;
  const what = p.phase === 'tune' ? 'Tuning the baselines on training paths' : 'Running the held-out paths';
  return (
    <span data-testid="train-eval-progress" data-phase={p.phase} data-done={p.done} data-total={p.total}>
      {what}: {fmtInt(p.done)} / {fmtInt(p.total)}
    </span>
  );
});

/** A tuned baseline's parameters, e.g. "γ 0.00107, k 1.5", and its edge warnings. */
function paramText(r: TrainEvalReport['rows'][number]): string {
  const names: Record<string, string> = { gamma: 'γ', halfSpread: 'half-spread', skewPerLot: 'skew/lot' };
  const p = Object.entries(r.params ?? {})
    .map(([k, v]) => `${names[k] ?? k} ${Number(v.toPrecision(3))}`)
    .join(', ');
  const e = (r.edges ?? []).length > 0 ? ` (on the edge: ${(r.edges ?? []).join(', ')})` : '';
  return p + e;
}

function EvalTable({ report }: { report: TrainEvalReport }): ReactElement {
  const { chosen, toggle, reset } = useColumnChoice('train-eval', ALL_KEYS, DEFAULT_KEYS);
  const columns = COLUMNS.filter((c) => chosen.includes(c.key));
  const base = safeFileName(`eval-${report.checkpoint}`);
  return (
    <div className="table-wrap">
      <div className="table-tools">
        <p className="hint train-eval-meta">
          Checkpoint <code>{report.checkpoint}</code> (step {fmtInt(report.step)}), {fmtInt(report.episodes)}{' '}
          held-out paths, means with {Math.round(report.level * 100)}% bootstrap intervals.
          {report.tuning
            ? ` Baselines tuned on ${fmtInt(report.tuning.paths)} training paths (${fmtInt(report.tuning.candidates)} candidates); reference: ${report.tuning.bestBaseline}, the best there.`
            : ' Baselines: the config’s parameters, untuned.'}
        </p>
        <span className="spacer" />
        <ColumnChooser
          columns={COLUMNS}
          chosen={chosen}
          onToggle={toggle}
          onReset={reset}
          testId="train-eval-columns"
        />
        <ExportMenu
          testId="train-eval-export"
          items={[
            {
              format: 'csv',
              label: 'CSV',
              run: () => downloadText(evalCsv(report), `${base}.csv`, 'text/csv'),
            },
            {
              format: 'json',
              label: 'JSON',
              run: () => downloadText(JSON.stringify(report, null, 2), `${base}.json`, 'application/json'),
            },
          ]}
        />
      </div>
      <table className="grid-table compact train-eval-table" data-testid="train-eval-table">
        <thead>
          <tr>
            <th className="col-text">Quoter</th>
            {report.tuning && <th className="col-text">Tuned parameters</th>}
            {columns.map((c) => (
              <th key={c.key} className="col-num" title={c.title} data-metric={c.key}>
                <div>{c.label}</div>
                <div className="th-sub">{c.unit}</div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.rows.map((r) => (
            <tr
              key={r.name}
              data-testid="train-eval-row"
              data-kind={r.kind}
              data-best={report.tuning?.bestBaseline === r.name ? 'true' : undefined}
            >
              <th className="col-text">
                {r.kind === 'agent' ? <strong>{r.name}</strong> : r.name}
                {report.tuning?.bestBaseline === r.name ? ' ★' : ''}
              </th>
              {report.tuning && (
                <td className="col-text" data-testid="train-eval-params">
                  {paramText(r)}
                </td>
              )}
              {columns.map((c) => (
                <td key={c.key} className="col-num" data-metric={c.key}>
                  <Cell ci={r.summary[c.key]} fmt={c.fmt} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {report.notes.length > 0 && (
        <ul className="hint train-eval-notes">
          {report.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
