/**
 * Replay benchmark (issue 11 §7): recorded events per second through a replay backtest with an active
 * quoter and an L2 queue model — the Binance BTCUSDT capture with a fixed-spread quoter at the touch
 * (a decision every 100 ms, prob-power queue, recorded latency), and the LOBSTER AMZN level-10 sample
 * with exact FIFO queues. Datasets are imported into a temporary data directory first (not timed); the
 * figure is events / wall time of runPath, best of `runs`, excluding the tape load (measured by the
 * ingest bench's replayLoadEventsPerSec).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importBinanceRaw } from '../data/binance-import';
import { importLobster } from '../data/lobster-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../data/lobster-replay';
import { runPath } from '../sim/simulator';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { ReplayMarket } from './replay-market';
import { replayScenarioSchema, toReplayScenario } from './scenario';
import { loadTape } from './tape';

const CAPTURE = fileURLToPath(
  new URL(
    '../../../shared/data/binance_usdm_btcusdt_2024-08-08/btcusdt_20240808.raw_stream.gz',
    import.meta.url,
  ),
);

function timeReplay(
  m: ReplayMarket,
  halfSpread: number,
  runs: number,
): { eventsPerSec: number; fills: number } {
  const q = new FixedSpreadQuoter({ halfSpread, skewPerLot: 0, orderSizeLots: 1 });
  let best = 0;
  let fills = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const p = runPath(m, q, 1, r);
    const dt = (performance.now() - t0) / 1000;
    best = Math.max(best, m.tape.count / dt);
    fills = p.fills.count;
  }
  return { eventsPerSec: Math.round(best), fills };
}

export async function benchReplay(runs = 5): Promise<{
  replayL2EventsPerSec: number;
  replayL3EventsPerSec: number;
  replayL2Events: number;
  replayL3Events: number;
}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qb-bench-replay-'));
  try {
    const b = await importBinanceRaw({ dataDir: dir, files: [CAPTURE] });
    const amzn = LOBSTER_SAMPLES.find((s) => s.name === 'AMZN_L10')!;
    const a = await importLobster({ dataDir: dir, ...lobsterSamplePaths(amzn) });
    const l2 = await loadTape(dir, b.info.id);
    const l3 = await loadTape(dir, a.info.id);
    const l2sc = replayScenarioSchema.parse({
      mode: 'replay',
      dataset: b.info.id,
      lotSize: 0.01,
      decisionInterval: 0.1,
      queue: { model: 'prob-power', n: 2 },
      latency: { model: 'recorded' },
    });
    const l3sc = replayScenarioSchema.parse({
      mode: 'replay',
      dataset: a.info.id,
      lotSize: 100,
      decisionInterval: 0.1,
    });
    const r2 = timeReplay(new ReplayMarket(l2, toReplayScenario(l2sc, l2)), 0.05, runs);
    const r3 = timeReplay(new ReplayMarket(l3, toReplayScenario(l3sc, l3)), 0.01, runs);
    return {
      replayL2EventsPerSec: r2.eventsPerSec,
      replayL3EventsPerSec: r3.eventsPerSec,
      replayL2Events: l2.count,
      replayL3Events: l3.count,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void benchReplay().then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
}
