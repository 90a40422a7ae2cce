// secrets.* through the whole back end (dispatcher + AppService + encrypted file): the keys go in and
// never come out — not in a response, an error, an event or a log line. Every serialized output is
// searched for the key and the secret.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MethodInput, SecretsStatus } from '../api/contract';
import { EVENT_TOPICS } from '../api/names';
import { EventBus, type CallResult } from '../api/registry';
import { EncryptedFileSecretStore, MIN_SCRYPT_LOG_N } from '../secrets/encrypted-file';
import { AppService } from './app-service';
import { PaperApi } from './paper-app';

const API_KEY = 'QBtestKEY7fQ2pL9mN4vB8cT1z';
const SECRET = 'QBtestSECRET3jH8gF5dS2aQ9wE6rT0y';
const PASS = 'a long test passphrase';
const ctx = { clientId: 'secrets-test' };

describe('secrets.* API', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-secrets-api-'));
  const file = join(dataDir, 'keys.enc.json');
  let svc: AppService;
  const seen: string[] = [];
  const offs: (() => void)[] = [];
  const logged: string[] = [];

  beforeAll(() => {
    svc = new AppService({
      dataDir,
      transport: 'websocket',
      version: '0.0.0-test',
      secrets: new EncryptedFileSecretStore({ file, scryptLogN: MIN_SCRYPT_LOG_N }),
    });
    for (const topic of EVENT_TOPICS)
      offs.push(svc.bus.subscribe(topic, (p) => seen.push(JSON.stringify({ topic, p }))));
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, m).mockImplementation(
        (...args: unknown[]) => void logged.push(args.map(String).join(' ')),
      );
    const capture =
      (w: typeof process.stdout.write) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        logged.push(String(chunk));
        return (w as (...a: unknown[]) => boolean)(chunk, ...rest);
      };
    vi.spyOn(process.stderr, 'write').mockImplementation(capture(process.stderr.write.bind(process.stderr)));
  });
  afterAll(async () => {
    for (const off of offs) off();
    vi.restoreAllMocks();
    await svc.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (method: string, input: unknown): Promise<CallResult> => {
    const r = await svc.dispatch(method, input, ctx);
    seen.push(JSON.stringify(r));
    return r;
  };

  it('stores keys write-only and reports venues only', async () => {
    const s0 = await call('secrets.status', {});
    expect(s0).toMatchObject({
      ok: true,
      output: { backend: 'encrypted-file', locked: true, initialized: false, venues: [] },
    });
    // Locked: a set without the passphrase is refused as unauthorized.
    const locked = await call('secrets.set', { venue: 'binance-usdm-demo', apiKey: API_KEY, secret: SECRET });
    expect(locked).toMatchObject({ ok: false, error: { code: 'unauthorized' } });

    const set = await call('secrets.set', {
      venue: 'binance-usdm-demo',
      apiKey: API_KEY,
      secret: SECRET,
      passphrase: PASS,
    });
    expect(set.ok).toBe(true);
    const status = (set as { output: SecretsStatus }).output;
    expect(status).toEqual({
      backend: 'encrypted-file',
      available: true,
      locked: false,
      initialized: true,
      venues: ['binance-usdm-demo'],
      reason: null,
    });

    // Bad inputs carrying the key: the error names the field, never the value.
    const bad = [
      await call('secrets.set', { venue: 'binance-usdm-demo', apiKey: `${API_KEY} x`, secret: SECRET }),
      await call('secrets.set', { venue: `BAD ${API_KEY}`, apiKey: API_KEY, secret: SECRET }),
      await call('secrets.set', {
        venue: 'binance-usdm-demo',
        apiKey: API_KEY,
        secret: SECRET,
        note: API_KEY,
      }),
      await call('secrets.set', { venue: 'binance-usdm-demo', apiKey: API_KEY.repeat(50), secret: SECRET }),
      await call('secrets.unlock', { passphrase: 'wrong passphrase!' }),
    ];
    for (const r of bad) expect(r.ok).toBe(false);
    expect(bad[0]).toMatchObject({ error: { code: 'invalid_input', path: 'apiKey' } });
    expect(bad[4]).toMatchObject({ error: { code: 'unauthorized', path: 'passphrase' } });

    const del = await call('secrets.delete', { venue: 'binance-usdm-demo' });
    expect(del).toMatchObject({ ok: true, output: { deleted: true, venues: [] } });
    await call('secrets.set', { venue: 'binance-spot-testnet', apiKey: API_KEY, secret: SECRET });
    expect((await call('secrets.status', {})) as unknown).toMatchObject({
      output: { venues: ['binance-spot-testnet'] },
    });

    // The back end can read them (the paper session's path), the file cannot be read in clear.
    expect(readFileSync(file, 'utf8')).not.toContain(API_KEY);

    // The proof: something was serialized, and none of it holds the key, the secret or the passphrase.
    const all = [...seen, ...logged].join('\n');
    expect(seen.length).toBeGreaterThan(8);
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(PASS);
  });
});

describe('paper.start → the paper service config', () => {
  const store = new EncryptedFileSecretStore({
    file: join(tmpdir(), 'qb-never-written.json'),
    scryptLogN: MIN_SCRYPT_LOG_N,
  });
  const api = new PaperApi({
    secrets: store,
    bus: new EventBus(),
    dataDir: tmpdir(),
    runDir: (id) => (id === 'run-1' ? join('/data', 'training', 'run-1') : null),
  });
  const classical = { kind: 'classical' as const, strategy: { type: 'fixed-spread', halfSpread: 0.5 } };
  const input = (over: Partial<MethodInput<'paper.start'>>): MethodInput<'paper.start'> => ({
    venue: 'paper-dataset',
    speed: 1,
    quoter: classical,
    limits: {},
    record: false,
    ...over,
  });

  it('maps each venue and passes the limits by the risk engine’s names', () => {
    expect(api.config(input({ dataset: 'ds', speed: 3, limits: { maxInventory: 5, bandBps: 20 } }))).toEqual({
      venue: 'paper',
      dataset: 'ds',
      speed: 3,
      limits: { maxInventory: 5, bandBps: 20 },
      record: false,
      quoter: classical,
    });
    expect(api.config(input({ venue: 'paper-live', symbol: 'BTC/USDT:USDT' }))).toMatchObject({
      venue: 'paper',
      symbol: 'BTC/USDT:USDT',
    });
    expect(api.config(input({ venue: 'binance-usdm-demo', symbol: 'BTC/USDT:USDT' })).venue).toBe(
      'binanceusdm-demo',
    );
    expect(api.config(input({ venue: 'binance-spot-testnet', symbol: 'BTC/USDT' })).venue).toBe(
      'binance-testnet',
    );
    expect(() => api.config(input({}))).toThrow(/needs a dataset/);
    expect(() => api.config(input({ venue: 'paper-live' }))).toThrow(/needs a symbol/);
  });

  it('finds a training run’s checkpoint by id and refuses anything else', () => {
    expect(api.config(input({ dataset: 'ds', quoter: { kind: 'checkpoint', run: 'run-1' } })).quoter).toEqual(
      {
        kind: 'checkpoint',
        path: join('/data', 'training', 'run-1'),
      },
    );
    expect(
      api.config(
        input({ dataset: 'ds', quoter: { kind: 'checkpoint', run: 'run-1', checkpoint: 'step-000000120' } }),
      ).quoter,
    ).toEqual({
      kind: 'checkpoint',
      path: join('/data', 'training', 'run-1', 'checkpoints', 'step-000000120'),
    });
    const err = (q: MethodInput<'paper.start'>['quoter']): unknown => {
      try {
        api.config(input({ dataset: 'ds', quoter: q }));
      } catch (e) {
        return e;
      }
      return null;
    };
    expect(err({ kind: 'checkpoint', run: 'nope' })).toMatchObject({ code: 'not_found', path: 'quoter.run' });
    for (const bad of ['../../etc', '..', '.hidden', 'a/b'])
      expect(err({ kind: 'checkpoint', run: 'run-1', checkpoint: bad })).toMatchObject({
        code: 'invalid_input',
        path: 'quoter.checkpoint',
      });
  });
});
