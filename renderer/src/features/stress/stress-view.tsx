// Stress: run a sweep or stress sweep from a YAML editor (progress bar, Cancel; the same engine as
// `quotebench sweep|stress`), the stored sweeps, and for the one picked a heatmap of strategy rows ×
// scenario columns for a metric with its colour legend; each cell's tooltip gives the mean over seeds,
// its 95% t interval and the number of seeds. A stress sweep can show each stressed cell's change
// against the base instead (paired by seed). Clicking a cell opens its run's charts (cell-panel.tsx),
// overlaid on its base run for a stressed cell. The list and the heatmap refresh as cells finish.
import { observer } from 'mobx-react-lite';
import { useEffect, useId, type CSSProperties, type ReactElement } from 'react';
import type { SweepViewMetric } from '../../../../core/api/contract';
import { ProgressBar } from '../../components/progress-bar';
import { fmtDateTime } from '../../lib/format';
import { metricColumn } from '../../lib/metrics';
import { useStores } from '../../stores/context';
import { STRESS_METRICS, metricLabel, type HeatCell } from '../../stores/stress-store';
import { CellPanel } from './cell-panel';

/** Red (worse) through transparent (middle) to green (better); blue shades for an unranked metric. */
function cellStyle(t: number | null, ranked: boolean): CSSProperties {
  if (t === null) return {};
  if (!ranked) return { background: `rgba(90, 169, 255, ${(0.1 + 0.6 * t).toFixed(3)})` };
  const a = Math.abs(t - 0.5) * 1.4;
  return {
    background: t >= 0.5 ? `rgba(60, 207, 145, ${a.toFixed(3)})` : `rgba(242, 112, 123, ${a.toFixed(3)})`,
  };
}

/** The scale of the heatmap as a gradient strip: the colours cellStyle gives t = 0 … 1. */
function legendGradient(ranked: boolean): string {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => {
    const bg = cellStyle(t, ranked).background ?? 'transparent';
    return `${String(bg)} ${(t * 100).toFixed(0)}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

const HeatLegendBar = observer(function HeatLegendBar({ ranked }: { ranked: boolean }): ReactElement {
  const { stress } = useStores();
  const l = stress.legend;
  return (
    <div
      className="heat-legend"
      data-testid="heat-legend"
      data-better={l.better}
      data-mode={l.mode}
      style={{ display: 'flex', alignItems: 'center', gap: 8, marginTop: 8, flexWrap: 'wrap' }}
    >
      <span className="num muted" data-testid="heat-legend-low">
        {l.low ?? '—'}
      </span>
      <span
        aria-hidden="true"
        style={{
          width: 180,
          height: 10,
          border: '1px solid var(--border)',
          borderRadius: 3,
          background: legendGradient(ranked),
        }}
      />
      <span className="num muted" data-testid="heat-legend-high">
        {l.high ?? '—'}
      </span>
      <span className="muted" data-testid="heat-legend-text">
        {l.text}
      </span>
    </div>
  );
});

const NewSweepPanel = observer(function NewSweepPanel(): ReactElement {
  const { stress } = useStores();
  const yamlId = useId();
  const run = stress.run;
  return (
    <section className="panel" aria-label="New stress sweep" data-testid="new-sweep-panel">
      <div className="panel-head">
        <h2>New stress sweep</h2>
        <label className="field-inline">
          <span>Start from</span>
          <select
            value={stress.presetId ?? ''}
            onChange={(e) => stress.choosePreset(e.target.value)}
            disabled={stress.isRunning}
            data-testid="sweep-preset"
          >
            {stress.presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title} ({p.kind}, {p.cells} cells)
              </option>
            ))}
          </select>
        </label>
        <span className="spacer" />
        <span className="muted">
          same engine and store as <code>quotebench stress</code>; cells already stored are not recomputed
        </span>
      </div>
      <label htmlFor={yamlId} className="muted">
        Sweep config (YAML, docs/sweeps.md)
      </label>
      <textarea
        id={yamlId}
        className="yaml-editor"
        spellCheck={false}
        rows={14}
        value={stress.yaml}
        onChange={(e) => stress.setYaml(e.target.value)}
        readOnly={stress.isRunning}
        data-testid="sweep-yaml"
      />
      {stress.startError !== null && (
        <pre className="yaml-error" role="alert" data-testid="sweep-start-error">
          {stress.startError}
        </pre>
      )}
      <div className="actions" style={{ display: 'flex', alignItems: 'center', gap: 8, marginTop: 8 }}>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void stress.start()}
          disabled={stress.starting || stress.isRunning || stress.yaml.trim() === ''}
          data-testid="sweep-start"
        >
          {stress.isRunning ? 'Running…' : 'Start'}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => void stress.cancel()}
          disabled={run?.status !== 'running'}
          data-testid="sweep-cancel"
        >
          {run?.status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
        </button>
        {run && (
          <span className="num muted" data-testid="sweep-run-status" data-status={run.status}>
            {run.name}: {run.done} / {run.total} cells
            {run.failed > 0 ? `, ${run.failed} failed` : ''} · {run.status}
            {run.error !== null ? ` · ${run.error}` : ''}
          </span>
        )}
      </div>
      {run && (
        <ProgressBar
          value={run.done}
          max={run.total}
          label="Sweep progress"
          testId="sweep-progress"
          tone={run.status === 'failed' ? 'error' : run.status === 'completed' ? 'ok' : 'accent'}
        />
      )}
    </section>
  );
});

export const StressView = observer(function StressView(): ReactElement {
  const { stress } = useStores();
  useEffect(() => {
    // The subscription lives with the store: a sweep keeps reporting while another tab is open.
    stress.listen();
    void stress.loadList();
    void stress.loadPresets();
  }, [stress]);
  const d = stress.detail;
  const ranked = stress.changeVsBase || (metricColumn(stress.metric)?.better ?? 0) !== 0;
  return (
    <div className="runs-layout" data-testid="stress-view">
      <NewSweepPanel />
      <section className="panel" aria-label="Stored sweeps">
        <div className="panel-head">
          <h2>Sweeps</h2>
          <span className="muted num" data-testid="sweeps-count">
            {stress.sweeps.length} {stress.sweeps.length === 1 ? 'sweep' : 'sweeps'}
          </span>
        </div>
        {stress.listStatus === 'ready' && stress.sweeps.length === 0 ? (
          <div className="empty-state" data-testid="sweeps-empty">
            No sweeps yet: start one above, or run <code>quotebench sweep --config …</code> or{' '}
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
              mean over {d.seeds.length} seeds · hover a cell for its 95% t interval, click it for its run's
              charts
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
                        style={{ ...cellStyle(c.t, ranked), cursor: 'pointer' }}
                        title={`${c.title}\nclick: this cell's run`}
                        data-testid="heat-cell"
                        data-scenario={c.scenario}
                        data-strategy={row.strategyIndex}
                        data-mean={c.stat?.mean ?? ''}
                        data-selected={
                          stress.cell?.scenario === c.scenario &&
                          stress.cell.strategyIndex === row.strategyIndex
                        }
                        tabIndex={0}
                        role="button"
                        onClick={() => void stress.openCell(c.scenario, row.strategyIndex)}
                        onKeyDown={(e) => {
                          if (e.key === 'Enter' || e.key === ' ') {
                            e.preventDefault();
                            void stress.openCell(c.scenario, row.strategyIndex);
                          }
                        }}
                      >
                        {c.text}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <HeatLegendBar ranked={ranked} />
        </section>
      )}
      <CellPanel />
    </div>
  );
});
