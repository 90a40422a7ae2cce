// Venue API keys in the Electron app (issue 14 §5): each venue's {apiKey, secret} is encrypted with
// Electron's safeStorage (the macOS Keychain, Windows DPAPI, or the Linux secret service / kwallet
// hold the key) and the ciphertext is kept in `<userData>/secrets.safe.json`, written atomically with
// mode 0600. The renderer never sees a key: `get` is called by the back end only (AppService reads the
// credentials for a paper session), and the API's `secrets.status` lists venues, never values.
//
// safeStorage is injected (the SafeStorageLike shape), so this file does not import `electron` and
// its unit test runs without the Electron binary; main/index.ts passes the real one after app ready.
// It refuses plainly when encryption is not available, and also when Linux falls back to its
// `basic_text` backend (a hard-coded password: the file would be as good as plain text).
// https://www.electronjs.org/docs/latest/api/safe-storage
import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { writePrivateFileAtomic } from '../core/secrets/atomic-file';
import {
  SECRET_VENUE_PATTERN,
  SecretStoreError,
  checkCredentials,
  checkVenue,
  redactedCredentials,
  type SecretStatus,
  type SecretStore,
  type VenueCredentials,
} from '../core/secrets/secret-store';

/** The part of Electron's `safeStorage` this store uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' | 'gnome_libsecret' | 'kwallet' | … */
  getSelectedStorageBackend?(): string;
}

const fileSchema = z.strictObject({
  format: z.literal('quotebench-secrets-safestorage'),
  version: z.literal(1),
  entries: z.record(
    z.string().regex(SECRET_VENUE_PATTERN),
    z
      .string()
      .max(16_384)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/),
  ),
});
type SafeFile = z.infer<typeof fileSchema>;

const MAX_FILE_BYTES = 1 << 20;

export class SafeStorageSecretStore implements SecretStore {
  private doc: SafeFile | null = null;
  private loadError: string | null = null;
  private loaded = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  /** Why safeStorage cannot be used here, or null when it can. */
  unavailableReason(): string | null {
    if (!this.safeStorage.isEncryptionAvailable())
      return 'the operating system offers no encryption to Electron safeStorage here (no keychain or secret service); API keys cannot be stored';
    if (this.platform === 'linux' && this.safeStorage.getSelectedStorageBackend?.() === 'basic_text')
      return 'Electron safeStorage has no secret service on this Linux desktop (only its basic_text fallback, a hard-coded password); install and unlock gnome-keyring or kwallet to store API keys';
    return null;
  }

  status(): SecretStatus {
    this.load();
    const reason = this.unavailableReason() ?? this.loadError;
    return {
      backend: 'safe-storage',
      available: reason === null,
      locked: false,
      initialized: this.doc !== null,
      venues: this.doc ? Object.keys(this.doc.entries).sort() : [],
      reason,
    };
  }

  unlock(): Promise<void> {
    return Promise.resolve();
  }

  lock(): void {
    // The OS holds the key: nothing to forget.
  }

  has(venue: string): boolean {
    this.load();
    return this.doc !== null && Object.hasOwn(this.doc.entries, venue);
  }

  set(venue: string, credentials: VenueCredentials): Promise<void> {
    return this.serial(async () => {
      checkVenue(venue);
      checkCredentials(credentials);
      this.checkAvailable();
      const doc = this.current();
      const sealed = this.safeStorage
        .encryptString(JSON.stringify([credentials.apiKey, credentials.secret]))
        .toString('base64');
      await this.write({ ...doc, entries: { ...doc.entries, [venue]: sealed } });
    });
  }

  delete(venue: string): Promise<boolean> {
    return this.serial(async () => {
      checkVenue(venue);
      const doc = this.current();
      if (!Object.hasOwn(doc.entries, venue)) return false;
      const entries = { ...doc.entries };
      delete entries[venue];
      await this.write({ ...doc, entries });
      return true;
    });
  }

  get(venue: string): Promise<VenueCredentials> {
    return this.serial(async () => {
      checkVenue(venue);
      this.checkAvailable();
      const doc = this.current();
      const sealed = Object.hasOwn(doc.entries, venue) ? doc.entries[venue] : undefined;
      if (sealed === undefined) throw new SecretStoreError('not_found', `no keys stored for ${venue}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(this.safeStorage.decryptString(Buffer.from(sealed, 'base64')));
      } catch {
        throw new SecretStoreError(
          'tampered',
          `the keys for ${venue} cannot be decrypted (the file was altered or the OS keychain changed): delete and set them again`,
        );
      }
      if (
        !Array.isArray(parsed) ||
        parsed.length !== 2 ||
        typeof parsed[0] !== 'string' ||
        typeof parsed[1] !== 'string'
      )
        throw new SecretStoreError('tampered', `the keys for ${venue} are malformed`);
      return redactedCredentials(parsed[0], parsed[1]);
    });
  }

  private checkAvailable(): void {
    const reason = this.unavailableReason();
    if (reason !== null) throw new SecretStoreError('unavailable', reason);
  }

  private current(): SafeFile {
    this.load();
    if (this.loadError !== null) throw new SecretStoreError('tampered', this.loadError);
    return this.doc ?? { format: 'quotebench-secrets-safestorage', version: 1, entries: {} };
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!existsSync(this.file)) return;
    try {
      if (statSync(this.file).size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
      }
      this.doc = parsed.data;
    } catch (e) {
      this.loadError = `the secrets file ${this.file} is not readable: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private async write(doc: SafeFile): Promise<void> {
    await writePrivateFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`);
    this.doc = doc;
  }
}
