// The live paper feed against the fake Binance on 127.0.0.1 (core/data/fake-exchange.fixture.ts):
// a paper session on ccxt.pro's watchOrderBook/watchTrades, recorded with --record; the backtest
// replay of the recording gives the session's own fills, fill by fill. With a dropped connection and a
// sequence gap, the feed resyncs from a new snapshot and the session reconciles on the reconnect.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestConfigSchema } from '../backtest/config';
import { loadMarketInputs, runBacktest } from '../backtest/run';
import { EVENT_KIND } from '../data/catalog';
import {
  scriptedMarket,
  startFakeExchange,
  unifiedSymbol,
  type FakeFaults,
} from '../data/fake-exchange.fixture';
import { parseConfigText } from '../config/load-config';
import { Journal } from '../paper/journal';
import { PaperService } from '../services/paper-service';
import { openLiveFeed, type LiveFeed } from './live-feed';

const dir = mkdtempSync(join(tmpdir(), 'qb-live-feed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODELS = {
  fees: { makerBps: -1, takerBps: 4, perLot: 0 },
  latency: {
    entry: { model: 'constant', value: 0.02 },
    cancel: { model: 'constant', value: 0.01 },
    marketData: { model: 'constant', value: 0 },
  },
  queue: { model: 'risk-averse' },
  depthLevels: 5,
  postOnly: true,
} as const;
const LOT = 0.01;
const STRATEGY = { type: 'fixed-spread', halfSpread: 0.015, skewPerLot: 0.001, orderSizeLots: 1 };

async function liveSession(label: string, faults: FakeFaults) {
  const s = scriptedMarket({ kind: 'usdm', diffs: 300, liveTrades: 400, seed: 11 });
  const f = await startFakeExchange(s, faults);
  const dataDir = join(dir, label);
  let feed: LiveFeed | null = null;
  const notes: string[] = [];
  const svc = new PaperService({
    dataDir,
    openLiveFeed: async (o) => (feed = await openLiveFeed(o)),
    onNote: (m) => notes.push(m),
  });
  try {
    await svc.start({
      venue: 'paper',
      exchange: 'binanceusdm',
      symbol: unifiedSymbol(s),
      exchangeUrl: f.url,
      quoter: { kind: 'classical', strategy: STRATEGY },
      lotSize: LOT,
      decisionIntervalMs: 250,
      record: true,
      ...MODELS,
    });
    // Hang guard only: every scripted update and trade has reached the tape.
    const nTrades = s.live!.trades.length;
    const seen = (): { trades: number; maxSeq: number } => {
      const t = feed!.tape;
      let trades = 0;
      let maxSeq = 0;
      for (let i = 0; i < t.count; i++)
        if (t.kind[i] === EVENT_KIND.trade) trades++;
        else if (t.seq[i]! > maxSeq) maxSeq = t.seq[i]!;
      return { trades, maxSeq };
    };
    await f.done;
    for (let i = 0; i < 6000; i++) {
      const x = seen();
      if (x.trades >= nTrades && x.maxSeq >= f.lastUpdateId()) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen().trades).toBe(nTrades);
    const details = svc.details()!;
    await svc.stop();
    return { svc, feed: feed!, details, notes, dataDir, dataset: svc.recordedDatasetId() };
  } finally {
    await svc.close();
    await f.close();
  }
}

function replayOf(dataDir: string, dataset: string) {
  const cfg = parseConfigText(
    JSON.stringify({
      seed: 1,
      paths: 1,
      scenario: {
        mode: 'replay',
        dataset,
        lotSize: LOT,
        decisionInterval: 0.25,
        sampleInterval: 60,
        ...MODELS,
      },
      strategies: [STRATEGY],
    }),
    'backtest.yaml',
    backtestConfigSchema,
  );
  return { cfg };
}

describe('live paper feed (fake Binance USD-M on 127.0.0.1)', () => {
  it('a recorded live session and the backtest replay of its recording: the same fills', async () => {
    const r = await liveSession('clean', {});
    expect(r.dataset).not.toBeNull();
    const j = new Journal(r.details.journalPath);
    const paper = j.fills();
    j.close();
    const { cfg } = replayOf(r.dataDir, r.dataset!);
    const market = await loadMarketInputs(cfg.scenario, r.dataDir);
    const replay: { side: number; price: number; size: number }[] = [];
    runBacktest(cfg, {
      market,
      onPath: (_run, p) => {
        for (let i = 0; i < p.fills.count; i++)
          replay.push({ side: p.fills.side[i]!, price: p.fills.price[i]!, size: p.fills.size[i]! });
      },
    });
    expect(replay.length).toBeGreaterThan(5);
    expect(paper.map((f) => [f.side === 'buy' ? 0 : 1, f.price])).toEqual(
      replay.map((f) => [f.side, f.price]),
    );
    for (let i = 0; i < replay.length; i++) expect(paper[i]!.amount / LOT).toBeCloseTo(replay[i]!.size, 9);
  }, 120_000);

  it('a dropped connection and a sequence gap: resynced from new snapshots, reconciled on the reconnect', async () => {
    const r = await liveSession('faults', { dropWsAfter: 100, gapAt: 200 });
    expect(r.feed.resyncs).toBe(2); // a snapshot after the reconnect and one after the gap
    expect(r.details.counters.reconciliations).toBeGreaterThanOrEqual(2);
    expect(r.details.counters.decisions).toBeGreaterThan(10);
    expect(r.notes.some((n) => /sequence gap/.test(n))).toBe(true);
  }, 120_000);
});
