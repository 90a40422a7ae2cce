/**
 * Fixed-spread quoting with a linear inventory skew: the baseline every model is measured against.
 *
 * Not from a paper; it is the textbook symmetric market maker with the simplest inventory control
 * (a reservation price that moves linearly against inventory, the same shape as Avellaneda–Stoikov's
 * r = s − qγσ²τ with a constant slope, and the hard position limits practitioners add):
 *   centre = mid − skewPerLot · inventory
 *   bid    = centre − halfSpread,   ask = centre + halfSpread,   both of size orderSizeLots.
 * With maxInventoryLots set: no bid when inventory ≥ max, no ask when inventory ≤ −max (price NaN,
 * size 0). No market orders. Units: halfSpread and skewPerLot·lots are prices; inventory in lots.
 */
import type { MarketObservation, ParamValue, QuoteDecision, Quoter } from './quoter';

export interface FixedSpreadParams {
  /** Distance of each quote from the centre, in price units (≥ 0). */
  halfSpread: number;
  /** Centre shift per lot of inventory, in price units (≥ 0). */
  skewPerLot: number;
  /** Quote size in lots (> 0). */
  orderSizeLots: number;
  /** Hard inventory limit in lots (> 0). */
  maxInventoryLots?: number;
}

export class FixedSpreadQuoter implements Quoter {
  readonly name = 'fixed-spread';
  readonly params: Readonly<Record<string, ParamValue>>;
  private readonly halfSpread: number;
  private readonly skewPerLot: number;
  private readonly orderSizeLots: number;
  private readonly maxInventoryLots: number;

  constructor(p: FixedSpreadParams) {
    if (!(Number.isFinite(p.halfSpread) && p.halfSpread >= 0)) {
      throw new Error(`fixed-spread: halfSpread must be ≥ 0, got ${p.halfSpread}`);
    }
    if (!(Number.isFinite(p.skewPerLot) && p.skewPerLot >= 0)) {
      throw new Error(`fixed-spread: skewPerLot must be ≥ 0, got ${p.skewPerLot}`);
    }
    if (!(Number.isFinite(p.orderSizeLots) && p.orderSizeLots > 0)) {
      throw new Error(`fixed-spread: orderSizeLots must be > 0, got ${p.orderSizeLots}`);
    }
    if (p.maxInventoryLots !== undefined && !(p.maxInventoryLots > 0)) {
      throw new Error(`fixed-spread: maxInventoryLots must be > 0, got ${p.maxInventoryLots}`);
    }
    this.halfSpread = p.halfSpread;
    this.skewPerLot = p.skewPerLot;
    this.orderSizeLots = p.orderSizeLots;
    this.maxInventoryLots = p.maxInventoryLots ?? Number.POSITIVE_INFINITY;
    const params: Record<string, ParamValue> = {
      halfSpread: p.halfSpread,
      skewPerLot: p.skewPerLot,
      orderSizeLots: p.orderSizeLots,
    };
    if (p.maxInventoryLots !== undefined) params.maxInventoryLots = p.maxInventoryLots;
    this.params = Object.freeze(params);
  }

  reset(): void {
    // Stateless.
  }

  quote(obs: MarketObservation, out: QuoteDecision): void {
    const centre = obs.mid - this.skewPerLot * obs.inventory;
    const canBid = obs.inventory < this.maxInventoryLots;
    const canAsk = obs.inventory > -this.maxInventoryLots;
    out.bidPrice = canBid ? centre - this.halfSpread : Number.NaN;
    out.askPrice = canAsk ? centre + this.halfSpread : Number.NaN;
    out.bidSize = canBid ? this.orderSizeLots : 0;
    out.askSize = canAsk ? this.orderSizeLots : 0;
    out.marketOrderLots = 0;
  }
}
