/**
 * Scenario schemas: what market a backtest runs in. Validated with zod (strict: unknown keys are
 * errors), with defaults a market-making researcher would expect, then normalized into the plain
 * objects the simulators take.
 *
 * Units: `horizon`, `dt`, latencies and intensities use the scenario's time unit; `timeUnitSeconds`
 * says how long one unit is in seconds (86 400 when T = 1 is a trading day), which fixes the
 * annualization of Sharpe-type metrics (see docs/metrics.md).
 *
 * Book-mode flow (`flow:`, model in core/sim/book-sim.ts): zero-intelligence background limit orders,
 * cancels and market orders around a latent reference price, plus informed traders in the sense of
 * Glosten & Milgrom (1985) / Kyle (1985): a share `toxicShare` of market orders is informed and trades
 * towards the reference price `informedHorizon` seconds ahead (buys if it will be above the book mid
 * now, sells if below), the rest are noise traders picking a side at random. Naming: the key stays
 * `toxicShare` (backward compatible with every saved config and run; it means the informed share π);
 * `informedHorizon` (seconds, default 2, rounded to whole `priceDt` steps, at least one) is new. Before
 * 2026-12-06 informed orders saw only the next price step and compared it with the reference price
 * (not the book mid), which barely moved adverse selection (docs/results.md).
 *
 * Stresses: both modes take an optional `stress:` list (core/stress/stress.ts, docs/stress.md), checked
 * against the mode (intensity mode refuses latency-shock and informed-flow-surge) and the horizon.
 */
import { z } from 'zod';
import type { BookScenario } from './book-sim';
import type { IntensityScenario } from './intensity-sim';
import { addStressIssues, stressListSchema, type StressSpec } from '../stress/stress';

const finite = z.number().finite();
const positive = finite.positive();
const nonNegative = finite.nonnegative();

export const regimeSchema = z
  .strictObject({
    sigmas: z.array(positive).min(2),
    transitionRates: z.array(z.array(nonNegative)),
    initial: z.number().int().nonnegative().default(0),
  })
  .refine(
    (r) =>
      r.transitionRates.length === r.sigmas.length &&
      r.transitionRates.every((row) => row.length === r.sigmas.length),
    {
      message: 'transitionRates must be an n×n matrix with n = number of sigmas',
      path: ['transitionRates'],
    },
  )
  .refine((r) => r.initial < r.sigmas.length, { message: 'initial must index a regime', path: ['initial'] });

export const priceSchema = z
  .strictObject({
    model: z.enum(['abm', 'gbm']).default('abm'),
    sigma: nonNegative,
    drift: finite.default(0),
    increments: z.enum(['gaussian', 'binomial']).default('gaussian'),
    regimes: regimeSchema.optional(),
    jumps: z.strictObject({ rate: nonNegative, mean: finite.default(0), std: nonNegative }).optional(),
    /** GARCH(1,1) volatility clustering around the unconditional σ (core/sim/models/price.ts). */
    garch: z
      .strictObject({ alpha: nonNegative, beta: nonNegative, interval: positive })
      .refine((g) => g.alpha + g.beta < 1, {
        message: 'alpha + beta must be < 1 (a stationary variance)',
        path: ['beta'],
      })
      .optional(),
  })
  .refine((p) => !(p.garch && p.regimes), {
    message: 'garch and regimes cannot be combined: choose one volatility model',
    path: ['garch'],
  });

/** Standard deviations of the price path the overflow check allows for. */
const PRICE_SDS = 8;
/** ln(Number.MAX_VALUE): exp of anything larger is Infinity. */
const LN_MAX = Math.log(Number.MAX_VALUE);

/**
 * Numbers the price process computes that must stay finite, checked statically so that a config like
 * `sigma: 1e308` is refused naming the key instead of producing an all-NaN result. With σ the largest
 * volatility (of the regimes too) and T the horizon: σ², σ²·T and, for the path itself,
 * s0 + 8σ√T + |μ|T + jumps (abm) or s0·exp(8σ√T + |μ|T + σ²T/2 + jumps) (gbm), where the jumps
 * term is rate·T·(|mean| + 8·std).
 */
export function addPriceOverflowIssues(
  s: { s0: number; horizon: number; price: z.output<typeof priceSchema> },
  ctx: Pick<z.RefinementCtx, 'addIssue'>,
): void {
  const p = s.price;
  const T = s.horizon;
  const sigma = (p.regimes?.sigmas ?? []).reduce((m, x) => (x > m ? x : m), p.sigma);
  const sigmaPath = p.regimes && sigma > p.sigma ? ['price', 'regimes', 'sigmas'] : ['price', 'sigma'];
  const issue = (path: string[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
  if (!Number.isFinite(sigma * sigma * T)) {
    issue(sigmaPath, `σ²·horizon = ${sigma * sigma * T} overflows (σ = ${sigma})`);
    return;
  }
  const jumps = p.jumps ? p.jumps.rate * T * (Math.abs(p.jumps.mean) + PRICE_SDS * p.jumps.std) : 0;
  if (!Number.isFinite(jumps)) {
    issue(['price', 'jumps'], 'rate·horizon·(|mean| + 8·std) overflows');
    return;
  }
  const drift = Math.abs(p.drift) * T;
  if (!Number.isFinite(drift)) {
    issue(['price', 'drift'], `|drift|·horizon = ${drift} overflows`);
    return;
  }
  const spread = PRICE_SDS * sigma * Math.sqrt(T);
  if (p.model === 'gbm') {
    const exponent = spread + drift + (sigma * sigma * T) / 2 + jumps;
    if (!(Math.log(s.s0) + exponent < LN_MAX)) {
      const blame = drift + jumps > spread + (sigma * sigma * T) / 2 ? ['price', 'drift'] : sigmaPath;
      issue(blame, `s0·exp(8σ√T + |μ|T + σ²T/2 + jumps) overflows (exponent ${exponent.toPrecision(4)})`);
    }
  } else if (!Number.isFinite(s.s0 + spread + drift + jumps)) {
    issue(spread >= drift ? sigmaPath : ['price', 'drift'], 's0 + 8σ√T + |μ|T + jumps overflows');
  }
}

/**
 * The stresses' share of the overflow check: the σ multipliers of volatility spikes and regime shifts
 * may all overlap, so the price check above is repeated with σ × their product (the largest σ the path
 * can see); a flash crash displaces the price by Σ|m|·(s0 + 8σ√T) at most. Reported under the stress
 * entry with the largest multiplier (or the crash). Skipped when the base scenario already overflows.
 */
export function addStressOverflowIssues(
  s: { s0: number; horizon: number; price: z.output<typeof priceSchema>; stress?: StressSpec[] | undefined },
  ctx: z.RefinementCtx,
): void {
  const list = s.stress;
  if (!list || list.length === 0) return;
  let product = 1;
  let worst = -1;
  let crash = 0;
  let crashAt = -1;
  list.forEach((x, i) => {
    if ((x.kind === 'volatility-spike' || x.kind === 'regime-shift') && x.magnitude > 1) {
      product *= x.magnitude;
      if (worst < 0 || x.magnitude > (list[worst]?.magnitude ?? 0)) worst = i;
    }
    if (x.kind === 'flash-crash') {
      crash += Math.abs(x.magnitude);
      crashAt = i;
    }
  });
  type Raw = Parameters<z.RefinementCtx['addIssue']>[0];
  const collect = (into: string[]): Pick<z.RefinementCtx, 'addIssue'> => ({
    addIssue: (i: Raw) => void into.push(typeof i === 'string' ? i : (i.message ?? '')),
  });
  const base: string[] = [];
  addPriceOverflowIssues(s, collect(base));
  if (base.length > 0) return; // reported by the scenario's own check
  if (worst >= 0) {
    const sc = (x: number): number => x * product;
    const scaled = {
      ...s,
      price: {
        ...s.price,
        sigma: sc(s.price.sigma),
        ...(s.price.regimes
          ? { regimes: { ...s.price.regimes, sigmas: s.price.regimes.sigmas.map(sc) } }
          : {}),
      },
    };
    const found: string[] = [];
    addPriceOverflowIssues(scaled, collect(found));
    if (found.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['stress', worst, 'magnitude'],
        message: `the price path overflows with σ × ${product} (the product of the volatility multipliers): ${found[0] ?? ''}`,
      });
  }
  if (crashAt >= 0) {
    const sigma = (s.price.regimes?.sigmas ?? []).reduce((m, x) => (x > m ? x : m), s.price.sigma);
    const reach = crash * (s.s0 + 8 * sigma * product * Math.sqrt(s.horizon));
    if (!Number.isFinite(reach))
      ctx.addIssue({
        code: 'custom',
        path: ['stress', crashAt, 'magnitude'],
        message: `flash-crash displacement Σ|m|·(s0 + 8σ√T) = ${reach} overflows`,
      });
  }
}

export const feeSchema = z.strictObject({
  makerBps: finite.default(0),
  takerBps: finite.default(0),
  perLot: finite.default(0),
});

export const impactSchema = z.discriminatedUnion('model', [
  z.strictObject({ model: z.literal('none') }),
  z.strictObject({ model: z.literal('linear'), eta: nonNegative, kappa: nonNegative.default(0) }),
  z.strictObject({
    model: z.literal('sqrt'),
    Y: nonNegative,
    sigma: positive,
    volume: positive,
    kappa: nonNegative.default(0),
  }),
  z.strictObject({
    model: z.literal('almgren-chriss'),
    epsilon: nonNegative,
    eta: nonNegative,
    gamma: nonNegative,
    tau: positive,
  }),
]);

export const latencySchema = z.discriminatedUnion('model', [
  z.strictObject({ model: z.literal('constant'), value: nonNegative }),
  z.strictObject({ model: z.literal('uniform'), min: nonNegative, max: nonNegative }),
  z.strictObject({ model: z.literal('lognormal'), median: nonNegative, sigma: nonNegative }),
]);

export const intensityScenarioSchema = z
  .strictObject({
    mode: z.literal('intensity'),
    name: z.string().default('intensity'),
    horizon: positive,
    dt: positive,
    timeUnitSeconds: positive.default(1),
    s0: positive,
    price: priceSchema,
    intensity: z.strictObject({ A: nonNegative, k: positive }),
    tickSize: nonNegative.default(0),
    lotSize: positive.default(1),
    initialInventoryLots: finite.default(0),
    fees: feeSchema.default({ makerBps: 0, takerBps: 0, perLot: 0 }),
    impact: impactSchema.default({ model: 'none' }),
    takerHalfSpread: nonNegative.default(0),
    inventoryLimitLots: positive.optional(),
    entryLatency: nonNegative.default(0),
    sampleEvery: z.number().int().positive().default(1),
    /** Stress scenarios laid over the session (core/stress, docs/stress.md). */
    stress: stressListSchema.optional(),
  })
  .refine((s) => s.dt <= s.horizon, { message: 'dt must not exceed horizon', path: ['dt'] })
  .refine((s) => s.entryLatency <= s.horizon, {
    message: 'must not exceed horizon (no quote would ever reach the venue)',
    path: ['entryLatency'],
  })
  .superRefine((s, ctx) => {
    addPriceOverflowIssues(s, ctx);
    addStressIssues('intensity', s, s.horizon, ctx);
    addStressOverflowIssues(s, ctx);
    if (!Number.isFinite(s.intensity.A * s.horizon))
      ctx.addIssue({
        code: 'custom',
        path: ['intensity', 'A'],
        message: `A·horizon = ${s.intensity.A * s.horizon} is not a finite number`,
      });
  });

export type IntensityScenarioConfig = z.output<typeof intensityScenarioSchema>;

export function toIntensityScenario(c: IntensityScenarioConfig): IntensityScenario {
  return {
    mode: 'intensity',
    horizon: c.horizon,
    dt: c.dt,
    s0: c.s0,
    price: c.price,
    intensity: c.intensity,
    tickSize: c.tickSize,
    lotSize: c.lotSize,
    initialInventoryLots: c.initialInventoryLots,
    fees: c.fees,
    impact: c.impact,
    takerHalfSpread: c.takerHalfSpread,
    inventoryLimitLots: c.inventoryLimitLots ?? Number.POSITIVE_INFINITY,
    entryLatency: c.entryLatency,
    sampleEvery: c.sampleEvery,
    ...(c.stress && c.stress.length > 0 ? { stress: c.stress } : {}),
  };
}

export const flowSchema = z.strictObject({
  limitRate: nonNegative.default(20),
  depthMeanTicks: finite.min(1).default(3),
  maxDepthTicks: z.number().int().min(1).default(50),
  /** Empirical placement law: weights of distances 1, 2, … ticks (replaces the geometric law). */
  placementWeights: z
    .array(nonNegative)
    .min(1)
    .max(100_000)
    .refine((w) => w.some((x) => x > 0), { message: 'at least one weight must be > 0' })
    .optional(),
  /** Cancel rates by distance from the mid, per order per second for 1, 2, … ticks (replaces cancelRate). */
  cancelRates: z.array(nonNegative).min(1).max(100_000).optional(),
  /** Limit orders are placed around the reference price (default) or the book mid. */
  anchor: z.enum(['reference', 'mid']).default('reference'),
  /** 'volatility': background rates × (σ_t/σ)² (business time following the GARCH or regime σ). */
  clock: z.enum(['calendar', 'volatility']).default('calendar'),
  /** Intraday activity: background rates × multipliers[⌊t / bucketSeconds⌋]. */
  activityProfile: z
    .strictObject({ bucketSeconds: positive, multipliers: z.array(nonNegative).min(1).max(100_000) })
    .optional(),
  limitSizeMu: finite.default(1.5),
  limitSizeSigma: nonNegative.default(0.7),
  cancelRate: nonNegative.default(0.1),
  marketRate: nonNegative.default(2),
  marketSizeMu: finite.default(1.2),
  marketSizeSigma: nonNegative.default(0.8),
  /** Informed share π of market orders (Glosten–Milgrom / Kyle informed traders; see book-sim.ts). */
  toxicShare: finite.min(0).max(1).default(0),
  /** Seconds ahead the informed traders see the reference price. */
  informedHorizon: nonNegative.default(2),
});

const defaultLatency = { model: 'constant' as const, value: 0 };

export const bookScenarioSchema = z
  .strictObject({
    mode: z.literal('book'),
    name: z.string().default('book'),
    /** Session length in seconds. */
    horizon: positive,
    warmup: nonNegative.default(30),
    timeUnitSeconds: positive.default(1),
    tickSize: positive,
    lotSize: positive.default(1),
    s0: positive,
    price: priceSchema,
    priceDt: positive.default(0.1),
    flow: flowSchema.default(flowSchema.parse({})),
    latency: z
      .strictObject({
        entry: latencySchema.default(defaultLatency),
        cancel: latencySchema.default(defaultLatency),
        marketData: latencySchema.default(defaultLatency),
      })
      .default({ entry: defaultLatency, cancel: defaultLatency, marketData: defaultLatency }),
    decisionInterval: positive.default(1),
    postOnly: z.boolean().default(true),
    fees: feeSchema.default({ makerBps: 0, takerBps: 0, perLot: 0 }),
    impact: impactSchema.default({ model: 'none' }),
    inventoryLimitLots: positive.optional(),
    initialInventoryLots: finite.default(0),
    sampleInterval: positive.default(1),
    depthLevels: z.number().int().min(1).max(50).default(5),
    /** Stress scenarios laid over the session (core/stress, docs/stress.md). */
    stress: stressListSchema.optional(),
  })
  .refine((s) => s.flow.informedHorizon <= s.warmup + s.horizon, {
    message: 'must not exceed warmup + horizon (the look-ahead buffer holds that many price steps)',
    path: ['flow', 'informedHorizon'],
  })
  .superRefine((s, ctx) => {
    addPriceOverflowIssues(s, ctx);
    addStressIssues('book', s, s.horizon, ctx);
    addStressOverflowIssues(s, ctx);
  });

export type BookScenarioConfig = z.output<typeof bookScenarioSchema>;

export function toBookScenario(c: BookScenarioConfig): BookScenario {
  return {
    mode: 'book',
    horizon: c.horizon,
    warmup: c.warmup,
    tickSize: c.tickSize,
    lotSize: c.lotSize,
    s0: c.s0,
    price: c.price,
    priceDt: c.priceDt,
    flow: c.flow,
    latency: c.latency,
    decisionInterval: c.decisionInterval,
    postOnly: c.postOnly,
    fees: c.fees,
    impact: c.impact,
    inventoryLimitLots: c.inventoryLimitLots ?? Number.POSITIVE_INFINITY,
    initialInventoryLots: c.initialInventoryLots,
    sampleInterval: c.sampleInterval,
    depthLevels: c.depthLevels,
    ...(c.stress && c.stress.length > 0 ? { stress: c.stress } : {}),
  };
}
