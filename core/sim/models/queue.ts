/**
 * Queue-position models: where our resting order stands in the queue of its price level when the
 * market data cannot say (L2 data: aggregated level sizes, no order ids). The state of one order is a
 * single number, `ahead`: the volume in front of it. A model answers three questions:
 *
 *  - join:     our order arrives at a level holding `levelQty`; everything there is ahead of us (FIFO);
 *  - trade:    a trade of `qty` executes at our price: it consumes the front of the queue first, so
 *              ahead falls by qty, and what is left over after ahead reaches 0 fills us;
 *  - decrease: the level shrank from `prev` to `next` without a trade (cancels): how much of that came
 *              from in front of us? This is where the models differ.
 *
 * Models (the names are the config's `queue.model`):
 *  - `risk-averse`: cancels never advance us; only when the level becomes smaller than what we think is
 *    ahead do we move up to its size (ahead = min(ahead, next)). The most pessimistic L2 model: a lower
 *    bound on fills.
 *  - `prob-power` / `prob-log`: a cancel of size c is split between the front and the back of the
 *    queue. With front = ahead and back = prev − ahead, the probability that a cancelled unit came from
 *    behind us is p = f(back) / (f(front) + f(back)), so we advance by (1 − p)·c; whatever part p·c of
 *    the cancel the back cannot have supplied (beyond `back`) came from the front too:
 *        ahead′ = ahead − (1 − p)·c + min(back − p·c, 0), then clamped to [0, next].
 *    Just after joining (back = 0) every cancel is in front of us; at the front (ahead = 0) none is.
 *    f(x) = x^n (power, n > 0) or f(x) = ln(1 + x) (logarithmic). This is hftbacktest's probabilistic
 *    queue model (ProbQueueModel with its power and log functions, after Rigtorp's estimator), whose
 *    code attributes p to the back as above; the wording ("advances us with probability
 *    f(back)/(f(front)+f(back))") reads the same ratio the other way round — we follow the
 *    implementation, whose limits (all cancels ahead at the back, none at the front) make sense.
 *    The volume of trades at our level already subtracted from `ahead` is not a cancel: the caller
 *    removes it from the level's decrease first (see core/replay/replay-market.ts).
 *  - `fifo` (exact, L3 only): the replay knows each cancelled order's id, so it knows whether it was
 *    ahead of us; the model's decrease rule is then not used for cancels of known orders (see
 *    core/replay/replay-market.ts) and falls back to the risk-averse rule for unexplained decreases.
 *
 * The book simulator (core/sim/book-sim.ts) needs none of this: our orders rest in a true L3 book among
 * the simulated orders, so its queue is exact FIFO by construction.
 *
 * All functions are pure and allocation-free (hot path: called for every book event at our level).
 */

export type QueueModelSpec =
  { model: 'fifo' } | { model: 'risk-averse' } | { model: 'prob-power'; n: number } | { model: 'prob-log' };

export interface QueueModel {
  readonly name: string;
  /** True when the model needs order ids (exact L3 queues). */
  readonly exact: boolean;
  /** Volume ahead of an order that joins a level holding `levelQty`. */
  join(levelQty: number): number;
  /**
   * A trade of `qty` at our price: the new volume ahead, which is negative when the trade reached us —
   * then −result is the volume available to fill our order.
   */
  trade(ahead: number, qty: number): number;
  /** The level went from `prev` to `next` < prev without a trade: the new volume ahead (in [0, next]). */
  decrease(ahead: number, prev: number, next: number): number;
}

function riskAverseDecrease(ahead: number, _prev: number, next: number): number {
  return ahead < next ? ahead : next;
}

function tradeThrough(ahead: number, qty: number): number {
  return ahead - qty;
}

function joinBehind(levelQty: number): number {
  return levelQty > 0 ? levelQty : 0;
}

function probabilisticDecrease(f: (x: number) => number) {
  return (ahead: number, prev: number, next: number): number => {
    const c = prev - next;
    if (!(c > 0)) return ahead < next ? ahead : next;
    const front = ahead > 0 ? ahead : 0;
    const back = prev - front > 0 ? prev - front : 0;
    const fb = f(back);
    const ff = f(front);
    const pBack = fb + ff > 0 ? fb / (fb + ff) : 1;
    const spill = back - pBack * c;
    let a = front - (1 - pBack) * c + (spill < 0 ? spill : 0);
    if (a < 0) a = 0;
    return a < next ? a : next;
  };
}

export function makeQueueModel(spec: QueueModelSpec): QueueModel {
  switch (spec.model) {
    case 'fifo':
      return {
        name: 'fifo',
        exact: true,
        join: joinBehind,
        trade: tradeThrough,
        decrease: riskAverseDecrease,
      };
    case 'risk-averse':
      return {
        name: 'risk-averse',
        exact: false,
        join: joinBehind,
        trade: tradeThrough,
        decrease: riskAverseDecrease,
      };
    case 'prob-power': {
      const n = spec.n;
      if (!(n > 0) || !Number.isFinite(n))
        throw new RangeError(`queue.n must be a finite number > 0 (got ${n})`);
      return {
        name: `prob-power-${n}`,
        exact: false,
        join: joinBehind,
        trade: tradeThrough,
        decrease: probabilisticDecrease((x) => Math.pow(x, n)),
      };
    }
    case 'prob-log':
      return {
        name: 'prob-log',
        exact: false,
        join: joinBehind,
        trade: tradeThrough,
        decrease: probabilisticDecrease((x) => Math.log1p(x)),
      };
  }
}
