/**
 * A Node client for the web shell's WebSocket API (framing: core/server/ws-protocol.ts), for the
 * specs' setup steps and for timing calls from outside the browser. Speaks the same contract as the
 * renderer (core/api/contract.ts): `call` settles with the output or rejects with the ApiError.
 */
import WebSocket from 'ws';
import type { ApiError, EventPayload, MethodInputArg, MethodOutput } from '../core/api/contract';
import type { EventTopic, MethodName } from '../core/api/names';

type ServerMessage =
  | { kind: 'result'; id: number; ok: true; output: unknown }
  | { kind: 'result'; id: number; ok: false; error: ApiError }
  | { kind: 'event'; topic: string; payload: unknown }
  | { kind: 'error'; error: ApiError };

export class ApiCallFailed extends Error {
  constructor(
    readonly method: string,
    readonly error: ApiError,
  ) {
    super(`${method} failed: ${error.code}: ${error.message}${error.path ? ` (at ${error.path})` : ''}`);
  }
}

export class ApiSocket {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => this.onMessage(String(data)));
    ws.on('close', () => {
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new Error(`socket closed before ${p.method} answered`));
      }
    });
  }

  /** Connects to the shell whose page URL (with ?token=) is given. */
  static connect(shellUrl: string): Promise<ApiSocket> {
    const u = new URL(shellUrl);
    const token = u.searchParams.get('token') ?? '';
    const ws = new WebSocket(`ws://${u.host}/ws?token=${encodeURIComponent(token)}`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new ApiSocket(ws)));
      ws.once('error', reject);
    });
  }

  call<M extends MethodName>(method: M, input: MethodInputArg<M>): Promise<MethodOutput<M>> {
    const id = this.nextId++;
    return new Promise<MethodOutput<M>>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ kind: 'call', id, method, input }));
    });
  }

  /** Subscribes the socket to a topic and calls `cb` for each event; returns the remover. */
  on<T extends EventTopic>(topic: T, cb: (payload: EventPayload<T>) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
      this.ws.send(JSON.stringify({ kind: 'sub', topics: [topic] }));
    }
    const l = cb as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /** Resolves with the first event on `topic` that satisfies `pred`. */
  waitFor<T extends EventTopic>(
    topic: T,
    pred: (payload: EventPayload<T>) => boolean,
    timeoutMs = 60_000,
  ): Promise<EventPayload<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching ${topic} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on(topic, (p) => {
        if (!pred(p)) return;
        clearTimeout(timer);
        off();
        resolve(p);
      });
    });
  }

  /** Starts a backtest from YAML and resolves with its ids and final status. */
  async runBacktest(
    yaml: string,
    keepPaths = 3,
  ): Promise<{ runId: string; jobId: string; status: EventPayload<'job.done'>['status'] }> {
    const done = new Map<string, EventPayload<'job.done'>>();
    const waiters = new Map<string, (p: EventPayload<'job.done'>) => void>();
    const off = this.on('job.done', (p) => {
      const w = waiters.get(p.jobId);
      if (w) w(p);
      else done.set(p.jobId, p);
    });
    try {
      const { jobId, runId } = await this.call('backtest.start', { yaml, keepPaths });
      const result =
        done.get(jobId) ??
        (await new Promise<EventPayload<'job.done'>>((resolve) => waiters.set(jobId, resolve)));
      return { runId, jobId, status: result.status };
    } finally {
      off();
    }
  }

  close(): void {
    this.ws.close();
  }

  private onMessage(text: string): void {
    const msg = JSON.parse(text) as ServerMessage;
    if (msg.kind === 'result') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.output);
      else p.reject(new ApiCallFailed(p.method, msg.error));
    } else if (msg.kind === 'event') {
      for (const l of this.listeners.get(msg.topic) ?? []) l(msg.payload);
    }
  }
}
