// paper.* through the whole back end (dispatcher + AppService + PaperService): a session on the
// LOBSTER AAPL sample as a recorded feed, its snapshots on the bus, the kill switch, and the refusals
// (a keyed venue without keys, a second session, an unknown session). Polls for conditions with
// generous hang guards; nothing depends on the machine's speed.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaperKillResult, PaperSnapshot } from '../api/contract';
import type { CallResult } from '../api/registry';
import { importLobster } from '../data/lobster-import';
import { DEFAULT_LOBSTER_DIR } from '../data/lobster-replay';
import { EncryptedFileSecretStore, MIN_SCRYPT_LOG_N } from '../secrets/encrypted-file';
import { AppService } from './app-service';

const AAPL = path.join(DEFAULT_LOBSTER_DIR, 'AAPL_2012-06-21_L10');
const MESSAGES = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv');
const ORDERBOOK = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv');
const ctx = { clientId: 'paper-test' };

function ok<T>(r: CallResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.output as T;
}

async function until(cond: () => boolean, what: string, guardMs = 60_000): Promise<void> {
  const end = Date.now() + guardMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!existsSync(MESSAGES))('paper.* API on a recorded dataset', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'qb-paper-api-'));
  let svc: AppService;
  let dataset = '';
  const snaps: PaperSnapshot[] = [];

  beforeAll(async () => {
    const r = await importLobster({ dataDir, messagePath: MESSAGES, orderbookPath: ORDERBOOK });
    dataset = r.info.id;
    svc = new AppService({
      dataDir,
      transport: 'websocket',
      version: '0.0.0-test',
      secrets: new EncryptedFileSecretStore({
        file: path.join(dataDir, 'k.json'),
        scryptLogN: MIN_SCRYPT_LOG_N,
      }),
    });
    svc.bus.subscribe('paper.snapshot', (s) => snaps.push(s));
  });
  afterAll(async () => {
    await svc.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a keyed venue without keys and a session without a dataset or symbol', async () => {
    const noKeys = await svc.dispatch(
      'paper.start',
      {
        venue: 'binance-usdm-demo',
        symbol: 'BTC/USDT:USDT',
        quoter: { kind: 'classical', strategy: { type: 'fixed-spread', halfSpread: 1 } },
      },
      ctx,
    );
    expect(noKeys).toMatchObject({ ok: false, error: { code: 'unauthorized', path: 'venue' } });
    const noDataset = await svc.dispatch(
      'paper.start',
      {
        venue: 'paper-dataset',
        quoter: { kind: 'classical', strategy: { type: 'fixed-spread', halfSpread: 1 } },
      },
      ctx,
    );
    expect(noDataset).toMatchObject({ ok: false, error: { code: 'invalid_input', path: 'dataset' } });
    expect(
      ok<{ session: PaperSnapshot | null }>(await svc.dispatch('paper.status', {}, ctx)).session,
    ).toBeNull();
    expect(await svc.dispatch('paper.kill', { flatten: false }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('runs a session on the recorded feed, streams snapshots, and the kill switch leaves no open order', async () => {
    const started = ok<PaperSnapshot>(
      await svc.dispatch(
        'paper.start',
        {
          venue: 'paper-dataset',
          dataset,
          speed: 2,
          quoter: {
            kind: 'classical',
            strategy: { type: 'fixed-spread', halfSpread: 0.01, orderSizeLots: 100 },
          },
          limits: { maxInventory: 10_000 },
          decisionIntervalMs: 200,
        },
        ctx,
      ),
    );
    expect(started.status).toBe('running');
    expect(started.venue).toBe('paper-dataset');
    const second = await svc.dispatch(
      'paper.start',
      {
        venue: 'paper-dataset',
        dataset,
        quoter: { kind: 'classical', strategy: { type: 'fixed-spread', halfSpread: 1 } },
      },
      ctx,
    );
    expect(second).toMatchObject({ ok: false, error: { code: 'conflict' } });

    // The book and our quotes stream in.
    await until(
      () => snaps.some((s) => s.sessionId === started.sessionId && s.bids.length > 0 && s.orders.length > 0),
      'a snapshot with the book and our orders',
    );
    await until(() => (snaps.at(-1)?.fillCount ?? 0) > 0, 'a fill');
    const filled = snaps.at(-1)!;
    expect(filled.fills.length).toBeGreaterThan(0);
    expect(filled.fills.every((f) => f.price > 0 && f.amount > 0)).toBe(true);
    const withOrders = snaps.find((s) => s.orders.length > 0)!;
    expect(withOrders.asks.length).toBeGreaterThan(0);
    // Our quotes straddle the recorded touch (fixed spread around the mid).
    const bestBid = withOrders.bids[0]!.price;
    const bestAsk = withOrders.asks[0]!.price;
    for (const o of withOrders.orders)
      if (o.side === 'buy') expect(o.price).toBeLessThan(bestAsk);
      else expect(o.price).toBeGreaterThan(bestBid);
    expect(withOrders.risk.find((r) => r.key === 'inventory')?.limit).toBe(10_000);

    const killed = ok<PaperKillResult>(
      await svc.dispatch('paper.kill', { sessionId: started.sessionId, flatten: false }, ctx),
    );
    expect(killed.sessionId).toBe(started.sessionId);
    expect(killed.openOrders).toBe(0);
    const after = ok<{ session: PaperSnapshot }>(await svc.dispatch('paper.status', {}, ctx)).session;
    expect(after.status).toBe('killed');
    expect(after.orders).toEqual([]);
    expect(after.halted).toBe('kill switch');
    await until(() => snaps.at(-1)?.status === 'killed', 'the killed snapshot event');
    // Seqs increase over the session's events.
    const seqs = snaps.filter((s) => s.sessionId === started.sessionId).map((s) => s.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(await svc.dispatch('paper.stop', { sessionId: 'nope' }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'not_found', path: 'sessionId' },
    });
  });
});
