// Runs: the history from the run store, newest first by default, sortable (click a header, or pick a
// metric: each run's best result) and filterable by name or strategy. Open a run for its results and
// charts, tick two to compare them (deltas, overlaid curves), delete with an inline confirmation.
import { observer } from 'mobx-react-lite';
import { useEffect, useRef, type ReactElement } from 'react';
import type { RunListRow as RunListRowData } from '../../../../core/api/contract';
import { StatusBadge } from '../../components/status-badge';
import { fmtDateTime, fmtDuration, fmtInt } from '../../lib/format';
import { METRIC_COLUMNS, columnHeading, metricColumn } from '../../lib/metrics';
import { useStores } from '../../stores/context';
import { isMetricSort, runMetric } from '../../stores/runs-store';
import { CompareView } from './compare-view';
import { RunDetailPanel } from './run-detail';

export const RunsView = observer(function RunsView(): ReactElement {
  const { runs } = useStores();
  useEffect(() => {
    void runs.loadList();
  }, [runs]);
  const list = runs.visibleRuns;
  const total = runs.runs.size;
  const metric = isMetricSort(runs.sortKey) ? metricColumn(runs.sortKey) : undefined;
  const sortable = (key: string, label: string, className: string): ReactElement => (
    <th
      className={`${className} sortable`}
      aria-sort={runs.sortKey === key ? (runs.sortDir > 0 ? 'ascending' : 'descending') : 'none'}
      data-sort-key={key}
    >
      <button
        type="button"
        className="link"
        onClick={() => runs.setSort(key)}
        data-testid={`runs-sort-${key}`}
      >
        {label}
      </button>
    </th>
  );
  return (
    <div className="runs-layout">
      <section className="panel runs-list" aria-label="Run history">
        <div className="panel-head">
          <h2>Run history</h2>
          <span className="muted num" data-testid="runs-count">
            {list.length === total ? `${total} runs` : `${list.length} of ${total} runs`}
          </span>
          <input
            type="search"
            className="runs-filter"
            placeholder="Filter name, strategy"
            aria-label="Filter runs by name or strategy"
            value={runs.filterText}
            onChange={(e) => runs.setFilter(e.target.value)}
            data-testid="runs-filter"
          />
          <label className="field-inline">
            <span>Sort</span>
            <select
              value={runs.sortKey}
              onChange={(e) => runs.setSort(e.target.value)}
              data-testid="runs-sort"
              aria-label="Sort runs by"
            >
              <option value="createdAt">Created</option>
              <option value="name">Name</option>
              <option value="status">Status</option>
              {METRIC_COLUMNS.map((c) => (
                <option key={c.key} value={c.key}>
                  {columnHeading(c)}
                </option>
              ))}
            </select>
          </label>
          <span className="spacer" />
          <span className="muted">
            {runs.compareIds.length === 0
              ? 'Tick two runs to compare'
              : runs.compareIds.length === 1
                ? 'Tick one more run to compare'
                : '2 runs picked'}
          </span>
          <button
            type="button"
            className="btn"
            disabled={!runs.canCompare}
            onClick={runs.comparing ? runs.stopCompare : runs.startCompare}
            data-testid="compare-button"
            aria-pressed={runs.comparing}
          >
            {runs.comparing ? 'Close comparison' : 'Compare'}
          </button>
          <button
            type="button"
            className="btn"
            disabled={!runs.canCompare || runs.isReporting(runs.compareIds)}
            onClick={() => void runs.report(runs.compareIds)}
            data-testid="compare-report"
            title="Save an HTML tear sheet comparing the two runs"
          >
            {runs.isReporting(runs.compareIds) ? 'Writing report…' : 'Report'}
          </button>
          <button
            type="button"
            className="btn btn-ghost"
            disabled={!runs.canCompare || runs.isReporting(runs.compareIds)}
            onClick={() => void runs.report(runs.compareIds, 'pdf')}
            data-testid="compare-report-pdf"
            title="Save the tear sheet comparing the two runs as PDF"
          >
            {runs.isReporting(runs.compareIds) ? 'Writing report…' : 'PDF'}
          </button>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => void runs.loadList()}
            data-testid="runs-refresh"
          >
            Refresh
          </button>
        </div>
        {list.length === 0 && total > 0 ? (
          <div className="empty-state" data-testid="runs-filtered-empty">
            No run matches “{runs.filterText}”.
          </div>
        ) : list.length === 0 ? (
          <div className="empty-state big" data-testid="runs-empty">
            {runs.listStatus === 'loading' || runs.listStatus === 'idle' ? (
              <p>Loading runs…</p>
            ) : runs.listStatus === 'error' ? (
              <p>The run history could not be loaded.</p>
            ) : (
              <>
                <h2>No runs yet</h2>
                <p>Backtests you run are stored here with their config, metrics and path series.</p>
              </>
            )}
          </div>
        ) : (
          <div className="table-wrap runs-table-wrap">
            <table className="grid-table runs-table" data-testid="runs-table">
              <thead>
                <tr>
                  <th className="col-check">
                    <span className="visually-hidden">Compare</span>
                  </th>
                  {sortable('name', 'Name', 'col-text')}
                  {sortable('status', 'Status', 'col-text')}
                  {sortable('createdAt', 'Created', 'col-text')}
                  {sortable('seed', 'Seed', 'col-num')}
                  {sortable('paths', 'Paths', 'col-num')}
                  {metric && (
                    <th
                      className="col-num sortable"
                      title={`${metric.title} (the run's best result)`}
                      aria-sort={runs.sortDir > 0 ? 'ascending' : 'descending'}
                      data-sort-key={metric.key}
                    >
                      <button type="button" className="link" onClick={() => runs.setSort(metric.key)}>
                        {columnHeading(metric)}
                      </button>
                    </th>
                  )}
                  <th className="col-num">Strategies</th>
                  <th className="col-num">Duration</th>
                  <th className="col-actions">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <RunListRow key={r.id} run={r} metricKey={metric?.key} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {runs.comparing && runs.compareIds.length === 2 ? (
        <CompareView ids={runs.compareIds as [string, string]} />
      ) : runs.openRunId ? (
        <RunDetailPanel runId={runs.openRunId} testIdPrefix="run" onClose={() => runs.open(null)} />
      ) : (
        list.length > 0 && (
          <div className="panel empty-state" data-testid="run-detail-empty">
            Open a run to see its results and charts.
          </div>
        )
      )}
    </div>
  );
});

const RunListRow = observer(function RunListRow({
  run,
  metricKey,
}: {
  run: RunListRowData;
  metricKey: string | undefined;
}): ReactElement {
  const { runs } = useStores();
  const confirming = runs.confirmDeleteId === run.id;
  const deleting = runs.deleting.has(run.id);
  const picked = runs.compareIds.includes(run.id);
  const isOpen = runs.openRunId === run.id;
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  return (
    <tr
      data-testid="run-row"
      data-run-id={run.id}
      data-status={run.status}
      className={`${isOpen ? 'selected' : ''} ${run.status === 'incomplete' ? 'row-warn' : ''}`}
    >
      <td className="col-check">
        <input
          type="checkbox"
          checked={picked}
          onChange={() => runs.toggleCompare(run.id)}
          aria-label={`Compare ${run.name}`}
          data-testid="run-compare-check"
        />
      </td>
      <td className="col-text">
        <button type="button" className="link" onClick={() => runs.open(run.id)} data-testid="run-open">
          {run.name}
        </button>
        <code className="run-id">{run.id.slice(0, 8)}</code>
      </td>
      <td className="col-text">
        <StatusBadge status={run.status} />
      </td>
      <td className="col-text num">{fmtDateTime(run.createdAt)}</td>
      <td className="col-num">{run.seed}</td>
      <td className="col-num">{fmtInt(run.paths)}</td>
      {metricKey !== undefined && (
        <td className="col-num" data-testid="run-metric" data-metric={metricKey}>
          {metricColumn(metricKey)?.format(runMetric(run.summary, metricKey))}
        </td>
      )}
      <td className="col-num" data-testid="run-strategies">
        {run.results}
      </td>
      <td className="col-num">{fmtDuration(run.createdAt, run.finishedAt)}</td>
      <td className="col-actions">
        {confirming ? (
          <span className="confirm">
            <span className="muted">Delete?</span>
            <button
              ref={confirmRef}
              type="button"
              className="btn btn-danger btn-sm"
              onClick={() => void runs.deleteRun(run.id)}
              data-testid="run-delete-confirm"
            >
              Delete
            </button>
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={() => runs.askDelete(null)}
              data-testid="run-delete-cancel"
            >
              Keep
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => runs.askDelete(run.id)}
            disabled={deleting || run.status === 'running'}
            title={run.status === 'running' ? 'Cancel the run before deleting it' : 'Delete this run'}
            aria-label={`Delete ${run.name}`}
            data-testid="run-delete"
          >
            {deleting ? 'Deleting…' : 'Delete'}
          </button>
        )}
      </td>
    </tr>
  );
});
