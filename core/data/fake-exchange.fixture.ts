/**
 * A fake Binance for the ccxt download and record tests: a real HTTP server and a real WebSocket server
 * on 127.0.0.1 (a random port) that answer in Binance's documented formats, from deterministic scripted
 * data, with failures injected on request.
 *
 * One origin serves every host ccxt knows for Binance (the CLI's --exchange-url rewrites all of them
 * to it, keeping their paths):
 *   spot   GET /api/v3/exchangeInfo, /api/v3/depth, /api/v3/aggTrades, /api/v3/trades, /api/v3/klines
 *   USD-M  GET /fapi/v1/exchangeInfo, /fapi/v1/depth, /fapi/v1/aggTrades, /fapi/v1/trades, /fapi/v1/klines
 *   ws     any path (spot /ws/<n>, USD-M /public/ws/<n>, /market/ws/<n>): {"method":"SUBSCRIBE",
 *          "params":["btcusdt@depth@100ms", "btcusdt@trade"], "id":1} → {"result":null,"id":1}, then
 *          depthUpdate events (e, E, s, U, u, b, a; USD-M also T and pu) and trade / aggTrade events.
 *
 * REST paging follows Binance: aggTrades by fromId, or by startTime/endTime (at most one hour apart,
 * else error -1127), limit ≤ 1000; klines by startTime/endTime, limit ≤ 1000; depth by limit. The depth
 * endpoint serves, in download mode, the scripted snapshots one per call (the last one repeats); in live
 * mode the live book as of the last update the live stream has applied.
 *
 * The live stream (record): the first depth subscription starts a timeline of scripted updates applied
 * to the fake's book. Five go out at once (a client buffers them until its snapshot); the timeline then
 * waits for the first REST depth request, which takes its snapshot, sends three more updates and only
 * then answers (so the client must drop, straddle and apply by the venue's rules); the rest follow a
 * few ms apart, to whoever is subscribed at the time. After a dropped connection, and after the event
 * that follows a gap, the timeline waits for the client's next snapshot request, so every fault is
 * seen by the client whatever the speed of the machine. Trades stream from the first trade
 * subscription, a few ms apart. `done` resolves when both timelines have finished.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type FakeMarketKind = 'spot' | 'usdm';
/** A price level as Binance sends it: [price, quantity] as decimal strings. */
export type FakeLevel = [string, string];

export interface FakeTrade {
  /** Aggregate trade id (`a`); also the trade id of the trade stream. */
  id: number;
  price: string;
  qty: string;
  /** ms since the epoch */
  time: number;
  /** true: the buyer was the maker (a sell-initiated trade). */
  buyerMaker: boolean;
}

export interface FakeKline {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export interface FakeBook {
  lastUpdateId: number;
  /** Best first. */
  bids: FakeLevel[];
  asks: FakeLevel[];
  /** Event/transaction time of the snapshot (USD-M sends E and T; spot sends neither). */
  time: number;
}

/** One scripted change of the live book: absolute quantities, 0 removes the level. */
export interface FakeDiff {
  time: number;
  b: FakeLevel[];
  a: FakeLevel[];
  /** How many update ids the event spans (U … u); 1 when omitted. */
  span?: number;
}

export interface FakeScript {
  kind: FakeMarketKind;
  /** Binance market id, e.g. BTCUSDT; unified symbol BASE/QUOTE (spot) or BASE/QUOTE:QUOTE (USD-M). */
  id: string;
  base: string;
  quote: string;
  tickSize: string;
  stepSize: string;
  /** REST trade history, ascending ids. */
  trades: FakeTrade[];
  /** REST 1m klines, ascending open times. */
  klines: FakeKline[];
  /** REST snapshots served one per depth call in download mode. */
  snapshots: FakeBook[];
  live: { book: FakeBook; diffs: FakeDiff[]; trades: FakeTrade[] } | null;
}

export interface FakeFaults {
  /** Answer the first request whose path ends with this (e.g. "aggTrades") with HTTP 429 once. */
  http429Once?: string;
  /** … with HTTP 500 once. */
  http500Once?: string;
  /** Answer every request whose path ends with this with truncated JSON. */
  malformed?: string;
  /** Answer every request whose path ends with this with the payload passed through this function. */
  mangle?: { path: string; fn: (body: unknown) => unknown };
  /** Answer every request whose path ends with `path` with this HTTP status and JSON body. */
  httpError?: { path: string; status: number; body: unknown };
  /** After answering `answered` requests whose path ends with `path`, never answer another one. */
  stallAfter?: { path: string; answered: number };
  /** Close the depth connections (terminate the socket) after sending live diff number k (0-based), once. */
  dropWsAfter?: number;
  /** Apply live diff number k but do not send it (a sequence gap for the client). */
  gapAt?: number;
}

export interface FakeExchange {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Every HTTP request, as "GET /api/v3/depth?symbol=…". */
  requests: string[];
  /** Subscriptions received over the websocket ("btcusdt@depth@100ms", …). */
  subscriptions: string[];
  /** Websocket connections accepted so far. */
  connections(): number;
  /** The live book now (after every update applied so far), best first. */
  liveBook(): FakeBook;
  /** The last update id the live book has applied. */
  lastUpdateId(): number;
  /** Resolves when every live diff and live trade has been sent (or skipped by `gapAt`). */
  done: Promise<void>;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** A small deterministic generator (LCG; no Math.random in fixtures either). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const px = (ticks: number): string => (ticks / 100).toFixed(2);
const qty = (lots: number): string => (lots / 1000).toFixed(3);

/**
 * Scripted data for one market: `trades` aggregate trades from `start` (ms) a few hundred ms apart
 * with one quiet stretch of more than an hour (so time-window paging must move on over an empty window),
 * `klines` 1m bars, `snapshots` REST books of `levels` levels, and a live book with `diffs` updates and
 * `liveTrades` trades.
 */
export function scriptedMarket(opts: {
  kind: FakeMarketKind;
  seed?: number;
  start?: number;
  trades?: number;
  klines?: number;
  snapshots?: number;
  levels?: number;
  diffs?: number;
  liveTrades?: number;
}): FakeScript {
  const r = rng(opts.seed ?? 7);
  const start = opts.start ?? Date.UTC(2026, 0, 5, 12, 0, 0);
  const levels = opts.levels ?? 20;
  const trades: FakeTrade[] = [];
  let t = start;
  let mid = 4_000_000; // ticks of 0.01: 40,000.00
  const nTrades = opts.trades ?? 0;
  for (let i = 0; i < nTrades; i++) {
    t += 1 + Math.floor(r() * 400);
    if (i === Math.floor(nTrades / 2)) t += HOUR_MS + 17 * MINUTE_MS; // a quiet stretch
    mid += Math.floor(r() * 5) - 2;
    trades.push({
      id: 100_000 + i,
      price: px(mid),
      qty: qty(1 + Math.floor(r() * 2000)),
      time: t,
      buyerMaker: r() < 0.5,
    });
  }
  const klines: FakeKline[] = [];
  let open = 4_000_000;
  const k0 = Math.floor(start / MINUTE_MS) * MINUTE_MS;
  for (let i = 0; i < (opts.klines ?? 0); i++) {
    const close = open + Math.floor(r() * 201) - 100;
    const high = Math.max(open, close) + Math.floor(r() * 50);
    const low = Math.min(open, close) - Math.floor(r() * 50);
    klines.push({
      openTime: k0 + i * MINUTE_MS,
      open: px(open),
      high: px(high),
      low: px(low),
      close: px(close),
      volume: qty(Math.floor(r() * 100_000)),
    });
    open = close;
  }
  const book = (id: number, time: number, m: number): FakeBook => ({
    lastUpdateId: id,
    time,
    bids: Array.from({ length: levels }, (_, i): FakeLevel => [
      px(m - 1 - i),
      qty(1 + Math.floor(r() * 5000)),
    ]),
    asks: Array.from({ length: levels }, (_, i): FakeLevel => [
      px(m + 1 + i),
      qty(1 + Math.floor(r() * 5000)),
    ]),
  });
  const snapshots = Array.from({ length: opts.snapshots ?? 0 }, (_, i) =>
    book(5_000_000 + 137 * i, start + 1000 * i, 4_000_000 + Math.floor(r() * 21) - 10),
  );
  let live: FakeScript['live'] = null;
  if (opts.diffs !== undefined || opts.liveTrades !== undefined) {
    const b0 = book(9_000_000, start, 4_000_000);
    const diffs: FakeDiff[] = [];
    // the fake's own view of the book, to script changes that keep it uncrossed
    const bids = new Map(b0.bids.map(([p, q]) => [Math.round(Number(p) * 100), q]));
    const asks = new Map(b0.asks.map(([p, q]) => [Math.round(Number(p) * 100), q]));
    for (let i = 0; i < (opts.diffs ?? 0); i++) {
      const b: FakeLevel[] = [];
      const a: FakeLevel[] = [];
      const n = 1 + Math.floor(r() * 3);
      for (let j = 0; j < n; j++) {
        const bid = r() < 0.5;
        const side = bid ? bids : asks;
        const other = bid ? asks : bids;
        const best = bid ? Math.max(...bids.keys()) : Math.min(...asks.keys());
        const bestOther = bid ? Math.min(...other.keys()) : Math.max(...other.keys());
        let p = best + (bid ? 1 : -1) * (Math.floor(r() * 8) - 2);
        if (bid ? p >= bestOther : p <= bestOther) p = bestOther + (bid ? -1 : 1);
        const remove = side.has(p) && side.size > 3 && r() < 0.3;
        const q = remove ? '0.000' : qty(1 + Math.floor(r() * 5000));
        if (remove) side.delete(p);
        else side.set(p, q);
        (bid ? b : a).push([px(p), q]);
      }
      diffs.push({ time: start + 100 * (i + 1), b, a, span: 1 + Math.floor(r() * 3) });
    }
    const liveTrades: FakeTrade[] = [];
    for (let i = 0; i < (opts.liveTrades ?? 0); i++)
      liveTrades.push({
        id: 700_000 + i,
        price: px(4_000_000 + Math.floor(r() * 7) - 3),
        qty: qty(1 + Math.floor(r() * 900)),
        time: start + 37 * (i + 1),
        buyerMaker: r() < 0.5,
      });
    live = { book: b0, diffs, trades: liveTrades };
  }
  return {
    kind: opts.kind,
    id: 'BTCUSDT',
    base: 'BTC',
    quote: 'USDT',
    tickSize: '0.01',
    stepSize: '0.001',
    trades,
    klines,
    snapshots,
    live,
  };
}

/** The unified ccxt symbol of a script's market. */
export function unifiedSymbol(s: FakeScript): string {
  return s.kind === 'spot' ? `${s.base}/${s.quote}` : `${s.base}/${s.quote}:${s.quote}`;
}

function exchangeInfo(s: FakeScript): unknown {
  const filters = [
    { filterType: 'PRICE_FILTER', minPrice: s.tickSize, maxPrice: '1000000.00', tickSize: s.tickSize },
    { filterType: 'LOT_SIZE', minQty: s.stepSize, maxQty: '9000.000', stepSize: s.stepSize },
    { filterType: 'MARKET_LOT_SIZE', minQty: s.stepSize, maxQty: '100.000', stepSize: s.stepSize },
  ];
  if (s.kind === 'spot')
    return {
      timezone: 'UTC',
      serverTime: Date.UTC(2026, 0, 5),
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }],
      exchangeFilters: [],
      symbols: [
        {
          symbol: s.id,
          status: 'TRADING',
          baseAsset: s.base,
          baseAssetPrecision: 8,
          quoteAsset: s.quote,
          quotePrecision: 8,
          quoteAssetPrecision: 8,
          orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
          icebergAllowed: true,
          ocoAllowed: true,
          isSpotTradingAllowed: true,
          isMarginTradingAllowed: false,
          filters: [...filters, { filterType: 'NOTIONAL', minNotional: '5.00', maxNotional: '9000000.00' }],
          permissions: [],
          permissionSets: [['SPOT']],
        },
      ],
    };
  return {
    timezone: 'UTC',
    serverTime: Date.UTC(2026, 0, 5),
    rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 }],
    exchangeFilters: [],
    assets: [{ asset: s.quote, marginAvailable: true }],
    symbols: [
      {
        symbol: s.id,
        pair: s.id,
        contractType: 'PERPETUAL',
        deliveryDate: 4133404800000,
        onboardDate: 1569398400000,
        status: 'TRADING',
        maintMarginPercent: '2.5000',
        requiredMarginPercent: '5.0000',
        baseAsset: s.base,
        quoteAsset: s.quote,
        marginAsset: s.quote,
        pricePrecision: 2,
        quantityPrecision: 3,
        baseAssetPrecision: 8,
        quotePrecision: 8,
        underlyingType: 'COIN',
        settlePlan: 0,
        triggerProtect: '0.0500',
        filters: [...filters, { filterType: 'MIN_NOTIONAL', notional: '100' }],
        orderTypes: ['LIMIT', 'MARKET'],
        timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
      },
    ],
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v)) throw new HttpError(400, -1100, `Illegal characters found in parameter '${name}'.`);
  return Number(v);
}

function limitParam(q: URLSearchParams, def: number, max: number): number {
  const l = intParam(q, 'limit') ?? def;
  if (l < 1 || l > max) throw new HttpError(400, -1130, `Invalid limit: ${l}.`);
  return l;
}

function aggTradeJson(t: FakeTrade, kind: FakeMarketKind): Record<string, unknown> {
  const j: Record<string, unknown> = {
    a: t.id,
    p: t.price,
    q: t.qty,
    f: t.id * 2,
    l: t.id * 2 + 1,
    T: t.time,
    m: t.buyerMaker,
  };
  if (kind === 'spot') j.M = true;
  return j;
}

/** Binance's aggTrades paging rules over the scripted trades. */
function aggTrades(s: FakeScript, q: URLSearchParams): unknown {
  const limit = limitParam(q, 500, 1000);
  const fromId = intParam(q, 'fromId');
  const startTime = intParam(q, 'startTime');
  const endTime = intParam(q, 'endTime');
  if (startTime !== undefined && endTime !== undefined && endTime - startTime > HOUR_MS)
    throw new HttpError(400, -1127, 'More than 1 hours between startTime and endTime.');
  let rows = s.trades;
  if (fromId !== undefined) rows = rows.filter((t) => t.id >= fromId);
  if (startTime !== undefined) rows = rows.filter((t) => t.time >= startTime);
  if (endTime !== undefined) rows = rows.filter((t) => t.time <= endTime);
  const none = fromId === undefined && startTime === undefined && endTime === undefined;
  rows = none ? rows.slice(-limit) : rows.slice(0, limit);
  return rows.map((t) => aggTradeJson(t, s.kind));
}

function klines(s: FakeScript, q: URLSearchParams): unknown {
  if (q.get('interval') !== '1m') throw new HttpError(400, -1120, 'Invalid interval.');
  const limit = limitParam(q, 500, s.kind === 'spot' ? 1000 : 1500);
  const startTime = intParam(q, 'startTime');
  const endTime = intParam(q, 'endTime');
  let rows = s.klines;
  if (startTime !== undefined) rows = rows.filter((k) => k.openTime >= startTime);
  if (endTime !== undefined) rows = rows.filter((k) => k.openTime <= endTime);
  rows = startTime === undefined ? rows.slice(-limit) : rows.slice(0, limit);
  return rows.map((k) => [
    k.openTime,
    k.open,
    k.high,
    k.low,
    k.close,
    k.volume,
    k.openTime + MINUTE_MS - 1,
    (Number(k.volume) * Number(k.close)).toFixed(4),
    42,
    (Number(k.volume) / 2).toFixed(3),
    ((Number(k.volume) / 2) * Number(k.close)).toFixed(4),
    '0',
  ]);
}

function depthJson(b: FakeBook, kind: FakeMarketKind, limit: number): unknown {
  const j: Record<string, unknown> = { lastUpdateId: b.lastUpdateId };
  if (kind === 'usdm') {
    j.E = b.time + 3;
    j.T = b.time;
  }
  j.bids = b.bids.slice(0, limit);
  j.asks = b.asks.slice(0, limit);
  return j;
}

/** A book kept as price → quantity maps (prices as the scripted strings), best first on read. */
class LiveBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  lastUpdateId: number;
  time: number;

  constructor(b: FakeBook) {
    for (const [p, q] of b.bids) this.bids.set(p, q);
    for (const [p, q] of b.asks) this.asks.set(p, q);
    this.lastUpdateId = b.lastUpdateId;
    this.time = b.time;
  }

  apply(d: FakeDiff): void {
    for (const [p, q] of d.b)
      if (Number(q) === 0) this.bids.delete(p);
      else this.bids.set(p, q);
    for (const [p, q] of d.a)
      if (Number(q) === 0) this.asks.delete(p);
      else this.asks.set(p, q);
    this.time = d.time;
  }

  snapshot(): FakeBook {
    const sorted = (m: Map<string, string>, desc: boolean): FakeLevel[] =>
      [...m.entries()].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));
    return {
      lastUpdateId: this.lastUpdateId,
      time: this.time,
      bids: sorted(this.bids, true),
      asks: sorted(this.asks, false),
    };
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startFakeExchange(script: FakeScript, faults: FakeFaults = {}): Promise<FakeExchange> {
  const requests: string[] = [];
  const subscriptions: string[] = [];
  const once = new Set<string>();
  let snapshotCalls = 0;
  let stallCount = 0;
  const live = script.live !== null ? new LiveBook(script.live.book) : null;
  const depthSockets = new Set<WebSocket>();
  /** Trade subscribers and the stream each asked for (trade or aggTrade). */
  const tradeSockets = new Map<WebSocket, 'trade' | 'aggTrade'>();
  const allSockets = new Set<WebSocket>();
  let connections = 0;
  let closing = false;

  // live timelines
  let depthStarted = false;
  let tradesStarted = false;
  /** The live timeline waits for the next REST depth snapshot: at the start, after a drop and a gap. */
  let snapshotServed: (() => void) | null = null;
  let paused: Promise<void> | null = null;
  const pauseUntilSnapshot = (): void => {
    paused = new Promise<void>((r) => (snapshotServed = r));
  };
  pauseUntilSnapshot();
  let straddle = true; // only the first snapshot has updates sent between it and its answer
  let pauseAfterNextSend = false;
  let nextDiff = 0;
  let dropped = false;
  let resolveDepthDone!: () => void;
  let resolveTradesDone!: () => void;
  const depthDone = new Promise<void>((r) => (resolveDepthDone = r));
  const tradesDone = new Promise<void>((r) => (resolveTradesDone = r));
  if (script.live === null || script.live.diffs.length === 0) resolveDepthDone();
  if (script.live === null || script.live.trades.length === 0) resolveTradesDone();

  const stream = script.id.toLowerCase();
  /** Apply the next live diff and send it to the depth subscribers (unless it is the scripted gap). */
  const step = (): void => {
    if (live === null || script.live === null || nextDiff >= script.live.diffs.length) return;
    const i = nextDiff++;
    const d = script.live.diffs[i]!;
    const prev = live.lastUpdateId;
    const U = prev + 1;
    const u = prev + (d.span ?? 1);
    live.apply(d);
    live.lastUpdateId = u;
    const ev: Record<string, unknown> = { e: 'depthUpdate', E: d.time + 2 };
    if (script.kind === 'usdm') ev.T = d.time;
    Object.assign(ev, { s: script.id, U, u });
    if (script.kind === 'usdm') ev.pu = prev;
    ev.b = d.b;
    ev.a = d.a;
    if (faults.gapAt !== i) {
      const text = JSON.stringify(ev);
      for (const ws of depthSockets) ws.send(text);
      if (pauseAfterNextSend) {
        // the client sees the gap in this event: wait for its new snapshot
        pauseAfterNextSend = false;
        pauseUntilSnapshot();
      }
    } else pauseAfterNextSend = true;
    if (faults.dropWsAfter === i && !dropped) {
      dropped = true;
      for (const ws of depthSockets) ws.terminate();
      depthSockets.clear();
      pauseUntilSnapshot();
    }
    if (nextDiff === script.live.diffs.length) resolveDepthDone();
  };

  const runDepthTimeline = async (pre: number): Promise<void> => {
    for (let i = 0; i < pre; i++) step();
    while (!closing && script.live !== null && nextDiff < script.live.diffs.length) {
      if (paused !== null) {
        await paused;
        paused = null;
      }
      await sleep(3);
      step();
    }
  };

  const runTradeTimeline = async (): Promise<void> => {
    for (const t of script.live?.trades ?? []) {
      if (closing) return;
      const ev =
        script.kind === 'spot'
          ? {
              e: 'trade',
              E: t.time + 1,
              s: script.id,
              t: t.id,
              p: t.price,
              q: t.qty,
              T: t.time,
              m: t.buyerMaker,
              M: true,
            }
          : {
              e: 'trade',
              E: t.time + 1,
              T: t.time,
              s: script.id,
              t: t.id,
              p: t.price,
              q: t.qty,
              X: 'MARKET',
              m: t.buyerMaker,
            };
      const text = JSON.stringify(ev);
      const agg = JSON.stringify({
        e: 'aggTrade',
        E: t.time + 1,
        s: script.id,
        ...aggTradeJson(t, script.kind),
      });
      for (const [ws, name] of tradeSockets) ws.send(name === 'trade' ? text : agg);
      await sleep(2);
    }
    resolveTradesDone();
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    const p = url.pathname;
    const ends = (suffix: string | undefined): boolean => suffix !== undefined && p.endsWith(suffix);
    if (ends(faults.stallAfter?.path) && stallCount++ >= faults.stallAfter!.answered) return; // hangs
    try {
      if (ends(faults.http429Once) && !once.has('429')) {
        once.add('429');
        send(
          429,
          JSON.stringify({ code: -1003, msg: 'Too many requests; current limit is 6000 per minute.' }),
        );
        return;
      }
      if (ends(faults.httpError?.path)) {
        send(faults.httpError!.status, JSON.stringify(faults.httpError!.body));
        return;
      }
      if (ends(faults.http500Once) && !once.has('500')) {
        once.add('500');
        send(500, 'Internal Server Error');
        return;
      }
      const prefix = script.kind === 'spot' ? '/api/v3/' : '/fapi/v1/';
      if (!p.startsWith(prefix))
        throw new HttpError(404, -1, `no such endpoint ${p} on this ${script.kind} fake`);
      const endpoint = p.slice(prefix.length);
      const q = url.searchParams;
      if (endpoint !== 'exchangeInfo' && q.get('symbol') !== script.id)
        throw new HttpError(400, -1121, 'Invalid symbol.');
      let body: unknown;
      let after: (() => void) | null = null;
      if (endpoint === 'exchangeInfo') body = exchangeInfo(script);
      else if (endpoint === 'aggTrades') body = aggTrades(script, q);
      else if (endpoint === 'trades')
        body = script.trades.slice(-limitParam(q, 500, 1000)).map((t) => ({
          id: t.id,
          price: t.price,
          qty: t.qty,
          quoteQty: (Number(t.price) * Number(t.qty)).toFixed(8),
          time: t.time,
          isBuyerMaker: t.buyerMaker,
          isBestMatch: true,
        }));
      else if (endpoint === 'klines') body = klines(script, q);
      else if (endpoint === 'depth') {
        const limit = limitParam(q, 100, 5000);
        if (live !== null) {
          body = depthJson(live.snapshot(), script.kind, limit);
          if (snapshotServed !== null) {
            if (straddle) {
              // the snapshot is taken; a few more updates go out before the answer does
              straddle = false;
              for (let i = 0; i < 3; i++) step();
            }
            after = snapshotServed;
            snapshotServed = null;
          }
        } else {
          if (script.snapshots.length === 0) throw new HttpError(400, -1121, 'Invalid symbol.');
          const b = script.snapshots[Math.min(snapshotCalls, script.snapshots.length - 1)]!;
          snapshotCalls++;
          body = depthJson(b, script.kind, limit);
        }
      } else throw new HttpError(404, -1, `no such endpoint ${p}`);
      if (ends(faults.mangle?.path)) body = faults.mangle!.fn(body);
      const text = JSON.stringify(body);
      send(200, ends(faults.malformed) ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text);
      after?.();
    } catch (e) {
      if (e instanceof HttpError) send(e.status, JSON.stringify({ code: e.code, msg: e.message }));
      else send(500, JSON.stringify({ code: -1000, msg: String(e) }));
    }
  };

  const server: Server = createServer(handle);
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    connections++;
    allSockets.add(ws);
    ws.on('close', () => {
      allSockets.delete(ws);
      depthSockets.delete(ws);
      tradeSockets.delete(ws);
    });
    ws.on('message', (data) => {
      let msg: { method?: unknown; params?: unknown; id?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' } }));
        return;
      }
      if (msg.method === 'UNSUBSCRIBE') {
        ws.send(JSON.stringify({ result: null, id: msg.id }));
        return;
      }
      if (msg.method !== 'SUBSCRIBE' || !Array.isArray(msg.params)) {
        ws.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request' }, id: msg.id ?? null }));
        return;
      }
      ws.send(JSON.stringify({ result: null, id: msg.id }));
      for (const raw of msg.params as unknown[]) {
        const name = String(raw);
        subscriptions.push(name);
        if (name.startsWith(`${stream}@depth`)) {
          depthSockets.add(ws);
          if (!depthStarted) {
            depthStarted = true;
            void runDepthTimeline(Math.min(5, script.live?.diffs.length ?? 0));
          }
        } else if (name === `${stream}@trade` || name === `${stream}@aggTrade`) {
          tradeSockets.set(ws, name.endsWith('@trade') ? 'trade' : 'aggTrade');
          if (!tradesStarted) {
            tradesStarted = true;
            void runTradeTimeline();
          }
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    subscriptions,
    connections: () => connections,
    liveBook: () => (live !== null ? live.snapshot() : { lastUpdateId: 0, time: 0, bids: [], asks: [] }),
    lastUpdateId: () => live?.lastUpdateId ?? 0,
    done: Promise.all([depthDone, tradesDone]).then(() => undefined),
    close: async () => {
      closing = true;
      for (const ws of allSockets) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
