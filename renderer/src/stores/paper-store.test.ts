/**
 * The Paper view's store against a fake API: the form becomes a valid `paper.start` input (errors
 * name the field; keyed venues need stored keys), snapshots drive the session (stale ones ignored, a
 * new session resets the chart history), the kill switch sends `paper.kill` with the flatten choice
 * and re-reads the status, the shortcut matcher, and the keys panel's calls: the store never keeps a
 * key, a secret or a passphrase (its serialized state is searched for them).
 */
import { toJS } from 'mobx';
import { describe, expect, it } from 'vitest';
import type { PaperSnapshot, SecretsStatus } from '../../../core/api/contract';
import { ApiCallError } from '../api/errors';
import { FakeApi, settle } from '../testing/fake-api';
import { isKillShortcut, parseParams, type PaperPoint } from './paper-store';
import { RootStore } from './root-store';

function snap(over: Partial<PaperSnapshot> = {}): PaperSnapshot {
  return {
    sessionId: 's1',
    seq: 1,
    status: 'running',
    venue: 'paper-dataset',
    symbol: 'AAPL',
    t: 1_000_000,
    connection: { status: 'connected', attempt: 0, reason: '' },
    bids: [{ price: 100, size: 5, ours: 1 }],
    asks: [{ price: 100.01, size: 3, ours: 0 }],
    orders: [
      {
        clientOrderId: 'qb-1',
        side: 'buy',
        price: 100,
        amount: 1,
        filled: 0,
        status: 'open',
        queueAhead: 4,
      },
    ],
    fills: [],
    fillCount: 0,
    inventory: 0,
    pnl: 0,
    fees: 0,
    points: { t: [1_000_000], mid: [100.005], pnl: [0], inventory: [0] },
    risk: [{ key: 'inventory', label: 'Inventory', used: 0, limit: 10, unit: 'units' }],
    halted: null,
    error: null,
    ...over,
  };
}

const status = (venues: string[]): SecretsStatus => ({
  backend: 'encrypted-file',
  available: true,
  locked: false,
  initialized: true,
  venues,
  reason: null,
});

function setup(api = new FakeApi()): { api: FakeApi; root: RootStore } {
  const root = new RootStore(api, { scheduleFrame: () => () => undefined });
  root.start();
  return { api, root };
}

describe('PaperStore', () => {
  it('builds paper.start from the form and names the bad field', async () => {
    const { api, root } = setup();
    await settle();
    const p = root.paper;
    await p.start();
    expect(p.formError).toMatch(/^dataset:/);
    expect(api.callsOf('paper.start')).toHaveLength(0);

    p.setForm('dataset', 'ds-aapl');
    p.setForm('speed', '20');
    p.setForm('params', 'gamma=0.2, orderSizeLots=2, variant=symmetric');
    p.setLimit('maxNotional', '');
    p.setLimit('pnlStop', '50');
    api.on('paper.start', () => snap());
    await p.start();
    expect(p.formError).toBeNull();
    expect(api.callsOf('paper.start')[0]).toEqual({
      venue: 'paper-dataset',
      dataset: 'ds-aapl',
      speed: 20,
      quoter: {
        kind: 'classical',
        strategy: { type: 'avellaneda-stoikov', gamma: 0.2, orderSizeLots: 2, variant: 'symmetric' },
      },
      limits: { maxInventory: 10, maxOrderRate: 10, bandBps: 100, staleMs: 5000, pnlStop: 50 },
      record: false,
    });
    expect(p.active).toBe(true);
    expect(p.session?.orders[0]?.queueAhead).toBe(4);

    // A bad limit names the limit; a keyed venue without keys is refused before any call.
    p.session = null;
    p.setLimit('maxInventory', '-3');
    await p.start();
    expect(p.formError).toMatch(/^max inventory:/);
    p.setLimit('maxInventory', '10');
    p.setForm('venue', 'binance-usdm-demo');
    p.setForm('symbol', 'BTC/USDT:USDT');
    await p.start();
    expect(p.formError).toMatch(/needs API keys/);
    expect(api.callsOf('paper.start')).toHaveLength(1);
    // A checkpoint quoter needs a run.
    p.setForm('venue', 'paper-live');
    p.setForm('quoterKind', 'checkpoint');
    await p.start();
    expect(p.formError).toMatch(/^checkpoint:/);
  });

  it('follows snapshots: stale ones are ignored, a new session resets the chart history', async () => {
    const { api, root } = setup();
    await settle();
    const p = root.paper;
    const seen: { n: number; reset: boolean }[] = [];
    let history: readonly PaperPoint[] = [];
    p.onPoints((pts, reset) => {
      seen.push({ n: pts.length, reset });
      if (reset) history = [...pts];
      else history = [...history, ...pts];
    });
    api.emit('paper.snapshot', snap({ seq: 1 }));
    api.emit(
      'paper.snapshot',
      snap({
        seq: 3,
        pnl: 2,
        points: { t: [1_000_500, 1_001_000], mid: [1, 1], pnl: [1, 2], inventory: [1, 1] },
      }),
    );
    api.emit('paper.snapshot', snap({ seq: 2, pnl: -99 })); // late: ignored
    expect(p.session?.seq).toBe(3);
    expect(p.session?.pnl).toBe(2);
    expect(history.map((x) => x.t)).toEqual([0, 0.5, 1]);
    expect(history.map((x) => x.pnl)).toEqual([0, 1, 2]);

    api.emit(
      'paper.snapshot',
      snap({ sessionId: 's2', seq: 1, points: { t: [5_000], mid: [1], pnl: [7], inventory: [0] } }),
    );
    expect(seen.some((s) => s.reset && s.n === 0)).toBe(true);
    expect(history).toEqual([{ t: 0, pnl: 7, inventory: 0 }]);
  });

  it('kills with the flatten choice, then re-reads the status', async () => {
    const { api, root } = setup();
    await settle();
    const p = root.paper;
    api.emit('paper.snapshot', snap({ seq: 5 }));
    api.on('paper.kill', () => ({
      sessionId: 's1',
      cancelled: 2,
      openOrders: 0,
      flattened: true,
      inventory: 0,
      elapsedMs: 12,
    }));
    api.on('paper.status', () => ({ session: snap({ seq: 6, status: 'killed', orders: [] }) }));
    p.setFlatten(true);
    await p.kill();
    expect(api.callsOf('paper.kill')).toEqual([{ sessionId: 's1', flatten: true }]);
    expect(p.lastKill?.openOrders).toBe(0);
    expect(p.session?.status).toBe('killed');
    expect(p.active).toBe(false);
    expect(p.killing).toBe(false);

    // Pressed with no session running: an info banner, not an error.
    api.on('paper.kill', () => {
      throw new ApiCallError('not_found', 'no paper session is running', 'sessionId', 'paper.kill');
    });
    await p.kill();
    const banners = root.ui.bannerList;
    expect(banners.filter((b) => b.title === 'Kill switch').map((b) => [b.kind, b.message])).toEqual([
      ['info', 'No paper session is running.'],
    ]);
  });

  it('matches the kill shortcut only for Ctrl/⌘+Shift+K', () => {
    const k = (
      o: Partial<{ key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }>,
    ) => isKillShortcut({ key: 'K', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...o });
    expect(k({ ctrlKey: true, shiftKey: true })).toBe(true);
    expect(k({ metaKey: true, shiftKey: true, key: 'k' })).toBe(true);
    expect(k({ ctrlKey: true })).toBe(false);
    expect(k({ shiftKey: true })).toBe(false);
    expect(k({ ctrlKey: true, shiftKey: true, altKey: true })).toBe(false);
    expect(k({ ctrlKey: true, shiftKey: true, key: 'J' })).toBe(false);
  });

  it('parses quoter parameters and names a bad part', () => {
    expect(parseParams('gamma=0.1, k: 1.5\nflag=true, variant=symmetric')).toEqual({
      gamma: 0.1,
      k: 1.5,
      flag: true,
      variant: 'symmetric',
    });
    expect(() => parseParams('gamma 0.1')).toThrow(/"gamma 0.1" is not key=value/);
  });

  it('sends keys once and keeps only the venue names', async () => {
    const KEY = 'STOREtestKEY123';
    const SECRET = 'STOREtestSECRET456';
    const PASS = 'store test passphrase';
    const { api, root } = setup();
    await settle();
    const p = root.paper;
    api.on('secrets.set', () => status(['binance-usdm-demo']));
    api.on('secrets.delete', () => ({ ...status([]), deleted: true }));
    expect(await p.saveKeys('binance-usdm-demo', KEY, SECRET, PASS)).toBe(true);
    expect(api.callsOf('secrets.set')).toEqual([
      { venue: 'binance-usdm-demo', apiKey: KEY, secret: SECRET, passphrase: PASS },
    ]);
    expect(p.secrets?.venues).toEqual(['binance-usdm-demo']);
    const { root: _root, api: _api, ...own } = p as unknown as Record<string, unknown>;
    const state = JSON.stringify(toJS(own));
    expect(state).toContain('binance-usdm-demo');
    expect(state).not.toContain(KEY);
    expect(state).not.toContain(SECRET);
    expect(state).not.toContain(PASS);

    api.on('secrets.set', () => {
      throw new Error('wrong passphrase');
    });
    expect(await p.saveKeys('binance-usdm-demo', KEY, SECRET, 'nope')).toBe(false);
    expect(p.keysError).toMatch(/wrong passphrase/);
    await p.deleteKeys('binance-usdm-demo');
    expect(p.secrets?.venues).toEqual([]);

    // Unlocking (the web shell after a restart) sends the passphrase once and keeps the status only.
    api.on('secrets.unlock', ({ passphrase }) => {
      if (passphrase !== PASS) throw new Error('wrong passphrase for the key file');
      return status(['binance-spot-testnet']);
    });
    expect(await p.unlockKeys('not it at all')).toBe(false);
    expect(p.keysError).toMatch(/wrong passphrase/);
    expect(await p.unlockKeys(PASS)).toBe(true);
    expect(p.keysError).toBeNull();
    expect(p.secrets?.venues).toEqual(['binance-spot-testnet']);
    expect(JSON.stringify(toJS(p.secrets))).not.toContain(PASS);
  });
});
