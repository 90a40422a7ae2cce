/**
 * A fake Binance USD-M futures (or spot) exchange for the trading connector's tests: a real HTTP server and a
 * real WebSocket server on 127.0.0.1 (a random port) speaking the subset of Binance's REST and
 * websocket protocol that ccxt 4.5.84 uses for binanceusdm (sources: Binance's USDⓈ-M futures API
 * documentation, "General Info" / "Market Data" / "Trade" / "User Data Streams" pages), with a real
 * matching of our orders against the fake's own book and a position ledger, and fault injection.
 *
 * REST (one origin for every host ccxt knows: the connector's `url` rewrites them, keeping the paths):
 *   public   GET /fapi/v1/exchangeInfo (rateLimits incl. ORDERS, filters), /fapi/v1/time, /fapi/v1/depth
 *   signed   POST/GET/PUT/DELETE /fapi/v1/order, DELETE /fapi/v1/allOpenOrders, GET /fapi/v1/openOrders,
 *            GET /fapi/v{2,3}/positionRisk, GET /fapi/v{2,3}/account, GET /fapi/v{2,3}/balance
 *   api key  POST/PUT/DELETE /fapi/v1/listenKey
 * Signed requests are checked as Binance does: X-MBX-APIKEY must name the key; the HMAC-SHA256 (hex)
 * of totalParams = query string + request body (without the signature) under the secret must equal
 * `signature` (else -1022); `timestamp` must lie within [server time − recvWindow, server time + 1000]
 * (recvWindow default 5000, else -1021).
 *
 * Websocket: /public/ws, /market/ws, /ws (SUBSCRIBE to <sym>@depth…, <sym>@trade, <sym>@aggTrade) and
 * /private/ws?listenKey=K or /ws/K (the user-data stream: ORDER_TRADE_UPDATE and ACCOUNT_UPDATE).
 * Depth diffs follow the USD-M rules: each event has U (first id), u (last id) and pu (the previous
 * event's u), so a client that drops an event sees pu ≠ its last u.
 *
 * Matching (a model, stated): the fake's book is a background quantity per price level plus our
 * resting orders; the published depth is their sum. An order of ours joins the back of its level's
 * queue (queueAhead = the background quantity there when it arrived; an amend re-queues it, as Binance
 * documents for PUT /fapi/v1/order). `takerSweep` sends an external taker order through the book:
 * at each level it consumes the background ahead of our first order, then our orders in time order
 * (each behind its own queueAhead), then the rest of the background. GTX orders that would take are
 * rejected (-5022); GTC orders that cross take liquidity from the background and rest the remainder.
 * Positions are one-way (positionSide BOTH), with an average entry price and realized PnL; commission
 * 0.02 % maker / 0.05 % taker.
 *
 * Spot mode (`kind: 'spot'`, the spot testnet's subset as ccxt uses it): GET /api/v3/time,
 * exchangeInfo, depth; signed POST/GET/DELETE /api/v3/order (LIMIT, LIMIT_MAKER refused with -2010
 * when it would take, MARKET), DELETE/GET /api/v3/openOrders (-2011 when nothing is open),
 * POST /api/v3/order/cancelReplace, GET /api/v3/account, GET /api/v3/myTrades; depth events without
 * pu (U = previous u + 1); user data through the WebSocket API at /ws-api/v3
 * (userDataStream.subscribe.signature, HMAC over the parameters sorted by name; then
 * {subscriptionId, event} frames carrying executionReport and outboundAccountPosition). Balances: BTC
 * and USDT, locked by our open orders; no commission.
 *
 * Faults (the `faults` object is live: a test changes it between steps): clock skew, HTTP errors
 * (429 with Retry-After, 5xx) before or after an order is applied, lost and delayed acks (the order
 * is applied and its answer dropped / delayed), sequence gaps, duplicated and reordered user-data
 * messages, dropped connections, and the venue's own ORDERS limits (429 -1015; counted on the
 * request's `timestamp`, so the check is deterministic whatever the machine's speed).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type Side = 'BUY' | 'SELL';

export interface RateLimitSpec {
  rateLimitType: 'REQUEST_WEIGHT' | 'ORDERS';
  interval: 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY';
  intervalNum: number;
  limit: number;
}

export interface FakeBinanceOptions {
  /** USD-M futures (default) or spot (the testnet's subset: see the header). */
  kind?: 'usdm' | 'spot';
  /** Spot: BTC in the account at the start (default 1). */
  baseBalance?: number;
  apiKey: string;
  secret: string;
  /** Binance market id. */
  symbol?: string;
  /** Seed of the background book's random walk. */
  seed?: number;
  /** Price levels on each side at the start. */
  levels?: number;
  /** Mid price in ticks of 0.1 at the start. */
  midTicks?: number;
  /** USDT in the wallet at the start. */
  wallet?: number;
  /** exchangeInfo's rateLimits (and the ORDERS limits the fake enforces). */
  rateLimits?: RateLimitSpec[];
}

/** One scripted HTTP failure: the next `count` requests matching method + path suffix. */
export interface HttpFault {
  method?: string;
  path: string;
  status: number;
  /** Binance error code in the JSON body (omitted: a plain text body, as a proxy's 502 page). */
  code?: number;
  /** Retry-After header, seconds. */
  retryAfterS?: number;
  /** true: apply the request first (an order is placed), then answer with the error. */
  afterApply?: boolean;
  count: number;
}

export interface FakeFaults {
  /** The server clock runs this many ms ahead of the machine's (negative: behind). */
  clockSkewMs: number;
  http: HttpFault[];
  /** The next n order POSTs are applied and their answer is dropped (the socket is destroyed). */
  lostAcks: number;
  /** The next n order POSTs are applied and answered only after `delayAckMs`. */
  delayedAcks: number;
  delayAckMs: number;
  /** Every user-data message is sent twice. */
  duplicateUserEvents: boolean;
  /** User-data messages go out in swapped pairs (the second before the first). */
  reorderUserEvents: boolean;
}

export interface FakeOrder {
  orderId: number;
  clientOrderId: string;
  side: Side;
  priceTicks: number;
  origLots: number;
  filledLots: number;
  /** Sum of fill price (ticks) × lots, for the average price. */
  costTicksLots: number;
  timeInForce: string;
  type: 'LIMIT' | 'LIMIT_MAKER' | 'MARKET';
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
  queueAhead: number;
  time: number;
  updateTime: number;
}

export interface FakeBinance {
  /** http://127.0.0.1:<port> */
  url: string;
  faults: FakeFaults;
  /** Every HTTP request as "METHOD /path" (no query: it carries signatures). */
  requests: string[];
  /** Orders created per client order id (the no-duplicate check: exactly one each). */
  created(clientOrderId: string): number;
  /** Order POSTs received per client order id (accepted or not). */
  posts(clientOrderId: string): number;
  /** Client order ids that were created more than once. */
  duplicates(): string[];
  /** Order POSTs received (accepted or not). */
  orderPosts(): number;
  /** Answers with status 429 (-1003 / -1015) sent so far. */
  rejected429(): number;
  /** Signed requests rejected: -1022 (bad signature) and -1021 (timestamp). */
  badSignatures(): number;
  timestampRejects(): number;
  openOrders(): FakeOrder[];
  order(clientOrderId: string): FakeOrder | undefined;
  /** Trade ids of every fill of ours, in order. */
  tradeIds(): string[];
  /** Spot cancel-replace orders (not counted as creations). */
  replaced(): number;
  /** Spot keep-priority amends (PUT order/amend/keepPriority) applied. */
  keepPriorityAmends(): number;
  /** Signed position in lots of 0.001 (spot: the change of the base balance since the start). */
  positionLots(): number;
  /** The published book (background + ours), best first, as Binance's [price, qty] strings. */
  book(): { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
  /** Move the background book: n random level changes, each published as one depth event. */
  stepBook(n?: number): void;
  /** The next depth event is applied but not sent (a sequence gap for the client). */
  gapNext(): void;
  /** An external taker order of `lots` through the book (BUY takes asks). Returns lots traded. */
  takerSweep(side: Side, lots: number): number;
  /** Close the public (depth/trade) or private (user-data) websockets. */
  dropPublic(): void;
  dropPrivate(): void;
  /** Send a user-data message held back by `reorderUserEvents` (call after turning it off). */
  flushUserEvents(): void;
  /** Websocket connections accepted so far: public and private. */
  connections(): { public: number; private: number };
  /** User-data messages sent (each copy counted). */
  userEventsSent(): number;
  close(): Promise<void>;
}

export const TICK = 0.1;
export const STEP = 0.001;
export const px = (ticks: number): string => (ticks / 10).toFixed(1);
export const qty = (lots: number): string => (lots / 1000).toFixed(3);
const MAKER_FEE = 0.0002;
const TAKER_FEE = 0.0005;

/** Binance's USD-M limits (exchangeInfo, 2026): weight 2400/min, orders 1200/min and 300/10 s. */
export const DEFAULT_RATE_LIMITS: RateLimitSpec[] = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
  { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
];

/** A small deterministic generator (LCG): no Math.random in fixtures. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

class BinanceError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

const INTERVAL_MS = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 } as const;
const intervalMs = (r: RateLimitSpec): number => r.intervalNum * INTERVAL_MS[r.interval];

/** Binance spot's limits (exchangeInfo, 2026): weight 6000/min, orders 100/10 s and 200,000/day. */
export const SPOT_RATE_LIMITS: RateLimitSpec[] = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
  { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200_000 },
];

export function noFaults(): FakeFaults {
  return {
    clockSkewMs: 0,
    http: [],
    lostAcks: 0,
    delayedAcks: 0,
    delayAckMs: 0,
    duplicateUserEvents: false,
    reorderUserEvents: false,
  };
}

export async function startFakeBinance(opts: FakeBinanceOptions): Promise<FakeBinance> {
  const symbol = opts.symbol ?? 'BTCUSDT';
  const stream = symbol.toLowerCase();
  const rnd = lcg(opts.seed ?? 11);
  const spot = opts.kind === 'spot';
  const rateLimits = opts.rateLimits ?? (spot ? SPOT_RATE_LIMITS : DEFAULT_RATE_LIMITS);
  const baseLots0 = Math.round((opts.baseBalance ?? 1) * 1000);
  const faults = noFaults();
  const requests: string[] = [];
  const createdByCid = new Map<string, number>();
  const postsByCid = new Map<string, number>();
  let orderPosts = 0;
  /** A cancel-replace's new order (spot) is not a new creation of its client id. */
  let replacing = false;
  let replaced = 0;
  let keepPriorityAmends = 0;
  let n429 = 0;
  let badSig = 0;
  let badTs = 0;
  const now = (): number => Date.now() + faults.clockSkewMs;

  // ---- book: background quantity per level (ticks → lots) and our orders
  const bg = { bids: new Map<number, number>(), asks: new Map<number, number>() };
  const mid0 = opts.midTicks ?? 400_000;
  for (let i = 0; i < (opts.levels ?? 20); i++) {
    bg.bids.set(mid0 - 1 - i, 1 + Math.floor(rnd() * 5000));
    bg.asks.set(mid0 + 1 + i, 1 + Math.floor(rnd() * 5000));
  }
  const orders = new Map<number, FakeOrder>(); // by orderId, every order ever
  const byCid = new Map<string, FakeOrder>(); // latest order per client id
  let nextOrderId = 8_000_000_001;
  let nextTradeId = 5_000_001;
  let lastUpdateId = 70_000_000;
  let gapPending = false;

  // ---- position ledger
  let posLots = 0;
  let entryTicks = 0; // average entry price, ticks (float)
  let wallet = opts.wallet ?? 10_000;
  let lastMarkTicks = mid0;

  const resting = (o: FakeOrder): boolean => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
  const ours = (side: Side): FakeOrder[] =>
    [...orders.values()].filter((o) => resting(o) && o.side === side).sort((a, b) => a.orderId - b.orderId);
  const published = (side: 'bids' | 'asks'): Map<number, number> => {
    const m = new Map<number, number>();
    for (const [p, q] of bg[side]) m.set(p, q);
    for (const o of ours(side === 'bids' ? 'BUY' : 'SELL'))
      m.set(o.priceTicks, (m.get(o.priceTicks) ?? 0) + o.origLots - o.filledLots);
    return m;
  };
  const bestBg = (side: 'bids' | 'asks'): number | undefined => {
    const keys = [...bg[side].keys()];
    if (keys.length === 0) return undefined;
    return side === 'bids' ? Math.max(...keys) : Math.min(...keys);
  };
  const bookNow = (): ReturnType<FakeBinance['book']> => {
    const sorted = (side: 'bids' | 'asks'): [string, string][] =>
      [...published(side).entries()]
        .filter(([, q]) => q > 0)
        .sort((a, b) => (side === 'bids' ? b[0] - a[0] : a[0] - b[0]))
        .map(([p, q]) => [px(p), qty(q)]);
    return { lastUpdateId, bids: sorted('bids'), asks: sorted('asks') };
  };

  // ---- websockets
  const publicSockets = new Set<WebSocket>();
  const depthSockets = new Set<WebSocket>();
  const tradeSockets = new Set<WebSocket>();
  const privateSockets = new Set<WebSocket>();
  let connPublic = 0;
  let connPrivate = 0;
  let userSent = 0;
  let heldUserEvent: string | null = null;
  let listenKey: string | null = null;

  /** Publish the levels whose published quantity changed between `before` and now. */
  const publishDepth = (before: { bids: Map<number, number>; asks: Map<number, number> }): void => {
    const diff = (side: 'bids' | 'asks'): [string, string][] => {
      const after = published(side);
      const out: [string, string][] = [];
      const prices = new Set([...before[side].keys(), ...after.keys()]);
      for (const p of [...prices].sort((a, b) => a - b)) {
        const a = after.get(p) ?? 0;
        if ((before[side].get(p) ?? 0) !== a) out.push([px(p), qty(a)]);
      }
      return out;
    };
    const b = diff('bids');
    const a = diff('asks');
    if (b.length === 0 && a.length === 0) return;
    const pu = lastUpdateId;
    const span = 1 + Math.floor(rnd() * 3);
    lastUpdateId += span;
    const t = now();
    const ev = JSON.stringify(
      spot
        ? { e: 'depthUpdate', E: t + 1, s: symbol, U: pu + 1, u: lastUpdateId, b, a }
        : { e: 'depthUpdate', E: t + 1, T: t, s: symbol, U: pu + 1, u: lastUpdateId, pu, b, a },
    );
    if (gapPending) {
      gapPending = false;
      return;
    }
    for (const ws of depthSockets) ws.send(ev);
  };
  const snapshotPublished = (): { bids: Map<number, number>; asks: Map<number, number> } => ({
    bids: published('bids'),
    asks: published('asks'),
  });

  const sendUser = (payload: Record<string, unknown>): void => {
    const text = JSON.stringify(spot ? { subscriptionId: 0, event: payload } : payload);
    const copies = faults.duplicateUserEvents ? 2 : 1;
    const emit = (t: string): void => {
      for (const ws of privateSockets) {
        for (let i = 0; i < copies; i++) ws.send(t);
        userSent += copies;
      }
    };
    if (faults.reorderUserEvents) {
      if (heldUserEvent === null) heldUserEvent = text;
      else {
        emit(text);
        emit(heldUserEvent);
        heldUserEvent = null;
      }
    } else {
      if (heldUserEvent !== null) {
        emit(heldUserEvent);
        heldUserEvent = null;
      }
      emit(text);
    }
  };

  /** Spot balances: base and quote, locked by our open orders. */
  const spotBalances = (): { asset: string; free: string; locked: string }[] => {
    let lockedBase = 0;
    let lockedQuote = 0;
    for (const o of orders.values()) {
      if (!resting(o)) continue;
      const left = o.origLots - o.filledLots;
      if (o.side === 'SELL') lockedBase += left;
      else lockedQuote += (left * STEP * o.priceTicks) / 10;
    }
    const baseTotal = baseLots0 + posLots;
    return [
      { asset: 'BTC', free: qty(baseTotal - lockedBase), locked: qty(lockedBase) },
      { asset: 'USDT', free: (wallet - lockedQuote).toFixed(8), locked: lockedQuote.toFixed(8) },
    ];
  };

  const spotOrderJson = (o: FakeOrder): Record<string, unknown> => ({
    symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime: o.updateTime,
    price: o.type === 'MARKET' ? '0.00' : px(o.priceTicks),
    origQty: qty(o.origLots),
    executedQty: qty(o.filledLots),
    cummulativeQuoteQty: ((o.costTicksLots / 10) * STEP).toFixed(8),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    stopPrice: '0.00',
    icebergQty: '0.000',
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    workingTime: o.time,
    origQuoteOrderQty: '0.00',
    selfTradePreventionMode: 'EXPIRE_MAKER',
  });

  const orderJson = (o: FakeOrder): Record<string, unknown> =>
    spot ? spotOrderJson(o) : futuresOrderJson(o);

  const futuresOrderJson = (o: FakeOrder): Record<string, unknown> => ({
    orderId: o.orderId,
    symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: o.type === 'MARKET' ? '0' : px(o.priceTicks),
    avgPrice: o.filledLots > 0 ? (o.costTicksLots / o.filledLots / 10).toFixed(5) : '0.00000',
    origQty: qty(o.origLots),
    executedQty: qty(o.filledLots),
    cumQty: qty(o.filledLots),
    cumQuote: ((o.costTicksLots / 10) * STEP).toFixed(5),
    timeInForce: o.timeInForce,
    type: o.type,
    reduceOnly: false,
    closePosition: false,
    side: o.side,
    positionSide: 'BOTH',
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: o.type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    time: o.time,
    updateTime: o.updateTime,
  });

  const orderEvent = (
    o: FakeOrder,
    exec: string,
    fill?: { lots: number; priceTicks: number; maker: boolean; tradeId: number },
  ): void => {
    const t = now();
    if (spot) {
      const fee = 0;
      sendUser({
        e: 'executionReport',
        E: t,
        s: symbol,
        c: exec === 'CANCELED' ? `cancel-${o.orderId}` : o.clientOrderId,
        S: o.side,
        o: o.type,
        f: o.timeInForce,
        q: qty(o.origLots),
        p: o.type === 'MARKET' ? '0.00' : px(o.priceTicks),
        P: '0.00',
        F: '0.000',
        g: -1,
        C: exec === 'CANCELED' ? o.clientOrderId : '',
        x: exec,
        X: o.status,
        r: 'NONE',
        i: o.orderId,
        l: qty(fill?.lots ?? 0),
        z: qty(o.filledLots),
        L: fill !== undefined ? px(fill.priceTicks) : '0.00',
        n: fee.toFixed(8),
        N: null,
        T: t,
        t: fill?.tradeId ?? -1,
        I: nextTradeId * 3,
        w: o.status === 'NEW' || o.status === 'PARTIALLY_FILLED',
        m: fill?.maker ?? false,
        M: false,
        O: o.time,
        Z: ((o.costTicksLots / 10) * STEP).toFixed(8),
        Y: fill !== undefined ? ((fill.priceTicks / 10) * fill.lots * STEP).toFixed(8) : '0.00000000',
        Q: '0.00000000',
        W: o.time,
        V: 'EXPIRE_MAKER',
      });
      return;
    }
    sendUser({
      e: 'ORDER_TRADE_UPDATE',
      E: t,
      T: t,
      o: {
        s: symbol,
        c: o.clientOrderId,
        S: o.side,
        o: o.type,
        f: o.timeInForce,
        q: qty(o.origLots),
        p: o.type === 'MARKET' ? '0' : px(o.priceTicks),
        ap: o.filledLots > 0 ? (o.costTicksLots / o.filledLots / 10).toFixed(5) : '0',
        sp: '0',
        x: exec,
        X: o.status,
        i: o.orderId,
        l: qty(fill?.lots ?? 0),
        z: qty(o.filledLots),
        L: fill !== undefined ? px(fill.priceTicks) : '0',
        N: 'USDT',
        n:
          fill !== undefined
            ? ((fill.priceTicks / 10) * (fill.lots * STEP) * (fill.maker ? MAKER_FEE : TAKER_FEE)).toFixed(8)
            : '0',
        T: t,
        t: fill?.tradeId ?? 0,
        b: '0',
        a: '0',
        m: fill?.maker ?? false,
        R: false,
        wt: 'CONTRACT_PRICE',
        ot: o.type,
        ps: 'BOTH',
        cp: false,
        rp: '0',
        pP: false,
        si: 0,
        ss: 0,
        V: 'EXPIRE_MAKER',
        pm: 'NONE',
        gtd: 0,
      },
    });
  };

  const accountEvent = (): void => {
    const t = now();
    if (spot) {
      const b = spotBalances();
      sendUser({
        e: 'outboundAccountPosition',
        E: t,
        u: t,
        B: b.map((x) => ({ a: x.asset, f: x.free, l: x.locked })),
      });
      return;
    }
    sendUser({
      e: 'ACCOUNT_UPDATE',
      E: t,
      T: t,
      a: {
        m: 'ORDER',
        B: [{ a: 'USDT', wb: wallet.toFixed(8), cw: wallet.toFixed(8), bc: '0' }],
        P: [
          {
            s: symbol,
            pa: qty(posLots),
            ep: px(Math.round(entryTicks)),
            bep: px(Math.round(entryTicks)),
            cr: '0',
            up: unrealized().toFixed(8),
            mt: 'cross',
            iw: '0',
            ps: 'BOTH',
          },
        ],
      },
    });
  };

  const unrealized = (): number => ((lastMarkTicks - entryTicks) / 10) * posLots * STEP;

  /** Book a fill of ours into the position ledger. */
  const ledger = (side: Side, lots: number, priceTicks: number, maker: boolean): void => {
    const signed = side === 'BUY' ? lots : -lots;
    if (spot) {
      // no commission on the fake spot testnet; the quote asset pays for the base
      posLots += signed;
      wallet -= (signed * STEP * priceTicks) / 10;
      return;
    }
    const fee = (priceTicks / 10) * lots * STEP * (maker ? MAKER_FEE : TAKER_FEE);
    wallet -= fee;
    if (posLots === 0 || Math.sign(posLots) === Math.sign(signed)) {
      entryTicks = (entryTicks * Math.abs(posLots) + priceTicks * lots) / (Math.abs(posLots) + lots);
      posLots += signed;
      return;
    }
    const closing = Math.min(Math.abs(posLots), lots);
    wallet += ((priceTicks - entryTicks) / 10) * closing * STEP * Math.sign(posLots);
    posLots += signed;
    if (posLots === 0) entryTicks = 0;
    else if (Math.sign(posLots) === Math.sign(signed)) entryTicks = priceTicks; // flipped
  };

  const fills: Record<string, unknown>[] = [];
  const fillOurs = (o: FakeOrder, lots: number, priceTicks: number, maker: boolean): void => {
    o.filledLots += lots;
    o.costTicksLots += lots * priceTicks;
    o.status = o.filledLots === o.origLots ? 'FILLED' : 'PARTIALLY_FILLED';
    o.updateTime = now();
    lastMarkTicks = priceTicks;
    ledger(o.side, lots, priceTicks, maker);
    const tradeId = nextTradeId++;
    const t0 = now();
    fills.push({
      buyer: o.side === 'BUY',
      commission: ((priceTicks / 10) * lots * STEP * (maker ? MAKER_FEE : TAKER_FEE)).toFixed(8),
      commissionAsset: 'USDT',
      id: tradeId,
      maker,
      orderId: o.orderId,
      price: px(priceTicks),
      qty: qty(lots),
      quoteQty: ((priceTicks / 10) * lots * STEP).toFixed(8),
      realizedPnl: '0',
      side: o.side,
      positionSide: 'BOTH',
      symbol,
      time: t0,
      orderListId: -1,
      isBuyer: o.side === 'BUY',
      isMaker: maker,
      isBestMatch: true,
    });
    orderEvent(o, 'TRADE', { lots, priceTicks, maker, tradeId });
    accountEvent();
    const t = now();
    const trade = JSON.stringify({
      e: 'trade',
      E: t + 1,
      T: t,
      s: symbol,
      t: tradeId,
      p: px(priceTicks),
      q: qty(lots),
      X: 'MARKET',
      m: maker ? o.side === 'BUY' : o.side === 'SELL',
    });
    for (const ws of tradeSockets) ws.send(trade);
  };

  const takerSweep = (side: Side, lots: number): number => {
    const before = snapshotPublished();
    const bookSide = side === 'BUY' ? 'asks' : 'bids';
    const oursSide: Side = side === 'BUY' ? 'SELL' : 'BUY';
    let rem = lots;
    const prices = [...published(bookSide).keys()].sort((a, b) => (side === 'BUY' ? a - b : b - a));
    for (const p of prices) {
      if (rem === 0) break;
      let bgQty = bg[bookSide].get(p) ?? 0;
      let bgTaken = 0;
      const here = ours(oursSide).filter((o) => o.priceTicks === p);
      for (const o of here) {
        const ahead = Math.min(rem, Math.max(0, Math.min(o.queueAhead, bgQty) - bgTaken));
        bgTaken += ahead;
        rem -= ahead;
        const mine = Math.min(rem, o.origLots - o.filledLots);
        if (mine > 0) {
          fillOurs(o, mine, p, true);
          rem -= mine;
        }
      }
      const rest = Math.min(rem, bgQty - bgTaken);
      bgTaken += rest;
      rem -= rest;
      bgQty -= bgTaken;
      if (bgQty > 0) bg[bookSide].set(p, bgQty);
      else bg[bookSide].delete(p);
      for (const o of here) o.queueAhead = Math.max(0, o.queueAhead - bgTaken);
    }
    publishDepth(before);
    return lots - rem;
  };

  const stepBook = (n = 1): void => {
    for (let i = 0; i < n; i++) {
      const before = snapshotPublished();
      const bid = rnd() < 0.5;
      const side = bid ? 'bids' : 'asks';
      const best = bestBg(side) ?? mid0;
      const other = bestBg(bid ? 'asks' : 'bids') ?? mid0;
      let p = best + (bid ? 1 : -1) * (Math.floor(rnd() * 8) - 3);
      if (bid ? p >= other : p <= other) p = other + (bid ? -1 : 1);
      // never cross our own resting orders either (a real book would have matched them)
      const oppOurs = ours(bid ? 'SELL' : 'BUY').map((o) => o.priceTicks);
      if (oppOurs.length > 0) {
        const lim = bid ? Math.min(...oppOurs) : Math.max(...oppOurs);
        if (bid ? p >= lim : p <= lim) p = lim + (bid ? -1 : 1);
      }
      if (bg[side].has(p) && bg[side].size > 5 && rnd() < 0.3) bg[side].delete(p);
      else bg[side].set(p, 1 + Math.floor(rnd() * 5000));
      publishDepth(before);
    }
  };

  // ---- orders
  const newOrder = (q: URLSearchParams): FakeOrder => {
    if (q.get('symbol') !== symbol) throw new BinanceError(400, -1121, 'Invalid symbol.');
    const side = q.get('side');
    if (side !== 'BUY' && side !== 'SELL')
      throw new BinanceError(
        400,
        -1102,
        "Mandatory parameter 'side' was not sent, was empty/null, or malformed.",
      );
    const type = q.get('type');
    if (type !== 'LIMIT' && type !== 'MARKET' && !(spot && type === 'LIMIT_MAKER'))
      throw new BinanceError(400, -1116, 'Invalid orderType.');
    const market = type === 'MARKET';
    const limitMaker = type === 'LIMIT_MAKER';
    // a market order takes whatever is there and expires the rest (as IOC without a price limit)
    const tif = market ? 'IOC' : limitMaker ? 'GTC' : (q.get('timeInForce') ?? 'GTC');
    if (!['GTC', 'GTX', 'IOC'].includes(tif)) throw new BinanceError(400, -1115, 'Invalid timeInForce.');
    const price = market ? (side === 'BUY' ? 1e9 : TICK) : Number(q.get('price'));
    const quantity = Number(q.get('quantity'));
    const priceTicks = Math.round(price / TICK);
    const lots = Math.round(quantity / STEP);
    if (!Number.isFinite(price) || Math.abs(priceTicks * TICK - price) > 1e-6 || priceTicks <= 0)
      throw new BinanceError(400, -4014, 'Price not increased by tick size.');
    if (!Number.isFinite(quantity) || Math.abs(lots * STEP - quantity) > 1e-9 || lots <= 0)
      throw new BinanceError(400, -1111, 'Precision is over the maximum defined for this asset.');
    const cid = q.get('newClientOrderId') ?? `fake-${nextOrderId}`;
    if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(cid))
      throw new BinanceError(400, -4015, 'Client order id is not valid.');
    const prev = byCid.get(cid);
    if (prev !== undefined && resting(prev))
      throw spot
        ? new BinanceError(400, -2010, 'Duplicate order sent.')
        : new BinanceError(400, -4116, 'ClientOrderId is duplicated.');
    // the venue's own ORDERS limits, on the request's timestamp (see the header)
    checkOrderRate(Number(q.get('timestamp')));
    const t = now();
    const o: FakeOrder = {
      orderId: nextOrderId++,
      clientOrderId: cid,
      side,
      priceTicks,
      origLots: lots,
      filledLots: 0,
      costTicksLots: 0,
      timeInForce: tif,
      type,
      status: 'NEW',
      queueAhead: 0,
      time: t,
      updateTime: t,
    };
    const oppSide = side === 'BUY' ? 'asks' : 'bids';
    const bestOpp = bestBg(oppSide);
    const crosses = bestOpp !== undefined && (side === 'BUY' ? priceTicks >= bestOpp : priceTicks <= bestOpp);
    if (crosses && limitMaker) throw new BinanceError(400, -2010, 'Order would immediately match and take.');
    if (crosses && tif === 'GTX')
      throw new BinanceError(
        400,
        -5022,
        'Due to the order could not be executed as maker, the Post Only order will be rejected.',
      );
    if (replacing) replaced++;
    else createdByCid.set(cid, (createdByCid.get(cid) ?? 0) + 1);
    orders.set(o.orderId, o);
    byCid.set(cid, o);
    const before = snapshotPublished();
    orderEvent(o, 'NEW');
    if (crosses) {
      // take from the background book, best price first
      const prices = [...bg[oppSide].keys()].sort((a, b) => (side === 'BUY' ? a - b : b - a));
      for (const p of prices) {
        if (o.filledLots === o.origLots) break;
        if (side === 'BUY' ? p > priceTicks : p < priceTicks) break;
        const avail = bg[oppSide].get(p)!;
        const take = Math.min(avail, o.origLots - o.filledLots);
        if (avail - take > 0) bg[oppSide].set(p, avail - take);
        else bg[oppSide].delete(p);
        fillOurs(o, take, p, false);
      }
    }
    if (resting(o)) {
      if (tif === 'IOC') {
        o.status = 'EXPIRED';
        orderEvent(o, 'EXPIRED');
      } else o.queueAhead = bg[side === 'BUY' ? 'bids' : 'asks'].get(priceTicks) ?? 0;
    }
    publishDepth(before);
    return o;
  };

  const orderStamps: number[] = []; // timestamps of accepted orders (ms), for the ORDERS limits
  const checkOrderRate = (ts: number): void => {
    for (const r of rateLimits) {
      if (r.rateLimitType !== 'ORDERS') continue;
      const w = intervalMs(r);
      let n = 0;
      for (const s of orderStamps) if (s > ts - w && s <= ts) n++;
      if (n >= r.limit) {
        n429++;
        throw new BinanceError(
          429,
          -1015,
          `Too many new orders; current limit is ${r.limit} orders per ${r.intervalNum} ${r.interval}.`,
        );
      }
    }
    orderStamps.push(ts);
    if (orderStamps.length > 10_000) orderStamps.splice(0, 5_000);
  };

  const findOrder = (q: URLSearchParams): FakeOrder => {
    const id = q.get('orderId');
    const cid = q.get('origClientOrderId');
    const o = id !== null ? orders.get(Number(id)) : cid !== null ? byCid.get(cid) : undefined;
    if (id === null && cid === null)
      throw new BinanceError(
        400,
        -1102,
        "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
      );
    if (o === undefined) throw new BinanceError(400, -2013, 'Order does not exist.');
    return o;
  };

  const cancel = (o: FakeOrder): void => {
    const before = snapshotPublished();
    o.status = 'CANCELED';
    o.updateTime = now();
    orderEvent(o, 'CANCELED');
    publishDepth(before);
  };

  /** DELETE order (spot and USD-M): an unknown or finished order is -2011, as Binance answers. */
  const cancelOrder = (q: URLSearchParams): FakeOrder => {
    let o: FakeOrder;
    try {
      o = findOrder(q);
    } catch (e) {
      if (e instanceof BinanceError && e.code === -2013)
        throw new BinanceError(400, -2011, 'Unknown order sent.');
      throw e;
    }
    if (!resting(o)) throw new BinanceError(400, -2011, 'Unknown order sent.');
    cancel(o);
    return o;
  };

  /** Our trades from `startTime`, at most `limit` (spot myTrades, USD-M userTrades). */
  const ourTrades = (q: URLSearchParams): unknown[] => {
    const start = Number(q.get('startTime') ?? 0);
    const limit = Number(q.get('limit') ?? 500);
    return fills.filter((f) => (f.time as number) >= start).slice(0, limit);
  };

  const amend = (q: URLSearchParams): FakeOrder => {
    const o = findOrder(q);
    if (!resting(o)) throw new BinanceError(400, -2013, 'Order does not exist.');
    const priceTicks = Math.round(Number(q.get('price')) / TICK);
    const lots = Math.round(Number(q.get('quantity')) / STEP);
    if (!(priceTicks > 0) || !(lots > 0))
      throw new BinanceError(400, -1102, 'Mandatory parameter price/quantity malformed.');
    checkOrderRate(Number(q.get('timestamp')));
    const before = snapshotPublished();
    const oppBest = bestBg(o.side === 'BUY' ? 'asks' : 'bids');
    const crosses =
      oppBest !== undefined && (o.side === 'BUY' ? priceTicks >= oppBest : priceTicks <= oppBest);
    if (lots <= o.filledLots || (o.timeInForce === 'GTX' && crosses)) {
      o.status = 'CANCELED';
      o.updateTime = now();
      orderEvent(o, 'CANCELED');
    } else {
      o.priceTicks = priceTicks;
      o.origLots = lots;
      o.queueAhead = bg[o.side === 'BUY' ? 'bids' : 'asks'].get(priceTicks) ?? 0; // re-queued
      o.updateTime = now();
      orderEvent(o, 'AMENDMENT');
    }
    publishDepth(before);
    return o;
  };

  const positionJson = (): Record<string, unknown> => ({
    symbol,
    positionSide: 'BOTH',
    positionAmt: qty(posLots),
    entryPrice: px(Math.round(entryTicks)),
    breakEvenPrice: px(Math.round(entryTicks)),
    markPrice: px(lastMarkTicks),
    unRealizedProfit: unrealized().toFixed(8),
    liquidationPrice: '0',
    isolatedMargin: '0',
    notional: ((lastMarkTicks / 10) * posLots * STEP).toFixed(8),
    marginAsset: 'USDT',
    isolatedWallet: '0',
    initialMargin: '0',
    maintMargin: '0',
    positionInitialMargin: '0',
    openOrderInitialMargin: '0',
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    leverage: '20',
    marginType: 'cross',
    maxNotionalValue: '1000000',
    isAutoAddMargin: 'false',
    updateTime: now(),
  });

  const balanceRow = (): Record<string, unknown> => ({
    accountAlias: 'fake',
    asset: 'USDT',
    balance: wallet.toFixed(8),
    walletBalance: wallet.toFixed(8),
    crossWalletBalance: wallet.toFixed(8),
    crossUnPnl: unrealized().toFixed(8),
    unrealizedProfit: unrealized().toFixed(8),
    availableBalance: wallet.toFixed(8),
    maxWithdrawAmount: wallet.toFixed(8),
    marginBalance: (wallet + unrealized()).toFixed(8),
    initialMargin: '0',
    maintMargin: '0',
    positionInitialMargin: '0',
    openOrderInitialMargin: '0',
    marginAvailable: true,
    updateTime: now(),
  });

  const accountJson = (): Record<string, unknown> => ({
    totalInitialMargin: '0',
    totalMaintMargin: '0',
    totalWalletBalance: wallet.toFixed(8),
    totalUnrealizedProfit: unrealized().toFixed(8),
    totalMarginBalance: (wallet + unrealized()).toFixed(8),
    totalPositionInitialMargin: '0',
    totalOpenOrderInitialMargin: '0',
    totalCrossWalletBalance: wallet.toFixed(8),
    totalCrossUnPnl: unrealized().toFixed(8),
    availableBalance: wallet.toFixed(8),
    maxWithdrawAmount: wallet.toFixed(8),
    canTrade: true,
    canDeposit: true,
    canWithdraw: true,
    feeTier: 0,
    updateTime: 0,
    multiAssetsMargin: false,
    assets: [balanceRow()],
    positions: [positionJson()],
  });

  // ---- HTTP
  const checkSigned = (req: IncomingMessage, query: string, body: string): URLSearchParams => {
    if (req.headers['x-mbx-apikey'] !== opts.apiKey)
      throw new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    let signature: string | null = null;
    const strip = (s: string): string =>
      s
        .split('&')
        .filter((kv) => {
          if (kv.startsWith('signature=')) {
            signature = kv.slice('signature='.length);
            return false;
          }
          return kv !== '';
        })
        .join('&');
    const total = strip(query) + strip(body);
    const want = createHmac('sha256', opts.secret).update(total).digest('hex');
    const sig = signature as string | null;
    if (sig === null || sig.length !== want.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(want))) {
      badSig++;
      throw new BinanceError(400, -1022, 'Signature for this request is not valid.');
    }
    const params = new URLSearchParams(total);
    const ts = Number(params.get('timestamp'));
    const recv = Number(params.get('recvWindow') ?? 5000);
    const server = now();
    if (!Number.isFinite(ts) || ts < server - recv || ts > server + 1000) {
      badTs++;
      throw new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    }
    return params;
  };

  const spotRoute = (req: IncomingMessage, path: string, query: string, body: string): unknown => {
    const key = `${req.method ?? 'GET'} ${path}`;
    const pub = new URLSearchParams(query);
    switch (key) {
      case 'GET /api/v3/time':
        return { serverTime: now() };
      case 'GET /api/v3/exchangeInfo':
        return spotExchangeInfo(symbol, rateLimits, now());
      case 'GET /api/v3/depth': {
        if (pub.get('symbol') !== symbol) throw new BinanceError(400, -1121, 'Invalid symbol.');
        const limit = Number(pub.get('limit') ?? 100);
        const b = bookNow();
        return { lastUpdateId: b.lastUpdateId, bids: b.bids.slice(0, limit), asks: b.asks.slice(0, limit) };
      }
    }
    const q = checkSigned(req, query, body);
    switch (key) {
      case 'POST /api/v3/order': {
        orderPosts++;
        const c = q.get('newClientOrderId') ?? '';
        postsByCid.set(c, (postsByCid.get(c) ?? 0) + 1);
        return orderJson(newOrder(q));
      }
      case 'GET /api/v3/order':
        return orderJson(findOrder(q));
      case 'DELETE /api/v3/order': {
        const o = cancelOrder(q);
        return { ...orderJson(o), origClientOrderId: o.clientOrderId };
      }
      case 'DELETE /api/v3/openOrders': {
        const open = [...orders.values()].filter(resting);
        // Binance spot answers -2011 when there is nothing to cancel
        if (open.length === 0) throw new BinanceError(400, -2011, 'Unknown order sent.');
        for (const o of open) cancel(o);
        return open.map((o) => ({ ...orderJson(o), origClientOrderId: o.clientOrderId }));
      }
      case 'GET /api/v3/openOrders':
        return [...orders.values()].filter(resting).map(orderJson);
      case 'PUT /api/v3/order/amend/keepPriority': {
        // Binance spot's Order Amend Keep Priority: only a lower quantity, in place, same orderId and
        // queue position (queueAhead unchanged); the account stream reports x = REPLACED.
        const o = findOrder(q);
        if (!resting(o)) throw new BinanceError(400, -2013, 'Order does not exist.');
        const lots = Math.round(Number(q.get('newQty')) / STEP);
        if (!(lots > o.filledLots) || !(lots < o.origLots))
          throw new BinanceError(
            400,
            -1013,
            'newQty must be above the executed and below the order quantity.',
          );
        const before = snapshotPublished();
        const cid = q.get('newClientOrderId');
        if (cid !== null && cid !== o.clientOrderId) {
          byCid.delete(o.clientOrderId);
          o.clientOrderId = cid;
          byCid.set(cid, o);
        }
        o.origLots = lots;
        o.updateTime = now();
        keepPriorityAmends++;
        orderEvent(o, 'REPLACED');
        publishDepth(before);
        return { transactTime: now(), executionId: keepPriorityAmends, amendedOrder: spotOrderJson(o) };
      }
      case 'POST /api/v3/order/cancelReplace': {
        const id = q.get('cancelOrderId');
        const ocid = q.get('cancelOrigClientOrderId');
        const o = id !== null ? orders.get(Number(id)) : ocid !== null ? byCid.get(ocid) : undefined;
        if (o === undefined || !resting(o))
          throw new BinanceError(400, -2021, 'Order cancel-replace failed.');
        orderPosts++;
        cancel(o);
        const nq = new URLSearchParams(q);
        if (!nq.has('newClientOrderId')) nq.set('newClientOrderId', `fake-${nextOrderId}`);
        replacing = true;
        try {
          const n = newOrder(nq);
          return {
            cancelResult: 'SUCCESS',
            newOrderResult: 'SUCCESS',
            cancelResponse: { ...orderJson(o), origClientOrderId: o.clientOrderId },
            newOrderResponse: orderJson(n),
          };
        } finally {
          replacing = false;
        }
      }
      case 'GET /api/v3/account':
        return {
          makerCommission: 0,
          takerCommission: 0,
          canTrade: true,
          canWithdraw: false,
          canDeposit: false,
          updateTime: now(),
          accountType: 'SPOT',
          balances: spotBalances(),
          permissions: ['SPOT'],
          uid: 1,
        };
      case 'GET /api/v3/myTrades': {
        return ourTrades(q);
      }
    }
    throw new BinanceError(404, -1, `no such endpoint ${key} on the spot fake`);
  };

  const route = (req: IncomingMessage, path: string, query: string, body: string): unknown => {
    if (spot) return spotRoute(req, path, query, body);
    const m = req.method ?? 'GET';
    const key = `${m} ${path}`;
    const pub = new URLSearchParams(query);
    switch (key) {
      case 'GET /fapi/v1/time':
        return { serverTime: now() };
      case 'GET /fapi/v1/exchangeInfo':
        return exchangeInfo(symbol, rateLimits, now());
      case 'GET /fapi/v1/depth': {
        if (pub.get('symbol') !== symbol) throw new BinanceError(400, -1121, 'Invalid symbol.');
        const limit = Number(pub.get('limit') ?? 500);
        const b = bookNow();
        const t = now();
        return {
          lastUpdateId: b.lastUpdateId,
          E: t,
          T: t,
          bids: b.bids.slice(0, limit),
          asks: b.asks.slice(0, limit),
        };
      }
      case 'POST /fapi/v1/listenKey':
      case 'PUT /fapi/v1/listenKey':
      case 'DELETE /fapi/v1/listenKey': {
        if (req.headers['x-mbx-apikey'] !== opts.apiKey)
          throw new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
        if (m === 'DELETE') {
          listenKey = null;
          return {};
        }
        listenKey ??= `lk${Math.floor(rnd() * 1e12).toString(36)}fake`;
        return { listenKey };
      }
    }
    const q = checkSigned(req, query, body);
    switch (key) {
      case 'POST /fapi/v1/order': {
        orderPosts++;
        const c = q.get('newClientOrderId') ?? '';
        postsByCid.set(c, (postsByCid.get(c) ?? 0) + 1);
        return orderJson(newOrder(q));
      }
      case 'GET /fapi/v1/order':
        return orderJson(findOrder(q));
      case 'PUT /fapi/v1/order':
        return orderJson(amend(q));
      case 'DELETE /fapi/v1/order': {
        const o = cancelOrder(q);
        return orderJson(o);
      }
      case 'DELETE /fapi/v1/allOpenOrders':
        for (const o of [...orders.values()]) if (resting(o)) cancel(o);
        return { code: 200, msg: 'The operation of cancel all open order is done.' };
      case 'GET /fapi/v1/userTrades': {
        return ourTrades(q);
      }
      case 'GET /fapi/v1/openOrders':
        return [...orders.values()].filter(resting).map(orderJson);
      case 'GET /fapi/v2/positionRisk':
      case 'GET /fapi/v3/positionRisk':
        return [positionJson()];
      case 'GET /fapi/v2/account':
      case 'GET /fapi/v3/account':
        return accountJson();
      case 'GET /fapi/v2/balance':
      case 'GET /fapi/v3/balance':
        return [balanceRow()];
    }
    throw new BinanceError(404, -1, `no such endpoint ${key} on the fake`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const raw = req.url ?? '/';
      const qi = raw.indexOf('?');
      const path = qi < 0 ? raw : raw.slice(0, qi);
      const query = qi < 0 ? '' : raw.slice(qi + 1);
      const method = req.method ?? 'GET';
      requests.push(`${method} ${path}`);
      const send = (status: number, payload: string, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(payload);
      };
      const fault = faults.http.find(
        (f) => f.count > 0 && path.endsWith(f.path) && (f.method ?? method) === method,
      );
      const errorAnswer = (f: HttpFault): void => {
        f.count--;
        if (f.status === 429) n429++;
        const headers: Record<string, string> =
          f.retryAfterS !== undefined ? { 'retry-after': String(f.retryAfterS) } : {};
        if (f.code === undefined) {
          res.writeHead(f.status, { 'content-type': 'text/html', ...headers });
          res.end('<html><body>Bad gateway</body></html>');
        } else send(f.status, JSON.stringify({ code: f.code, msg: 'injected fault' }), headers);
      };
      if (fault !== undefined && fault.afterApply !== true) {
        errorAnswer(fault);
        return;
      }
      let status = 200;
      let out: string;
      try {
        out = JSON.stringify(route(req, path, query, body));
      } catch (e) {
        if (e instanceof BinanceError) {
          status = e.status;
          out = JSON.stringify({ code: e.code, msg: e.message });
        } else {
          status = 500;
          out = JSON.stringify({ code: -1000, msg: String(e) });
        }
      }
      if (fault !== undefined) {
        errorAnswer(fault); // applied, answered with the error
        return;
      }
      const isOrderPost = method === 'POST' && path.endsWith('/fapi/v1/order');
      if (isOrderPost && status === 200 && faults.lostAcks > 0) {
        faults.lostAcks--;
        req.socket.destroy();
        return;
      }
      if (isOrderPost && status === 200 && faults.delayedAcks > 0) {
        faults.delayedAcks--;
        setTimeout(() => {
          if (!res.destroyed) send(status, out);
        }, faults.delayAckMs);
        return;
      }
      send(status, out);
    });
  };

  const server: Server = createServer(handle);
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (u.pathname.startsWith('/ws-api/')) {
      // spot user data through the WebSocket API: userDataStream.subscribe.signature
      connPrivate++;
      ws.on('close', () => privateSockets.delete(ws));
      ws.on('message', (data) => {
        let msg: { id?: unknown; method?: unknown; params?: Record<string, unknown> };
        try {
          msg = JSON.parse(String(data)) as typeof msg;
        } catch {
          return;
        }
        const reply = (x: Record<string, unknown>): void =>
          ws.send(JSON.stringify({ id: msg.id ?? null, ...x }));
        if (msg.method !== 'userDataStream.subscribe.signature' || msg.params === undefined) {
          reply({
            status: 400,
            error: { code: -1100, msg: `unsupported method ${String(msg.method)} on the fake` },
          });
          return;
        }
        // the WebSocket API signs the parameters sorted by name, not URL-encoded
        const params = msg.params;
        const payload = Object.keys(params)
          .filter((k) => k !== 'signature')
          .sort()
          .map((k) => `${k}=${String(params[k])}`)
          .join('&');
        const want = createHmac('sha256', opts.secret).update(payload).digest('hex');
        const ts = Number(params.timestamp);
        if (params.apiKey !== opts.apiKey || params.signature !== want) {
          badSig++;
          reply({ status: 400, error: { code: -1022, msg: 'Signature for this request is not valid.' } });
          return;
        }
        if (!(Math.abs(ts - now()) <= 5000)) {
          badTs++;
          reply({
            status: 400,
            error: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
          });
          return;
        }
        privateSockets.add(ws);
        reply({ status: 200, result: { subscriptionId: 0 } });
      });
      return;
    }
    const key = u.searchParams.get('listenKey') ?? /^\/ws\/(lk\w+)$/.exec(u.pathname)?.[1] ?? null;
    if (key !== null) {
      if (key !== listenKey) {
        ws.close(4001, 'invalid listen key');
        return;
      }
      connPrivate++;
      privateSockets.add(ws);
      ws.on('close', () => privateSockets.delete(ws));
      ws.on('message', () => undefined);
      return;
    }
    connPublic++;
    publicSockets.add(ws);
    ws.on('close', () => {
      publicSockets.delete(ws);
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
      ws.send(JSON.stringify({ result: null, id: msg.id ?? null }));
      if (msg.method !== 'SUBSCRIBE' || !Array.isArray(msg.params)) return;
      for (const raw of msg.params as unknown[]) {
        const name = String(raw);
        if (name.startsWith(`${stream}@depth`)) depthSockets.add(ws);
        else if (name === `${stream}@trade` || name === `${stream}@aggTrade`) tradeSockets.add(ws);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    requests,
    created: (cid) => createdByCid.get(cid) ?? 0,
    posts: (cid) => postsByCid.get(cid) ?? 0,
    replaced: () => replaced,
    keepPriorityAmends: () => keepPriorityAmends,
    tradeIds: () => fills.map((x) => String(x.id)),
    duplicates: () => [...createdByCid.entries()].filter(([, n]) => n > 1).map(([c]) => c),
    orderPosts: () => orderPosts,
    rejected429: () => n429,
    badSignatures: () => badSig,
    timestampRejects: () => badTs,
    openOrders: () => [...orders.values()].filter(resting).map((o) => ({ ...o })),
    order: (cid) => {
      const o = byCid.get(cid);
      return o === undefined ? undefined : { ...o };
    },
    positionLots: () => posLots,
    book: bookNow,
    stepBook,
    gapNext: () => {
      gapPending = true;
    },
    takerSweep,
    dropPublic: () => {
      for (const ws of publicSockets) ws.terminate();
    },
    dropPrivate: () => {
      for (const ws of privateSockets) ws.terminate();
    },
    flushUserEvents: () => {
      if (heldUserEvent === null) return;
      const t = heldUserEvent;
      heldUserEvent = null;
      for (const ws of privateSockets) ws.send(t);
      userSent += privateSockets.size;
    },
    connections: () => ({ public: connPublic, private: connPrivate }),
    userEventsSent: () => userSent,
    close: async () => {
      for (const ws of [...publicSockets, ...privateSockets]) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function spotExchangeInfo(symbol: string, rateLimits: RateLimitSpec[], serverTime: number): unknown {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits,
    exchangeFilters: [],
    symbols: [
      {
        symbol,
        status: 'TRADING',
        baseAsset: 'BTC',
        baseAssetPrecision: 8,
        quoteAsset: 'USDT',
        quotePrecision: 8,
        quoteAssetPrecision: 8,
        baseCommissionPrecision: 8,
        quoteCommissionPrecision: 8,
        orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
        icebergAllowed: true,
        ocoAllowed: true,
        otoAllowed: true,
        quoteOrderQtyMarketAllowed: true,
        allowTrailingStop: true,
        cancelReplaceAllowed: true,
        amendAllowed: true,
        isSpotTradingAllowed: true,
        isMarginTradingAllowed: false,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: '0.10', maxPrice: '1000000.00', tickSize: '0.10' },
          { filterType: 'LOT_SIZE', minQty: '0.00100000', maxQty: '9000.00000000', stepSize: '0.00100000' },
          {
            filterType: 'NOTIONAL',
            minNotional: '5.00000000',
            applyMinToMarket: true,
            maxNotional: '9000000.00000000',
            applyMaxToMarket: false,
            avgPriceMins: 5,
          },
          { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
        ],
        permissions: [],
        permissionSets: [['SPOT']],
        defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
        allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
      },
    ],
  };
}

function exchangeInfo(symbol: string, rateLimits: RateLimitSpec[], serverTime: number): unknown {
  return {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits,
    exchangeFilters: [],
    assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: [
      {
        symbol,
        pair: symbol,
        contractType: 'PERPETUAL',
        deliveryDate: 4133404800000,
        onboardDate: 1569398400000,
        status: 'TRADING',
        maintMarginPercent: '2.5000',
        requiredMarginPercent: '5.0000',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        marginAsset: 'USDT',
        pricePrecision: 2,
        quantityPrecision: 3,
        baseAssetPrecision: 8,
        quotePrecision: 8,
        underlyingType: 'COIN',
        underlyingSubType: [],
        settlePlan: 0,
        triggerProtect: '0.0500',
        liquidationFee: '0.012500',
        marketTakeBound: '0.05',
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: '0.1', maxPrice: '1000000', tickSize: '0.1' },
          { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
          { filterType: 'MARKET_LOT_SIZE', minQty: '0.001', maxQty: '120', stepSize: '0.001' },
          { filterType: 'MAX_NUM_ORDERS', limit: 200 },
          { filterType: 'MIN_NOTIONAL', notional: '100' },
          {
            filterType: 'PERCENT_PRICE',
            multiplierUp: '1.0500',
            multiplierDown: '0.9500',
            multiplierDecimal: '4',
          },
        ],
        orderTypes: [
          'LIMIT',
          'MARKET',
          'STOP',
          'STOP_MARKET',
          'TAKE_PROFIT',
          'TAKE_PROFIT_MARKET',
          'TRAILING_STOP_MARKET',
        ],
        timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
      },
    ],
  };
}
