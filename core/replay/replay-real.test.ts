/**
 * Replay on the shared real data (../shared/data beside the repository): the replay's own book, built
 * from the catalog's events alone, must reproduce the venue's top of book that the importers verified
 * (Binance: after every depth update; LOBSTER: after every message, with the touch repairs counted),
 * and a replay backtest must reconcile its accounts and be deterministic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMarketInputs, runBacktest } from '../backtest/run';
import { backtestConfigSchema } from '../backtest/config';
import { EVENT_KIND, datasetFile, openDuck } from '../data/catalog';
import { importBinanceRaw } from '../data/binance-import';
import { importLobster } from '../data/lobster-import';
import { importTardis } from '../data/tardis-import';
import { DEFAULT_LOBSTER_DIR } from '../data/lobster-replay';
import { ReplayMarket } from './replay-market';
import { toReplayScenario, replayScenarioSchema } from './scenario';
import { loadTape } from './tape';

const SHARED = path.resolve(DEFAULT_LOBSTER_DIR, '..');
const BINANCE = path.join(SHARED, 'binance_usdm_btcusdt_2024-08-08', 'btcusdt_20240808.raw_stream.gz');
const AAPL = path.join(DEFAULT_LOBSTER_DIR, 'AAPL_2012-06-21_L10');

let dataDir = '';
let lobsterId = '';
let binanceId = '';
let tardisId = '';

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'qb-replay-'));
  const l = await importLobster({
    dataDir,
    messagePath: path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv'),
    orderbookPath: path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv'),
  });
  lobsterId = l.info.id;
  const b = await importBinanceRaw({ dataDir, files: [BINANCE] });
  binanceId = b.info.id;
  const t = await importTardis({
    dataDir,
    files: [path.join(SHARED, 'tardis_format_samples', 'binance-futures_book_snapshot_5_BTCUSDT.csv')],
  });
  tardisId = t.info.id;
}, 120_000);

afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function topBySeq(id: string): Promise<Map<number, number[]>> {
  const { conn, close } = await openDuck();
  try {
    const file = datasetFile(dataDir, id, 'top');
    const r = await conn.runAndReadAll(
      `SELECT seq::DOUBLE, bid_price, bid_size, ask_price, ask_size FROM read_parquet('${file}')`,
    );
    const m = new Map<number, number[]>();
    for (const row of r.getRows())
      m.set(
        Number(row[0]),
        row.slice(1).map((v) => (v === null ? NaN : Number(v))),
      );
    return m;
  } finally {
    close();
  }
}

function baseScenario(dataset: string, over: Record<string, unknown> = {}) {
  return replayScenarioSchema.parse({ mode: 'replay', dataset, ...over });
}

describe('replay on real data', () => {
  it('Binance USD-M: the replayed book equals the importer-verified top of book after every depth update', async () => {
    const tape = await loadTape(dataDir, binanceId);
    expect(tape.l3).toBe(false);
    expect(tape.tick).toBeCloseTo(0.1, 12);
    const m = new ReplayMarket(tape, toReplayScenario(baseScenario(binanceId), tape));
    const tops = await topBySeq(binanceId);
    m.rewindBook();
    const out = new Float64Array(4);
    let checked = 0;
    let equal = 0;
    for (let i = 0; i < tape.count; i++) {
      m.stepEvent();
      const k = tape.kind[i]!;
      if (k !== EVENT_KIND.levelSet && k !== EVENT_KIND.snapshotLevel) continue;
      // The end of an update: the next event is not part of the same update id.
      const next = i + 1 < tape.count ? tape.seq[i + 1] : NaN;
      const nextKind = i + 1 < tape.count ? tape.kind[i + 1] : -1;
      if (next === tape.seq[i] && (nextKind === EVENT_KIND.levelSet || nextKind === EVENT_KIND.snapshotLevel))
        continue;
      const want = tops.get(tape.seq[i]!);
      if (!want) continue;
      m.touch(out);
      checked++;
      if (
        Math.abs(out[0]! - want[0]!) < 1e-9 &&
        Math.abs(out[1]! - want[1]!) < 1e-9 &&
        Math.abs(out[2]! - want[2]!) < 1e-9 &&
        Math.abs(out[3]! - want[3]!) < 1e-9
      )
        equal++;
    }
    expect(checked).toBe(tops.size);
    expect(equal).toBe(checked);
  });

  it('Tardis book_snapshot_5: each snapshot replaces the book; the touch equals the imported top', async () => {
    const tape = await loadTape(dataDir, tardisId);
    const m = new ReplayMarket(tape, toReplayScenario(baseScenario(tardisId), tape));
    const tops = await topBySeq(tardisId);
    m.rewindBook();
    const out = new Float64Array(4);
    let checked = 0;
    for (let i = 0; i < tape.count; i++) {
      m.stepEvent();
      if (i + 1 < tape.count && tape.seq[i + 1] === tape.seq[i]) continue;
      const want = tops.get(tape.seq[i]!)!;
      m.touch(out);
      expect(Array.from(out)).toEqual(want);
      checked++;
    }
    expect(checked).toBe(10);
  });

  it('LOBSTER: the replayed touch equals the orderbook file after every message; repairs are counted', async () => {
    const tape = await loadTape(dataDir, lobsterId);
    expect(tape.l3).toBe(true);
    expect(tape.top).not.toBeNull();
    const m = new ReplayMarket(tape, toReplayScenario(baseScenario(lobsterId), tape));
    m.rewindBook();
    const out = new Float64Array(4);
    let equal = 0;
    for (let i = 0; i < tape.count; i++) {
      m.stepEvent();
      m.touch(out);
      const t = tape.top!;
      if (
        Math.abs(out[0]! - t.bid[i]!) < 1e-9 &&
        out[1] === t.bidSize[i] &&
        Math.abs(out[2]! - t.ask[i]!) < 1e-9 &&
        out[3] === t.askSize[i]
      )
        equal++;
    }
    expect(equal).toBe(tape.count);
    // Orders resting before the file began are unknown to the messages: the first rows need repairs.
    expect(m.stats.repairs).toBeGreaterThan(0);
    expect(m.stats.repairs).toBeLessThan(tape.count);
  });

  it('runs a replay backtest end to end: accounts reconcile, same config ⇒ same numbers', async () => {
    const cfg = backtestConfigSchema.parse({
      seed: 3,
      paths: 1,
      scenario: { mode: 'replay', dataset: binanceId, lotSize: 0.01, latency: { model: 'recorded' } },
      strategies: [{ type: 'fixed-spread', halfSpread: [0.05, 2], orderSizeLots: 1 }],
    });
    const market = await loadMarketInputs(cfg.scenario, dataDir);
    const paths: { fills: number; pnl: number }[] = [];
    const a = runBacktest(cfg, {
      market,
      onPath: (_run, p) => paths.push({ fills: p.fills.count, pnl: p.series.pnl[p.series.bars]! }),
    });
    const b = runBacktest(cfg, { market });
    expect(a.runs.map((r) => r.metrics)).toEqual(b.runs.map((r) => r.metrics));
    expect(paths[0]!.fills).toBeGreaterThan(paths[1]!.fills); // quoting at the touch fills more
    expect(a.runs[0]!.annualization.sessionsPerYear).toBeGreaterThan(0);
    // The replay's recorded latency: the capture's receive − exchange times (with the host's offset).
    const tape = market.tape!;
    const sc = toReplayScenario(cfg.scenario as Parameters<typeof toReplayScenario>[0], tape);
    expect(sc.latency.model).toBe('recorded');
  });
});
