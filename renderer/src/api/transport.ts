/**
 * The renderer's only way to the back end: the API contract (core/api/contract.ts, imported for types
 * only) over one of two transports with the same surface. Inside Electron the preload bridge carries
 * calls over IPC; in the web shell a WebSocket to the headless server does. Stores receive an
 * `ApiClient`, never a transport class, so tests inject a fake.
 */
import type { EventPayload, MethodInputArg, MethodOutput } from '../../../core/api/contract';
import type { EventTopic, MethodName } from '../../../core/api/names';
import { ElectronTransport } from './electron-transport';
import { WsTransport } from './ws-transport';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionInfo {
  state: ConnectionState;
  /** Why the last attempt failed (shown while reconnecting). */
  detail: string;
  /**
   * What is known about a failure: the open socket dropped (`lost`), nothing answers at the server's
   * address (`unreachable`), or the server answers HTTP but refuses the WebSocket, i.e. the page's
   * token is stale after a restart (`token-rejected`).
   */
  reason?: 'lost' | 'unreachable' | 'token-rejected';
}

export interface ApiClient {
  readonly kind: 'electron' | 'websocket';
  /** Calls a contract method; rejects with an ApiCallError. */
  call<M extends MethodName>(method: M, input: MethodInputArg<M>): Promise<MethodOutput<M>>;
  /** Listens to an event topic; returns the unsubscribe function. */
  subscribe<T extends EventTopic>(topic: T, cb: (payload: EventPayload<T>) => void): () => void;
  /** Connection changes (Electron is always open); returns the unsubscribe function. */
  onConnection(cb: (info: ConnectionInfo) => void): () => void;
  /** Server errors not tied to a call (a malformed message, an unknown topic). */
  onServerError(cb: (error: Error) => void): () => void;
  close(): void;
}

/** Electron when the preload bridge is present, else the WebSocket of the page's own host. */
export function createApiClient(win: Window = window): ApiClient {
  const bridge = win.quotebench;
  if (bridge?.invoke && bridge.subscribe) return new ElectronTransport(bridge);
  return new WsTransport({ url: wsUrlFromLocation(win.location) });
}

/** ws(s)://<same host>/ws?token=<token from the page URL>; null when the page has no token. */
export function wsUrlFromLocation(loc: Pick<Location, 'protocol' | 'host' | 'search'>): string | null {
  const token = new URLSearchParams(loc.search).get('token');
  if (!token) return null;
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws?token=${encodeURIComponent(token)}`;
}
