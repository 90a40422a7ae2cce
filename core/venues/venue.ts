/**
 * The one venue interface for market data and execution. The paper venue (./paper-venue.ts: our
 * orders matched locally against a recorded or live feed by the replay's matching code) and the
 * exchange connectors (./binance.ts) implement it; the order manager (core/paper/oms.ts) and the
 * paper-trading session (core/paper/session.ts) use nothing else, so a session runs unchanged on
 * any venue. The shape follows NautilusTrader's data/execution client split and ccxt's unified
 * order model (https://docs.ccxt.com/#/README?id=order-structure), reduced to what a two-sided
 * quoter needs.
 *
 * Units and conventions (the edge of the system: decimal numbers, as the venue speaks them):
 * - prices are decimal prices in quote currency, amounts in the venue's base units (contracts ×
 *   contractSize for derivatives: `amount` is what ccxt calls amount); the session converts lots
 *   (the quoter's unit) with the market's `amountStep`;
 * - times are milliseconds: `exchangeTimeMs` is the venue's own timestamp (feed time, the clock
 *   every decision runs on), `localTimeMs` the local receive time by the wall clock (only the
 *   stale-data guard reads it). The paper venue on a recorded feed reports tape time in both.
 * - listeners receive objects the venue may reuse for the next event (no allocation per book
 *   update): copy what you keep.
 *
 * Errors: every failing request rejects with a VenueError whose `kind` tells the order manager
 * whether to retry (rate-limited, network: the request may or may not have reached the venue, so a
 * retry first looks the order up by clientOrderId), or to fail (rejected, not-found, auth).
 */

/** The instrument as the venue trades it. */
export interface VenueMarket {
  /** Unified symbol (ccxt style), e.g. "BTC/USDT:USDT". */
  symbol: string;
  /** The venue's own id of the symbol, e.g. "BTCUSDT". */
  venueSymbol: string;
  /** Price increment (quote currency). */
  tickSize: number;
  /** Amount increment (base units); one quoter lot is one amountStep unless the session says otherwise. */
  amountStep: number;
  /** Smallest accepted amount (base units). */
  minAmount: number;
  /** Smallest accepted notional (quote currency); 0 when the venue has none. */
  minNotional: number;
  /** Base units per contract (1 for spot and linear perpetuals quoted in base units). */
  contractSize: number;
}

/** What the venue can do; the session and the order manager adapt to it. */
export interface VenueCapabilities {
  /** Orders can be modified in place (price and/or amount). */
  amend: boolean;
  /** An amend keeps the order's queue priority (else it is a cancel/replace at the venue). */
  amendKeepsPriority: boolean;
  /**
   * An amend that only lowers the amount (same price) keeps the order's queue priority, whatever
   * `amendKeepsPriority` says of other amends (Binance spot: PUT order/amend/keepPriority). Absent:
   * as `amendKeepsPriority`.
   */
  amendDecreaseKeepsPriority?: boolean;
  /** One request cancels every order of the symbol. */
  cancelAll: boolean;
  postOnly: boolean;
  /** The venue reports a position (derivatives); else the position is derived from fills and balances. */
  positions: boolean;
  /** At most this many working limit orders per side (the paper venue: 1); Infinity: no limit. */
  maxOrdersPerSide: number;
}

/** Request budget read from the venue at start-up (ccxt: exchange.rateLimit and the venue's limits). */
export interface RateLimitInfo {
  /** Minimum spacing between REST requests that the client keeps (ms). */
  minIntervalMs: number;
  /** Order requests (place/amend/cancel) the venue accepts per second; Infinity when unlimited. */
  ordersPerSecond: number;
  /** Order requests per 10 s window where the venue counts that way (Binance futures); else Infinity. */
  ordersPer10s: number;
}

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';

// ——— the order state machine ———

/**
 * States of one order. pending: sent, not acknowledged; open: resting, nothing filled;
 * partially-filled: resting with a part filled; then one terminal state. A limit order that is
 * cancelled or expires after a partial fill ends cancelled/expired with filled > 0.
 */
export type OrderStatus =
  'pending' | 'open' | 'partially-filled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'filled',
  'cancelled',
  'rejected',
  'expired',
]);

/**
 * Legal transitions (from → allowed next states). A repeat of the current state is a duplicate
 * (tolerated, ignored) rather than a transition; pending → filled covers a marketable order filled
 * on arrival; open → filled an order filled in one trade.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired'],
  open: ['partially-filled', 'filled', 'cancelled', 'expired'],
  'partially-filled': ['partially-filled', 'filled', 'cancelled', 'expired'],
  filled: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

/** Rank of a state in the life of an order: an update whose rank is lower than the current one is stale. */
export const ORDER_STATUS_RANK: Readonly<Record<OrderStatus, number>> = {
  pending: 0,
  open: 1,
  'partially-filled': 2,
  filled: 3,
  cancelled: 3,
  rejected: 3,
  expired: 3,
};

export function isTerminal(s: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(s);
}

export function isLegalTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

// ——— requests ———

export interface PlaceRequest {
  /** Our id: unique per session, prefixed (see core/paper/oms.ts); the venue echoes it. */
  clientOrderId: string;
  side: OrderSide;
  type: OrderType;
  /** Limit price (ignored for market orders). */
  price: number;
  /** Base units. */
  amount: number;
  /** Reject instead of taking liquidity (limit orders only). */
  postOnly: boolean;
}

export interface AmendRequest {
  price?: number;
  amount?: number;
}

// ——— what the venue reports ———

/** The venue's view of one of our orders (an acknowledgement, a state change, or a lookup answer). */
export interface OrderUpdate {
  clientOrderId: string;
  /** The venue's id; '' while unknown. */
  venueOrderId: string;
  status: OrderStatus;
  side: OrderSide;
  type: OrderType;
  price: number;
  amount: number;
  filled: number;
  remaining: number;
  /** Average fill price; NaN before any fill. */
  avgPrice: number;
  /** Why it was rejected / cancelled / expired ('' otherwise). */
  reason: string;
  exchangeTimeMs: number;
  localTimeMs: number;
}

export interface VenueFill {
  /** The venue's trade id: unique per fill, the key for deduplication. */
  tradeId: string;
  clientOrderId: string;
  venueOrderId: string;
  side: OrderSide;
  price: number;
  amount: number;
  /** What we paid in quote currency (negative: a rebate). */
  fee: number;
  liquidity: 'maker' | 'taker';
  exchangeTimeMs: number;
  localTimeMs: number;
}

/**
 * A synchronized L2 book view, best level first. `levels` entries of each array are valid (NaN
 * price / 0 size past the last level of a side). `resync`: this view follows a sequence gap or a
 * reconnect (the book was rebuilt from a snapshot); the session stops quoting until it sees one
 * with `synced` true.
 */
export interface BookView {
  levels: number;
  bidPrices: Float64Array;
  bidSizes: Float64Array;
  askPrices: Float64Array;
  askSizes: Float64Array;
  /** Venue sequence number of the last applied update (Binance: u), or a counter. */
  seq: number;
  exchangeTimeMs: number;
  localTimeMs: number;
  resync: boolean;
  /** False while the venue knows its book is not in sync (between a gap and the next snapshot). */
  synced: boolean;
}

/** An empty book view of `levels` levels per side (NaN prices, not synced). */
export function emptyBookView(levels: number): BookView {
  return {
    levels,
    bidPrices: new Float64Array(levels).fill(Number.NaN),
    bidSizes: new Float64Array(levels),
    askPrices: new Float64Array(levels).fill(Number.NaN),
    askSizes: new Float64Array(levels),
    seq: 0,
    exchangeTimeMs: 0,
    localTimeMs: 0,
    resync: false,
    synced: false,
  };
}

export interface TradePrint {
  tradeId: string;
  price: number;
  amount: number;
  /** The aggressor's side. */
  aggressor: OrderSide;
  exchangeTimeMs: number;
  localTimeMs: number;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'closed';

export interface ConnectionEvent {
  status: ConnectionStatus;
  /** Reconnect attempt (1, 2, …) while reconnecting; 0 otherwise. */
  attempt: number;
  /** Why (the error of a disconnect), '' otherwise. */
  reason: string;
  localTimeMs: number;
}

/**
 * Everything a venue pushes. Every member is optional. Calls are made in the venue's order of
 * events; a listener that returns a promise (onTimer) is awaited before the venue moves on, so a
 * session that decides on a timer is deterministic given the feed.
 */
export interface VenueListener {
  onBook?(book: BookView): void;
  onTrade?(trade: TradePrint): void;
  onOrder?(update: OrderUpdate): void;
  onFill?(fill: VenueFill): void;
  onConnection?(event: ConnectionEvent): void;
  /**
   * A timer set with setTimer fired at feed time `exchangeTimeMs`. The paper venue fires it in feed
   * time between feed events (so decisions are deterministic); live venues by the wall clock.
   */
  onTimer?(exchangeTimeMs: number): void | Promise<void>;
}

export interface Position {
  /** Signed base units (long > 0). */
  amount: number;
  /** Average entry price; NaN when flat or unknown. */
  entryPrice: number;
}

export interface Balance {
  currency: string;
  free: number;
  used: number;
  total: number;
}

export interface Venue {
  /** Venue id for logs and journals, e.g. "paper", "binanceusdm-demo". */
  readonly id: string;
  readonly market: VenueMarket;
  readonly capabilities: VenueCapabilities;
  readonly rateLimit: RateLimitInfo;
  /**
   * Connect and subscribe (book, trades, our orders and fills). Resolves once the first book is
   * synced. Reconnects on its own afterwards (reporting onConnection 'reconnecting' with the
   * attempt, then 'connected'); the caller reconciles on every 'connected'. `signal` aborts it.
   */
  connect(signal: AbortSignal): Promise<void>;
  /** Unsubscribe and close sockets; cancels nothing. Idempotent. */
  close(): Promise<void>;
  /** Add a listener; returns its removal. */
  subscribe(listener: VenueListener): () => void;
  /** Fire onTimer every `intervalMs` of feed time, the first at the next feed time ≥ now. One timer per venue. */
  setTimer(intervalMs: number): void;
  /** Current feed time (ms): the last event's exchange time (paper), or Date.now() corrected for skew (live). */
  now(): number;

  /** Resolves with the acknowledgement (status pending/open/…, or filled for a marketable order). */
  place(req: PlaceRequest): Promise<OrderUpdate>;
  /** Resolves when the venue accepted the cancel (the 'cancelled' update may follow through onOrder). */
  cancel(clientOrderId: string): Promise<void>;
  /** Cancels every open order of the symbol (one request when capabilities.cancelAll). */
  cancelAll(): Promise<void>;
  /** Modify in place (capabilities.amend); else rejects with kind 'unsupported'. */
  amend(clientOrderId: string, req: AmendRequest): Promise<OrderUpdate>;
  /** Look an order up by our id (null when the venue does not know it). */
  fetchOrder(clientOrderId: string): Promise<OrderUpdate | null>;
  fetchOpenOrders(): Promise<OrderUpdate[]>;
  fetchPosition(): Promise<Position>;
  fetchBalances(): Promise<Balance[]>;
}

// ——— errors ———

export type VenueErrorKind =
  /** The venue refused the request (bad price, post-only would cross, insufficient balance). */
  | 'rejected'
  /** The order is unknown to the venue (already gone, or never arrived). */
  | 'not-found'
  /** 429 / 418 or a request-weight limit: back off, then retry. */
  | 'rate-limited'
  /** Timeout, 5xx, a dropped connection: the request may or may not have been applied. */
  | 'network'
  /** Bad or missing credentials, permissions. */
  | 'auth'
  /** The venue cannot do this (amend on a venue without it). */
  | 'unsupported';

/** A failed venue request. `retryable`: rate-limited and network errors. */
export class VenueError extends Error {
  override name = 'VenueError';
  constructor(
    readonly kind: VenueErrorKind,
    message: string,
    /** Suggested wait before a retry (ms), when the venue said (Retry-After). */
    readonly retryAfterMs = 0,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind === 'rate-limited' || this.kind === 'network';
  }
}

export function isVenueError(e: unknown, kind?: VenueErrorKind): e is VenueError {
  return e instanceof VenueError && (kind === undefined || e.kind === kind);
}

/** API credentials; never logged, never journaled (see core/paper/credentials.ts). */
export interface VenueCredentials {
  apiKey: string;
  secret: string;
}

/** What every venue factory takes (the Binance connector: `openBinanceVenue(options)`). */
export interface OpenVenueOptions {
  /** Unified ("BTC/USDT:USDT") or venue ("BTCUSDT") symbol. */
  symbol: string;
  credentials: VenueCredentials | null;
  /** Base URL replacing the venue's origin (a local fake exchange in tests). */
  url?: string | undefined;
  /** Notes for the progress output (reconnects, rate-limit waits); never contains credentials. */
  onNote?: (message: string) => void;
}
