import { describe, expect, it } from 'vitest';
import { GlftModel, GlftQuoter, glftQuotes, type GlftModelParams } from './glft';
import { emptyDecision, emptyObservation, type MarketObservation } from './quoter';

/** The paper's illustrative parameters (Guéant–Lehalle–Fernandez-Tapia 2013, Section 6). */
const PAPER = { sigma: 0.3, A: 0.9, k: 0.3, gamma: 0.01, Q: 30 };

/**
 * Independent reference for v(τ) = exp(−Mτ)·𝟙 on the full (2Q+1)-dimensional system, by
 * uniformization: with s = αQ², B = sI − M has only non-negative entries, exp(−Mτ) = e^{−sτ}·exp(Bτ),
 * and exp(Bτ) is computed by a 30-term Taylor series of exp(Bτ/2^N) followed by N squarings. Every
 * term and product is non-negative, so there is no cancellation and each entry keeps its relative
 * accuracy (the constant e^{−sτ} and the per-squaring normalisation cancel in the ratios).
 * Returns v indexed by q + Q, up to a positive factor.
 */
function referenceV(alpha: number, eta: number, Q: number, tau: number): Float64Array {
  const n = 2 * Q + 1;
  const s = alpha * Q * Q;
  const B = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const q = i - Q;
    B[i * n + i] = s - alpha * q * q;
    if (i > 0) B[i * n + i - 1] = eta;
    if (i < n - 1) B[i * n + i + 1] = eta;
  }
  let N = 0;
  while (((s + 2 * eta) * tau) / 2 ** N > 0.5) N++;
  const h = tau / 2 ** N;
  const mul = (X: Float64Array, Y: Float64Array): Float64Array => {
    const Z = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) {
        const x = X[i * n + k]!;
        if (x !== 0) for (let j = 0; j < n; j++) Z[i * n + j] = Z[i * n + j]! + x * Y[k * n + j]!;
      }
    return Z;
  };
  let E: Float64Array = new Float64Array(n * n);
  let term: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) E[i * n + i] = term[i * n + i] = 1;
  const Bh = B.map((x) => x * h);
  for (let j = 1; j <= 30; j++) {
    term = mul(term, Bh).map((x) => x / j);
    for (let i = 0; i < n * n; i++) E[i] = E[i]! + term[i]!;
  }
  for (let r = 0; r < N; r++) {
    E = mul(E, E);
    const mx = E.reduce((a, b) => Math.max(a, b), 0);
    E = E.map((x) => x / mx);
  }
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i] = v[i]! + E[i * n + j]!;
  return v;
}

function model(p: Partial<GlftModelParams> = {}): GlftModel {
  return new GlftModel({ ...PAPER, method: 'exact', ...p });
}

describe('GlftModel constants', () => {
  it('α, η, base and the asymptotic slope for the paper parameters (hand values)', () => {
    const m = model();
    // α = (k/2)γσ² = 0.15 · 0.01 · 0.09 = 1.35e−4
    expect(m.alpha).toBeCloseTo(1.35e-4, 18);
    // η = A(1+γ/k)^{−(1+k/γ)} = 0.9 · (31/30)^{−31} = 0.9 / 2.763475… = 0.325678…
    expect(m.eta).toBeCloseTo(0.9 * Math.pow(31 / 30, -31), 14);
    // base = (1/γ)ln(1+γ/k) = 100 · ln(31/30) = 3.278982…
    expect(m.base).toBeCloseTo(100 * Math.log(31 / 30), 12);
    // slope = √(σ²γ/(2kA)·(1+γ/k)^{1+k/γ}) = √(0.0009/0.54 · (31/30)^31) = 0.067866
    expect(m.asymptoticSlope).toBeCloseTo(Math.sqrt((0.0009 / 0.54) * Math.pow(31 / 30, 31)), 14);
    expect(m.asymptoticSlope).toBeCloseTo(0.0678658, 6);
  });
});

describe('GLFT exact (matrix exponential)', () => {
  // Q = 1 by hand. v = (v_−1, v_0, v_1) is even, v_−1 = v_1 =: y_1, v_0 =: y_0, and
  //   d/dτ (y_0, y_1) = −B (y_0, y_1),  B = [[0, −2η], [−η, α]],  y(0) = (1, 1).
  // With X = −Bτ: m = tr X / 2 = −ατ/2, d² = m² − det X = τ²(α²/4 + 2η²), and for a 2×2 matrix
  //   exp(X) = e^m [cosh d · I + (sinh d / d)(X − mI)],  (X − mI)(1,1) = τ(α/2 + 2η, η − α/2).
  // So y_0/y_1 = (cosh d + (sinh d/d)τ(α/2 + 2η)) / (cosh d + (sinh d/d)τ(η − α/2)), and
  //   δ_b(0) = δ_a(0) = (1/k)ln(y_0/y_1) + (1/γ)ln(1+γ/k),  δ_b(−1) = δ_a(1) = base − (1/k)ln(y_0/y_1).
  // Stationary: the ground state of B (λ₋ = (α − √(α²+8η²))/2) has y_0/y_1 = −2η/λ₋ = 4η/(√(α²+8η²) − α).
  const p = { sigma: 1, A: 1, k: 1, gamma: 0.5, Q: 1 }; // α = 0.25, η = 1.5^−3 = 0.296296…
  it('Q = 1 matches the hand 2×2 matrix exponential', () => {
    const m = model(p);
    const { alpha: a, eta: e, k, base } = m;
    expect(a).toBeCloseTo(0.25, 15);
    expect(e).toBeCloseTo(1 / 3.375, 15);
    for (const tau of [0.1, 1, 7, 40]) {
      const d = tau * Math.sqrt((a * a) / 4 + 2 * e * e);
      const sd = Math.sinh(d) / d;
      const ratio = (Math.cosh(d) + sd * tau * (a / 2 + 2 * e)) / (Math.cosh(d) + sd * tau * (e - a / 2));
      const x = Math.log(ratio) / k;
      expect(m.bidDistance(0, tau)).toBeCloseTo(base + x, 12);
      expect(m.askDistance(0, tau)).toBeCloseTo(base + x, 12);
      expect(m.bidDistance(-1, tau)).toBeCloseTo(base - x, 12);
      expect(m.askDistance(1, tau)).toBeCloseTo(base - x, 12);
      expect(m.bidDistance(1, tau)).toBeNaN();
      expect(m.askDistance(-1, tau)).toBeNaN();
    }
    const stat = Math.log((4 * e) / (Math.sqrt(a * a + 8 * e * e) - a)) / k;
    expect(m.bidDistance(0, Number.POSITIVE_INFINITY)).toBeCloseTo(base + stat, 13);
    expect(m.askDistance(1, Number.POSITIVE_INFINITY)).toBeCloseTo(base - stat, 13);
  });

  it('Q = 2, 3 and the paper system (Q = 30) match an independent uniformization exp(−Mτ)·𝟙', () => {
    const cases: { p: Partial<GlftModelParams>; taus: number[] }[] = [
      { p: { ...p, Q: 2 }, taus: [0.3, 2, 50] },
      { p: { ...p, Q: 3, gamma: 2, sigma: 0.7 }, taus: [0.05, 1, 20] },
      { p: {}, taus: [1, 30, 400] },
    ];
    let worst = 0;
    for (const c of cases) {
      const m = model(c.p);
      const Q = m.Q;
      for (const tau of c.taus) {
        const v = referenceV(m.alpha, m.eta, Q, tau);
        for (let q = -Q; q <= Q; q++) {
          if (q < Q) {
            const ref = Math.log(v[q + Q]! / v[q + Q + 1]!) / m.k + m.base;
            worst = Math.max(worst, Math.abs(m.bidDistance(q, tau) - ref));
          }
          if (q > -Q) {
            const ref = Math.log(v[q + Q]! / v[q + Q - 1]!) / m.k + m.base;
            worst = Math.max(worst, Math.abs(m.askDistance(q, tau) - ref));
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-11); // measured ≈ 4e−14
  });

  it('converges to the stationary quotes: T = 1e4 and T = 2e4 agree to 1e−9, and equal τ = ∞', () => {
    const m = model();
    for (let q = -30; q <= 30; q++) {
      const b1 = m.bidDistance(q, 1e4);
      const a1 = m.askDistance(q, 1e4);
      if (q < 30) {
        expect(Math.abs(m.bidDistance(q, 2e4) - b1)).toBeLessThan(1e-9);
        expect(Math.abs(m.bidDistance(q, Number.POSITIVE_INFINITY) - b1)).toBeLessThan(1e-9);
      }
      if (q > -30) {
        expect(Math.abs(m.askDistance(q, 2e4) - a1)).toBeLessThan(1e-9);
        expect(Math.abs(m.askDistance(q, Number.POSITIVE_INFINITY) - a1)).toBeLessThan(1e-9);
      }
    }
    // …and it is a real time dependence at short horizons (the test could fail): τ = 10 differs.
    expect(Math.abs(m.bidDistance(10, 10) - m.bidDistance(10, 1e4))).toBeGreaterThan(0.1);
  });

  it('stationary quotes are close to the closed-form approximation near q = 0 (paper parameters)', () => {
    // Measured gaps δ_exact − δ_asymptotic (bid side; the ask side is the mirror image):
    //   q = 0: +1.30e−4,  q = ±1: +3.9e−4 / −1.3e−4,  q = ±5: +1.24e−3 / −1.06e−3,
    //   q = ±10: +1.36e−3 / −1.46e−3,  q = 20: −4.7e−3,  q = 29 (next to the bound): +0.85.
    // Tolerance 2e−3 for |q| ≤ 10: < 0.06% of the ≈ 3.3 half spread and < 3% of the closed form's
    // per-unit inventory skew (0.0679), i.e. the approximation gets the skew right to within a few
    // per cent of one clip. The closed form ignores the inventory bound, so it fails near ±Q; the
    // test pins that too.
    const exact = glftQuotes({ ...PAPER, T: Number.POSITIVE_INFINITY, method: 'exact' });
    const asym = glftQuotes({ ...PAPER, T: Number.POSITIVE_INFINITY, method: 'asymptotic' });
    const gap = (q: number, side: 'bid' | 'ask'): number => exact[q + 30]![side]! - asym[q + 30]![side]!;
    expect(gap(0, 'bid')).toBeCloseTo(1.3e-4, 5);
    for (let q = -10; q <= 10; q++) {
      expect(Math.abs(gap(q, 'bid'))).toBeLessThan(2e-3);
      expect(Math.abs(gap(q, 'ask'))).toBeLessThan(2e-3);
    }
    expect(gap(29, 'bid')).toBeGreaterThan(0.5);
  });

  it('is symmetric (δ_b(q) = δ_a(−q)) and monotone (δ_b increasing, δ_a decreasing in q)', () => {
    const m = model();
    for (const tau of [0.5, 20, 1e3, Number.POSITIVE_INFINITY]) {
      for (let q = -29; q <= 29; q++) {
        expect(m.bidDistance(q, tau)).toBeCloseTo(m.askDistance(-q, tau), 12);
        expect(m.bidDistance(q, tau)).toBeGreaterThan(m.bidDistance(q - 1, tau));
        if (q > -29) expect(m.askDistance(q, tau)).toBeLessThan(m.askDistance(q - 1, tau));
      }
    }
  });

  it('as τ → 0 the quotes tend to (1/γ)ln(1+γ/k) with the Avellaneda–Stoikov first-order skew', () => {
    // v(τ) = 𝟙 − τM𝟙 + O(τ²), (M𝟙)_q = αq² − η·(number of neighbours of q). Hence, to first order,
    //   interior (|q| ≤ Q−2): k(δ_b − base) = ln(v_q/v_{q+1}) ≈ τα((q+1)² − q²) = τα(2q+1)
    //     ⇒ δ_b ≈ base + (2q+1)/2 · γσ²τ  (α/k = γσ²/2): exactly AS's inventory skew;
    //   at q = Q−1 (v_Q has one neighbour): k(δ_b − base) ≈ τ(α(2Q−1) + η).
    const m = model({ Q: 5 });
    const { base, alpha, eta, k, gamma, sigma } = m;
    for (let q = -5; q <= 5; q++) {
      if (q < 5) expect(m.bidDistance(q, 0)).toBe(base);
      if (q > -5) expect(m.askDistance(q, 0)).toBe(base);
    }
    const tau = 1e-5;
    for (let q = -4; q <= 3; q++) {
      const firstOrder = ((2 * q + 1) / 2) * gamma * sigma * sigma * tau;
      expect(m.bidDistance(q, tau) - base).toBeCloseTo(firstOrder, 9);
    }
    expect(m.bidDistance(4, tau) - base).toBeCloseTo((tau * (alpha * 9 + eta)) / k, 9);
    // past the horizon the quotes stay at the τ = 0 values
    expect(m.bidDistance(2, -3)).toBe(base);
  });

  it('handles Q = 0 (no admissible quote) and rejects bad parameters', () => {
    const m = model({ Q: 0 });
    expect(m.bidDistance(0, 1)).toBeNaN();
    expect(m.askDistance(0, 1)).toBeNaN();
    expect(() => model({ gamma: 0 })).toThrow(/gamma/);
    expect(() => model({ A: -1 })).toThrow(/A/);
    expect(() => model({ Q: 2.5 })).toThrow(/Q/);
    expect(() => model({ sigma: -0.1 })).toThrow(/sigma/);
    expect(() => new GlftModel({ ...PAPER, method: 'fast' as 'exact' })).toThrow(/method/);
    expect(() => model().bidDistance(0, Number.NaN)).toThrow(/NaN/);
  });
});

describe('GLFT asymptotic closed form', () => {
  it('matches the formula by hand at q = 0, 3, −3', () => {
    const m = model({ method: 'asymptotic' });
    const s = Math.sqrt((0.0009 / 0.54) * Math.pow(31 / 30, 31));
    const base = 100 * Math.log(31 / 30);
    expect(m.bidDistance(0, 5)).toBeCloseTo(base + 0.5 * s, 12);
    expect(m.askDistance(0, 5)).toBeCloseTo(base + 0.5 * s, 12);
    expect(m.bidDistance(3, 5)).toBeCloseTo(base + 3.5 * s, 12);
    expect(m.askDistance(3, 5)).toBeCloseTo(base - 2.5 * s, 12);
    expect(m.bidDistance(-3, 5)).toBeCloseTo(base - 2.5 * s, 12);
    expect(m.bidDistance(30, 5)).toBeNaN();
    expect(m.askDistance(-30, 5)).toBeNaN();
  });
});

describe('glftQuotes', () => {
  it('lists q = −Q..Q with null at the bounds and is JSON-serialisable', () => {
    const rows = glftQuotes({ ...PAPER, Q: 3, T: 10, t: 4, method: 'exact' });
    expect(rows.map((r) => r.q)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(rows[0]!.ask).toBeNull();
    expect(rows[6]!.bid).toBeNull();
    const m = model({ Q: 3 });
    expect(rows[4]!.bid).toBeCloseTo(m.bidDistance(1, 6), 14); // τ = T − t = 6
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
  });
});

describe('GlftQuoter', () => {
  const base = (over: Partial<MarketObservation>): MarketObservation => ({
    ...emptyObservation(),
    mid: 50,
    t: 0,
    horizon: 100,
    ...over,
  });

  it('writes mid − δ_b and mid + δ_a for q = inventory / orderSizeLots', () => {
    const quoter = new GlftQuoter({ ...PAPER, orderSizeLots: 2, method: 'exact' });
    expect(quoter.name).toBe('glft');
    expect(quoter.params).toEqual({ ...PAPER, orderSizeLots: 2, method: 'exact' });
    const m = model();
    const out = emptyDecision();
    for (const q of [-7, 0, 3]) {
      quoter.quote(base({ inventory: 2 * q, t: 40 }), out);
      expect(out.bidPrice).toBeCloseTo(50 - m.bidDistance(q, 60), 12);
      expect(out.askPrice).toBeCloseTo(50 + m.askDistance(q, 60), 12);
      expect(out.bidSize).toBe(2);
      expect(out.askSize).toBe(2);
      expect(out.marketOrderLots).toBe(0);
    }
  });

  it('quotes one side at the bounds and only the reducing side beyond them', () => {
    const quoter = new GlftQuoter({ ...PAPER, Q: 4, orderSizeLots: 1, method: 'exact' });
    const m = model({ Q: 4 });
    const out = emptyDecision();
    quoter.quote(base({ inventory: 4 }), out);
    expect(out.bidPrice).toBeNaN();
    expect(out.bidSize).toBe(0);
    expect(out.askPrice).toBeCloseTo(50 + m.askDistance(4, 100), 12);
    quoter.quote(base({ inventory: 9 }), out); // clamped to 4: ask only
    expect(out.bidPrice).toBeNaN();
    expect(out.askPrice).toBeCloseTo(50 + m.askDistance(4, 100), 12);
    quoter.quote(base({ inventory: -4 }), out);
    expect(out.askPrice).toBeNaN();
    expect(out.askSize).toBe(0);
    expect(out.bidPrice).toBeCloseTo(50 - m.bidDistance(-4, 100), 12);
    quoter.quote(base({ inventory: -12 }), out);
    expect(out.askPrice).toBeNaN();
    expect(out.bidPrice).toBeCloseTo(50 - m.bidDistance(-4, 100), 12);
  });

  it('uses the stationary quotes on an infinite horizon, and the window when given', () => {
    const m = model();
    const out = emptyDecision();
    const stat = new GlftQuoter({ ...PAPER, orderSizeLots: 1, method: 'exact' });
    stat.quote(base({ horizon: Number.POSITIVE_INFINITY, inventory: 5, t: 123 }), out);
    expect(out.bidPrice).toBeCloseTo(50 - m.bidDistance(5, Number.POSITIVE_INFINITY), 12);
    const win = new GlftQuoter({ ...PAPER, orderSizeLots: 1, method: 'exact', window: 7 });
    win.quote(base({ horizon: Number.POSITIVE_INFINITY, inventory: 5, t: 123 }), out);
    expect(out.bidPrice).toBeCloseTo(50 - m.bidDistance(5, 7), 12);
    const asym = new GlftQuoter({ ...PAPER, orderSizeLots: 1, method: 'asymptotic' });
    asym.quote(base({ horizon: Number.POSITIVE_INFINITY, inventory: 5 }), out);
    expect(out.bidPrice).toBeCloseTo(50 - (m.base + 5.5 * m.asymptoticSlope), 12);
  });

  it('gives the same answers over 1e5 calls with a reused output object (τ cache is sound)', () => {
    const quoter = new GlftQuoter({ ...PAPER, orderSizeLots: 1, method: 'exact' });
    const m = model();
    const out = emptyDecision();
    const o = base({ horizon: 50 });
    let worst = 0;
    for (let i = 0; i < 100_000; i++) {
      o.t = Math.floor(i / 7) * 0.0035; // τ repeats for 7 calls, then moves on
      o.inventory = (i % 61) - 30;
      quoter.quote(o, out);
      if (i % 997 === 0) {
        const tau = 50 - o.t;
        const q = o.inventory;
        if (q < 30) worst = Math.max(worst, Math.abs(out.bidPrice - (50 - m.bidDistance(q, tau))));
        if (q > -30) worst = Math.max(worst, Math.abs(out.askPrice - (50 + m.askDistance(q, tau))));
      }
      if (!(Number.isFinite(out.bidPrice) || o.inventory === 30)) throw new Error(`bad bid at call ${i}`);
    }
    expect(worst).toBe(0);
  });
});
