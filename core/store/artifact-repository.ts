/**
 * Named files attached to a run (reports, exported CSVs, model weights): one row per (run, name) with a
 * MIME type and the bytes as a BLOB. Putting a name again replaces it. Artifacts may be added to a
 * finished run (a report is often written afterwards) and are deleted with the run (ON DELETE CASCADE).
 */
import type Database from 'better-sqlite3';
import { StoreError } from './errors';

export interface ArtifactInfo {
  runId: string;
  name: string;
  mime: string;
  /** Size in bytes. */
  size: number;
  createdAt: string;
}

export interface Artifact extends ArtifactInfo {
  data: Buffer;
}

export interface ArtifactInput {
  name: string;
  mime: string;
  /** Bytes, or text (stored as UTF-8). */
  data: Uint8Array | string;
}

interface InfoRow {
  run_id: string;
  name: string;
  mime: string;
  size: number;
  created_at: string;
}

const toInfo = (r: InfoRow): ArtifactInfo => ({
  runId: r.run_id,
  name: r.name,
  mime: r.mime,
  size: r.size,
  createdAt: r.created_at,
});

export class ArtifactRepository {
  private readonly s;
  private readonly txPut;

  constructor(
    db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.s = {
      runExists: db.prepare<[string], number>('SELECT 1 FROM runs WHERE id = ?').pluck(),
      put: db.prepare<[string, string, string, Buffer, string], never>(
        'INSERT OR REPLACE INTO artifacts (run_id, name, mime, data, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      get: db.prepare<[string, string], InfoRow & { data: Buffer }>(
        'SELECT run_id, name, mime, length(data) AS size, created_at, data FROM artifacts WHERE run_id = ? AND name = ?',
      ),
      info: db.prepare<[string, string], InfoRow>(
        'SELECT run_id, name, mime, length(data) AS size, created_at FROM artifacts WHERE run_id = ? AND name = ?',
      ),
      list: db.prepare<[string], InfoRow>(
        'SELECT run_id, name, mime, length(data) AS size, created_at FROM artifacts WHERE run_id = ? ORDER BY name',
      ),
      delete: db.prepare<[string, string], never>('DELETE FROM artifacts WHERE run_id = ? AND name = ?'),
      runsWith: db
        .prepare<[string], string>('SELECT run_id FROM artifacts WHERE name = ? ORDER BY created_at DESC')
        .pluck(),
    };
    this.txPut = db.transaction((runId: string, name: string, mime: string, data: Buffer) => {
      if (this.s.runExists.get(runId) === undefined) throw new StoreError('not_found', `no run ${runId}`);
      this.s.put.run(runId, name, mime, data, this.now().toISOString());
    });
  }

  put(runId: string, artifact: ArtifactInput): ArtifactInfo {
    const { name, mime } = artifact;
    if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
      throw new StoreError('invalid', 'artifact name must be 1–255 characters');
    }
    if (typeof mime !== 'string' || mime.length === 0)
      throw new StoreError('invalid', 'artifact mime must be given');
    const d = artifact.data;
    const data =
      typeof d === 'string' ? Buffer.from(d, 'utf8') : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    this.txPut.immediate(runId, name, mime, data);
    const info = this.s.info.get(runId, name);
    if (!info) throw new StoreError('not_found', `artifact ${name} of run ${runId} vanished`);
    return toInfo(info);
  }

  get(runId: string, name: string): Artifact | null {
    const r = this.s.get.get(runId, name);
    return r ? { ...toInfo(r), data: r.data } : null;
  }

  list(runId: string): ArtifactInfo[] {
    return this.s.list.all(runId).map(toInfo);
  }

  delete(runId: string, name: string): boolean {
    return this.s.delete.run(runId, name).changes > 0;
  }

  /** The runs that hold an artifact of this name, newest artifact first (a scan: artifacts are few). */
  runsWith(name: string): string[] {
    return this.s.runsWith.all(name);
  }
}
