/**
 * The web shell's server on loopback with a real WebSocket client: token and origin checks, the
 * contract round trip, event subscriptions, static files, and a fuzz run of malformed messages.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { AppService } from '../services/app-service';
import { startServer, type RunningServer } from './server';
import { WsTestClient as Client } from './ws-test-client';

describe('headless server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-srv-'));
  const staticDir = join(dataDir, 'static');
  let service: AppService;
  let server: RunningServer;
  let wsUrl: string;

  beforeAll(async () => {
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>qb</title>');
    service = new AppService({ dataDir, transport: 'websocket', version: 'test' });
    server = await startServer({ service, port: 0, staticDir, token: 'secret-token-123' });
    wsUrl = `ws://127.0.0.1:${server.port}/ws?token=secret-token-123`;
  });
  afterAll(async () => {
    await server.close();
    await service.close();
  });

  it('binds loopback, prints a URL with the token, serves the renderer and refuses path escapes', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=secret-token-123`);
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>qb</title>');
    const escape = await fetch(`http://127.0.0.1:${server.port}/..%2f..%2fetc%2fpasswd`);
    expect(await escape.text()).not.toContain('root:');
  });

  it('refuses a WebSocket without the right token or from another origin', async () => {
    await expect(Client.open(`ws://127.0.0.1:${server.port}/ws`)).rejects.toThrow(/401/);
    await expect(Client.open(`ws://127.0.0.1:${server.port}/ws?token=wrong`)).rejects.toThrow(/401/);
    await expect(Client.open(wsUrl, { Origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const ok = await Client.open(wsUrl, { Origin: `http://127.0.0.1:${server.port}` });
    ok.ws.close();
  });

  it('carries calls and events', async () => {
    const c = await Client.open(wsUrl);
    const info = await c.call(1, 'app.info', {});
    expect(info).toMatchObject({
      kind: 'result',
      id: 1,
      ok: true,
      output: { transport: 'websocket', version: 'test' },
    });
    c.ws.send(JSON.stringify({ kind: 'sub', topics: ['job.done', 'job.progress'] }));
    const yaml = `seed: 1\npaths: 5\nscenario:\n  mode: intensity\n  horizon: 1\n  dt: 0.01\n  s0: 100\n  price: { sigma: 2 }\n  intensity: { A: 140, k: 1.5 }\nstrategies:\n  - type: fixed-spread\n    halfSpread: 0.7\n`;
    const started = await c.call(2, 'backtest.start', { yaml });
    expect(started).toMatchObject({ ok: true });
    const done = await c.waitFor((m) => m.kind === 'event' && m.topic === 'job.done');
    expect(done).toMatchObject({ payload: { status: 'completed' } });
    c.ws.close();
  });

  it('answers ≥ 1000 malformed messages with typed errors and keeps serving', async () => {
    const c = await Client.open(wsUrl);
    const rng = new Rng(99);
    const big = 'x'.repeat(1_100_000);
    const makers: (() => string)[] = [
      () => '{not json',
      () => '',
      () => 'null',
      () => '42',
      () => '[]',
      () => JSON.stringify({ kind: 'call' }),
      () => JSON.stringify({ kind: 'call', id: -1, method: 'app.info' }),
      () => JSON.stringify({ kind: 'call', id: rng.int(1e6), method: 7, input: {} }),
      () => JSON.stringify({ kind: 'call', id: rng.int(1e6), method: 'no.such.method', input: {} }),
      () => JSON.stringify({ kind: 'call', id: rng.int(1e6), method: 'runs.get', input: { runId: 5 } }),
      () => JSON.stringify({ kind: 'call', id: rng.int(1e6), method: 'runs.list', input: { limit: 'many' } }),
      () =>
        JSON.stringify({
          kind: 'call',
          id: rng.int(1e6),
          method: 'runs.series',
          input: { runId: 'a', resultIndex: 1.5, path: 0 },
        }),
      () =>
        JSON.stringify({
          kind: 'call',
          id: rng.int(1e6),
          method: 'backtest.start',
          input: { yaml: 'seed: [' },
        }),
      () =>
        JSON.stringify({
          kind: 'call',
          id: rng.int(1e6),
          method: 'backtest.start',
          input: { config: { seed: 'x' } },
        }),
      () =>
        JSON.stringify({
          kind: 'call',
          id: rng.int(1e6),
          method: 'jobs.cancel',
          input: { jobId: 'x', extra: true },
        }),
      () => JSON.stringify({ kind: 'sub', topics: ['nope'] }),
      () => JSON.stringify({ kind: 'teleport' }),
      () => JSON.stringify({ kind: 'call', id: rng.int(1e6), method: 'runs.list', input: big }),
      () => '\u0000\u0001binaryish',
      () => JSON.stringify({ kind: 'call', id: { evil: true }, method: 'app.info' }),
    ];
    const n = 1200;
    const before = c.messages.length;
    for (let i = 0; i < n; i++) {
      const make = makers[i % makers.length];
      if (make) c.ws.send(make());
    }
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const deadline = Date.now() + 30_000;
    while (c.messages.length - before < n + 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const replies = c.messages.slice(before);
    expect(replies).toHaveLength(n + 1);
    const codes = new Set<string>();
    for (const m of replies) {
      expect(m.kind === 'error' || (m.kind === 'result' && !m.ok)).toBe(true);
      const err = m.kind === 'error' ? m.error : m.kind === 'result' && !m.ok ? m.error : null;
      expect(typeof err?.code).toBe('string');
      expect(typeof err?.message).toBe('string');
      codes.add(err?.code ?? '');
    }
    // A bad YAML document is `bad_config` (invalid_input before the config parser had its own code).
    expect([...codes].filter((c) => !['bad_config', 'invalid_input'].includes(c)).sort()).toEqual([
      'bad_message',
      'payload_too_large',
      'unknown_method',
    ]);
    expect(codes.has('invalid_input')).toBe(true);
    const after = await c.call(424242, 'app.info', {});
    expect(after).toMatchObject({ ok: true });
    c.ws.close();
  });
});
