/**
 * Import a Binance capture (./binance-raw.ts: snapshot + diff-depth stream, trades, bookTicker; raw
 * `<local_ts_ns> <json>` files in order, or the same capture's CSV tables; plain or gzip) into the
 * catalog (./catalog.ts).
 *
 * Tables: events — the snapshot's levels (kind snapshotLevel, seq = lastUpdateId), every level of every
 * applied depth update (kind levelSet, seq = u; quantity 0 removes the level) and every trade (kind
 * trade, seq = trade id, side = the aggressor: −1 when the buyer was the maker); top — the best bid and
 * ask after the snapshot and after every applied update (seq = u: the `seq` of the export), only while
 * the book is synchronized; trades. exchange_ts_ns = the venue's event time E (trades: trade time T),
 * in ms × 10⁶; local_ts_ns = the capture host's receive time.
 * The verification in dataset.json is the synchronization report: events applied, dropped (older than
 * the snapshot), buffered, gaps (resynchronized from the next snapshot), and the bookTicker check
 * (checks / exact matches).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import {
  BinanceDepthSync,
  flatLevels,
  readBinanceCsv,
  readBinanceRaw,
  type BinanceMarket,
} from './binance-raw';
import {
  CatalogError,
  DATASET_FORMAT_VERSION,
  EVENT_KIND,
  buildDataset,
  hashSourceFiles,
  type DatasetInfo,
} from './catalog';

export interface BinanceImportOptions {
  dataDir: string;
  files: string[];
  name?: string;
  /** Default: from the depth messages (futures when they carry `pu`). */
  market?: BinanceMarket;
  /** 'raw' (default): `<local_ts_ns> <json>` lines; 'csv': the capture's CSV tables (readBinanceCsv). */
  format?: 'raw' | 'csv';
  onProgress?: (lines: number) => void;
  /** Cancels the import at its next chunk boundary (nothing is added to the catalog). */
  signal?: AbortSignal;
}

const msToNs = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

export async function importBinanceRaw(
  opts: BinanceImportOptions,
): Promise<{ info: DatasetInfo; existed: boolean }> {
  if (opts.files.length === 0) throw new CatalogError('binance-raw: no capture files given');
  for (const f of opts.files) statSync(f); // ENOENT before any work
  const hash = await hashSourceFiles(opts.format === 'csv' ? 'binance-csv' : 'binance-raw', opts.files);
  const id = hash.slice(0, 16);
  return buildDataset(
    opts.dataDir,
    async ({ events, top, trades, spill }) => {
      let firstNs: bigint | null = null;
      let lastNs = 0n;
      let lastMs = Number.NEGATIVE_INFINITY;
      const seen = (ns: bigint): void => {
        firstNs ??= ns;
        if (ns > lastNs) lastNs = ns;
      };
      /** seen(ms·10⁶) for a whole number of ms, creating no bigint when it is not later than the last. */
      const seenMs = (ms: number): void => {
        if (firstNs !== null && ms <= lastMs) return; // ≤ lastMs·10⁶ ≤ lastNs
        seen(BigInt(ms) * 1_000_000n);
        lastMs = Math.max(lastMs, ms);
      };
      /** Column setters: seq, exchange_ts_ns, kind, order_id, side, price, size, local_ts_ns. */
      const event = (
        seq: number,
        ms: number,
        nsIfNoMs: bigint,
        kind: number,
        orderId: number,
        side: number,
        price: number,
        size: number,
        local: bigint,
      ): void => {
        events.i64(0, seq);
        if (ms === ms) events.i64MsToNs(1, ms);
        else events.i64Big(1, nsIfNoMs);
        events.i8(2, kind);
        events.i64(3, orderId);
        events.i8(4, side);
        events.f64(5, price);
        events.f64(6, size);
        events.i64Big(7, local);
        events.endRow();
      };
      const pushTop = (seq: number, ms: number, nsIfNoMs: bigint): void => {
        top.i64(0, seq);
        if (ms === ms) top.i64MsToNs(1, ms);
        else top.i64Big(1, nsIfNoMs);
        top.f64(2, sync.bids.bestPrice());
        top.f64(3, sync.bids.bestQty());
        top.f64(4, sync.asks.bestPrice());
        top.f64(5, sync.asks.bestQty());
        top.endRow();
      };
      const sync: BinanceDepthSync = new BinanceDepthSync(
        {
          onSnapshot: (lastUpdateId, localTsNs, exchangeMs) => {
            const ms = Number.isNaN(exchangeMs) ? Number.NaN : Math.round(exchangeMs);
            const ns = Number.isNaN(exchangeMs) ? localTsNs : msToNs(exchangeMs);
            seen(ns);
            for (const [p, q] of sync.snapshotLevels.bids)
              event(lastUpdateId, ms, ns, EVENT_KIND.snapshotLevel, Number.NaN, 1, p, q, localTsNs);
            for (const [p, q] of sync.snapshotLevels.asks)
              event(lastUpdateId, ms, ns, EVENT_KIND.snapshotLevel, Number.NaN, -1, p, q, localTsNs);
            pushTop(lastUpdateId, ms, ns);
          },
          onApplied: (ev) => {
            const ms = Math.round(ev.E);
            seenMs(ms);
            const u = ev.u;
            const local = ev.localTsNs;
            const { bids, asks } = flatLevels(ev);
            for (let i = 0; i < bids.length; i += 2)
              event(u, ms, 0n, EVENT_KIND.levelSet, Number.NaN, 1, bids[i]!, bids[i + 1]!, local);
            for (let i = 0; i < asks.length; i += 2)
              event(u, ms, 0n, EVENT_KIND.levelSet, Number.NaN, -1, asks[i]!, asks[i + 1]!, local);
            pushTop(u, ms, 0n);
          },
          onTrade: (t) => {
            const ms = Math.round(t.timeMs);
            seenMs(ms);
            const side = t.buyerMaker ? -1 : 1;
            event(t.id, ms, 0n, EVENT_KIND.trade, t.id, side, t.price, t.qty, t.localTsNs);
            trades.i64(0, t.id);
            trades.i64MsToNs(1, ms);
            trades.f64(2, t.price);
            trades.f64(3, t.qty);
            trades.i8(4, side);
            trades.endRow();
          },
        },
        opts.market !== undefined ? { market: opts.market } : {},
      );
      if (opts.format === 'csv') await readBinanceCsv(opts.files, sync, spill);
      else await readBinanceRaw(opts.files, sync, opts.onProgress, spill);
      const r = sync.report;
      if (r.snapshots === 0)
        throw new CatalogError(
          `binance-raw: no depth snapshot in ${opts.files.join(', ')} (a line {"lastUpdateId", "bids", "asks"} is needed to rebuild the book)`,
        );
      const first = firstNs ?? 0n;
      const date = new Date(Number(first / 1_000_000n)).toISOString().slice(0, 10);
      const info: Omit<DatasetInfo, 'counts'> = {
        formatVersion: DATASET_FORMAT_VERSION,
        id,
        name: opts.name ?? `${r.symbol ?? 'BINANCE'}_${r.market === 'spot' ? 'spot' : 'usdm'}_${date}`,
        venue: r.market === 'spot' ? 'Binance spot' : 'Binance USD-M futures',
        symbol: r.symbol ?? '',
        format: opts.format === 'csv' ? 'binance-csv' : 'binance-raw',
        levels: null,
        firstTsNs: first.toString(),
        lastTsNs: lastNs.toString(),
        contentHash: hash,
        sources: opts.files.map((f) => ({ role: 'capture', file: path.resolve(f), bytes: statSync(f).size })),
        verification: {
          lines: r.lines,
          snapshots: r.snapshots,
          depthEvents: r.depthEvents,
          applied: r.applied,
          dropped: r.dropped,
          buffered: r.buffered,
          bufferOverflow: r.bufferOverflow,
          gaps: r.gaps,
          skippedWhileOutOfSync: r.skippedWhileOutOfSync,
          bookTickers: r.bookTickers,
          tickerChecks: r.tickerChecks,
          tickerMatches: r.tickerMatches,
        },
      };
      return info;
    },
    { signal: opts.signal },
  );
}
