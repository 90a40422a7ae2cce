/**
 * `quotebench data import --format lobster --message FILE --orderbook FILE [--name NAME] [--date D] [--json OUT]`
 * `quotebench data import --format binance-raw|binance-csv FILE [FILE …] [--name NAME] [--json OUT]`
 * `quotebench data import --format tardis FILE [FILE …] [--name NAME] [--json OUT]`
 * `quotebench data list [--json OUT]`
 * `quotebench data show --dataset ID [--json OUT]`
 * `quotebench data export --dataset ID [--what top|trades|events] --out FILE.csv|FILE.parquet`
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
 */
import { CatalogError, exportTable, listDatasets, readDataset, type DatasetInfo } from '../data/catalog';
import { importBinanceRaw } from '../data/binance-import';
import { importLobster } from '../data/lobster-import';
import { importTardis } from '../data/tardis-import';
import { UsageError, UserError, cliDataDir, parseWithPositionals } from './args';
import { DATA_OPTIONS } from './commands';
import { formatTable } from '../text/table';
import { checkWritable, writeJsonAtomic } from './write-json';

const TABLES = ['top', 'trades', 'events'] as const;

export async function dataCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'import' && sub !== 'list' && sub !== 'show' && sub !== 'export')
    throw new UsageError(
      `expected import, list, show or export as the first argument, got ${sub === undefined ? 'nothing' : `"${sub}"`}`,
    );
  const { values: v, positionals } = parseWithPositionals(rest, DATA_OPTIONS);
  if (
    positionals.length > 0 &&
    !(sub === 'import' && (v.format === 'binance-raw' || v.format === 'binance-csv' || v.format === 'tardis'))
  )
    throw new UsageError(
      `unexpected argument "${positionals[0]}" (files are arguments only for --format binance-raw, binance-csv and tardis)`,
    );
  const allowed: Record<typeof sub, readonly string[]> = {
    import: ['format', 'message', 'orderbook', 'name', 'date', 'json', 'data-dir', 'quiet'],
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
      throw new UsageError(`--what must be top, trades or events, got "${what}"`);
    if (v.out === undefined) throw new UsageError('--out FILE is required for data export');
    checkWritable(v.out);
    const rows = await exportTable(dataDir, info.id, what as (typeof TABLES)[number], v.out);
    out.write(`wrote ${rows} rows of ${what} to ${v.out}\n`);
    return 0;
  } catch (e) {
    if (e instanceof CatalogError) throw new UserError(e.message);
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
    ['content hash', d.contentHash],
    ...d.sources.map((s): [string, string] => [`source (${s.role})`, `${s.file} (${s.bytes} bytes)`]),
    ...Object.entries(d.verification).map(([k, x]): [string, string] => [k, String(x)]),
  ];
  return formatTable(['Field', 'Value'], rows);
}
