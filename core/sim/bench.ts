/**
 * Simulator benchmarks (called by `quotebench bench`; never by tests).
 * - benchBookSim: book-mode simulation with order-entry, cancel and market-data latency and a
 *   fixed-spread quoter requoting every 100 ms; events = background flow + price updates + agent events.
 * - benchAs2008: the whole Avellaneda–Stoikov experiment (6 runs × 1000 paths, metrics included),
 *   loaded from resources/configs/as2008.yaml; the median of several timed runs after a warm-up.
 */
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config/load-config';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { runBacktest } from '../backtest/run';
import { backtestConfigSchema } from '../backtest/config';
import { BookSimulator } from './book-sim';
import { bookScenarioSchema, toBookScenario } from './scenario';
import { runPath } from './simulator';

export function benchBookSim(opts: { horizon?: number; seed?: number } = {}): {
  simEventsPerSec: number;
  simEvents: number;
} {
  const sc = toBookScenario(
    bookScenarioSchema.parse({
      mode: 'book',
      horizon: opts.horizon ?? 3600,
      tickSize: 0.01,
      s0: 100,
      price: { model: 'abm', sigma: 0.012 },
      flow: { toxicShare: 0.3 },
      decisionInterval: 0.1,
      latency: {
        entry: { model: 'lognormal', median: 0.004, sigma: 0.4 },
        cancel: { model: 'lognormal', median: 0.004, sigma: 0.4 },
        marketData: { model: 'constant', value: 0.002 },
      },
    }),
  );
  const sim = new BookSimulator(sc);
  const quoter = new FixedSpreadQuoter({ halfSpread: 0.015, skewPerLot: 0.001, orderSizeLots: 1 });
  runPath(sim, quoter, opts.seed ?? 1, 0); // warm-up
  let events = 0;
  let ms = 0;
  for (let p = 1; p <= 3; p++) {
    const t0 = performance.now();
    runPath(sim, quoter, opts.seed ?? 1, p);
    ms += performance.now() - t0;
    events += sim.events;
  }
  return { simEventsPerSec: (events / ms) * 1000, simEvents: events };
}

export function as2008ConfigPath(): string {
  return fileURLToPath(new URL('../../resources/configs/as2008.yaml', import.meta.url));
}

export function benchAs2008(opts: { repeats?: number } = {}): { as2008Seconds: number } {
  const cfg = loadConfigFile(as2008ConfigPath(), backtestConfigSchema);
  runBacktest(cfg); // warm-up
  const times: number[] = [];
  for (let i = 0; i < (opts.repeats ?? 5); i++) {
    const t0 = performance.now();
    runBacktest(cfg);
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return { as2008Seconds: times[Math.floor(times.length / 2)] ?? Number.NaN };
}
