/**
 * The market-making reward, shared by every environment in core/rl (single and vectorized), so that
 * the same step gives the same reward bit for bit wherever it is computed.
 *
 *   reward_t = P_t − λ·inventoryPenalty(q_{t+1}) − η·crossing_t − ψ·turnover_t
 *              − [episode end only] ζ·q_T²
 *
 * P_t, the PnL term, is chosen by `mode` (pnlTerm below); ΔPnL_t is the change of the mark-to-market
 * value V = cash + q·lotSize·mid over the step (quote currency), which summed over an episode
 * telescopes to the episode's mark-to-market PnL V_T − V_0:
 * - 'delta-pnl' (the default): P_t = ΔPnL_t, the immediate reward every earlier config used.
 * - 'final-pnl' (sparse): P_t = 0 on every step except the one that ends the episode (terminated OR
 *   truncated), where P_t = V_T − V_0, the episode's mark-to-market PnL. With zero weights the
 *   episode's return equals its PnL exactly, as under 'delta-pnl', but all credit arrives at the end:
 *   the hard credit-assignment baseline.
 * - 'time-weighted': P_t = ΔPnL_t · (1 + κ·(1 − τ_{t+1})), τ_{t+1} ∈ [0, 1] the fraction of the
 *   episode left after the step (the observation's time-left feature, observation.ts
 *   timeLeftFeature; 1 throughout an open-ended episode) and κ = `timeWeight` ≥ 0 (default 1: the
 *   last step counts twice the first). Why this shape: the weight is a function of the next state's
 *   observed time-left feature, so the reward stays a function of (s, a, s') and the problem stays a
 *   Markov decision process; it is linear, bounded in [1, 1 + κ] (no blow-up near the horizon, unlike
 *   1/τ) and 1 at the start, so early rewards keep their scale. It weighs the increments near the
 *   horizon more, where the inventory a desk books at the close is decided and where a discounted
 *   learner (γ < 1 sees ~1/(1−γ) steps ahead) otherwise pays least attention to the end of the
 *   episode. It is not potential-based shaping: it changes the objective (κ = 0 is 'delta-pnl'), which
 *   is why evaluation never uses it (core/rl/eval scores ΔPnL).
 * - 'inventory-penalized': P_t = ΔPnL_t with at least one inventory weight > 0 (λ running, linear or
 *   quadratic, and/or ζ terminal): the same formula as 'delta-pnl' with weights, named so a config
 *   says what it optimizes; resolveReward refuses it without a penalty.
 * The penalty weights below apply in every mode (with mode 'delta-pnl' for older configs that set them).
 *
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
 * and per lot²; κ is dimensionless. Pure functions, no allocation.
 */

export type RewardMode = 'delta-pnl' | 'final-pnl' | 'time-weighted' | 'inventory-penalized';

/** Every reward mode, in the order reports list them. */
export const REWARD_MODES: readonly RewardMode[] = Object.freeze([
  'delta-pnl',
  'final-pnl',
  'time-weighted',
  'inventory-penalized',
]);

export type InventoryPenaltyKind = 'quadratic' | 'linear';

export interface RewardConfig {
  /** Which PnL term the reward uses (see the module header). */
  mode: RewardMode;
  /** κ of 'time-weighted': weight 1 + κ·(1 − time left); ignored by the other modes. */
  timeWeight: number;
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

/** The penalty weights alone (what evaluation scores with: core/rl/eval ignores the mode). */
export type RewardWeights = Omit<RewardConfig, 'mode' | 'timeWeight'>;

export const DEFAULT_REWARD: Readonly<RewardConfig> = Object.freeze({
  mode: 'delta-pnl',
  timeWeight: 1,
  inventory: 0,
  inventoryPenalty: 'quadratic',
  crossing: 0,
  turnover: 0,
  terminalInventory: 0,
});

/** Fill in defaults and validate (weights finite and ≥ 0, a known mode, a penalty when the mode says so). */
export function resolveReward(partial: Partial<RewardConfig> | undefined): RewardConfig {
  const r: RewardConfig = { ...DEFAULT_REWARD };
  // Keys present but undefined (an optional config key left out) keep their defaults.
  if (partial !== undefined)
    for (const [k, v] of Object.entries(partial))
      if (v !== undefined) (r as unknown as Record<string, unknown>)[k] = v;
  for (const key of ['inventory', 'crossing', 'turnover', 'terminalInventory', 'timeWeight'] as const) {
    const v = r[key];
    if (!(Number.isFinite(v) && v >= 0))
      throw new RangeError(`reward.${key} must be a finite number ≥ 0 (got ${v})`);
  }
  if (r.inventoryPenalty !== 'quadratic' && r.inventoryPenalty !== 'linear')
    throw new RangeError(
      `reward.inventoryPenalty must be 'quadratic' or 'linear' (got ${String(r.inventoryPenalty)})`,
    );
  if (!REWARD_MODES.includes(r.mode))
    throw new RangeError(`reward.mode must be one of ${REWARD_MODES.join(', ')} (got ${String(r.mode)})`);
  if (r.mode === 'inventory-penalized' && !(r.inventory > 0 || r.terminalInventory > 0))
    throw new RangeError(
      "reward.mode 'inventory-penalized' needs reward.inventory > 0 and/or reward.terminalInventory > 0",
    );
  return r;
}

/**
 * The PnL term P_t of the step under `w.mode`: dPnl = ΔV of the step, episodePnl = V_{t+1} − V_0,
 * timeLeft = τ_{t+1} (the time-left feature after the step), ended = the step terminated or
 * truncated the episode. 'delta-pnl' and 'inventory-penalized' return dPnl itself (bit for bit).
 */
export function pnlTerm(
  w: RewardConfig,
  dPnl: number,
  episodePnl: number,
  timeLeft: number,
  ended: boolean,
): number {
  const mode = w.mode;
  if (mode === 'final-pnl') return ended ? episodePnl : 0;
  if (mode === 'time-weighted') return dPnl * (1 + w.timeWeight * (1 - timeLeft));
  return dPnl;
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
 * reward_t = pnl − λ·inventoryPenalty(q_{t+1}) − η·crossing − ψ·turnover, minus ζ·q² when `terminal`.
 */
export function stepReward(
  w: RewardConfig,
  /** The PnL term: ΔPnL, or pnlTerm(...) when the mode may not be 'delta-pnl'. */
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
