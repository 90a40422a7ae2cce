// The metrics of a run's results (one row per strategy × parameter set), with the best value of each
// ranked column marked. Selecting a row picks the result whose paths the charts show. The columns are
// the user's choice among every RunMetrics field (kept per table in localStorage); the default fits a
// 1280 px window and a long choice scrolls inside the table's own container. Export writes every
// metric at full precision (CSV) or the stored rows (JSON).
import type { KeyboardEvent, ReactElement } from 'react';
import type { RunResultRow } from '../../../../core/api/contract';
import { ColumnChooser, useColumnChoice } from '../../components/column-chooser';
import { ExportMenu } from '../../components/export-menu';
import { downloadText, safeFileName, toCsv } from '../../lib/export';
import {
  DEFAULT_METRIC_KEYS,
  METRIC_COLUMNS,
  bestByColumn,
  metricValue,
  formatParams,
  strategyLabel,
} from '../../lib/metrics';

const ALL_KEYS = METRIC_COLUMNS.map((c) => c.key);

/** CSV of results: index, strategy, params, then every metric key, unformatted (current conventions). */
export function resultsCsv(results: readonly RunResultRow[]): string {
  return toCsv(
    ['index', 'strategy', 'params', ...ALL_KEYS],
    results.map((r) => [
      r.index,
      r.strategy,
      formatParams(r.params),
      ...ALL_KEYS.map((k) => metricValue(r.metrics, k)),
    ]),
  );
}

export interface ResultsTableProps {
  results: readonly RunResultRow[];
  selected: number | null;
  onSelect?: (index: number) => void;
  testId?: string;
  /** Base of exported file names (the run's name). */
  exportName?: string;
}

export function ResultsTable({
  results,
  selected,
  onSelect,
  testId = 'results-table',
  exportName = 'results',
}: ResultsTableProps): ReactElement {
  const { chosen, toggle, reset } = useColumnChoice('results', ALL_KEYS, DEFAULT_METRIC_KEYS);
  const columns = METRIC_COLUMNS.filter((c) => chosen.includes(c.key));
  const best = bestByColumn(results);
  const base = safeFileName(exportName);
  const onKey = (e: KeyboardEvent<HTMLTableRowElement>, i: number): void => {
    if (!onSelect) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(i);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const pos = results.findIndex((r) => r.index === i);
      const next = results[pos + (e.key === 'ArrowDown' ? 1 : -1)];
      if (next) {
        onSelect(next.index);
        const row = e.currentTarget.parentElement?.querySelector<HTMLElement>(`[data-index="${next.index}"]`);
        row?.focus();
      }
    }
  };
  return (
    <div className="results-block">
      <div className="table-tools">
        <ColumnChooser
          columns={METRIC_COLUMNS}
          chosen={chosen}
          onToggle={toggle}
          onReset={reset}
          testId={`${testId}-columns`}
        />
        <ExportMenu
          testId={`${testId}-export`}
          items={[
            {
              format: 'csv',
              label: 'CSV (all metrics)',
              run: () => downloadText(resultsCsv(results), `${base}-results.csv`, 'text/csv'),
            },
            {
              format: 'json',
              label: 'JSON',
              run: () =>
                downloadText(JSON.stringify(results, null, 2), `${base}-results.json`, 'application/json'),
            },
          ]}
        />
      </div>
      <div className="table-wrap" data-testid={`${testId}-wrap`}>
        <table className="grid-table results-table" data-testid={testId}>
          <thead>
            <tr>
              <th className="col-text">Strategy · parameters</th>
              {columns.map((c) => (
                <th key={c.key} className="col-num" title={c.title} scope="col" data-metric={c.key}>
                  <div>{c.label}</div>
                  <div className="th-sub">{c.unit || '\u00a0'}</div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {results.map((r) => {
              const isSel = selected === r.index;
              return (
                <tr
                  key={r.index}
                  data-testid="results-row"
                  data-index={r.index}
                  className={`${onSelect ? 'selectable' : ''} ${isSel ? 'selected' : ''}`}
                  tabIndex={onSelect ? 0 : undefined}
                  aria-selected={onSelect ? isSel : undefined}
                  onClick={onSelect ? () => onSelect(r.index) : undefined}
                  onKeyDown={(e) => onKey(e, r.index)}
                >
                  <td className="col-text strategy-cell" title={formatParams(r.params)}>
                    <span className="strategy-name">{strategyLabel(r.strategy)}</span>
                    <span className="params">{formatParams(r.params)}</span>
                  </td>
                  {columns.map((c) => {
                    const v = metricValue(r.metrics, c.key);
                    const isBest = best.get(c.key) === r.index;
                    return (
                      <td
                        key={c.key}
                        className={`col-num ${isBest ? 'best' : ''} ${v !== undefined && v < 0 ? 'neg' : ''}`}
                        data-metric={c.key}
                      >
                        {c.format(v)}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
