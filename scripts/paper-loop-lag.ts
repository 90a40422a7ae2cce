// How long a paper session at full speed holds the event loop of the process that runs it (the app's
// back end runs PaperService in its own process): the largest and the 99th-percentile event-loop delay
// (perf_hooks.monitorEventLoopDelay, 1 ms resolution) over a session on a synthetic tape with a
// journal that fsyncs every fill. Usage: npx tsx scripts/paper-loop-lag.ts [seconds-of-tape]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Journal } from '../core/paper/journal';
import { resolveLimits } from '../core/paper/risk';
import { PaperSession } from '../core/paper/session';
import { syntheticPaperVenue, syntheticTape } from '../core/paper/synthetic-tape.fixture';
import { FixedSpreadQuoter } from '../core/strategy/fixed-spread';

const seconds = Number(process.argv[2] ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'qb-loop-lag-'));
const tape = syntheticTape({ seed: 5, seconds });
const venue = syntheticPaperVenue(tape, Number.POSITIVE_INFINITY);
const s = new PaperSession({
  sessionId: 'lag',
  venue,
  quoter: new FixedSpreadQuoter({ halfSpread: 0.05, skewPerLot: 0, orderSizeLots: 1 }),
  journal: new Journal(join(dir, 'lag.sqlite')),
  limits: resolveLimits({}),
  lotSize: 1,
  decisionIntervalMs: 500,
  depthLevels: 5,
  postOnly: true,
  horizonSeconds: Number.POSITIVE_INFINITY,
});
const h = monitorEventLoopDelay({ resolution: 1 });
const t0 = performance.now();
h.enable();
await s.start(new AbortController().signal);
await venue.finished();
h.disable();
const wall = (performance.now() - t0) / 1000;
await s.stop();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({
    tapeSeconds: seconds,
    events: tape.count,
    fills: s.oms.fillCount,
    wallSeconds: +wall.toFixed(2),
    loopDelayMaxMs: +(h.max / 1e6).toFixed(1),
    loopDelayP99Ms: +(h.percentile(99) / 1e6).toFixed(1),
    loopDelayMeanMs: +(h.mean / 1e6).toFixed(1),
  })}\n`,
);
