// Two runs compared: one table with A, B and Δ = B − A per metric (every RunMetrics field, the better
// side marked by the metric's direction), a result picker per side when a run holds several
// strategies, and the PnL and drawdown of one stored path of each side overlaid on one chart each.
import { observer } from 'mobx-react-lite';
import { useEffect, useMemo, useState, type ReactElement } from 'react';
import type { RunDetail, RunResultRow } from '../../../../core/api/contract';
import { Chart, LineSeries, toLinePoints, type SimChart } from '../../charts/chart';
import { RangeSync } from '../../charts/range-sync';
import { SERIES_PALETTE } from '../../charts/theme';
import { ChartPngButton } from '../../components/chart-png-button';
import { ExportMenu } from '../../components/export-menu';
import { StatusBadge } from '../../components/status-badge';
import { downloadText, safeFileName, toCsv } from '../../lib/export';
import { fmtDateTime, fmtInt } from '../../lib/format';
import {
  METRIC_COLUMNS,
  columnHeading,
  formatParams,
  metricValue,
  strategyLabel,
  type MetricColumn,
} from '../../lib/metrics';
import { useStores } from '../../stores/context';
import { seriesKey } from '../../stores/runs-store';
import { timeFormatOf } from './run-detail';

const A_COLOR = SERIES_PALETTE[0];
const B_COLOR = SERIES_PALETTE[1];

/** Which side is better for a metric: 'A', 'B', or null (equal, unranked or missing). */
export function betterSide(
  col: Pick<MetricColumn, 'better'>,
  a: number | undefined,
  b: number | undefined,
): 'A' | 'B' | null {
  if (col.better === 0 || a === undefined || b === undefined) return null;
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === b) return null;
  return (b - a) * col.better > 0 ? 'B' : 'A';
}

export interface CompareRow {
  key: string;
  a: number | undefined;
  b: number | undefined;
  delta: number | undefined;
  better: 'A' | 'B' | null;
}

export function compareRows(a: RunResultRow, b: RunResultRow): CompareRow[] {
  return METRIC_COLUMNS.map((c) => {
    const va = metricValue(a.metrics, c.key);
    const vb = metricValue(b.metrics, c.key);
    return {
      key: c.key,
      a: va,
      b: vb,
      delta: va !== undefined && vb !== undefined ? vb - va : undefined,
      better: betterSide(c, va, vb),
    };
  });
}

export const CompareView = observer(function CompareView({ ids }: { ids: [string, string] }): ReactElement {
  const { runs } = useStores();
  const a = runs.details.get(ids[0]);
  const b = runs.details.get(ids[1]);
  if (!a || !b) {
    const st = ids.map((id) => runs.detailState.get(id));
    const err = st.find((s) => s?.status === 'error');
    return (
      <section className="compare" data-testid="compare-view" aria-label="Run comparison">
        <div className="panel empty-state compare-all">
          {err?.status === 'error' ? err.message : 'Loading…'}
        </div>
      </section>
    );
  }
  return <CompareBody key={`${ids[0]}/${ids[1]}`} a={a} b={b} />;
});

function CompareBody({ a, b }: { a: RunDetail; b: RunDetail }): ReactElement {
  const [ia, setIa] = useState<number>(a.results[0]?.index ?? 0);
  const [ib, setIb] = useState<number>(b.results[0]?.index ?? 0);
  const ra = a.results.find((r) => r.index === ia);
  const rb = b.results.find((r) => r.index === ib);
  const rows = ra && rb ? compareRows(ra, rb) : [];
  const base = safeFileName(`compare-${a.run.name}-vs-${b.run.name}`);
  const csv = (): string =>
    toCsv(
      ['metric', 'A', 'B', 'delta', 'better'],
      rows.map((r) => [r.key, r.a, r.b, r.delta, r.better ?? '']),
    );
  return (
    <section className="compare" data-testid="compare-view" aria-label="Run comparison">
      <div className="panel compare-panel" data-testid="compare-panel">
        <header className="run-head compact">
          {(
            [
              ['A', a, ia, setIa],
              ['B', b, ib, setIb],
            ] as const
          ).map(([side, d, idx, set]) => (
            <div
              key={side}
              className="compare-side"
              data-testid="compare-side"
              data-side={side}
              data-run-id={d.run.id}
            >
              <div className="run-title">
                <span className="side-tag">{side}</span>
                <h2>{d.run.name}</h2>
                <StatusBadge status={d.run.status} />
              </div>
              <div className="muted num">
                seed {d.run.seed} · {fmtInt(d.run.paths)} paths · {fmtDateTime(d.run.createdAt)}
              </div>
              {d.results.length > 1 && (
                <select
                  value={idx}
                  onChange={(e) => set(Number(e.target.value))}
                  aria-label={`Result of run ${side}`}
                  data-testid={`compare-result-${side}`}
                >
                  {d.results.map((r) => (
                    <option key={r.index} value={r.index}>
                      {strategyLabel(r.strategy)} · {formatParams(r.params)}
                    </option>
                  ))}
                </select>
              )}
            </div>
          ))}
        </header>
        {!ra || !rb ? (
          <div className="empty-state">A run has no results to compare.</div>
        ) : (
          <>
            <div className="table-tools">
              <ExportMenu
                testId="compare-export"
                items={[
                  { format: 'csv', label: 'CSV', run: () => downloadText(csv(), `${base}.csv`, 'text/csv') },
                  {
                    format: 'json',
                    label: 'JSON',
                    run: () =>
                      downloadText(
                        JSON.stringify(
                          { a: { run: a.run, result: ra }, b: { run: b.run, result: rb }, rows },
                          null,
                          2,
                        ),
                        `${base}.json`,
                        'application/json',
                      ),
                  },
                ]}
              />
            </div>
            <div className="table-wrap">
              <table className="grid-table compact compare-table" data-testid="compare-table">
                <thead>
                  <tr>
                    <th className="col-text">Metric</th>
                    <th className="col-num" title={formatParams(ra.params)}>
                      A · {strategyLabel(ra.strategy)}
                    </th>
                    <th className="col-num" title={formatParams(rb.params)}>
                      B · {strategyLabel(rb.strategy)}
                    </th>
                    <th className="col-num">Δ (B − A)</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r, i) => {
                    const c = METRIC_COLUMNS[i] as MetricColumn;
                    return (
                      <tr
                        key={r.key}
                        data-testid="compare-row"
                        data-metric={r.key}
                        data-better={r.better ?? ''}
                      >
                        <th className="col-text" scope="row" title={c.title}>
                          {columnHeading(c)}
                        </th>
                        <td className={`col-num ${r.better === 'A' ? 'better' : ''}`} data-side="A">
                          {c.format(r.a)}
                        </td>
                        <td className={`col-num ${r.better === 'B' ? 'better' : ''}`} data-side="B">
                          {c.format(r.b)}
                        </td>
                        <td className="col-num delta" data-side="delta" data-value={r.delta ?? ''}>
                          {r.delta === undefined ? '—' : `${r.delta > 0 ? '+' : ''}${c.format(r.delta)}`}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>
      {ra && rb && <CompareCharts a={a} b={b} ia={ia} ib={ib} />}
    </section>
  );
}

const CompareCharts = observer(function CompareCharts({
  a,
  b,
  ia,
  ib,
}: {
  a: RunDetail;
  b: RunDetail;
  ia: number;
  ib: number;
}): ReactElement {
  const { runs } = useStores();
  const common = a.seriesPaths.filter((p) => b.seriesPaths.includes(p));
  const [path, setPath] = useState<number | undefined>(common[0]);
  useEffect(() => {
    if (path === undefined) return;
    void runs.fetchSeries(a.run.id, ia, path);
    void runs.fetchSeries(b.run.id, ib, path);
  }, [runs, a.run.id, b.run.id, ia, ib, path]);
  const sa = path === undefined ? undefined : runs.series.get(seriesKey(a.run.id, ia, path));
  const sb = path === undefined ? undefined : runs.series.get(seriesKey(b.run.id, ib, path));
  const data = useMemo(
    () => ({
      pnlA: sa ? toLinePoints(sa.t, sa.pnl) : undefined,
      pnlB: sb ? toLinePoints(sb.t, sb.pnl) : undefined,
      ddA: sa ? toLinePoints(sa.t, sa.drawdown) : undefined,
      ddB: sb ? toLinePoints(sb.t, sb.drawdown) : undefined,
    }),
    [sa, sb],
  );
  const [sync] = useState(() => new RangeSync());
  const [charts] = useState(() => new Map<string, SimChart | null>());
  const timeFormat = timeFormatOf(a.config);
  const optsA = useMemo(() => ({ color: A_COLOR, lineWidth: 2 as const, title: 'A' }), []);
  const optsB = useMemo(() => ({ color: B_COLOR, lineWidth: 2 as const, title: 'B' }), []);
  return (
    <div
      className="panel compare-panel"
      data-testid="compare-charts"
      data-state={sa && sb ? 'ready' : 'loading'}
    >
      <div className="chart-toolbar">
        <span className="chart-toolbar-title">
          <span style={{ color: A_COLOR }}>A</span> vs <span style={{ color: B_COLOR }}>B</span>, same path
          index
        </span>
        {common.length > 0 && (
          <label className="field-inline">
            <span>Path</span>
            <select
              value={path}
              onChange={(e) => setPath(Number(e.target.value))}
              data-testid="compare-path-select"
            >
              {common.map((p) => (
                <option key={p} value={p}>
                  #{p}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {path === undefined ? (
        <div className="empty-state">The two runs have no stored path in common.</div>
      ) : (
        (
          [
            ['pnl', 'PnL', 'PnL (ccy)', data.pnlA, data.pnlB],
            ['drawdown', 'Drawdown', 'drawdown (ccy)', data.ddA, data.ddB],
          ] as const
        ).map(([id, caption, yTitle, da, db]) => (
          <figure
            className="chart-card"
            key={id}
            data-testid={`compare-figure-${id}`}
            data-series={(da ? 1 : 0) + (db ? 1 : 0)}
          >
            <figcaption>
              {caption} <span style={{ color: A_COLOR }}>A</span> <span style={{ color: B_COLOR }}>B</span>
            </figcaption>
            <ChartPngButton
              chart={() => charts.get(id) ?? null}
              fileName={`compare-${id}.png`}
              testId={`compare-chart-${id}-png`}
            />
            <Chart
              testId={`compare-chart-${id}`}
              yTitle={yTitle}
              label={`${caption} of run A and run B over time`}
              timeFormat={timeFormat}
              fitOnResize
              onChart={(c) => {
                charts.set(id, c);
                sync.set(id, c);
              }}
            >
              {da && <LineSeries data={da} options={optsA} />}
              {db && <LineSeries data={db} options={optsB} />}
            </Chart>
          </figure>
        ))
      )}
    </div>
  );
});
