/**
 * Stress scenarios: a list of time-limited (or permanent) changes laid over any base scenario —
 * synthetic, calibrated from real data (an ordinary book-mode config) or a replay — under the key
 * `stress:` of the scenario. Each entry names its `kind`, its `onset` (scenario time units from the
 * session start, t = 0; the book warm-up lies before it and is never stressed) and, where it has one,
 * its `duration`; the window is [onset, onset + duration). Entries compose (see "Composition").
 *
 * Kinds and the meaning of `magnitude`:
 * - volatility-spike  σ_t = m·σ inside the window (the diffusive σ of the reference price; jumps are
 *                     unchanged; under GARCH the variance recursion sees the unscaled return, so the
 *                     spike does not feed the clustering). m > 0.
 * - liquidity-drought background limit and market order arrival rates × m (book mode), the fill
 *                     intensity A × m (intensity mode). Cancels per resting order are unchanged, so the
 *                     resting depth relaxes to m × its base level with the cancel time constant 1/θ
 *                     (for a birth–death book, depth ≈ rate·size/θ). m > 0 (m < 1 is a drought).
 * - latency-shock     every latency draw of an order, cancel or market-data message sent inside the
 *                     window becomes L·f + a: `op: add` (default) adds a = m time units, `op: multiply`
 *                     multiplies by f = m; `paths` restricts it to entry, cancel and/or marketData
 *                     (default all three). Book mode and replays; intensity mode has only the entry
 *                     path (its latency is the lag, in whole steps, of each decision; see
 *                     core/sim/intensity-sim.ts for the in-order delivery).
 * - informed-flow-surge the informed share π of background market orders (flow.toxicShare) inside the
 *                     window: `op: set` (default) π = m, `op: add` π = base + m; clamped to [0, 1].
 *                     Book mode only (intensity mode has no informed flow).
 * - regime-shift      from onset on (for `duration`, default the rest of the session), σ × m and the
 *                     arrival rates (as in a drought) × `rates` (default 1): a permanent change of regime.
 * - flash-crash       the reference price jumps by m·S_onset at onset (m a relative size: −0.02 is a
 *                     2 % crash; m > −1), stays displaced for `duration` (default 0), then recovers
 *                     exponentially with half-life `halfLife`: displacement
 *                     D(t) = m·S_onset·2^{−max(0, t − onset − duration)/halfLife} for t ≥ onset.
 *                     The displacement is added to the simulated price path (which keeps its own
 *                     increments), so `stressed − base` is D(t) exactly for an arithmetic process.
 * - spread-blowout    the background liquidity providers quote m extra ticks of spread: new limit bids
 *                     are placed ⌈m/2⌉ ticks and asks ⌊m/2⌋ ticks further from the anchor, and at every
 *                     reference step of the window the background orders inside the widened band around
 *                     the current anchor are cancelled (the providers pull their quotes and keep away).
 *                     The narrowest possible spread is then m ticks wider than the base placement
 *                     allows; market orders walking the thinner book widen it a little further.
 *                     m ≥ 1, whole ticks. In intensity mode, the half spread our market orders pay grows
 *                     by m·tickSize/2 (tickSize > 0 required).
 * - fee-change        maker and/or taker rates (`side`: both by default) + m basis points of notional
 *                     for fills inside the window (default duration: the rest of the session). All modes.
 *
 * Composition: multipliers multiply, additions add (latency: L·Πf + Σa); `set` shares apply in list
 * order (the last active one wins) and `add` shares are added after them; flash-crash displacements add.
 *
 * Modes: intensity mode accepts every kind but informed-flow-surge (it has no informed flow); book mode
 * accepts every kind; a replay accepts latency-shock and
 * fee-change only (recorded data cannot change its own volatility, liquidity or flow).
 *
 * Resolution: book mode looks the schedule up at every reference-price step (`priceDt`), intensity
 * mode at every step (`dt`); latency and fees are looked up at the time of each message or fill.
 */
import { z } from 'zod';

const finite = z.number().finite();
const positive = finite.positive();
const nonNegative = finite.nonnegative();

const window = { onset: nonNegative, duration: positive };
const openWindow = { onset: nonNegative, duration: positive.optional() };

export const LATENCY_PATHS = ['entry', 'cancel', 'marketData'] as const;
export type LatencyPath = (typeof LATENCY_PATHS)[number];

export const stressSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('volatility-spike'), ...window, magnitude: positive }),
  z.strictObject({ kind: z.literal('liquidity-drought'), ...window, magnitude: positive }),
  z.strictObject({
    kind: z.literal('latency-shock'),
    ...window,
    magnitude: nonNegative,
    op: z.enum(['add', 'multiply']).default('add'),
    paths: z
      .array(z.enum(LATENCY_PATHS))
      .min(1)
      .default([...LATENCY_PATHS]),
  }),
  z.strictObject({
    kind: z.literal('informed-flow-surge'),
    ...window,
    magnitude: finite.min(-1).max(1),
    op: z.enum(['set', 'add']).default('set'),
  }),
  z.strictObject({
    kind: z.literal('regime-shift'),
    ...openWindow,
    magnitude: positive,
    rates: positive.default(1),
  }),
  z.strictObject({
    kind: z.literal('flash-crash'),
    onset: nonNegative,
    duration: nonNegative.default(0),
    magnitude: finite.gt(-1).refine((m) => m !== 0, { message: 'must not be 0 (a jump of no size)' }),
    halfLife: positive,
  }),
  z.strictObject({
    kind: z.literal('spread-blowout'),
    ...window,
    magnitude: z.number().int().min(1).max(100_000),
  }),
  z.strictObject({
    kind: z.literal('fee-change'),
    ...openWindow,
    magnitude: finite,
    side: z.enum(['both', 'maker', 'taker']).default('both'),
  }),
]);

export type StressSpec = z.output<typeof stressSchema>;
export type StressInput = z.input<typeof stressSchema>;
export type StressKind = StressSpec['kind'];

export const stressListSchema = z.array(stressSchema).max(64);

export type StressMode = 'intensity' | 'book' | 'replay';

/** The kinds each scenario mode accepts, and why the others are refused. */
export const STRESS_KINDS_BY_MODE: Record<StressMode, readonly StressKind[]> = {
  intensity: [
    'volatility-spike',
    'liquidity-drought',
    'latency-shock',
    'regime-shift',
    'flash-crash',
    'spread-blowout',
    'fee-change',
  ],
  book: [
    'volatility-spike',
    'liquidity-drought',
    'latency-shock',
    'informed-flow-surge',
    'regime-shift',
    'flash-crash',
    'spread-blowout',
    'fee-change',
  ],
  replay: ['latency-shock', 'fee-change'],
};

const WHY: Record<StressMode, string> = {
  intensity: 'intensity mode has no informed flow (the fills follow A·e^{−kδ})',
  book: '',
  replay: 'recorded data cannot change its own volatility, liquidity, flow or spread',
};

/** One issue of a stress list against a scenario: the path below `stress` and the message. */
export interface StressIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Checks a parsed stress list against the scenario it is laid over: kinds the mode cannot apply,
 * onsets at or beyond the session end (the stress would never act), intensity-mode spread blow-outs
 * without a tick size. Paths are relative to the scenario (they start with 'stress').
 */
export function stressIssues(
  mode: StressMode,
  stresses: readonly StressSpec[],
  horizon: number | undefined,
  tickSize?: number,
): StressIssue[] {
  const out: StressIssue[] = [];
  const allowed = STRESS_KINDS_BY_MODE[mode];
  stresses.forEach((s, i) => {
    if (!allowed.includes(s.kind)) {
      out.push({
        path: ['stress', i, 'kind'],
        message: `${s.kind} cannot be applied in ${mode} mode: ${WHY[mode]}; ${mode} mode accepts ${allowed.join(', ')}`,
      });
      return;
    }
    if (s.kind === 'informed-flow-surge' && s.op === 'set' && s.magnitude < 0)
      out.push({
        path: ['stress', i, 'magnitude'],
        message: `a share set by op: set must lie in [0, 1] (got ${s.magnitude}); use op: add to lower it`,
      });
    if (horizon !== undefined && s.onset >= horizon)
      out.push({
        path: ['stress', i, 'onset'],
        message: `onset ${s.onset} is not before the session end ${horizon}: the stress would never act`,
      });
    if (mode === 'intensity' && s.kind === 'spread-blowout' && !(tickSize !== undefined && tickSize > 0))
      out.push({
        path: ['stress', i, 'kind'],
        message: 'spread-blowout in intensity mode needs scenario.tickSize > 0 (its magnitude is in ticks)',
      });
  });
  return out;
}

/** Adds the issues of stressIssues to a zod refinement context. */
export function addStressIssues(
  mode: StressMode,
  s: { stress?: readonly StressSpec[] | undefined; tickSize?: number | undefined },
  horizon: number | undefined,
  ctx: z.RefinementCtx,
): void {
  if (!s.stress || s.stress.length === 0) return;
  for (const issue of stressIssues(mode, s.stress, horizon, s.tickSize))
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}

/** A scenario config: the fields applyStress reads. */
export interface StressableScenario {
  mode: StressMode;
  stress?: StressInput[] | StressSpec[] | undefined;
}

/**
 * The scenario `base` with `stresses` appended to its own stress list (a new object; `base` is not
 * changed). The stresses are parsed (defaults filled in) and checked against the mode; an error names
 * the entry and key (`stress[2].kind: …`). The result is a valid scenario of a backtest config when
 * `base` is (a calibrated book-mode scenario included): run it through the config schema as usual.
 */
export function applyStress<S extends StressableScenario>(base: S, stresses: readonly StressInput[]): S {
  const own = base.stress ?? [];
  const parsed = stressListSchema.safeParse([...own, ...stresses]);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? formatPath(['stress', ...first.path]) : 'stress';
    throw new RangeError(`${where}: ${first?.message ?? 'invalid stress list'}`);
  }
  const horizon = 'horizon' in base && typeof base.horizon === 'number' ? base.horizon : undefined;
  const tick = 'tickSize' in base && typeof base.tickSize === 'number' ? base.tickSize : undefined;
  const issues = stressIssues(base.mode, parsed.data, horizon, tick);
  const first = issues[0];
  if (first) throw new RangeError(`${formatPath(first.path)}: ${first.message}`);
  return { ...base, stress: parsed.data };
}

function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}
