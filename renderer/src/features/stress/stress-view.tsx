// Stress: the stored sweeps and stress sweeps (run from the CLI: `quotebench sweep|stress`), and for the
// one picked a heatmap of strategy rows × scenario columns for a metric; each cell's tooltip gives the
// mean over seeds, its 95% t interval and the number of seeds. A stress sweep can show each stressed
// cell's change against the base instead (paired by seed). First cut of issue 13 §3: opening a cell's
// run and the stressed-vs-base chart overlay are still to come.
import { observer } from 'mobx-react-lite';
import { useEffect, type CSSProperties, type ReactElement } from 'react';
import type { SweepViewMetric } from '../../../../core/api/contract';
import { fmtDateTime } from '../../lib/format';
import { metricColumn } from '../../lib/metrics';
import { useStores } from '../../stores/context';
import { STRESS_METRICS, metricLabel, type HeatCell } from '../../stores/stress-store';

/** Red (worse) through transparent (middle) to green (better); blue shades for an unranked metric. */
function cellStyle(t: number | null, ranked: boolean): CSSProperties {
  if (t === null) return {};
  if (!ranked) return { background: `rgba(90, 169, 255, ${(0.1 + 0.6 * t).toFixed(3)})` };
  const a = Math.abs(t - 0.5) * 1.4;
  return {
    background: t >= 0.5 ? `rgba(60, 207, 145, ${a.toFixed(3)})` : `rgba(242, 112, 123, ${a.toFixed(3)})`,
  };
}

export const StressView = observer(function StressView(): ReactElement {
  const { stress } = useStores();
  useEffect(() => {
    void stress.loadList();
  }, [stress]);
  const d = stress.detail;
  const ranked = stress.changeVsBase || (metricColumn(stress.metric)?.better ?? 0) !== 0;
  return (
    <div className="runs-layout" data-testid="stress-view">
      <section className="panel" aria-label="Stored sweeps">
        <div className="panel-head">
          <h2>Sweeps</h2>
          <span className="muted num" data-testid="sweeps-count">
            {stress.sweeps.length} {stress.sweeps.length === 1 ? 'sweep' : 'sweeps'}
          </span>
        </div>
        {stress.listStatus === 'ready' && stress.sweeps.length === 0 ? (
          <div className="empty-state" data-testid="sweeps-empty">
            No sweeps yet: run one with <code>quotebench sweep --config …</code> or{' '}
            <code>quotebench stress --config …</code> (docs/sweeps.md).
          </div>
        ) : (
          <div className="table-wrap runs-table-wrap">
            <table className="grid-table" data-testid="sweeps-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Status</th>
                  <th className="col-num">Cells</th>
                  <th className="col-num">Scenarios × strategies × seeds</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {stress.sweeps.map((s) => (
                  <tr
                    key={s.id}
                    aria-selected={stress.selectedId === s.id}
                    className={stress.selectedId === s.id ? 'selected' : undefined}
                    data-testid="sweep-row"
                    data-sweep-id={s.id}
                  >
                    <td>
                      <button type="button" className="link" onClick={() => void stress.select(s.id)}>
                        {s.name}
                      </button>
                    </td>
                    <td>{s.kind}</td>
                    <td>
                      <span className={`badge badge-${s.status}`} data-status={s.status}>
                        {s.status}
                      </span>
                    </td>
                    <td className="col-num">
                      {s.stored} / {s.cells}
                    </td>
                    <td className="col-num">
                      {s.scenarios} × {s.strategies} × {s.seeds}
                    </td>
                    <td>{fmtDateTime(s.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {stress.detailStatus === 'error' && (
        <div className="panel empty-state" data-testid="sweep-error">
          {stress.error}
        </div>
      )}
      {d && (
        <section className="panel" aria-label="Heatmap" data-testid="sweep-heatmap-panel">
          <div className="panel-head">
            <h2>{d.sweep.name}</h2>
            <label className="field-inline">
              <span>Metric</span>
              <select
                value={stress.metric}
                onChange={(e) => stress.setMetric(e.target.value as SweepViewMetric)}
                data-testid="stress-metric"
              >
                {STRESS_METRICS.map((m) => (
                  <option key={m} value={m}>
                    {metricLabel(m)}
                  </option>
                ))}
              </select>
            </label>
            {d.sweep.kind === 'stress' && (
              <label className="field-inline">
                <input
                  type="checkbox"
                  checked={stress.changeVsBase}
                  onChange={(e) => stress.setChangeVsBase(e.target.checked)}
                  data-testid="stress-change-vs-base"
                />
                <span>Change against base</span>
              </label>
            )}
            <span className="spacer" />
            <span className="muted">
              mean over {d.seeds.length} seeds · hover a cell for its 95% t interval
              {d.source === 'sweep-cells' ? ' · its config no longer expands to it: own cells only' : ''}
            </span>
          </div>
          <div className="table-wrap">
            <table
              className="grid-table heatmap"
              data-testid="sweep-heatmap"
              data-metric={stress.metric}
              data-mode={stress.changeVsBase ? 'change' : 'level'}
            >
              <thead>
                <tr>
                  <th>Strategy \ scenario</th>
                  {d.scenarios.map((sc) => (
                    <th key={sc.name} className="col-num">
                      {sc.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {stress.grid.map((row) => (
                  <tr key={row.strategyIndex}>
                    <th scope="row" title={row.label}>
                      {row.label}
                    </th>
                    {row.cells.map((c: HeatCell) => (
                      <td
                        key={c.scenario}
                        className="col-num heat-cell"
                        style={cellStyle(c.t, ranked)}
                        title={c.title}
                        data-testid="heat-cell"
                        data-scenario={c.scenario}
                        data-strategy={row.strategyIndex}
                        data-mean={c.stat?.mean ?? ''}
                      >
                        {c.text}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
});
