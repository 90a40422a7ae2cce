// A seeded synthetic L2 tape for paper-trading tests: a snapshot, then every `stepSeconds` the mid
// random-walks by a tick at most, the ten levels per side are re-set around it (level sets, with
// removals of levels that fall out), and trades hit the touch (both aggressor sides), so resting
// orders of ours near the touch fill through queues, through-trades and level changes.
import { EVENT_KIND as K } from '../data/catalog';
import type { EventColumns } from '../data/event-columns';
import { Rng } from '../rng/rng';
import { buildTape, type ReplayTape } from '../replay/tape';

export interface SyntheticTapeOptions {
  seed?: number;
  seconds?: number;
  stepSeconds?: number;
  tick?: number;
  mid0?: number;
}

export function syntheticTape(o: SyntheticTapeOptions = {}): ReplayTape {
  const rng = new Rng(o.seed ?? 7);
  const tick = o.tick ?? 0.1;
  const seconds = o.seconds ?? 120;
  const dt = o.stepSeconds ?? 0.05;
  let midTicks = Math.round((o.mid0 ?? 100) / tick);
  const rows: [number, number, number, number, number, number][] = []; // t, kind, side, price, size, seq
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
