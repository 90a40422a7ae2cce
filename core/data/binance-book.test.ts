import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { L2Side, PendingTops } from './binance-raw';

/** The structures as they were: a Map of levels with the best price, a Map<u, top> with eviction. */
class MapSide {
  readonly levels = new Map<number, number>();
  constructor(readonly isBid: boolean) {}
  set(p: number, q: number): void {
    if (q === 0) this.levels.delete(p);
    else this.levels.set(p, q);
  }
  best(): [number, number] {
    let b = Number.NaN;
    for (const p of this.levels.keys()) if (Number.isNaN(b) || (this.isBid ? p > b : p < b)) b = p;
    return [b, Number.isNaN(b) ? 0 : this.levels.get(b)!];
  }
}

describe('L2Side (sorted typed arrays)', () => {
  it('keeps the same best level and quantity as a Map of levels, update by update', () => {
    const rng = new Rng(7);
    for (const isBid of [true, false]) {
      const side = new L2Side(isBid);
      const ref = new MapSide(isBid);
      for (let i = 0; i < 20_000; i++) {
        const p = 1000 + Math.floor(rng.next() * 600) / 2;
        const q = rng.next() < 0.4 ? 0 : Math.floor(rng.next() * 50) / 4;
        side.set(p, q);
        ref.set(p, q);
        expect([side.bestPrice(), side.bestQty()]).toEqual(ref.best());
        if (i % 5000 === 0) {
          side.clear();
          ref.levels.clear();
        }
      }
      expect(side.size).toBe(ref.levels.size);
      expect([...side.levels].sort((a, b) => a[0] - b[0])).toEqual(
        [...ref.levels].sort((a, b) => a[0] - b[0]),
      );
    }
  });
});

describe('PendingTops', () => {
  it('behaves as a Map<u, top> with oldest-first eviction, in order and out of order', () => {
    for (const [seed, monotone] of [
      [1, true],
      [2, false],
      [3, true],
    ] as const) {
      const rng = new Rng(seed);
      const max = seed === 3 ? 5000 : 50; // seed 3: the arrays grow
      const pending = new PendingTops(max);
      const ref = new Map<number, number[]>();
      let u = 5_123_107_839_020;
      for (let i = 0; i < 20_000; i++) {
        // after 10,000 steps an out-of-order id (run 2): the structure turns into a Map
        u = monotone || i < 10_000 ? u + 1 + Math.floor(rng.next() * 3) : u - 5 + Math.floor(rng.next() * 10);
        if (rng.next() < 0.5) {
          const at = pending.find(u);
          expect(at >= 0).toBe(ref.has(u));
          if (at >= 0) {
            expect([0, 1, 2, 3].map((k) => pending.value(at, u, k))).toEqual(ref.get(u));
            pending.delete(at, u);
            ref.delete(u);
          }
          continue;
        }
        const v = [u, u / 2, -u, i];
        pending.set(u, v[0]!, v[1]!, v[2]!, v[3]!);
        ref.set(u, v);
        if (ref.size > max) ref.delete(ref.keys().next().value!);
        const probe = u - Math.floor(rng.next() * 120);
        expect(pending.find(probe) >= 0).toBe(ref.has(probe));
      }
    }
  });
});
