// Worker bootstrap for running TypeScript worker entries from source (CLI, headless server, tests):
// registers tsx's loader inside the worker thread, then imports the real entry. In the Electron build
// the worker entries are bundled to JavaScript and started directly, without this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
