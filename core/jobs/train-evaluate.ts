/**
 * `train.evaluate` inside a training worker: a checkpoint's policy (as a Quoter) against the
 * Avellaneda–Stoikov and GLFT baselines of the run's config (env-factory.ts makeBaselineQuoter), on
 * held-out paths (evaluationSeed(cfg), paths 0 … episodes − 1: never training paths), with the run's
 * reward and episode horizon, by core/rl/eval/evaluate.ts (means over paths with bootstrap CIs, and
 * paired tests of the policy against each baseline, Holm-adjusted). These baselines are untuned (the
 * config's parameters); `quotebench eval` is the tuned, reportable comparison. Annualization and markout
 * horizon follow the backtest defaults (a 365-day year of bars; 10 bars).
 * The checkpoint's policy comes in as a Quoter through a CheckpointQuoterLoader (train-worker.ts binds
 * it to core/rl/train/load-policy.ts).
 */
import type { TrainEvalReport } from '../api/contract';
import { evaluate, compareAgents, PATH_METRIC_KEYS, type EvalResult } from '../rl/eval/evaluate';
import { evaluationSeed, type TrainConfig } from '../rl/train/config';
import { makeBaselineQuoter } from '../rl/train/env-factory';
import { metricOptionsOf } from '../backtest/config';
import type { Quoter } from '../strategy/quoter';
import type { EvaluateRequest } from './train-protocol';

/** Loads checkpoint `checkpointId` of the run in `runDir` as a Quoter (with its step). */
export type CheckpointQuoterLoader = (
  cfg: TrainConfig,
  runDir: string,
  checkpointId: string | undefined,
) => Promise<{ quoter: Quoter; checkpoint: string; step: number; dispose?: () => void }>;

export interface EvaluateCheckpointOptions {
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /** Polled inside the paths (evaluate.ts): true cancels with an AbortError. */
  shouldStop?: () => boolean;
}

/** Evaluate `agent` (the checkpoint's policy) against the run's baselines; the API's report shape. */
export function evaluateAgainstBaselines(
  cfg: TrainConfig,
  req: Pick<EvaluateRequest, 'runId' | 'episodes'>,
  agent: { quoter: Quoter; checkpoint: string; step: number },
  opts: EvaluateCheckpointOptions = {},
): TrainEvalReport {
  const baselines = [makeBaselineQuoter(cfg, 'as'), makeBaselineQuoter(cfg, 'glft')];
  const result = evaluate({
    scenario: cfg.scenario,
    quoters: [agent.quoter, ...baselines],
    seed: evaluationSeed(cfg),
    paths: req.episodes,
    reward: cfg.env.reward,
    ...(cfg.env.horizon !== undefined ? { horizon: cfg.env.horizon } : {}),
    metrics: metricOptionsOf(cfg),
    ...(opts.resamples !== undefined ? { resamples: opts.resamples } : {}),
    ...(opts.shouldStop !== undefined ? { shouldStop: opts.shouldStop } : {}),
  });
  return toReport(
    req.runId,
    agent,
    result,
    baselines.map((b) => b.name),
  );
}

function toReport(
  runId: string,
  agent: { quoter: Quoter; checkpoint: string; step: number },
  result: EvalResult,
  baselineNames: string[],
): TrainEvalReport {
  const notes: string[] = [];
  if (result.paths >= 2) {
    // The baselines here are the config's, untuned: there are no tuning paths to pick a best one on,
    // so the policy is tested against each of them (Holm-adjusted over baselines × metrics).
    const cmp = compareAgents(result, {
      agents: [agent.quoter.name],
      baselines: baselineNames,
      chosenBy: 'each baseline, untuned',
    });
    const pct = Math.round(cmp.level * 100);
    for (const t of cmp.tests) {
      for (const key of ['reward', 'pnl'] as const) {
        const r = t[key];
        notes.push(
          `${key}: ${t.agent} − ${t.baseline} (config parameters, untuned) = ${fmt(r.meanDiff)} ` +
            `[${pct}% CI ${fmt(r.ciLow)}, ${fmt(r.ciHigh)}], d_z = ${fmt(r.dz)}, paired t p = ${fmt(r.pValue)}, ` +
            `Holm p = ${fmt(r.pHolm)}`,
        );
      }
      const s = t.sessionSharpe;
      notes.push(
        `session Sharpe: ${t.agent} − ${t.baseline} = ${fmt(s.diff)} ` +
          `[${pct}% CI ${fmt(s.ciLow)}, ${fmt(s.ciHigh)}] (paired bootstrap over paths), Holm p = ${fmt(s.pHolm)}`,
      );
    }
  }
  return {
    runId,
    checkpoint: agent.checkpoint,
    step: agent.step,
    episodes: result.paths,
    seed: result.seed,
    level: result.level,
    rows: result.quoters.map((q, i) => ({
      name: q.name,
      kind: i === 0 ? 'agent' : 'baseline',
      summary: Object.fromEntries([
        ...PATH_METRIC_KEYS.map((k) => [k, { ...q.summary[k] }]),
        ['sessionSharpe', { ...q.sessionSharpe }],
      ]) as TrainEvalReport['rows'][number]['summary'],
    })),
    notes,
  };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(2) : x.toFixed(a >= 100 ? 1 : 4);
}
