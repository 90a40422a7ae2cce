/**
 * Flow-knob study (issue 10 §3): a fixed-spread quoter at the touch in a book-mode scenario, measured
 * per path on the same (seed, path) pairs so that two settings of a knob can be compared with a paired
 * test (common random numbers: the reference price path and the background flow streams do not depend
 * on the knob's value, except through the book state they act on).
 *
 * Per path: realized spread (edge against the mid `markoutHorizon` seconds after the fill), effective
 * spread (edge at the fill), adverse selection (their difference), our filled lots, final PnL, mean
 * touch depth seen in the observations (lots at the best bid plus best ask), and the mid lag: |book mid −
 * reference price| in ticks, sampled every `lagEvery` seconds (mean and max).
 *
 * Used by core/sim/flow-knobs.test.ts and, for the table in docs/results.md, run directly:
 *   npx tsx core/backtest/flow-study.ts [paths=32]
 */
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config/load-config';
import { accumulateSpreadBps } from '../metrics/fills';
import { pairedTest } from '../metrics/inference';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { emptyDecision, emptyObservation } from '../strategy/quoter';
import { backtestConfigSchema } from './config';
import { ADVANCE_DELIVERY, ADVANCE_END, BookSimulator, type BookScenario } from '../sim/book-sim';
import { toBookScenario, type BookScenarioConfig } from '../sim/scenario';
import { clearDecision } from '../sim/simulator';

export interface StudyPath {
  realizedBps: number;
  effectiveBps: number;
  adverseBps: number;
  fills: number;
  /** Our lots filled by background limit orders crossing our stale quotes, and by market orders. */
  pickedOff: number;
  marketHit: number;
  pnl: number;
  touchDepth: number;
  lagMean: number;
  lagMax: number;
}

export interface StudyOptions {
  seed: number;
  paths: number;
  markoutHorizon: number;
  /** Half-spread of the quoter (price units); default half a tick (joins the touch). */
  halfSpread?: number;
  skewPerLot?: number;
  /** Mid-lag sampling interval in seconds (default 0.1). */
  lagEvery?: number;
}

/** The book-default scenario and its markout horizon, from resources/configs/book-default.yaml. */
export function bookDefault(): { config: BookScenarioConfig; seed: number; markoutHorizon: number } {
  const file = fileURLToPath(new URL('../../resources/configs/book-default.yaml', import.meta.url));
  const cfg = loadConfigFile(file, backtestConfigSchema);
  if (cfg.scenario.mode !== 'book') throw new Error('book-default.yaml is not a book scenario');
  return { config: cfg.scenario, seed: cfg.seed, markoutHorizon: cfg.metrics.markoutHorizon ?? 5 };
}

/** Copy of a book scenario config with some flow / latency / top-level keys replaced. */
export function withFlow(
  c: BookScenarioConfig,
  flow: Partial<BookScenarioConfig['flow']>,
  over: Partial<BookScenarioConfig> = {},
): BookScenario {
  return toBookScenario({ ...c, ...over, flow: { ...c.flow, ...flow } });
}

export function runTouchQuoter(sc: BookScenario, o: StudyOptions): StudyPath[] {
  const sim = new BookSimulator(sc);
  const tick = sc.tickSize;
  const quoter = new FixedSpreadQuoter({
    halfSpread: o.halfSpread ?? tick / 2,
    skewPerLot: o.skewPerLot ?? 0.001,
    orderSizeLots: 1,
  });
  const lagEvery = o.lagEvery ?? 0.1;
  const obs = emptyObservation();
  const dec = emptyDecision();
  const out: StudyPath[] = [];
  for (let p = 0; p < o.paths; p++) {
    sim.reset(o.seed, p);
    quoter.reset();
    let lagSum = 0;
    let lagMax = 0;
    let lagN = 0;
    let depthSum = 0;
    let depthN = 0;
    let tLag = 0;
    for (;;) {
      const r = sim.advance(obs, tLag, Number.POSITIVE_INFINITY);
      if (r === ADVANCE_END) break;
      if (r === ADVANCE_DELIVERY) {
        const d = obs.depth;
        if (d) {
          depthSum += (d.bidSizes[0] ?? 0) + (d.askSizes[0] ?? 0);
          depthN++;
        }
        clearDecision(dec);
        quoter.quote(obs, dec);
        sim.act(dec);
        continue;
      }
      const m = sim.book.mid();
      if (m === m) {
        const lag = Math.abs(m - sim.referencePrice() / tick);
        lagSum += lag;
        lagN++;
        if (lag > lagMax) lagMax = lag;
      }
      tLag += lagEvery;
    }
    const res = sim.result();
    const eff = { sum: 0, weight: 0 };
    const real = { sum: 0, weight: 0 };
    accumulateSpreadBps(res, undefined, eff);
    accumulateSpreadBps(res, o.markoutHorizon, real);
    const effectiveBps = eff.weight > 0 ? eff.sum / eff.weight : 0;
    const realizedBps = real.weight > 0 ? real.sum / real.weight : 0;
    out.push({
      realizedBps,
      effectiveBps,
      adverseBps: effectiveBps - realizedBps,
      fills: eff.weight,
      pickedOff: sim.pickedOffLots,
      marketHit: sim.marketHitLots,
      pnl: res.series.pnl[res.series.bars] ?? 0,
      touchDepth: depthN > 0 ? depthSum / depthN : 0,
      lagMean: lagN > 0 ? lagSum / lagN : 0,
      lagMax,
    });
  }
  return out;
}

export const pick = (xs: StudyPath[], k: keyof StudyPath): number[] => xs.map((x) => x[k]);
export const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Print the informed-share table of docs/results.md. */
function main(): void {
  const paths = Number(process.argv[2] ?? 32);
  const { config, seed, markoutHorizon } = bookDefault();
  const opts = { seed, paths, markoutHorizon };
  const shares = [0, 0.2, 0.4, 0.6];
  const runs = shares.map((s) => runTouchQuoter(withFlow(config, { toxicShare: s }), opts));
  const f = (x: number, d = 3): string => x.toFixed(d);
  console.log(
    `book-default.yaml (seed ${seed}, ${paths} paths, horizon ${config.horizon} s), fixed spread at the touch ` +
      `(half-spread ½ tick, skew 0.001/lot), markoutHorizon ${markoutHorizon} s`,
  );
  console.log(
    '| informed share | realized spread (bp) | effective spread (bp) | adverse selection (bp) | fills (lots/path) | picked off by limit orders | hit by market orders | PnL/path | mid lag mean (ticks) | mid lag max (ticks) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  shares.forEach((s, i) => {
    const r = runs[i]!;
    console.log(
      `| ${s} | ${f(avg(pick(r, 'realizedBps')))} | ${f(avg(pick(r, 'effectiveBps')))} | ${f(avg(pick(r, 'adverseBps')))} | ` +
        `${f(avg(pick(r, 'fills')), 1)} | ${f(avg(pick(r, 'pickedOff')), 1)} | ${f(avg(pick(r, 'marketHit')), 1)} | ${f(avg(pick(r, 'pnl')), 2)} | ${f(avg(pick(r, 'lagMean')), 2)} | ${f(Math.max(...pick(r, 'lagMax')), 1)} |`,
    );
  });
  const t = pairedTest(pick(runs[3]!, 'realizedBps'), pick(runs[0]!, 'realizedBps'), { seed: 1 });
  console.log(
    `realized spread, 0.6 − 0: ${f(t.meanDiff)} bp, 95% bootstrap CI [${f(t.ciLow)}, ${f(t.ciHigh)}], ` +
      `paired t p = ${t.pValue.toPrecision(2)} (n = ${t.n})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
