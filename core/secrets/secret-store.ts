/**
 * Venue API keys at rest (issue 14 §5): one interface, two implementations — Electron's safeStorage
 * (main/secrets.ts: the OS keychain or DPAPI encrypts the file) and, for the web shell and the CLI, a
 * file encrypted with a key derived from a passphrase (encrypted-file.ts).
 *
 * Invariants every implementation keeps:
 * - `get` is for the back end only (the paper session reads its credentials through it); nothing in
 *   the API contract returns a key. `status` names the venues that have keys, never the keys.
 * - Credentials never reach a log by accident: the object `get` returns redacts itself when
 *   serialized (`JSON.stringify`) or inspected (`console.log`, `util.inspect`); only reading the two
 *   fields by name gives the values.
 * - Errors (SecretStoreError) never carry a key or a passphrase in their message.
 * - The file is written atomically with mode 0600 (atomic-file.ts): a crash leaves the old file or
 *   the new one, never half of either.
 */

/** A venue's name in the key store (the venue ids of the API contract). */
export const SECRET_VENUE_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface VenueCredentials {
  readonly apiKey: string;
  readonly secret: string;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Credentials that print as `[redacted credentials]`: `String()`, `JSON.stringify`, `util.inspect`
 * and template literals all see the placeholder; the two fields are non-enumerable, so spreading
 * (`{...c}`) or `Object.entries` copies nothing either.
 */
export function redactedCredentials(apiKey: string, secret: string): VenueCredentials {
  const c = Object.create(null) as Record<string | symbol, unknown>;
  Object.defineProperty(c, 'apiKey', { value: apiKey, enumerable: false });
  Object.defineProperty(c, 'secret', { value: secret, enumerable: false });
  Object.defineProperty(c, 'toJSON', { value: () => '[redacted credentials]', enumerable: false });
  Object.defineProperty(c, 'toString', { value: () => '[redacted credentials]', enumerable: false });
  Object.defineProperty(c, INSPECT, { value: () => '[redacted credentials]', enumerable: false });
  return Object.freeze(c) as unknown as VenueCredentials;
}

export type SecretBackend = 'safe-storage' | 'encrypted-file';

/** What the app may know about the store: which venues have keys, never the keys. */
export interface SecretStatus {
  backend: SecretBackend;
  /** The store can encrypt here (safeStorage: the OS offers a real keychain). */
  available: boolean;
  /** encrypted-file: no passphrase given since the back end started (has/venues still answer). */
  locked: boolean;
  /** encrypted-file: a file exists, so unlocking checks the passphrase (else the first one sets it). */
  initialized: boolean;
  /** Venues with stored keys, sorted. */
  venues: string[];
  /** Why the store is not available (null when it is). */
  reason: string | null;
}

export type SecretStoreErrorCode =
  /** No passphrase given yet (encrypted file). */
  | 'locked'
  | 'wrong_passphrase'
  /** The file's authentication failed although the passphrase is right (or its JSON is bad). */
  | 'tampered'
  /** The platform cannot encrypt (safeStorage unavailable, or only its plaintext fallback). */
  | 'unavailable'
  | 'not_found'
  | 'invalid';

export class SecretStoreError extends Error {
  constructor(
    readonly code: SecretStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SecretStoreError';
  }
}

export interface SecretStore {
  status(): SecretStatus;
  /** encrypted-file: derive the key (the first passphrase creates the file); safe-storage: no-op. */
  unlock(passphrase: string): Promise<void>;
  /** Forget the derived key (encrypted-file); safe-storage: no-op. */
  lock(): void;
  has(venue: string): boolean;
  set(venue: string, credentials: VenueCredentials): Promise<void>;
  /** True when there was something to delete. */
  delete(venue: string): Promise<boolean>;
  /** Back end only. Throws SecretStoreError 'not_found' when the venue has no keys. */
  get(venue: string): Promise<VenueCredentials>;
}

/** Throws SecretStoreError('invalid') unless `venue` is a well-formed venue id. */
export function checkVenue(venue: string): void {
  if (!SECRET_VENUE_PATTERN.test(venue))
    throw new SecretStoreError('invalid', 'venue: use lowercase letters, digits and "-" (at most 64)');
}

/** Throws SecretStoreError('invalid') unless both values are non-empty printable text without spaces. */
export function checkCredentials(c: VenueCredentials): void {
  for (const field of ['apiKey', 'secret'] as const) {
    const v = c[field];
    if (typeof v !== 'string' || v.length === 0 || v.length > 1024 || !/^[\x21-\x7e]+$/.test(v))
      throw new SecretStoreError(
        'invalid',
        `${field}: expected 1–1024 printable ASCII characters without spaces`,
      );
  }
}
