/**
 * Strategy specifications as they appear in configs. Any numeric parameter may be a list, which makes
 * a grid: `gamma: [0.1, 0.01, 0.5]` expands into three runs (the cartesian product over all list-valued
 * parameters, in key order). Model parameters a quoter needs but the spec leaves out (σ, A, k) are taken
 * from the scenario, i.e. the quoter knows the true model; set them to study misspecification.
 */
import { z } from 'zod';

const finite = z.number().finite();
const positive = finite.positive();
const nonNegative = finite.nonnegative();

function grid<T extends z.ZodType<number>>(s: T) {
  return z.union([s, z.array(s).min(1)]);
}

export const fixedSpreadSpecSchema = z.strictObject({
  type: z.literal('fixed-spread'),
  name: z.string().min(1).optional(),
  halfSpread: grid(positive),
  skewPerLot: grid(nonNegative).default(0),
  orderSizeLots: grid(positive).default(1),
  maxInventoryLots: grid(positive).optional(),
});

export const avellanedaStoikovSpecSchema = z.strictObject({
  type: z.literal('avellaneda-stoikov'),
  name: z.string().min(1).optional(),
  variant: z.enum(['inventory', 'symmetric']).default('inventory'),
  gamma: grid(positive),
  sigma: grid(positive).optional(),
  k: grid(positive).optional(),
  window: grid(positive).optional(),
  orderSizeLots: grid(positive).default(1),
  maxInventoryLots: grid(positive).optional(),
});

export const glftSpecSchema = z.strictObject({
  type: z.literal('glft'),
  name: z.string().min(1).optional(),
  method: z.enum(['exact', 'asymptotic']).default('exact'),
  gamma: grid(positive),
  sigma: grid(positive).optional(),
  A: grid(positive).optional(),
  k: grid(positive).optional(),
  Q: grid(z.number().int().positive()).default(10),
  window: grid(positive).optional(),
  orderSizeLots: grid(positive).default(1),
});

/** Uniform random distances from the mid in [minOffset, maxOffset] on each side: the floor to beat. */
export const randomSpecSchema = z
  .strictObject({
    type: z.literal('random'),
    name: z.string().min(1).optional(),
    minOffset: grid(nonNegative),
    maxOffset: grid(positive),
    orderSizeLots: grid(positive).default(1),
    /** Seed of the quoter's own draws (combined with each path's seed and index). */
    seed: grid(z.number().int().nonnegative()).default(0),
  })
  .refine(
    (s) => {
      const los = Array.isArray(s.minOffset) ? s.minOffset : [s.minOffset];
      const his = Array.isArray(s.maxOffset) ? s.maxOffset : [s.maxOffset];
      return Math.max(...los) <= Math.min(...his);
    },
    { message: 'minOffset must not exceed maxOffset', path: ['maxOffset'] },
  );

export const strategySpecSchema = z.discriminatedUnion('type', [
  fixedSpreadSpecSchema,
  avellanedaStoikovSpecSchema,
  glftSpecSchema,
  randomSpecSchema,
]);

export type StrategySpec = z.output<typeof strategySpecSchema>;

/** A spec with every grid expanded: all numeric values are scalars. */
export type ConcreteSpec = { [K in keyof StrategySpec]: Exclude<StrategySpec[K], number[]> } & {
  type: StrategySpec['type'];
};

/**
 * Number of runs a spec expands into (the product of its list lengths), computed without expanding:
 * the limits check (core/backtest/limits.ts) calls it before anything is allocated.
 */
export function gridSize(spec: StrategySpec): number {
  let n = 1;
  for (const value of Object.values(spec)) if (Array.isArray(value)) n *= value.length;
  return n;
}

/** Expand list-valued parameters into the cartesian product, in key order. */
export function expandGrid(spec: StrategySpec): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      const next: Record<string, unknown>[] = [];
      for (const partial of out) for (const v of value) next.push({ ...partial, [key]: v });
      out = next;
    } else {
      for (const partial of out) partial[key] = value;
    }
  }
  return out;
}
