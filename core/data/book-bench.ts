/**
 * Benchmarks for the order book and the LOBSTER loader/replay. These are plain functions returning
 * numbers; the CLI `bench` command calls them. Nothing here is a timed test.
 *
 * Method: inputs are generated (or parsed) before the timed region into typed arrays; each benchmark
 * runs one untimed warm-up pass (so the JIT has optimized the hot paths), then times `runs` passes
 * with performance.now() into a fresh book each time and reports the median pass.
 */
import { readFileSync } from 'node:fs';
import * as sides from '../domain/side';
import type { Side } from '../domain/side';
import { Rng } from '../rng/rng';
import { OrderBook } from '../book/order-book';
import { parseLobsterMessages, parseLobsterOrderbook } from './lobster';
import type { LobsterMessages } from './lobster';
import { LOBSTER_SAMPLES, LobsterReplayer, lobsterSamplePaths } from './lobster-replay';

// Module-local copies of the side constants: some transpilers (tsx/esbuild's CJS output, the vitest
// module runner) turn imported bindings into getter calls, which costs on every hot-path comparison.
const BUY = sides.BUY;
const SELL = sides.SELL;

const OP_ADD = 0;
const OP_CANCEL = 1;
const OP_MARKET = 2;

/** A pre-generated operation stream (struct of arrays). */
export interface BookOpStream {
  n: number;
  op: Uint8Array;
  side: Uint8Array;
  price: Int32Array;
  qty: Float64Array;
  id: Float64Array;
}

/**
 * A realistic, seeded mix: ~5 % small market orders (mean 10 lots); the rest are limit adds near the
 * touch (at the touch or a geometric number of ticks behind it, 12 % improving inside the spread, 3 %
 * marketable; mean size ~6.7 lots) and cancels of uniformly random live orders, with the cancel
 * probability steering the book towards `targetOrders` resting orders. The stream is generated
 * against a generation book, so every cancel targets an order that is live at that moment. With
 * seed 1 and 10^6 ops: 53 % adds, 42 % cancels, 5 % market orders, ~148k maker fills, ~1,770 resting
 * orders on ~31 price levels on average (deep queues, mostly a 1-tick spread).
 */
export function generateBookOps(ops: number, seed: number, targetOrders = 2000): BookOpStream {
  const rng = new Rng(seed);
  const s: BookOpStream = {
    n: ops,
    op: new Uint8Array(ops),
    side: new Uint8Array(ops),
    price: new Int32Array(ops),
    qty: new Float64Array(ops),
    id: new Float64Array(ops),
  };
  const book = new OrderBook({ capacity: 4 * targetOrders });
  const live: number[] = [];
  const pos = new Map<number, number>();
  const removeLive = (id: number): void => {
    const i = pos.get(id);
    if (i === undefined) return;
    const last = live.pop()!;
    if (last !== id) {
      live[i] = last;
      pos.set(last, i);
    }
    pos.delete(id);
  };
  book.onFill = (makerId) => {
    if (!book.has(makerId)) removeLive(makerId);
  };
  let nextId = 1;
  const mid0 = 100_000;
  for (let k = 0; k < ops; k++) {
    // ~5 % market orders; otherwise cancel with a probability that pulls the book towards targetOrders
    const pCancel = Math.min(0.9, Math.max(0.1, (0.5 * live.length) / targetOrders));
    let op = OP_ADD;
    if (rng.next() < 0.05) op = OP_MARKET;
    else if (live.length > 0 && rng.next() < pCancel) op = OP_CANCEL;
    const side: Side = rng.next() < 0.5 ? BUY : SELL;
    s.op[k] = op;
    s.side[k] = side;
    if (op === OP_ADD) {
      const bb = book.bestBid();
      const ba = book.bestAsk();
      const bid = Number.isNaN(bb) ? (Number.isNaN(ba) ? mid0 - 1 : ba - 1) : bb;
      const ask = Number.isNaN(ba) ? bid + 2 : ba;
      const u = rng.next();
      let price: number;
      if (u < 0.03)
        price = side === BUY ? ask + rng.int(2) : bid - rng.int(2); // marketable
      else if (u < 0.15 && ask - bid > 1)
        price = side === BUY ? bid + 1 : ask - 1; // improve
      else {
        const behind = rng.geometric(0.35) - 1; // 0 = at the touch
        price = side === BUY ? bid - behind : ask + behind;
      }
      const qty = rng.geometric(0.15);
      const id = nextId++;
      s.price[k] = price;
      s.qty[k] = qty;
      s.id[k] = id;
      if (book.addLimit(id, side, price, qty) > 0) {
        pos.set(id, live.length);
        live.push(id);
      }
    } else if (op === OP_CANCEL) {
      const id = live[rng.int(live.length)]!;
      s.id[k] = id;
      book.cancel(id);
      removeLive(id);
    } else {
      const qty = rng.geometric(0.1);
      s.qty[k] = qty;
      book.market(side, qty);
    }
  }
  return s;
}

/** Replay a stream into `book`; returns the total filled quantity (so nothing is dead code). */
export function replayBookOps(book: OrderBook, s: BookOpStream): number {
  const op = s.op;
  const side = s.side;
  const price = s.price;
  const qty = s.qty;
  const id = s.id;
  let filled = 0;
  for (let k = 0; k < s.n; k++) {
    const o = op[k]!;
    if (o === OP_ADD) filled += qty[k]! - book.addLimit(id[k]!, side[k] as Side, price[k]!, qty[k]!);
    else if (o === OP_CANCEL) book.cancel(id[k]!);
    else filled += book.market(side[k] as Side, qty[k]!);
  }
  return filled;
}

function median(xs: number[]): number {
  const a = xs.slice().sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 === 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Order-book throughput on a realistic operation mix (median of `runs` timed passes). */
export function benchBookOps(opts?: { ops?: number; seed?: number; runs?: number }): {
  bookOpsPerSec: number;
  ops: number;
} {
  const ops = opts?.ops ?? 1_000_000;
  const runs = opts?.runs ?? 5;
  const stream = generateBookOps(ops, opts?.seed ?? 1);
  let fillCount = 0;
  const listener = (): void => {
    fillCount++;
  };
  const warm = new OrderBook({ capacity: 8192 });
  warm.onFill = listener;
  replayBookOps(warm, stream);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const book = new OrderBook({ capacity: 8192 });
    book.onFill = listener;
    const t0 = performance.now();
    replayBookOps(book, stream);
    const t1 = performance.now();
    rates.push(ops / ((t1 - t0) / 1000));
  }
  if (fillCount === 0) throw new Error('benchBookOps: the stream produced no fills');
  return { bookOpsPerSec: median(rates), ops };
}

/**
 * LOBSTER throughput over the four sample message files: parse throughput (file text already in
 * memory; parse only) and book-maintenance replay throughput (books seeded from row 0 outside the
 * timed region, then every message applied; no verification inside the timed loop). Each timed pass
 * processes all four files `repeat` times; the result is the median of `runs` passes after a warm-up.
 */
export function benchLobsterReplay(opts?: { runs?: number; repeat?: number; dataDir?: string }): {
  lobsterParseMsgsPerSec: number;
  lobsterReplayMsgsPerSec: number;
  messages: number;
} {
  const runs = opts?.runs ?? 5;
  const repeat = opts?.repeat ?? 5;
  const inputs = LOBSTER_SAMPLES.map((sample) => {
    const p = lobsterSamplePaths(sample, opts?.dataDir);
    return {
      sample,
      messagePath: p.messagePath,
      messageText: readFileSync(p.messagePath, 'utf8'),
      orderbook: parseLobsterOrderbook(readFileSync(p.orderbookPath, 'utf8'), p.orderbookPath),
    };
  });
  let parsed: LobsterMessages[] = [];
  const messages = (): number => parsed.reduce((n, m) => n + m.count, 0);
  const parseRates: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    for (let k = 0; k < repeat; k++)
      parsed = inputs.map((t) => parseLobsterMessages(t.messageText, t.messagePath));
    const t1 = performance.now();
    if (r > 0) parseRates.push((repeat * messages()) / ((t1 - t0) / 1000)); // pass 0 is the warm-up
  }
  const replayRates: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const replayers: LobsterReplayer[] = [];
    for (let k = 0; k < repeat; k++) {
      for (const t of inputs) {
        const rp = new LobsterReplayer(new OrderBook({ capacity: 1 << 14 }), {
          visibleLevels: t.sample.levels,
        });
        rp.seedFromRow(t.orderbook, 0);
        replayers.push(rp);
      }
    }
    let replayed = 0;
    const t0 = performance.now();
    for (let j = 0; j < replayers.length; j++) {
      const m = parsed[j % parsed.length]!;
      replayers[j]!.applyRange(m, 1, m.count);
      replayed += m.count - 1;
    }
    const t1 = performance.now();
    if (r > 0) replayRates.push(replayed / ((t1 - t0) / 1000));
  }
  return {
    lobsterParseMsgsPerSec: median(parseRates),
    lobsterReplayMsgsPerSec: median(replayRates),
    messages: messages(),
  };
}
