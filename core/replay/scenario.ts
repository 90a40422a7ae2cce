/**
 * The `scenario.mode: replay` config: a dataset of the catalog replayed as the market (./replay-market.ts).
 *
 *   scenario:
 *     mode: replay
 *     dataset: AMZN_2012-06-21      # id, unique id prefix or name (quotebench data list)
 *     from: 0                       # session start, seconds after the dataset's first event
 *     to: 3600                      # session end (default: the end of the data)
 *     lotSize: 100                  # venue units (shares, coins) per lot
 *     queue: { model: fifo }        # fifo (L3 only) | risk-averse | prob-power (n) | prob-log; default: fifo on L3 data, else risk-averse
 *     latency: { entry: {model: constant, value: 0.001}, cancel: …, marketData: … }
 *              # or { model: recorded, floor: 0, orderMultiplier: 1 } (from the capture's receive times)
 *     fees: { makerBps: -0.2, takerBps: 3 }
 *     decisionInterval: 1
 *     stress:                       # latency-shock and fee-change only (core/stress, docs/stress.md)
 *       - { kind: latency-shock, onset: 600, duration: 60, magnitude: 0.05 }
 */
import { z } from 'zod';
import { feeSchema, latencySchema } from '../sim/scenario';
import type { QueueModelSpec } from '../sim/models/queue';
import { addStressIssues, stressListSchema } from '../stress/stress';
import type { ReplayLatencySpec, ReplayScenario } from './replay-market';
import type { ReplayTape } from './tape';

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();
const defaultLatency = { model: 'constant' as const, value: 0 };

export const queueSchema = z.discriminatedUnion('model', [
  z.strictObject({ model: z.literal('fifo') }),
  z.strictObject({ model: z.literal('risk-averse') }),
  z.strictObject({ model: z.literal('prob-power'), n: positive.max(100).default(2) }),
  z.strictObject({ model: z.literal('prob-log') }),
]);

export const replayLatencySchema = z.union([
  z.strictObject({
    model: z.literal('recorded'),
    floor: nonNegative.default(0),
    orderMultiplier: nonNegative.default(1),
  }),
  z.strictObject({
    entry: latencySchema.default(defaultLatency),
    cancel: latencySchema.default(defaultLatency),
    marketData: latencySchema.default(defaultLatency),
  }),
]);

export const replayScenarioSchema = z
  .strictObject({
    mode: z.literal('replay'),
    name: z.string().default('replay'),
    dataset: z.string().min(1),
    from: nonNegative.default(0),
    to: positive.optional(),
    /** Override of the tick size inferred from the data's prices. */
    tickSize: positive.optional(),
    timeUnitSeconds: z.literal(1).default(1),
    lotSize: positive.default(1),
    queue: queueSchema.optional(),
    latency: replayLatencySchema.default({
      entry: defaultLatency,
      cancel: defaultLatency,
      marketData: defaultLatency,
    }),
    decisionInterval: positive.default(1),
    sampleInterval: positive.default(1),
    depthLevels: z.number().int().min(1).max(50).default(5),
    postOnly: z.boolean().default(true),
    fees: feeSchema.default({ makerBps: 0, takerBps: 0, perLot: 0 }),
    inventoryLimitLots: positive.optional(),
    initialInventoryLots: z.number().finite().default(0),
    /** Stress scenarios (core/stress): latency-shock and fee-change; times from the session start. */
    stress: stressListSchema.optional(),
  })
  .refine((s) => s.to === undefined || s.to > s.from, { message: 'must be greater than from', path: ['to'] })
  .superRefine((s, ctx) =>
    addStressIssues('replay', { stress: s.stress }, s.to === undefined ? undefined : s.to - s.from, ctx),
  );

export type ReplayScenarioConfig = z.output<typeof replayScenarioSchema>;

/** The queue model a config asks for: its own, else exact FIFO on L3 data and risk-averse on L2. */
export function queueOf(c: ReplayScenarioConfig, tape: Pick<ReplayTape, 'l3'>): QueueModelSpec {
  return c.queue ?? (tape.l3 ? { model: 'fifo' } : { model: 'risk-averse' });
}

export function toReplayScenario(c: ReplayScenarioConfig, tape: Pick<ReplayTape, 'l3'>): ReplayScenario {
  const latency: ReplayLatencySpec =
    'model' in c.latency
      ? { model: 'recorded', floor: c.latency.floor, orderMultiplier: c.latency.orderMultiplier }
      : { model: 'sampled', ...c.latency };
  return {
    mode: 'replay',
    from: c.from,
    to: c.to ?? Number.POSITIVE_INFINITY,
    decisionInterval: c.decisionInterval,
    sampleInterval: c.sampleInterval,
    depthLevels: c.depthLevels,
    lotSize: c.lotSize,
    postOnly: c.postOnly,
    fees: c.fees,
    latency,
    queue: queueOf(c, tape),
    inventoryLimitLots: c.inventoryLimitLots ?? Number.POSITIVE_INFINITY,
    initialInventoryLots: c.initialInventoryLots,
    ...(c.stress && c.stress.length > 0 ? { stress: c.stress } : {}),
  };
}
