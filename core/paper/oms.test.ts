import { describe, expect, it } from 'vitest';
import {
  ORDER_STATUS_RANK,
  ORDER_TRANSITIONS,
  isLegalTransition,
  type OrderStatus,
  type OrderUpdate,
  type VenueFill,
} from '../venues/venue';
import { NULL_JOURNAL } from './journal';
import { OrderManager, clientIdPrefix, type ManagedOrder } from './oms';
import { ScriptedVenue } from './scripted-venue.fixture';

const STATUSES: OrderStatus[] = [
  'pending',
  'open',
  'partially-filled',
  'filled',
  'cancelled',
  'rejected',
  'expired',
];

function oms(venue = new ScriptedVenue()): { m: OrderManager; venue: ScriptedVenue } {
  const m = new OrderManager({
    venue,
    sessionId: 'sess01',
    journal: NULL_JOURNAL,
    lotSize: 1,
    sleep: () => Promise.resolve(),
  });
  return { m, venue };
}

function order(status: OrderStatus, filled = 0): ManagedOrder {
  return {
    clientOrderId: 'qbsess01-1',
    venueOrderId: 'v1',
    side: 'buy',
    type: 'limit',
    price: 100,
    amount: 2,
    filled,
    remaining: 2 - filled,
    avgPrice: filled > 0 ? 100 : Number.NaN,
    status,
    reason: '',
    cancelRequested: false,
    exchangeTimeMs: 0,
  };
}

function update(status: OrderStatus, filled: number): OrderUpdate {
  return {
    clientOrderId: 'qbsess01-1',
    venueOrderId: 'v1',
    status,
    side: 'buy',
    type: 'limit',
    price: 100,
    amount: 2,
    filled,
    remaining: 2 - filled,
    avgPrice: filled > 0 ? 100 : Number.NaN,
    reason: '',
    exchangeTimeMs: 1,
    localTimeMs: 1,
  };
}

/** Filled amount that fits a state: 0 before any fill, 1 when partial, 2 when filled. */
const filledFor = (s: OrderStatus): number => (s === 'partially-filled' ? 1 : s === 'filled' ? 2 : 0);

function fill(tradeId: string, amount: number, side: 'buy' | 'sell' = 'buy'): VenueFill {
  return {
    tradeId,
    clientOrderId: 'qbsess01-1',
    venueOrderId: 'v1',
    side,
    price: 100,
    amount,
    fee: 0.01,
    liquidity: 'maker',
    exchangeTimeMs: 1,
    localTimeMs: 1,
  };
}

describe('order state machine', () => {
  it('applies every legal transition', () => {
    let n = 0;
    for (const from of STATUSES)
      for (const to of ORDER_TRANSITIONS[from]) {
        const { m } = oms();
        m.restore([order(from, filledFor(from))], [], 1);
        const to1 = to === 'partially-filled' && from === 'partially-filled' ? 1.5 : filledFor(to);
        expect([from, to, m.applyUpdate(update(to, Math.max(to1, filledFor(from))))]).toEqual([
          from,
          to,
          'applied',
        ]);
        expect(m.orders.get('qbsess01-1')!.status).toBe(to);
        n++;
      }
    // pending → 6 states, open → 4, partially-filled → 4 (itself with more filled included).
    expect(n).toBe(14);
  });

  it('refuses every illegal transition, reports it and keeps the state; lower-ranked updates are stale', () => {
    let illegal = 0;
    let stale = 0;
    for (const from of STATUSES)
      for (const to of STATUSES) {
        if (to === from || isLegalTransition(from, to)) continue;
        const { m } = oms();
        m.restore([order(from, filledFor(from))], [], 1);
        const out = m.applyUpdate(update(to, Math.max(filledFor(to), filledFor(from))));
        if (ORDER_STATUS_RANK[to] < ORDER_STATUS_RANK[from]) {
          expect([from, to, out]).toEqual([from, to, 'stale']);
          stale++;
        } else {
          expect([from, to, out]).toEqual([from, to, 'illegal']);
          expect(m.reports.some((r) => r.kind === 'illegal-transition')).toBe(true);
          illegal++;
        }
        expect(m.orders.get('qbsess01-1')!.status).toBe(from);
      }
    // terminal → another terminal state (4·3), and open/partially-filled → rejected (a venue rejects
    // only what it has not accepted); moves to a lower rank are stale.
    expect(illegal).toBe(14);
    expect(stale).toBeGreaterThan(5);
  });

  it('ignores duplicates and out-of-order updates', () => {
    const { m } = oms();
    m.restore([order('open')], [], 1);
    expect(m.applyUpdate(update('partially-filled', 1))).toBe('applied');
    expect(m.applyUpdate(update('partially-filled', 1))).toBe('duplicate');
    expect(m.applyUpdate(update('open', 0))).toBe('stale'); // an older 'open' arriving late
    expect(m.applyUpdate(update('partially-filled', 0.5))).toBe('stale'); // an older partial
    expect(m.orders.get('qbsess01-1')!.filled).toBe(1);
    expect(m.applyUpdate(update('filled', 2))).toBe('applied');
    expect(m.applyUpdate(update('partially-filled', 1.5))).toBe('stale');
    expect(m.orders.get('qbsess01-1')!.status).toBe('filled');
  });

  it('deduplicates fills by trade id', () => {
    const { m } = oms();
    m.restore([order('open')], [], 1);
    expect(m.applyFill(fill('t1', 1))).toBe(true);
    expect(m.applyFill(fill('t1', 1))).toBe(false);
    expect(m.applyFill(fill('t2', 0.5))).toBe(true);
    expect(m.position).toBe(1.5);
    expect(m.fillCount).toBe(2);
    expect(m.cash).toBeCloseTo(-(150 + 0.02), 12);
  });

  it('an unknown order of our prefix is an orphan, of another prefix ignored', () => {
    const { m } = oms();
    expect(m.applyUpdate({ ...update('open', 0), clientOrderId: `${clientIdPrefix('sess01')}99` })).toBe(
      'orphan',
    );
    expect(m.applyUpdate({ ...update('open', 0), clientOrderId: 'manual-1' })).toBe('unknown');
  });
});

describe('idempotent place', () => {
  const req = { side: 'buy' as const, type: 'limit' as const, price: 100, amount: 1, postOnly: true };

  it('a lost ack: the order is looked up by clientOrderId, not sent again', async () => {
    const { m, venue } = oms();
    venue.faults.place.push('lost-ack');
    const o = await m.submit(req);
    expect(o.status).toBe('open');
    expect(venue.orders.size).toBe(1);
    expect(venue.log.filter((r) => r.what === 'place')).toHaveLength(1);
    expect(venue.log.map((r) => r.what)).toEqual(['place', 'fetchOrder']);
  });

  it('a timeout before arrival: looked up (unknown), then sent again with the same id; one order', async () => {
    const { m, venue } = oms();
    venue.faults.place.push('timeout-before', 'rate-limited');
    const o = await m.submit(req);
    expect(o.status).toBe('open');
    expect(venue.orders.size).toBe(1);
    const places = venue.log.filter((r) => r.what === 'place');
    expect(places).toHaveLength(3);
    expect(new Set(places.map((p) => p.id)).size).toBe(1);
    expect(venue.orders.has(o.clientOrderId)).toBe(true);
  });

  it('a refusal is not retried: the order ends rejected', async () => {
    const { m, venue } = oms();
    venue.faults.place.push('reject');
    const o = await m.submit(req);
    expect(o.status).toBe('rejected');
    expect(venue.log.filter((r) => r.what === 'place')).toHaveLength(1);
  });

  it('client ids are the prefix and a counter, continuing after recovery', () => {
    const { m } = oms();
    expect(m.nextClientId()).toBe('qbsess01-1');
    m.resumeCounter(41);
    expect(m.nextClientId()).toBe('qbsess01-42');
    expect(clientIdPrefix('20261207t014411-a1b2c3').length).toBeLessThanOrEqual(16);
  });
});

describe('reconciliation', () => {
  it('cancels orphans of our prefix, resolves orders the venue no longer has open, reports the position', async () => {
    const { m, venue } = oms();
    const ours = await m.submit({ side: 'buy', type: 'limit', price: 100, amount: 1, postOnly: true });
    // An orphan (sent by a crashed predecessor of this session id) and a manual order.
    venue.orders.set('qbsess01-77', { ...update('open', 0), clientOrderId: 'qbsess01-77' });
    venue.orders.set('manual-1', { ...update('open', 0), clientOrderId: 'manual-1' });
    // The venue filled ours while we were away, and holds a position we did not see.
    venue.orders.get(ours.clientOrderId)!.status = 'filled';
    venue.orders.get(ours.clientOrderId)!.filled = 1;
    venue.position = 1;
    const r = await m.reconcile();
    expect(r.orphansCancelled).toBe(1);
    expect(venue.orders.get('qbsess01-77')!.status).toBe('cancelled');
    expect(venue.orders.get('manual-1')!.status).toBe('open');
    expect(m.orders.get(ours.clientOrderId)!.status).toBe('filled');
    expect(r.discrepancies.some((d) => d.startsWith('position'))).toBe(true);
    expect(r.discrepancies.some((d) => d.includes('orphan'))).toBe(true);
  });
});
