/**
 * The sweep config: strategies (classical specs with parameter grids, and trained RL checkpoints) ×
 * scenarios × seeds, each cell a backtest of one strategy on one scenario with `paths` paths and one
 * seed. `quotebench stress` uses the same file with a base scenario and a list of stresses in place of
 * the scenario list (the scenario axis is then: the base, and the base under each stress).
 *
 *   name: my-sweep
 *   paths: 20
 *   seeds: [1, 2, 3]
 *   scenarios:
 *     - file: as2008.yaml                 # a backtest config (e.g. a calibrated one): its scenario
 *       stress: [{ kind: volatility, … }]  # optional, applied with core/stress applyStress
 *     - scenario: { mode: intensity, … }  # inline
 *   strategies:
 *     - { type: avellaneda-stoikov, gamma: [0.01, 0.1] }
 *     - { type: policy, checkpoint: runs/sac-1, pick: best }   # a trained agent (load-policy.ts)
 *
 * `file:` paths are relative to the sweep file. Everything is checked while the file is parsed, so
 * every error names the sweep file, the line and the key: a referenced file's own errors (with its
 * file and line) are reported at the `file:` key; a strategy that cannot run on a scenario (book mode
 * without k, …) at the strategy's key, naming the scenario; a bad stress at its entry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  backtestConfigSchema,
  metricsConfigSchema,
  scenarioSchema,
  type ScenarioConfig,
} from '../backtest/config';
import { backtestLimitsSchema, checkBacktestLimits } from '../backtest/limits';
import { ConfigError, loadConfigFile } from '../config/load-config';
import { stressListSchema, applyStress } from '../stress/stress';
import { strategySpecSchema, expandGrid } from '../strategy/specs';

/** A trained RL checkpoint as a strategy: a run directory (its latest or best checkpoint) or one checkpoint. */
export const policySpecSchema = z.strictObject({
  type: z.literal('policy'),
  checkpoint: z.string().min(1),
  pick: z.enum(['latest', 'best']).default('latest'),
  name: z.string().min(1).optional(),
});
export type PolicySpec = z.output<typeof policySpecSchema>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Parse `v` with the schema `pick(v)` chose, reporting its issues under the current key: a union of
 * strict objects would report every alternative's complaints, this reports the one that was meant.
 */
function dispatch<T>(pick: (v: unknown) => z.ZodType<T>) {
  return z.unknown().transform((v, ctx): T => {
    const r = pick(v).safeParse(v);
    if (r.success) return r.data;
    for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path });
    return z.NEVER;
  });
}

const strategyEntrySchema = dispatch<z.output<typeof strategySpecSchema> | PolicySpec>((v) =>
  isObject(v) && v.type === 'policy' ? policySpecSchema : strategySpecSchema,
);

const fileScenarioSchema = z.strictObject({
  file: z.string().min(1),
  name: z.string().min(1).optional(),
  stress: stressListSchema.optional(),
});
const inlineScenarioSchema = z.strictObject({
  scenario: scenarioSchema,
  name: z.string().min(1).optional(),
  stress: stressListSchema.optional(),
});
type ScenarioEntry = z.output<typeof fileScenarioSchema> | z.output<typeof inlineScenarioSchema>;
const scenarioEntrySchema = dispatch<ScenarioEntry>((v) =>
  isObject(v) && 'file' in v ? fileScenarioSchema : inlineScenarioSchema,
);

/** One point of the stress axis: a named list of stresses, or one stress (named by its kind). */
const namedStressSchema = z.strictObject({ name: z.string().min(1), stress: stressListSchema.min(1) });
const stressEntrySchema = dispatch<z.output<typeof namedStressSchema>>((v) =>
  isObject(v) && 'kind' in v
    ? z
        .unknown()
        .pipe(stressListSchema.element)
        .transform((s) => ({ name: s.kind, stress: [s] }))
    : namedStressSchema,
);

const common = {
  name: z.string().min(1).default('sweep'),
  description: z.string().optional(),
  paths: z.number().int().positive().max(1_000_000),
  seeds: z.array(z.number().int().nonnegative().max(0xffffffff)).min(1).max(10_000),
  strategies: z.array(strategyEntrySchema).min(1),
  metrics: metricsConfigSchema.default({}),
  limits: backtestLimitsSchema.optional(),
};

/** A scenario of the sweep, resolved: its config (stresses applied) and where it came from. */
export interface SweepScenario {
  name: string;
  scenario: ScenarioConfig;
  /** The name of the stress point (stress sweeps; 'base' for the unstressed scenario). */
  stress?: string;
}

export type SweepStrategy = Record<string, unknown> & { type: string };

/** A sweep config, resolved: the scenario axis, the expanded strategies, the seeds. */
export interface SweepPlanInput {
  kind: 'sweep' | 'stress';
  name: string;
  paths: number;
  seeds: number[];
  scenarios: SweepScenario[];
  /** Concrete strategies (grids expanded; a policy's checkpoint an absolute path). */
  strategies: SweepStrategy[];
  metrics: z.output<typeof metricsConfigSchema>;
  limits?: z.output<typeof backtestLimitsSchema> | undefined;
}

function resolveScenario(
  e: ScenarioEntry,
  baseDir: string,
  at: (string | number)[],
  ctx: z.RefinementCtx,
): SweepScenario | undefined {
  let sc: ScenarioConfig;
  if ('file' in e) {
    const file = path.resolve(baseDir, e.file);
    try {
      sc = loadConfigFile(file, backtestConfigSchema).scenario;
    } catch (err) {
      // A ConfigError names the referenced file, its line and key already.
      const message = err instanceof ConfigError ? err.message : `${file}: ${(err as Error).message}`;
      ctx.addIssue({ code: 'custom', path: [...at, 'file'], message });
      return undefined;
    }
  } else sc = e.scenario;
  if (e.stress !== undefined && e.stress.length > 0) {
    try {
      sc = applyStress(sc, e.stress);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: [...at, 'stress'], message: (err as Error).message });
      return undefined;
    }
  }
  const name = e.name ?? sc.name;
  return { name, scenario: { ...sc, name } };
}

function resolveStrategies(
  list: (z.output<typeof strategySpecSchema> | PolicySpec)[],
  baseDir: string,
  ctx: z.RefinementCtx,
): SweepStrategy[] {
  const out: SweepStrategy[] = [];
  list.forEach((s, i) => {
    if (s.type === 'policy') {
      const dir = path.resolve(baseDir, s.checkpoint);
      if (!fs.existsSync(dir)) {
        ctx.addIssue({
          code: 'custom',
          path: ['strategies', i, 'checkpoint'],
          message: `${dir} does not exist`,
        });
        return;
      }
      out.push({ ...s, checkpoint: dir });
    } else for (const run of expandGrid(s)) out.push(run as SweepStrategy);
  });
  return out;
}

/**
 * Every classical strategy must be able to run on every scenario: the backtest schema's cross checks
 * (book mode needs A and k, overflow of γσ²T, …) and limits, reported at the strategy, naming the scenario.
 */
function checkCells(plan: SweepPlanInput, raw: { strategies: unknown[] }, ctx: z.RefinementCtx): void {
  const index: number[] = [];
  raw.strategies.forEach((s, i) => {
    const n = isObject(s) && s.type !== 'policy' ? expandGrid(s as never).length : 1;
    for (let k = 0; k < n; k++) index.push(i);
  });
  for (const sc of plan.scenarios) {
    plan.strategies.forEach((s, j) => {
      if (s.type === 'policy') return;
      const i = index[j] ?? j;
      const cfg = backtestConfigSchema.safeParse({
        name: plan.name,
        seed: plan.seeds[0] ?? 0,
        paths: plan.paths,
        scenario: sc.scenario,
        strategies: [s],
        metrics: plan.metrics,
        ...(plan.limits !== undefined ? { limits: plan.limits } : {}),
      });
      if (!cfg.success) {
        for (const issue of cfg.error.issues) {
          const [head, , ...rest] = issue.path;
          const p = head === 'strategies' ? ['strategies', i, ...rest] : ['scenarios'];
          ctx.addIssue({
            code: 'custom',
            path: p as (string | number)[],
            message: `on scenario ${sc.name}: ${issue.message}`,
          });
        }
        return;
      }
      try {
        checkBacktestLimits(cfg.data, { keepPaths: 0 });
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['strategies', i],
          message: `on scenario ${sc.name}: ${(err as Error).message}`,
        });
      }
    });
  }
}

/** The plan of a sweep or stress file once its scenarios are resolved: strategies resolved, cells checked. */
function finishPlan(
  kind: SweepPlanInput['kind'],
  c: z.output<z.ZodObject<typeof common>>,
  scenarios: SweepScenario[],
  baseDir: string,
  ctx: z.RefinementCtx,
): SweepPlanInput {
  const plan: SweepPlanInput = {
    kind,
    name: c.name,
    paths: c.paths,
    seeds: c.seeds,
    scenarios,
    strategies: resolveStrategies(c.strategies, baseDir, ctx),
    metrics: c.metrics,
    limits: c.limits,
  };
  checkCells(plan, c, ctx);
  return plan;
}

/** The schema of a sweep file in `baseDir` (its `file:` and checkpoint paths are relative to it). */
export function sweepConfigSchema(baseDir: string) {
  return z
    .strictObject({ ...common, scenarios: z.array(scenarioEntrySchema).min(1).max(1000) })
    .transform((c, ctx): SweepPlanInput => {
      const scenarios: SweepScenario[] = [];
      c.scenarios.forEach((e, i) => {
        const s = resolveScenario(e, baseDir, ['scenarios', i], ctx);
        if (s) scenarios.push(s);
      });
      const names = new Set<string>();
      scenarios.forEach((s, i) => {
        if (names.has(s.name))
          ctx.addIssue({
            code: 'custom',
            path: ['scenarios', i, 'name'],
            message: `two scenarios are named ${s.name}: give one a name`,
          });
        names.add(s.name);
      });
      return finishPlan('sweep', c, scenarios, baseDir, ctx);
    });
}

/**
 * The schema of a stress file: `scenario:` (one entry, as in a sweep's list) and `stresses:` (each a
 * stress spec, or `{ name, stress: [...] }` for a composition). The scenario axis is the base ('base')
 * and the base under each stress ("<base>+<stress name>").
 */
export function stressSweepConfigSchema(baseDir: string) {
  return z
    .strictObject({
      ...common,
      name: z.string().min(1).default('stress'),
      scenario: scenarioEntrySchema,
      stresses: z.array(stressEntrySchema).min(1).max(64),
    })
    .transform((c, ctx): SweepPlanInput => {
      const base = resolveScenario(c.scenario, baseDir, ['scenario'], ctx);
      const scenarios: SweepScenario[] = [];
      if (base) {
        scenarios.push({ ...base, stress: 'base' });
        const names = new Set<string>();
        c.stresses.forEach((s, i) => {
          if (names.has(s.name)) {
            ctx.addIssue({
              code: 'custom',
              path: ['stresses', i],
              message: `two stresses are named ${s.name}`,
            });
            return;
          }
          names.add(s.name);
          try {
            const name = `${base.name}+${s.name}`;
            scenarios.push({
              name,
              stress: s.name,
              scenario: { ...applyStress(base.scenario, s.stress), name },
            });
          } catch (err) {
            ctx.addIssue({ code: 'custom', path: ['stresses', i], message: (err as Error).message });
          }
        });
      }
      return finishPlan('stress', c, scenarios, baseDir, ctx);
    });
}

/** Load a sweep (or, with kind 'stress', a stress sweep) file; ConfigError names file, line and key. */
export function loadSweepConfig(file: string, kind: 'sweep' | 'stress' = 'sweep'): SweepPlanInput {
  const dir = path.dirname(path.resolve(file));
  return loadConfigFile(file, kind === 'sweep' ? sweepConfigSchema(dir) : stressSweepConfigSchema(dir));
}
