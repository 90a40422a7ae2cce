// A determinate progress bar (indeterminate while the total is unknown).
import type { ReactElement } from 'react';

export function ProgressBar({
  value,
  max,
  label,
  testId,
  tone = 'accent',
}: {
  value: number;
  max: number;
  label: string;
  testId: string;
  tone?: 'accent' | 'warning' | 'error' | 'ok';
}): ReactElement {
  const known = max > 0;
  const frac = known ? Math.min(1, Math.max(0, value / max)) : 0;
  return (
    <div
      className={`progress progress-${tone} ${known ? '' : 'indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={known ? max : undefined}
      aria-valuenow={known ? value : undefined}
      data-testid={testId}
      data-value={value}
      data-max={max}
    >
      <div className="progress-fill" style={{ width: known ? `${(frac * 100).toFixed(2)}%` : undefined }} />
    </div>
  );
}
