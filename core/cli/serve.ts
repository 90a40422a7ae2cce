/**
 * `quotebench serve [--port N] [--host H] [--data-dir DIR] [--static DIR]`: the headless/web shell.
 * Serves the built renderer and the API over a WebSocket, prints the URL with its access token, and
 * shuts down cleanly on SIGINT/SIGTERM: the server stops accepting, running jobs and training are
 * cancelled and recorded as such, the store is closed, exit 0. A second signal exits at once (130 for
 * SIGINT, 143 for SIGTERM); a shutdown still unfinished after SHUTDOWN_LIMIT_MS exits 1 with a message
 * (runs it could not finish are marked incomplete by the next start, see core/store/db.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { warmSharedParsePool } from '../config-worker/parse-async';
import { isLoopbackName } from '../server/request-checks';
import { startServer } from '../server/server';
import { listenForStop, shutdownWithin } from '../server/shutdown';
import { AppService } from '../services/app-service';
import { resolveDataDir } from '../store/data-dir';
import { UsageError, numberOption, parse } from './args';

/** How long a shutdown may take before the process exits anyway. */
const SHUTDOWN_LIMIT_MS = 5000;
/** How long a trainer gets for its final checkpoint (inside the shutdown limit). */
const TRAINING_STOP_MS = 3000;

export async function serveCommand(args: string[]): Promise<number> {
  let values;
  let port: number;
  try {
    values = parse(args, {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      static: { type: 'string' },
    });
    port = numberOption(values, 'port', { def: 5317 });
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be 0..65535, got ${port}`);
  } catch (e) {
    process.stderr.write(`quotebench serve: ${(e as Error).message}\n`);
    return 2;
  }
  const host = values.host ?? '127.0.0.1';
  const dataDir = resolveDataDir({ cliDataDir: values['data-dir'], env: process.env });
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const service = new AppService({
    dataDir,
    transport: 'websocket',
    version: pkg.version,
    // A trainer's final checkpoint must fit in the shutdown limit.
    training: { stopTimeoutMs: TRAINING_STOP_MS },
  });
  const staticDir = values.static ?? fileURLToPath(new URL('../../out/renderer', import.meta.url));
  let server;
  try {
    server = await startServer({ service, host, port, staticDir });
  } catch (e) {
    await service.close();
    process.stderr.write(`quotebench serve: cannot listen on ${host}:${port}: ${(e as Error).message}\n`);
    return 1;
  }
  if (!isLoopbackName(host)) {
    process.stderr.write(
      `quotebench serve: WARNING: listening on ${host}, not on loopback. The app and its API are reachable ` +
        'from the network, protected only by the access token, sent over plain HTTP (anyone who can read ' +
        'the traffic can take it). Host names are refused; use the IP address.\n',
    );
  }
  // The config parser's worker starts now, not on the first client's config.
  warmSharedParsePool();
  process.stdout.write(`Quotebench is serving on ${server.url}\n(data: ${dataDir}; Ctrl-C to stop)\n`);
  const stop = listenForStop('quotebench serve');
  const signal = await stop.signal;
  process.stdout.write(`stopping (${signal}; send it again to exit at once)…\n`);
  try {
    await shutdownWithin('quotebench serve', SHUTDOWN_LIMIT_MS, async () => {
      await server.close();
      await service.close();
    });
  } finally {
    stop.dispose();
  }
  process.stdout.write('stopped\n');
  return 0;
}
