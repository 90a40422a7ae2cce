/**
 * A child process for the crash-safety test (store-crash.test.ts): opens the store in argv[2], creates
 * a run and writes paths until the test kills it with SIGKILL. Prints `run <id>` and then `writing`
 * once it is in the middle of writing (stdout is synchronous for pipes and files).
 *   paths:    one transaction per addPath, forever
 *   txn:      path 0 committed, then ONE open transaction that keeps adding paths and never commits;
 *             `writing` once its uncommitted pages have spilled into the WAL file (> 8 MiB)
 *   complete: writeCompleted with many large paths (prints `completed` if it gets to commit)
 */
import fs from 'node:fs';
import { openStore } from './db';
import { makePath } from './test-fixtures';

const [dir, mode] = process.argv.slice(2);
if (dir === undefined || mode === undefined)
  throw new Error('usage: crash-writer <dataDir> <paths|txn|complete>');
const say = (line: string): void => void fs.writeSync(1, `${line}\n`);

const store = openStore(dir);
const run = store.runs.create({
  kind: 'backtest',
  name: `crash-${mode}`,
  config: { mode },
  seed: 7,
  paths: 1e6,
  codeVersion: 'test',
});
say(`run ${run.id}`);

if (mode === 'paths') {
  for (let i = 0; ; i++) {
    store.runs.addPath(run.id, 0, makePath(i, 500));
    if (i === 20) say('writing');
  }
} else if (mode === 'txn') {
  store.runs.addPath(run.id, 0, makePath(0, 500));
  const wal = `${store.file}-wal`;
  let said = false;
  store.transaction(() => {
    for (let i = 1; ; i++) {
      store.runs.addPath(run.id, 0, makePath(i, 500));
      if (!said && i % 16 === 0 && fs.statSync(wal).size > 8 * 1024 * 1024) {
        said = true;
        say('writing');
      }
    }
  });
} else if (mode === 'complete') {
  const paths = Array.from({ length: 200 }, (_, i) => ({ resultIndex: 0, path: makePath(i, 4000) }));
  const result = { index: 0, strategy: 's', params: {}, scenario: 'x', paths: 200, metrics: { pnlMean: 1 } };
  say('writing');
  const t0 = performance.now();
  store.runs.writeCompleted(run.id, [result], paths);
  say(`completed ${(performance.now() - t0).toFixed(0)} ms`);
  setInterval(() => undefined, 1000);
} else {
  throw new Error(`unknown mode ${mode}`);
}
