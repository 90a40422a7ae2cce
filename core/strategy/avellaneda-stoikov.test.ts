import { describe, expect, it } from 'vitest';
import { AvellanedaStoikovQuoter, asHalfSpreadBase, asQuotes } from './avellaneda-stoikov';
import { emptyDecision, emptyObservation, type MarketObservation } from './quoter';

// Hand values for γ = 0.1, σ = 2, k = 1.5, τ = 1:
//   γσ²τ            = 0.1 · 4 · 1 = 0.4
//   (1/γ)ln(1+γ/k)  = 10 · ln(1 + 0.1/1.5) = 10 · ln(16/15) = 10 · 0.0645385211375712 = 0.645385211375712
//   spread          = 0.4 + 20 · ln(16/15) = 0.4 + 1.290770422751424 = 1.690770422751424, half = 0.845385211375712
//   q = 0:  δ_b = 0.645385… + ½·0.4 = 0.845385…,   δ_a = 0.645385… + ½·0.4 = 0.845385…
//   q = 1:  δ_b = 0.645385… + 3/2·0.4 = 1.245385…, δ_a = 0.645385… − ½·0.4 = 0.445385…
//   q = −2: δ_b = 0.645385… − 3/2·0.4 = 0.045385…, δ_a = 0.645385… + 5/2·0.4 = 1.645385…
const BASE = 0.645385211375712;
const HAND = [
  { q: 0, bid: BASE + 0.2, ask: BASE + 0.2 },
  { q: 1, bid: BASE + 0.6, ask: BASE - 0.2 },
  { q: -2, bid: BASE - 0.6, ask: BASE + 1.0 },
];
const P = { gamma: 0.1, sigma: 2, k: 1.5 };

function obs(over: Partial<MarketObservation>): MarketObservation {
  return { ...emptyObservation(), mid: 100, t: 0, horizon: 1, ...over };
}

describe('Avellaneda–Stoikov closed form', () => {
  it('asHalfSpreadBase = (1/γ)ln(1+γ/k) = 10·ln(16/15)', () => {
    expect(asHalfSpreadBase(0.1, 1.5)).toBeCloseTo(BASE, 14);
  });

  it('asQuotes reproduces the hand values', () => {
    const rows = asQuotes({ ...P, T: 1 }, [0, 1, -2]);
    rows.forEach((r, i) => {
      expect(r.q).toBe(HAND[i]!.q);
      expect(r.bid).toBeCloseTo(HAND[i]!.bid, 13);
      expect(r.ask).toBeCloseTo(HAND[i]!.ask, 13);
      expect(r.bid + r.ask).toBeCloseTo(1.690770422751424, 13); // total spread independent of q
    });
  });

  it('asQuotes uses τ = T − t', () => {
    const [a] = asQuotes({ ...P, T: 3, t: 2 }, [1]);
    expect(a!.bid).toBeCloseTo(BASE + 0.6, 13);
    expect(() => asQuotes({ ...P, T: 1, t: 2 }, [0])).toThrow(/T − t/);
    expect(() => asQuotes({ ...P, gamma: 0, T: 1 }, [0])).toThrow(/gamma/);
  });

  it('as γ → 0 the spread tends to 2/k (and the skew vanishes)', () => {
    const k = 1.5;
    for (const gamma of [1e-4, 1e-8]) {
      const [r] = asQuotes({ gamma, sigma: 2, k, T: 1 }, [3]);
      // spread = γσ²τ + (2/γ)ln(1+γ/k) = 2/k + γ(σ²τ − 1/k²) + O(γ²) → 2/k; here σ²τ − 1/k² ≈ 3.56
      expect(Math.abs(r!.bid + r!.ask - 2 / k)).toBeLessThan(4 * gamma);
      expect(Math.abs(r!.bid + r!.ask - 2 / k)).toBeGreaterThan(3 * gamma);
    }
  });
});

describe('AvellanedaStoikovQuoter', () => {
  it("'inventory' writes r ± spread/2 with the hand values", () => {
    const quoter = new AvellanedaStoikovQuoter({ variant: 'inventory', ...P, orderSizeLots: 2 });
    expect(quoter.name).toBe('inventory');
    const out = emptyDecision();
    for (const h of HAND) {
      quoter.quote(obs({ inventory: 2 * h.q }), out); // q = inventory / orderSizeLots
      expect(out.bidPrice).toBeCloseTo(100 - h.bid, 12);
      expect(out.askPrice).toBeCloseTo(100 + h.ask, 12);
      expect(out.bidSize).toBe(2);
      expect(out.askSize).toBe(2);
      expect(out.marketOrderLots).toBe(0);
      // centre = reservation price r = s − qγσ²τ
      expect((out.bidPrice + out.askPrice) / 2).toBeCloseTo(100 - h.q * 0.4, 12);
    }
  });

  it("'symmetric' has the same spread, centred on the mid", () => {
    const inv = new AvellanedaStoikovQuoter({ variant: 'inventory', ...P, orderSizeLots: 1 });
    const sym = new AvellanedaStoikovQuoter({ variant: 'symmetric', ...P, orderSizeLots: 1 });
    expect(sym.name).toBe('symmetric');
    const a = emptyDecision();
    const b = emptyDecision();
    for (const q of [-3, 0, 2, 7]) {
      const o = obs({ inventory: q, t: 0.25 });
      inv.quote(o, a);
      sym.quote(o, b);
      expect(b.askPrice - b.bidPrice).toBeCloseTo(a.askPrice - a.bidPrice, 12);
      expect((b.askPrice + b.bidPrice) / 2).toBeCloseTo(100, 12);
      // τ = 0.75: spread = 0.3 + 20·ln(16/15)
      expect(b.askPrice - b.bidPrice).toBeCloseTo(0.3 + 2 * 0.645385211375712, 12);
    }
  });

  it('uses τ = horizon − t (clamped at 0) or the rolling window; throws on an infinite horizon without one', () => {
    const out = emptyDecision();
    const q = new AvellanedaStoikovQuoter({ variant: 'inventory', ...P, orderSizeLots: 1 });
    q.quote(obs({ t: 1.5, horizon: 1, inventory: 5 }), out); // past the horizon: τ = 0
    expect(out.bidPrice).toBeCloseTo(100 - BASE, 12);
    expect(out.askPrice).toBeCloseTo(100 + BASE, 12);
    expect(() => q.quote(obs({ horizon: Number.POSITIVE_INFINITY }), out)).toThrow(/window/);
    const w = new AvellanedaStoikovQuoter({ variant: 'inventory', ...P, orderSizeLots: 1, window: 1 });
    w.quote(obs({ t: 1e6, horizon: Number.POSITIVE_INFINITY, inventory: 1 }), out);
    expect(out.bidPrice).toBeCloseTo(100 - (BASE + 0.6), 12);
    expect(out.askPrice).toBeCloseTo(100 + (BASE - 0.2), 12);
    expect(w.params).toEqual({
      variant: 'inventory',
      gamma: 0.1,
      sigma: 2,
      k: 1.5,
      orderSizeLots: 1,
      window: 1,
    });
  });

  it('maxInventoryLots removes the side that would grow the position', () => {
    const q = new AvellanedaStoikovQuoter({
      variant: 'inventory',
      ...P,
      orderSizeLots: 1,
      maxInventoryLots: 3,
    });
    const out = emptyDecision();
    q.quote(obs({ inventory: 3 }), out);
    expect(out.bidPrice).toBeNaN();
    expect(out.bidSize).toBe(0);
    expect(out.askPrice).toBeCloseTo(100 - 3 * 0.4 + 0.845385211375712, 12);
    q.quote(obs({ inventory: -3 }), out);
    expect(out.askPrice).toBeNaN();
    expect(out.askSize).toBe(0);
    expect(Number.isFinite(out.bidPrice)).toBe(true);
    q.quote(obs({ inventory: 2 }), out);
    expect(Number.isFinite(out.bidPrice) && Number.isFinite(out.askPrice)).toBe(true);
  });

  it('rejects invalid parameters', () => {
    const ok = { variant: 'inventory' as const, ...P, orderSizeLots: 1 };
    expect(() => new AvellanedaStoikovQuoter({ ...ok, gamma: 0 })).toThrow(/gamma/);
    expect(() => new AvellanedaStoikovQuoter({ ...ok, k: -1 })).toThrow(/k/);
    expect(() => new AvellanedaStoikovQuoter({ ...ok, sigma: Number.NaN })).toThrow(/sigma/);
    expect(() => new AvellanedaStoikovQuoter({ ...ok, orderSizeLots: 0 })).toThrow(/orderSizeLots/);
    expect(() => new AvellanedaStoikovQuoter({ ...ok, window: Number.POSITIVE_INFINITY })).toThrow(/window/);
  });

  it('is consistent over 1e5 repeated calls with a reused output object', () => {
    const q = new AvellanedaStoikovQuoter({ variant: 'inventory', ...P, orderSizeLots: 1 });
    const out = emptyDecision();
    const o = obs({ horizon: 1 });
    let maxErr = 0;
    for (let i = 0; i < 100_000; i++) {
      o.t = (i % 1000) / 1000;
      o.inventory = (i % 21) - 10;
      q.quote(o, out);
      const tau = 1 - o.t;
      const exp = 100 - o.inventory * 0.4 * tau - (BASE + 0.2 * tau);
      maxErr = Math.max(maxErr, Math.abs(out.bidPrice - exp));
    }
    expect(maxErr).toBeLessThan(1e-12);
  });
});
