/**
 * Our own fills on one path or session, columnar in typed arrays: what a simulator, a replay or a
 * venue adapter reports to the quoter (MarketObservation.fills) and what metrics read afterwards
 * (PathResult.fills). One log per path; it only grows while the path runs.
 */
import type { Side } from './side';

/** Growable columnar log of our own fills. */
export class FillLog {
  count = 0;
  t: Float64Array;
  side: Uint8Array;
  price: Float64Array;
  size: Float64Array;
  fee: Float64Array;
  midAtFill: Float64Array;

  constructor(capacity = 64) {
    this.t = new Float64Array(capacity);
    this.side = new Uint8Array(capacity);
    this.price = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.fee = new Float64Array(capacity);
    this.midAtFill = new Float64Array(capacity);
  }

  /** Append a fill. `fee` is what we paid (negative for a rebate). */
  push(t: number, side: Side, price: number, size: number, fee: number, midAtFill: number): void {
    if (this.count === this.t.length) this.grow();
    const i = this.count++;
    this.t[i] = t;
    this.side[i] = side;
    this.price[i] = price;
    this.size[i] = size;
    this.fee[i] = fee;
    this.midAtFill[i] = midAtFill;
  }

  clear(): void {
    this.count = 0;
  }

  private grow(): void {
    const n = this.t.length * 2;
    this.t = growF64(this.t, n);
    const side = new Uint8Array(n);
    side.set(this.side);
    this.side = side;
    this.price = growF64(this.price, n);
    this.size = growF64(this.size, n);
    this.fee = growF64(this.fee, n);
    this.midAtFill = growF64(this.midAtFill, n);
  }
}

function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
