/**
 * Signal handling and the bounded shutdown of a long-lived process (`quotebench serve`).
 * - listenForStop: the first SIGINT/SIGTERM starts a clean stop; a second one while stopping exits
 *   at once with 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
 * - shutdownWithin: runs the stop; if it has not finished within the limit, it says so on stderr and
 *   exits 1. Once it has finished the timer stays armed but unref'd: it fires only if some handle (a
 *   worker that never stops) still keeps the process alive, and then exits with process.exitCode.
 * The process, exit and stderr are injectable so the logic is tested without signalling the runner.
 */

/** The part of `process` this module uses. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: (sig: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: (sig: NodeJS.Signals) => void): unknown;
}

export interface ShutdownIo {
  /** Default: process.exit (no code: process.exitCode). */
  exit?: (code?: number) => void;
  /** Default: stderr. */
  warn?: (line: string) => void;
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

function io(opts: ShutdownIo): Required<ShutdownIo> {
  return {
    exit: opts.exit ?? ((code?: number) => process.exit(code)),
    warn: opts.warn ?? ((line: string) => void process.stderr.write(`${line}\n`)),
  };
}

/** Resolves `signal` on the first SIGINT/SIGTERM; a second one exits at once (130/143). */
export function listenForStop(
  name: string,
  opts: ShutdownIo & { source?: SignalSource } = {},
): { signal: Promise<NodeJS.Signals>; dispose: () => void } {
  const { exit, warn } = io(opts);
  const source = opts.source ?? process;
  let stopping = false;
  let resolve: (sig: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) {
      warn(`${name}: second signal (${sig}): exiting now`);
      exit(SIGNAL_EXIT[sig] ?? 1);
      return;
    }
    stopping = true;
    resolve(sig);
  };
  source.on('SIGINT', onSignal);
  source.on('SIGTERM', onSignal);
  return {
    signal,
    dispose: () => {
      source.off('SIGINT', onSignal);
      source.off('SIGTERM', onSignal);
    },
  };
}

/** Run `stop`; exit 1 with a message if it is not done within `limitMs` (see the header). */
export async function shutdownWithin(
  name: string,
  limitMs: number,
  stop: () => Promise<void>,
  opts: ShutdownIo = {},
): Promise<void> {
  const { exit, warn } = io(opts);
  let finished = false;
  const timer = setTimeout(() => {
    if (finished) {
      exit();
      return;
    }
    warn(`${name}: shutdown did not finish within ${limitMs / 1000} s; exiting anyway`);
    exit(1);
  }, limitMs);
  try {
    await stop();
  } finally {
    finished = true;
    timer.unref();
  }
}
