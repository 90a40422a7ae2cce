/**
 * Binance through ccxt (4.5.84): USDⓈ-M futures in demo-trading mode (`enableDemoTrading(true)`:
 * REST demo-fapi.binance.com, websockets fstream.binancefuture.com) and the spot testnet
 * (`setSandboxMode(true)`: testnet.binance.vision), behind the one Venue interface (./venue.ts).
 *
 * Sources: Binance USDⓈ-M Futures API (General Info: limits, signed endpoints, error codes;
 * Market Data: "How to manage a local order book correctly"; Trade: New/Modify/Cancel Order,
 * Cancel All Open Orders, Query Order; User Data Streams: listenKey, ORDER_TRADE_UPDATE,
 * ACCOUNT_UPDATE) and the Spot API (LIMIT_MAKER, order/cancelReplace, executionReport).
 *
 * Book: ccxt.pro watchOrderBook does Binance's snapshot + diff synchronization (U/u/pu rules); a
 * sequence gap makes it reject with a ChecksumError and refetch the snapshot: the next BookView is
 * marked `resync` (one with `synced` false goes out at the gap, so a session stops quoting at once).
 *
 * Our orders and fills: the user-data stream (listenKey, kept alive by ccxt) is opened through
 * ccxt.pro watchOrders, but its raw messages are read as they arrive (ccxt's order cache merges the
 * updates of one order between two reads, which would lose fills): fills are keyed by the venue's
 * trade id (a duplicated message is dropped), order states go forward only (an update with less
 * filled, or the same filled and an earlier state, is stale: dropped; see ORDER_STATUS_RANK). After
 * a reconnect of the user stream, the trades since the last fill are fetched (userTrades / myTrades)
 * and the missing fills emitted, then 'connected' is reported so the order manager reconciles.
 *
 * Requests: ccxt's rate limiter spaces REST requests (its rateLimit, raised to the venue's
 * REQUEST_WEIGHT when lower); our own budget (./binance-limits.ts) keeps the ORDERS limits read from
 * exchangeInfo. The order's `timestamp` is the budget's slot, so the venue counts what we counted.
 * Clock skew: a -1021 (timestamp outside recvWindow) reloads the time difference (GET time) and
 * retries. Idempotent placement: after a timeout, a dropped connection or a 5xx the order is looked
 * up by its clientOrderId before anything is resent (never a second order: Binance also refuses a
 * clientOrderId that is already open, -4116, which we answer with a lookup). The residual risk is an
 * order that reaches the venue after our lookup and after its own first instance has ended.
 *
 * Amend: USDⓈ-M PUT /fapi/v1/order (ccxt editOrder) "modified orders will be reordered in the match
 * queue" (Binance, Modify Order): amendKeepsPriority false. Spot: a lower amount at the same price
 * goes through Order Amend Keep Priority (PUT /api/v3/order/amend/keepPriority, as a signed request:
 * ccxt 4.5.84 has no method for it) and keeps its place (amendDecreaseKeepsPriority); any other spot
 * amend is cancel-replace (POST /api/v3/order/cancelReplace) and loses it.
 *
 * Credentials live only inside the ccxt instance (a private field): never in notes, errors or
 * `JSON.stringify` / `util.inspect` of the venue.
 */
import ccxt, { type Exchange, type OrderBook } from 'ccxt';
import { exchangeBaseUrl, rewriteApiUrls, sleepAbortable } from '../data/ccxt-venue';
import {
  Backoff,
  OrderBudget,
  orderRates,
  parseRateLimits,
  weightPerMinute,
  type BinanceRateLimit,
} from './binance-limits';
import {
  ORDER_STATUS_RANK,
  VenueError,
  type AmendRequest,
  type Balance,
  type BookView,
  type ConnectionEvent,
  type OpenVenueOptions,
  type OrderSide,
  type OrderStatus,
  type OrderUpdate,
  type PlaceRequest,
  type Position,
  type RateLimitInfo,
  type TradePrint,
  type Venue,
  type VenueCapabilities,
  type VenueFill,
  type VenueListener,
  type VenueMarket,
} from './venue';

export type BinanceMarketKind = 'usdm-demo' | 'spot-testnet';

export interface BinanceVenueOptions extends OpenVenueOptions {
  market: BinanceMarketKind;
  /** Aborting it closes the venue. */
  signal?: AbortSignal | undefined;
  /** Seed of the reconnect jitter (default 1). */
  seed?: number;
  /** ccxt request timeout (ms; default 10 s). */
  timeoutMs?: number;
  /** Reconnect backoff (ms): first wait ≈ base, capped (defaults 250 ms, 30 s). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Levels in each BookView (default 20). */
  bookLevels?: number;
  /** Attempts of one order request through transient failures (default 6). */
  attempts?: number;
}

/** Counters of what the connector went through (the fault figures). */
export interface BinanceVenueStats {
  /** Order requests sent (place, including resends after a lookup found nothing). */
  placeRequests: number;
  /** Lookups by clientOrderId after an uncertain answer. */
  lookups: number;
  /** Placements whose lookup found the order (an ack that was lost or delayed). */
  recoveredAcks: number;
  /** Requests retried after 429 / -1015. */
  rateLimited: number;
  /** -1021 answers followed by a time resync. */
  clockResyncs: number;
  /** Book gaps (each followed by a snapshot). */
  resyncs: number;
  /** Lost websocket connections, each followed by a backoff and a new subscription. */
  reconnects: number;
  /** Duplicated or stale user-data messages dropped. */
  staleUserEvents: number;
  /** Fills recovered over REST after a user-stream reconnect. */
  recoveredFills: number;
  /** Time waited for the ORDERS budget (ms). */
  orderBudgetWaitMs: number;
}

const BINANCE_CODE = /"code"\s*:\s*(-?\d+)/;

/** The Binance error code in a ccxt error's message (ccxt puts the answer's body there). */
function binanceCode(e: unknown): number | null {
  const m = e instanceof Error ? BINANCE_CODE.exec(e.message) : null;
  return m === null ? null : Number(m[1]);
}

const oneLine = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim().slice(0, 300);

const RATE_CODES = new Set([-1003, -1015, -1008]);
const AUTH_CODES = new Set([-1002, -1022, -2014, -2015]);
const NOT_FOUND_CODES = new Set([-2011, -2013]);
/** Binance's own "status unknown" answers: the request may have been executed. */
const UNKNOWN_CODES = new Set([-1000, -1001, -1006, -1007]);
export const CLOCK_CODE = -1021;
/** USD-M: a clientOrderId already open (spot says -2010 "Duplicate order sent."). */
export const DUPLICATE_CID_CODE = -4116;

/** A ccxt failure as the venue's typed error. */
export function toVenueError(e: unknown, what: string, retryAfterMs = 0): VenueError {
  if (e instanceof VenueError) return e;
  const code = binanceCode(e);
  const msg = `binance ${what}: ${e instanceof Error ? e.constructor.name : 'error'}: ${oneLine(e)}`;
  if (e instanceof ccxt.NotSupported) return new VenueError('unsupported', msg);
  if (
    (code !== null && RATE_CODES.has(code)) ||
    e instanceof ccxt.DDoSProtection ||
    e instanceof ccxt.RateLimitExceeded
  )
    return new VenueError('rate-limited', msg, retryAfterMs);
  if (code !== null && AUTH_CODES.has(code)) return new VenueError('auth', msg);
  if (e instanceof ccxt.AuthenticationError || e instanceof ccxt.PermissionDenied)
    return new VenueError('auth', msg);
  if ((code !== null && NOT_FOUND_CODES.has(code)) || e instanceof ccxt.OrderNotFound)
    return new VenueError('not-found', msg);
  if (code !== null && UNKNOWN_CODES.has(code)) return new VenueError('network', msg);
  if (code === null && e instanceof ccxt.NetworkError) return new VenueError('network', msg);
  if (code === null && !(e instanceof ccxt.BaseError)) return new VenueError('network', msg);
  return new VenueError('rejected', msg);
}

type ExchangeClass = new (config?: Record<string, unknown>) => Exchange;
type Raw = Record<string, unknown>;
type RawApi = (params: Raw) => Promise<unknown>;

const STATUS: Record<string, OrderStatus | undefined> = {
  NEW: 'open',
  PARTIALLY_FILLED: 'partially-filled',
  FILLED: 'filled',
  CANCELED: 'cancelled',
  PENDING_CANCEL: 'open',
  EXPIRED: 'expired',
  EXPIRED_IN_MATCH: 'expired',
  REJECTED: 'rejected',
};

const num = (x: unknown): number =>
  typeof x === 'number' ? x : typeof x === 'string' && x !== '' ? Number(x) : NaN;
const str = (x: unknown): string => (typeof x === 'string' ? x : typeof x === 'number' ? String(x) : '');

interface UserOrderState {
  filled: number;
  rank: number;
  time: number;
}

export class BinanceVenue implements Venue {
  readonly id: string;
  readonly market: VenueMarket;
  readonly capabilities: VenueCapabilities;
  readonly rateLimit: RateLimitInfo;
  readonly stats: BinanceVenueStats = {
    placeRequests: 0,
    lookups: 0,
    recoveredAcks: 0,
    rateLimited: 0,
    clockResyncs: 0,
    resyncs: 0,
    reconnects: 0,
    staleUserEvents: 0,
    recoveredFills: 0,
    orderBudgetWaitMs: 0,
  };

  readonly #ex: Exchange;
  readonly #kind: BinanceMarketKind;
  readonly #symbol: string;
  readonly #budget: OrderBudget;
  readonly #backoff: Backoff;
  readonly #attempts: number;
  readonly #note: (m: string) => void;
  readonly #listeners = new Set<VenueListener>();
  readonly #levels: number;
  readonly #book: BookView;
  readonly #trade: TradePrint = {
    tradeId: '',
    price: NaN,
    amount: 0,
    aggressor: 'buy',
    exchangeTimeMs: 0,
    localTimeMs: 0,
  };
  readonly #conn: ConnectionEvent = { status: 'connecting', attempt: 0, reason: '', localTimeMs: 0 };
  readonly #fillIds = new Set<string>();
  readonly #userOrders = new Map<string, UserOrderState>();
  readonly #cidByOrderId = new Map<string, string>();
  #lastFillTimeMs = 0;
  #closed = false;
  #stop = new AbortController();
  #loops: Promise<void>[] = [];
  #timer: NodeJS.Timeout | null = null;
  #timerBusy = false;
  #userConnected: (() => void) | null = null;
  #pendingResync = false;

  constructor(
    ex: Exchange,
    kind: BinanceMarketKind,
    market: VenueMarket,
    limits: BinanceRateLimit[],
    opts: BinanceVenueOptions,
  ) {
    this.#ex = ex;
    this.#kind = kind;
    this.market = market;
    this.#symbol = market.symbol;
    this.id = kind === 'usdm-demo' ? 'binanceusdm-demo' : 'binance-spot-testnet';
    const futures = kind === 'usdm-demo';
    this.capabilities = {
      amend: true,
      amendKeepsPriority: false,
      // spot: a lower amount at the same price goes through Order Amend Keep Priority
      amendDecreaseKeepsPriority: !futures,
      cancelAll: true,
      postOnly: true,
      positions: futures,
      maxOrdersPerSide: Infinity,
    };
    const rates = orderRates(limits);
    this.rateLimit = { minIntervalMs: Number(ex.rateLimit) || 0, ...rates };
    this.#budget = new OrderBudget(limits);
    this.#backoff = new Backoff(opts.seed ?? 1, opts.backoffBaseMs ?? 250, opts.backoffCapMs ?? 30_000);
    this.#attempts = opts.attempts ?? 6;
    this.#note = opts.onNote ?? (() => undefined);
    this.#levels = opts.bookLevels ?? 20;
    const L = this.#levels;
    this.#book = {
      levels: L,
      bidPrices: new Float64Array(L).fill(NaN),
      bidSizes: new Float64Array(L),
      askPrices: new Float64Array(L).fill(NaN),
      askSizes: new Float64Array(L),
      seq: 0,
      exchangeTimeMs: 0,
      localTimeMs: 0,
      resync: true,
      synced: false,
    };
    opts.signal?.addEventListener('abort', () => void this.close(), { once: true });
    this.#hookUserMessages();
  }

  // ——— listeners and time ———

  subscribe(listener: VenueListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  now(): number {
    return Date.now() - (Number(this.#ex.options['timeDifference']) || 0);
  }

  setTimer(intervalMs: number): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = setInterval(() => {
      if (this.#timerBusy || this.#closed) return;
      this.#timerBusy = true;
      const t = this.now();
      const run = async (): Promise<void> => {
        for (const l of this.#listeners) await l.onTimer?.(t);
      };
      run()
        .catch((e: unknown) => this.#note(`timer listener failed: ${oneLine(e)}`))
        .finally(() => (this.#timerBusy = false));
    }, intervalMs);
  }

  #connection(status: ConnectionEvent['status'], attempt: number, reason: string): void {
    const c = this.#conn;
    c.status = status;
    c.attempt = attempt;
    c.reason = reason;
    c.localTimeMs = Date.now();
    for (const l of this.#listeners) l.onConnection?.(c);
  }

  // ——— streams ———

  async connect(signal: AbortSignal): Promise<void> {
    if (this.#closed) throw new VenueError('rejected', `${this.id}: closed`);
    const onAbort = (): void => void this.close();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#connection('connecting', 0, '');
    let bookReady!: () => void;
    const firstBook = new Promise<void>((r) => (bookReady = r));
    const userReady = new Promise<void>((r) => (this.#userConnected = r));
    this.#loops = [this.#bookLoop(bookReady), this.#tradeLoop(), this.#userLoop()];
    const failed = new Promise<never>((_, reject) => {
      const onStop = (): void => reject(new VenueError('network', `${this.id}: closed while connecting`));
      this.#stop.signal.addEventListener('abort', onStop, { once: true });
    });
    failed.catch(() => undefined);
    await Promise.race([Promise.all([firstBook, userReady]), failed]);
    this.#connection('connected', 0, '');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    if (this.#timer !== null) clearInterval(this.#timer);
    for (const t of this.#delays) clearTimeout(t);
    this.#delays.clear();
    try {
      await this.#ex.close();
    } catch {
      // closing is best-effort
    }
    const pool = (this.#ex as unknown as { fetchDispatcher?: { destroy?: () => Promise<void> } })
      .fetchDispatcher;
    await pool?.destroy?.().catch(() => undefined);
    await Promise.allSettled(this.#loops);
    this.#connection('closed', 0, '');
  }

  /** One reconnect: report, count, wait the backoff. */
  async #reconnect(stream: string, attempt: number, e: unknown): Promise<void> {
    this.stats.reconnects++;
    const wait = this.#backoff.delay(attempt);
    const reason = `${stream}: ${e instanceof Error ? e.constructor.name : 'error'}: ${oneLine(e).slice(0, 160)}`;
    this.#note(`${this.id} ${reason}; reconnect ${attempt} in ${(wait / 1000).toFixed(2)} s`);
    this.#connection('reconnecting', attempt, reason);
    await sleepAbortable(wait, this.#stop.signal).catch(() => undefined);
  }

  async #bookLoop(ready: () => void): Promise<void> {
    let attempt = 0;
    let first = true;
    while (!this.#closed) {
      try {
        const ob = await this.#ex.watchOrderBook(this.#symbol);
        if (this.#closed) return;
        this.#emitBook(ob);
        if (first) {
          first = false;
          ready();
        }
        if (attempt > 0) {
          attempt = 0;
          this.#connection('connected', 0, 'book');
        }
      } catch (e) {
        if (this.#closed) return;
        if (e instanceof ccxt.ChecksumError) {
          this.stats.resyncs++;
          this.#note(`${this.id} book: sequence gap, resynchronizing from a snapshot`);
          this.#unsynced();
          continue;
        }
        this.#unsynced();
        await this.#reconnect('book', ++attempt, e);
      }
    }
  }

  #unsynced(): void {
    const b = this.#book;
    b.resync = true;
    b.synced = false;
    b.localTimeMs = Date.now();
    this.#pendingResync = true;
    for (const l of this.#listeners) l.onBook?.(b);
  }

  #emitBook(ob: OrderBook): void {
    const b = this.#book;
    const L = this.#levels;
    const fill = (side: [number, number][] | number[][], prices: Float64Array, sizes: Float64Array): void => {
      const n = Math.min(L, side.length);
      for (let i = 0; i < n; i++) {
        const lv = side[i]!;
        prices[i] = lv[0]!;
        sizes[i] = lv[1]!;
      }
      for (let i = n; i < L; i++) {
        prices[i] = NaN;
        sizes[i] = 0;
      }
    };
    fill(ob.bids as unknown as number[][], b.bidPrices, b.bidSizes);
    fill(ob.asks as unknown as number[][], b.askPrices, b.askSizes);
    b.seq = typeof ob.nonce === 'number' ? ob.nonce : b.seq + 1;
    b.localTimeMs = Date.now();
    b.exchangeTimeMs = typeof ob.timestamp === 'number' ? ob.timestamp : this.now();
    b.resync = this.#pendingResync;
    b.synced = true;
    this.#pendingResync = false;
    for (const l of this.#listeners) l.onBook?.(b);
  }

  async #tradeLoop(): Promise<void> {
    let attempt = 0;
    let lastId = '';
    const t = this.#trade;
    while (!this.#closed) {
      try {
        const trades = await this.#ex.watchTrades(this.#symbol);
        if (this.#closed) return;
        if (attempt > 0) attempt = 0;
        for (const tr of trades) {
          if (tr.id === lastId) continue;
          lastId = tr.id ?? '';
          t.tradeId = lastId;
          t.price = tr.price ?? NaN;
          t.amount = tr.amount ?? 0;
          t.aggressor = tr.side === 'sell' ? 'sell' : 'buy';
          t.exchangeTimeMs = tr.timestamp ?? this.now();
          t.localTimeMs = Date.now();
          for (const l of this.#listeners) l.onTrade?.(t);
        }
      } catch (e) {
        if (this.#closed) return;
        await this.#reconnect('trades', ++attempt, e);
      }
    }
  }

  /** Raw user-data messages, read as they arrive (see the header). */
  #hookUserMessages(): void {
    // ccxt schedules the listenKey keep-alive (every 20 min) with a plain setTimeout that outlives
    // close() and keeps the process alive: the same timers, tracked and cleared on close
    const exd = this.#ex as unknown as {
      delay: (ms: number, method: unknown, ...args: unknown[]) => void;
      spawn: (method: unknown, ...args: unknown[]) => unknown;
    };
    exd.delay = (ms: number, method: unknown, ...args: unknown[]): void => {
      if (this.#closed) return;
      const t = setTimeout(() => {
        this.#delays.delete(t);
        if (!this.#closed) exd.spawn(method, ...args);
      }, ms);
      this.#delays.add(t);
    };
    const ex = this.#ex as unknown as {
      handleMessage: (client: unknown, message: unknown) => unknown;
      onConnected: (client: { url?: string }, message?: unknown) => unknown;
    };
    const handle = ex.handleMessage.bind(ex);
    ex.handleMessage = (client: unknown, message: unknown): unknown => {
      try {
        this.#onUserMessage(message);
      } catch (e) {
        this.#note(`${this.id} user data: unreadable message (${oneLine(e)})`);
      }
      return handle(client, message);
    };
    const connected = ex.onConnected.bind(ex);
    ex.onConnected = (client: { url?: string }, message?: unknown): unknown => {
      const url = client.url ?? '';
      if (url.includes('listenKey') || url.includes('ws-api')) this.#userSocketOpen?.();
      return connected(client, message);
    };
  }

  #userSocketOpen: (() => void) | null = null;
  readonly #delays = new Set<NodeJS.Timeout>();

  async #userLoop(): Promise<void> {
    let attempt = 0;
    let needConnected = true;
    while (!this.#closed) {
      let opened!: () => void;
      const open = new Promise<void>((r) => (opened = r));
      this.#userSocketOpen = opened;
      const watch = this.#ex.watchOrders(this.#symbol);
      watch.catch(() => undefined);
      try {
        if (needConnected) {
          // the socket may already be open (a watch on a live connection): then no onConnected comes
          const clients = Object.values(
            (this.#ex as unknown as { clients?: Record<string, { url: string; isConnected?: boolean }> })
              .clients ?? {},
          );
          const live = clients.some(
            (c) => (c.url.includes('listenKey') || c.url.includes('ws-api')) && c.isConnected === true,
          );
          if (!live) await Promise.race([open, watch.then(() => undefined)]);
          needConnected = false;
          if (attempt > 0) {
            await this.#recoverFills();
            attempt = 0;
            this.#connection('connected', 0, 'user');
          }
          this.#userConnected?.();
          this.#userConnected = null;
        }
        await watch;
      } catch (e) {
        if (this.#closed) return;
        needConnected = true;
        await this.#reconnect('user', ++attempt, e);
      }
    }
  }

  #onUserMessage(message: unknown): void {
    if (message === null || typeof message !== 'object') return;
    const outer = message as Raw;
    const m = (typeof outer.event === 'object' && outer.event !== null ? outer.event : outer) as Raw;
    const e = m.e;
    if (e === 'ORDER_TRADE_UPDATE' && typeof m.o === 'object' && m.o !== null)
      this.#onOrderEvent(m.o as Raw, num(m.T));
    else if (e === 'executionReport') this.#onOrderEvent(m, num(m.E));
  }

  /** One order event (USD-M ORDER_TRADE_UPDATE.o or spot executionReport). */
  #onOrderEvent(o: Raw, eventTime: number): void {
    if (str(o.s) !== this.market.venueSymbol) return;
    const futures = this.#kind === 'usdm-demo';
    // spot: a cancel carries the cancel request's id in c and the order's in C
    const cid = !futures && str(o.X) === 'CANCELED' && str(o.C) !== '' ? str(o.C) : str(o.c);
    const venueOrderId = str(o.i);
    if (venueOrderId !== '' && cid !== '') this.#cidByOrderId.set(venueOrderId, cid);
    const side: OrderSide = str(o.S) === 'SELL' ? 'sell' : 'buy';
    const localTimeMs = Date.now();
    const exchangeTimeMs = Number.isFinite(num(o.T)) ? num(o.T) : eventTime;
    // the fill, keyed by trade id
    if (str(o.x) === 'TRADE') {
      const tradeId = str(o.t);
      if (this.#fillIds.has(tradeId)) this.stats.staleUserEvents++;
      else {
        this.#fillIds.add(tradeId);
        this.#lastFillTimeMs = Math.max(this.#lastFillTimeMs, exchangeTimeMs);
        const fill: VenueFill = {
          tradeId,
          clientOrderId: cid,
          venueOrderId,
          side,
          price: num(o.L),
          amount: num(o.l),
          fee: num(o.n) || 0,
          liquidity: o.m === true ? 'maker' : 'taker',
          exchangeTimeMs,
          localTimeMs,
        };
        for (const l of this.#listeners) l.onFill?.(fill);
      }
    }
    const status = STATUS[str(o.X)];
    if (status === undefined) return;
    const filled = num(o.z);
    const rank = ORDER_STATUS_RANK[status];
    const prev = this.#userOrders.get(cid);
    const amended = str(o.x) === 'AMENDMENT' || str(o.x) === 'REPLACED';
    if (
      prev !== undefined &&
      !(
        filled > prev.filled ||
        (filled === prev.filled && rank > prev.rank) ||
        (amended && filled === prev.filled && exchangeTimeMs > prev.time)
      )
    ) {
      this.stats.staleUserEvents++;
      return;
    }
    this.#userOrders.set(cid, { filled, rank, time: exchangeTimeMs });
    const amount = num(o.q);
    const avg = futures ? num(o.ap) : filled > 0 ? num(o.Z) / filled : NaN;
    const update: OrderUpdate = {
      clientOrderId: cid,
      venueOrderId,
      status,
      side,
      type: str(o.o) === 'MARKET' ? 'market' : 'limit',
      price: num(o.p),
      amount,
      filled,
      remaining: Math.max(0, amount - filled),
      avgPrice: filled > 0 ? avg : NaN,
      reason: status === 'cancelled' || status === 'expired' || status === 'rejected' ? str(o.x) : '',
      exchangeTimeMs,
      localTimeMs,
    };
    for (const l of this.#listeners) l.onOrder?.(update);
  }

  /** After a user-stream reconnect: the fills the stream missed, from REST (deduplicated by trade id). */
  async #recoverFills(): Promise<void> {
    const futures = this.#kind === 'usdm-demo';
    const since = this.#lastFillTimeMs > 0 ? this.#lastFillTimeMs - 1 : this.now() - 3_600_000;
    const fn = this.#raw(futures ? 'fapiPrivateGetUserTrades' : 'privateGetMyTrades');
    let rows: unknown;
    try {
      rows = await this.#request('userTrades', () =>
        fn({ symbol: this.market.venueSymbol, startTime: Math.floor(since), limit: 1000 }),
      );
    } catch (e) {
      this.#note(`${this.id} could not fetch the trades missed during the reconnect: ${oneLine(e)}`);
      return;
    }
    if (!Array.isArray(rows)) return;
    for (const r of rows as Raw[]) {
      const tradeId = str(r.id);
      if (tradeId === '' || this.#fillIds.has(tradeId)) continue;
      this.#fillIds.add(tradeId);
      this.stats.recoveredFills++;
      const venueOrderId = str(r.orderId);
      const t = num(r.time);
      this.#lastFillTimeMs = Math.max(this.#lastFillTimeMs, t);
      const side: OrderSide = futures
        ? str(r.side) === 'SELL'
          ? 'sell'
          : 'buy'
        : r.isBuyer === true
          ? 'buy'
          : 'sell';
      const fill: VenueFill = {
        tradeId,
        clientOrderId: this.#cidByOrderId.get(venueOrderId) ?? '',
        venueOrderId,
        side,
        price: num(r.price),
        amount: num(r.qty),
        fee: num(r.commission) || 0,
        liquidity: (futures ? r.maker : r.isMaker) === true ? 'maker' : 'taker',
        exchangeTimeMs: t,
        localTimeMs: Date.now(),
      };
      for (const l of this.#listeners) l.onFill?.(fill);
    }
  }

  // ——— requests ———

  #raw(name: string): RawApi {
    const fn = (this.#ex as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new VenueError('unsupported', `ccxt ${ccxt.version} has no ${name}`);
    return (fn as RawApi).bind(this.#ex);
  }

  #retryAfterMs(): number {
    const h = this.#ex.last_response_headers as Record<string, string> | undefined;
    const s = Number(h?.['retry-after'] ?? h?.['Retry-After']);
    return Number.isFinite(s) && s > 0 ? s * 1000 : 0;
  }

  /**
   * One request that changes nothing at the venue or is safe to repeat: clock skew resynced, 429 and
   * network failures retried with backoff; anything else thrown as a VenueError.
   */
  async #request<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new VenueError('network', `${this.id} ${what}: the venue is closed`);
      try {
        return await fn();
      } catch (e) {
        const code = binanceCode(e);
        if (code === CLOCK_CODE && attempt < this.#attempts) {
          await this.#resyncClock(what);
          continue;
        }
        const ve = toVenueError(e, what, this.#retryAfterMs());
        if (!ve.retryable || attempt >= this.#attempts) throw ve;
        if (ve.kind === 'rate-limited') this.stats.rateLimited++;
        const wait = Math.max(ve.retryAfterMs, this.#backoff.delay(attempt));
        this.#note(`${this.id} ${what}: ${ve.kind}; retry ${attempt} in ${(wait / 1000).toFixed(2)} s`);
        await sleepAbortable(wait, this.#stop.signal).catch(() => undefined);
      }
    }
  }

  async #resyncClock(what: string): Promise<void> {
    this.stats.clockResyncs++;
    this.#note(
      `${this.id} ${what}: timestamp outside the venue's recvWindow (-1021); reloading the time difference`,
    );
    await this.#ex.loadTimeDifference();
  }

  /** Wait for the ORDERS budget; returns the order's timestamp (the venue clock). */
  async #orderSlot(): Promise<number> {
    const now = this.now();
    const wait = this.#budget.take(now);
    if (wait > 0) {
      this.stats.orderBudgetWaitMs += wait;
      await sleepAbortable(wait, this.#stop.signal);
    }
    return Math.floor(now + wait);
  }

  #toUpdate(
    o: Raw | undefined,
    fallback: { cid: string; side: OrderSide; price: number; amount: number },
  ): OrderUpdate {
    const info = (o?.info ?? o ?? {}) as Raw;
    const status = STATUS[str(info.status)] ?? 'open';
    const amount = num(info.origQty);
    const filled = num(info.executedQty) || 0;
    const cumQuote = num(info.cumQuote ?? info.cummulativeQuoteQty);
    const avg = num(info.avgPrice) || (filled > 0 ? cumQuote / filled : NaN);
    const cid = str(info.clientOrderId) || fallback.cid;
    const venueOrderId = str(info.orderId);
    if (venueOrderId !== '') this.#cidByOrderId.set(venueOrderId, cid);
    const t = num(info.updateTime ?? info.transactTime ?? info.time);
    return {
      clientOrderId: cid,
      venueOrderId,
      status,
      side: str(info.side) === 'SELL' ? 'sell' : str(info.side) === 'BUY' ? 'buy' : fallback.side,
      type: str(info.type) === 'MARKET' ? 'market' : 'limit',
      price: num(info.price) || fallback.price,
      amount: Number.isFinite(amount) ? amount : fallback.amount,
      filled,
      remaining: Math.max(0, (Number.isFinite(amount) ? amount : fallback.amount) - filled),
      avgPrice: filled > 0 ? avg : NaN,
      reason: status === 'cancelled' || status === 'expired' || status === 'rejected' ? str(info.status) : '',
      exchangeTimeMs: Number.isFinite(t) ? t : this.now(),
      localTimeMs: Date.now(),
    };
  }

  async place(req: PlaceRequest): Promise<OrderUpdate> {
    const cid = req.clientOrderId;
    const futures = this.#kind === 'usdm-demo';
    const fallback = { cid, side: req.side, price: req.price, amount: req.amount };
    const what = `place ${cid}`;
    let uncertain = false; // a request may have reached the venue: look up before any resend
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new VenueError('network', `${this.id} ${what}: the venue is closed`);
      if (uncertain) {
        const found = await this.#lookup(cid);
        if (found !== null) {
          this.stats.recoveredAcks++;
          this.#note(`${this.id} ${what}: the venue has the order (its answer was lost); not resent`);
          return found;
        }
        uncertain = false;
      }
      const params: Raw = { newClientOrderId: cid };
      if (req.type === 'limit' && req.postOnly) {
        if (futures) params.timeInForce = 'GTX';
        else params.postOnly = true; // ccxt: type LIMIT_MAKER
      }
      try {
        params.timestamp = await this.#orderSlot();
        this.stats.placeRequests++;
        const o = await this.#ex.createOrder(
          this.#symbol,
          req.type,
          req.side,
          req.amount,
          req.type === 'limit' ? req.price : undefined,
          params,
        );
        return this.#toUpdate(o as unknown as Raw, fallback);
      } catch (e) {
        if (this.#stop.signal.aborted)
          throw new VenueError('network', `${this.id} ${what}: the venue is closed`);
        const code = binanceCode(e);
        if (code === DUPLICATE_CID_CODE || (code === -2010 && /Duplicate order/i.test(oneLine(e)))) {
          // our id is already open at the venue: an earlier attempt got through
          const found = await this.#lookup(cid);
          if (found !== null) {
            this.stats.recoveredAcks++;
            return found;
          }
        }
        if (code === CLOCK_CODE && attempt < this.#attempts) {
          await this.#resyncClock(what); // refused: nothing was placed
          continue;
        }
        const ve = toVenueError(e, what, this.#retryAfterMs());
        if (!ve.retryable || attempt >= this.#attempts) {
          if (ve.kind === 'network') {
            // last chance: did it get through after all?
            const found = await this.#lookup(cid).catch(() => null);
            if (found !== null) return found;
          }
          throw ve;
        }
        if (ve.kind === 'rate-limited') this.stats.rateLimited++;
        else uncertain = true;
        const wait = Math.max(ve.retryAfterMs, this.#backoff.delay(attempt));
        this.#note(
          `${this.id} ${what}: ${ve.kind} (${oneLine(e).slice(0, 120)}); attempt ${attempt + 1} in ${(wait / 1000).toFixed(2)} s`,
        );
        await sleepAbortable(wait, this.#stop.signal).catch(() => undefined);
      }
    }
  }

  /** The order by our id, or null when the venue does not know it. */
  async #lookup(cid: string): Promise<OrderUpdate | null> {
    this.stats.lookups++;
    try {
      const o = await this.#request(`lookup ${cid}`, () =>
        this.#ex.fetchOrder(undefined as unknown as string, this.#symbol, { origClientOrderId: cid }),
      );
      return this.#toUpdate(o as unknown as Raw, { cid, side: 'buy', price: NaN, amount: NaN });
    } catch (e) {
      if (e instanceof VenueError && e.kind === 'not-found') return null;
      throw e;
    }
  }

  fetchOrder(clientOrderId: string): Promise<OrderUpdate | null> {
    return this.#lookup(clientOrderId);
  }

  async cancel(clientOrderId: string): Promise<void> {
    await this.#request(`cancel ${clientOrderId}`, () =>
      this.#ex.cancelOrder(undefined as unknown as string, this.#symbol, {
        origClientOrderId: clientOrderId,
      }),
    );
  }

  async cancelAll(): Promise<void> {
    try {
      await this.#request('cancelAll', () => this.#ex.cancelAllOrders(this.#symbol));
    } catch (e) {
      // spot answers -2011 "Unknown order sent." when nothing is open: nothing left to cancel
      if (!(e instanceof VenueError && e.kind === 'not-found')) throw e;
    }
  }

  async amend(clientOrderId: string, req: AmendRequest): Promise<OrderUpdate> {
    const cur = await this.#lookup(clientOrderId);
    if (cur === null)
      throw new VenueError(
        'not-found',
        `${this.id} amend ${clientOrderId}: the venue does not know the order`,
      );
    const price = req.price ?? cur.price;
    const amount = req.amount ?? cur.amount;
    const futures = this.#kind === 'usdm-demo';
    const what = `amend ${clientOrderId}`;
    if (!futures && price === cur.price && amount < cur.amount && amount > cur.filled) {
      // Spot's Order Amend Keep Priority (PUT /api/v3/order/amend/keepPriority): the amount only goes
      // down, in place, keeping the order's id and its place in the queue. ccxt 4.5.84 has no method
      // for it: a signed request on its private spot API, parsed by ccxt's own order parser.
      const r = await this.#request(what, () =>
        this.#ex.request('order/amend/keepPriority', 'private', 'PUT', {
          symbol: this.market.venueSymbol,
          origClientOrderId: clientOrderId,
          newClientOrderId: clientOrderId,
          newQty: this.#ex.amountToPrecision(this.#symbol, amount),
        }),
      );
      const raw = (r as Raw).amendedOrder;
      if (raw === null || typeof raw !== 'object')
        throw new VenueError('rejected', `${this.id} ${what}: the answer has no amendedOrder`);
      const o = this.#ex.parseOrder(raw as Record<string, unknown>, this.#ex.market(this.#symbol));
      return this.#toUpdate(o as unknown as Raw, { cid: clientOrderId, side: cur.side, price, amount });
    }
    const params: Raw = futures
      ? { origClientOrderId: clientOrderId }
      : { newClientOrderId: clientOrderId, cancelReplaceMode: 'STOP_ON_FAILURE' };
    const o = await this.#request(what, async () => {
      params.timestamp = await this.#orderSlot();
      return this.#ex.editOrder(cur.venueOrderId, this.#symbol, 'limit', cur.side, amount, price, params);
    });
    return this.#toUpdate(o as unknown as Raw, { cid: clientOrderId, side: cur.side, price, amount });
  }

  async fetchOpenOrders(): Promise<OrderUpdate[]> {
    const list = await this.#request('fetchOpenOrders', () => this.#ex.fetchOpenOrders(this.#symbol));
    return list.map((o) =>
      this.#toUpdate(o as unknown as Raw, {
        cid: o.clientOrderId ?? '',
        side: o.side === 'sell' ? 'sell' : 'buy',
        price: o.price ?? NaN,
        amount: o.amount ?? NaN,
      }),
    );
  }

  async fetchPosition(): Promise<Position> {
    if (this.#kind === 'usdm-demo') {
      const fn = this.#raw('fapiPrivateV3GetPositionRisk');
      const rows = await this.#request('positionRisk', () => fn({ symbol: this.market.venueSymbol }));
      let amount = 0;
      let entry = NaN;
      for (const r of Array.isArray(rows) ? (rows as Raw[]) : []) {
        if (str(r.symbol) !== this.market.venueSymbol) continue;
        const a = num(r.positionAmt);
        if (!Number.isFinite(a))
          throw new VenueError(
            'rejected',
            `${this.id} positionRisk: positionAmt is not a number (${str(r.positionAmt)})`,
          );
        amount += a;
        if (a !== 0) entry = num(r.entryPrice);
      }
      return { amount, entryPrice: amount === 0 ? NaN : entry };
    }
    // spot: the position is the base balance
    const base = this.market.symbol.split('/')[0]!;
    const b = (await this.fetchBalances()).find((x) => x.currency === base);
    return { amount: b?.total ?? 0, entryPrice: NaN };
  }

  async fetchBalances(): Promise<Balance[]> {
    const bal = await this.#request('fetchBalance', () => this.#ex.fetchBalance());
    const out: Balance[] = [];
    const totals = (bal.total ?? {}) as unknown as Record<string, number | undefined>;
    const free = (bal.free ?? {}) as unknown as Record<string, number | undefined>;
    const used = (bal.used ?? {}) as unknown as Record<string, number | undefined>;
    for (const [currency, total] of Object.entries(totals))
      out.push({ currency, total: total ?? 0, free: free[currency] ?? 0, used: used[currency] ?? 0 });
    return out;
  }

  toJSON(): Record<string, unknown> {
    return { id: this.id, market: this.market, capabilities: this.capabilities };
  }
}

/**
 * Open the connector: a ccxt.pro instance in demo (USD-M) or sandbox (spot) mode, the venue's URLs
 * optionally rewritten to `url`, the time difference loaded, exchangeInfo's rateLimits read, the
 * markets loaded and the symbol resolved. Does not subscribe (connect() does).
 */
export async function openBinanceVenue(opts: BinanceVenueOptions): Promise<BinanceVenue> {
  if (opts.credentials === null || opts.credentials.apiKey === '' || opts.credentials.secret === '')
    throw new VenueError(
      'auth',
      `binance ${opts.market}: API key and secret are required (see the README: Binance demo and testnet keys)`,
    );
  if (opts.market !== 'usdm-demo' && opts.market !== 'spot-testnet')
    throw new VenueError(
      'unsupported',
      `binance: unknown market "${String(opts.market)}" (usdm-demo or spot-testnet)`,
    );
  const futures = opts.market === 'usdm-demo';
  const base = exchangeBaseUrl(opts.url);
  const Cls = (ccxt.pro as unknown as Record<string, ExchangeClass>)[futures ? 'binanceusdm' : 'binance']!;
  const ex = new Cls({
    apiKey: opts.credentials.apiKey,
    secret: opts.credentials.secret,
    enableRateLimit: true,
    timeout: opts.timeoutMs ?? 10_000,
    options: {
      defaultType: futures ? 'future' : 'spot',
      fetchMarkets: { types: [futures ? 'linear' : 'spot'] },
      adjustForTimeDifference: false,
      fetchCurrencies: false,
      warnOnFetchOpenOrdersWithoutSymbol: false,
      // no REST snapshots behind watchOrders (they would leave futures nobody awaits on a drop)
      watchPositions: { fetchPositionsSnapshot: false },
      watchBalance: { fetchBalanceSnapshot: false },
    },
  });
  if (futures) ex.enableDemoTrading(true);
  else ex.setSandboxMode(true);
  if (base !== undefined) {
    ex.urls.api = rewriteApiUrls(ex.urls.api, base) as typeof ex.urls.api;
    if (base.protocol === 'http:') await ex.loadHttpProxyAgent(); // ccxt needs it for ws://
  }
  const what = `binance ${opts.market}`;
  const fail = async (step: string, e: unknown): Promise<never> => {
    await ex.close().catch(() => undefined);
    throw toVenueError(e, `${opts.market} ${step}`);
  };
  let limits: BinanceRateLimit[] = [];
  try {
    await ex.loadTimeDifference();
    const info = await (futures
      ? (ex as unknown as Record<string, RawApi>).fapiPublicGetExchangeInfo!({})
      : (ex as unknown as Record<string, RawApi>).publicGetExchangeInfo!({}));
    limits = parseRateLimits(info);
    await ex.loadMarkets(true);
  } catch (e) {
    return fail('start-up', e);
  }
  const perMinute = weightPerMinute(limits);
  if (Number.isFinite(perMinute)) ex.rateLimit = Math.max(Number(ex.rateLimit) || 0, 60_000 / perMinute);
  let m: ReturnType<Exchange['market']>;
  try {
    m = ex.market(opts.symbol);
  } catch {
    const ids = Object.keys(ex.markets ?? {})
      .slice(0, 5)
      .join(', ');
    await ex.close().catch(() => undefined);
    throw new VenueError('rejected', `${what}: unknown symbol "${opts.symbol}" (e.g. ${ids})`);
  }
  if (futures ? m.linear !== true : m.spot !== true)
    throw new VenueError(
      'rejected',
      `${what}: "${opts.symbol}" is not a ${futures ? 'USD-M' : 'spot'} market`,
    );
  const filters = (((m.info as Raw | undefined)?.filters ?? []) as Raw[]) ?? [];
  const filter = (type: string): Raw => filters.find((f) => f.filterType === type) ?? {};
  const market: VenueMarket = {
    symbol: m.symbol,
    venueSymbol: m.id ?? '',
    tickSize: num(filter('PRICE_FILTER').tickSize) || Number(m.precision.price),
    amountStep: num(filter('LOT_SIZE').stepSize) || Number(m.precision.amount),
    minAmount: num(filter('LOT_SIZE').minQty) || (m.limits.amount?.min ?? 0),
    minNotional: num(filter('MIN_NOTIONAL').notional) || num(filter('NOTIONAL').minNotional) || 0,
    contractSize: m.contractSize ?? 1,
  };
  for (const [k, v] of Object.entries(market))
    if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0))
      throw new VenueError('rejected', `${what} ${m.symbol}: market.${k} is not a number (${v})`);
  return new BinanceVenue(ex, opts.market, market, limits, opts);
}
