/**
 * SIGINT/SIGTERM for a long-running command. The first signal aborts `signal`, so the command stops
 * cleanly (a backtest worker is told to stop, a trainer writes a final checkpoint) and then returns
 * `exitCode()`: 130 after SIGINT, 143 after SIGTERM (128 + the signal number, as shells report it). A
 * second signal exits at once with that code. With `graceMs`, the process also exits by itself that long
 * after the first signal if the command has not finished stopping (a safety net for work that does not
 * poll the signal). `dispose()` removes the handlers (the default dispositions come back).
 *
 * Invariant: handlers are only installed while the event loop stays free (the heavy work runs in a
 * worker thread or yields); a handler on a blocked main thread would delay the default, immediate exit.
 */

const CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof CODES;

export interface StopSignals {
  readonly signal: AbortSignal;
  /** 130/143 once a signal arrived, else undefined. */
  exitCode(): number | undefined;
  dispose(): void;
}

export function handleStopSignals(opts: {
  /** Prefix of the messages, e.g. "quotebench backtest". */
  name: string;
  /** What the first signal does, e.g. "cancelling" or "stopping after a final checkpoint". */
  stopping: string;
  /** After a second signal, what is lost, e.g. "without a final checkpoint". */
  abandoning?: string;
  graceMs?: number;
  stream?: NodeJS.WritableStream;
}): StopSignals {
  const ac = new AbortController();
  const out = opts.stream ?? process.stderr;
  let code: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const onSignal = (sig: StopSignal): void => {
    if (code !== undefined) {
      out.write(
        `\n${opts.name}: ${sig} again; exiting at once${opts.abandoning ? ` ${opts.abandoning}` : ''}\n`,
      );
      process.exit(code);
    }
    code = CODES[sig];
    out.write(`\n${opts.name}: ${sig}: ${opts.stopping} (${sig} again to exit at once)\n`);
    ac.abort(Object.assign(new Error(`${opts.name}: cancelled by ${sig}`), { name: 'AbortError' }));
    if (opts.graceMs !== undefined) {
      timer = setTimeout(() => {
        out.write(`${opts.name}: cancelled (did not stop within ${opts.graceMs} ms; exiting)\n`);
        process.exit(code);
      }, opts.graceMs);
      timer.unref();
    }
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: ac.signal,
    exitCode: () => code,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (timer) clearTimeout(timer);
    },
  };
}
