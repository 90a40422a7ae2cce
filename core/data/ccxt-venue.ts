/**
 * One exchange through ccxt (REST, and ccxt.pro websockets for recording), as the download and record
 * commands use it: construction by ccxt id, an optional base URL that replaces the origin of every
 * URL ccxt knows for the venue (a local fake in tests, a proxy for users), market loading restricted
 * to the kind of market asked for (Binance: only the spot or the USD-M exchangeInfo), symbol
 * resolution, and `call`: one request with ccxt's rate limiter on, bounded retries of transient errors
 * (ccxt's NetworkError family: 429, 5xx, timeouts), cancellation by an AbortSignal, and every other
 * failure turned into one VenueError line naming the venue, the method and the request.
 */
import ccxt, { type Exchange, type Market as CcxtMarket } from 'ccxt';

/** A loaded market (ccxt's Market type admits undefined). */
export type Market = NonNullable<CcxtMarket>;

/** A failure of the venue or of its answer; the message names what was wrong. */
export class VenueError extends Error {
  override name = 'VenueError';
}

/** Environment variable read when no explicit base URL is given. */
export const EXCHANGE_URL_ENV = 'QUOTEBENCH_EXCHANGE_URL';

/** Transient failures are retried this many times (so at most 1 + RETRIES requests per call). */
export const RETRIES = 5;

/** Binance-family ids whose market loading can be restricted by `options.fetchMarkets.types`. */
const BINANCE_FAMILY = new Set(['binance', 'binanceusdm', 'binancecoinm', 'binanceus']);

export interface VenueOptions {
  /** ccxt exchange id, e.g. "binance" or "binanceusdm". */
  exchange: string;
  /** The symbol as the user gave it: unified ("BTC/USDT", "BTC/USDT:USDT") or the venue's id ("BTCUSDT"). */
  symbol: string;
  /** Base URL replacing the origin of every venue URL (http(s)://host[:port][/prefix]). */
  url?: string | undefined;
  /** true: a ccxt.pro instance (websockets) for recording. */
  websocket?: boolean;
  signal?: AbortSignal | undefined;
  /** Told about every retry (for the progress output). */
  onRetry?: (message: string) => void;
  /** ccxt methods the caller needs (checked against the venue's `has` before anything is fetched). */
  needs?: string[];
}

export interface Venue {
  readonly ex: Exchange;
  readonly id: string;
  /** The resolved market (unified symbol in market.symbol). */
  readonly market: Market;
  /** Requests retried so far. */
  retries(): number;
  /** Bytes of the HTTP responses received so far (as ccxt reports them). */
  bytes(): number;
  /** The URL of the last request without its query (for the dataset's sources). */
  lastEndpoint(): string;
  /** One request: rate-limited by ccxt, transient errors retried, failures as VenueError. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** An AbortError (the name the CLI and the signal handlers look for). */
export function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : Object.assign(new Error('cancelled'), { name: 'AbortError' });
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function sleepAbortable(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `p`, or an AbortError as soon as `signal` aborts (the request itself is left to finish and dropped). */
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** The base URL from the option or the environment, checked; undefined when neither is set. */
export function exchangeBaseUrl(option: string | undefined): URL | undefined {
  const raw = option ?? process.env[EXCHANGE_URL_ENV];
  if (raw === undefined || raw === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new VenueError(`the exchange URL "${raw}" is not a URL (expected http(s)://host[:port])`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new VenueError(`the exchange URL "${raw}" must start with http:// or https://`);
  if (u.search !== '' || u.hash !== '')
    throw new VenueError(`the exchange URL "${raw}" must not have a query or fragment`);
  return u;
}

/**
 * Every URL in ccxt's `urls.api` (nested) with its origin replaced by `base` (its path prefixed with
 * base's path): https → base's scheme, wss → ws or wss to match. Strings that are not URLs are kept.
 */
export function rewriteApiUrls(api: unknown, base: URL): unknown {
  if (typeof api === 'string') {
    const m = /^(https?|wss?):\/\/[^/]+(\/.*)?$/.exec(api);
    if (m === null) return api;
    const ws = m[1]!.startsWith('ws');
    const scheme = ws ? (base.protocol === 'https:' ? 'wss:' : 'ws:') : base.protocol;
    const prefix = base.pathname.replace(/\/$/, '');
    return `${scheme}//${base.host}${prefix}${m[2] ?? ''}`;
  }
  if (Array.isArray(api)) return api.map((x) => rewriteApiUrls(x, base));
  if (api !== null && typeof api === 'object')
    return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, rewriteApiUrls(v, base)]));
  return api;
}

/** Binance: load only the exchangeInfo of the kind of market the symbol names (spot, linear, inverse). */
function binanceMarketTypes(id: string, symbol: string): string[] | undefined {
  if (!BINANCE_FAMILY.has(id)) return undefined;
  if (id === 'binanceusdm') return ['linear'];
  if (id === 'binancecoinm') return ['inverse'];
  const m = /^([A-Z0-9]+)\/([A-Z0-9]+):([A-Z0-9]+)/i.exec(symbol);
  if (m === null) return ['spot'];
  return m[3]!.toUpperCase() === m[2]!.toUpperCase() ? ['linear'] : ['inverse'];
}

type ExchangeClass = new (config?: Record<string, unknown>) => Exchange;

function exchangeClass(id: string, websocket: boolean): ExchangeClass {
  const table = (websocket ? ccxt.pro : ccxt) as unknown as Record<string, ExchangeClass | undefined>;
  if (!/^[a-z0-9]+$/.test(id) || !(ccxt.exchanges as string[]).includes(id))
    throw new VenueError(
      `unknown exchange "${id}": not one of ccxt's ${ccxt.exchanges.length} exchange ids (e.g. binance, binanceusdm, bybit, okx)`,
    );
  const cls = table[id];
  if (cls === undefined)
    throw new VenueError(`ccxt ${ccxt.version} has no websocket support for ${id}: data record needs it`);
  return cls;
}

/** Message of an error from ccxt or from parsing an answer, on one line. */
function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim().slice(0, 400);
}

export async function openVenue(opts: VenueOptions): Promise<Venue> {
  const base = exchangeBaseUrl(opts.url);
  const Cls = exchangeClass(opts.exchange, opts.websocket === true);
  const config: Record<string, unknown> = { enableRateLimit: true };
  const types = binanceMarketTypes(opts.exchange, opts.symbol);
  if (types !== undefined) config.options = { fetchMarkets: { types } };
  const ex = new Cls(config);
  for (const method of opts.needs ?? [])
    if (ex.has[method] !== true && ex.has[method] !== 'emulated')
      throw new VenueError(`${opts.exchange} has no ${method} in ccxt ${ccxt.version}`);
  if (base !== undefined) {
    ex.urls.api = rewriteApiUrls(ex.urls.api, base) as typeof ex.urls.api;
    if (base.protocol === 'http:' && opts.websocket === true) await ex.loadHttpProxyAgent(); // ccxt needs it for ws://
  }
  let retries = 0;
  let bytes = 0;
  const { signal } = opts;

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw abortError(signal);
      try {
        const r = await raceAbort(fn(), signal);
        bytes += ex.last_http_response?.length ?? 0;
        return r;
      } catch (e) {
        if (signal?.aborted) throw abortError(signal);
        if (e instanceof ccxt.NetworkError && attempt < RETRIES) {
          retries++;
          const retryAfter = Number(
            ex.last_response_headers?.['retry-after'] ?? ex.last_response_headers?.['Retry-After'],
          );
          const backoff = Math.max(Number(ex.rateLimit) || 0, 250) * 2 ** attempt;
          const wait = Math.min(
            60_000,
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff,
          );
          opts.onRetry?.(
            `${opts.exchange} ${what}: ${e.constructor.name} (${oneLine(e).slice(0, 160)}); retry ${attempt + 1} of ${RETRIES} in ${(wait / 1000).toFixed(1)} s`,
          );
          await sleepAbortable(wait, signal);
          continue;
        }
        throw describeFailure(e, ex, opts.exchange, what, attempt);
      }
    }
  };

  // reload = true: ccxt keeps a failed loadMarkets promise and would hand it back to every retry
  await call('loadMarkets', () => ex.loadMarkets(true));
  const market = findMarket(ex, opts.symbol, opts.exchange);
  return {
    ex,
    id: opts.exchange,
    market,
    retries: () => retries,
    bytes: () => bytes,
    lastEndpoint: () => (ex.last_request_url ?? '').replace(/\?.*$/, ''),
    call,
    close: async () => {
      try {
        await ex.close(); // websockets
        // REST: ccxt's keep-alive pool; destroying it also ends a request still in flight after a
        // cancellation (else its socket and ccxt's timeout timer keep the process alive)
        const pool = (ex as unknown as { fetchDispatcher?: { destroy?: () => Promise<void> } })
          .fetchDispatcher;
        await pool?.destroy?.();
      } catch {
        // closing is best-effort: the connections are gone either way
      }
    },
  };
}

function findMarket(ex: Exchange, symbol: string, id: string): Market {
  const markets = (ex.markets ?? {}) as Record<string, Market | undefined>;
  const direct = markets[symbol];
  if (direct !== undefined) return direct;
  const byId = ex.markets_by_id?.[symbol] as Market[] | undefined;
  if (byId !== undefined && byId.length === 1) return byId[0]!;
  if (byId !== undefined && byId.length > 1)
    throw new VenueError(
      `"${symbol}" names ${byId.length} markets on ${id} (${byId.map((m) => m.symbol).join(', ')}): give the unified symbol`,
    );
  const all = Object.keys(markets);
  if (all.length === 0)
    throw new VenueError(
      `${id} loadMarkets (${(ex.last_request_url ?? '').replace(/\?.*$/, '')}): the venue listed no markets (answer: ${JSON.stringify((ex.last_http_response ?? '').slice(0, 80))})`,
    );
  const near = all
    .filter((s) => s.replace(/[/:]/g, '').startsWith(symbol.replace(/[/:]/g, '').slice(0, 3)))
    .slice(0, 5);
  throw new VenueError(
    `unknown symbol "${symbol}" on ${id} (${all.length} markets loaded${near.length > 0 ? `; e.g. ${near.join(', ')}` : ''})`,
  );
}

/** A ccxt or parsing failure as one VenueError line: venue, method, request, what went wrong. */
function describeFailure(e: unknown, ex: Exchange, id: string, what: string, attempt: number): Error {
  if (e instanceof VenueError) return e;
  if (e instanceof Error && e.name === 'AbortError') return e;
  const url = ex.last_request_url ?? '';
  const where = `${id} ${what}${url !== '' ? ` (${url})` : ''}`;
  const body = ex.last_http_response;
  if (!(e instanceof ccxt.BaseError) && typeof body === 'string') {
    try {
      JSON.parse(body);
    } catch {
      return new VenueError(
        `${where}: the answer is not valid JSON (${body.length} bytes: ${JSON.stringify(body.slice(0, 60))}…)`,
      );
    }
  }
  if (e instanceof ccxt.NetworkError)
    return new VenueError(`${where}: ${e.constructor.name} after ${attempt + 1} attempts: ${oneLine(e)}`);
  if (e instanceof ccxt.BaseError) return new VenueError(`${where}: ${e.constructor.name}: ${oneLine(e)}`);
  return new VenueError(`${where}: unexpected answer (${oneLine(e)})`);
}
