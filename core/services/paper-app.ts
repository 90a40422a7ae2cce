/**
 * The API side of paper trading and venue keys (issue 14 §5): `secrets.*` over a SecretStore
 * (core/secrets: safeStorage in the app, a passphrase-encrypted file in the web shell) and
 * `paper.*` over the paper service. AppService delegates to this object.
 *
 * The one rule here: a key goes from the API into the store, and from the store into the session,
 * never back out. Every output is a SecretsStatus (venue names only); errors from the store carry no
 * key (SecretStoreError's messages never include one) and are mapped to ApiErrors by code.
 */
import { ApiException, type ApiErrorCode, type SecretsStatus } from '../api/contract';
import {
  SecretStoreError,
  redactedCredentials,
  type SecretStore,
  type SecretStoreErrorCode,
} from '../secrets/secret-store';

const ERROR_CODES: Record<SecretStoreErrorCode, ApiErrorCode> = {
  locked: 'unauthorized',
  wrong_passphrase: 'unauthorized',
  tampered: 'conflict',
  unavailable: 'unavailable',
  not_found: 'not_found',
  invalid: 'invalid_input',
};

/** A SecretStoreError as the ApiError the client sees (other errors pass through). */
export function secretsApiError(e: unknown, path = ''): unknown {
  if (e instanceof SecretStoreError) return new ApiException(ERROR_CODES[e.code], e.message, path);
  return e;
}

export class SecretsApi {
  constructor(private readonly store: SecretStore) {}

  status(): SecretsStatus {
    const s = this.store.status();
    return {
      backend: s.backend,
      available: s.available,
      locked: s.locked,
      initialized: s.initialized,
      venues: [...s.venues],
      reason: s.reason,
    };
  }

  async unlock(passphrase: string): Promise<SecretsStatus> {
    try {
      await this.store.unlock(passphrase);
    } catch (e) {
      throw secretsApiError(e, 'passphrase');
    }
    return this.status();
  }

  async set(input: {
    venue: string;
    apiKey: string;
    secret: string;
    passphrase?: string | undefined;
  }): Promise<SecretsStatus> {
    try {
      if (input.passphrase !== undefined) await this.store.unlock(input.passphrase);
      await this.store.set(input.venue, redactedCredentials(input.apiKey, input.secret));
    } catch (e) {
      throw secretsApiError(e);
    }
    return this.status();
  }

  async delete(venue: string): Promise<SecretsStatus & { deleted: boolean }> {
    let deleted: boolean;
    try {
      deleted = await this.store.delete(venue);
    } catch (e) {
      throw secretsApiError(e, 'venue');
    }
    return { ...this.status(), deleted };
  }
}
