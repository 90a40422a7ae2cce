// A run's status as a coloured badge; 'incomplete' (the app stopped mid-run) explains itself.
import type { ReactElement } from 'react';
import type { RunStatus } from '../../../core/api/contract';

const TITLES: Record<RunStatus, string> = {
  running: 'Running now',
  completed: 'Completed: metrics and series are stored',
  cancelled: 'Cancelled before it finished: no results',
  failed: 'Failed: see the error',
  incomplete:
    'Incomplete: the app stopped while this run was running (a crash or a kill); no results were stored',
};

export function StatusBadge({ status }: { status: RunStatus }): ReactElement {
  return (
    <span
      className={`badge badge-${status}`}
      title={TITLES[status]}
      data-testid="run-status"
      data-status={status}
    >
      {status === 'incomplete' ? '⚠ incomplete' : status}
    </span>
  );
}
