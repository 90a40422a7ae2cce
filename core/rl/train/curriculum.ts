/**
 * Curriculum learning (Bengio, Louradour, Collobert & Weston, "Curriculum learning", ICML 2009; for
 * RL the threshold-gated schedules surveyed by Narvekar et al., JMLR 2020): the agent trains on easier
 * versions of its market first and moves to the next, harder one when its periodic evaluation passes
 * a threshold.
 *
 *   curriculum:
 *     stages:
 *       - scenario: { price: { sigma: 0.5 } }           # stage 0: the run's scenario with these overrides
 *         advanceWhen: { evalReturnAtLeast: 40 }
 *       - scenario: { price: { sigma: 1 } }             # stage 1
 *         advanceWhen: { evalReturnAtLeast: 50 }
 *     # stage 2 (= stages.length): the run's own `scenario`, the final one; training stays there.
 *
 * Semantics (implemented once, in the generic trainer, core/rl/train/trainer.ts, for every algorithm):
 * - Stage k < S (S = stages.length) trains and evaluates on the run's scenario with stages[k].scenario
 *   deep-merged into it (objects merge key by key; an object whose `model` differs from the base's
 *   replaces it, so a latency or price model can be swapped; arrays and values replace). Stage S is the
 *   run's scenario itself, so the curriculum always ends on the problem the config names.
 * - After each periodic evaluation (budget.evalEvery, on budget.evalEpisodes held-out paths of the
 *   current stage), the stage advances by one when the mean evaluation return is ≥
 *   stages[k].advanceWhen.evalReturnAtLeast. At most one stage per evaluation.
 * - A new stage reaches the evaluation env at once and each training env at its next reset (a running
 *   episode finishes on the simulator it began on). The stage, and the stage each training env is
 *   running, are checkpointed, so a resumed run continues as if it never stopped.
 * - Overrides change difficulty, not the shape of the problem: `mode`, `horizon`, `dt`, `tickSize`,
 *   `lotSize`, `decisionInterval` and `warmup` may not be overridden (they change episode length,
 *   the action grid or the observation), and replay scenarios (a recorded market) take no curriculum.
 */
import { z } from 'zod';
import { scenarioSchema, type ScenarioConfig } from '../../backtest/config';

export const curriculumStageSchema = z.strictObject({
  /** Overrides deep-merged into the run's scenario (e.g. price.sigma, flow.toxicShare, latency, inventoryLimitLots). */
  scenario: z.record(z.string(), z.unknown()).default({}),
  advanceWhen: z.strictObject({
    /** Move to the next stage when a periodic evaluation's mean return is at least this. */
    evalReturnAtLeast: z.number().finite(),
  }),
});

export const curriculumConfigSchema = z.strictObject({
  stages: z.array(curriculumStageSchema).min(1).max(32),
});

export type CurriculumConfig = z.output<typeof curriculumConfigSchema>;

/** Scenario keys a stage may not override (see the module header). */
export const FIXED_SCENARIO_KEYS = [
  'mode',
  'horizon',
  'dt',
  'tickSize',
  'lotSize',
  'decisionInterval',
  'warmup',
] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** `base` with `over` deep-merged into it (see the module header); neither is modified. */
export function mergeOverrides(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  if ('model' in over && over.model !== base.model) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeOverrides(base[k], v) : v;
  return out;
}

export interface StageIssue {
  stage: number;
  /** Path inside the stage's `scenario` overrides. */
  path: (string | number)[];
  message: string;
}

/**
 * The scenario of every stage (S + 1 of them, the last the run's own), or the problems with the
 * overrides (paths relative to the stage's `scenario`).
 */
export function stageScenarios(
  scenario: ScenarioConfig,
  cur: CurriculumConfig,
): { scenarios: ScenarioConfig[]; issues: StageIssue[] } {
  const scenarios: ScenarioConfig[] = [];
  const issues: StageIssue[] = [];
  if (scenario.mode === 'replay')
    issues.push({
      stage: 0,
      path: [],
      message: 'a replay scenario (a recorded market) cannot have a curriculum',
    });
  cur.stages.forEach((st, stage) => {
    for (const k of FIXED_SCENARIO_KEYS)
      if (k in st.scenario)
        issues.push({
          stage,
          path: [k],
          message: 'a curriculum stage may not change it (it changes the shape of the problem)',
        });
    const r = scenarioSchema.safeParse(mergeOverrides(scenario, st.scenario));
    if (r.success) scenarios.push(r.data);
    else
      for (const i of r.error.issues)
        issues.push({
          stage,
          path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
          message: i.message,
        });
  });
  scenarios.push(scenario);
  return { scenarios, issues };
}

/** The schedule's state: the current stage and the advance rule. */
export class Curriculum {
  readonly scenarios: readonly ScenarioConfig[];
  private current = 0;

  constructor(
    scenario: ScenarioConfig,
    readonly config: CurriculumConfig,
  ) {
    const { scenarios, issues } = stageScenarios(scenario, config);
    const first = issues[0];
    if (first !== undefined)
      throw new RangeError(
        `curriculum.stages.${first.stage}.scenario.${first.path.join('.')}: ${first.message}`,
      );
    this.scenarios = scenarios;
  }

  /** Index of the final stage (the run's own scenario). */
  get finalStage(): number {
    return this.config.stages.length;
  }

  get stage(): number {
    return this.current;
  }

  /** Set the stage (a resumed run). */
  set stage(k: number) {
    if (!(Number.isInteger(k) && k >= 0 && k <= this.finalStage))
      throw new RangeError(`Curriculum: stage must be an integer in [0, ${this.finalStage}] (got ${k})`);
    this.current = k;
  }

  /** Threshold of the current stage (undefined on the final stage). */
  get threshold(): number | undefined {
    return this.config.stages[this.current]?.advanceWhen.evalReturnAtLeast;
  }

  /** After an evaluation: advance one stage when evalReturn ≥ the current threshold. Returns whether it did. */
  afterEvaluation(evalReturn: number): boolean {
    const t = this.threshold;
    if (t === undefined || !(evalReturn >= t)) return false;
    this.current++;
    return true;
  }
}
