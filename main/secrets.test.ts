// SafeStorageSecretStore without the Electron binary (it cannot be downloaded on this build machine):
// a fake with safeStorage's shape encrypts with AES-256-GCM under a random key, so the file really is
// ciphertext and tampering really fails, as with the OS keychain. What this cannot test is Electron's
// own safeStorage (keychain access, the Linux backend selection): that needs the binary.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretStoreError, redactedCredentials } from '../core/secrets/secret-store';
import { SafeStorageSecretStore, type SafeStorageLike } from './secrets';

const API_KEY = 'AKx7fQ2pL9mN4vB8cT1z';
const SECRET = 'sK3jH8gF5dS2aQ9wE6rT0yU7iO4pL1kJ';

function fakeSafeStorage(opts: { available?: boolean; backend?: string } = {}): SafeStorageLike & {
  calls: number;
} {
  const key = randomBytes(32);
  const fake = {
    calls: 0,
    isEncryptionAvailable: () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString(plain: string): Buffer {
      fake.calls++;
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), data]);
    },
    decryptString(enc: Buffer): string {
      fake.calls++;
      const d = createDecipheriv('aes-256-gcm', key, enc.subarray(0, 12));
      d.setAuthTag(enc.subarray(12, 28));
      return Buffer.concat([d.update(enc.subarray(28)), d.final()]).toString('utf8');
    },
  };
  return fake;
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qb-safe-'));
  file = join(dir, 'secrets.safe.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function errorOf(p: Promise<unknown>): Promise<SecretStoreError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SecretStoreError);
    return e as SecretStoreError;
  }
  throw new Error('expected a SecretStoreError');
}

describe('SafeStorageSecretStore (fake safeStorage)', () => {
  it('round-trips through safeStorage into a 0600 file holding only ciphertext', async () => {
    const safe = fakeSafeStorage();
    const a = new SafeStorageSecretStore(file, safe, 'linux');
    expect(a.status()).toMatchObject({ backend: 'safe-storage', available: true, venues: [] });
    await a.set('binance-usdm-demo', redactedCredentials(API_KEY, SECRET));
    expect(safe.calls).toBe(1);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(SECRET);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    const b = new SafeStorageSecretStore(file, safe, 'linux');
    expect(b.status().venues).toEqual(['binance-usdm-demo']);
    expect(b.has('binance-usdm-demo')).toBe(true);
    const c = await b.get('binance-usdm-demo');
    expect([c.apiKey, c.secret]).toEqual([API_KEY, SECRET]);
    expect(JSON.stringify(c)).not.toContain(API_KEY);
    expect((await errorOf(b.get('binance-spot-testnet'))).code).toBe('not_found');
    expect(await b.delete('binance-usdm-demo')).toBe(true);
    expect(new SafeStorageSecretStore(file, safe, 'linux').status().venues).toEqual([]);
  });

  it('refuses plainly when encryption is unavailable, or only basic_text on Linux', async () => {
    const none = new SafeStorageSecretStore(file, fakeSafeStorage({ available: false }), 'linux');
    expect(none.status()).toMatchObject({ available: false });
    expect(none.status().reason).toMatch(/no encryption/);
    const e1 = await errorOf(none.set('binance-usdm-demo', redactedCredentials(API_KEY, SECRET)));
    expect(e1.code).toBe('unavailable');

    const basic = new SafeStorageSecretStore(file, fakeSafeStorage({ backend: 'basic_text' }), 'linux');
    expect(basic.status().reason).toMatch(/basic_text/);
    expect((await errorOf(basic.set('binance-usdm-demo', redactedCredentials(API_KEY, SECRET)))).code).toBe(
      'unavailable',
    );
    // basic_text is a Linux notion only.
    const mac = new SafeStorageSecretStore(file, fakeSafeStorage({ backend: 'basic_text' }), 'darwin');
    expect(mac.status().available).toBe(true);
    expect(() => readFileSync(file)).toThrow(); // nothing was written by the refused calls
  });

  it('reports an altered entry (decryption fails) without leaking anything', async () => {
    const safe = fakeSafeStorage();
    const a = new SafeStorageSecretStore(file, safe, 'linux');
    await a.set('binance-usdm-demo', redactedCredentials(API_KEY, SECRET));
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, string> };
    const bytes = Buffer.from(doc.entries['binance-usdm-demo']!, 'base64');
    bytes[bytes.length - 1]! ^= 0x01;
    doc.entries['binance-usdm-demo'] = bytes.toString('base64');
    writeFileSync(file, JSON.stringify(doc));
    const e = await errorOf(new SafeStorageSecretStore(file, safe, 'linux').get('binance-usdm-demo'));
    expect(e.code).toBe('tampered');
    expect(e.message).not.toContain(API_KEY);
  });
});
