// The metrics of a run's results (one row per strategy × parameter set), with the best value of each
// ranked column marked. Selecting a row picks the result whose paths the charts show.
import type { KeyboardEvent, ReactElement } from 'react';
import type { RunResultRow } from '../../../../core/api/contract';
import { METRIC_COLUMNS, bestByColumn, metricValue, formatParams, strategyLabel } from '../../lib/metrics';

export interface ResultsTableProps {
  results: readonly RunResultRow[];
  selected: number | null;
  onSelect?: (index: number) => void;
  testId?: string;
}

export function ResultsTable({
  results,
  selected,
  onSelect,
  testId = 'results-table',
}: ResultsTableProps): ReactElement {
  const best = bestByColumn(results);
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
    <div className="table-wrap">
      <table className="grid-table results-table" data-testid={testId}>
        <thead>
          <tr>
            <th className="col-text">Strategy · parameters</th>
            {METRIC_COLUMNS.map((c) => (
              <th key={c.key} className="col-num" title={c.title} scope="col">
                {c.label}
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
                {METRIC_COLUMNS.map((c) => {
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
  );
}
