#!/usr/bin/env node
// The `quotebench` command. It runs the build-ahead bundle of the CLI (out/cli/, scripts/build-cli.mjs:
// no transpiling at start-up) when that bundle is up to date with the sources, and rebuilds it first
// when a source changed (about half a second, once). If the build fails, or with QUOTEBENCH_NO_BUNDLE=1,
// it runs the TypeScript sources directly through tsx's loader. Either way what runs is always the
// checked-out code (no stale build between `git pull` and a backtest).
import { buildCli, bundleDirUrl, freshManifest } from '../scripts/build-cli.mjs';

const fromSources = process.env.QUOTEBENCH_NO_BUNDLE === '1';
let manifest = fromSources ? null : freshManifest();
if (!fromSources && manifest === null) {
  try {
    manifest = await buildCli({ quiet: true });
  } catch {
    manifest = null; // e.g. a syntax error: tsx reports it where it is
  }
}
let main;
if (manifest !== null) {
  if (process.env.QUOTEBENCH_DEBUG === '1') process.setSourceMapsEnabled(true);
  const dir = bundleDirUrl(manifest);
  globalThis.__quotebenchCliBundle = dir; // core/cli/worker-entry.ts: start bundled workers
  ({ main } = await import(new URL('main.mjs', dir).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../core/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
