/**
 * How a training run that did not reach its budget is named, in one place for the trainers, the
 * training worker's fake, the service and the CLI (the renderer's Training view mirrors
 * `progressLabel` in renderer/src/stores/training-store.ts, since it only sees the API contract).
 *
 * `budget.maxMinutes` is a safety stop, not part of the recipe: a run it stops ends 'stopped' with the
 * reason `timeBudgetReason(…)` (the store keeps it in the run's `reason`, so `stopCauseOfReason` can
 * tell the cause from the row without a column of its own), and a checkpoint of such a run — or of any
 * run short of its totalSteps — is labelled e.g. "step 120,000 of 300,000 — stopped by the time budget".
 * Pure functions; no wall clock, no I/O.
 */

/** What stopped a run before its budget: a request (the user, a signal) or budget.maxMinutes. */
export type StopCause = 'request' | 'time';

/** The trainer's reason for a stop by the wall-clock budget (recognized by stopCauseOfReason). */
export function timeBudgetReason(step: number, maxMinutes: number | undefined): string {
  return `stopped at step ${step}: the time budget of ${maxMinutes} min is spent`;
}

/** The trainer's reason for a stop on request. */
export function requestStopReason(step: number): string {
  return `stopped at step ${step} by request`;
}

/** The stop cause a stored reason names ('time' for the time budget; else 'request'). */
export function stopCauseOfReason(reason: string | null | undefined): StopCause {
  return reason !== null && reason !== undefined && /\btime budget\b/.test(reason) ? 'time' : 'request';
}

/** 120000 → "120,000" (grouping independent of the machine's locale). */
export function groupDigits(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export interface RunProgress {
  step: number;
  /** The run's budget.totalSteps (undefined or null: unknown, no label). */
  totalSteps: number | null | undefined;
  /** Why the run (or the session that wrote the checkpoint) stopped, when it stopped. */
  stop?: StopCause | undefined;
  /** 'failed' or 'incomplete' (a crash) name the run's state when there is no stop cause. */
  status?: string | undefined;
}

/**
 * "step 120,000 of 300,000 — stopped by the time budget" for a run or checkpoint short of its
 * totalSteps; undefined when it reached them (or the budget is unknown).
 */
export function progressLabel(p: RunProgress): string | undefined {
  const total = p.totalSteps;
  if (total === null || total === undefined || !(p.step < total)) return undefined;
  const why =
    p.stop === 'time'
      ? 'stopped by the time budget'
      : p.stop === 'request'
        ? 'stopped on request'
        : p.status === 'failed'
          ? 'the run failed'
          : p.status === 'incomplete'
            ? 'the run was interrupted'
            : 'the run had not finished';
  return `step ${groupDigits(p.step)} of ${groupDigits(total)} — ${why}`;
}
