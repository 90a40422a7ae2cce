/**
 * An in-memory ApiClient for store tests: per-method handlers (sync or async, may throw an
 * ApiCallError), a record of every call, and `emit` to push events to subscribers.
 */
import type { EventPayload, MethodInputArg, MethodOutput } from '../../../core/api/contract';
import type { EventTopic, MethodName } from '../../../core/api/names';
import { ApiCallError } from '../api/errors';
import type { ApiClient, ConnectionInfo } from '../api/transport';

type Handler<M extends MethodName> = (input: MethodInputArg<M>) => MethodOutput<M> | Promise<MethodOutput<M>>;

export class FakeApi implements ApiClient {
  readonly kind = 'websocket' as const;
  readonly calls: { method: MethodName; input: unknown }[] = [];
  private readonly handlers = new Map<MethodName, (input: unknown) => unknown>();
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();

  constructor() {
    // The root store loads the data catalog at start; an empty one unless a test says otherwise.
    this.on('data.list', () => []);
    // The runs view searches the run history (runs.search): none unless a test says otherwise.
    this.on('runs.search', () => ({ total: 0, rows: [] }));
    // The paper store reads the session and the key store at start: none and locked unless a test says otherwise.
    this.on('paper.status', () => ({ session: null }));
    this.on('secrets.status', () => ({
      backend: 'encrypted-file',
      available: true,
      locked: true,
      initialized: false,
      venues: [],
      reason: null,
    }));
    // The server's check and grid expansion: every config valid with no runs unless a test says otherwise.
    this.on('scenarios.validate', ({ file }) => ({
      ok: true,
      file: file ?? 'config.yaml',
      issues: [],
      runs: [],
      runCount: 0,
    }));
  }

  on<M extends MethodName>(method: M, handler: Handler<M>): this {
    this.handlers.set(method, handler as (input: unknown) => unknown);
    return this;
  }

  async call<M extends MethodName>(method: M, input: MethodInputArg<M>): Promise<MethodOutput<M>> {
    this.calls.push({ method, input });
    const h = this.handlers.get(method);
    if (!h) throw new ApiCallError('unknown_method', `no fake handler for ${method}`, '', method);
    return (await h(input)) as MethodOutput<M>;
  }

  subscribe<T extends EventTopic>(topic: T, cb: (payload: EventPayload<T>) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    const l = cb as (p: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  emit<T extends EventTopic>(topic: T, payload: EventPayload<T>): void {
    for (const l of this.listeners.get(topic) ?? []) l(payload);
  }

  listenerCount(topic: EventTopic): number {
    return this.listeners.get(topic)?.size ?? 0;
  }

  callsOf(method: MethodName): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.input);
  }

  onConnection(cb: (info: ConnectionInfo) => void): () => void {
    cb({ state: 'open', detail: '' });
    return () => undefined;
  }

  onServerError(): () => void {
    return () => undefined;
  }

  close(): void {}
}

/** Resolves after pending promise callbacks (and their runInAction updates) have run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
}
