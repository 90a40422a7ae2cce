// One stored run: its header (status, seed, paths, timing), the results table, and the charts of a
// chosen result and stored path. Used by the Backtest view (the run just finished) and the Runs view.
import { observer } from 'mobx-react-lite';
import { useEffect, useState, type ReactElement } from 'react';
import type { RunDetail } from '../../../../core/api/contract';
import type { SimTimeFormat } from '../../charts/sim-time-scale';
import { stringify } from 'yaml';
import { ExportMenu } from '../../components/export-menu';
import { StatusBadge } from '../../components/status-badge';
import { downloadText, safeFileName } from '../../lib/export';
import { fmtDateTime, fmtDuration, fmtInt } from '../../lib/format';
import { formatParams, strategyLabel } from '../../lib/metrics';
import { useStores } from '../../stores/context';
import { ResultsTable } from './results-table';
import { RunCharts } from './run-charts';

export interface RunDetailPanelProps {
  runId: string;
  testIdPrefix: string;
  onClose?: () => void;
}

export const RunDetailPanel = observer(function RunDetailPanel({
  runId,
  testIdPrefix,
  onClose,
}: RunDetailPanelProps): ReactElement {
  const { runs } = useStores();
  const detail = runs.details.get(runId);
  const state = runs.detailState.get(runId);

  useEffect(() => {
    void runs.fetchDetail(runId);
  }, [runs, runId]);

  if (!detail) {
    return (
      <section
        className="panel run-detail"
        data-testid={`${testIdPrefix}-detail`}
        data-state={state?.status ?? 'loading'}
      >
        <div className="empty-state">
          {state?.status === 'error' ? `Could not load the run: ${state.message}` : 'Loading run…'}
        </div>
      </section>
    );
  }
  return <RunDetailBody key={runId} detail={detail} testIdPrefix={testIdPrefix} onClose={onClose} />;
});

export function timeFormatOf(config: unknown): SimTimeFormat {
  const mode = (config as { scenario?: { mode?: unknown } } | null)?.scenario?.mode;
  return mode === 'book' ? 'clock' : 'number';
}

const RunDetailBody = observer(function RunDetailBody({
  detail,
  testIdPrefix,
  onClose,
}: {
  detail: RunDetail;
  testIdPrefix: string;
  onClose: (() => void) | undefined;
}): ReactElement {
  const { runs } = useStores();
  const { run, results, seriesPaths } = detail;
  const [resultIndex, setResultIndex] = useState<number>(results[0]?.index ?? 0);
  const [path, setPath] = useState<number>(seriesPaths[0] ?? 0);
  const selected = results.find((r) => r.index === resultIndex);

  return (
    <section
      className="panel run-detail"
      data-testid={`${testIdPrefix}-detail`}
      data-state="ready"
      data-run-id={run.id}
    >
      <header className="run-head">
        <div className="run-title">
          <h2>{run.name}</h2>
          <StatusBadge status={run.status} />
          <code className="run-id" title="Run id">
            {run.id.slice(0, 8)}
          </code>
        </div>
        <dl className="run-meta">
          <div>
            <dt>Seed</dt>
            <dd>{run.seed}</dd>
          </div>
          <div>
            <dt>Paths</dt>
            <dd>{fmtInt(run.paths)}</dd>
          </div>
          <div>
            <dt>Results</dt>
            <dd>{run.results}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{fmtDateTime(run.createdAt)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{fmtDuration(run.createdAt, run.finishedAt)}</dd>
          </div>
          <div>
            <dt>Code</dt>
            <dd>
              <code>{run.codeVersion}</code>
            </dd>
          </div>
        </dl>
        <ExportMenu
          testId={`${testIdPrefix}-run-export`}
          items={[
            {
              format: 'yaml',
              label: 'Config (YAML)',
              run: () =>
                downloadText(
                  stringify(detail.config),
                  `${safeFileName(run.name)}-config.yaml`,
                  'application/yaml',
                ),
            },
          ]}
        />
        <button
          type="button"
          className="btn"
          disabled={runs.isReporting([run.id])}
          onClick={() => void runs.report([run.id])}
          data-testid={`${testIdPrefix}-report`}
          title="Save an HTML tear sheet of this run"
        >
          {runs.isReporting([run.id]) ? 'Writing report…' : 'Report'}
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          disabled={runs.isReporting([run.id])}
          onClick={() => void runs.report([run.id], 'pdf')}
          data-testid={`${testIdPrefix}-report-pdf`}
          title="Save this run's tear sheet as PDF"
        >
          {runs.isReporting([run.id]) ? 'Writing report…' : 'PDF'}
        </button>
        {onClose && (
          <button
            type="button"
            className="btn btn-ghost"
            onClick={onClose}
            data-testid={`${testIdPrefix}-close`}
          >
            Close
          </button>
        )}
      </header>
      {run.error && (
        <p className="run-error" role="note">
          {run.error}
        </p>
      )}
      {run.status === 'incomplete' && !run.error && (
        <p className="run-error" role="note">
          This run never finished: the app stopped while it was running. No results were stored.
        </p>
      )}
      {results.length === 0 ? (
        <div className="empty-state">No results stored for this run.</div>
      ) : (
        <>
          <ResultsTable
            results={results}
            selected={resultIndex}
            onSelect={setResultIndex}
            testId={`${testIdPrefix}-results`}
            exportName={run.name}
          />
          <div className="chart-toolbar">
            <span className="chart-toolbar-title">
              {selected ? `${strategyLabel(selected.strategy)} · ${formatParams(selected.params)}` : ''}
            </span>
            {seriesPaths.length > 0 && (
              <label className="field-inline">
                <span>Path</span>
                <select
                  value={path}
                  onChange={(e) => setPath(Number(e.target.value))}
                  data-testid={`${testIdPrefix}-path-select`}
                >
                  {seriesPaths.map((p) => (
                    <option key={p} value={p}>
                      #{p}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </div>
          {seriesPaths.length === 0 ? (
            <div className="empty-state">No path series were stored (the run kept 0 paths).</div>
          ) : (
            <RunCharts
              runId={run.id}
              resultIndex={resultIndex}
              path={path}
              timeFormat={timeFormatOf(detail.config)}
              testIdPrefix={testIdPrefix}
            />
          )}
        </>
      )}
    </section>
  );
});
