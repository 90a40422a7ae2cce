/**
 * The backtest config file: one scenario, a list of strategies (each possibly a parameter grid), a seed
 * and a number of paths. Path i of every strategy uses the same random streams (deriveSeed(seed, i, …)),
 * so strategies are compared on identical markets.
 */
import { z } from 'zod';
import { strategySpecSchema } from '../strategy/specs';
import { bookScenarioSchema, intensityScenarioSchema } from './scenario';

export const scenarioSchema = z.discriminatedUnion('mode', [intensityScenarioSchema, bookScenarioSchema]);
export type ScenarioConfig = z.output<typeof scenarioSchema>;

export const metricsConfigSchema = z.strictObject({
  /** Horizon (scenario time units) for the marked-out realized spread; default 10 bars. */
  markoutHorizon: z.number().finite().nonnegative().optional(),
  /** Bars per year for annualizing Sharpe, Sortino and Calmar; default from the bar length. */
  periodsPerYear: z.number().finite().positive().optional(),
});

export const backtestConfigSchema = z
  .strictObject({
    name: z.string().min(1).default('backtest'),
    description: z.string().optional(),
    seed: z.number().int().nonnegative().max(0xffffffff),
    paths: z.number().int().positive().max(1_000_000),
    scenario: scenarioSchema,
    strategies: z.array(strategySpecSchema).min(1),
    metrics: metricsConfigSchema.default({}),
  })
  .superRefine((cfg, ctx) => {
    // Without an intensity model the quoters' A and k cannot be defaulted from the scenario.
    if (cfg.scenario.mode !== 'book') return;
    cfg.strategies.forEach((s, i) => {
      const needs =
        s.type === 'glft' ? (['A', 'k'] as const) : s.type === 'avellaneda-stoikov' ? (['k'] as const) : [];
      for (const key of needs) {
        if ((s as Record<string, unknown>)[key] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['strategies', i, key],
            message: `required in book mode (the scenario has no intensity model to take ${key} from)`,
          });
        }
      }
    });
  });

export type BacktestConfig = z.output<typeof backtestConfigSchema>;

const SECONDS_PER_YEAR = 365 * 86_400;

/** Length of one recorded bar in scenario time units. */
export function barLength(sc: ScenarioConfig): number {
  return sc.mode === 'intensity' ? sc.dt * sc.sampleEvery : sc.sampleInterval;
}

/** A config with a scenario and, optionally, metric overrides (backtests; training configs have none). */
type MetricsSource = {
  scenario: ScenarioConfig;
  metrics?: { periodsPerYear?: number | undefined; markoutHorizon?: number | undefined };
};

/** Annualization: bars per (365-day) year unless the config says otherwise. */
export function periodsPerYear(cfg: MetricsSource): number {
  return (
    cfg.metrics?.periodsPerYear ?? SECONDS_PER_YEAR / (barLength(cfg.scenario) * cfg.scenario.timeUnitSeconds)
  );
}

/** Mark-out horizon of the realized-spread metrics: 10 bars unless the config says otherwise. */
export function markoutHorizon(cfg: MetricsSource): number {
  return cfg.metrics?.markoutHorizon ?? 10 * barLength(cfg.scenario);
}
