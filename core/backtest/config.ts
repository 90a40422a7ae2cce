/**
 * The backtest config file: one scenario, a list of strategies (each possibly a parameter grid), a seed
 * and a number of paths. Path i of every strategy uses the same random streams (deriveSeed(seed, i, …)),
 * so strategies are compared on identical markets.
 */
import { z } from 'zod';
import { backtestLimitsSchema } from './limits';
import { annualization, type Annualization } from '../metrics/annualization';
import { strategySpecSchema, type StrategySpec } from '../strategy/specs';
import { bookScenarioSchema, intensityScenarioSchema } from '../sim/scenario';
import { replayScenarioSchema } from '../replay/scenario';

export const scenarioSchema = z.discriminatedUnion('mode', [
  intensityScenarioSchema,
  bookScenarioSchema,
  replayScenarioSchema,
]);
export type ScenarioConfig = z.output<typeof scenarioSchema>;

export const metricsConfigSchema = z.strictObject({
  /** Horizon (scenario time units) for the marked-out realized spread; default 10 bars. */
  markoutHorizon: z.number().finite().nonnegative().optional(),
  /**
   * Annualisation of the session Sharpe, Sortino and Calmar (core/metrics/annualization.ts): a calendar
   * (equities: 252 days × 6.5 h, the default; crypto: 365 × 24 h), whose days and hours may be
   * overridden, or sessionsPerYear directly.
   */
  calendar: z.enum(['equities', 'crypto']).optional(),
  tradingDaysPerYear: z.number().finite().positive().max(366).optional(),
  tradingHoursPerDay: z.number().finite().positive().max(24).optional(),
  sessionsPerYear: z.number().finite().positive().optional(),
  /** Removed (issue 10): ratios are no longer annualised from bars; rejected with a pointer. */
  periodsPerYear: z
    .unknown()
    .optional()
    .refine((v) => v === undefined, {
      message:
        'periodsPerYear was removed: Sharpe, Sortino and Calmar are per session now; set calendar, ' +
        'tradingDaysPerYear, tradingHoursPerDay or sessionsPerYear (docs/metrics.md)',
    }),
});
export type MetricsConfig = z.output<typeof metricsConfigSchema>;

export const backtestConfigSchema = z
  .strictObject({
    name: z.string().min(1).default('backtest'),
    description: z.string().optional(),
    seed: z.number().int().nonnegative().max(0xffffffff),
    paths: z.number().int().positive().max(1_000_000),
    scenario: scenarioSchema,
    strategies: z.array(strategySpecSchema).min(1),
    metrics: metricsConfigSchema.default({}),
    /**
     * Raise the limits on the work and memory of the job (core/backtest/limits.ts), e.g.
     * `limits: { maxPathSteps: 1e11 }`. Keys and defaults: maxPathSteps 1e10 (paths × steps of a run),
     * maxRuns 10000 (grid combinations), maxTotalSteps 2e10 (runs × paths × steps), maxSeriesBars 1e7
     * (bars per path), maxRunBars 1e8 (paths × bars), maxFillsPerPath 5e7, maxKeptBytes 1e9 (kept paths).
     */
    limits: backtestLimitsSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    cfg.strategies.forEach((s, i) => addQuoterOverflowIssues(s, cfg.scenario, ['strategies', i], ctx));
    // Without an intensity model the quoters' A and k cannot be defaulted from the scenario (nor σ in a
    // replay, which has no price model).
    if (cfg.scenario.mode === 'intensity') return;
    const replay = cfg.scenario.mode === 'replay';
    cfg.strategies.forEach((s, i) => {
      const needs =
        s.type === 'glft'
          ? replay
            ? (['A', 'k', 'sigma'] as const)
            : (['A', 'k'] as const)
          : s.type === 'avellaneda-stoikov'
            ? replay
              ? (['k', 'sigma'] as const)
              : (['k'] as const)
            : [];
      for (const key of needs) {
        if ((s as Record<string, unknown>)[key] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['strategies', i, key],
            message: replay
              ? `required in replay mode (a recorded market has no model to take ${key} from; quotebench calibrate estimates it)`
              : `required in book mode (the scenario has no intensity model to take ${key} from)`,
          });
        }
      }
    });
  });

export type BacktestConfig = z.output<typeof backtestConfigSchema>;

const values = (v: number | number[] | undefined): number[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
/** Largest of a grid value and `dflt` (a loop: a grid may be too long to spread into Math.max). */
const maxOf = (v: number | number[] | undefined, dflt: number): number =>
  values(v).reduce((m, x) => (x > m ? x : m), dflt);
/** Smallest of a grid value, or `dflt` when it is not given. */
const minOf = (v: number | number[] | undefined, dflt: number): number =>
  values(v).reduce((m, x) => (x < m ? x : m), values(v)[0] ?? dflt);

/**
 * Quantities the AS and GLFT quoters compute that must stay finite (statically, at the extremes of the
 * grid): γσ²T (the AS reservation-price shift), and for GLFT α = (k/2)γσ², α·Q²·T (the exponent of
 * its matrix exponential) and the asymptotic slope σ²γ/(2kA)·(1 + γ/k)^{1 + k/γ}. σ, A and k default
 * to the scenario's (σ·s0 for gbm, the largest regime σ); T is the window or the horizon.
 */
export function addQuoterOverflowIssues(
  s: StrategySpec,
  sc: ScenarioConfig,
  at: (string | number)[],
  ctx: z.RefinementCtx,
): void {
  if (s.type === 'fixed-spread' || s.type === 'random') return;
  // A replay has no price model to default σ from, and its horizon is the data's (checked at run time).
  if (sc.mode === 'replay') return;
  const scSigma = maxOf(sc.price.regimes?.sigmas, sc.price.sigma) * (sc.price.model === 'gbm' ? sc.s0 : 1);
  const gamma = maxOf(s.gamma, 0);
  const sigma = s.sigma === undefined ? scSigma : maxOf(s.sigma, 0);
  const T = s.window === undefined ? sc.horizon : maxOf(s.window, 0);
  const issue = (key: string, message: string): void =>
    ctx.addIssue({ code: 'custom', path: [...at, key], message });
  // A scenario σ that overflows is reported by the scenario schema, under its own key.
  if (!Number.isFinite(sigma * sigma)) {
    if (s.sigma !== undefined) issue('sigma', `σ² = ${sigma * sigma} overflows`);
    return;
  }
  if (!Number.isFinite(gamma * sigma * sigma * T))
    return issue('gamma', `γσ²T = ${gamma * sigma * sigma * T} is not a finite number`);
  if (s.type !== 'glft') return;
  const k = sc.mode === 'intensity' ? sc.intensity.k : Number.NaN;
  const A = sc.mode === 'intensity' ? sc.intensity.A : Number.NaN;
  const kMax = s.k === undefined ? k : maxOf(s.k, 0);
  const kMin = s.k === undefined ? k : minOf(s.k, k);
  const aMin = s.A === undefined ? A : minOf(s.A, A);
  if (!(kMax > 0 && kMin > 0 && aMin > 0)) return; // book mode without A/k: reported elsewhere
  const alphaQ2T = (kMax / 2) * gamma * sigma * sigma * maxOf(s.Q, 0) ** 2 * T;
  if (!Number.isFinite(alphaQ2T)) return issue('gamma', `(k/2)γσ²·Q²·T = ${alphaQ2T} is not a finite number`);
  const slope =
    ((sigma * sigma * gamma) / (2 * kMin * aMin)) * Math.exp((1 + kMin / gamma) * Math.log1p(gamma / kMin));
  if (!Number.isFinite(slope))
    issue('gamma', `σ²γ/(2kA)·(1 + γ/k)^(1 + k/γ) = ${slope} is not a finite number`);
}

/**
 * Session length in scenario time units: the scenario's horizon; for a replay the session window
 * (`to − from`), or `replayHorizon` (the length of the data, known once the dataset is loaded).
 */
export function scenarioHorizon(sc: ScenarioConfig, replayHorizon?: number): number {
  if (sc.mode !== 'replay') return sc.horizon;
  if (replayHorizon !== undefined) return replayHorizon;
  if (sc.to !== undefined) return sc.to - sc.from;
  throw new RangeError('the horizon of a replay without scenario.to is known once its dataset is loaded');
}

/** Length of one recorded bar in scenario time units. */
export function barLength(sc: ScenarioConfig): number {
  return sc.mode === 'intensity' ? sc.dt * sc.sampleEvery : sc.sampleInterval;
}

/** A config with a scenario and, optionally, metric overrides (backtests; training configs have none). */
type MetricsSource = {
  scenario: ScenarioConfig;
  metrics?: Partial<Omit<MetricsConfig, 'periodsPerYear'>> | undefined;
};

/**
 * The annualisation basis of a config's runs: one path is one session of horizon × timeUnitSeconds
 * seconds (in intensity mode too: AS 2008's T = 1 is one day with `timeUnitSeconds: 86400`, so one
 * session per trading day), on the config's calendar (default equities: 252 days × 6.5 h).
 */
export function annualizationOf(cfg: MetricsSource, replayHorizon?: number): Annualization {
  const m = cfg.metrics;
  return annualization({
    sessionSeconds: scenarioHorizon(cfg.scenario, replayHorizon) * cfg.scenario.timeUnitSeconds,
    calendar: m?.calendar,
    tradingDaysPerYear: m?.tradingDaysPerYear,
    tradingHoursPerDay: m?.tradingHoursPerDay,
    sessionsPerYear: m?.sessionsPerYear,
  });
}

/** The options of computeRunMetrics for a config. */
export function metricOptionsOf(
  cfg: MetricsSource,
  replayHorizon?: number,
): { sessionsPerYear: number; markoutHorizon: number } {
  return {
    sessionsPerYear: annualizationOf(cfg, replayHorizon).sessionsPerYear,
    markoutHorizon: markoutHorizon(cfg),
  };
}

/** Mark-out horizon of the realized-spread metrics: 10 bars unless the config says otherwise. */
export function markoutHorizon(cfg: MetricsSource): number {
  return cfg.metrics?.markoutHorizon ?? 10 * barLength(cfg.scenario);
}
