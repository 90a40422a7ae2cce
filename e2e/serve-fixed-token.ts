/**
 * The web shell with a fixed access token, for e2e/states.spec.ts: a server that dies and comes back
 * on the same port with the same token, as a supervisor restarting it would (`quotebench serve` picks
 * a new random token per start, the case the stale-token test covers). The same AppService and
 * startServer as core/cli/serve.ts, run from sources through tsx:
 *
 *   node --import tsx e2e/serve-fixed-token.ts <dataDir> <port> <token>
 *
 * Prints "Quotebench is serving on <url>" like the CLI; SIGTERM/SIGINT close it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../core/server/server';
import { AppService } from '../core/services/app-service';

const [dataDir, portText, token] = process.argv.slice(2);
if (dataDir === undefined || portText === undefined || token === undefined) {
  process.stderr.write('usage: serve-fixed-token.ts <dataDir> <port> <token>\n');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const service = new AppService({
  dataDir,
  transport: 'websocket',
  version: pkg.version,
  training: { stopTimeoutMs: 3000 },
});
const server = await startServer({
  service,
  host: '127.0.0.1',
  port: Number(portText),
  token,
  staticDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
});
process.stdout.write(`Quotebench is serving on ${server.url}\n`);
const stop = (): void => {
  void server
    .close()
    .then(() => service.close())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
