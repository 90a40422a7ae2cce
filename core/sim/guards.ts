/**
 * Runtime guards of a simulation path: cancellation polled inside the step loop, and a finiteness check
 * of the recorded state.
 *
 * Stop polling. A simulator with a StopPoller calls `tick()` once per unit of work (a step in intensity
 * mode, an event in book mode). Every `every` ticks (default 4096) the poller asks `shouldStop()` (an
 * `AbortSignal.aborted` read, or an `Atomics.load` of a worker's shared flag) and throws a
 * RunAbortedError (name 'AbortError') when it says yes. A tick is a decrement and a compare: no
 * allocation, no RNG draw, so results with and without a poller are identical bit for bit.
 *
 * Finiteness. Simulators check mid, cash, inventory and PnL at every recorded sample and at the end of
 * the path (not per step) and throw a NonFiniteError naming the quantity, the path, the step and the
 * time, so a run whose parameters overflow double precision stops with a clear error instead of
 * reporting all-NaN metrics.
 */

/** Work units (steps or events) between two stop checks. */
export const STOP_POLL_EVERY = 4096;

/** Thrown when a run is cancelled while a path is running (an AbortError, like DOMException's). */
export class RunAbortedError extends Error {
  override name = 'AbortError';
  constructor(message = 'run cancelled') {
    super(message);
  }
}

export class StopPoller {
  private left: number;
  /** Number of times shouldStop() was asked (tests and progress). */
  polls = 0;

  /**
   * @param shouldStop asked every `every` ticks; true stops the run
   * @param onPoll called right after each check that did not stop (e.g. to report progress); optional
   */
  constructor(
    private readonly shouldStop: () => boolean,
    readonly every: number = STOP_POLL_EVERY,
    private readonly onPoll: (() => void) | null = null,
    private readonly makeError: () => Error = () => new RunAbortedError(),
  ) {
    if (!(Number.isSafeInteger(every) && every >= 1))
      throw new RangeError(`StopPoller: every must be an integer ≥ 1 (got ${every})`);
    this.left = every;
  }

  /** Count one unit of work; every `every` units, throw if the run must stop. */
  tick(): void {
    if (--this.left > 0) return;
    this.left = this.every;
    this.polls++;
    if (this.shouldStop()) throw this.makeError();
    this.onPoll?.();
  }

  /** Check now, whatever the count (between paths). */
  check(): void {
    this.polls++;
    if (this.shouldStop()) throw this.makeError();
  }
}

/** The error for an aborted signal: its reason when that is an Error, else a RunAbortedError. */
export function abortErrorOf(signal: AbortSignal, message = 'run cancelled'): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new RunAbortedError(message);
}

/**
 * A poller that stops when `signal` aborts or `shouldStop` says so (either may be absent); null when
 * there is nothing to poll.
 */
export function makeStopPoller(
  opts: { signal?: AbortSignal | undefined; shouldStop?: (() => boolean) | undefined; onPoll?: () => void },
  message = 'run cancelled',
): StopPoller | null {
  const { signal, shouldStop } = opts;
  if (signal === undefined && shouldStop === undefined) return null;
  const stop =
    signal === undefined
      ? (shouldStop as () => boolean)
      : shouldStop === undefined
        ? (): boolean => signal.aborted
        : (): boolean => signal.aborted || shouldStop();
  const err = (): Error => (signal?.aborted ? abortErrorOf(signal, message) : new RunAbortedError(message));
  return new StopPoller(stop, STOP_POLL_EVERY, opts.onPoll ?? null, err);
}

/** A quantity of the simulated state became NaN or ±Infinity. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
  constructor(
    /** Which quantity: 'mid', 'cash', 'inventory' or 'pnl'. */
    readonly quantity: string,
    readonly value: number,
    readonly pathIndex: number,
    /** Step (intensity mode) or event count (book mode) of the sample at which it was first seen. */
    readonly step: number,
    readonly t: number,
  ) {
    super(
      `${quantity} became ${String(value)} on path ${pathIndex} at step ${step} (t = ${t}): a ` +
        'parameter overflows double precision (check sigma, drift, s0, intensity, lotSize, fees and order sizes)',
    );
  }
}

/**
 * Throw a NonFiniteError if the first non-finite of mid, cash, inventory, pnl (in that order) exists.
 * Cheap: four comparisons; call it at samples, not per step.
 */
export function assertFiniteState(
  mid: number,
  cash: number,
  inventory: number,
  pnl: number,
  pathIndex: number,
  step: number,
  t: number,
): void {
  // x - x is 0 for a finite x and NaN for NaN or ±Infinity: one test for the common case.
  if (mid - mid + (cash - cash) + (inventory - inventory) + (pnl - pnl) === 0) return;
  const what: [string, number][] = [
    ['mid', mid],
    ['cash', cash],
    ['inventory', inventory],
    ['pnl', pnl],
  ];
  for (const [name, v] of what)
    if (!Number.isFinite(v)) throw new NonFiniteError(name, v, pathIndex, step, t);
}
