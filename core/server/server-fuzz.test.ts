/**
 * HTTP fuzz run against a real server on 127.0.0.1: 1,500 seeded malformed requests over raw
 * net.Sockets (request lines, percent-encodings, paths, methods, headers, WebSocket upgrade variants,
 * random bytes, random WebSocket frames after a valid handshake), at most CONCURRENCY at a time, every socket with an idle timeout and destroyed at
 * the end. Afterwards the server must still serve the app and the API, no handler may have failed
 * (the server's log stayed empty, no 500), and no uncaughtException/unhandledRejection happened.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { AppService } from '../services/app-service';
import { startServer, type RunningServer } from './server';
import { WsTestClient } from './ws-test-client';

const TOKEN = 'fuzz-token-0123456789';
const CASES = 1500;
const CONCURRENCY = 16;
/** A socket idle this long is destroyed (a hung request shows up as a missing status, not a stall). */
const IDLE_MS = 10_000;
const GOOD_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

interface Case {
  label: string;
  chunks: Buffer[];
  /** A whole request (the server answers without seeing the end of the stream). */
  complete: boolean;
}

interface Outcome {
  label: string;
  /** Status code of the first response line, or null (no answer: closed or timed out). */
  status: number | null;
  timedOut: boolean;
}

/**
 * Send raw bytes and read the first answer. A complete request is left open until the first bytes
 * come back (then the socket is destroyed); an incomplete one is half-closed at once so the parser
 * sees its end. Nothing waits longer than IDLE_MS of silence.
 */
function exchange(port: number, c: Case): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    let timedOut = false;
    socket.setTimeout(IDLE_MS, () => {
      timedOut = true;
      socket.destroy();
    });
    socket.on('data', (d) => {
      got.push(d);
      if (c.complete) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      const head = Buffer.concat(got).subarray(0, 64).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ label: c.label, status: m?.[1] !== undefined ? Number(m[1]) : null, timedOut });
    });
    socket.on('connect', () => {
      for (const chunk of c.chunks) socket.write(chunk);
      if (!c.complete) socket.end();
    });
  });
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  const x = xs[rng.int(xs.length)];
  if (x === undefined) throw new Error('empty list');
  return x;
}

function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

const HEX = '0123456789abcdefABCDEFgz%';

/** The generators: each returns the raw bytes of one hostile request and a label for failures. */
function makeCase(rng: Rng, port: number, i: number): Case {
  const host = `127.0.0.1:${port}`;
  const randomEscape = (): string => `%${pick(rng, HEX.split(''))}${pick(rng, HEX.split(''))}`;
  const badPaths = [
    '/%',
    '/%ff',
    '/%c0%ae',
    '//',
    '///etc/passwd',
    '/%00',
    '/a%00b',
    '/..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/',
    '/\\..\\..\\',
    '/%e0%80%80',
    '/%ed%a0%80',
    '/?%',
    '/?token=%ff&x=%',
    '*',
    'http://evil.example/',
    'index.html',
    '/' + 'a'.repeat(9000),
    '/' + '%41'.repeat(2000),
    '/\u00e9\u00ff',
    `/${randomEscape()}${randomEscape()}`,
    `/x/${randomEscape()}/${randomEscape()}${randomEscape()}`,
  ];
  const methods = [
    'GET',
    'HEAD',
    'POST',
    'PUT',
    'DELETE',
    'OPTIONS',
    'TRACE',
    'PATCH',
    'CONNECT',
    'FOO',
    'get',
    'G\u0000T',
    '',
  ];
  const versions = [
    'HTTP/1.1',
    'HTTP/1.0',
    'HTTP/2.0',
    'HTTP/0.9',
    'HTTP/1.1 extra',
    'HTTP/9',
    'http/1.1',
    '',
  ];
  const badHosts = [
    'evil.example',
    `evil.example:${port}`,
    `localhost:${port + 1}`,
    'localhost',
    `127.0.0.1:${port}:${port}`,
    `[::1`,
    `[::2]:${port}`,
    `0x7f.1:${port}`,
    `127.1:${port}`,
    `\u00e9vil:${port}`,
    '',
    `localhost.:${port}`,
    `${'a'.repeat(400)}:${port}`,
  ];
  const line = (method: string, path: string, version: string): string =>
    [method, path, version].filter((s) => s !== '').join(' ');
  const kind = i % 10;
  switch (kind) {
    case 0: {
      const path = pick(rng, badPaths);
      const method = pick(rng, ['GET', 'HEAD']);
      return {
        label: `path ${method} ${path.slice(0, 40)}|`,
        chunks: [Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'latin1')],
        complete: true,
      };
    }
    case 1: {
      const req = line(pick(rng, methods), pick(rng, [...badPaths, '/']), pick(rng, versions));
      const eol = pick(rng, ['\r\n', '\n', '\r', '']);
      return {
        label: `request line ${req.slice(0, 40)}`,
        chunks: [Buffer.from(`${req}${eol}Host: ${host}${eol}${eol}`)],
        complete: false,
      };
    }
    case 2: {
      const headers = pick(rng, [
        `X-Big: ${'x'.repeat(20_000)}\r\n`,
        Array.from({ length: 3000 }, (_, k) => `X-${k}: v\r\n`).join(''),
        `Host: ${host}\r\n`,
        'Content-Length: 5\r\nContent-Length: 6\r\n',
        'Transfer-Encoding: chunked\r\n\r\nzz\r\nnot-a-chunk\r\n',
        'Content-Length: -1\r\n',
        'Content-Length: 99999999999999999999\r\n',
        'X-Bad\u0000Name: v\r\n',
        'X-Bad: v\u0000\u007f\r\n',
        'NoColonHere\r\n',
        'X-Fold: a\r\n b\r\n',
        ' Leading: space\r\n',
        'Cookie: ' + '\u00ff'.repeat(100) + '\r\n',
        'Connection: keep-alive, upgrade\r\nUpgrade: h2c\r\n',
        'Expect: 100-continue\r\n',
      ]);
      return {
        label: `headers ${headers.slice(0, 40)}`,
        chunks: [Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\n${headers}\r\n`, 'latin1')],
        complete: true,
      };
    }
    case 3: {
      const h = pick(rng, badHosts);
      const method = pick(rng, ['GET', 'HEAD', 'POST']);
      return {
        label: `host ${h.slice(0, 40)}`,
        chunks: [Buffer.from(`${method} / HTTP/1.1\r\nHost: ${h}\r\n\r\n`, 'latin1')],
        complete: true,
      };
    }
    case 4:
    case 5: {
      const path = pick(rng, [
        ...badPaths,
        '/ws',
        '/ws?token=wrong',
        `/ws?token=${TOKEN}`,
        `/ws?token=${TOKEN}&token=x`,
        '/',
      ]);
      const hostHeader = rng.bernoulli(0.3) ? `Host: ${pick(rng, badHosts)}\r\n` : `Host: ${host}\r\n`;
      const key = pick(rng, [GOOD_KEY, '', 'short', '!!!!notbase64!!!!!!!!!==', 'x'.repeat(200), null]);
      const version = pick(rng, ['13', '8', '99', 'x', '', null]);
      const origin = pick(rng, [
        null,
        'https://evil.example',
        'null',
        `http://${host}`,
        'http://localhost',
        '::::',
      ]);
      const upgrade = pick(rng, ['websocket', 'WebSocket', 'h2c', '']);
      const headers =
        `GET ${path} HTTP/1.1\r\n${hostHeader}Connection: Upgrade\r\nUpgrade: ${upgrade}\r\n` +
        (key === null ? '' : `Sec-WebSocket-Key: ${key}\r\n`) +
        (version === null ? '' : `Sec-WebSocket-Version: ${version}\r\n`) +
        (origin === null ? '' : `Origin: ${origin}\r\n`) +
        '\r\n';
      const tail = rng.bernoulli(0.3) ? [randomBytes(rng, 1 + rng.int(200))] : [];
      return {
        label: `upgrade ${path.slice(0, 30)} key=${String(key).slice(0, 10)} v=${version}`,
        chunks: [Buffer.from(headers, 'latin1'), ...tail],
        complete: true,
      };
    }
    case 6: {
      // A well-formed start, then garbage (split across writes).
      const start = Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\n`);
      return {
        label: 'start then random bytes',
        chunks: [start, randomBytes(rng, 1 + rng.int(2000))],
        complete: false,
      };
    }
    case 7: {
      // Pipelined requests, one of them bad.
      const bad = pick(rng, badPaths);
      const reqs = `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\nGET ${bad} HTTP/1.1\r\nHost: ${host}\r\n\r\nHEAD / HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
      return {
        label: `pipelined ${bad.slice(0, 30)}`,
        chunks: [Buffer.from(reqs, 'latin1')],
        complete: true,
      };
    }
    case 8: {
      // A valid, authenticated handshake, then random bytes as WebSocket frames.
      const handshake =
        `GET /ws?token=${TOKEN} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Key: ${GOOD_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
      return {
        label: 'handshake then random frames',
        chunks: [Buffer.from(handshake), randomBytes(rng, 1 + rng.int(500))],
        complete: false,
      };
    }
    default:
      return { label: 'random bytes', chunks: [randomBytes(rng, 1 + rng.int(3000))], complete: false };
  }
}

describe('HTTP fuzz', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-fuzz-'));
  const staticDir = join(dataDir, 'static');
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  const logged: string[] = [];
  let service: AppService;
  let server: RunningServer;

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>qb-fuzz</title>');
    service = new AppService({ dataDir, transport: 'websocket', version: 'fuzz' });
    server = await startServer({ service, port: 0, staticDir, token: TOKEN, log: (l) => logged.push(l) });
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await server.close();
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`survives ${CASES} malformed requests and still serves the app and the API`, async () => {
    const rng = new Rng(20261206);
    const cases = Array.from({ length: CASES }, (_, i) => makeCase(rng, server.port, i));
    const outcomes: Outcome[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      // Stop at the first uncaught exception: it is the failure, the rest would only hang.
      while (next < cases.length && uncaught.length === 0) {
        const c = cases[next++];
        if (c) outcomes.push(await exchange(server.port, c));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));

    expect(uncaught).toEqual([]);
    expect(outcomes).toHaveLength(CASES);
    // No handler failed: no 500 and nothing reported to the log.
    expect(outcomes.filter((o) => o.status === 500).map((o) => o.label)).toEqual([]);
    expect(logged).toEqual([]);
    // The inputs, answered (not dropped): malformed targets are 400, foreign hosts 421.
    const statusOf = (label: string): Set<number | null> =>
      new Set(outcomes.filter((o) => o.label === label).map((o) => o.status));
    for (const method of ['GET', 'HEAD']) {
      for (const path of ['/%', '/%ff', '/%c0%ae'])
        expect([...statusOf(`path ${method} ${path}|`)]).toEqual([400]);
      expect([...statusOf(`path ${method} //|`)]).toEqual([200]);
    }
    expect([...statusOf('host evil.example')]).toEqual([421]);
    expect(outcomes.some((o) => o.status === 431)).toBe(true);
    // (Only some: the server may reset a connection whose frames it refuses before the 101 is read.)
    expect(statusOf('handshake then random frames').has(101)).toBe(true);

    // Still serving: the app over HTTP, and an API call over an authenticated WebSocket.
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>qb-fuzz</title>');
    const client = await WsTestClient.open(`ws://127.0.0.1:${server.port}/ws?token=${TOKEN}`);
    const info = await client.call(1, 'app.info', {});
    expect(info).toMatchObject({ kind: 'result', ok: true, output: { version: 'fuzz' } });
    client.close();
    // Give a late exception from any of those sockets a chance to surface before the check.
    await new Promise((r) => setImmediate(r));
    expect(uncaught).toEqual([]);
  });
});
