/**
 * `quotebench data import --format lobster --message FILE --orderbook FILE [--name NAME] [--date D] [--json OUT]`
 * `quotebench data import --format binance-raw|binance-csv FILE [FILE …] [--name NAME] [--json OUT]`
 * `quotebench data import --format tardis FILE [FILE …] [--name NAME] [--json OUT]`
 * `quotebench data download --exchange ID --symbol SYM --what trades|ohlcv|book [--since ISO] [--until ISO]
 *   [--timeframe TF] [--snapshots N --interval S] [--depth N] [--exchange-url URL] [--name NAME] [--json OUT]`
 * `quotebench data record --exchange ID --symbol SYM [--duration T] [--depth N] [--exchange-url URL] [--name NAME] [--json OUT]`
 * `quotebench data list [--json OUT]`
 * `quotebench data show --dataset ID [--json OUT]`
 * `quotebench data export --dataset ID [--what top|trades|events|bars] --out FILE.csv|FILE.parquet`
 * (all with [--data-dir DIR])
 *
 * The market-data catalog (core/data/catalog.ts) from the command line. `import` writes a dataset
 * atomically (nothing is left behind when it fails), prints its id and counts and, with --json, writes
 * {"dataset", "events", "name", "counts", "verification", …} — for LOBSTER the verification counts of
 * the book replayed against the orderbook file (rows checked and matching, repairs). Importing the same
 * files again finds the existing dataset (same id, `"existed": true`). `export --what top` writes
 * `seq,exchange_ts_ns,bid_price,bid_size,ask_price,ask_size` after every book event (prices in quote
 * currency; seq the LOBSTER message row, 1-based).
 * Bad input — an unreadable or malformed file (named with its line), an unknown dataset — is one line
 * and exit code 2.
 *
 * `download` and `record` go through ccxt (core/data/ccxt-download.ts, ccxt-record.ts; loaded only for
 * them, ccxt takes a second or two to load). A venue failure or a bad answer (after bounded retries of
 * transient errors) is one line naming the venue, the request and what was wrong, exit 2, and nothing in
 * the catalog. Ctrl-C: `download` cancels (nothing written, exit 130); `record` stops and writes what
 * it recorded (exit 130; a second Ctrl-C exits at once without writing).
 */
import { CatalogError, exportTable, listDatasets, readDataset, type DatasetInfo } from '../data/catalog';
import { importBinanceRaw } from '../data/binance-import';
import { importLobster } from '../data/lobster-import';
import { importTardis } from '../data/tardis-import';
import { UsageError, UserError, cliDataDir, intOption, numberOption, parseWithPositionals } from './args';
import { DATA_OPTIONS } from './commands';
import { ProgressBar } from './progress';
import { handleStopSignals } from './stop-signals';
import { formatTable } from '../text/table';
import { checkWritable, writeJsonAtomic } from './write-json';

const TABLES = ['top', 'trades', 'events', 'bars'] as const;
const SUBCOMMANDS = ['import', 'download', 'record', 'list', 'show', 'export'] as const;
type Sub = (typeof SUBCOMMANDS)[number];
const VENUE_OPTIONS = ['exchange', 'symbol', 'exchange-url', 'depth', 'name', 'json', 'data-dir', 'quiet'];

export async function dataCommand(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (!(SUBCOMMANDS as readonly (string | undefined)[]).includes(first))
    throw new UsageError(
      `expected import, download, record, list, show or export as the first argument, got ${first === undefined ? 'nothing' : `"${first}"`}`,
    );
  const sub = first as Sub;
  const { values: v, positionals } = parseWithPositionals(rest, DATA_OPTIONS);
  if (
    positionals.length > 0 &&
    !(sub === 'import' && (v.format === 'binance-raw' || v.format === 'binance-csv' || v.format === 'tardis'))
  )
    throw new UsageError(
      `unexpected argument "${positionals[0]}" (files are arguments only for --format binance-raw, binance-csv and tardis)`,
    );
  const allowed: Record<Sub, readonly string[]> = {
    import: ['format', 'message', 'orderbook', 'name', 'date', 'json', 'data-dir', 'quiet'],
    download: [...VENUE_OPTIONS, 'what', 'since', 'until', 'timeframe', 'snapshots', 'interval'],
    record: [...VENUE_OPTIONS, 'duration'],
    list: ['json', 'data-dir', 'quiet'],
    show: ['dataset', 'json', 'data-dir', 'quiet'],
    export: ['dataset', 'what', 'out', 'data-dir', 'quiet'],
  };
  for (const key of Object.keys(v))
    if (!allowed[sub].includes(key)) throw new UsageError(`--${key} does not apply to data ${sub}`);
  const dataDir = cliDataDir(v['data-dir']);
  if (v.json !== undefined) checkWritable(v.json);
  const out = process.stdout;
  const err = (s: string): void => {
    if (v.quiet !== true) process.stderr.write(s);
  };

  try {
    if (sub === 'import') {
      const { info, existed } = await importFrom(v, positionals, dataDir, err);
      if (v.format !== 'tardis') err('\n'); // ends the progress line
      out.write(
        `${existed ? 'already in the catalog' : 'imported'}: ${info.id} ${info.name} — ${importSummary(info)}\n`,
      );
      if (v.json !== undefined)
        writeJsonAtomic(v.json, { dataset: info.id, events: info.counts.events, existed, ...info });
      return 0;
    }
    if (sub === 'download' || sub === 'record') return await venueCommand(sub, v, dataDir, err);
    if (sub === 'list') {
      const all = listDatasets(dataDir);
      out.write(
        all.length === 0
          ? `no datasets in ${dataDir}/datasets\n`
          : formatTable(
              ['Id', 'Name', 'Venue', 'Symbol', 'From (UTC)', 'To (UTC)', 'Events', 'Trades'],
              all.map((d) => [
                d.id,
                d.name,
                d.venue,
                d.symbol,
                iso(d.firstTsNs),
                iso(d.lastTsNs),
                d.counts.events,
                d.counts.trades,
              ]),
            ),
      );
      if (v.json !== undefined) writeJsonAtomic(v.json, { datasets: all });
      return 0;
    }
    if (v.dataset === undefined) throw new UsageError(`--dataset ID is required for data ${sub}`);
    const info = readDataset(dataDir, v.dataset);
    if (sub === 'show') {
      out.write(describe(info));
      if (v.json !== undefined) writeJsonAtomic(v.json, info);
      return 0;
    }
    const what = v.what ?? 'top';
    if (!(TABLES as readonly string[]).includes(what))
      throw new UsageError(
        `--what must be top, trades or events (or bars, in an OHLCV dataset), got "${what}"`,
      );
    if (v.out === undefined) throw new UsageError('--out FILE is required for data export');
    checkWritable(v.out);
    const rows = await exportTable(dataDir, info.id, what as (typeof TABLES)[number], v.out);
    out.write(`wrote ${rows} rows of ${what} to ${v.out}\n`);
    return 0;
  } catch (e) {
    if (e instanceof CatalogError) throw new UserError(e.message);
    if (e instanceof Error && e.name === 'VenueError') throw new UserError(e.message);
    if (e instanceof Error && /^[^:]+:\d+: /.test(e.message)) throw new UserError(e.message); // parser errors
    if (
      e instanceof Error &&
      'code' in e &&
      (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR')
    )
      throw new UserError(e.message);
    throw e;
  }
}

type DataValues = ReturnType<typeof parseWithPositionals<typeof DATA_OPTIONS>>['values'];

/** Runs the importer of --format (files as arguments for binance-raw, binance-csv and tardis). */
async function importFrom(
  v: DataValues,
  files: string[],
  dataDir: string,
  err: (s: string) => void,
): Promise<{ info: DatasetInfo; existed: boolean }> {
  const name = v.name !== undefined ? { name: v.name } : {};
  if (v.format === 'lobster') {
    if (v.message === undefined || v.orderbook === undefined)
      throw new UsageError('--format lobster needs --message FILE and --orderbook FILE');
    return importLobster({
      dataDir,
      messagePath: v.message,
      orderbookPath: v.orderbook,
      ...name,
      ...(v.date !== undefined ? { date: v.date } : {}),
      onProgress: (d, t) => err(`\rimport ${Math.floor((100 * d) / t)}% ${d}/${t}`),
    });
  }
  if (v.format !== 'tardis' && v.format !== 'binance-raw' && v.format !== 'binance-csv')
    throw new UsageError(
      v.format === undefined
        ? '--format is required (lobster, binance-raw, binance-csv or tardis)'
        : `--format must be lobster, binance-raw, binance-csv or tardis, got "${v.format}"`,
    );
  if (files.length === 0)
    throw new UsageError(
      `--format ${v.format} needs its ${v.format === 'tardis' ? 'CSV' : 'capture'} files as arguments`,
    );
  if (v.message !== undefined || v.orderbook !== undefined || v.date !== undefined)
    throw new UsageError('--message, --orderbook and --date apply to --format lobster only');
  if (v.format === 'tardis') return importTardis({ dataDir, files, ...name });
  return importBinanceRaw({
    dataDir,
    files,
    format: v.format === 'binance-csv' ? 'csv' : 'raw',
    ...name,
    onProgress: (lines) => err(`\rimport ${lines} lines`),
  });
}

/** The line `data import` prints: the counts and what the import verified, per format. */
function importSummary(info: DatasetInfo): string {
  const c = info.counts;
  const ver = info.verification;
  if (info.format === 'lobster')
    return (
      `${c.events} events, ${c.trades} trades; book = orderbook file on ${ver.rowsMatching}/${ver.rowsChecked} ` +
      `rows (${ver.rowsRepaired} rows repaired from the file)`
    );
  if (info.format.startsWith('binance'))
    return (
      `${c.events} events, ${c.trades} trades; ${ver.applied} depth updates applied, ${ver.dropped} dropped, ` +
      `${ver.gaps} gaps; top of book = bookTicker at ${ver.tickerMatches}/${ver.tickerChecks} matching update ids`
    );
  if (info.format === 'ccxt record')
    return (
      `${c.events} events (${ver.snapshots} book snapshots, ${ver.levelSets} level changes), ${c.trades} trades; ` +
      `${ver.books} books from ccxt, ${ver.resyncs} resyncs after sequence gaps, ${ver.reconnects} reconnects, ` +
      `${ver.tradeIdGaps} trade id gaps`
    );
  if (info.format.startsWith('ccxt'))
    return (
      `${info.format}: ${c.bars !== undefined ? `${c.bars} bars` : `${c.events} events, ${c.bookEvents} book events, ${c.trades} trades`}` +
      ` from ${iso(info.firstTsNs)} to ${iso(info.lastTsNs)} UTC; ${ver.retries} retries`
    );
  return `${info.format}: ${c.events} events, ${c.bookEvents} book events, ${c.trades} trades`;
}

function iso(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString().replace('T', ' ').replace('Z', '');
}

function describe(d: DatasetInfo): string {
  const rows: [string, string][] = [
    ['id', d.id],
    ['name', d.name],
    ['venue', d.venue],
    ['symbol', d.symbol],
    ['format', `${d.format}${d.levels !== null ? ` (${d.levels} levels)` : ''}`],
    ['from (UTC)', `${iso(d.firstTsNs)} (${d.firstTsNs} ns)`],
    ['to (UTC)', `${iso(d.lastTsNs)} (${d.lastTsNs} ns)`],
    ['events', String(d.counts.events)],
    ['book events', String(d.counts.bookEvents)],
    ['trades', String(d.counts.trades)],
    ...(d.counts.bars !== undefined ? [['bars', String(d.counts.bars)] as [string, string]] : []),
    ['content hash', d.contentHash],
    ...d.sources.map((s): [string, string] => [`source (${s.role})`, `${s.file} (${s.bytes} bytes)`]),
    ...Object.entries(d.verification).map(([k, x]): [string, string] => [k, String(x)]),
  ];
  return formatTable(['Field', 'Value'], rows);
}

/** A time as the user types it: a date, or a date and time with an optional zone (UTC without one). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function timeOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const m = ISO_TIME.exec(value);
  let ms = Number.NaN;
  if (m !== null) {
    const [y, mo, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
    const zone = m[4] ?? 'Z';
    const time = m[1] !== undefined ? m[1].slice(1, m[1].length - (m[4]?.length ?? 0)) : '00:00';
    const [h = 0, mi = 0, sec = 0] = time.split(':').map(Number);
    const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate(); // day 0 of the next month
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h < 24 && mi < 60 && sec < 60)
      ms = Date.parse(`${value.slice(0, 10)}T${time}${zone}`);
  }
  if (!Number.isFinite(ms))
    throw new UsageError(
      `--${name} must be a date or time like 2026-01-31 or 2026-01-31T12:00:00Z (UTC without a zone), got "${value}"`,
    );
  return ms;
}

/** A duration: a number of seconds, or a number with ms, s, m or h. */
export function durationOption(value: string | undefined, def: number): number {
  if (value === undefined) return def;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m?.[2] ?? 's'] ?? Number.NaN;
  const ms = m === null ? Number.NaN : Number(m[1]) * unit;
  if (!(Number.isFinite(ms) && ms > 0 && ms <= 7 * 86_400_000))
    throw new UsageError(
      `--duration must be a positive time up to 7 days like 90s, 15m or 2h, got "${value}"`,
    );
  return ms;
}

/** `data download` and `data record`: options, signals, progress and the report. */
async function venueCommand(
  sub: 'download' | 'record',
  v: DataValues,
  dataDir: string,
  err: (s: string) => void,
): Promise<number> {
  if (v.exchange === undefined)
    throw new UsageError(`--exchange ID is required for data ${sub} (e.g. binance)`);
  if (v.symbol === undefined)
    throw new UsageError(`--symbol SYM is required for data ${sub} (e.g. BTC/USDT)`);
  const depth = v.depth !== undefined ? intOption(v, 'depth', { min: 1, max: 5000 }) : undefined;
  const tty = Boolean(process.stderr.isTTY);
  const note = (m: string): void => err(`${tty ? '\r\x1b[K' : ''}quotebench data ${sub}: ${m}\n`);
  const common = {
    dataDir,
    exchange: v.exchange,
    symbol: v.symbol,
    url: v['exchange-url'],
    ...(depth !== undefined ? { depth } : {}),
    ...(v.name !== undefined ? { name: v.name } : {}),
    onNote: note,
  };
  let result: { info: DatasetInfo; existed: boolean };
  if (sub === 'download') {
    const what = v.what;
    if (what !== 'trades' && what !== 'ohlcv' && what !== 'book')
      throw new UsageError(
        `--what must be trades, ohlcv or book for data download, got ${what === undefined ? 'nothing' : `"${what}"`}`,
      );
    const timeframe = v.timeframe ?? '1m';
    if (v.timeframe !== undefined && what !== 'ohlcv')
      throw new UsageError('--timeframe applies to --what ohlcv only');
    if ((v.snapshots !== undefined || v.interval !== undefined) && what !== 'book')
      throw new UsageError('--snapshots and --interval apply to --what book only');
    if ((v.since !== undefined || v.until !== undefined) && what === 'book')
      throw new UsageError(
        '--since and --until apply to --what trades and ohlcv (a book download takes snapshots now)',
      );
    if (depth !== undefined && what !== 'book')
      throw new UsageError('--depth applies to --what book only (and to record)');
    const { downloadDataset, timeframeMs } = await import('../data/ccxt-download');
    let tfMs = 0;
    try {
      tfMs = timeframeMs(timeframe);
    } catch (e) {
      throw new UsageError(`--timeframe: ${(e as Error).message}`);
    }
    const untilMs = timeOption(v.until, 'until') ?? Date.now();
    const sinceMs = timeOption(v.since, 'since') ?? untilMs - (what === 'ohlcv' ? 1000 * tfMs : 3_600_000);
    if (what !== 'book' && !(sinceMs < untilMs))
      throw new UsageError(
        `--since (${new Date(sinceMs).toISOString()}) must be before --until (${new Date(untilMs).toISOString()})`,
      );
    const snapshots = intOption(v, 'snapshots', { min: 1, max: 1_000_000, def: 1 });
    const intervalS = numberOption(v, 'interval', { def: 1 });
    if (!(intervalS >= 0 && intervalS <= 86_400))
      throw new UsageError(`--interval must be from 0 to 86400 seconds, got "${v.interval}"`);
    const stop = handleStopSignals({
      name: 'quotebench data download',
      stopping: 'cancelling (nothing is written)',
    });
    const bar = new ProgressBar(`download ${what}`, process.stderr, v.quiet !== true);
    /** Books: snapshots taken; trades and bars: seconds of the time range covered. */
    const progress = (done: number, total: number, rows: number, end = false): void => {
      if (what === 'book')
        bar.update(end ? snapshots : done, end ? snapshots : total, `snapshots, ${rows} rows`);
      else {
        const span = Math.ceil((untilMs - sinceMs) / 1000);
        bar.update(end ? span : Math.min(span, done / 1000), span, `s of the range, ${rows} rows`);
      }
    };
    try {
      result = await downloadDataset({
        ...common,
        what,
        sinceMs,
        untilMs,
        timeframe,
        snapshots,
        intervalMs: intervalS * 1000,
        signal: stop.signal,
        onProgress: progress,
      });
      progress(1, 1, result.info.counts.bars ?? result.info.counts.events, true); // the range is done
      bar.done();
    } catch (e) {
      bar.done();
      const code = stop.exitCode();
      if (code !== undefined) {
        process.stderr.write('quotebench data download: cancelled; nothing was written\n');
        return code;
      }
      throw e;
    } finally {
      stop.dispose();
    }
  } else {
    const durationMs = durationOption(v.duration, 60_000);
    const { recordDataset } = await import('../data/ccxt-record');
    const stop = handleStopSignals({
      name: 'quotebench data record',
      stopping: 'stopping; writing what was recorded',
      abandoning: 'without writing the recording',
    });
    let lastLine = '';
    try {
      result = await recordDataset({
        ...common,
        durationMs,
        stop: stop.signal,
        onProgress: (elapsed, s) => {
          const line =
            `record ${(elapsed / 1000).toFixed(0)}s/${(durationMs / 1000).toFixed(0)}s: ${s.books} books` +
            `${s.nonce !== null ? ` (nonce ${s.nonce})` : ''}, ${s.trades} trades, ${s.resyncs} resyncs, ${s.reconnects} reconnects`;
          const counts = line.slice(line.indexOf(':'));
          if (tty) err(`\r${line}\x1b[K`);
          else if (counts !== lastLine) err(`${line}\n`);
          lastLine = counts;
        },
      });
      if (tty) err('\n');
    } catch (e) {
      const code = stop.exitCode();
      if (code !== undefined) {
        process.stderr.write(
          `quotebench data record: stopped; nothing was written (${e instanceof Error ? e.message : String(e)})\n`,
        );
        return code;
      }
      throw e;
    } finally {
      stop.dispose();
    }
    const code = stop.exitCode();
    if (code !== undefined) {
      report(sub, result, v);
      return code;
    }
  }
  report(sub, result, v);
  return 0;
}

function report(sub: 'download' | 'record', r: { info: DatasetInfo; existed: boolean }, v: DataValues): void {
  const { info, existed } = r;
  process.stdout.write(
    `${existed ? 'already in the catalog' : sub === 'download' ? 'downloaded' : 'recorded'}: ${info.id} ${info.name} — ${importSummary(info)}\n`,
  );
  if (v.json !== undefined)
    writeJsonAtomic(v.json, { dataset: info.id, events: info.counts.events, existed, ...info });
}
