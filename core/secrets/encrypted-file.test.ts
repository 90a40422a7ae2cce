import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, MIN_SCRYPT_LOG_N } from './encrypted-file';
import { SecretStoreError, redactedCredentials } from './secret-store';

const API_KEY = 'AKx7fQ2pL9mN4vB8cT1z';
const SECRET = 'sK3jH8gF5dS2aQ9wE6rT0yU7iO4pL1kJ';
const PASS = 'correct horse battery staple';

let dir: string;
let file: string;
const store = (): EncryptedFileSecretStore =>
  new EncryptedFileSecretStore({ file, scryptLogN: MIN_SCRYPT_LOG_N });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qb-secrets-'));
  file = join(dir, 'secrets.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SecretStoreError);
    return (e as SecretStoreError).code;
  }
  return 'resolved';
}

describe('EncryptedFileSecretStore', () => {
  it('round-trips keys through the file and a fresh store with the same passphrase', async () => {
    const a = store();
    expect(a.status()).toMatchObject({
      backend: 'encrypted-file',
      locked: true,
      initialized: false,
      venues: [],
    });
    await a.unlock(PASS);
    await a.set('binance-usdm-demo', redactedCredentials(API_KEY, SECRET));
    expect(a.has('binance-usdm-demo')).toBe(true);
    expect(a.status()).toMatchObject({ locked: false, initialized: true, venues: ['binance-usdm-demo'] });

    const b = store();
    // Which venues have keys is known without the passphrase; the keys are not.
    expect(b.status()).toMatchObject({ locked: true, initialized: true, venues: ['binance-usdm-demo'] });
    expect(await code(b.get('binance-usdm-demo'))).toBe('locked');
    await b.unlock(PASS);
    const got = await b.get('binance-usdm-demo');
    expect(got.apiKey).toBe(API_KEY);
    expect(got.secret).toBe(SECRET);
    expect(await code(b.get('binance-spot-testnet'))).toBe('not_found');

    expect(await b.delete('binance-usdm-demo')).toBe(true);
    expect(await b.delete('binance-usdm-demo')).toBe(false);
    expect(store().status().venues).toEqual([]);
  });

  it('writes the file atomically with mode 0600 and never the key or secret in clear', async () => {
    const s = store();
    await s.unlock(PASS);
    await s.set('binance-spot-testnet', redactedCredentials(API_KEY, SECRET));
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(PASS);
    expect(Buffer.from(text).includes(Buffer.from(API_KEY))).toBe(false);
    // No temporary file is left behind.
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir)).toEqual(['secrets.json']);
    // A later write narrows a file someone widened.
    const { chmodSync } = await import('node:fs');
    chmodSync(file, 0o644);
    await s.set('binance-usdm-demo', redactedCredentials(API_KEY, SECRET));
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a wrong passphrase with a clear error that names neither passphrase', async () => {
    const a = store();
    await a.unlock(PASS);
    await a.set('binance-usdm-demo', redactedCredentials(API_KEY, SECRET));
    const b = store();
    let err: unknown;
    try {
      await b.unlock('not the passphrase');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecretStoreError);
    expect((err as SecretStoreError).code).toBe('wrong_passphrase');
    expect((err as Error).message).toMatch(/wrong passphrase/);
    expect((err as Error).message).not.toContain('not the passphrase');
    expect((err as Error).message).not.toContain(PASS);
    expect(b.status().locked).toBe(true);
    expect(await code(b.get('binance-usdm-demo'))).toBe('locked');
    // Too short a passphrase is refused before any work.
    expect(await code(store().unlock('short'))).toBe('invalid');
  });

  it('detects a tampered entry by its GCM tag (ciphertext, tag or a swapped venue)', async () => {
    const a = store();
    await a.unlock(PASS);
    await a.set('binance-usdm-demo', redactedCredentials(API_KEY, SECRET));
    await a.set('binance-spot-testnet', redactedCredentials('OTHERKEY123', 'OTHERSECRET456'));
    const original = readFileSync(file, 'utf8');
    const flip = (b64: string): string => {
      const b = Buffer.from(b64, 'base64');
      b[0]! ^= 0x01;
      return b.toString('base64');
    };
    type Entry = { nonce: string; data: string; tag: string };
    type Doc = { entries: Record<string, Entry> };
    const usdm = (d: Doc): Entry => d.entries['binance-usdm-demo']!;
    const cases: [string, (d: Doc) => void][] = [
      ['ciphertext', (d) => void (usdm(d).data = flip(usdm(d).data))],
      ['tag', (d) => void (usdm(d).tag = flip(usdm(d).tag))],
      ['nonce', (d) => void (usdm(d).nonce = flip(usdm(d).nonce))],
      [
        'swapped venues',
        (d) => {
          const other = d.entries['binance-spot-testnet']!;
          d.entries['binance-spot-testnet'] = usdm(d);
          d.entries['binance-usdm-demo'] = other;
        },
      ],
    ];
    for (const [what, mutate] of cases) {
      const doc = JSON.parse(original) as Doc;
      mutate(doc);
      writeFileSync(file, JSON.stringify(doc));
      const b = store();
      await b.unlock(PASS); // the check entry is intact: the passphrase is right
      let err: unknown;
      try {
        await b.get('binance-usdm-demo');
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(SecretStoreError);
      expect((err as SecretStoreError).code, what).toBe('tampered');
      expect((err as Error).message, what).toMatch(/altered/);
    }
    // The untouched file still opens (the cases above really were the mutations).
    writeFileSync(file, original);
    const c = store();
    await c.unlock(PASS);
    expect((await c.get('binance-usdm-demo')).apiKey).toBe(API_KEY);
  });

  it('refuses a malformed file and hostile KDF parameters without reading keys', async () => {
    writeFileSync(file, '{"format":"quotebench-secrets"');
    expect(store().status()).toMatchObject({ available: false });
    expect(store().status().reason).toMatch(/not readable/);
    expect(await code(store().unlock(PASS))).toBe('tampered');

    const a = store();
    rmSync(file);
    await a.unlock(PASS);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { kdf: { logN: number } };
    doc.kdf.logN = 30; // 2^30 · 128 · 8 bytes: a file must not make us allocate that
    writeFileSync(file, JSON.stringify(doc));
    expect(store().status().reason).toMatch(/kdf\.logN/);
  });

  it('serializes concurrent writes (every set lands)', async () => {
    const s = store();
    await s.unlock(PASS);
    await Promise.all(
      ['venue-a', 'venue-b', 'venue-c', 'venue-d'].map((v, i) =>
        s.set(v, redactedCredentials(`KEY${i}abcdef`, `SECRET${i}abcdef`)),
      ),
    );
    const t = store();
    expect(t.status().venues).toEqual(['venue-a', 'venue-b', 'venue-c', 'venue-d']);
    await t.unlock(PASS);
    expect((await t.get('venue-c')).apiKey).toBe('KEY2abcdef');
  });

  it('validates venues and credentials, and the credentials redact themselves', async () => {
    const s = store();
    await s.unlock(PASS);
    expect(await code(s.set('Bad Venue', redactedCredentials(API_KEY, SECRET)))).toBe('invalid');
    expect(await code(s.set('v', redactedCredentials('', SECRET)))).toBe('invalid');
    expect(await code(s.set('v', redactedCredentials('has space', SECRET)))).toBe('invalid');
    const c = redactedCredentials(API_KEY, SECRET);
    const printed = [
      JSON.stringify(c),
      JSON.stringify({ c }),
      String(c),
      `${String(c)}`,
      inspect(c),
      inspect({ c }),
    ];
    for (const p of printed) {
      expect(p).not.toContain(API_KEY);
      expect(p).not.toContain(SECRET);
    }
    expect(JSON.stringify({ ...c })).toBe('{}');
    expect(c.apiKey).toBe(API_KEY);
  });
});
