/**
 * The headless server: the built renderer over HTTP and the API contract over a WebSocket, for a
 * research box without a display and for the end-to-end tests. Binds 127.0.0.1 by default and
 * requires a random token (in the URL it prints) on the WebSocket; cross-origin WebSocket requests are
 * refused. Every malformed message gets a typed error and the connection keeps serving.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isEventTopic, type EventTopic } from '../api/names';
import type { AppService } from '../services/app-service';
import { MAX_MESSAGE_BYTES, clientMessageSchema, type ServerMessage } from './ws-protocol';

export interface ServerOptions {
  service: AppService;
  host?: string;
  port?: number;
  /** Folder of the built renderer (index.html); when missing, / explains how to build it. */
  staticDir: string;
  /** Fixed token (tests); random otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Events a slow client may miss (they are coalesced snapshots); results and job events never drop. */
const DROPPABLE: ReadonlySet<string> = new Set(['book.snapshot', 'sim.tick']);
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const staticRoot = resolve(opts.staticDir);
  const service = opts.service;

  const http = createServer((req, res) => serveStatic(staticRoot, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * MAX_MESSAGE_BYTES });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const given = Buffer.from(url.searchParams.get('token') ?? '');
    const okToken = given.length === tokenBuf.length && timingSafeEqual(given, tokenBuf);
    const origin = req.headers.origin;
    const okOrigin = origin === undefined || sameHost(origin, req.headers.host);
    if (url.pathname !== '/ws' || !okToken || !okOrigin) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket): void {
    const clientId = randomUUID();
    const subs = new Map<EventTopic, () => void>();
    const send = (m: ServerMessage): void => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify(m));
    };
    const subscribe = (topic: EventTopic): void => {
      if (subs.has(topic)) return;
      subs.set(
        topic,
        service.bus.subscribe(topic, (payload) => {
          if (DROPPABLE.has(topic) && ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
          send({ kind: 'event', topic, payload });
        }),
      );
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
      if (isBinary) {
        send({
          kind: 'error',
          error: { code: 'bad_message', message: 'binary messages are not accepted', path: '' },
        });
        return;
      }
      if (size > MAX_MESSAGE_BYTES) {
        send({
          kind: 'error',
          error: {
            code: 'payload_too_large',
            message: `message of ${size} bytes exceeds ${MAX_MESSAGE_BYTES}`,
            path: '',
          },
        });
        return;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        send({
          kind: 'error',
          error: { code: 'bad_message', message: 'message is not valid JSON', path: '' },
        });
        return;
      }
      const parsed = clientMessageSchema.safeParse(raw);
      if (!parsed.success) {
        const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
        const issue = parsed.error.issues[0];
        const error = {
          code: 'bad_message' as const,
          message: `malformed message: ${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`,
          path: issue?.path.join('.') ?? '',
        };
        if (
          (typeof id === 'number' && Number.isInteger(id) && id >= 0) ||
          (typeof id === 'string' && id.length <= 64)
        ) {
          send({ kind: 'result', id, ok: false, error });
        } else {
          send({ kind: 'error', error });
        }
        return;
      }
      const msg = parsed.data;
      if (msg.kind === 'call') {
        void service.dispatch(msg.method, msg.input, { clientId }).then((r) => {
          if (r.ok) send({ kind: 'result', id: msg.id, ok: true, output: r.output });
          else send({ kind: 'result', id: msg.id, ok: false, error: r.error });
        });
        return;
      }
      for (const topic of msg.topics) {
        if (!isEventTopic(topic)) {
          send({
            kind: 'error',
            error: { code: 'bad_message', message: `unknown topic ${topic}`, path: 'topics' },
          });
          continue;
        }
        if (msg.kind === 'sub') subscribe(topic);
        else {
          subs.get(topic)?.();
          subs.delete(topic);
        }
      }
    });
    ws.on('close', () => {
      for (const off of subs.values()) off();
      subs.clear();
      service.releaseClient(clientId);
    });
    ws.on('error', () => ws.terminate());
  }

  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(opts.port ?? 0, host, () => ok());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((ok) => wss.close(() => ok()));
      await new Promise<void>((ok) => http.close(() => ok()));
    },
  };
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
  const file = join(root, rel === '' ? 'index.html' : rel);
  if (!file.startsWith(root + sep) && file !== root) {
    res.writeHead(403).end();
    return;
  }
  const target = existsSync(file) && statSync(file).isFile() ? file : join(root, 'index.html');
  if (!existsSync(target)) {
    res
      .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(
        'The renderer is not built. Run `npm run build:web` (or use `npm run start:web`, which builds it).\n',
      );
    return;
  }
  res.writeHead(200, {
    'Content-Type': MIME[extname(target)] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(target).pipe(res);
}
