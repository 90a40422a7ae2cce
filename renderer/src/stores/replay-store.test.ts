import { describe, expect, it } from 'vitest';
import type { BookSnapshot, ReplayState, ScenarioPreset } from '../../../core/api/contract';
import { FakeApi, settle } from '../testing/fake-api';
import { bucketWidthFor, emptiedLevel, regrid, type ChartPoint, type FrameBatch } from './replay-store';
import { RootStore } from './root-store';

const PRESET: ScenarioPreset = {
  id: 'book-default',
  title: 'book-default',
  description: '',
  mode: 'book',
  yaml: 'name: b\nseed: 7\npaths: 1\nscenario:\n  mode: book\n  tickSize: 0.01\nstrategies:\n  - type: fixed-spread\n    halfSpread: 0.01\n',
};

function state(status: ReplayState['status'], t = 0): ReplayState {
  return { sessionId: 's1', status, speed: 1, t, horizon: 900 };
}

function snap(seq: number, t: number[], updates = 100): BookSnapshot {
  return {
    sessionId: 's1',
    seq,
    t: t[t.length - 1] ?? 0,
    updates,
    bids: [{ price: 99.99, size: 10, ours: 1 }],
    asks: [{ price: 100.01, size: 12, ours: 0 }],
    ours: [{ side: 'buy', price: 99.99, size: 1, queueAhead: 9 }],
    trades: [{ t: t[0] ?? 0, price: 100, size: 1, side: 'sell', ours: true }],
    ticks: { t, mid: t.map((x) => 100 + x), bid: t.map(() => 99.99), ask: t.map(() => null) },
    inventory: 1,
    pnl: 0.5,
    cash: -99.5,
  };
}

function setup(): { api: FakeApi; root: RootStore; frames: (() => void)[] } {
  const api = new FakeApi()
    .on('scenarios.presets', () => [PRESET])
    .on('runs.list', () => [])
    .on('jobs.list', () => [])
    .on('replay.start', () => state('running'))
    .on('replay.control', (i) => state(i.action === 'pause' ? 'paused' : 'running'));
  const frames: (() => void)[] = [];
  let now = 0;
  const root = new RootStore(api, { scheduleFrame: (cb) => frames.push(cb), now: () => (now += 16) });
  root.start();
  return { api, root, frames };
}

describe('ReplayStore', () => {
  it('coalesces many snapshots into one published frame', async () => {
    const { api, root, frames } = setup();
    await settle();
    expect(root.replay.presetId).toBe('book-default');
    await root.replay.start();
    frames.splice(0).forEach((f) => f()); // the reset frame
    const batches: FrameBatch[] = [];
    root.replay.addFrameListener((b) => batches.push(b));
    batches.length = 0;

    for (let i = 0; i < 50; i++) api.emit('book.snapshot', snap(i, [i * 0.02, i * 0.02 + 0.01]));
    expect(frames).toHaveLength(1); // one frame requested for 50 events
    expect(root.replay.view).toBeNull(); // nothing published before the frame
    frames.splice(0).forEach((f) => f());

    expect(root.replay.view?.seq).toBe(49);
    expect(root.replay.totalUpdates).toBe(5000);
    expect(root.replay.perf).toMatchObject({ frames: 1, snapshotsReceived: 50, updatesApplied: 5000 });
    expect(batches).toHaveLength(1);
    const ts = batches[0]!.points.map((p) => p.t);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThan(ts[i - 1]!);
    // 1× → 0.05 s buckets: 0 … 0.99 s of ticks fall into 20 bars.
    expect(bucketWidthFor(1)).toBe(0.05);
    expect(ts).toHaveLength(20);
    expect(batches[0]!.fills.length).toBe(50);
    expect(batches[0]!.fills[0]).toMatchObject({ side: 'buy' });
  });

  it('keeps events that arrive before replay.start answers', async () => {
    const { api, root, frames } = setup();
    await settle();
    let answer: (s: ReplayState) => void = () => undefined;
    api.on('replay.start', () => new Promise<ReplayState>((r) => (answer = r)));
    const started = root.replay.start();
    await settle();
    api.emit('replay.state', state('running'));
    api.emit('book.snapshot', snap(0, [0.5]));
    answer(state('running'));
    await started;
    frames.splice(0).forEach((f) => f());
    expect(root.replay.view?.seq).toBe(0);
    expect(root.replay.status).toBe('running');
  });

  it('shows why a session stopped when the server says it stopped on an error', async () => {
    const { api, root } = setup();
    await settle();
    await root.replay.start();
    api.emit('replay.state', { ...state('stopped'), error: 'cash went non-finite at path 0' });
    await settle();
    const banners = [...root.ui.banners.values()];
    expect(banners.some((b) => b.kind === 'error' && /non-finite/.test(b.message))).toBe(true);
  });

  it('ignores other sessions and never moves chart time backwards', async () => {
    const { api, root, frames } = setup();
    await settle();
    await root.replay.start();
    frames.splice(0).forEach((f) => f());
    const batches: FrameBatch[] = [];
    root.replay.addFrameListener((b) => batches.push(b));
    api.emit('book.snapshot', { ...snap(0, [1.0]), sessionId: 'other' });
    expect(frames).toHaveLength(0);
    api.emit('book.snapshot', snap(1, [2.0, 2.01]));
    frames.splice(0).forEach((f) => f());
    await root.replay.setSpeed(1000); // wider buckets from now on
    api.emit('book.snapshot', snap(2, [2.02, 3.5]));
    frames.splice(0).forEach((f) => f());
    const all = batches.filter((b) => !b.reset).flatMap((b) => b.points.map((p) => p.t));
    for (let i = 1; i < all.length; i++) expect(all[i]!).toBeGreaterThanOrEqual(all[i - 1]!);
  });

  it('pause and step go through replay.control; errors become banners', async () => {
    const { api, root } = setup();
    await settle();
    await root.replay.start();
    await root.replay.pause();
    expect(root.replay.status).toBe('paused');
    api.on('replay.control', () => {
      throw Object.assign(new Error('no replay session s1'), { code: 'not_found', path: 'sessionId' });
    });
    await root.replay.step();
    expect(root.ui.bannerList[0]).toMatchObject({
      kind: 'error',
      title: 'Replay step failed',
      code: 'not_found',
    });
    expect(api.callsOf('replay.control')).toHaveLength(2);
  });
  it('a live replay is shown stopped (connection lost) when the connection drops', async () => {
    const { root } = setup();
    await settle();
    await root.replay.start();
    expect(root.replay.isLive).toBe(true);
    root.ui.setConnection({ state: 'reconnecting', detail: 'connection lost', reason: 'lost' });
    expect(root.replay.status).toBe('stopped');
    expect(root.replay.state?.error).toMatch(/connection lost/);
  });
  it('a step exposes the event it applied while paused', async () => {
    const { api, root } = setup();
    await settle();
    await root.replay.start();
    await root.replay.pause();
    const ev = { kind: 'cancel', side: 'bid', price: 100.12, size: 3, ours: false } as const;
    api.on('replay.control', ({ sessionId }) => ({
      sessionId,
      status: 'paused',
      speed: 1,
      t: 1,
      horizon: 60,
      lastEvent: ev,
    }));
    await root.replay.step();
    expect(root.replay.lastEvent).toEqual(ev);
  });
  it('puts chart points on a regular grid: empty buckets carry the last value, a new width re-grids', async () => {
    const { api, root, frames } = setup();
    await settle();
    await root.replay.start();
    frames.splice(0).forEach((f) => f());
    const batches: FrameBatch[] = [];
    root.replay.addFrameListener((b) => batches.push(b));
    // 1× → 0.05 s buckets. Ticks at 0.01, 0.32 (5 empty buckets between), then 0.43 in a later frame.
    api.emit('book.snapshot', snap(0, [0.01, 0.32]));
    frames.splice(0).forEach((f) => f());
    api.emit('book.snapshot', snap(1, [0.43]));
    frames.splice(0).forEach((f) => f());
    const live = batches.filter((b) => !b.reset).flatMap((b) => b.points);
    // Buckets 0, 0.05 … 0.4: 0.3 bucket holds the 0.32 tick, 0.35 carries it, 0.4 holds 0.43.
    expect(live.map((p) => p.t)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]);
    expect(live.slice(1, 6).every((p) => p.mid === 100.01)).toBe(true); // carried from t = 0.01
    expect(live[6]?.mid).toBeCloseTo(100.32, 9);
    expect(live[7]?.mid).toBeCloseTo(100.32, 9);
    expect(batches.at(-1)?.bucketWidth).toBe(0.05);

    // 100× → 5 s buckets: the history is re-gridded (a reset) and the grid stays regular.
    await root.replay.setSpeed(100);
    api.emit('book.snapshot', snap(2, [12.5]));
    frames.splice(0).forEach((f) => f());
    const reset = batches.at(-1);
    expect(reset?.reset).toBe(true);
    expect(reset?.bucketWidth).toBe(5);
    expect(reset?.points.map((p) => p.t)).toEqual([0, 5, 10]);
    expect(reset?.points[1]?.mid).toBeCloseTo(100.43, 9); // bucket 5 carries the 0.43 tick
  });

  it('regrid: last point per bucket wins, gaps carry forward, times are multiples of the width', () => {
    const p = (t: number, mid: number): ChartPoint => ({ t, mid, bid: mid - 0.01, ask: null });
    const out = regrid([p(0.2, 1), p(0.9, 2), p(3.1, 3), p(3.4, 4)], 1);
    expect(out.map((x) => [x.t, x.mid])).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
      [3, 4],
    ]);
    expect(regrid([], 1)).toEqual([]);
  });
});

describe('emptiedLevel', () => {
  const book = (seq: number, asks: [number, number][], bids: [number, number][]): BookSnapshot => ({
    ...snap(seq, [1]),
    asks: asks.map(([price, size]) => ({ price, size, ours: 0 })),
    bids: bids.map(([price, size]) => ({ price, size, ours: 0 })),
  });
  const before = book(
    5,
    [
      [100.01, 3],
      [100.02, 7],
    ],
    [[99.99, 4]],
  );

  it('names the level a cancel or trade removed, with its size before the step', () => {
    const after = book(6, [[100.02, 7]], [[99.99, 4]]);
    expect(
      emptiedLevel(before, after, { kind: 'cancel', side: 'ask', price: 100.01, size: 3, ours: false }, 0.01),
    ).toEqual({
      side: 'ask',
      price: 100.01,
      sizeBefore: 3,
    });
    expect(
      emptiedLevel(before, after, { kind: 'trade', side: 'ask', price: 100.01, size: 3, ours: false }, 0.01),
    ).toEqual({
      side: 'ask',
      price: 100.01,
      sizeBefore: 3,
    });
  });

  it('is undefined when the level is still there, for other events, or before the step has landed', () => {
    const smaller = book(
      6,
      [
        [100.01, 1],
        [100.02, 7],
      ],
      [[99.99, 4]],
    );
    const cancel = { kind: 'cancel' as const, side: 'ask' as const, price: 100.01, size: 2, ours: false };
    expect(emptiedLevel(before, smaller, cancel, 0.01)).toBeUndefined();
    const gone = book(6, [[100.02, 7]], [[99.99, 4]]);
    expect(emptiedLevel(before, gone, { ...cancel, kind: 'add' }, 0.01)).toBeUndefined();
    expect(emptiedLevel(before, gone, { ...cancel, side: 'bid' }, 0.01)).toBeUndefined();
    expect(emptiedLevel(before, before, cancel, 0.01)).toBeUndefined(); // same seq: not stepped yet
    expect(emptiedLevel(null, gone, cancel, 0.01)).toBeUndefined();
  });
});
