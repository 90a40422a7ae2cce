/**
 * Files uploaded by the web shell before an import. A browser cannot hand the server a path on the
 * host, so the page POSTs each file to the server (core/server/server.ts, `/upload`), which streams it
 * here into `<data dir>/uploads/<random id>/<file name>` and answers a reference
 * `upload:<id>/<file name>`; `data.import` takes that reference where Electron gives a host path.
 *
 * Invariants:
 * - A file is written as `<name>.part` and renamed when complete: a reference only ever names a whole
 *   file. An upload over `maxBytes` is cut off (the part file removed) the moment it passes the limit.
 * - The name kept is the upload's base name reduced to [A-Za-z0-9._-] (importers read dates and
 *   symbols from LOBSTER file names); it can never leave its directory.
 * - References are resolved only to files under this store's directory; anything else is an error.
 * - Uploads are removed once the import that used them ends, and leftovers older than a day are
 *   removed when the store opens.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const UPLOAD_PREFIX = 'upload:';
/** Default largest upload: 2 GiB (a day of L10 LOBSTER for a busy stock is ~1 GB uncompressed). */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
const STALE_MS = 24 * 3600 * 1000;
const ID_RE = /^[0-9a-f-]{36}$/;

export class UploadError extends Error {
  override name = 'UploadError';
  constructor(
    message: string,
    /** HTTP status for the upload endpoint: 400 bad name, 413 too large. */
    readonly status: number,
  ) {
    super(message);
  }
}

/** The base name of `name` reduced to a safe file name (throws when nothing usable is left). */
export function safeUploadName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const clean = base
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 200);
  if (clean === '' || /^_*$/.test(clean))
    throw new UploadError(`not a usable file name: "${name.slice(0, 80)}"`, 400);
  return clean;
}

export class UploadStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'uploads');
    this.removeStale();
  }

  /** Stream `body` into a new upload; resolves with its reference and size. */
  async receive(
    name: string,
    body: Readable,
    maxBytes = DEFAULT_MAX_UPLOAD_BYTES,
  ): Promise<{ ref: string; bytes: number }> {
    const file = safeUploadName(name);
    const id = randomUUID();
    const dir = path.join(this.dir, id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const part = path.join(dir, `${file}.part`);
    let bytes = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > maxBytes) done(new UploadError(`the upload exceeds ${maxBytes} bytes`, 413));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(body, limit, createWriteStream(part, { mode: 0o600 }));
      renameSync(part, path.join(dir, file));
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return { ref: `${UPLOAD_PREFIX}${id}/${file}`, bytes };
  }

  /** True when `ref` is written as an upload reference (whether or not it exists). */
  static isRef(ref: string): boolean {
    return ref.startsWith(UPLOAD_PREFIX);
  }

  /** The file an upload reference names; throws a RangeError for a malformed or unknown one. */
  resolve(ref: string): string {
    const rest = ref.slice(UPLOAD_PREFIX.length);
    const slash = rest.indexOf('/');
    const id = rest.slice(0, slash);
    const file = rest.slice(slash + 1);
    if (slash < 0 || !ID_RE.test(id) || file !== safeUploadNameOrEmpty(file))
      throw new RangeError(`not an upload reference: "${ref.slice(0, 120)}"`);
    const full = path.join(this.dir, id, file);
    if (!existsSync(full))
      throw new RangeError(`no such upload (it may have been used already): "${ref.slice(0, 120)}"`);
    return full;
  }

  /** Remove the uploads behind these references (after the import that used them). */
  release(refs: readonly string[]): void {
    for (const ref of refs) {
      const id = ref.slice(UPLOAD_PREFIX.length).split('/')[0] ?? '';
      if (ID_RE.test(id)) rmSync(path.join(this.dir, id), { recursive: true, force: true });
    }
  }

  private removeStale(): void {
    if (!existsSync(this.dir)) return;
    const now = Date.now();
    for (const id of readdirSync(this.dir)) {
      const p = path.join(this.dir, id);
      try {
        if (now - statSync(p).mtimeMs > STALE_MS) rmSync(p, { recursive: true, force: true });
      } catch {
        // gone already
      }
    }
  }
}

function safeUploadNameOrEmpty(name: string): string {
  try {
    return safeUploadName(name);
  } catch {
    return '';
  }
}
