// A seeded synthetic L2 tape for paper-trading tests: a snapshot, then every `stepSeconds` the mid
// random-walks by a tick at most, the ten levels per side are re-set around it (level sets, with
// removals of levels that fall out), and trades hit the touch (both aggressor sides), so resting
// orders of ours near the touch fill through queues, through-trades and level changes.
import { createHash } from 'node:crypto';
import { DATASET_FORMAT_VERSION, EVENT_KIND as K, buildDataset } from '../data/catalog';
import type { EventColumns } from '../data/event-columns';
import { Rng } from '../rng/rng';
import { buildTape, type ReplayTape } from '../replay/tape';
import { PaperVenue, tapeFeed } from '../venues/paper-venue';

export interface SyntheticTapeOptions {
  seed?: number;
  seconds?: number;
  stepSeconds?: number;
  tick?: number;
  mid0?: number;
}

type Row = [number, number, number, number, number, number]; // t, kind, side, price, size, seq

function syntheticRows(o: SyntheticTapeOptions): Row[] {
  const rng = new Rng(o.seed ?? 7);
  const tick = o.tick ?? 0.1;
  const seconds = o.seconds ?? 120;
  const dt = o.stepSeconds ?? 0.05;
  let midTicks = Math.round((o.mid0 ?? 100) / tick);
  const rows: Row[] = [];
  const levels = 10;
  const sizeAt = (): number => Math.round((1 + rng.next() * 9) * 100) / 100;
  const book = [new Map<number, number>(), new Map<number, number>()]; // ticks → size; 0 bids, 1 asks
  let seq = 1;
  const setLevel = (t: number, s: number, px: number, q: number, kind: number, sq: number): void => {
    if (q > 0) book[s]!.set(px, q);
    else book[s]!.delete(px);
    rows.push([t, kind, s === 0 ? 1 : -1, px * tick, q, sq]);
  };
  const fill = (t: number, kind: number, sq: number): void => {
    const bidTop = midTicks - 1;
    const askTop = midTicks + 1;
    for (const [s, top, dir] of [
      [0, bidTop, -1],
      [1, askTop, 1],
    ] as const) {
      const want = new Set<number>();
      for (let l = 0; l < levels; l++) want.add(top + dir * l);
      for (const px of [...book[s]!.keys()]) if (!want.has(px)) setLevel(t, s, px, 0, kind, sq);
      for (const px of want) {
        const cur = book[s]!.get(px);
        if (cur === undefined || rng.next() < 0.3) setLevel(t, s, px, sizeAt(), kind, sq);
      }
    }
  };
  fill(0, K.snapshotLevel, 0);
  for (let t = dt; t <= seconds; t += dt) {
    const u = rng.next();
    if (u < 0.15) midTicks += 1;
    else if (u < 0.3) midTicks -= 1;
    // Trades at the touch before the book moves.
    if (rng.next() < 0.6) {
      const buy = rng.next() < 0.5;
      const px = buy ? midTicks + 1 : midTicks - 1;
      rows.push([t, K.trade, buy ? 1 : -1, px * tick, Math.round(rng.next() * 300) / 100 + 0.01, seq++]);
    }
    fill(t, K.levelSet, seq++);
  }
  return rows;
}

export function syntheticTape(o: SyntheticTapeOptions = {}): ReplayTape {
  const rows = syntheticRows(o);
  const tick = o.tick ?? 0.1;
  const n = rows.length;
  const cols: EventColumns = {
    count: n,
    id: 'synthetic',
    baseTsNs: 0n,
    seq: Float64Array.from(rows, (r) => r[5]),
    exchangeTsNs: Float64Array.from(rows, (r) => Math.round(r[0] * 1e9)),
    kind: Int8Array.from(rows, (r) => r[1]),
    orderId: new Float64Array(n).fill(Number.NaN),
    side: Int8Array.from(rows, (r) => r[2]),
    price: Float64Array.from(rows, (r) => r[3]),
    size: Float64Array.from(rows, (r) => r[4]),
    localTsNs: new Float64Array(n).fill(Number.NaN),
  };
  return buildTape(
    { id: 'synthetic', name: 'synthetic', venue: 'test', symbol: 'TEST/USD', format: 'test' },
    cols,
    {
      tick,
    },
  );
}

/** The same events as a catalog dataset in `dataDir` (first event at `originMs`); returns its id. */
export async function writeSyntheticDataset(
  dataDir: string,
  o: SyntheticTapeOptions & { originMs?: number; name?: string } = {},
): Promise<string> {
  const rows = syntheticRows(o);
  const origin = BigInt(o.originMs ?? Date.UTC(2026, 0, 2)) * 1_000_000n;
  const { info } = await buildDataset(dataDir, async (t) => {
    for (const r of rows) {
      const ns = origin + BigInt(Math.round(r[0] * 1e9));
      t.events.push(r[5], ns, r[1], Number.NaN, r[2], r[3], r[4], ns);
      if (r[1] === K.trade) t.trades.push(r[5], ns, r[3], r[4], r[2]);
    }
    await t.spill();
    const last = origin + BigInt(Math.round(rows[rows.length - 1]![0] * 1e9));
    return Promise.resolve({
      formatVersion: DATASET_FORMAT_VERSION,
      id: createHash('sha256').update(JSON.stringify(o)).digest('hex').slice(0, 16),
      name: o.name ?? 'SYNTH_test',
      venue: 'test',
      symbol: 'TEST/USD',
      format: 'synthetic',
      levels: null,
      firstTsNs: origin.toString(),
      lastTsNs: last.toString(),
      contentHash: createHash('sha256').update(JSON.stringify(o)).digest('hex'),
      sources: [],
      verification: {},
    });
  });
  return info.id;
}

/**
 * A paper venue on `tape` with the venue rules the session tests share: lot 1, a decision every
 * 500 ms, 5 levels, post-only, no fees, 10 ms entry and cancel latency, the risk-averse queue, seed 1;
 * `speed` is feed seconds per wall second (Infinity: as fast as possible).
 */
export function syntheticPaperVenue(tape: ReplayTape, speed: number): PaperVenue {
  return new PaperVenue({
    feed: tapeFeed(tape, 0),
    symbol: 'TEST/USD',
    lotSize: 1,
    decisionIntervalMs: 500,
    depthLevels: 5,
    postOnly: true,
    fees: { makerBps: 0, takerBps: 0, perLot: 0 },
    latency: {
      model: 'sampled',
      entry: { model: 'constant', value: 0.01 },
      cancel: { model: 'constant', value: 0.01 },
      marketData: { model: 'constant', value: 0 },
    },
    queue: { model: 'risk-averse' },
    seed: 1,
    speed,
  });
}
