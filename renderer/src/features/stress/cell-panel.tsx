// An opened heatmap cell: the stored run of one scenario × strategy × seed (computed by the back end the
// first time the cell is opened, found again after) and, for a stressed cell, the base scenario's run of
// the same strategy and seed, overlaid on three charts (PnL, inventory, drawdown of the first kept path;
// both runs share the seed, so path 0 of each sees the same random streams up to the stress onset), a
// seed chooser, and the tear sheet of the pair (runs.report / runs.reportPdf through the runs store).
import { observer } from 'mobx-react-lite';
import { useEffect, useMemo, useState, type ReactElement } from 'react';
import type { SeriesPayload, SweepCellRun } from '../../../../core/api/contract';
import { Chart, LineSeries, toLinePoints, type SimChart, type SimLinePoint } from '../../charts/chart';
import { RangeSync } from '../../charts/range-sync';
import type { SimTimeFormat } from '../../charts/sim-time-scale';
import { useStores } from '../../stores/context';
import { seriesKey } from '../../stores/runs-store';
import { timeFormatOf } from '../runs/run-detail';

/** Stressed run in blue, its base in amber (the dark theme's PnL and inventory colours). */
export const STRESSED_COLOR = '#5aa9ff';
export const BASE_COLOR = '#e3b341';

type Quantity = 'pnl' | 'inventory' | 'drawdown';
const QUANTITIES: { key: Quantity; title: string; yTitle: string; label: string }[] = [
  { key: 'pnl', title: 'PnL', yTitle: 'PnL', label: 'PnL over time' },
  { key: 'inventory', title: 'Inventory (lots)', yTitle: 'lots', label: 'Inventory over time' },
  { key: 'drawdown', title: 'Drawdown', yTitle: 'drawdown (PnL)', label: 'Drawdown from the PnL peak' },
];

function Swatch({ color, text }: { color: string; text: string }): ReactElement {
  return (
    <span className="legend" style={{ color }} data-testid="cell-legend-item">
      <span style={{ color: 'var(--text)' }}>{text}</span>
    </span>
  );
}

export const CellPanel = observer(function CellPanel(): ReactElement | null {
  const { stress, runs } = useStores();
  const cell = stress.cell;
  const detail = stress.detail;
  if (!cell || !detail) return null;
  const strategy = detail.strategies.find((s) => s.index === cell.strategyIndex)?.label ?? '';
  const r = cell.result;
  const ids = stress.cellRunIds;
  const reporting = runs.isReporting(ids);
  return (
    <section
      className="panel"
      aria-label="Opened cell"
      data-testid="stress-cell-panel"
      data-state={cell.status}
      data-run-id={r?.run.runId ?? ''}
      data-base-run-id={r?.base?.runId ?? ''}
      data-cached={r ? String(r.run.cached) : ''}
    >
      <div className="panel-head">
        <h2>
          {strategy} · {cell.scenario}
        </h2>
        <label className="field-inline">
          <span>Seed</span>
          <select
            value={cell.seed ?? detail.seeds[0] ?? ''}
            onChange={(e) => void stress.openCell(cell.scenario, cell.strategyIndex, Number(e.target.value))}
            disabled={cell.status === 'loading'}
            data-testid="stress-cell-seed"
          >
            {detail.seeds.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <span className="spacer" />
        <button
          type="button"
          className="btn"
          disabled={cell.status !== 'ready' || reporting}
          onClick={() => void stress.report('html')}
          data-testid="stress-cell-report"
          title="Tear sheet of this run and, for a stressed cell, its base run"
        >
          {reporting ? 'Writing report…' : 'Report'}
        </button>
        <button
          type="button"
          className="btn"
          disabled={cell.status !== 'ready' || reporting}
          onClick={() => void stress.report('pdf')}
          data-testid="stress-cell-report-pdf"
        >
          PDF
        </button>
        <button
          type="button"
          className="btn-icon"
          aria-label="Close the cell"
          onClick={() => stress.closeCell()}
          data-testid="stress-cell-close"
        >
          ×
        </button>
      </div>
      {cell.status === 'loading' && (
        <div className="empty-state" data-testid="stress-cell-loading">
          Running this cell with its series (the first time only)…
        </div>
      )}
      {cell.status === 'error' && (
        <div className="empty-state" role="alert" data-testid="stress-cell-error">
          {cell.error}
        </div>
      )}
      {r && (
        <>
          <p className="muted" data-testid="stress-cell-note">
            Path 1 of {r.run.scenario}
            {r.base ? ` overlaid on the base scenario ${r.base.scenario}` : ''}, seed {r.seed}
            {r.run.cached ? ' (stored run, found again)' : ' (run now and stored in the runs table)'}.
          </p>
          <OverlayCharts run={r.run} base={r.base} />
        </>
      )}
    </section>
  );
});

const OverlayCharts = observer(function OverlayCharts({
  run,
  base,
}: {
  run: SweepCellRun;
  base: SweepCellRun | null;
}): ReactElement {
  const { runs } = useStores();
  const ids = base ? [run.runId, base.runId] : [run.runId];
  useEffect(() => {
    for (const id of ids) {
      void runs.fetchDetail(id);
      void runs.fetchSeries(id, 0, 0);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runs, ids.join(',')]);
  const stressed = runs.series.get(seriesKey(run.runId, 0, 0));
  const baseSeries = base ? runs.series.get(seriesKey(base.runId, 0, 0)) : undefined;
  const config = runs.details.get(run.runId)?.config;
  const failed = ids
    .map((id) => runs.seriesState.get(seriesKey(id, 0, 0)))
    .find((s) => s?.status === 'error');
  if (failed?.status === 'error')
    return <div className="empty-state">Could not load the series: {failed.message}</div>;
  if (!stressed || (base && !baseSeries))
    return (
      <div className="charts-grid" data-testid="stress-cell-charts" data-state="loading">
        <div className="empty-state chart-placeholder">Loading path series…</div>
      </div>
    );
  return (
    <SyncedOverlay
      stressed={stressed}
      base={baseSeries ?? null}
      stressedLabel={base ? `stressed: ${run.scenario}` : run.scenario}
      baseLabel={base ? `base: ${base.scenario}` : ''}
      timeFormat={timeFormatOf(config)}
    />
  );
});

function SyncedOverlay({
  stressed,
  base,
  stressedLabel,
  baseLabel,
  timeFormat,
}: {
  stressed: SeriesPayload;
  base: SeriesPayload | null;
  stressedLabel: string;
  baseLabel: string;
  timeFormat: SimTimeFormat;
}): ReactElement {
  const data = useMemo(() => {
    const of = (s: SeriesPayload | null): Record<Quantity, SimLinePoint[]> | null =>
      s
        ? {
            pnl: toLinePoints(s.t, s.pnl),
            inventory: toLinePoints(s.t, s.inventory),
            drawdown: toLinePoints(s.t, s.drawdown),
          }
        : null;
    return { stressed: of(stressed)!, base: of(base) };
  }, [stressed, base]);
  const [sync] = useState(() => new RangeSync());
  const opts = useMemo(
    () => ({
      stressed: { color: STRESSED_COLOR, lineWidth: 2 as const, title: base ? 'stressed' : '' },
      base: { color: BASE_COLOR, lineWidth: 2 as const, title: 'base' },
    }),
    [base],
  );
  return (
    <div className="charts-grid" data-testid="stress-cell-charts" data-state="ready">
      {QUANTITIES.map((q, i) => (
        <figure className="chart-card" key={q.key}>
          <figcaption>
            {q.title} <Swatch color={STRESSED_COLOR} text={stressedLabel} />{' '}
            {base && <Swatch color={BASE_COLOR} text={baseLabel} />}
          </figcaption>
          <Chart
            testId={`stress-cell-chart-${q.key}`}
            yTitle={q.yTitle}
            label={`${q.label}${base ? ': stressed and base' : ''}`}
            timeFormat={timeFormat}
            fitOnResize
            onChart={(c: SimChart | null) => sync.set(`s${i}`, c)}
          >
            <LineSeries data={data.stressed[q.key]} options={opts.stressed} />
            {data.base && <LineSeries data={data.base[q.key]} options={opts.base} />}
          </Chart>
        </figure>
      ))}
    </div>
  );
}
