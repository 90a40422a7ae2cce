/**
 * The market-making reward, shared by every environment in core/rl (single and vectorized), so that
 * the same step gives the same reward bit for bit wherever it is computed.
 *
 *   reward_t = ΔPnL_t − λ·inventoryPenalty(q_{t+1}) − η·crossing_t − ψ·turnover_t
 *              − [episode end only] ζ·q_T²
 *
 * - ΔPnL_t: change of the mark-to-market value V = cash + q·lotSize·mid over the step (quote
 *   currency). Summed over an episode it telescopes to the episode's mark-to-market PnL.
 * - inventoryPenalty(q) = q² ('quadratic', the default) or |q| ('linear'), q in lots after the step.
 *   The quadratic running penalty is the discrete analogue of the φ∫q² dt term of Cartea, Jaimungal
 *   & Ricci (2014) and of the variance penalty behind Avellaneda & Stoikov (2008); λ absorbs dt.
 * - crossing_t = max(0, −δ_bid) + max(0, −δ_ask) in price units, where δ is each quote's distance
 *   from the observed mid on its own side (δ_bid = mid − bid, δ_ask = ask − mid): a bid above the mid
 *   or an ask below it crosses, and pays in proportion to how far.
 * - turnover_t = lots filled during the step (both sides).
 * - ζ·q_T² (`terminalInventory`) is charged once, on the step that terminates the episode (not on a
 *   truncation): a liquidation cost in the spirit of the AS 2008 terminal utility.
 *
 * Weights default to 0 (pure ΔPnL reward) and the inventory penalty to 'quadratic'. Units: ΔPnL is
 * in quote currency, so λ is currency per lot², η currency per price unit, ψ and ζ currency per lot
 * and per lot². Pure functions, no allocation.
 */

export type InventoryPenaltyKind = 'quadratic' | 'linear';

export interface RewardConfig {
  /** λ: weight of the running inventory penalty. */
  inventory: number;
  /** Shape of the running inventory penalty: q² or |q| (lots). */
  inventoryPenalty: InventoryPenaltyKind;
  /** η: weight of the crossing penalty (per price unit a quote crosses the mid). */
  crossing: number;
  /** ψ: weight of the turnover penalty (per lot filled). */
  turnover: number;
  /** ζ: weight of q² at the end of an episode (terminated only). */
  terminalInventory: number;
}

export const DEFAULT_REWARD: Readonly<RewardConfig> = Object.freeze({
  inventory: 0,
  inventoryPenalty: 'quadratic',
  crossing: 0,
  turnover: 0,
  terminalInventory: 0,
});

/** Fill in defaults and validate (weights finite and ≥ 0). */
export function resolveReward(partial: Partial<RewardConfig> | undefined): RewardConfig {
  const r: RewardConfig = { ...DEFAULT_REWARD, ...(partial ?? {}) };
  for (const key of ['inventory', 'crossing', 'turnover', 'terminalInventory'] as const) {
    const v = r[key];
    if (!(Number.isFinite(v) && v >= 0))
      throw new RangeError(`reward.${key} must be a finite number ≥ 0 (got ${v})`);
  }
  if (r.inventoryPenalty !== 'quadratic' && r.inventoryPenalty !== 'linear')
    throw new RangeError(
      `reward.inventoryPenalty must be 'quadratic' or 'linear' (got ${String(r.inventoryPenalty)})`,
    );
  return r;
}

/** Mark-to-market value V = cash + q·lotSize·mid (the one formula both envs use). */
export function markToMarket(cash: number, inventoryLots: number, lotSize: number, mid: number): number {
  return cash + inventoryLots * lotSize * mid;
}

/** Σ over the two quotes of max(0, −δ), δ the signed distance from the mid on the quote's own side. */
export function crossingAmount(deltaBid: number, deltaAsk: number): number {
  return (deltaBid < 0 ? -deltaBid : 0) + (deltaAsk < 0 ? -deltaAsk : 0);
}

/** Running inventory penalty in lots (q² or |q|). */
export function inventoryPenalty(kind: InventoryPenaltyKind, q: number): number {
  return kind === 'linear' ? Math.abs(q) : q * q;
}

/**
 * reward_t = ΔPnL − λ·inventoryPenalty(q_{t+1}) − η·crossing − ψ·turnover, minus ζ·q² when `terminal`.
 */
export function stepReward(
  w: RewardConfig,
  dPnl: number,
  qNext: number,
  crossing: number,
  turnover: number,
  terminal: boolean,
): number {
  const r =
    dPnl -
    w.inventory * inventoryPenalty(w.inventoryPenalty, qNext) -
    w.crossing * crossing -
    w.turnover * turnover;
  return terminal ? r - w.terminalInventory * (qNext * qNext) : r;
}
