// The order-book store with a dataset source: what replay.start is sent, the tick the session reports,
// and a seek restarting the chart at the target (time jumps back; lightweight-charts needs increasing
// times, so the history must go).
import { describe, expect, it } from 'vitest';
import type { BookSnapshot, DatasetInfo, ReplayState, ScenarioPreset } from '../../../core/api/contract';
import { FakeApi, settle } from '../testing/fake-api';
import type { FrameBatch } from './replay-store';
import { RootStore } from './root-store';

const PRESET: ScenarioPreset = {
  id: 'book-default',
  title: 'book-default',
  description: '',
  mode: 'book',
  yaml: 'name: b\nseed: 7\npaths: 1\nscenario:\n  mode: book\n  tickSize: 0.01\n  lotSize: 1\nstrategies:\n  - type: fixed-spread\n    halfSpread: 0.01\n',
};

const DATASET = {
  formatVersion: 1,
  id: '0123456789abcdef',
  name: 'AAPL_2012-06-21',
  venue: 'NASDAQ',
  symbol: 'AAPL',
  format: 'lobster',
  levels: 10,
  firstTsNs: '0',
  lastTsNs: '49000000000',
  counts: { events: 999, bookEvents: 990, trades: 9 },
  contentHash: 'x',
  sources: [],
  verification: {},
} satisfies DatasetInfo;

const state = (over: Partial<ReplayState> = {}): ReplayState => ({
  sessionId: 's1',
  status: 'running',
  speed: 1,
  t: 0,
  horizon: 49,
  source: 'dataset',
  tickSize: 0.0001,
  ...over,
});

function snap(seq: number, t: number): BookSnapshot {
  return {
    sessionId: 's1',
    seq,
    t,
    updates: 1,
    bids: [{ price: 585.33, size: 18, ours: 0 }],
    asks: [{ price: 585.94, size: 200, ours: 0 }],
    ours: [],
    trades: [],
    ticks: { t: [t], mid: [585.6], bid: [null], ask: [null] },
    inventory: 0,
    pnl: 0,
    cash: 0,
    event: seq + 1,
  };
}

describe('ReplayStore with a dataset source', () => {
  it('starts a replay of the picked dataset with the queue model, and a seek restarts the chart there', async () => {
    const api = new FakeApi()
      .on('data.list', () => [DATASET])
      .on('scenarios.presets', () => [PRESET])
      .on('runs.list', () => [])
      .on('jobs.list', () => [])
      .on('replay.start', () => state())
      .on('replay.control', (i) =>
        state(i.action === 'seek' ? { status: 'paused', seeking: true, t: 0 } : { status: 'paused' }),
      );
    const frames: (() => void)[] = [];
    let now = 0;
    const root = new RootStore(api, { scheduleFrame: (cb) => frames.push(cb), now: () => (now += 16) });
    root.start();
    await settle();
    const replay = root.replay;
    expect(replay.canStart).toBe(true);
    replay.setSource('dataset');
    expect(replay.datasetId).toBe(DATASET.id); // the first of the catalog
    replay.setQueue('fifo');
    await replay.start();
    const input = api.callsOf('replay.start')[0] as { yaml?: string; preset?: string };
    expect(input.preset).toBeUndefined();
    expect(input.yaml).toMatch(/mode: replay/);
    expect(input.yaml).toContain(`dataset: ${DATASET.id}`);
    expect(input.yaml).toMatch(/queue:\s*\n\s*model: fifo/);
    expect(input.yaml).toMatch(/type: fixed-spread/); // the preset's strategy quotes
    expect(replay.priceDecimals).toBe(4); // the session's tick, not the preset's 0.01

    frames.splice(0).forEach((f) => f());
    const batches: FrameBatch[] = [];
    replay.addFrameListener((b) => batches.push(b));
    for (let i = 0; i < 40; i++) api.emit('book.snapshot', snap(i, 10 + i * 0.5));
    frames.splice(0).forEach((f) => f());
    expect(batches.at(-1)?.points.at(-1)?.t).toBeGreaterThan(25);

    await replay.seek(5);
    expect(api.callsOf('replay.control').at(-1)).toMatchObject({ action: 'seek', t: 5 });
    expect(replay.state?.seeking).toBe(true);
    batches.length = 0;
    api.emit('book.snapshot', snap(100, 5));
    frames.splice(0).forEach((f) => f());
    // One reset: the history before the seek is gone, and the chart goes on from the target.
    const reset = batches.find((b) => b.reset);
    expect(reset).toBeDefined();
    const points = batches.flatMap((b) => b.points);
    expect(points.every((p) => p.t <= 5)).toBe(true);
    expect(points.length).toBeGreaterThan(0);
    expect(replay.view?.event).toBe(101);
  });
});
