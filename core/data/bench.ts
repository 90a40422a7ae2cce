/**
 * Ingest benchmark of the market-data catalog (issue 11 §7): the shared LOBSTER AMZN level-10 sample
 * and the Binance BTCUSDT capture imported into a temporary data directory, best of `runs`; events per
 * second include parsing, the book rebuild and its verification, and the Parquet writes. The replay
 * figure reads the capture's events.parquet back into typed arrays (loadEventColumns: a full scan).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from './lobster-replay';
import { importBinanceRaw } from './binance-import';
import { importLobster } from './lobster-import';
import { loadEventColumns } from './event-columns';

const CAPTURE = fileURLToPath(
  new URL(
    '../../../shared/data/binance_usdm_btcusdt_2024-08-08/btcusdt_20240808.raw_stream.gz',
    import.meta.url,
  ),
);

export async function benchIngest(runs = 3): Promise<{
  lobsterIngestEventsPerSec: number;
  binanceIngestEventsPerSec: number;
  replayLoadEventsPerSec: number;
}> {
  const amzn = LOBSTER_SAMPLES.find((s) => s.name === 'AMZN_L10')!;
  const p = lobsterSamplePaths(amzn);
  let lobster = 0;
  let binance = 0;
  let load = 0;
  for (let r = 0; r < runs; r++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qb-bench-ingest-'));
    try {
      let t0 = performance.now();
      const a = await importLobster({
        dataDir: dir,
        messagePath: p.messagePath,
        orderbookPath: p.orderbookPath,
      });
      lobster = Math.max(lobster, a.info.counts.events / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      const b = await importBinanceRaw({ dataDir: dir, files: [CAPTURE] });
      binance = Math.max(binance, b.info.counts.events / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      const cols = await loadEventColumns(dir, b.info.id);
      load = Math.max(load, cols.count / ((performance.now() - t0) / 1000));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    lobsterIngestEventsPerSec: Math.round(lobster),
    binanceIngestEventsPerSec: Math.round(binance),
    replayLoadEventsPerSec: Math.round(load),
  };
}
