/**
 * The paper-trading fault figures of docs/results.md ("Paper trading against a fault-injecting
 * exchange (issue 14)"): the Binance connector through ccxt against the fake USD-M exchange on
 * 127.0.0.1 (core/venues/fake-binance-faults.ts), one run per seed, printed as a markdown table.
 *
 *   npx tsx scripts/paper-faults-study.ts [--seeds 11,12,13] [--gaps 5] [--orders 24] [--verbose]
 */
import os from 'node:os';
import { runFaultScenario, type FaultFigures } from '../core/venues/fake-binance-faults';
import { runSessionFaultScenario } from '../core/venues/fake-binance-session.fixture';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}

const seeds = arg('seeds', '11,12,13').split(',').map(Number);
const gaps = Number(arg('gaps', '5'));
const orders = Number(arg('orders', '24'));

const rows: [number, FaultFigures][] = [];
for (const seed of seeds) {
  const r = await runFaultScenario({
    seed,
    gaps,
    orders,
    onStep: (w) => process.argv.includes('--verbose') && process.stderr.write(`seed ${seed}: ${w}\n`),
  });
  rows.push([seed, r]);
  process.stderr.write(`seed ${seed}: done in ${(r.runMs / 1000).toFixed(1)} s\n`);
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `machine: ${cpu}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
console.log('');
console.log(
  '| seed | gaps → resyncs | book checks (mismatches) | reconnects | orders (requests sent / reached venue) | duplicates | acks recovered by lookup | 429 waits | clock resyncs | fills (recovered over REST) | stale/dup user msgs dropped | position: our fills / exchange | kill: open before → after, ms |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [seed, r] of rows)
  console.log(
    `| ${seed} | ${r.gaps} → ${r.resyncs} | ${r.bookChecks} (${r.bookMismatches}) | ${r.reconnects} | ${r.ordersPlaced} (${r.orderRequests} / ${r.venueOrderPosts}) | ${r.duplicates} | ${r.recoveredAcks} | ${r.rateLimited} | ${r.clockResyncs} | ${r.fills} (${r.recoveredFills}) | ${r.staleUserEvents} | ${r.positionFromFills.toFixed(3)} / ${r.positionAtExchange.toFixed(3)} | ${r.openBeforeKill} → ${r.openAfterKill}, ${r.killMs.toFixed(1)} |`,
  );

// the paper session (OMS, risk, journal, kill switch) with a fixed-spread quoter through faults
console.log('');
console.log(
  '| seed | steps | decisions | orders placed (requests / reached venue) | duplicates | resyncs | reconnects | reconciliations | acks recovered | position: session / exchange (lots) | kill: cancel requests, open after, flattened lots, ms |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const seed of seeds) {
  const r = await runSessionFaultScenario({ seed, steps: 36 });
  console.log(
    `| ${seed} | ${r.steps} | ${r.decisions} | ${r.placed} (${r.venue.placeRequests} / ${r.venueOrderPosts}) | ${r.duplicates.length} | ${r.venue.resyncs} | ${r.venue.reconnects} | ${r.reconciliations} | ${r.venue.recoveredAcks} | ${r.sessionLots} / ${r.exchangeLots} | ${r.kill.cancelRequests}, ${r.kill.openAfter}, ${r.kill.flattenedLots}, ${r.kill.elapsedMs.toFixed(0)} |`,
  );
  process.stderr.write(`session seed ${seed}: done\n`);
}
// every venue and fake exchange is closed by now; exit without waiting for stray sockets to drain
process.exit(0);
