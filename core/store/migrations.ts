/**
 * The store's schema as an ordered list of migrations. `PRAGMA user_version` records how many have been
 * applied; each is applied in its own transaction together with the version bump, so a database is
 * always at exactly one known version. Migrations are append-only: never edit a shipped one, add the
 * next. A database whose version is newer than this list is refused (an older build must not write
 * into a schema it does not understand).
 *
 * Invariants of version 1:
 * - runs.status ∈ RunStatus; a 'running' row belongs to a live process (owner_pid on owner_host) or is
 *   turned 'incomplete' by the next openStore.
 * - Every other table hangs off runs(id) with ON DELETE CASCADE: deleting a run leaves no orphan rows.
 * - series and fills hold one row per stored path; their columns are BLOBs of little-endian Float64
 *   (side: Uint8) values, NaN preserved, with the element count in `bars + 1` / `count`.
 *
 * Invariants of version 2 (training runs, core/store/training-repository.ts):
 * - training_runs.status ∈ TrainingStatus; a 'running' or 'paused' row belongs to a live process
 *   (owner_pid on owner_host) or is turned 'incomplete' by the next openStore. Its checkpoints on disk
 *   live under run_dir.
 * - training_metrics: one row per TrainMetrics sample, `seq` ordering them per run (continued across
 *   resumes); absent optional fields are NULL. training_checkpoints: one row per checkpoint
 *   directory the trainer reported. Both hang off training_runs(id) with ON DELETE CASCADE.
 *
 * Invariants of version 3 (owner start time, core/store/run-ownership.ts):
 * - runs.owner_start and training_runs.owner_start: the owning process's start time (Linux: clock
 *   ticks since boot) next to owner_pid, NULL where unknown (other OS, rows of older versions). An
 *   owner is alive only if its pid exists and, when recorded, its start time matches; the column is
 *   cleared together with owner_pid/owner_host.
 *
 * Invariants of version 4 (REINFORCE and curriculum learning, core/rl/train/):
 * - training_runs.algo ∈ {'sac', 'ppo', 'reinforce'}; training_metrics.curriculum_stage is the
 *   curriculum stage of the sample (NULL: the run has no curriculum, or a row of an older version).
 *   SQLite cannot alter a CHECK constraint, so the three training tables are rebuilt: the parent under
 *   a new name, the children referencing it, the old ones dropped children first (no cascade fires),
 *   then the renames (which carry the children's foreign keys along); every row is copied.
 *
 * Invariants of version 5 (sweeps, core/store/sweep-repository.ts, core/sweep/):
 * - sweep_cells.cell_key is the PRIMARY KEY: a cell's result (content-addressed by the hash of its
 *   canonical config and its seed) is stored at most once, whatever retried or duplicated the work;
 *   a second insert of the same key is a no-op. metrics_json is the RunMetrics of the cell.
 * - sweeps.status ∈ {'running', 'completed', 'cancelled', 'failed'}; sweeps.id is the hash of the
 *   expanded sweep (so re-running a config resumes it). A cell names the sweep that first computed it
 *   (ON DELETE CASCADE); another sweep whose cells share keys reuses those rows.
 *
 * Invariants of version 6 (experiment tracking, issue 13 §5, core/store/run-repository.ts):
 * - runs.kind ∈ {'backtest', 'replay', 'eval', 'calibrate', 'sweep'}: a backtest whose scenario is a
 *   replay is 'replay' (rows of older versions are re-kinded from their config). Rebuilt like version 4
 *   (SQLite cannot alter a CHECK constraint): the parent under a new name, the children referencing it,
 *   every row copied, the old tables dropped children first (no cascade fires), then the renames.
 * - runs.dataset_hash: the catalog's content hash of the dataset the run read (NULL: none, or unknown);
 *   runs.tags: space-separated words for search (never NULL).
 * - run_metrics: a run's final metrics, one row per (run, result_idx, key); result_idx −1 is the run as
 *   a whole, ≥ 0 a row of run_results (whose metrics_json it mirrors, so a run sorts by a metric
 *   through an index instead of parsing JSON). Backfilled from run_results.
 * - run_metric_steps: metrics over time (key, step, value), e.g. a sweep's cells done.
 * - run_files: files a run wrote outside the store (checkpoints, results JSON, calibrated YAML) by
 *   absolute path, size and SHA-256 at the time the run finished.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: runs, results, series, fills, artifacts.
  `
  CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('backtest')),
    name         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed', 'incomplete')),
    config_json  TEXT NOT NULL,
    seed         INTEGER NOT NULL,
    paths        INTEGER NOT NULL,
    code_version TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    finished_at  TEXT,
    error        TEXT,
    owner_pid    INTEGER,
    owner_host   TEXT
  ) STRICT;
  CREATE INDEX runs_by_created ON runs (created_at);
  CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

  CREATE TABLE run_results (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    strategy     TEXT NOT NULL,
    params_json  TEXT NOT NULL,
    scenario     TEXT NOT NULL,
    paths        INTEGER NOT NULL,
    metrics_json TEXT NOT NULL,
    PRIMARY KEY (run_id, idx)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE series (
    run_id        TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    result_idx    INTEGER NOT NULL,
    path          INTEGER NOT NULL,
    path_seed     INTEGER NOT NULL,
    bars          INTEGER NOT NULL,
    lot_size      REAL NOT NULL,
    quotes_posted INTEGER NOT NULL,
    t             BLOB NOT NULL,
    mid           BLOB NOT NULL,
    bid           BLOB NOT NULL,
    ask           BLOB NOT NULL,
    inventory     BLOB NOT NULL,
    cash          BLOB NOT NULL,
    pnl           BLOB NOT NULL,
    PRIMARY KEY (run_id, result_idx, path)
  ) STRICT;

  CREATE TABLE fills (
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    result_idx  INTEGER NOT NULL,
    path        INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    t           BLOB NOT NULL,
    side        BLOB NOT NULL,
    price       BLOB NOT NULL,
    size        BLOB NOT NULL,
    fee         BLOB NOT NULL,
    mid_at_fill BLOB NOT NULL,
    PRIMARY KEY (run_id, result_idx, path)
  ) STRICT;

  CREATE TABLE artifacts (
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    mime       TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, name)
  ) STRICT;
  `,
  // 2: training runs, their metrics history and checkpoints.
  `
  CREATE TABLE training_runs (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    algo         TEXT NOT NULL CHECK (algo IN ('sac', 'ppo')),
    config_json  TEXT NOT NULL,
    seed         INTEGER NOT NULL,
    code_version TEXT NOT NULL,
    status       TEXT NOT NULL
                 CHECK (status IN ('running', 'paused', 'finished', 'stopped', 'failed', 'incomplete')),
    reason       TEXT,
    backend      TEXT,
    run_dir      TEXT NOT NULL,
    step         INTEGER NOT NULL DEFAULT 0,
    total_steps  INTEGER,
    curves_json  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    owner_pid    INTEGER,
    owner_host   TEXT
  ) STRICT;
  CREATE INDEX training_runs_by_created ON training_runs (created_at);
  CREATE INDEX training_runs_live ON training_runs (status) WHERE status IN ('running', 'paused');

  CREATE TABLE training_metrics (
    run_id               TEXT NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
    seq                  INTEGER NOT NULL,
    step                 INTEGER NOT NULL,
    total_steps          INTEGER NOT NULL,
    updates              INTEGER NOT NULL,
    episodes             INTEGER NOT NULL,
    elapsed_sec          REAL NOT NULL,
    steps_per_sec        REAL NOT NULL,
    episode_return       REAL,
    episode_pnl          REAL,
    mean_abs_inventory   REAL,
    actor_loss           REAL,
    critic_loss          REAL,
    alpha                REAL,
    entropy              REAL,
    approx_kl            REAL,
    clip_fraction        REAL,
    eval_return          REAL,
    eval_baseline_return REAL,
    PRIMARY KEY (run_id, seq)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE training_checkpoints (
    run_id      TEXT NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    step        INTEGER NOT NULL,
    updates     INTEGER NOT NULL,
    episodes    INTEGER NOT NULL,
    dir         TEXT NOT NULL,
    eval_return REAL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
  ) STRICT, WITHOUT ROWID;
  `,
  // 3: the owner's process start time, so that a reused pid is not taken for a live owner.
  `
  ALTER TABLE runs ADD COLUMN owner_start INTEGER;
  ALTER TABLE training_runs ADD COLUMN owner_start INTEGER;
  `,
  // 4: 'reinforce' runs and the curriculum stage of a metrics sample.
  `
  CREATE TABLE training_runs_v4 (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    algo         TEXT NOT NULL CHECK (algo IN ('sac', 'ppo', 'reinforce')),
    config_json  TEXT NOT NULL,
    seed         INTEGER NOT NULL,
    code_version TEXT NOT NULL,
    status       TEXT NOT NULL
                 CHECK (status IN ('running', 'paused', 'finished', 'stopped', 'failed', 'incomplete')),
    reason       TEXT,
    backend      TEXT,
    run_dir      TEXT NOT NULL,
    step         INTEGER NOT NULL DEFAULT 0,
    total_steps  INTEGER,
    curves_json  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    owner_pid    INTEGER,
    owner_host   TEXT,
    owner_start  INTEGER
  ) STRICT;
  INSERT INTO training_runs_v4 SELECT id, name, algo, config_json, seed, code_version, status, reason,
    backend, run_dir, step, total_steps, curves_json, created_at, updated_at, owner_pid, owner_host,
    owner_start FROM training_runs;

  CREATE TABLE training_metrics_v4 (
    run_id               TEXT NOT NULL REFERENCES training_runs_v4 (id) ON DELETE CASCADE,
    seq                  INTEGER NOT NULL,
    step                 INTEGER NOT NULL,
    total_steps          INTEGER NOT NULL,
    updates              INTEGER NOT NULL,
    episodes             INTEGER NOT NULL,
    elapsed_sec          REAL NOT NULL,
    steps_per_sec        REAL NOT NULL,
    episode_return       REAL,
    episode_pnl          REAL,
    mean_abs_inventory   REAL,
    actor_loss           REAL,
    critic_loss          REAL,
    alpha                REAL,
    entropy              REAL,
    approx_kl            REAL,
    clip_fraction        REAL,
    eval_return          REAL,
    eval_baseline_return REAL,
    curriculum_stage     REAL,
    PRIMARY KEY (run_id, seq)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO training_metrics_v4 SELECT run_id, seq, step, total_steps, updates, episodes, elapsed_sec,
    steps_per_sec, episode_return, episode_pnl, mean_abs_inventory, actor_loss, critic_loss, alpha,
    entropy, approx_kl, clip_fraction, eval_return, eval_baseline_return, NULL FROM training_metrics;

  CREATE TABLE training_checkpoints_v4 (
    run_id      TEXT NOT NULL REFERENCES training_runs_v4 (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    step        INTEGER NOT NULL,
    updates     INTEGER NOT NULL,
    episodes    INTEGER NOT NULL,
    dir         TEXT NOT NULL,
    eval_return REAL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO training_checkpoints_v4 SELECT run_id, id, step, updates, episodes, dir, eval_return,
    created_at FROM training_checkpoints;

  DROP TABLE training_metrics;
  DROP TABLE training_checkpoints;
  DROP TABLE training_runs;
  ALTER TABLE training_runs_v4 RENAME TO training_runs;
  ALTER TABLE training_metrics_v4 RENAME TO training_metrics;
  ALTER TABLE training_checkpoints_v4 RENAME TO training_checkpoints;
  CREATE INDEX training_runs_by_created ON training_runs (created_at);
  CREATE INDEX training_runs_live ON training_runs (status) WHERE status IN ('running', 'paused');
  `,
  // 5: sweeps and their cells (core/sweep): one result per cell key.
  `
  CREATE TABLE sweeps (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('sweep', 'stress')),
    name         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed')),
    config_json  TEXT NOT NULL,
    cells        INTEGER NOT NULL CHECK (cells >= 0),
    code_version TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    error        TEXT
  ) STRICT;
  CREATE INDEX sweeps_by_created ON sweeps (created_at);

  CREATE TABLE sweep_cells (
    cell_key          TEXT PRIMARY KEY,
    sweep_id          TEXT NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    config_hash       TEXT NOT NULL,
    seed              INTEGER NOT NULL,
    scenario          TEXT NOT NULL,
    strategy          TEXT NOT NULL,
    params_json       TEXT NOT NULL,
    metrics_json      TEXT NOT NULL,
    annualization_json TEXT NOT NULL,
    code_version      TEXT NOT NULL,
    worker            TEXT NOT NULL,
    elapsed_ms        REAL NOT NULL,
    created_at        TEXT NOT NULL
  ) STRICT;
  CREATE INDEX sweep_cells_by_sweep ON sweep_cells (sweep_id);
  `,
  // 6: every kind of run (replay, eval, calibrate, sweep), dataset hash, tags, metrics, files.
  `
  CREATE TABLE runs_v6 (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('backtest', 'replay', 'eval', 'calibrate', 'sweep')),
    name         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed', 'incomplete')),
    config_json  TEXT NOT NULL,
    seed         INTEGER NOT NULL,
    paths        INTEGER NOT NULL,
    code_version TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    finished_at  TEXT,
    error        TEXT,
    owner_pid    INTEGER,
    owner_host   TEXT,
    owner_start  INTEGER,
    dataset_hash TEXT,
    tags         TEXT NOT NULL DEFAULT ''
  ) STRICT;
  INSERT INTO runs_v6 SELECT id,
    CASE WHEN json_valid(config_json) AND json_extract(config_json, '$.scenario.mode') = 'replay'
      THEN 'replay' ELSE kind END,
    name, status, config_json, seed, paths, code_version, created_at, finished_at, error, owner_pid,
    owner_host, owner_start, NULL, '' FROM runs;

  CREATE TABLE run_results_v6 (
    run_id       TEXT NOT NULL REFERENCES runs_v6 (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    strategy     TEXT NOT NULL,
    params_json  TEXT NOT NULL,
    scenario     TEXT NOT NULL,
    paths        INTEGER NOT NULL,
    metrics_json TEXT NOT NULL,
    PRIMARY KEY (run_id, idx)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO run_results_v6 SELECT run_id, idx, strategy, params_json, scenario, paths, metrics_json
    FROM run_results;

  CREATE TABLE series_v6 (
    run_id        TEXT NOT NULL REFERENCES runs_v6 (id) ON DELETE CASCADE,
    result_idx    INTEGER NOT NULL,
    path          INTEGER NOT NULL,
    path_seed     INTEGER NOT NULL,
    bars          INTEGER NOT NULL,
    lot_size      REAL NOT NULL,
    quotes_posted INTEGER NOT NULL,
    t             BLOB NOT NULL,
    mid           BLOB NOT NULL,
    bid           BLOB NOT NULL,
    ask           BLOB NOT NULL,
    inventory     BLOB NOT NULL,
    cash          BLOB NOT NULL,
    pnl           BLOB NOT NULL,
    PRIMARY KEY (run_id, result_idx, path)
  ) STRICT;
  INSERT INTO series_v6 SELECT run_id, result_idx, path, path_seed, bars, lot_size, quotes_posted, t, mid,
    bid, ask, inventory, cash, pnl FROM series;

  CREATE TABLE fills_v6 (
    run_id      TEXT NOT NULL REFERENCES runs_v6 (id) ON DELETE CASCADE,
    result_idx  INTEGER NOT NULL,
    path        INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    t           BLOB NOT NULL,
    side        BLOB NOT NULL,
    price       BLOB NOT NULL,
    size        BLOB NOT NULL,
    fee         BLOB NOT NULL,
    mid_at_fill BLOB NOT NULL,
    PRIMARY KEY (run_id, result_idx, path)
  ) STRICT;
  INSERT INTO fills_v6 SELECT run_id, result_idx, path, count, t, side, price, size, fee, mid_at_fill
    FROM fills;

  CREATE TABLE artifacts_v6 (
    run_id     TEXT NOT NULL REFERENCES runs_v6 (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    mime       TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, name)
  ) STRICT;
  INSERT INTO artifacts_v6 SELECT run_id, name, mime, data, created_at FROM artifacts;

  DROP TABLE run_results;
  DROP TABLE series;
  DROP TABLE fills;
  DROP TABLE artifacts;
  DROP TABLE runs;
  ALTER TABLE runs_v6 RENAME TO runs;
  ALTER TABLE run_results_v6 RENAME TO run_results;
  ALTER TABLE series_v6 RENAME TO series;
  ALTER TABLE fills_v6 RENAME TO fills;
  ALTER TABLE artifacts_v6 RENAME TO artifacts;
  CREATE INDEX runs_by_created ON runs (created_at);
  CREATE INDEX runs_running ON runs (status) WHERE status = 'running';
  CREATE INDEX runs_by_kind ON runs (kind, created_at);
  CREATE INDEX runs_by_status ON runs (status, created_at);
  CREATE INDEX runs_by_code_version ON runs (code_version, created_at);
  CREATE INDEX runs_by_dataset_hash ON runs (dataset_hash, created_at) WHERE dataset_hash IS NOT NULL;

  CREATE TABLE run_metrics (
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    result_idx INTEGER NOT NULL CHECK (result_idx >= -1),
    key        TEXT NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (run_id, key, result_idx)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO run_metrics SELECT r.run_id, r.idx, m.key, m.value
    FROM run_results r, json_each(r.metrics_json) m
    WHERE json_valid(r.metrics_json) AND m.type IN ('integer', 'real');

  CREATE TABLE run_metric_steps (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    step   INTEGER NOT NULL,
    value  REAL NOT NULL,
    PRIMARY KEY (run_id, key, step)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE run_files (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    path   TEXT NOT NULL,
    bytes  INTEGER NOT NULL CHECK (bytes >= 0),
    sha256 TEXT NOT NULL,
    PRIMARY KEY (run_id, path)
  ) STRICT, WITHOUT ROWID;
  `,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
  constructor(
    readonly file: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `${file} has schema version ${found}, but this build of Quotebench knows versions up to ${known}: ` +
        'it was written by a newer Quotebench. Upgrade, or point --data-dir / QUOTEBENCH_DATA_DIR at another directory.',
    );
  }
}

export function userVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/** Apply the pending migrations, each in its own transaction. Returns the versions applied. */
export function migrate(db: Database.Database, file: string, migrations = MIGRATIONS): number[] {
  const current = userVersion(db);
  if (current > migrations.length) throw new SchemaTooNewError(file, current, migrations.length);
  const applied: number[] = [];
  for (let v = current; v < migrations.length; v++) {
    const sql = migrations[v] ?? '';
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
    applied.push(v + 1);
  }
  return applied;
}
