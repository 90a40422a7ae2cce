// Two runs side by side: for each, a metrics table with metrics as rows and its results as columns,
// so the same metric sits on the same line in both panels.
import { observer } from 'mobx-react-lite';
import type { ReactElement } from 'react';
import type { RunDetail } from '../../../../core/api/contract';
import { StatusBadge } from '../../components/status-badge';
import { fmtDateTime, fmtInt } from '../../lib/format';
import {
  METRIC_COLUMNS,
  metricValue,
  bestByColumn,
  distinguishingParams,
  formatParams,
  strategyLabel,
} from '../../lib/metrics';
import { useStores } from '../../stores/context';

export const CompareView = observer(function CompareView({ ids }: { ids: [string, string] }): ReactElement {
  const { runs } = useStores();
  return (
    <section className="compare" data-testid="compare-view" aria-label="Run comparison">
      {ids.map((id, i) => {
        const d = runs.details.get(id);
        const st = runs.detailState.get(id);
        return (
          <div className="panel compare-panel" key={id} data-testid="compare-panel" data-run-id={id}>
            {d ? (
              <ComparePanel detail={d} side={i === 0 ? 'A' : 'B'} />
            ) : (
              <div className="empty-state">{st?.status === 'error' ? st.message : 'Loading…'}</div>
            )}
          </div>
        );
      })}
    </section>
  );
});

function ComparePanel({ detail, side }: { detail: RunDetail; side: 'A' | 'B' }): ReactElement {
  const { run, results } = detail;
  const best = bestByColumn(results);
  const label = distinguishingParams(results);
  return (
    <>
      <header className="run-head compact">
        <div className="run-title">
          <span className="side-tag">{side}</span>
          <h2>{run.name}</h2>
          <StatusBadge status={run.status} />
        </div>
        <div className="muted num">
          seed {run.seed} · {fmtInt(run.paths)} paths · {fmtDateTime(run.createdAt)}
        </div>
      </header>
      {results.length === 0 ? (
        <div className="empty-state">No results in this run.</div>
      ) : (
        <div className="table-wrap">
          <table className="grid-table compare-table" data-testid="compare-table">
            <thead>
              <tr>
                <th className="col-text">Metric</th>
                {results.map((r) => (
                  <th key={r.index} className="col-num" title={formatParams(r.params)}>
                    <div>{strategyLabel(r.strategy)}</div>
                    <div className="th-sub">{label(r)}</div>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {METRIC_COLUMNS.map((c) => (
                <tr key={c.key} data-metric={c.key}>
                  <th className="col-text" scope="row" title={c.title}>
                    {c.label}
                  </th>
                  {results.map((r) => {
                    const v = metricValue(r.metrics, c.key);
                    return (
                      <td
                        key={r.index}
                        className={`col-num ${best.get(c.key) === r.index ? 'best' : ''} ${v !== undefined && v < 0 ? 'neg' : ''}`}
                      >
                        {c.format(v)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
