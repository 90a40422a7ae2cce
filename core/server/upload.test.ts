/**
 * The web shell's upload endpoint: token in the Authorization header (not the query), same-host
 * Origin, POST only, the size limit (declared and streamed), and a reference that data.import takes.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../services/app-service';
import { startServer, type RunningServer } from './server';

const TOKEN = 'upload-token-abc';

describe('POST /upload', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-upl-'));
  let service: AppService;
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    service = new AppService({ dataDir, transport: 'websocket', version: 'test' });
    server = await startServer({
      service,
      port: 0,
      staticDir: join(dataDir, 'none'),
      token: TOKEN,
      maxUploadBytes: 1000,
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (name: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${base}/upload?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      body,
      headers: { Authorization: `Bearer ${TOKEN}`, ...headers },
    });

  it('stores the body and answers a reference that resolves to it', async () => {
    const res = await post('AAPL_2012-06-21_message_10.csv', 'hello');
    expect(res.status).toBe(201);
    const { ref, bytes } = (await res.json()) as { ref: string; bytes: number };
    expect(bytes).toBe(5);
    expect(ref).toMatch(/^upload:[0-9a-f-]+\/AAPL_2012-06-21_message_10\.csv$/);
    expect(readFileSync(service.data.uploads.resolve(ref), 'utf8')).toBe('hello');
    // data.import accepts it over the WebSocket transport (and fails later on its content, in the job).
    const r = await service.dispatch('data.import', { format: 'tardis', paths: [ref] }, { clientId: 'c' });
    expect(r.ok).toBe(true);
    // A refused import (LOBSTER needs two files) releases its upload at once.
    const other = ((await (await post('x_message_1.csv', 'm')).json()) as { ref: string }).ref;
    const refused = await service.dispatch(
      'data.import',
      { format: 'lobster', paths: [other] },
      { clientId: 'c' },
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input', path: 'paths' } });
    expect(() => service.data.uploads.resolve(other)).toThrow(/no such upload/);
  });

  it('refuses without the token, with the token in the query, cross-origin, other methods, and too large', async () => {
    const noAuth = await fetch(`${base}/upload?name=a.csv`, { method: 'POST', body: 'x' });
    expect(noAuth.status).toBe(401);
    const inQuery = await fetch(`${base}/upload?name=a.csv&token=${TOKEN}`, { method: 'POST', body: 'x' });
    expect(inQuery.status).toBe(401);
    expect((await post('a.csv', 'x', { Origin: 'https://evil.example' })).status).toBe(403);
    expect(
      (await fetch(`${base}/upload?name=a.csv`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(405);
    expect((await post('', 'x')).status).toBe(400);
    expect((await post('...', 'x')).status).toBe(400);
    const big = await post('big.csv', 'y'.repeat(1001));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('cuts off a body without Content-Length once it passes the limit and keeps nothing', async () => {
    const before = existsSync(service.data.uploads.dir) ? readdirCount(service.data.uploads.dir) : 0;
    await new Promise<void>((resolve) => {
      const req = request(`${base}/upload?name=chunked.csv`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Transfer-Encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => resolve()); // the server may close the connection mid-body
      for (let i = 0; i < 20; i++) req.write('z'.repeat(100));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirCount(service.data.uploads.dir)).toBe(before);
  });
});

function readdirCount(dir: string): number {
  return existsSync(dir) ? readdirSync(dir).length : 0;
}
