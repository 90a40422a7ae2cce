import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REWARD,
  crossingAmount,
  inventoryPenalty,
  markToMarket,
  pnlTerm,
  resolveReward,
  REWARD_MODES,
  stepReward,
  type RewardConfig,
} from './reward';

const only = (w: Partial<RewardConfig>): RewardConfig => resolveReward(w);

describe('reward', () => {
  it('defaults to the pure ΔPnL reward with a quadratic inventory penalty', () => {
    expect(resolveReward(undefined)).toEqual(DEFAULT_REWARD);
    expect(DEFAULT_REWARD.inventoryPenalty).toBe('quadratic');
    expect(stepReward(resolveReward({}), 12.5, 7, 3, 4, true)).toBe(12.5);
  });

  it('marks to market as cash + q·lotSize·mid', () => {
    expect(markToMarket(-250, 3, 10, 100)).toBe(2750);
    expect(markToMarket(40, -2, 0.5, 90)).toBe(-50);
  });

  it('charges λ·q² (quadratic) or λ·|q| (linear) on the inventory after the step', () => {
    expect(inventoryPenalty('quadratic', -3)).toBe(9);
    expect(inventoryPenalty('linear', -3)).toBe(3);
    expect(stepReward(only({ inventory: 0.5 }), 10, -3, 0, 0, false)).toBe(10 - 0.5 * 9);
    expect(stepReward(only({ inventory: 0.5, inventoryPenalty: 'linear' }), 10, -3, 0, 0, false)).toBe(
      10 - 0.5 * 3,
    );
  });

  it('measures crossing as Σ max(0, −δ) over the two quotes, in price units', () => {
    // bid 0.3 above the mid (δ_bid = −0.3), ask 0.5 above the mid: only the bid crosses.
    expect(crossingAmount(-0.3, 0.5)).toBeCloseTo(0.3, 15);
    expect(crossingAmount(-0.25, -0.5)).toBe(0.75);
    expect(crossingAmount(0, 1)).toBe(0);
    expect(crossingAmount(0.1, 0.1)).toBe(0);
    expect(stepReward(only({ crossing: 2 }), 1, 5, crossingAmount(-0.25, -0.5), 0, false)).toBe(1 - 2 * 0.75);
  });

  it('charges ψ per lot filled', () => {
    expect(stepReward(only({ turnover: 0.25 }), 3, 1, 0, 4, false)).toBe(3 - 0.25 * 4);
  });

  it('charges ζ·q² only on the terminating step', () => {
    expect(stepReward(only({ terminalInventory: 2 }), 3, -4, 0, 0, false)).toBe(3);
    expect(stepReward(only({ terminalInventory: 2 }), 3, -4, 0, 0, true)).toBe(3 - 2 * 16);
  });

  it('combines the terms', () => {
    const w = only({ inventory: 0.1, crossing: 1, turnover: 0.5, terminalInventory: 1 });
    // ΔPnL 2, q = 2, crossing 0.5, 2 lots filled, terminal: 2 − 0.4 − 0.5 − 1 − 4
    expect(stepReward(w, 2, 2, 0.5, 2, true)).toBeCloseTo(-3.9, 14);
  });

  it('rejects negative or non-finite weights and unknown penalty kinds, naming the field', () => {
    expect(() => resolveReward({ inventory: -1 })).toThrow(/reward\.inventory/);
    expect(() => resolveReward({ turnover: Number.NaN })).toThrow(/reward\.turnover/);
    expect(() => resolveReward({ inventoryPenalty: 'cubic' as 'linear' })).toThrow(/inventoryPenalty/);
  });
});

/**
 * Every mode on one short fixed path of three steps (the whole episode; the third step terminates):
 *   V: 10 → 12 → 9 → 14, so ΔV = +2, −3, +5 and the episode PnL V_T − V_0 = 4;
 *   q after each step: 1, −2, 3; time left after each step τ = 2/3, 1/3, 0; no crossing, no fills.
 */
describe('reward modes on a fixed path', () => {
  const V = [10, 12, 9, 14];
  const q = [1, -2, 3];
  const tau = [2 / 3, 1 / 3, 0];
  const rewards = (w: RewardConfig): number[] =>
    [0, 1, 2].map((t) => {
      const ended = t === 2;
      const p = pnlTerm(w, V[t + 1]! - V[t]!, V[t + 1]! - V[0]!, tau[t]!, ended);
      return stepReward(w, p, q[t]!, 0, 0, ended);
    });

  it("'delta-pnl': the ΔV themselves, bit for bit the default", () => {
    expect(rewards(resolveReward({}))).toEqual([2, -3, 5]);
    expect(rewards(resolveReward({ mode: 'delta-pnl' }))).toEqual([2, -3, 5]);
  });

  it("'final-pnl': 0, 0, then the episode PnL 14 − 10 = 4; the sum equals the episode PnL", () => {
    const r = rewards(resolveReward({ mode: 'final-pnl' }));
    expect(r).toEqual([0, 0, 4]);
    expect(r.reduce((a, b) => a + b, 0)).toBe(V[3]! - V[0]!);
    // A truncation also ends the episode: the PnL so far is paid then.
    expect(pnlTerm(resolveReward({ mode: 'final-pnl' }), 1, -7, 0.5, true)).toBe(-7);
  });

  it("'time-weighted': ΔV·(1 + κ(1 − τ)); κ = 1: 2·(4/3), −3·(5/3), 5·2; κ = 0 is 'delta-pnl'", () => {
    const r = rewards(resolveReward({ mode: 'time-weighted' }));
    expect(r[0]).toBeCloseTo(8 / 3, 14);
    expect(r[1]).toBeCloseTo(-5, 14);
    expect(r[2]).toBe(10);
    const k3 = rewards(resolveReward({ mode: 'time-weighted', timeWeight: 3 }));
    // κ = 3: weights 1 + 3·(1/3) = 2, 1 + 3·(2/3) = 3, 4 → 4, −9, 20
    expect(k3[0]).toBeCloseTo(4, 14);
    expect(k3[1]).toBeCloseTo(-9, 14);
    expect(k3[2]).toBe(20);
    expect(rewards(resolveReward({ mode: 'time-weighted', timeWeight: 0 }))).toEqual([2, -3, 5]);
  });

  it("'inventory-penalized': ΔV − λ·q² (or λ|q|) each step − ζ·q_T² at the end", () => {
    // λ = 0.5 quadratic, ζ = 0.25: 2 − 0.5, −3 − 2, 5 − 4.5 − 0.25·9
    expect(
      rewards(resolveReward({ mode: 'inventory-penalized', inventory: 0.5, terminalInventory: 0.25 })),
    ).toEqual([1.5, -5, -1.75]);
    // λ = 0.5 linear, no terminal: 2 − 0.5, −3 − 1, 5 − 1.5
    expect(
      rewards(resolveReward({ mode: 'inventory-penalized', inventory: 0.5, inventoryPenalty: 'linear' })),
    ).toEqual([1.5, -4, 3.5]);
    // terminal only
    expect(rewards(resolveReward({ mode: 'inventory-penalized', terminalInventory: 1 }))).toEqual([
      2, -3, -4,
    ]);
  });

  it('refuses an unknown mode, a negative κ and a penalized mode without a penalty', () => {
    expect(() => resolveReward({ mode: 'sparse' as 'final-pnl' })).toThrow(/reward\.mode/);
    expect(() => resolveReward({ mode: 'time-weighted', timeWeight: -1 })).toThrow(/timeWeight/);
    expect(() => resolveReward({ mode: 'inventory-penalized' })).toThrow(/inventory-penalized/);
    expect(REWARD_MODES).toEqual(['delta-pnl', 'final-pnl', 'time-weighted', 'inventory-penalized']);
  });

  it('keeps defaults for keys given as undefined (an optional config key left out)', () => {
    expect(resolveReward({ mode: undefined, timeWeight: undefined, inventory: 0.1 })).toEqual({
      ...DEFAULT_REWARD,
      inventory: 0.1,
    });
  });
});
