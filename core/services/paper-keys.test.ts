// The keys' whole path in the back end: stored with secrets.set, read by the paper service when it
// opens a keyed venue (the Binance connector against helper B's fake USD-M exchange on 127.0.0.1,
// which checks X-MBX-APIKEY and every request's HMAC under the secret), and nowhere else. The fake
// accepting our signed orders proves the keys reached the venue; every API response and bus event of
// the session is searched for the key and the secret. Then the kill switch leaves the fake with no
// open order of ours. Polls with generous hang guards only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaperKillResult, PaperSnapshot } from '../api/contract';
import { EVENT_TOPICS } from '../api/names';
import type { CallResult } from '../api/registry';
import { EncryptedFileSecretStore, MIN_SCRYPT_LOG_N } from '../secrets/encrypted-file';
import { openBinanceVenue } from '../venues/binance';
import { startFakeBinance, type FakeBinance } from '../venues/fake-binance.fixture';
import { AppService } from './app-service';

const API_KEY = 'qbPAPERkeyBBBB2222sentinel';
const SECRET = 'qbPAPERsecretYYYY8888sentinel';
const ctx = { clientId: 'paper-keys' };

async function until(cond: () => boolean, what: string, guardMs = 60_000): Promise<void> {
  const end = Date.now() + guardMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('paper session on a keyed venue (fake Binance USD-M)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'qb-paper-keys-'));
  let fake: FakeBinance;
  let svc: AppService;
  const seen: string[] = [];
  const offs: (() => void)[] = [];

  beforeAll(async () => {
    fake = await startFakeBinance({ apiKey: API_KEY, secret: SECRET });
    svc = new AppService({
      dataDir,
      transport: 'websocket',
      version: '0.0.0-test',
      secrets: new EncryptedFileSecretStore({
        file: path.join(dataDir, 'keys.json'),
        scryptLogN: MIN_SCRYPT_LOG_N,
      }),
      paper: {
        openVenue: (id, o) =>
          openBinanceVenue({
            ...o,
            market: id === 'binanceusdm-demo' ? 'usdm-demo' : 'spot-testnet',
            url: fake.url,
            timeoutMs: 2000,
            backoffBaseMs: 20,
            backoffCapMs: 200,
          }),
      },
    });
    for (const topic of EVENT_TOPICS)
      offs.push(svc.bus.subscribe(topic, (p) => seen.push(JSON.stringify(p))));
  });
  afterAll(async () => {
    for (const off of offs) off();
    await svc.close();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (method: string, input: unknown): Promise<CallResult> => {
    const r = await svc.dispatch(method, input, ctx);
    seen.push(JSON.stringify(r));
    return r;
  };

  it('takes the keys from the store to the venue only, and the kill switch cancels every order', async () => {
    expect(
      await call('secrets.set', {
        venue: 'binance-usdm-demo',
        apiKey: API_KEY,
        secret: SECRET,
        passphrase: 'a paper keys passphrase',
      }),
    ).toMatchObject({ ok: true });
    const started = await call('paper.start', {
      venue: 'binance-usdm-demo',
      symbol: 'BTC/USDT:USDT',
      quoter: { kind: 'classical', strategy: { type: 'fixed-spread', halfSpread: 0.5, orderSizeLots: 1 } },
      decisionIntervalMs: 100,
    });
    if (!started.ok) throw new Error(`${started.error.code}: ${started.error.message}`);
    const snap = started.output as PaperSnapshot;
    expect(snap.venue).toBe('binance-usdm-demo');
    expect(snap.status).toBe('running');

    // Our signed orders reach the fake (it rejects a wrong key or signature): the keys got there.
    await until(() => fake.openOrders().length > 0, 'our orders resting at the fake exchange');
    expect(fake.badSignatures()).toBe(0);
    await until(() => seen.some((s) => s.includes('"orders":[{')), 'a snapshot with our working orders');

    const killed = await call('paper.kill', { flatten: false });
    if (!killed.ok) throw new Error(killed.error.message);
    expect((killed.output as PaperKillResult).openOrders).toBe(0);
    expect(fake.openOrders()).toEqual([]);

    const all = seen.join('\n');
    expect(seen.length).toBeGreaterThan(3);
    expect(all).toContain('binance-usdm-demo');
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(SECRET);
  });
});
