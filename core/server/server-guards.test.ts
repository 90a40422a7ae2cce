/**
 * The server's guards, each with the input that used to kill the process: malformed request targets
 * (HTTP and upgrade) are 400, a throwing or rejecting handler is a 500 and one log line (never the
 * token), a failing file stream cuts one response, a throwing API handler is an `internal` error,
 * foreign Host headers are 421 (DNS rebinding) — and after each, the server still serves.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppService } from '../services/app-service';
import { startServer, type RunningServer, type StaticHandler } from './server';
import { WsTestClient } from './ws-test-client';

const TOKEN = 'guard-token-0123456789';
const UPGRADE =
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** Send one raw request; the status of the answer, or null if the socket closed without one. */
function raw(port: number, text: string): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    socket.setTimeout(20_000, () => socket.destroy());
    socket.on('data', (d) => {
      got += d.toString('latin1');
      socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      resolve(m?.[1] !== undefined ? Number(m[1]) : null);
    });
    socket.on('connect', () => socket.write(text, 'latin1'));
  });
}

/** GET with an explicit Host header (fetch does not let a caller set Host). */
function getWithHost(port: number, host: string, path = '/'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server guards', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-guard-'));
  const staticDir = join(dataDir, 'static');
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  const logged: string[] = [];
  let service: AppService;
  let server: RunningServer;
  let port: number;
  let host: string;

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>qb-guard</title>');
    // A file whose read fails after it opened (EIO): the stream error must not reach the process.
    if (existsSync('/proc/self/mem')) symlinkSync('/proc/self/mem', join(staticDir, 'broken.js'));
    service = new AppService({ dataDir, transport: 'websocket', version: 'guard' });
    server = await startServer({ service, port: 0, staticDir, token: TOKEN, log: (l) => logged.push(l) });
    port = server.port;
    host = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await server.close();
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers malformed request targets with 400 over HTTP and upgrade, and keeps serving', async () => {
    for (const path of ['/%', '/%ff', '/%c0%ae', '/a%00b', '*', 'http://evil.example/']) {
      expect(await raw(port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toBe(400);
      expect(await raw(port, `HEAD ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toBe(400);
      expect(await raw(port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${UPGRADE}\r\n`)).toBe(400);
    }
    // `//` is a valid origin-form path (an empty segment): it serves the app; as an upgrade it is 404.
    expect(await raw(port, `GET // HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toBe(200);
    expect(await raw(port, `GET // HTTP/1.1\r\nHost: ${host}\r\n${UPGRADE}\r\n`)).toBe(404);
    // Malformed raw bytes (clientError) are 400 too.
    expect(await raw(port, 'GARBAGE\r\n\r\n')).toBe(400);
    expect(await raw(port, `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`)).toBe(
      431,
    );
    const res = await fetch(`http://${host}/`);
    expect(await res.text()).toContain('<title>qb-guard</title>');
    expect(logged).toEqual([]);
    expect(uncaught).toEqual([]);
  });

  it('accepts only loopback names with our port as Host (DNS rebinding), for HTTP and WebSocket', async () => {
    for (const ok of [host, `localhost:${port}`, `LOCALHOST:${port}`, `127.9.8.7:${port}`, `[::1]:${port}`])
      expect(await getWithHost(port, ok), ok).toBe(200);
    for (const bad of [
      `evil.example:${port}`,
      'evil.example',
      `localhost:${port + 1}`,
      '127.0.0.1',
      `192.168.1.10:${port}`,
      `[::2]:${port}`,
      `localhost.evil.example:${port}`,
    ])
      expect(await getWithHost(port, bad), bad).toBe(421);
    const upgrade = (h: string): Promise<number | null> =>
      raw(port, `GET /ws?token=${TOKEN} HTTP/1.1\r\nHost: ${h}\r\n${UPGRADE}\r\n`);
    expect(await upgrade(`evil.example:${port}`)).toBe(421);
    expect(await upgrade(`localhost:${port}`)).toBe(101);
    // A rebound page sends its own origin too: the WebSocket is refused before the token matters.
    await expect(
      WsTestClient.open(`ws://127.0.0.1:${port}/ws?token=${TOKEN}`, {
        Host: `evil.example:${port}`,
        Origin: `http://evil.example:${port}`,
      }),
    ).rejects.toThrow(/421/);
    // HTTP/1.1 without Host is 400 (Node's requireHostHeader); HTTP/1.0 without Host cannot come from
    // a browser and is served.
    expect(await raw(port, 'GET / HTTP/1.1\r\n\r\n')).toBe(400);
    expect(await raw(port, 'GET / HTTP/1.0\r\n\r\n')).toBe(200);
  });

  it('absorbs a file stream that fails after opening', async () => {
    if (!existsSync('/proc/self/mem')) return;
    await expect(fetch(`http://${host}/broken.js`).then((r) => r.text())).rejects.toThrow();
    expect((await fetch(`http://${host}/`)).status).toBe(200);
    expect(uncaught).toEqual([]);
  });

  it('reports an event that cannot be sent and keeps the socket', async () => {
    const c = await WsTestClient.open(`ws://${host}/ws?token=${TOKEN}`);
    c.ws.send(JSON.stringify({ kind: 'sub', topics: ['job.progress'] }));
    await c.call(1, 'app.info', {}); // messages are handled in order: the subscription is in place
    service.bus.emit('job.progress', { bad: 1n } as never); // BigInt: JSON.stringify throws
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/event handler failed: TypeError/);
    expect(await c.call(2, 'app.info', {})).toMatchObject({ ok: true });
    c.close();
    logged.length = 0;
  });

  it('turns a throwing API handler into an internal error and keeps the socket', async () => {
    const spy = vi.spyOn(service, 'dispatch').mockRejectedValueOnce(new Error('handler exploded'));
    const c = await WsTestClient.open(`ws://${host}/ws?token=${TOKEN}`);
    expect(await c.call(1, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(await c.call(2, 'app.info', {})).toMatchObject({ ok: true, output: { version: 'guard' } });
    c.close();
    spy.mockRestore();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('handler exploded');
    logged.length = 0;
  });
});

describe('request guard with an injected handler', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-guard2-'));
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  const logged: string[] = [];
  let service: AppService;
  let server: RunningServer;

  const handler: StaticHandler = (_req, res, target) => {
    switch (target.pathname) {
      case '/throw':
        throw new TypeError(`thrown for ${TOKEN}`);
      case '/reject':
        return Promise.reject(new Error('rejected'));
      case '/write-after-end':
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('done');
        res.write('more');
        return undefined;
      case '/late':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('partial');
        throw new Error('thrown after the headers');
      default:
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('fine');
        return undefined;
    }
  };

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    service = new AppService({ dataDir, transport: 'websocket', version: 'guard' });
    server = await startServer({
      service,
      port: 0,
      staticDir: dataDir,
      token: TOKEN,
      staticHandler: handler,
      log: (l) => logged.push(l),
    });
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await server.close();
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 500, logs one line without the token or the query, and keeps serving', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${base}/throw?token=${TOKEN}`)).status).toBe(500);
      expect((await fetch(`${base}/reject`)).status).toBe(500);
    }
    await expect(fetch(`${base}/late`).then((r) => r.text())).rejects.toThrow();
    expect(await (await fetch(`${base}/write-after-end`)).text()).toBe('done');
    const ok = await fetch(`${base}/`);
    expect(await ok.text()).toBe('fine');
    await vi.waitFor(() => expect(logged).toHaveLength(8), { timeout: 20_000 });
    for (const line of logged) {
      expect(line.split('\n')).toHaveLength(1);
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain('    at ');
    }
    expect(logged[0]).toMatch(/request handler failed \(GET \/throw\): TypeError: thrown for <token>/);
    expect(uncaught).toEqual([]);
  });

  it('limits the log to a burst of reports a minute', async () => {
    logged.length = 0;
    const base = `http://127.0.0.1:${server.port}`;
    for (let i = 0; i < 30; i++) expect((await fetch(`${base}/throw`)).status).toBe(500);
    expect(logged.length).toBeLessThanOrEqual(10);
    expect((await fetch(`${base}/`)).status).toBe(200);
  });
});
