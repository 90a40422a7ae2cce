import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiCallError, cleanMessage } from './errors';
import { WsTransport, type SocketLike } from './ws-transport';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
  receive(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent);
  }
}

describe('WsTransport', () => {
  let sockets: FakeSocket[];
  const make = (): WsTransport =>
    new WsTransport({
      url: 'ws://h/ws?token=t',
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      callWaitMs: 1000,
      initialBackoffMs: 100,
      maxBackoffMs: 400,
      probe: () => Promise.resolve(serverUp),
    });
  let serverUp = false;

  beforeEach(() => {
    serverUp = false;
    sockets = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('queues calls until the socket opens, then resolves them by id', async () => {
    const t = make();
    const p = t.call('app.info', {});
    const s = sockets[0]!;
    expect(s.sent).toEqual([]);
    s.open();
    expect(s.sent).toEqual([{ kind: 'call', id: 1, method: 'app.info', input: {} }]);
    s.receive({ kind: 'result', id: 1, ok: true, output: { version: '1' } });
    await expect(p).resolves.toEqual({ version: '1' });
  });

  it('rejects a server error as ApiCallError with code and path', async () => {
    const t = make();
    sockets[0]!.open();
    const p = t.call('runs.get', { runId: 'x' });
    sockets[0]!.receive({
      kind: 'result',
      id: 1,
      ok: false,
      error: { code: 'not_found', message: 'no run x', path: 'runId' },
    });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect(err).toMatchObject({ code: 'not_found', message: 'no run x', path: 'runId', method: 'runs.get' });
  });

  it('fails a queued call with a clear error when no connection comes', async () => {
    const t = make();
    const p = t.call('runs.list', {});
    const assertion = expect(p).rejects.toMatchObject({ code: 'disconnected' });
    vi.advanceTimersByTime(1001);
    await assertion;
  });

  it('fails in-flight calls on a drop, reconnects with backoff and re-subscribes', async () => {
    const t = make();
    const got: unknown[] = [];
    t.subscribe('job.progress', (p) => got.push(p));
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([{ kind: 'sub', topics: ['job.progress'] }]);
    const p = t.call('jobs.list', {});
    sockets[0]!.drop();
    await expect(p).rejects.toMatchObject({ code: 'disconnected' });
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([{ kind: 'sub', topics: ['job.progress'] }]);
    sockets[1]!.receive({ kind: 'event', topic: 'job.progress', payload: { done: 1 } });
    expect(got).toEqual([{ done: 1 }]);
  });

  it('sends one sub per topic and unsub when the last listener leaves', () => {
    const t = make();
    sockets[0]!.open();
    const a = t.subscribe('book.snapshot', () => undefined);
    const b = t.subscribe('book.snapshot', () => undefined);
    a();
    b();
    expect(sockets[0]!.sent).toEqual([
      { kind: 'sub', topics: ['book.snapshot'] },
      { kind: 'unsub', topics: ['book.snapshot'] },
    ]);
  });

  it('without a token every call fails as unauthorized and no socket opens', async () => {
    const t = new WsTransport({ url: null, createSocket: () => new FakeSocket('x') });
    await expect(t.call('app.info', {})).rejects.toMatchObject({ code: 'unauthorized' });
  });
  it('tells a dead server from a live one that refuses the token', async () => {
    const t = make();
    const infos: { state: string; reason?: string; detail: string }[] = [];
    t.onConnection((i) => infos.push(i));
    sockets[0]!.open();
    sockets[0]!.drop();
    expect(infos.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'lost' });
    await vi.advanceTimersByTimeAsync(100);
    sockets[1]!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(infos.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'unreachable' });
    expect(infos.at(-1)!.detail).toMatch(/cannot reach the server/);
    serverUp = true;
    await vi.advanceTimersByTimeAsync(200);
    sockets[2]!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(infos.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'token-rejected' });
    expect(infos.at(-1)!.detail).toMatch(/server restarted; open the new URL .* \(the token changed\)/);
    t.close();
  });
});

describe('cleanMessage', () => {
  it('strips Electron IPC and error-class prefixes', () => {
    expect(cleanMessage("Error invoking remote method 'qb:invoke': Error: no run x")).toBe('no run x');
    expect(cleanMessage('TypeError: boom')).toBe('boom');
    expect(cleanMessage('plain')).toBe('plain');
  });
});
