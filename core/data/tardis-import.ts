/**
 * Import Tardis.dev CSV files (./tardis.ts: incremental_book_L2, trades, book_snapshot_N; plain or gzip;
 * several files of any of these kinds, read in the order given) into the catalog (./catalog.ts).
 *
 * seq is the row's position in the import (1-based, over all files in order, headers not counted);
 * exchange_ts_ns = Tardis `timestamp` (µs) × 1000, local_ts_ns = `local_timestamp` × 1000.
 * - incremental_book_L2 rows → events (snapshotLevel or levelSet); the top of book after every group of
 *   rows with the same timestamps (one venue message), once a book has both sides or not.
 * - trades → events (kind trade, side = the aggressor, 0 when unknown) and the trades table.
 * - book_snapshot_N rows → events (snapshotLevel, one per non-empty level) and the top from level 0.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { L2Side } from './binance-raw';
import {
  CatalogError,
  DATASET_FORMAT_VERSION,
  EVENT_KIND,
  buildDataset,
  hashSourceFiles,
  type DatasetInfo,
} from './catalog';
import { readTardisFile, type TardisFileReport } from './tardis';

const usToNs = (us: number): bigint => BigInt(us) * 1000n;

export async function importTardis(opts: {
  dataDir: string;
  files: string[];
  name?: string;
  /** Cancels the import at its next chunk boundary (nothing is added to the catalog). */
  signal?: AbortSignal;
}): Promise<{ info: DatasetInfo; existed: boolean }> {
  if (opts.files.length === 0) throw new CatalogError('tardis: no files given');
  for (const f of opts.files) statSync(f);
  const hash = await hashSourceFiles('tardis', opts.files);
  return buildDataset(
    opts.dataDir,
    async ({ events, top, trades, spill }) => {
      let seq = 0;
      let first: bigint | null = null;
      let last = 0n;
      const seen = (ns: bigint): void => {
        first ??= ns;
        if (ns > last) last = ns;
      };
      const reports: TardisFileReport[] = [];
      for (const file of opts.files) {
        const book = { bids: new L2Side(true), asks: new L2Side(false) };
        const lastSeqOfRow = new Map<number, number>();
        reports.push(
          await readTardisFile(
            file,
            {
              onLevel: (r) => {
                seq++;
                lastSeqOfRow.set(r.row, seq);
                const ns = usToNs(r.tsUs);
                seen(ns);
                events.push(
                  seq,
                  ns,
                  r.snapshot ? EVENT_KIND.snapshotLevel : EVENT_KIND.levelSet,
                  Number.NaN,
                  r.side,
                  r.price,
                  r.amount,
                  usToNs(r.localUs),
                );
              },
              onBookEvent: (row, tsUs) => {
                top.push(
                  lastSeqOfRow.get(row) ?? seq,
                  usToNs(tsUs),
                  book.bids.bestPrice(),
                  book.bids.bestQty(),
                  book.asks.bestPrice(),
                  book.asks.bestQty(),
                );
                lastSeqOfRow.clear();
              },
              onTrade: (r) => {
                seq++;
                const ns = usToNs(r.tsUs);
                seen(ns);
                events.push(
                  seq,
                  ns,
                  EVENT_KIND.trade,
                  Number.NaN,
                  r.side,
                  r.price,
                  r.amount,
                  usToNs(r.localUs),
                );
                trades.push(seq, ns, r.price, r.amount, r.side);
              },
              onSnapshotRow: (r) => {
                seq++;
                const ns = usToNs(r.tsUs);
                seen(ns);
                for (const [p, a] of r.bids)
                  if (!Number.isNaN(p))
                    events.push(seq, ns, EVENT_KIND.snapshotLevel, Number.NaN, 1, p, a, usToNs(r.localUs));
                for (const [p, a] of r.asks)
                  if (!Number.isNaN(p))
                    events.push(seq, ns, EVENT_KIND.snapshotLevel, Number.NaN, -1, p, a, usToNs(r.localUs));
                top.push(seq, ns, r.bids[0]![0], r.bids[0]![1], r.asks[0]![0], r.asks[0]![1]);
              },
            },
            book,
            spill,
          ),
        );
      }
      const f0 = reports[0]!;
      const start = first ?? 0n;
      const date = new Date(Number(start / 1_000_000n)).toISOString().slice(0, 10);
      const info: Omit<DatasetInfo, 'counts'> = {
        formatVersion: DATASET_FORMAT_VERSION,
        id: hash.slice(0, 16),
        name:
          opts.name ??
          `${f0.symbol}_${f0.exchange}_${reports.length === 1 ? `${f0.kind === 'book_snapshot' ? `book_snapshot_${f0.levels}` : f0.kind}_` : ''}${date}`,
        venue: [...new Set(reports.map((r) => r.exchange))].join(', '),
        symbol: [...new Set(reports.map((r) => r.symbol))].join(', '),
        format: `tardis (${reports.map((r) => (r.kind === 'book_snapshot' ? `book_snapshot_${r.levels}` : r.kind)).join(', ')})`,
        levels: reports.find((r) => r.levels !== null)?.levels ?? null,
        firstTsNs: start.toString(),
        lastTsNs: last.toString(),
        contentHash: hash,
        sources: opts.files.map((f, i) => ({
          role: reports[i]!.kind,
          file: path.resolve(f),
          bytes: statSync(f).size,
        })),
        verification: {
          rows: reports.reduce((s, r) => s + r.rows, 0),
          bookSnapshots: reports.reduce((s, r) => s + r.snapshots, 0),
        },
      };
      return info;
    },
    { signal: opts.signal },
  );
}
