/**
 * What the CLI commands that record their run in the data directory's store share: a store that cannot
 * be opened or written is a warning, never the command's error.
 */
import { openStore, type Store } from '../store/db';
import type { RunRecorder } from '../store/run-recorder';

/**
 * `start` in the store of the data directory `dataDir` names; undefined, with the store closed and
 * `warn` told the error, when naming or opening it or `start` throws.
 */
export function startInStore<T>(
  dataDir: () => string,
  start: (store: Store) => T,
  warn: (e: Error) => void,
): T | undefined {
  let store: Store | undefined;
  try {
    store = openStore(dataDir());
    return start(store);
  } catch (e) {
    store?.close();
    warn(e as Error);
    return undefined;
  }
}

/**
 * `work` with its recorded run (if any): a throw is recorded as the run's failure and rethrown (a store
 * error while recording it does not hide it), and the store is closed after.
 */
export async function withRunRecord<T>(
  rec: { store: Store; recorder: RunRecorder } | undefined,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (e) {
    try {
      rec?.recorder.fail(e);
    } catch {
      // the store's own error must not hide the command's
    }
    throw e;
  } finally {
    rec?.store.close();
  }
}
