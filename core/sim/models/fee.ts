/**
 * Fees: a maker and a taker rate in basis points of notional plus a fixed amount per lot. A negative
 * maker rate is a rebate (what many crypto venues and US equity venues pay passive liquidity).
 * fee(notional, lots) is what we pay; negative means we receive.
 */
export interface FeeSpec {
  makerBps: number;
  takerBps: number;
  perLot: number;
}

export const NO_FEES: FeeSpec = { makerBps: 0, takerBps: 0, perLot: 0 };

export function makerFee(spec: FeeSpec, notional: number, lots: number): number {
  return (Math.abs(notional) * spec.makerBps) / 1e4 + spec.perLot * lots;
}

export function takerFee(spec: FeeSpec, notional: number, lots: number): number {
  return (Math.abs(notional) * spec.takerBps) / 1e4 + spec.perLot * lots;
}

/**
 * A fee model: what one fill costs us (negative: a rebate), maker or taker. Simulators and the replay
 * take a FeeModel; `feeModel(spec)` is the venue schedule above (bps of notional + per lot), the same at
 * every time.
 */
export interface FeeModel {
  readonly name: string;
  /** `t`: the fill's time (a time-varying schedule, e.g. a fee-change stress, reads it; optional). */
  maker(notional: number, lots: number, t?: number): number;
  taker(notional: number, lots: number, t?: number): number;
}

export function feeModel(spec: FeeSpec): FeeModel {
  return {
    name: 'bps',
    maker: (notional, lots) => makerFee(spec, notional, lots),
    taker: (notional, lots) => takerFee(spec, notional, lots),
  };
}
