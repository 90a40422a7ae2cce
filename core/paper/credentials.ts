/**
 * Venue API keys for a paper or live session, from (first found wins):
 *   1. the environment: QUOTEBENCH_API_KEY and QUOTEBENCH_API_SECRET (both, or neither);
 *   2. the secret store (core/secrets: safeStorage in the app, the passphrase-encrypted
 *      `<dataDir>/secrets.enc.json` in the web shell and the CLI, unlocked with
 *      QUOTEBENCH_SECRETS_PASSPHRASE), under the venue's name (e.g. "binance-usdm-demo").
 * Keys go into the venue connector only: they are never logged, never journaled and never part of
 * a snapshot (core/cli/paper.test.ts searches a session's output and journal for them).
 */
import type { SecretStore } from '../secrets/secret-store';
import type { VenueCredentials } from '../venues/venue';

export const API_KEY_ENV = 'QUOTEBENCH_API_KEY';
export const API_SECRET_ENV = 'QUOTEBENCH_API_SECRET';
export const SECRETS_PASSPHRASE_ENV = 'QUOTEBENCH_SECRETS_PASSPHRASE';

export class CredentialsError extends Error {
  override name = 'UserError';
}

/** Keys that do not print themselves (JSON, util.inspect, template strings show "[redacted]"). */
export function hiddenCredentials(apiKey: string, secret: string): VenueCredentials {
  const c = {} as VenueCredentials;
  Object.defineProperties(c, {
    apiKey: { value: apiKey, enumerable: false },
    secret: { value: secret, enumerable: false },
    toJSON: { value: () => '[redacted]', enumerable: false },
    toString: { value: () => '[redacted]', enumerable: false },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: () => '[redacted]', enumerable: false },
  });
  return c;
}

export async function getVenueCredentials(
  venue: string,
  opts: { env?: NodeJS.ProcessEnv; store?: SecretStore | null } = {},
): Promise<VenueCredentials | null> {
  const env = opts.env ?? process.env;
  const key = env[API_KEY_ENV];
  const secret = env[API_SECRET_ENV];
  if ((key ?? '') !== '' || (secret ?? '') !== '') {
    if (!key || !secret)
      throw new CredentialsError(`set both ${API_KEY_ENV} and ${API_SECRET_ENV} (one of them is empty)`);
    return hiddenCredentials(key, secret);
  }
  const store = opts.store ?? null;
  if (store === null || !store.has(venue)) return null;
  const c = await store.get(venue);
  return hiddenCredentials(c.apiKey, c.secret);
}
