import { describe, expect, it } from 'vitest';
import type { BookSnapshot, ReplayState } from '../api/contract';
import { bookScenarioSchema, toBookScenario } from '../sim/scenario';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { ReplaySession } from './replay-session';

const scenario = (over: Record<string, unknown> = {}) =>
  toBookScenario(
    bookScenarioSchema.parse({
      mode: 'book',
      horizon: 1e6,
      tickSize: 0.01,
      s0: 100,
      price: { model: 'abm', sigma: 0.012 },
      warmup: 5,
      ...over,
    }),
  );

function session(sc: ReturnType<typeof scenario>, onError?: (e: Error) => void) {
  const states: ReplayState[] = [];
  const snapshots: BookSnapshot[] = [];
  const s = new ReplaySession({
    sessionId: 's1',
    scenario: sc,
    quoter: new FixedSpreadQuoter({ halfSpread: 0.005, skewPerLot: 0, orderSizeLots: 1 }),
    seed: 1,
    speed: 0, // as fast as possible: the session is always busy
    depthLevels: 5,
    maxBatchesPerSec: 20,
    onSnapshot: (snap) => snapshots.push(snap),
    onState: (st) => states.push(st),
    ...(onError ? { onError } : {}),
  });
  return { s, states, snapshots };
}

const waitFor = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ReplaySession (bounded)', () => {
  it('stops a session running at full speed: the simulation does not advance after stop', async () => {
    const { s } = session(scenario());
    s.start();
    await waitFor(() => s.state().t > 1);
    expect(s.control('stop').status).toBe('stopped');
    const tStop = s.state().t;
    await new Promise((r) => setTimeout(r, 100));
    expect(s.state().t).toBe(tStop);
    s.dispose();
  });

  it('an error inside the simulation stops the session instead of escaping the timer', async () => {
    // lotSize 1e306 overflows cash at the first fill (past any static check: the guard is at run time).
    const errors: Error[] = [];
    const { s, states } = session({ ...scenario(), lotSize: 1e306 }, (e) => errors.push(e));
    s.start();
    await waitFor(() => errors.length > 0);
    expect(errors[0]?.name).toBe('NonFiniteError');
    expect(s.state().status).toBe('stopped');
    expect(states.at(-1)?.status).toBe('stopped');
    // The state says why, so the view can show it (the session carries it from then on).
    expect(states.at(-1)?.error).toMatch(/cash/);
    expect(s.state().error).toBe(errors[0]?.message);
    s.dispose();
  });

  it('a step says which event it applied, and the ladder after the step agrees', () => {
    const { s, snapshots } = session(scenario());
    s.start();
    s.control('pause');
    const kinds = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const st = s.control('step');
      const ev = st.lastEvent;
      expect(ev).toBeDefined();
      if (!ev) continue;
      kinds.add(ev.kind);
      const snap = snapshots.at(-1)!;
      if (ev.kind === 'trade') {
        expect(snap.trades[0]?.price).toBeCloseTo(ev.price ?? NaN, 9);
        expect(ev.size).toBe(snap.trades.reduce((a, t) => a + t.size, 0));
      } else if (ev.kind === 'add') {
        const side = ev.side === 'bid' ? snap.bids : snap.asks;
        const level = side.find((l) => Math.abs(l.price - (ev.price ?? NaN)) < 1e-9);
        expect(level?.size ?? 0).toBeGreaterThanOrEqual(ev.size ?? Infinity);
      } else if (ev.kind === 'cancel' || ev.kind === 'price') {
        expect(ev.price).toBeGreaterThan(0);
      }
    }
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['add', 'cancel', 'price', 'trade']));
    // Resuming clears it: the running view has no "applied" event.
    expect(s.control('resume').lastEvent).toBeUndefined();
    s.control('stop');
    s.dispose();
  });
});

describe('ReplaySession seek (simulated)', () => {
  const lastLadder = (snaps: BookSnapshot[]) => {
    const s = snaps.at(-1)!;
    return { t: s.t, bids: s.bids, asks: s.asks, ours: s.ours, inventory: s.inventory, cash: s.cash };
  };

  it('rebuilds the path to the target: the same book whether it seeks from the start or after the end', async () => {
    const sc = scenario({ horizon: 60 });
    const a = session(sc);
    a.s.control('seek', undefined, 30); // from the start, before ever running
    expect(a.s.state().seeking).toBe(true);
    await waitFor(() => a.states.some((st) => st.seeking !== true && st.status === 'paused'));
    const b = session(sc);
    b.s.start();
    await waitFor(() => b.s.state().status === 'finished');
    b.s.control('seek', undefined, 30);
    await waitFor(() => b.states.filter((st) => st.status === 'paused' && st.seeking !== true).length > 0);
    expect(a.s.state()).toMatchObject({ status: 'paused', source: 'simulated' });
    expect(a.s.state().t).toBeLessThanOrEqual(30);
    expect(a.s.state().t).toBeGreaterThan(29);
    const la = lastLadder(a.snapshots);
    expect(la.bids.length).toBeGreaterThan(0);
    expect(lastLadder(b.snapshots)).toEqual(la);
    // It steps on from there like any paused session.
    expect(a.s.control('step').t).toBeGreaterThanOrEqual(la.t);
    a.s.dispose();
    b.s.dispose();
  });
});
