/**
 * `quotebench serve [--port N] [--host H] [--data-dir DIR] [--static DIR]`: the headless/web shell.
 * Serves the built renderer and the API over a WebSocket, prints the URL with its access token, and
 * shuts down cleanly on SIGINT/SIGTERM (running jobs are cancelled and recorded as such).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../server/server';
import { AppService } from '../services/app-service';
import { resolveDataDir } from '../store/data-dir';
import { UsageError, numberOption, parse } from './args';

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
  const dataDir = resolveDataDir({ cliDataDir: values['data-dir'], env: process.env });
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const service = new AppService({ dataDir, transport: 'websocket', version: pkg.version });
  const staticDir = values.static ?? fileURLToPath(new URL('../../out/renderer', import.meta.url));
  let server;
  try {
    server = await startServer({ service, host: values.host, port, staticDir });
  } catch (e) {
    await service.close();
    process.stderr.write(
      `quotebench serve: cannot listen on ${values.host ?? '127.0.0.1'}:${port}: ${(e as Error).message}\n`,
    );
    return 1;
  }
  process.stdout.write(`Quotebench is serving on ${server.url}\n(data: ${dataDir}; Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    const stop = (): void => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('stopping…\n');
  await server.close();
  await service.close();
  return 0;
}
