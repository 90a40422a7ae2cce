// One to eight runs of any kinds side by side (runs.records): who they are (kind, status, seed, code
// version, dataset hash), their parameters (the config flattened to dotted keys; differing values
// highlighted, and by default only those), their final metrics (the best of each ranked metric marked)
// and their metrics over time overlaid on one chart per metric (PnL of a backtest's first kept path,
// training curves, a sweep's progress, an evaluation's per-path PnL). With one run it is that run's
// record (the detail pane of kinds without strategy results).
import { observer } from 'mobx-react-lite';
import { useEffect, useMemo, useState, type ReactElement } from 'react';
import type { RunRecord } from '../../../../core/api/contract';
import { Chart, LineSeries, toLinePoints } from '../../charts/chart';
import { SERIES_PALETTE } from '../../charts/theme';
import { StatusBadge } from '../../components/status-badge';
import { fmtDateTime } from '../../lib/format';
import { metricColumn } from '../../lib/metrics';
import { useStores } from '../../stores/context';

/** Charts drawn at most (the metrics shared by most runs first, PnL first of all). */
const MAX_CHARTS = 6;
const MAX_METRIC_ROWS = 300;

export function colorOf(i: number): string {
  return SERIES_PALETTE[i % SERIES_PALETTE.length] ?? '#5aa9ff';
}

/** Keys of `maps` in first-seen order. */
function unionKeys(maps: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const m of maps) for (const k of Object.keys(m)) seen.add(k);
  return [...seen];
}

/** The metric's column definition by its last dotted part (`glft.sessionSharpe` → sessionSharpe). */
function columnOf(key: string): ReturnType<typeof metricColumn> {
  return metricColumn(key) ?? metricColumn(key.slice(key.lastIndexOf('.') + 1));
}

export interface ParamRow {
  key: string;
  values: (string | undefined)[];
  differs: boolean;
}

/**
 * Every parameter of the runs; `differs` when two runs that have it disagree (a run without the
 * parameter, e.g. of another kind, shows — and does not count as a difference).
 */
export function paramRows(records: readonly RunRecord[]): ParamRow[] {
  return unionKeys(records.map((r) => r.params))
    .sort()
    .map((key) => {
      const values = records.map((r) => r.params[key]);
      return { key, values, differs: new Set(values.filter((v) => v !== undefined)).size > 1 };
    });
}

/** Index of the best run for a metric (by its column's direction), or null when unranked or tied. */
export function bestIndex(key: string, values: readonly (number | undefined)[]): number | null {
  const better = columnOf(key)?.better ?? 0;
  if (better === 0) return null;
  let best: number | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined || !Number.isFinite(v)) continue;
    const b = best === null ? undefined : values[best];
    if (b === undefined || (v - b) * better > 0) best = i;
    else if (v === b) return null;
  }
  return values.filter((v) => v !== undefined).length > 1 ? best : null;
}

/** The history keys to chart: those most runs have, 'pnl' first, at most MAX_CHARTS. */
export function chartKeys(records: readonly RunRecord[]): string[] {
  const count = new Map<string, number>();
  for (const r of records)
    for (const [k, h] of Object.entries(r.history))
      if (h.step.length > 0) count.set(k, (count.get(k) ?? 0) + 1);
  return [...count.entries()]
    .sort((a, b) => (a[0] === 'pnl' ? -1 : b[0] === 'pnl' ? 1 : b[1] - a[1] || (a[0] < b[0] ? -1 : 1)))
    .slice(0, MAX_CHARTS)
    .map(([k]) => k);
}

export const RecordsCompare = observer(function RecordsCompare({
  ids,
  onClose,
}: {
  ids: readonly string[];
  onClose?: () => void;
}): ReactElement {
  const { runs } = useStores();
  const key = ids.join(',');
  useEffect(() => {
    void runs.fetchRecords(ids);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runs, key]);
  const records = ids.map((id) => runs.records.get(id));
  const single = ids.length === 1;
  const testId = single ? 'record-view' : 'records-compare';
  if (records.some((r) => r === undefined)) {
    const err = ids.map((id) => runs.recordState.get(id)).find((s) => s?.status === 'error');
    return (
      <section className="panel records-compare" data-testid={testId} aria-label="Run records">
        <div className="empty-state">{err?.status === 'error' ? err.message : 'Loading…'}</div>
      </section>
    );
  }
  return <RecordsBody records={records as RunRecord[]} single={single} testId={testId} onClose={onClose} />;
});

const RecordsBody = observer(function RecordsBody({
  records,
  single,
  testId,
  onClose,
}: {
  records: RunRecord[];
  single: boolean;
  testId: string;
  onClose: (() => void) | undefined;
}): ReactElement {
  const { runs } = useStores();
  const [onlyDiffs, setOnlyDiffs] = useState(!single);
  const params = useMemo(() => paramRows(records), [records]);
  const shownParams = onlyDiffs ? params.filter((p) => p.differs) : params;
  const metricKeys = useMemo(() => unionKeys(records.map((r) => r.metrics)), [records]);
  const charts = useMemo(() => chartKeys(records), [records]);
  const ids = records.map((r) => r.run.id);
  const canReport = records.every((r) => r.run.kind !== 'train');
  return (
    <section className="panel records-compare" data-testid={testId} aria-label="Run records">
      <div className="panel-head">
        <h2>{single ? (records[0]?.run.name ?? '') : `Comparing ${records.length} runs`}</h2>
        <span className="spacer" />
        {canReport && (
          <button
            type="button"
            className="btn btn-sm"
            disabled={runs.isReporting(ids)}
            onClick={() => void runs.report(ids)}
            data-testid="records-report"
            title="Save an HTML tear sheet of these runs"
          >
            {runs.isReporting(ids) ? 'Writing report…' : 'Report'}
          </button>
        )}
        {onClose && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose} data-testid="record-close">
            Close
          </button>
        )}
      </div>

      <div className="table-wrap">
        <table className="grid-table" data-testid="records-runs">
          <thead>
            <tr>
              <th className="col-text">Run</th>
              <th className="col-text">Kind</th>
              <th className="col-text">Status</th>
              <th className="col-num">Seed</th>
              <th className="col-text">Code version</th>
              <th className="col-text">Dataset hash</th>
              <th className="col-text">Created</th>
              <th className="col-num">Files</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r, i) => (
              <tr key={r.run.id} data-testid="records-run" data-run-id={r.run.id}>
                <td className="col-text">
                  <span className="swatch" style={{ background: colorOf(i) }} aria-hidden="true" />{' '}
                  {r.run.name} <code className="run-id">{r.run.id.slice(0, 8)}</code>
                </td>
                <td className="col-text">{r.run.kind}</td>
                <td className="col-text">
                  <StatusBadge status={r.run.status} />
                </td>
                <td className="col-num">{r.run.seed}</td>
                <td className="col-text">
                  <code>{r.run.codeVersion}</code>
                </td>
                <td className="col-text">
                  {r.run.datasetHash ? (
                    <code title={r.run.datasetHash}>{r.run.datasetHash.slice(0, 12)}</code>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="col-text num">{fmtDateTime(r.run.createdAt)}</td>
                <td className="col-num" title={r.files.map((f) => `${f.path} sha256 ${f.sha256}`).join('\n')}>
                  {r.files.length}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {charts.length > 0 && (
        <div className="charts-grid" data-testid="records-charts">
          {charts.map((k) => (
            <figure
              className="chart-card"
              key={k}
              data-testid={`records-figure-${k}`}
              data-series={records.filter((r) => (r.history[k]?.step.length ?? 0) > 0).length}
            >
              <figcaption>{k}</figcaption>
              <Chart
                testId={`records-chart-${k}`}
                yTitle={k}
                label={`${k} over steps of each run`}
                timeFormat="step"
                fitOnResize
              >
                {records.map((r, i) => {
                  const h = r.history[k];
                  return h ? (
                    <LineSeries
                      key={r.run.id}
                      data={toLinePoints(h.step, h.value)}
                      options={{ color: colorOf(i), title: records.length > 1 ? String(i + 1) : '' }}
                    />
                  ) : null;
                })}
              </Chart>
            </figure>
          ))}
        </div>
      )}

      <h3>
        Parameters{' '}
        {!single && (
          <label className="field-inline">
            <input
              type="checkbox"
              checked={onlyDiffs}
              onChange={(e) => setOnlyDiffs(e.target.checked)}
              data-testid="records-only-diffs"
            />
            <span>
              only differences ({params.filter((p) => p.differs).length} of {params.length})
            </span>
          </label>
        )}
      </h3>
      <div className="table-wrap records-params-wrap">
        <table className="grid-table" data-testid="records-params">
          <tbody>
            {shownParams.map((p) => (
              <tr
                key={p.key}
                data-testid="records-param-row"
                data-key={p.key}
                data-differs={p.differs}
                className={p.differs && !single ? 'differs' : ''}
              >
                <th className="col-text" scope="row">
                  <code>{p.key}</code>
                </th>
                {p.values.map((v, i) => (
                  <td key={records[i]?.run.id ?? i} className="col-text">
                    {v ?? '—'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h3>Metrics</h3>
      <div className="table-wrap records-metrics-wrap">
        <table className="grid-table" data-testid="records-metrics">
          <tbody>
            {metricKeys.slice(0, MAX_METRIC_ROWS).map((k) => {
              const values = records.map((r) => r.metrics[k]);
              const best = bestIndex(k, values);
              const col = columnOf(k);
              return (
                <tr key={k} data-testid="records-metric-row" data-key={k} data-best={best ?? ''}>
                  <th className="col-text" scope="row">
                    <code>{k}</code>
                  </th>
                  {values.map((v, i) => (
                    <td key={records[i]?.run.id ?? i} className={`col-num ${best === i ? 'best' : ''}`}>
                      {v === undefined ? '—' : col ? col.format(v) : Number(v.toPrecision(6)).toString()}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
});
