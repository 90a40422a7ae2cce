/**
 * The replay studies of docs/results.md (issue 11 §4 and §5), on the shared LOBSTER samples:
 *
 *  1. L2 queue models against exact L3 FIFO (core/replay/queue-study.ts): AAPL (L10, 49 s), MSFT (L5,
 *     7 min), AMZN (L10, first 16,000 messages) and the AMZN full day (L1); two quoters — one lot joining
 *     the best bid and ask, and one lot one tick behind them (both always rest in a queue).
 *  2. Tune on the first part of the AMZN day, test on the rest: fixed spread (half-spread × skew),
 *     Avellaneda–Stoikov (γ × k, σ from the tuning window) and GLFT (γ × A × k) chosen by PnL on
 *     09:30–11:30 with exact FIFO, then replayed 11:30–16:00 with each queue model.
 *
 *   npx tsx scripts/replay-study.ts [--data-dir DIR]   (imports the samples into DIR, default a temp dir)
 *
 * Latency: 1 ms order entry and cancel, 0.5 ms market data (constant); no fees (LOBSTER carries none;
 * NASDAQ's were of the order of ±0.3 ¢/share); lot = 100 shares.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildQuoter } from '../core/backtest/quoters';
import { backtestConfigSchema } from '../core/backtest/config';
import { importLobster } from '../core/data/lobster-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../core/data/lobster-replay';
import { computeRunMetrics } from '../core/metrics/run-metrics';
import { L2_MODELS, queueModelStudy } from '../core/replay/queue-study';
import { ReplayMarket, type ReplayScenario } from '../core/replay/replay-market';
import { replayScenarioSchema, toReplayScenario } from '../core/replay/scenario';
import { loadTape, type ReplayTape } from '../core/replay/tape';
import { runPath } from '../core/sim/simulator';
import { expandGrid } from '../core/strategy/specs';
import type { MarketObservation, QuoteDecision, Quoter } from '../core/strategy/quoter';

const args = process.argv.slice(2);
const dataDir =
  args[0] === '--data-dir' && args[1] ? args[1] : mkdtempSync(path.join(os.tmpdir(), 'qb-study-'));
const LATENCY = {
  entry: { model: 'constant', value: 0.001 },
  cancel: { model: 'constant', value: 0.001 },
  marketData: { model: 'constant', value: 0.0005 },
};

function scenarioFor(tape: ReplayTape, over: Record<string, unknown> = {}): ReplayScenario {
  const c = replayScenarioSchema.parse({
    mode: 'replay',
    dataset: tape.id,
    lotSize: 100,
    latency: LATENCY,
    ...over,
  });
  return toReplayScenario(c, tape);
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '—');
const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '—');

async function main(): Promise<void> {
  const ids: Record<string, string> = {};
  for (const s of LOBSTER_SAMPLES) {
    const p = lobsterSamplePaths(s);
    const r = await importLobster({ dataDir, ...p });
    ids[s.name] = r.info.id;
  }

  // 1. L2 models vs exact FIFO.
  process.stdout.write('## L2 queue models vs exact L3 FIFO\n\n');
  process.stdout.write(
    '| data | quoter | model | fills | lots | PnL (USD) | fills err | PnL err | matched | mean Δt (s) | mean |Δt| (s) |\n|---|---|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const name of Object.keys(ids)) {
    const tape = await loadTape(dataDir, ids[name]!);
    const base = scenarioFor(tape, { decisionInterval: 0.1 });
    for (const [label, behind] of [
      ['join best', 0],
      ['1 tick behind', 1],
    ] as const) {
      const q = (): Quoter => joinQuoter(behind);
      const { truth, rows } = queueModelStudy(tape, base, q, L2_MODELS);
      for (const r of [truth, ...rows]) {
        process.stdout.write(
          `| ${name} | ${label} | ${r.model} | ${r.fills} | ${f(r.lots, 0)} | ${f(r.pnl)} | ${pct(r.fillsError)} | ${pct(r.pnlError)} | ${r.matched} | ${f(r.meanDt, 3)} | ${f(r.meanAbsDt, 3)} |\n`,
        );
      }
    }
  }

  // 2. Tune on 09:30–11:30, test on 11:30–16:00 (AMZN full day, L1).
  const tape = await loadTape(dataDir, ids.AMZN_L1_rounded!);
  const split = 7200;
  const sigma = midSigmaPerSecond(tape, 0, split);
  process.stdout.write(
    `\n## Tuned on 09:30–11:30, tested 11:30–16:00 (AMZN, σ = ${sigma.toFixed(5)} USD/√s)\n\n`,
  );
  const families = [
    {
      type: 'fixed-spread',
      halfSpread: [0.005, 0.015, 0.025, 0.05, 0.1],
      skewPerLot: [0, 0.005, 0.01, 0.02],
    },
    { type: 'avellaneda-stoikov', gamma: [0.01, 0.1, 1, 10], sigma, k: [10, 30, 100, 300] },
    { type: 'glft', gamma: [0.01, 0.1, 1, 10], sigma, A: [0.3, 1, 3], k: [10, 30, 100], Q: 10 },
  ];
  const cfgFor = (strategies: unknown[]) =>
    backtestConfigSchema.parse({
      seed: 1,
      paths: 1,
      scenario: { mode: 'replay', dataset: tape.id, lotSize: 100, latency: LATENCY, decisionInterval: 1 },
      strategies,
    });
  const train = scenarioFor(tape, { decisionInterval: 1, to: split, queue: { model: 'fifo' } });
  process.stdout.write(
    '| quoter | tuned params (on 2 h) | queue model | fills | PnL (USD) | max DD (USD) | mean abs q (lots) |\n|---|---|---|---|---|---|---|\n',
  );
  for (const fam of families) {
    const cfg = cfgFor([fam]);
    let best: { spec: Record<string, unknown>; pnl: number } | null = null;
    for (const spec of expandGrid(cfg.strategies[0]!)) {
      const p = runPath(new ReplayMarket(tape, train), buildQuoter(spec, cfg.scenario), 1, 0);
      const pnl = p.series.pnl[p.series.bars]!;
      if (best === null || pnl > best.pnl) best = { spec, pnl };
    }
    const spec = best!.spec;
    const params = Object.entries(spec)
      .filter(([k]) => !['type', 'sigma', 'orderSizeLots', 'variant', 'method', 'Q'].includes(k))
      .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(3) : String(v)}`)
      .join(' ');
    for (const queue of [{ model: 'fifo' }, ...L2_MODELS]) {
      const test = scenarioFor(tape, { decisionInterval: 1, from: split, queue });
      const m = new ReplayMarket(tape, test);
      const p = runPath(m, buildQuoter(spec, cfg.scenario), 1, 0);
      const metrics = computeRunMetrics([p], { sessionsPerYear: 252, markoutHorizon: 10 });
      let absQ = 0;
      for (let i = 0; i <= p.series.bars; i++) absQ += Math.abs(p.series.inventory[i]!);
      process.stdout.write(
        `| ${String(spec.type)} | ${params} | ${m.queue.name} | ${p.fills.count} | ${f(p.series.pnl[p.series.bars]!)} | ${f(metrics.maxDrawdown)} | ${f(absQ / (p.series.bars + 1))} |\n`,
      );
    }
  }
}

/** One lot on each side at the best bid and ask, or `ticks` behind them: always in a queue. */
function joinQuoter(ticks: number): Quoter {
  return {
    name: ticks === 0 ? 'join-best' : `behind-${ticks}`,
    params: { ticks },
    reset() {},
    quote(obs: MarketObservation, out: QuoteDecision) {
      out.bidPrice = obs.bestBid - ticks * obs.tickSize;
      out.askPrice = obs.bestAsk + ticks * obs.tickSize;
      out.bidSize = 1;
      out.askSize = 1;
    },
  };
}

/** Standard deviation of 1-second mid changes in [from, to) seconds of the tape (USD per √s). */
function midSigmaPerSecond(tape: ReplayTape, from: number, to: number): number {
  const sc = scenarioFor(tape, { from, to, decisionInterval: 1 });
  const mids: number[] = [];
  const q = {
    name: 'observer',
    params: {},
    reset() {},
    quote(obs: { mid: number }) {
      mids.push(obs.mid);
    },
  };
  runPath(new ReplayMarket(tape, sc), q, 1, 0);
  let s = 0;
  let s2 = 0;
  const n = mids.length - 1;
  for (let i = 1; i < mids.length; i++) {
    const d = mids[i]! - mids[i - 1]!;
    s += d;
    s2 += d * d;
  }
  return Math.sqrt(s2 / n - (s / n) ** 2);
}

void main();
