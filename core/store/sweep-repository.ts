/**
 * Sweeps (core/sweep/): one `sweeps` row per expanded sweep (its id is the hash of the expansion, so
 * running the same config again finds and resumes it) and one `sweep_cells` row per finished cell.
 *
 * Invariants:
 * - A cell is content-addressed: `cell_key` = hash of its canonical config + its seed (core/sweep/
 *   cells.ts). The key is the table's PRIMARY KEY and `insertCell` is INSERT … ON CONFLICT DO NOTHING,
 *   so however often a cell is computed (a retried BullMQ job, a worker killed after it finished, two
 *   coordinators), the store holds exactly one result for it; the first one wins and the later ones
 *   report `false`.
 * - Results are validated before the write (finite elapsed time, JSON-serializable metrics); NaN metrics
 *   (e.g. a Sharpe of a flat PnL) are kept as null in JSON, as the backtest's --json writes them.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './errors';

export type SweepKind = 'sweep' | 'stress';
export type SweepStatus = 'running' | 'completed' | 'cancelled' | 'failed';

export interface NewSweep {
  id: string;
  kind: SweepKind;
  name: string;
  config: unknown;
  cells: number;
  codeVersion: string;
}

export interface SweepRow {
  id: string;
  kind: SweepKind;
  name: string;
  status: SweepStatus;
  cells: number;
  codeVersion: string;
  createdAt: string;
  updatedAt: string;
  error: string | null;
}

export interface SweepCellResult {
  cellKey: string;
  configHash: string;
  seed: number;
  scenario: string;
  strategy: string;
  params: Record<string, unknown>;
  metrics: Record<string, number | null>;
  annualization: Record<string, unknown>;
  codeVersion: string;
  /** Who computed it: "thread" (local pool) or "host:pid" of a BullMQ worker. */
  worker: string;
  elapsedMs: number;
}

export interface StoredSweepCell extends SweepCellResult {
  sweepId: string;
  createdAt: string;
}

interface SweepDbRow {
  id: string;
  kind: SweepKind;
  name: string;
  status: SweepStatus;
  cells: number;
  code_version: string;
  created_at: string;
  updated_at: string;
  error: string | null;
}

interface CellDbRow {
  cell_key: string;
  sweep_id: string;
  config_hash: string;
  seed: number;
  scenario: string;
  strategy: string;
  params_json: string;
  metrics_json: string;
  annualization_json: string;
  code_version: string;
  worker: string;
  elapsed_ms: number;
  created_at: string;
}

export class SweepRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  /**
   * Record the sweep, or find it when it exists (same id: same expansion). Either way it is 'running'
   * again with a cleared error; returns whether it already existed.
   */
  begin(s: NewSweep): { resumed: boolean } {
    const at = this.now().toISOString();
    return this.db
      .transaction(() => {
        const found = this.db.prepare('SELECT id FROM sweeps WHERE id = ?').get(s.id);
        if (found) {
          this.db
            .prepare(
              "UPDATE sweeps SET status = 'running', error = NULL, updated_at = ?, code_version = ? WHERE id = ?",
            )
            .run(at, s.codeVersion, s.id);
          return { resumed: true };
        }
        this.db
          .prepare(
            `INSERT INTO sweeps (id, kind, name, status, config_json, cells, code_version, created_at, updated_at)
             VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
          )
          .run(s.id, s.kind, s.name, JSON.stringify(s.config), s.cells, s.codeVersion, at, at);
        return { resumed: false };
      })
      .immediate();
  }

  finish(id: string, status: Exclude<SweepStatus, 'running'>, error?: string): void {
    const r = this.db
      .prepare('UPDATE sweeps SET status = ?, error = ?, updated_at = ? WHERE id = ?')
      .run(status, error ?? null, this.now().toISOString(), id);
    if (r.changes === 0) throw new StoreError('not_found', `sweep ${id} not found`);
  }

  get(id: string): SweepRow | undefined {
    const r = this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepDbRow | undefined;
    return r && sweepRow(r);
  }

  /** The resolved config the sweep was recorded with (core/sweep/local.ts `beginSweep`), parsed. */
  config(id: string): unknown {
    const text = this.db.prepare('SELECT config_json FROM sweeps WHERE id = ?').pluck().get(id) as
      string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  }

  /** The cells this sweep computed first (not those it reused from another sweep: see `cells`). */
  cellsOfSweep(id: string): StoredSweepCell[] {
    return (
      this.db
        .prepare('SELECT * FROM sweep_cells WHERE sweep_id = ? ORDER BY created_at')
        .all(id) as CellDbRow[]
    ).map(cellRow);
  }

  list(): SweepRow[] {
    return (this.db.prepare('SELECT * FROM sweeps ORDER BY created_at').all() as SweepDbRow[]).map(sweepRow);
  }

  /** The keys among `keys` that already have a result (in any sweep). */
  finishedKeys(keys: readonly string[]): Set<string> {
    const done = new Set<string>();
    const q = this.db.prepare('SELECT 1 FROM sweep_cells WHERE cell_key = ?').pluck();
    for (const k of keys) if (q.get(k) !== undefined) done.add(k);
    return done;
  }

  /**
   * Store a cell's result under its key unless one is there already. Returns true when this call wrote
   * it, false when the key had a result (a duplicate: nothing changes).
   */
  insertCell(sweepId: string, c: SweepCellResult): boolean {
    if (!Number.isFinite(c.elapsedMs) || c.elapsedMs < 0)
      throw new StoreError('invalid', `cell ${c.cellKey}: elapsedMs must be a finite number ≥ 0`);
    if (!Number.isInteger(c.seed))
      throw new StoreError('invalid', `cell ${c.cellKey}: seed must be an integer`);
    const r = this.db
      .prepare(
        `INSERT INTO sweep_cells (cell_key, sweep_id, config_hash, seed, scenario, strategy, params_json,
           metrics_json, annualization_json, code_version, worker, elapsed_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (cell_key) DO NOTHING`,
      )
      .run(
        c.cellKey,
        sweepId,
        c.configHash,
        c.seed,
        c.scenario,
        c.strategy,
        JSON.stringify(c.params),
        JSON.stringify(c.metrics),
        JSON.stringify(c.annualization),
        c.codeVersion,
        c.worker,
        c.elapsedMs,
        this.now().toISOString(),
      );
    return r.changes === 1;
  }

  /** The stored results of these keys (those that have one), in the order of `keys`. */
  cells(keys: readonly string[]): StoredSweepCell[] {
    const q = this.db.prepare('SELECT * FROM sweep_cells WHERE cell_key = ?');
    const out: StoredSweepCell[] = [];
    for (const k of keys) {
      const r = q.get(k) as CellDbRow | undefined;
      if (r) out.push(cellRow(r));
    }
    return out;
  }

  /** Number of stored rows of a key (0 or 1: the key is the primary key; tests assert it). */
  countKey(key: string): number {
    return Number(this.db.prepare('SELECT count(*) FROM sweep_cells WHERE cell_key = ?').pluck().get(key));
  }
}

function sweepRow(r: SweepDbRow): SweepRow {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    status: r.status,
    cells: r.cells,
    codeVersion: r.code_version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    error: r.error,
  };
}

function cellRow(r: CellDbRow): StoredSweepCell {
  return {
    cellKey: r.cell_key,
    sweepId: r.sweep_id,
    configHash: r.config_hash,
    seed: r.seed,
    scenario: r.scenario,
    strategy: r.strategy,
    params: JSON.parse(r.params_json) as Record<string, unknown>,
    metrics: JSON.parse(r.metrics_json) as Record<string, number | null>,
    annualization: JSON.parse(r.annualization_json) as Record<string, unknown>,
    codeVersion: r.code_version,
    worker: r.worker,
    elapsedMs: r.elapsed_ms,
    createdAt: r.created_at,
  };
}
