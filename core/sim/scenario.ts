/**
 * Scenario schemas: what market a backtest runs in. Validated with zod (strict: unknown keys are
 * errors), with defaults a market-making researcher would expect, then normalized into the plain
 * objects the simulators take.
 *
 * Units: `horizon`, `dt`, latencies and intensities use the scenario's time unit; `timeUnitSeconds`
 * says how long one unit is in seconds (86 400 when T = 1 is a trading day), which fixes the
 * annualization of Sharpe-type metrics (see docs/metrics.md).
 */
import { z } from 'zod';
import type { IntensityScenario } from './intensity-sim';

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

export const priceSchema = z.strictObject({
  model: z.enum(['abm', 'gbm']).default('abm'),
  sigma: positive,
  drift: finite.default(0),
  increments: z.enum(['gaussian', 'binomial']).default('gaussian'),
  regimes: regimeSchema.optional(),
  jumps: z.strictObject({ rate: nonNegative, mean: finite.default(0), std: nonNegative }).optional(),
});

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
  })
  .refine((s) => s.dt <= s.horizon, { message: 'dt must not exceed horizon', path: ['dt'] });

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
  };
}
