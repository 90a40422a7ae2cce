/**
 * The headless server: the built renderer over HTTP and the API contract over a WebSocket, for a
 * research box without a display and for the end-to-end tests. Binds 127.0.0.1 by default and
 * requires a random token (in the URL it prints) on the WebSocket; cross-origin WebSocket requests are
 * refused. Every malformed message gets a typed error and the connection keeps serving.
 *
 * Invariants (nothing a client sends can take the process down):
 * - One guard around request handling, one around upgrade handling and one around each WebSocket
 *   message: an exception (or rejected promise) from a handler is answered with 500 (the upgrade
 *   socket is closed, the call gets `internal`) and reported in one line on stderr (no stack, no
 *   query string, never the token), at most LOG_BURST lines a minute.
 * - `POST /upload?name=<file name>` (the web shell's way to give `data.import` a file) needs the token
 *   as `Authorization: Bearer <token>` — a header, so a cross-site page cannot send it without a CORS
 *   preflight this server never answers — and a same-host Origin when one is sent. The body is streamed
 *   to the upload store (core/services/uploads.ts) and cut off past `maxUploadBytes` (413); at most
 *   MAX_CONCURRENT_UPLOADS run at once (429). Answers JSON `{ref, bytes}` or `{error: {code, message}}`.
 * - A request target that is not a well-formed origin-form path (`/%`, `/%ff`, `//x` is fine) is 400;
 *   a Host header that could be a DNS-rebinding name is 421 (request-checks.ts); malformed raw bytes
 *   (`clientError`) are 400/431 and the socket is closed; socket and file-stream errors are absorbed.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline, type Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isEventTopic, type EventTopic } from '../api/names';
import type { AppService } from '../services/app-service';
import { DEFAULT_MAX_UPLOAD_BYTES, UploadError } from '../services/uploads';
import { hostAllowed, parseRequestTarget, type RequestTarget } from './request-checks';
import { MAX_MESSAGE_BYTES, clientMessageSchema, type ServerMessage } from './ws-protocol';

/** Answers a parsed, Host-checked request (the static files; tests inject a throwing one). */
export type StaticHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
) => void | Promise<void>;

export interface ServerOptions {
  service: AppService;
  host?: string;
  port?: number;
  /** Folder of the built renderer (index.html); when missing, / explains how to build it. */
  staticDir: string;
  /** Fixed token (tests); random otherwise. */
  token?: string;
  /** Internal (tests): replaces the static-file handler, to prove the request guard. */
  staticHandler?: StaticHandler;
  /** Where one-line failure reports go (default: stderr). */
  log?: (line: string) => void;
  /** Largest accepted upload in bytes (default: core/services/uploads.ts DEFAULT_MAX_UPLOAD_BYTES). */
  maxUploadBytes?: number;
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
/** Failure reports per minute, at most; the rest are counted and summed up in the next report. */
const LOG_BURST = 10;
const MAX_CONCURRENT_UPLOADS = 4;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const staticRoot = resolve(opts.staticDir);
  const service = opts.service;
  const handleStatic: StaticHandler =
    opts.staticHandler ?? ((req, res, target) => serveStatic(staticRoot, req, res, target));
  const report = makeReporter(opts.log ?? ((line) => process.stderr.write(`${line}\n`)), token);
  let port = 0;
  /** A listener whose exception is reported instead of thrown into the emitter. */
  const guard =
    <A extends unknown[]>(where: string, fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch (e) {
        report(where, e);
      }
    };

  const http = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * MAX_MESSAGE_BYTES });

  /** The request guard: nothing thrown or rejected below reaches the process. */
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const fail = (e: unknown): void => {
      report('request', e, req);
      try {
        if (res.headersSent) res.destroy();
        else res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('internal error\n');
      } catch {
        res.destroy();
      }
    };
    // A handler's misuse of the response (a write after end) is reported, not thrown at the process.
    res.on('error', (e) => report('response', e, req));
    try {
      const pending = onRequest(req, res);
      if (pending) pending.catch(fail);
    } catch (e) {
      fail(e);
    }
  });

  function onRequest(req: IncomingMessage, res: ServerResponse): void | Promise<void> {
    const target = parseRequestTarget(req.url);
    if (!target) return plain(res, 400, 'Bad Request: malformed request target\n');
    if (!hostOk(req)) return plain(res, 421, 'Misdirected Request: this Host is not served here\n');
    if (target.pathname === '/upload') return onUpload(req, res, target);
    return handleStatic(req, res, target);
  }

  let uploading = 0;
  async function onUpload(req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void> {
    const answer = (status: number, body: unknown): void => {
      // The request body may be unread (a refused upload): close the connection after the answer.
      res
        .writeHead(status, {
          'Content-Type': 'application/json',
          'Cache-Control': 'no-store',
          Connection: 'close',
        })
        .end(`${JSON.stringify(body)}\n`);
    };
    const error = (status: number, code: string, message: string): void =>
      answer(status, { error: { code, message } });
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return error(405, 'bad_message', 'POST the file body to /upload?name=<file name>');
    }
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const given = Buffer.from(auth);
    if (given.length !== tokenBuf.length || !timingSafeEqual(given, tokenBuf))
      return error(401, 'unauthorized', 'missing or wrong token (Authorization: Bearer <token>)');
    const origin = req.headers.origin;
    if (origin !== undefined && !sameHost(origin, req.headers.host))
      return error(403, 'unauthorized', 'cross-origin uploads are refused');
    const name = target.searchParams.get('name');
    if (name === null || name === '')
      return error(400, 'invalid_input', 'give the file name: /upload?name=<name>');
    const limit = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > limit) return error(413, 'payload_too_large', `the upload exceeds ${limit} bytes`);
    if (uploading >= MAX_CONCURRENT_UPLOADS)
      return error(
        429,
        'limit_exceeded',
        `${MAX_CONCURRENT_UPLOADS} uploads are running already: retry later`,
      );
    uploading++;
    try {
      const { ref, bytes } = await service.data.uploads.receive(name, req, limit);
      answer(201, { ref, bytes });
    } catch (e) {
      if (e instanceof UploadError)
        return error(e.status, e.status === 413 ? 'payload_too_large' : 'invalid_input', e.message);
      if (req.destroyed || req.readableAborted) return; // the client went away mid-upload
      throw e;
    } finally {
      uploading--;
    }
  }

  /** Host check (request-checks.ts); a request without Host is HTTP/1.0 (Node answers 1.1 with 400). */
  function hostOk(req: IncomingMessage): boolean {
    const given = req.headers.host;
    if (given === undefined) return req.httpVersionMajor === 1 && req.httpVersionMinor === 0;
    return hostAllowed(given, host, port);
  }

  /** The upgrade guard: errors on the raw socket are absorbed, an exception closes it with 500. */
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      onUpgrade(req, socket, head);
    } catch (e) {
      report('upgrade', e, req);
      refuse(socket, 500);
    }
  });

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = parseRequestTarget(req.url);
    if (!target) return refuse(socket, 400);
    if (!hostOk(req)) return refuse(socket, 421);
    if (target.pathname !== '/ws') return refuse(socket, 404);
    const given = Buffer.from(target.searchParams.get('token') ?? '');
    if (given.length !== tokenBuf.length || !timingSafeEqual(given, tokenBuf)) return refuse(socket, 401);
    const origin = req.headers.origin;
    if (origin !== undefined && !sameHost(origin, req.headers.host)) return refuse(socket, 403);
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        onConnection(ws);
      } catch (e) {
        report('connection', e, req);
        ws.terminate();
      }
    });
  }

  // Malformed raw bytes, oversized headers, timeouts: answer if the socket can still take it, close.
  http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    refuse(socket, status);
  });

  function onConnection(ws: WebSocket): void {
    const clientId = randomUUID();
    const subs = new Map<EventTopic, () => void>();
    const send = (m: ServerMessage): void => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify(m));
    };
    const internal = (e: unknown, id: number | string | undefined): void => {
      report('message', e);
      const error = { code: 'internal' as const, message: 'internal error', path: '' };
      try {
        if (id === undefined) send({ kind: 'error', error });
        else send({ kind: 'result', id, ok: false, error });
      } catch {
        ws.terminate();
      }
    };
    const subscribe = (topic: EventTopic): void => {
      if (subs.has(topic)) return;
      subs.set(
        topic,
        service.bus.subscribe(
          topic,
          guard('event', (payload: unknown) => {
            if (DROPPABLE.has(topic) && ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
            send({ kind: 'event', topic, payload });
          }),
        ),
      );
    };
    const onMessage = (data: RawData, isBinary: boolean): void => {
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
        service
          .dispatch(msg.method, msg.input, { clientId })
          .then((r) => {
            if (r.ok) send({ kind: 'result', id: msg.id, ok: true, output: r.output });
            else send({ kind: 'result', id: msg.id, ok: false, error: r.error });
          })
          .catch((e: unknown) => internal(e, msg.id));
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
    };
    // The message guard: a throw in a handler answers `internal` instead of reaching the process.
    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        onMessage(data, isBinary);
      } catch (e) {
        internal(e, undefined);
      }
    });
    ws.on(
      'close',
      guard('close', () => {
        for (const off of subs.values()) off();
        subs.clear();
        service.releaseClient(clientId);
      }),
    );
    ws.on('error', () => ws.terminate());
  }

  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(opts.port ?? 0, host, () => {
      http.off('error', fail);
      ok();
    });
  });
  http.on('error', (e) => report('server', e));
  const address = http.address();
  port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((ok) => wss.close(() => ok()));
      const closed = new Promise<void>((ok) => http.close(() => ok()));
      http.closeAllConnections();
      await closed;
    },
  };
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(body);
}

/** Answer a raw socket (upgrade or client error) with a bodiless status and close it. */
function refuse(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}

/**
 * One line per failure, no stack: what failed, the method and path (never the query, where the
 * token travels), the error's name and message. At most LOG_BURST lines a minute.
 */
function makeReporter(
  log: (line: string) => void,
  token: string,
): (where: string, e: unknown, req?: IncomingMessage) => void {
  let windowStart = -Infinity;
  let inWindow = 0;
  let suppressed = 0;
  return (where, e, req) => {
    try {
      const now = Date.now();
      if (now - windowStart >= 60_000) {
        windowStart = now;
        inWindow = 0;
      }
      if (++inWindow > LOG_BURST) {
        suppressed++;
        return;
      }
      const path = req
        ? ` (${clean(req.method ?? '?', 16)} ${clean((req.url ?? '').split('?')[0] ?? '', 120)})`
        : '';
      const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      const more = suppressed > 0 ? ` [${suppressed} similar reports suppressed]` : '';
      suppressed = 0;
      log(
        `quotebench server: ${where} handler failed${path}: ${clean(what, 300)}${more}`
          .split(token)
          .join('<token>'),
      );
    } catch {
      // Reporting must never be the thing that fails.
    }
  };
}

function clean(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, target: RequestTarget): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const rel = normalize(target.pathname).replace(/^([/\\])+/, '');
  const file = join(root, rel === '' ? 'index.html' : rel);
  if (!file.startsWith(root + sep) && file !== root) {
    res.writeHead(403).end();
    return;
  }
  const index = join(root, 'index.html');
  const served = isFile(file) ? file : index;
  if (!isFile(served)) {
    res
      .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(
        'The renderer is not built. Run `npm run build:web` (or use `npm run start:web`, which builds it).\n',
      );
    return;
  }
  const headers = {
    'Content-Type': MIME[extname(served)] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  if (req.method === 'HEAD') {
    res.writeHead(200, headers).end();
    return;
  }
  // Headers go out once the file is open, so an open error is still a clean 500; a read error after
  // that cuts the response (pipeline destroys both ends) and never reaches the process.
  const stream = createReadStream(served);
  stream.once('open', () => {
    res.writeHead(200, headers);
    pipeline(stream, res, () => undefined);
  });
  stream.on('error', () => {
    if (res.headersSent) res.destroy();
    else plain(res, 500, 'could not read the file\n');
  });
  res.once('close', () => stream.destroy());
}

function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}
