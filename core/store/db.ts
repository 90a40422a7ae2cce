/**
 * The run store: one SQLite file, `<dataDir>/quotebench.sqlite`, opened with better-sqlite3.
 *
 * Invariants:
 * - WAL journal (readers never block the writer), synchronous = NORMAL (a committed transaction
 *   survives a process crash; a power cut may lose the last commits but never corrupts the file),
 *   foreign keys ON, a busy timeout for a second process on the same file, auto_vacuum = INCREMENTAL
 *   on new files so deleting runs gives the space back.
 * - The schema is versioned (migrations.ts, PRAGMA user_version); a newer-than-known file is refused.
 * - On open, every 'running' run whose owner is gone is marked 'incomplete' in one transaction: a
 *   process killed mid-run leaves an incomplete run, never a corrupt database or a half-written one.
 *   (Owner = host + pid + process start time recorded at create, run-ownership.ts; a run of another
 *   live process on this host, or of another store open in this process, is left alone; a pid reused
 *   by an unrelated process does not count as the owner where the start time is known: Linux.)
 *   Training runs likewise: a 'running' or 'paused' training run whose owner is gone becomes
 *   'incomplete' (resumable from its last checkpoint).
 * - Owner-only files: the database file and its -wal/-shm are 0600 (created so, and tightened on open
 *   if an older version left them broader; SQLite gives -wal/-shm the database file's mode), and a
 *   data directory this creates is 0700 (see data-dir.ts for existing directories). POSIX only.
 * - All writes go through IMMEDIATE transactions (no read→write upgrade deadlocks between processes).
 * Everything is synchronous, like better-sqlite3: use it from one thread (the main/service thread).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ArtifactRepository } from './artifact-repository';
import { DATA_DIR_MODE, DATA_FILE_MODE, tightenMode } from './data-dir';
import { StoreError } from './errors';
import { migrate, SchemaTooNewError, userVersion } from './migrations';
import { RunRepository } from './run-repository';
import { SweepRepository } from './sweep-repository';
import { TrainingRepository } from './training-repository';

export { StoreError, type StoreErrorCode } from './errors';
export { SchemaTooNewError, SCHEMA_VERSION } from './migrations';
export type { ArtifactRepository, Artifact, ArtifactInfo, ArtifactInput } from './artifact-repository';
export type {
  RunRepository,
  NewRun,
  ResultInput,
  StoredPath,
  FinalStatus,
  NumericFields,
} from './run-repository';
export type {
  TrainingRepository,
  NewTrainingRun,
  FinalTrainingStatus,
  LiveTrainingStatus,
  StoredCurves,
} from './training-repository';
export type {
  SweepRepository,
  NewSweep,
  SweepRow,
  SweepKind,
  SweepStatus,
  SweepCellResult,
  StoredSweepCell,
} from './sweep-repository';

export const STORE_FILE = 'quotebench.sqlite';

export interface StoreOptions {
  /** Clock for created_at / finished_at (tests); default `new Date()`. */
  now?: () => Date;
  /** How long to wait for another connection's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * Path of a better_sqlite3.node built for the host's ABI (Electron's main process passes its own
   * build); default: the addon in node_modules (Node's ABI).
   */
  nativeBinding?: string;
}

export interface Store {
  readonly dataDir: string;
  /** Absolute path of the SQLite file. */
  readonly file: string;
  readonly schemaVersion: number;
  /** Runs this open found orphaned ('running' with no live owner) and marked 'incomplete'. */
  readonly recovered: readonly string[];
  /** Training runs this open found orphaned ('running'/'paused' with no live owner): now 'incomplete'. */
  readonly recoveredTraining: readonly string[];
  readonly runs: RunRepository;
  readonly training: TrainingRepository;
  readonly artifacts: ArtifactRepository;
  /** Sweeps and their cells (one result per cell key). */
  readonly sweeps: SweepRepository;
  /** Run `fn` in one IMMEDIATE transaction (nested calls become savepoints); rolled back if it throws. */
  transaction<T>(fn: () => T): T;
  /** `PRAGMA integrity_check`: 'ok', or the problems found, one a line. */
  integrityCheck(): string;
  /** Close the connection (idempotent); checkpoints the WAL. */
  close(): void;
}

export function openStore(dataDir: string, opts: StoreOptions = {}): Store {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, STORE_FILE);
  const now = opts.now ?? (() => new Date());
  const busy = opts.busyTimeoutMs ?? 5000;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  } catch (e) {
    throw new StoreError('open_failed', `cannot create the data directory ${dir}: ${(e as Error).message}`);
  }
  try {
    // Create the file owner-only before SQLite does (it would use 0644 & ~umask); -wal/-shm follow it.
    fs.closeSync(fs.openSync(file, 'wx', DATA_FILE_MODE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StoreError('open_failed', `cannot open ${file}: ${(e as Error).message}`);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(file, {
      timeout: busy,
      ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
    });
  } catch (e) {
    throw new StoreError('open_failed', `cannot open ${file}: ${(e as Error).message}`);
  }
  try {
    configure(db, file, busy);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) tightenMode(f, DATA_FILE_MODE);
    migrate(db, file);
    const runs = new RunRepository(db, now);
    const artifacts = new ArtifactRepository(db, now);
    const training = new TrainingRepository(db, now);
    const sweeps = new SweepRepository(db, now);
    const recovered = runs.recoverOrphans();
    const recoveredTraining = training.recoverOrphans();
    return {
      dataDir: dir,
      file,
      schemaVersion: userVersion(db),
      recovered,
      recoveredTraining,
      runs,
      training,
      artifacts,
      sweeps,
      transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
      integrityCheck: () =>
        (db.pragma('integrity_check') as { integrity_check: string }[])
          .map((r) => r.integrity_check)
          .join('\n'),
      close: () => {
        runs.detach();
        training.detach();
        if (db.open) db.close();
      },
    };
  } catch (e) {
    db.close();
    if (e instanceof StoreError || e instanceof SchemaTooNewError) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new StoreError(
        'open_failed',
        `${file} is not a readable Quotebench database (${(e as Error).message})`,
      );
    }
    throw e;
  }
}

function configure(db: Database.Database, file: string, busyMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyMs))}`);
  // auto_vacuum can only be chosen before the first table exists (and before switching to WAL).
  const fresh = userVersion(db) === 0 && db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() === 0;
  if (fresh) db.pragma('auto_vacuum = INCREMENTAL');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') {
    throw new StoreError(
      'open_failed',
      `cannot use write-ahead logging for ${file} (journal mode stayed '${String(mode)}'): ` +
        'put the data directory on a local file system (--data-dir / QUOTEBENCH_DATA_DIR)',
    );
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Truncate the WAL file back to ≤ 64 MiB after checkpoints (big runs would otherwise leave it large).
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
}
