// Runs: every stored run (backtests, replays, evaluations, calibrations, sweeps and training runs) in one
// searchable table. The filters (words with optional `strategy:`/`name:`/`config:`/`tag:` prefixes, kind,
// status, code version, dataset hash, created between two days), the sort (a column, or a metric: each
// run's best result) and the paging run on the back end (runs.search), so the list stays quick with
// thousands of runs. Open a run for its results and charts (or its params, metrics and curves), tick 2–8
// to compare them, delete with an inline confirmation.
import { observer } from 'mobx-react-lite';
import { useEffect, useRef, type ReactElement } from 'react';
import { SEARCH_KINDS, type RunSearchRow, type RunStatus } from '../../../../core/api/contract';
import { StatusBadge } from '../../components/status-badge';
import { fmtDateTime, fmtDuration } from '../../lib/format';
import { METRIC_COLUMNS, columnHeading, metricColumn } from '../../lib/metrics';
import { useStores } from '../../stores/context';
import { MAX_COMPARE, PAGE_SIZE, hasResults, isMetricSort } from '../../stores/runs-store';
import { CompareView } from './compare-view';
import { RecordsCompare } from './records-compare';
import { RunDetailPanel } from './run-detail';

const KIND_LABELS: Record<(typeof SEARCH_KINDS)[number], string> = {
  backtest: 'Backtest',
  replay: 'Replay',
  eval: 'Eval',
  calibrate: 'Calibrate',
  sweep: 'Sweep',
  train: 'Train',
};
const STATUSES: RunStatus[] = ['running', 'completed', 'cancelled', 'failed', 'incomplete'];

export const RunsView = observer(function RunsView(): ReactElement {
  const { runs } = useStores();
  useEffect(() => {
    void runs.loadList();
  }, [runs]);
  const list = runs.visibleRuns;
  const metric = isMetricSort(runs.sortKey) ? metricColumn(runs.sortKey) : undefined;
  const metricKey = isMetricSort(runs.sortKey) ? runs.sortKey : undefined;
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
  const n = runs.compareIds.length;
  const first = runs.total === 0 ? 0 : runs.offset + 1;
  const last = runs.offset + list.length;
  return (
    <div className="runs-layout">
      <section className="panel runs-list" aria-label="Run history">
        <div className="panel-head">
          <h2>Run history</h2>
          <span className="muted num" data-testid="runs-count" data-total={runs.total}>
            {runs.total === list.length && runs.offset === 0
              ? `${runs.total} runs`
              : `${first}–${last} of ${runs.total} runs`}
          </span>
          <input
            type="search"
            className="runs-filter"
            placeholder="Search name, strategy, config, tag…"
            aria-label="Search runs (words; strategy:, name:, scenario:, config:, tag: limit a word to one field)"
            title='Words must all match. strategy:glft, name:, scenario:, config:, tag:, id: limit a word to one field; "quotes" keep a phrase.'
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
              <option value="kind">Kind</option>
              <option value="status">Status</option>
              {METRIC_COLUMNS.map((c) => (
                <option key={c.key} value={c.key}>
                  {columnHeading(c)}
                </option>
              ))}
            </select>
          </label>
          <span className="spacer" />
          <span className="muted" data-testid="compare-hint">
            {n === 0
              ? `Tick 2–${MAX_COMPARE} runs to compare`
              : n === 1
                ? 'Tick one more run to compare'
                : `${n} runs picked`}
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
            disabled={!runs.canReport || runs.isReporting(runs.compareIds)}
            onClick={() => void runs.report(runs.compareIds)}
            data-testid="compare-report"
            title="Save an HTML tear sheet comparing the picked runs"
          >
            {runs.isReporting(runs.compareIds) ? 'Writing report…' : 'Report'}
          </button>
          <button
            type="button"
            className="btn btn-ghost"
            disabled={!runs.canReport || runs.isReporting(runs.compareIds)}
            onClick={() => void runs.report(runs.compareIds, 'pdf')}
            data-testid="compare-report-pdf"
            title="Save the tear sheet comparing the picked runs as PDF"
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
        <RunFilters />
        {list.length === 0 && runs.filtered && runs.listStatus === 'ready' ? (
          <div className="empty-state" data-testid="runs-filtered-empty">
            No run matches these filters.{' '}
            <button type="button" className="link" onClick={runs.clearFilters}>
              Clear the filters
            </button>
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
                <p>
                  Backtests, replays, evaluations, calibrations, sweeps and training runs are stored here with
                  their config, seed, code version and metrics.
                </p>
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
                  {sortable('kind', 'Kind', 'col-text')}
                  {sortable('status', 'Status', 'col-text')}
                  {sortable('createdAt', 'Created', 'col-text')}
                  {sortable('seed', 'Seed', 'col-num')}
                  {metricKey !== undefined && (
                    <th
                      className="col-num sortable"
                      title={`${metric?.title ?? metricKey} (the run's best result)`}
                      aria-sort={runs.sortDir > 0 ? 'ascending' : 'descending'}
                      data-sort-key={metricKey}
                    >
                      <button type="button" className="link" onClick={() => runs.setSort(metricKey)}>
                        {metric ? columnHeading(metric) : metricKey}
                      </button>
                    </th>
                  )}
                  <th className="col-num">Strategies</th>
                  <th className="col-text">Code · data</th>
                  <th className="col-num">Duration</th>
                  <th className="col-actions">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <RunListRow key={r.id} run={r} metricKey={metricKey} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {runs.total > PAGE_SIZE && (
          <div className="runs-pager" data-testid="runs-pager">
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              disabled={runs.offset === 0}
              onClick={() => runs.setPage(runs.offset - PAGE_SIZE)}
              data-testid="runs-prev"
            >
              ← Newer
            </button>
            <span className="muted num">
              {first}–{last} of {runs.total}
            </span>
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              disabled={last >= runs.total}
              onClick={() => runs.setPage(runs.offset + PAGE_SIZE)}
              data-testid="runs-next"
            >
              Older →
            </button>
          </div>
        )}
      </section>
      {runs.comparing && runs.canCompare ? (
        <div className="compare-stack" data-testid="compare-stack">
          {runs.comparePair && <CompareView ids={runs.compareIds as [string, string]} />}
          <RecordsCompare ids={runs.compareIds} />
        </div>
      ) : runs.openRunId ? (
        hasResults(runs.row(runs.openRunId)?.kind ?? 'backtest') ? (
          <div className="compare-stack">
            <RunDetailPanel runId={runs.openRunId} testIdPrefix="run" onClose={() => runs.open(null)} />
            {/* An evaluation's record too: its per-path curves, run-level metrics and files. */}
            {runs.row(runs.openRunId)?.kind === 'eval' && <RecordsCompare ids={[runs.openRunId]} />}
          </div>
        ) : (
          <RecordsCompare ids={[runs.openRunId]} onClose={() => runs.open(null)} />
        )
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

/** Kind chips, status, code version, dataset hash and the created-between days. */
const RunFilters = observer(function RunFilters(): ReactElement {
  const { runs } = useStores();
  return (
    <div className="runs-filters" role="group" aria-label="Filter runs" data-testid="runs-filters">
      <span className="runs-kinds" role="group" aria-label="Kinds">
        {SEARCH_KINDS.map((k) => (
          <label key={k} className="chip-check" data-testid={`runs-kind-${k}`}>
            <input type="checkbox" checked={runs.kinds.includes(k)} onChange={() => runs.toggleKind(k)} />
            {KIND_LABELS[k]}
          </label>
        ))}
      </span>
      <label className="field-inline">
        <span>Status</span>
        <select
          value={runs.status}
          onChange={(e) => runs.setStatus(e.target.value as RunStatus | '')}
          data-testid="runs-status"
          aria-label="Filter by status"
        >
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <input
        type="search"
        className="runs-filter-small"
        placeholder="Code version"
        aria-label="Filter by code version (prefix)"
        value={runs.codeVersion}
        onChange={(e) => runs.setCodeVersion(e.target.value)}
        data-testid="runs-code-version"
      />
      <input
        type="search"
        className="runs-filter-small"
        placeholder="Dataset hash"
        aria-label="Filter by dataset hash (prefix)"
        value={runs.datasetHash}
        onChange={(e) => runs.setDatasetHash(e.target.value)}
        data-testid="runs-dataset-hash"
      />
      <label className="field-inline">
        <span>From</span>
        <input
          type="date"
          value={runs.fromDay}
          onChange={(e) => runs.setDays(e.target.value, runs.toDay)}
          data-testid="runs-from"
          aria-label="Created on or after (UTC day)"
        />
      </label>
      <label className="field-inline">
        <span>To</span>
        <input
          type="date"
          value={runs.toDay}
          onChange={(e) => runs.setDays(runs.fromDay, e.target.value)}
          data-testid="runs-to"
          aria-label="Created on or before (UTC day)"
        />
      </label>
      {runs.filtered && (
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          onClick={runs.clearFilters}
          data-testid="runs-clear"
        >
          Clear
        </button>
      )}
    </div>
  );
});

const RunListRow = observer(function RunListRow({
  run,
  metricKey,
}: {
  run: RunSearchRow;
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
  const col = metricKey !== undefined ? metricColumn(metricKey) : undefined;
  return (
    <tr
      data-testid="run-row"
      data-run-id={run.id}
      data-kind={run.kind}
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
        {run.tags.length > 0 && (
          <span className="run-tags muted" data-testid="run-tags">
            {run.tags.join(' · ')}
          </span>
        )}
      </td>
      <td className="col-text" data-testid="run-kind">
        {KIND_LABELS[run.kind]}
      </td>
      <td className="col-text">
        <StatusBadge status={run.status} />
      </td>
      <td className="col-text num">{fmtDateTime(run.createdAt)}</td>
      <td className="col-num">{run.seed}</td>
      {metricKey !== undefined && (
        <td className="col-num" data-testid="run-metric" data-metric={metricKey}>
          {col ? col.format(run.sortValue ?? undefined) : (run.sortValue ?? '—')}
        </td>
      )}
      <td className="col-num" data-testid="run-strategies" title={run.strategies.join(', ')}>
        {run.results}
      </td>
      <td className="col-text">
        <code className="run-id" title={`code version ${run.codeVersion}`} data-testid="run-code-version">
          {run.codeVersion.length > 14 ? `${run.codeVersion.slice(0, 14)}…` : run.codeVersion}
        </code>
        {run.datasetHash !== null && (
          <code className="run-id" title={`dataset hash ${run.datasetHash}`} data-testid="run-dataset-hash">
            {run.datasetHash.slice(0, 8)}
          </code>
        )}
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
            disabled={deleting || run.status === 'running' || run.kind === 'train'}
            title={
              run.kind === 'train'
                ? 'Training runs are managed in the Training view'
                : run.status === 'running'
                  ? 'Cancel the run before deleting it'
                  : 'Delete this run'
            }
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
