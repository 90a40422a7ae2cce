/**
 * The API over the headless server's WebSocket (framing: core/server/ws-protocol.ts).
 *
 * - Calls carry a numeric id; the matching {kind:'result'} settles them. A server ApiError rejects
 *   as ApiCallError {code, message, path}.
 * - Calls made while disconnected wait for the connection (up to `callWaitMs`), then fail with a
 *   clear 'disconnected' error. Calls in flight when the socket drops fail at once: the server may or
 *   may not have run them, and retrying a `backtest.start` blindly would run it twice.
 * - The socket reconnects with exponential backoff and re-sends its subscriptions on every open.
 * - One socket-level `sub` per topic, however many listeners the page has.
 */
import type { ApiError, EventPayload, MethodInputArg, MethodOutput } from '../../../core/api/contract';
import type { EventTopic, MethodName } from '../../../core/api/names';
import { ApiCallError, isApiErrorLike } from './errors';
import type { ApiClient, ConnectionInfo, ConnectionState } from './transport';

/** The subset of the browser WebSocket the transport uses (injectable for tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
}

export interface WsTransportOptions {
  /** ws://host/ws?token=…; null when the page has no token (every call then fails clearly). */
  url: string | null;
  createSocket?: (url: string) => SocketLike;
  /** How long a call made while disconnected waits for the connection. */
  callWaitMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Resolves true when the server answers plain HTTP. A browser WebSocket whose upgrade is refused
   * (401, stale token) fails exactly like one to a dead server; the probe tells them apart.
   * Default: fetch `/` of the socket's host; tests inject one.
   */
  probe?: () => Promise<boolean>;
}

const OPEN = 1;

interface Pending {
  method: string;
  resolve: (output: unknown) => void;
  reject: (e: ApiCallError) => void;
}

interface Queued extends Pending {
  id: number;
  input: unknown;
  timer: ReturnType<typeof setTimeout>;
}

type ServerMessage =
  | { kind: 'result'; id: number | string; ok: true; output: unknown }
  | { kind: 'result'; id: number | string; ok: false; error: ApiError }
  | { kind: 'event'; topic: string; payload: unknown }
  | { kind: 'error'; error: ApiError };

export const UNREACHABLE_MESSAGE = 'cannot reach the server (is `quotebench serve` running?); retrying';
export const TOKEN_REJECTED_MESSAGE =
  'the server restarted; open the new URL printed by `quotebench serve` (the token changed)';
export const LOST_MESSAGE = 'connection lost; reconnecting';

/** fetch of http(s)://<host>/ for a ws(s)://<host>/… URL: true when anything answers. */
export function httpProbe(wsUrl: string): () => Promise<boolean> {
  const u = new URL(wsUrl);
  const httpUrl = `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}/`;
  return async () => {
    try {
      await fetch(httpUrl, { method: 'HEAD', cache: 'no-store' });
      return true;
    } catch {
      return false;
    }
  };
}

export const NO_TOKEN_MESSAGE =
  'This page has no access token. Open the URL printed by `quotebench serve` (it ends in ?token=…).';

export class WsTransport implements ApiClient {
  readonly kind = 'websocket' as const;
  private readonly url: string | null;
  private readonly createSocket: (url: string) => SocketLike;
  private readonly callWaitMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly probe: (() => Promise<boolean>) | null;
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queued = new Map<number, Queued>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly connectionListeners = new Set<(info: ConnectionInfo) => void>();
  private readonly errorListeners = new Set<(error: Error) => void>();
  private info: ConnectionInfo = { state: 'connecting', detail: '' };
  private backoffMs: number;
  private failures = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(opts: WsTransportOptions) {
    this.url = opts.url;
    this.createSocket = opts.createSocket ?? ((url) => new WebSocket(url));
    this.callWaitMs = opts.callWaitMs ?? 10_000;
    this.initialBackoffMs = opts.initialBackoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5_000;
    this.backoffMs = this.initialBackoffMs;
    this.probe =
      opts.probe ?? (this.url !== null && typeof fetch === 'function' ? httpProbe(this.url) : null);
    if (this.url === null) this.setInfo('closed', NO_TOKEN_MESSAGE);
    else this.connect();
  }

  call<M extends MethodName>(method: M, input: MethodInputArg<M>): Promise<MethodOutput<M>> {
    return new Promise<MethodOutput<M>>((resolve, reject) => {
      if (this.url === null) {
        reject(new ApiCallError('unauthorized', NO_TOKEN_MESSAGE, '', method));
        return;
      }
      if (this.closed) {
        reject(new ApiCallError('disconnected', 'the connection to the server is closed', '', method));
        return;
      }
      const id = this.nextId++;
      const p: Pending = { method, resolve: resolve as (o: unknown) => void, reject };
      if (this.socket?.readyState === OPEN) {
        this.pending.set(id, p);
        this.send({ kind: 'call', id, method, input });
        return;
      }
      const timer = setTimeout(() => {
        this.queued.delete(id);
        reject(
          new ApiCallError(
            'disconnected',
            `no connection to the Quotebench server, so ${method} was not sent`,
            '',
            method,
          ),
        );
      }, this.callWaitMs);
      this.queued.set(id, { ...p, id, input, timer });
    });
  }

  subscribe<T extends EventTopic>(topic: T, cb: (payload: EventPayload<T>) => void): () => void {
    const listener = cb as (payload: unknown) => void;
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
      if (this.socket?.readyState === OPEN) this.send({ kind: 'sub', topics: [topic] });
    }
    set.add(listener);
    return () => {
      const s = this.listeners.get(topic);
      if (!s || !s.delete(listener) || s.size > 0) return;
      this.listeners.delete(topic);
      if (this.socket?.readyState === OPEN) this.send({ kind: 'unsub', topics: [topic] });
    };
  }

  onConnection(cb: (info: ConnectionInfo) => void): () => void {
    this.connectionListeners.add(cb);
    cb(this.info);
    return () => this.connectionListeners.delete(cb);
  }

  onServerError(cb: (error: Error) => void): () => void {
    this.errorListeners.add(cb);
    return () => this.errorListeners.delete(cb);
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close(1000, 'client closed');
    }
    this.failAll('the connection to the server was closed');
    this.setInfo('closed', '');
  }

  // ----------------------------------------------------------------------------------------------

  private connect(): void {
    if (this.closed || this.url === null) return;
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.url);
    } catch (e) {
      this.scheduleReconnect(e instanceof Error ? e.message : 'cannot open a WebSocket', 'unreachable');
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.failures = 0;
      this.backoffMs = this.initialBackoffMs;
      this.setInfo('open', '');
      const topics = [...this.listeners.keys()];
      if (topics.length > 0) this.send({ kind: 'sub', topics });
      for (const q of [...this.queued.values()]) {
        clearTimeout(q.timer);
        this.queued.delete(q.id);
        this.pending.set(q.id, { method: q.method, resolve: q.resolve, reject: q.reject });
        this.send({ kind: 'call', id: q.id, method: q.method, input: q.input });
      }
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.onMessage(ev.data);
    };
    socket.onerror = () => {
      // The close event follows with the details that exist; nothing to add here.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const wasOpen = this.info.state === 'open';
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(
          new ApiCallError(
            'disconnected',
            `the connection dropped before ${p.method} answered; it may or may not have run`,
            '',
            p.method,
          ),
        );
      }
      if (wasOpen) {
        const code = ev.code && ev.code !== 1006 ? ` (code ${ev.code})` : '';
        this.scheduleReconnect(`${LOST_MESSAGE}${code}`, 'lost');
        return;
      }
      const probe = this.probe;
      if (!probe) {
        this.scheduleReconnect(UNREACHABLE_MESSAGE, 'unreachable');
        return;
      }
      void probe().then(
        (up) => {
          if (this.closed || this.socket !== null || this.reconnectTimer !== null) return;
          if (up) this.scheduleReconnect(TOKEN_REJECTED_MESSAGE, 'token-rejected');
          else this.scheduleReconnect(UNREACHABLE_MESSAGE, 'unreachable');
        },
        () => this.scheduleReconnect(UNREACHABLE_MESSAGE, 'unreachable'),
      );
    };
  }

  private scheduleReconnect(detail: string, reason: NonNullable<ConnectionInfo['reason']>): void {
    if (this.closed) return;
    this.failures++;
    this.setInfo('reconnecting', detail, reason);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.maxBackoffMs, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: ServerMessage;
    try {
      msg = JSON.parse(data) as ServerMessage;
    } catch {
      this.emitServerError(new ApiCallError('bad_message', 'the server sent a message that is not JSON'));
      return;
    }
    if (msg.kind === 'event') {
      const set = this.listeners.get(msg.topic);
      if (!set) return;
      for (const cb of set) {
        try {
          cb(msg.payload);
        } catch (e) {
          console.error(`listener for ${msg.topic} failed`, e);
        }
      }
      return;
    }
    if (msg.kind === 'result') {
      const id = typeof msg.id === 'number' ? msg.id : Number(msg.id);
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (msg.ok) p.resolve(msg.output);
      else
        p.reject(
          isApiErrorLike(msg.error)
            ? ApiCallError.fromApiError(msg.error, p.method)
            : new ApiCallError('internal', `${p.method} failed`, '', p.method),
        );
      return;
    }
    if (msg.kind === 'error' && isApiErrorLike(msg.error)) {
      this.emitServerError(ApiCallError.fromApiError(msg.error));
    }
  }

  private emitServerError(e: Error): void {
    for (const cb of this.errorListeners) cb(e);
  }

  private send(msg: unknown): void {
    this.socket?.send(JSON.stringify(msg));
  }

  private failAll(message: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new ApiCallError('disconnected', message, '', p.method));
    }
    for (const [id, q] of this.queued) {
      clearTimeout(q.timer);
      this.queued.delete(id);
      q.reject(new ApiCallError('disconnected', message, '', q.method));
    }
  }

  private setInfo(state: ConnectionState, detail: string, reason?: ConnectionInfo['reason']): void {
    if (this.info.state === state && this.info.detail === detail) return;
    this.info = reason ? { state, detail, reason } : { state, detail };
    for (const cb of this.connectionListeners) cb(this.info);
  }

  /** Consecutive failed connection attempts (for diagnostics). */
  get failedAttempts(): number {
    return this.failures;
  }
}
