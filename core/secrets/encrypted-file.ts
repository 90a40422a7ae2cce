/**
 * Venue API keys in a file encrypted with a passphrase (the web shell and the CLI; the Electron app
 * uses safeStorage, main/secrets.ts). Issue 14 §5.
 *
 * Construction (standard primitives from Node's crypto, nothing of our own):
 * - Key derivation: scrypt (Percival 2009; RFC 7914) with a random 16-byte salt per file and
 *   N = 2^17, r = 8, p = 1 by default — OWASP's Password Storage Cheat Sheet minimum for scrypt
 *   (128 MiB, a few hundred ms). The parameters are stored in the file; a file asking for less than
 *   2^14 or more than 2^20 is refused (a hostile file cannot make us allocate gigabytes).
 * - Encryption: AES-256-GCM (NIST SP 800-38D) per entry with a fresh random 96-bit nonce on every
 *   write and a 128-bit tag; the additional authenticated data binds an entry to its venue
 *   (`quotebench-secrets/1/<venue>`), so entries cannot be swapped between venues unnoticed.
 *   Random nonces stay far below SP 800-38D's 2^32 invocations per key.
 * - A check entry (a known plaintext under its own AAD) tells a wrong passphrase from a tampered
 *   entry: the check fails → wrong passphrase (or an altered header); the check passes but an
 *   entry's tag does not → the file was altered.
 *
 * What the file reveals without the passphrase: which venues have keys (the entry names) and the
 * lengths of the values, nothing else. The derived key lives in memory from `unlock` until `lock`
 * (zeroed then); the passphrase itself is never kept. Every write is atomic with mode 0600.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { writePrivateFileAtomic } from './atomic-file';
import {
  SECRET_VENUE_PATTERN,
  SecretStoreError,
  checkCredentials,
  checkVenue,
  redactedCredentials,
  type SecretStatus,
  type SecretStore,
  type VenueCredentials,
} from './secret-store';

const FORMAT = 'quotebench-secrets';
const VERSION = 1;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SALT_BYTES = 16;
const CHECK_PLAINTEXT = 'quotebench-secrets-check';
/** OWASP's minimum for scrypt: N = 2^17, r = 8, p = 1. */
export const DEFAULT_SCRYPT_LOG_N = 17;
export const MIN_SCRYPT_LOG_N = 14;
export const MAX_SCRYPT_LOG_N = 20;
export const MIN_PASSPHRASE_LENGTH = 8;
/** A secrets file holds a few entries; anything larger is not ours. */
const MAX_FILE_BYTES = 1 << 20;

const b64 = (min: number, max: number): z.ZodType<string> =>
  z
    .string()
    .max(4 * Math.ceil(max / 3) + 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')
    .refine((s) => {
      const n = Buffer.from(s, 'base64').length;
      return n >= min && n <= max;
    }, `expected ${min}–${max} bytes`);

const sealedSchema = z.strictObject({
  nonce: b64(NONCE_BYTES, NONCE_BYTES),
  data: b64(0, 8192),
  tag: b64(TAG_BYTES, TAG_BYTES),
});
type Sealed = z.infer<typeof sealedSchema>;

const fileSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  kdf: z.strictObject({
    name: z.literal('scrypt'),
    salt: b64(SALT_BYTES, 64),
    logN: z.number().int().min(MIN_SCRYPT_LOG_N).max(MAX_SCRYPT_LOG_N),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(4),
  }),
  cipher: z.literal('aes-256-gcm'),
  check: sealedSchema,
  entries: z.record(z.string().regex(SECRET_VENUE_PATTERN), sealedSchema),
});
type SecretsFile = z.infer<typeof fileSchema>;

export interface EncryptedFileSecretStoreOptions {
  file: string;
  /** log2 of scrypt's N for a new file (default 17; tests may use the minimum, 14). */
  scryptLogN?: number;
}

export class EncryptedFileSecretStore implements SecretStore {
  private key: Buffer | null = null;
  /** The file as last read or written; null when there is none yet. */
  private doc: SecretsFile | null = null;
  private loadError: string | null = null;
  private loaded = false;
  /** Operations run one after another (a set never races a delete or an unlock). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: EncryptedFileSecretStoreOptions) {
    const logN = opts.scryptLogN ?? DEFAULT_SCRYPT_LOG_N;
    if (!Number.isInteger(logN) || logN < MIN_SCRYPT_LOG_N || logN > MAX_SCRYPT_LOG_N)
      throw new RangeError(`scryptLogN must be an integer in [${MIN_SCRYPT_LOG_N}, ${MAX_SCRYPT_LOG_N}]`);
  }

  get file(): string {
    return this.opts.file;
  }

  status(): SecretStatus {
    this.load();
    return {
      backend: 'encrypted-file',
      available: this.loadError === null,
      locked: this.key === null,
      initialized: this.doc !== null,
      venues: this.doc ? Object.keys(this.doc.entries).sort() : [],
      reason: this.loadError,
    };
  }

  has(venue: string): boolean {
    this.load();
    return this.doc !== null && Object.hasOwn(this.doc.entries, venue);
  }

  unlock(passphrase: string): Promise<void> {
    return this.serial(async () => {
      if (
        typeof passphrase !== 'string' ||
        passphrase.length < MIN_PASSPHRASE_LENGTH ||
        passphrase.length > 1024
      )
        throw new SecretStoreError(
          'invalid',
          `passphrase: expected ${MIN_PASSPHRASE_LENGTH}–1024 characters`,
        );
      const doc = this.loadOrThrow();
      if (doc === null) {
        // The first passphrase creates the file (with only the check entry).
        const kdf = {
          name: 'scrypt' as const,
          salt: randomBytes(SALT_BYTES).toString('base64'),
          logN: this.opts.scryptLogN ?? DEFAULT_SCRYPT_LOG_N,
          r: 8,
          p: 1,
        };
        const key = await deriveKey(passphrase, kdf);
        const fresh: SecretsFile = {
          format: FORMAT,
          version: VERSION,
          kdf,
          cipher: 'aes-256-gcm',
          check: seal(key, checkAad(), Buffer.from(CHECK_PLAINTEXT)),
          entries: {},
        };
        await this.write(fresh);
        this.setKey(key);
        return;
      }
      const key = await deriveKey(passphrase, doc.kdf);
      const check = open(key, checkAad(), doc.check);
      const expected = Buffer.from(CHECK_PLAINTEXT);
      if (check === null || check.length !== expected.length || !timingSafeEqual(check, expected)) {
        key.fill(0);
        throw new SecretStoreError(
          'wrong_passphrase',
          `wrong passphrase for ${this.opts.file} (or its header was altered)`,
        );
      }
      this.setKey(key);
    });
  }

  lock(): void {
    this.key?.fill(0);
    this.key = null;
  }

  set(venue: string, credentials: VenueCredentials): Promise<void> {
    return this.serial(async () => {
      checkVenue(venue);
      checkCredentials(credentials);
      const { key, doc } = this.unlocked();
      const plain = Buffer.from(JSON.stringify([credentials.apiKey, credentials.secret]), 'utf8');
      try {
        const next: SecretsFile = {
          ...doc,
          entries: { ...doc.entries, [venue]: seal(key, entryAad(venue), plain) },
        };
        await this.write(next);
      } finally {
        plain.fill(0);
      }
    });
  }

  delete(venue: string): Promise<boolean> {
    return this.serial(async () => {
      checkVenue(venue);
      this.load();
      const doc = this.doc;
      if (doc === null || !Object.hasOwn(doc.entries, venue)) return false;
      // Deleting needs no key: it only removes ciphertext.
      const entries = { ...doc.entries };
      delete entries[venue];
      await this.write({ ...doc, entries });
      return true;
    });
  }

  get(venue: string): Promise<VenueCredentials> {
    return this.serial(async () => {
      checkVenue(venue);
      const { key, doc } = this.unlocked();
      const sealed = Object.hasOwn(doc.entries, venue) ? doc.entries[venue] : undefined;
      if (sealed === undefined) throw new SecretStoreError('not_found', `no keys stored for ${venue}`);
      const plain = open(key, entryAad(venue), sealed);
      if (plain === null)
        throw new SecretStoreError(
          'tampered',
          `the keys for ${venue} in ${this.opts.file} fail authentication: the file was altered (delete and set them again)`,
        );
      try {
        const parsed = JSON.parse(plain.toString('utf8')) as unknown;
        if (
          !Array.isArray(parsed) ||
          parsed.length !== 2 ||
          typeof parsed[0] !== 'string' ||
          typeof parsed[1] !== 'string'
        )
          throw new Error('shape');
        return redactedCredentials(parsed[0], parsed[1]);
      } catch {
        throw new SecretStoreError('tampered', `the keys for ${venue} in ${this.opts.file} are malformed`);
      } finally {
        plain.fill(0);
      }
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private setKey(key: Buffer): void {
    this.key?.fill(0);
    this.key = key;
  }

  private unlocked(): { key: Buffer; doc: SecretsFile } {
    const doc = this.loadOrThrow();
    if (this.key === null || doc === null)
      throw new SecretStoreError('locked', 'the key store is locked: give the passphrase first');
    return { key: this.key, doc };
  }

  private loadOrThrow(): SecretsFile | null {
    this.load();
    if (this.loadError !== null) throw new SecretStoreError('tampered', this.loadError);
    return this.doc;
  }

  /** Reads the file once (later reads see our own writes through `doc`). */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    const file = this.opts.file;
    if (!existsSync(file)) return;
    try {
      const size = statSync(file).size;
      if (size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
      }
      this.doc = parsed.data;
    } catch (e) {
      this.loadError = `the secrets file ${file} is not readable: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private async write(doc: SecretsFile): Promise<void> {
    await writePrivateFileAtomic(this.opts.file, `${JSON.stringify(doc, null, 2)}\n`);
    this.doc = doc;
  }
}

function checkAad(): Buffer {
  return Buffer.from(`${FORMAT}/${VERSION}/#check`);
}

function entryAad(venue: string): Buffer {
  return Buffer.from(`${FORMAT}/${VERSION}/${venue}`);
}

function deriveKey(passphrase: string, kdf: SecretsFile['kdf']): Promise<Buffer> {
  const N = 2 ** kdf.logN;
  // Node refuses when 128·N·r exceeds maxmem; allow exactly what the parameters need, plus slack.
  const maxmem = 128 * N * kdf.r * kdf.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    // The threadpool does the work: the event loop keeps serving while the key is derived.
    scrypt(
      Buffer.from(passphrase.normalize('NFC'), 'utf8'),
      Buffer.from(kdf.salt, 'base64'),
      KEY_BYTES,
      { N, r: kdf.r, p: kdf.p, maxmem },
      (err, key) =>
        err ? reject(new SecretStoreError('invalid', `key derivation failed: ${err.message}`)) : resolve(key),
    );
  });
}

function seal(key: Buffer, aad: Buffer, plain: Buffer): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return {
    nonce: nonce.toString('base64'),
    data: data.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** The plaintext, or null when the tag does not authenticate (wrong key or altered bytes). */
function open(key: Buffer, aad: Buffer, sealed: Sealed): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.nonce, 'base64'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  } catch {
    return null;
  }
}
