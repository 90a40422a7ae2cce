/**
 * Entry URLs of the worker threads the CLI starts. Run from sources (tsx, vitest), a worker entry is the
 * TypeScript module in core/jobs (startWorker registers tsx in the thread). Run from the build-ahead
 * bundle (bin/quotebench.mjs sets `globalThis.__quotebenchCliBundle` to the bundle's folder), it is the
 * bundled twin next to the CLI bundle, which starts without transpiling anything.
 */

export type CliWorker = 'backtest-worker' | 'cell-worker';

/** Each worker's source, relative to this file (the bundle's entries in scripts/build-cli.mjs). */
const SOURCES: Record<CliWorker, string> = {
  'backtest-worker': '../jobs/backtest-worker.ts',
  'cell-worker': '../sweep/cell-worker.ts',
};

export function cliWorkerEntry(name: CliWorker): URL {
  const dir = (globalThis as { __quotebenchCliBundle?: string }).__quotebenchCliBundle;
  return dir !== undefined ? new URL(`${name}.mjs`, dir) : new URL(SOURCES[name], import.meta.url);
}
