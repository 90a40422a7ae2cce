/**
 * Random quoting: the floor any quoting rule has to clear.
 *
 * Not from a paper; it is the "random policy" reference of the RL literature, made a market maker: at
 * every decision each side is quoted independently at a distance drawn uniformly from
 * [minOffset, maxOffset] (price units) from the mid,
 *   bid = mid − U_b,  ask = mid + U_a,  U_b, U_a ~ U[minOffset, maxOffset] i.i.d.,
 * both of size orderSizeLots, no skew, no market orders. In the RL evaluation the interval is the
 * agent's action box (env.minOffset, env.maxOffset), so the random quoter is exactly the agent's
 * untrained policy class with a uniform action distribution.
 *
 * Randomness: a stream of core/rng seeded by deriveSeed(seed, pathSeed, pathIndex) at every reset with
 * a PathContext, so path i gets the same draws whatever paths ran before (and on any machine); reset()
 * without a context (replay, live) continues with deriveSeed(seed, 0, n) for the n-th reset.
 */
import { Rng, deriveSeed } from '../rng/rng';
import type { MarketObservation, ParamValue, PathContext, QuoteDecision, Quoter } from './quoter';

export interface RandomQuoterParams {
  /** Smallest distance from the mid (price units, ≥ 0). */
  minOffset: number;
  /** Largest distance from the mid (price units, ≥ minOffset). */
  maxOffset: number;
  /** Quote size in lots (> 0). */
  orderSizeLots: number;
  /** Seed of the quoter's own draws (combined with each path's seed and index). */
  seed: number;
  name?: string;
}

export class RandomQuoter implements Quoter {
  readonly name: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  private readonly lo: number;
  private readonly width: number;
  private readonly size: number;
  private readonly seed: number;
  private readonly rng: Rng;
  private unnamedResets = 0;

  constructor(p: RandomQuoterParams) {
    if (!(Number.isFinite(p.minOffset) && p.minOffset >= 0))
      throw new RangeError(`random: minOffset must be a finite number ≥ 0, got ${p.minOffset}`);
    if (!(Number.isFinite(p.maxOffset) && p.maxOffset >= p.minOffset))
      throw new RangeError(`random: maxOffset must be a finite number ≥ minOffset, got ${p.maxOffset}`);
    if (!(Number.isFinite(p.orderSizeLots) && p.orderSizeLots > 0))
      throw new RangeError(`random: orderSizeLots must be > 0, got ${p.orderSizeLots}`);
    if (!Number.isFinite(p.seed)) throw new RangeError(`random: seed must be finite, got ${p.seed}`);
    this.name = p.name ?? 'random';
    this.lo = p.minOffset;
    this.width = p.maxOffset - p.minOffset;
    this.size = p.orderSizeLots;
    this.seed = p.seed;
    this.rng = new Rng(deriveSeed(p.seed, 0, 0));
    this.params = Object.freeze({
      minOffset: p.minOffset,
      maxOffset: p.maxOffset,
      orderSizeLots: p.orderSizeLots,
      seed: p.seed,
    });
  }

  reset(path?: PathContext): void {
    if (path !== undefined) this.rng.reseed(deriveSeed(this.seed, path.seed, path.pathIndex));
    else this.rng.reseed(deriveSeed(this.seed, 0, this.unnamedResets++));
  }

  quote(obs: MarketObservation, out: QuoteDecision): void {
    out.bidPrice = obs.mid - (this.lo + this.width * this.rng.next());
    out.askPrice = obs.mid + (this.lo + this.width * this.rng.next());
    out.bidSize = this.size;
    out.askSize = this.size;
    out.marketOrderLots = 0;
  }
}
