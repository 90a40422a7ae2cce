/**
 * `quotebench paper [--venue paper|binanceusdm-demo|binance-testnet] (--symbol SYM | --dataset ID
 *   [--speed X]) (--quoter SPEC | --checkpoint PATH) [--config FILE] [limits…] [--record]
 *   [--duration T] [--exchange-url URL] [--resume SESSION] [--print-fills] [--json OUT]`
 *
 * Runs one paper-trading session (core/services/paper-service.ts) until its feed ends, --duration
 * passes, or the user stops it:
 * - SIGINT / SIGTERM (or `stop` on stdin): stop quoting, cancel every order (one round), close;
 * - a second SIGINT / SIGTERM, or `kill` (`kill flatten`) on stdin: the kill switch — cancel every
 *   order now (and flatten), report the time it took, exit.
 * Progress: one line a second on stderr (feed time, touch, our quotes, position, PnL, fills, risk
 * blocks, connection). With --print-fills every fill is printed to stdout as `fill <tradeId> …` once
 * it is journaled (after the commit). Keys: QUOTEBENCH_API_KEY / QUOTEBENCH_API_SECRET, else the
 * encrypted secrets file unlocked with QUOTEBENCH_SECRETS_PASSPHRASE (core/paper/credentials.ts);
 * never printed.
 *
 * Exit codes: 0 the session ended (feed end, duration, stop), 1 it failed, 2 invalid usage, 130/143
 * stopped by a signal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseYamlData } from '../config/parse-yaml';
import { getVenueCredentials, SECRETS_PASSPHRASE_ENV } from '../paper/credentials';
import { EncryptedFileSecretStore } from '../secrets/encrypted-file';
import {
  PaperService,
  parsePaperConfig,
  type PaperConfigInput,
  type PaperVenueId,
  type VenueOpener,
} from '../services/paper-service';
import { openLiveFeed } from '../venues/live-feed';
import { UsageError, UserError, cliDataDir, numberOption, parse } from './args';
import { PAPER_OPTIONS } from './commands';
import { durationOption } from './data';
import { writeJsonAtomic } from './write-json';

const NAME = 'quotebench paper';

function yamlOf(text: string, what: string): unknown {
  const r = parseYamlData(text);
  if (!r.ok) {
    const i = r.issues[0];
    throw new UsageError(`${what}: ${i ? `line ${i.line}: ${i.message}` : 'invalid YAML'}`);
  }
  return r.data;
}

const openBinance: VenueOpener = async (id, opts) => {
  const { openBinanceVenue } = await import('../venues/binance');
  return openBinanceVenue({
    ...opts,
    market: id === 'binanceusdm-demo' ? 'usdm-demo' : 'spot-testnet',
  });
};

export async function paperCommand(args: string[]): Promise<number> {
  const v = parse(args, PAPER_OPTIONS);
  const err = (s: string): void => void process.stderr.write(`${s}\n`);
  const dataDir = cliDataDir(v['data-dir']);
  // The config: a file, then the flags over it.
  let base: Record<string, unknown> = {};
  if (v.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(v.config, 'utf8');
    } catch (e) {
      throw new UserError(`--config ${v.config}: ${(e as Error).message}`);
    }
    const data = yamlOf(text, v.config);
    if (data === null || typeof data !== 'object' || Array.isArray(data))
      throw new UsageError(`${v.config}: expected a mapping of paper settings`);
    base = data as Record<string, unknown>;
  }
  const cfg: Record<string, unknown> = { ...base };
  const set = (k: string, x: unknown): void => {
    if (x !== undefined) cfg[k] = x;
  };
  set('venue', v.venue);
  set('symbol', v.symbol);
  set('dataset', v.dataset);
  if (v.speed !== undefined) cfg.speed = numberOption(v, 'speed');
  set('exchange', v.exchange);
  set('exchangeUrl', v['exchange-url']);
  if (v['lot-size'] !== undefined) cfg.lotSize = numberOption(v, 'lot-size');
  if (v.interval !== undefined) cfg.decisionIntervalMs = numberOption(v, 'interval');
  if (v.record) cfg.record = true;
  if (v.quoter !== undefined && v.checkpoint !== undefined)
    throw new UsageError('give --quoter or --checkpoint, not both');
  if (v.quoter !== undefined) cfg.quoter = { kind: 'classical', strategy: yamlOf(v.quoter, '--quoter') };
  if (v.checkpoint !== undefined) cfg.quoter = { kind: 'checkpoint', path: v.checkpoint };
  if (cfg.quoter === undefined) throw new UsageError('--quoter SPEC or --checkpoint PATH is required');
  const limits: Record<string, number> = { ...((base.limits as Record<string, number> | undefined) ?? {}) };
  for (const [flag, key] of [
    ['max-inventory', 'maxInventory'],
    ['max-notional', 'maxNotional'],
    ['max-order-rate', 'maxOrderRate'],
    ['band-bps', 'bandBps'],
    ['stale-ms', 'staleMs'],
    ['pnl-stop', 'pnlStop'],
  ] as const)
    if (v[flag] !== undefined) limits[key] = numberOption(v, flag);
  cfg.limits = limits;
  if (v.duration !== undefined) cfg.durationSeconds = durationOption(v.duration, 0) / 1000;
  let config;
  try {
    config = parsePaperConfig(cfg as PaperConfigInput);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const passphrase = process.env[SECRETS_PASSPHRASE_ENV];
  const store =
    passphrase !== undefined && passphrase !== ''
      ? new EncryptedFileSecretStore({ file: join(dataDir, 'secrets.enc.json') })
      : null;
  const secretName = (id: PaperVenueId): string =>
    id === 'binanceusdm-demo' ? 'binance-usdm-demo' : id === 'binance-testnet' ? 'binance-spot-testnet' : id;
  const printFills = v['print-fills'] === true;
  const service = new PaperService({
    dataDir,
    getCredentials: async (id) => {
      if (store !== null && passphrase) await store.unlock(passphrase);
      const c = await getVenueCredentials(secretName(id), { store });
      if (c === null)
        throw new UserError(
          `${id} needs API keys: set QUOTEBENCH_API_KEY and QUOTEBENCH_API_SECRET, or store them in the app (Settings → Venue keys) and set ${SECRETS_PASSPHRASE_ENV}`,
        );
      return c;
    },
    openVenue: openBinance,
    openLiveFeed: (o) => openLiveFeed(o),
    onNote: (m) => err(`${NAME}: ${m}`),
    onFillJournaled: printFills ? (id) => void process.stdout.write(`fill ${id} journaled\n`) : undefined,
  });

  // Signals and stdin: first = stop (cancel all); second, or `kill`, = the kill switch.
  let signals = 0;
  let code = 0;
  let killing: Promise<unknown> | null = null;
  let stopping: Promise<unknown> | null = null;
  const kill = (flatten: boolean): void => {
    if (killing) return;
    killing = service
      .kill({ flatten })
      .then((r) => {
        err(
          `${NAME}: kill switch: cancelled ${r.cancelled} order(s) in ${r.elapsedMs.toFixed(1)} ms; ${r.openOrders} open after; position ${r.inventory}${flatten ? (r.flattened ? ' (flattened)' : ' (NOT flat)') : ''}`,
        );
      })
      .catch((e: unknown) => err(`${NAME}: kill switch failed: ${(e as Error).message}`));
  };
  const stop = (): void => {
    if (stopping || killing) return;
    stopping = service.stop().catch((e: unknown) => err(`${NAME}: stop failed: ${(e as Error).message}`));
  };
  const onSignal = (sig: 'SIGINT' | 'SIGTERM'): void => {
    signals++;
    code = sig === 'SIGINT' ? 130 : 143;
    if (signals === 1) {
      err(`\n${NAME}: ${sig}: stopping (cancelling every order); ${sig} again for the kill switch`);
      stop();
    } else {
      err(`\n${NAME}: ${sig} again: kill switch`);
      kill(false);
    }
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const rl = process.stdin.isTTY || process.stdin.readable ? createInterface({ input: process.stdin }) : null;
  rl?.on('line', (line) => {
    const cmd = line.trim().toLowerCase();
    if (cmd === 'kill' || cmd === 'kill flatten') kill(cmd === 'kill flatten');
    else if (cmd === 'stop') stop();
    else if (cmd !== '') err(`${NAME}: commands on stdin: stop, kill, kill flatten`);
  });

  let ticker: ReturnType<typeof setInterval> | null = null;
  try {
    let started;
    try {
      started = await service.start(config, v.resume !== undefined ? { resume: v.resume } : {});
    } catch (e) {
      if (e instanceof RangeError) throw new UserError(e.message);
      throw e;
    }
    err(`${NAME}: session ${started.sessionId} (journal ${started.journalPath})`);
    if (!v.quiet)
      ticker = setInterval(() => {
        const s = service.snapshot();
        const d = service.details();
        // 12 significant digits: prices on a tick grid without binary artefacts (40001.600000000006).
        const px = (x: number | undefined): string => (x === undefined ? '-' : String(+x.toPrecision(12)));
        const bid = px(s.bids[0]?.price);
        const ask = px(s.asks[0]?.price);
        const ours = s.orders.map((o) => `${o.side === 'buy' ? 'b' : 'a'}${px(o.price)}`).join(' ') || '-';
        err(
          `${NAME}: t=${new Date(s.t).toISOString()} touch ${bid}/${ask} ours ${ours} pos ${px(s.inventory)} pnl ${s.pnl.toFixed(4)} fills ${s.fillCount} blocks ${d?.counters.riskBlocks ?? 0} ${s.connection.status}${s.halted ? ` halted: ${s.halted}` : ''}`,
        );
      }, 1000);
    await service.whenEnded();
    if (killing) await killing;
    if (stopping) await stopping;
    const snap = service.snapshot();
    const d = service.details();
    const summary = {
      sessionId: snap.sessionId,
      status: snap.status,
      venue: config.venue,
      symbol: snap.symbol,
      fills: snap.fillCount,
      position: snap.inventory,
      pnl: snap.pnl,
      fees: snap.fees,
      journal: d?.journalPath,
      counters: d?.counters,
      stopOrKill: d?.kill
        ? {
            elapsedMs: d.kill.elapsedMs,
            cancelRequests: d.kill.cancelRequests,
            openAfter: d.kill.openAfter,
            positionAfter: d.kill.positionAfter,
          }
        : null,
      recordedDataset: service.recordedDatasetId(),
      error: snap.error,
    };
    err(
      `${NAME}: ${snap.status}: ${snap.fillCount} fills, position ${snap.inventory}, PnL ${snap.pnl.toFixed(4)} (fees ${snap.fees.toFixed(4)})${summary.recordedDataset ? `, feed recorded as dataset ${summary.recordedDataset}` : ''}`,
    );
    if (v.json !== undefined) writeJsonAtomic(v.json, summary);
    if (snap.status === 'failed') return 1;
    return code;
  } finally {
    if (ticker) clearInterval(ticker);
    rl?.close();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    await service.close();
  }
}
