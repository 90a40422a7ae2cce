import { describe, expect, it } from 'vitest';
import { FixedSpreadQuoter } from './fixed-spread';
import { emptyDecision, emptyObservation } from './quoter';

describe('FixedSpreadQuoter', () => {
  it('quotes mid ± halfSpread, skewed by skewPerLot·inventory', () => {
    const q = new FixedSpreadQuoter({ halfSpread: 0.5, skewPerLot: 0.1, orderSizeLots: 3 });
    expect(q.name).toBe('fixed-spread');
    expect(q.params).toEqual({ halfSpread: 0.5, skewPerLot: 0.1, orderSizeLots: 3 });
    const out = emptyDecision();
    const o = { ...emptyObservation(), mid: 100, inventory: 0 };
    q.quote(o, out);
    expect(out).toEqual({ bidPrice: 99.5, askPrice: 100.5, bidSize: 3, askSize: 3, marketOrderLots: 0 });
    // inventory 4 lots: centre = 100 − 0.1·4 = 99.6 → 99.1 / 100.1
    o.inventory = 4;
    q.quote(o, out);
    expect(out.bidPrice).toBeCloseTo(99.1, 12);
    expect(out.askPrice).toBeCloseTo(100.1, 12);
    // inventory −2: centre 100.2 → 99.7 / 100.7
    o.inventory = -2;
    q.quote(o, out);
    expect(out.bidPrice).toBeCloseTo(99.7, 12);
    expect(out.askPrice).toBeCloseTo(100.7, 12);
  });

  it('drops the bid at +max and the ask at −max', () => {
    const q = new FixedSpreadQuoter({ halfSpread: 1, skewPerLot: 0, orderSizeLots: 1, maxInventoryLots: 5 });
    const out = emptyDecision();
    const o = { ...emptyObservation(), mid: 50, inventory: 5 };
    q.quote(o, out);
    expect(out.bidPrice).toBeNaN();
    expect(out.bidSize).toBe(0);
    expect(out.askPrice).toBe(51);
    o.inventory = -6;
    q.quote(o, out);
    expect(out.askPrice).toBeNaN();
    expect(out.askSize).toBe(0);
    expect(out.bidPrice).toBe(49);
    o.inventory = 4.5;
    q.quote(o, out);
    expect(out.bidPrice).toBe(49);
    expect(out.askPrice).toBe(51);
  });

  it('needs no horizon and rejects invalid parameters', () => {
    const q = new FixedSpreadQuoter({ halfSpread: 1, skewPerLot: 0, orderSizeLots: 1 });
    const out = emptyDecision();
    q.quote({ ...emptyObservation(), mid: 10 }, out); // horizon = Infinity by default
    expect(out.bidPrice).toBe(9);
    expect(() => new FixedSpreadQuoter({ halfSpread: -1, skewPerLot: 0, orderSizeLots: 1 })).toThrow(
      /halfSpread/,
    );
    expect(() => new FixedSpreadQuoter({ halfSpread: 1, skewPerLot: -0.1, orderSizeLots: 1 })).toThrow(
      /skewPerLot/,
    );
    expect(() => new FixedSpreadQuoter({ halfSpread: 1, skewPerLot: 0, orderSizeLots: 0 })).toThrow(
      /orderSizeLots/,
    );
    expect(
      () => new FixedSpreadQuoter({ halfSpread: 1, skewPerLot: 0, orderSizeLots: 1, maxInventoryLots: 0 }),
    ).toThrow(/maxInventoryLots/);
  });
});
