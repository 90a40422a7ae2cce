/**
 * Entry URLs of the worker threads the CLI starts. Run from sources (tsx, vitest), a worker entry is the
 * TypeScript module in core/jobs (startWorker registers tsx in the thread). Run from the build-ahead
 * bundle (bin/quotebench.mjs sets `globalThis.__quotebenchCliBundle` to the bundle's folder), it is the
 * bundled twin next to the CLI bundle, which starts without transpiling anything.
 */

export type CliWorker = 'backtest-worker';

export function cliWorkerEntry(name: CliWorker): URL {
  const dir = (globalThis as { __quotebenchCliBundle?: string }).__quotebenchCliBundle;
  return dir !== undefined ? new URL(`${name}.mjs`, dir) : new URL(`../jobs/${name}.ts`, import.meta.url);
}
