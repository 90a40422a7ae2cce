/**
 * The order-book session on a recorded dataset (LOBSTER AAPL, the first 998 messages of
 * ../shared/data), through the service as a client drives it: start, pause, step one recorded event at
 * a time, seek. The reference is the raw LOBSTER orderbook file (row k = the book after message k),
 * not the importer's tables; plus: a path stepped one event at a time is the backtest's path.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookSnapshot, ReplayState } from '../api/contract';
import { importLobster } from '../data/lobster-import';
import { DEFAULT_LOBSTER_DIR } from '../data/lobster-replay';
import { ReplayMarket } from '../replay/replay-market';
import { replayScenarioSchema, toReplayScenario } from '../replay/scenario';
import { loadTape, type ReplayTape } from '../replay/tape';
import { clearDecision, runPath } from '../sim/simulator';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { emptyDecision, emptyObservation, type Quoter } from '../strategy/quoter';
import { AppService } from './app-service';

const AAPL = path.join(DEFAULT_LOBSTER_DIR, 'AAPL_2012-06-21_L10');
const MESSAGES = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv');
const ORDERBOOK = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv');
const ctx = { clientId: 'test' };

let dataDir = '';
let datasetId = '';
let tape: ReplayTape;
/** The raw orderbook file: per message row, [ask, askSize, bid, bidSize] (prices in dollars). */
let tops: number[][] = [];
let svc: AppService;
const snapshots: BookSnapshot[] = [];
const states: ReplayState[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'qb-replay-session-'));
  const r = await importLobster({ dataDir, messagePath: MESSAGES, orderbookPath: ORDERBOOK });
  datasetId = r.info.id;
  tape = await loadTape(dataDir, datasetId);
  tops = readFileSync(ORDERBOOK, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const c = line.split(',').map(Number);
      return [c[0]! / 10_000, c[1]!, c[2]! / 10_000, c[3]!];
    });
  svc = new AppService({ dataDir, transport: 'websocket', version: '0.0.0-test' });
  svc.bus.subscribe('book.snapshot', (s) => snapshots.push(s));
  svc.bus.subscribe('replay.state', (s) => states.push(s));
}, 120_000);

afterAll(async () => {
  await svc?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function call<T>(method: string, input: unknown): Promise<T> {
  const r = await svc.dispatch(method, input, ctx);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.path}: ${r.error.message}`);
  return r.output as T;
}

const STRATEGY = { type: 'fixed-spread', halfSpread: 0.3, skewPerLot: 0, orderSizeLots: 1 };

/** The recorded top after the last event the state says was applied. */
function recordedTop(st: ReplayState): number[] {
  const last = (st.event ?? 0) - 1;
  const seq = tape.seq[last]!; // LOBSTER: seq = the message row (1-based)
  return tops[seq - 1]!;
}

/** The best recorded level of a side: the ladder adds our orders, so take them out. */
function bestRecorded(levels: BookSnapshot['bids']): { price: number; size: number } | undefined {
  return levels.map((l) => ({ price: l.price, size: l.size - l.ours })).find((l) => l.size > 0);
}

function expectLadderAtRecordedTop(snap: BookSnapshot, st: ReplayState): void {
  const [ask, askSize, bid, bidSize] = recordedTop(st);
  const b = bestRecorded(snap.bids);
  const a = bestRecorded(snap.asks);
  expect(b?.price).toBeCloseTo(bid!, 9);
  expect(b?.size).toBe(bidSize);
  expect(a?.price).toBeCloseTo(ask!, 9);
  expect(a?.size).toBe(askSize);
}

const waitFor = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('order-book session on a dataset', () => {
  it('steps one recorded event at a time; the best bid and ask are the file’s after every step', async () => {
    const started = await call<ReplayState>('replay.start', {
      source: 'dataset',
      dataset: datasetId,
      strategy: STRATEGY,
      queue: 'fifo',
      latency: 0.001,
      speed: 1,
      depthLevels: 5,
    });
    expect(started).toMatchObject({ source: 'dataset', status: 'running', events: tops.length });
    expect(started.tickSize).toBeCloseTo(0.01, 12);
    const sessionId = started.sessionId;
    const paused = await call<ReplayState>('replay.control', { sessionId, action: 'pause' });
    let prevEvent = paused.event ?? 0;
    let withOurs = 0;
    let queued = 0;
    let alone = 0;
    const kinds = new Set<string>();
    let trades = 0;
    for (let k = 0; k < 600; k++) {
      const st = await call<ReplayState>('replay.control', { sessionId, action: 'step' });
      if (st.status === 'finished') break;
      expect(st.event).toBe(prevEvent + 1); // exactly one recorded event per step
      prevEvent = st.event!;
      const snap = snapshots.at(-1)!;
      expect(snap.sessionId).toBe(sessionId);
      expectLadderAtRecordedTop(snap, st);
      // Our orders sit at a price with a queue ahead no larger than the level.
      for (const o of snap.ours) {
        withOurs++;
        expect(o.size).toBe(1);
        const side = o.side === 'buy' ? snap.bids : snap.asks;
        const level = side.find((l) => Math.abs(l.price - o.price) < 1e-9);
        const worst = side.at(-1)!.price;
        const shown = side.length < 5 || (o.side === 'buy' ? o.price >= worst : o.price <= worst);
        expect(o.queueAhead).toBeGreaterThanOrEqual(0);
        // Within the ladder's depth our order is on it (its level holds it), behind at most the rest.
        if (shown) {
          expect(level?.ours).toBe(o.size);
          expect(o.queueAhead).toBeLessThanOrEqual(level!.size - level!.ours);
        }
        if (level && level.size === level.ours) alone++;
        if (o.queueAhead > 0) queued++;
      }
      // The step says which recorded message it applied; an execution is reported as a trade too.
      const i = st.event! - 1;
      const want = { 1: 'add', 2: 'cancel', 3: 'cancel', 4: 'trade', 5: 'trade' }[tape.kind[i]!];
      if (want !== undefined) {
        expect(st.lastEvent).toMatchObject({
          kind: want,
          side: tape.side[i] === 1 ? 'bid' : 'ask',
          size: tape.size[i],
        });
        expect(st.lastEvent?.price).toBeCloseTo(tape.price[i]!, 9);
        kinds.add(want);
      }
      if (tape.kind[i] === 4) {
        trades++;
        const rec = snap.trades.find((t) => !t.ours);
        expect(rec?.price).toBeCloseTo(tape.price[i]!, 9);
        expect(rec?.size).toBe(tape.size[i]);
      }
    }
    // The run exercised what it checks.
    expect(withOurs).toBeGreaterThan(50);
    expect(queued).toBeGreaterThan(0);
    expect(alone).toBeGreaterThan(0); // a level of ours alone (inside the spread) is on the ladder too
    expect(trades).toBeGreaterThan(0);
    expect([...kinds].sort()).toEqual(['add', 'cancel', 'trade']);
    await call('replay.control', { sessionId, action: 'stop' });
  });

  it('seeks back and forth in recorded time; the book there is the file’s', async () => {
    const started = await call<ReplayState>('replay.start', {
      source: 'dataset',
      dataset: datasetId,
      strategy: STRATEGY,
      speed: 0,
      depthLevels: 5,
    });
    const sessionId = started.sessionId;
    await waitFor(() => states.some((s) => s.sessionId === sessionId && s.status === 'finished'));
    const horizon = started.horizon;
    for (const frac of [0.5, 0.1, 0.8]) {
      const n = snapshots.length;
      const k = states.length;
      const st = await call<ReplayState>('replay.control', { sessionId, action: 'seek', t: horizon * frac });
      expect(st.seeking).toBe(true);
      await waitFor(() => states.slice(k).some((s) => s.sessionId === sessionId && !s.seeking));
      const done = states.slice(k).find((s) => s.sessionId === sessionId && !s.seeking)!;
      expect(done.status).toBe('paused');
      expect(done.t).toBeLessThanOrEqual(horizon * frac + 1e-9);
      const snap = snapshots.at(-1)!;
      expect(snapshots.length).toBeGreaterThan(n);
      expectLadderAtRecordedTop(snap, done);
      // The next recorded event lies after the target: the book is the one at that time.
      const next = done.event!;
      if (next < tape.count) expect(tape.t[next]! - tape.t[0]!).toBeGreaterThan(horizon * frac - 1e-9);
    }
    await call('replay.control', { sessionId, action: 'stop' });
  });

  it('names the dataset field when the dataset is not in the catalog', async () => {
    const r = await svc.dispatch(
      'replay.start',
      { source: 'dataset', dataset: 'NOPE_1999-01-01', strategy: STRATEGY },
      ctx,
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found', path: 'dataset' } });
    const noStrategy = await svc.dispatch('replay.start', { source: 'dataset', dataset: datasetId }, ctx);
    expect(noStrategy).toMatchObject({ ok: false, error: { code: 'invalid_input', path: 'strategy' } });
  });

  it('a path stepped one recorded event at a time is the backtest path (same fills, same series)', () => {
    for (const latency of [
      { entry: { model: 'constant', value: 0.002 }, cancel: { model: 'constant', value: 0.001 } },
      {
        entry: { model: 'uniform', min: 0, max: 0.01 },
        marketData: { model: 'lognormal', median: 0.002, sigma: 1 },
      },
    ]) {
      const sc = toReplayScenario(
        replayScenarioSchema.parse({ mode: 'replay', dataset: datasetId, latency, decisionInterval: 0.05 }),
        tape,
      );
      const quoter = () => new FixedSpreadQuoter({ halfSpread: 0.05, skewPerLot: 0.01, orderSizeLots: 2 });
      const ref = runPath(new ReplayMarket(tape, sc), quoter(), 7, 0);
      const m = new ReplayMarket(tape, sc);
      const q: Quoter = quoter();
      m.restart(7);
      q.reset({ seed: 7, pathIndex: 0 });
      const obs = emptyObservation();
      const dec = emptyDecision();
      let events = 0;
      for (;;) {
        const r = m.advanceEvent(obs);
        if (r === 'end') break;
        if (r === 'event') events++;
        else {
          clearDecision(dec);
          q.quote(obs, dec);
          m.act(dec);
        }
      }
      const got = m.result();
      expect(events).toBeGreaterThan(900);
      expect(ref.fills.count).toBeGreaterThan(0);
      expect(got.fills.count).toBe(ref.fills.count);
      expect(Array.from(got.fills.price.subarray(0, got.fills.count))).toEqual(
        Array.from(ref.fills.price.subarray(0, ref.fills.count)),
      );
      expect(Array.from(got.fills.t.subarray(0, got.fills.count))).toEqual(
        Array.from(ref.fills.t.subarray(0, ref.fills.count)),
      );
      expect(Array.from(got.series.pnl)).toEqual(Array.from(ref.series.pnl));
      expect(Array.from(got.series.bid)).toEqual(Array.from(ref.series.bid));
    }
  });
});
