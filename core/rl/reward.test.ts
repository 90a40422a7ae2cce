import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REWARD,
  crossingAmount,
  inventoryPenalty,
  markToMarket,
  resolveReward,
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
