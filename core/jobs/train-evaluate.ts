/**
 * `train.evaluate` inside a training worker: a checkpoint's policy (as a Quoter) against baselines on
 * held-out paths (evaluationSeed(cfg), paths 0 … episodes − 1: never training paths), with the run's
 * reward and episode horizon, by core/rl/eval/evaluate.ts (means over paths with bootstrap CIs, paired
 * tests, Holm-adjusted). Two ways, as `quotebench eval`:
 * - `tuneEpisodes` > 0: every baseline family (AS, GLFT, fixed spread, static, random) is first tuned on
 *   that many training paths (core/rl/eval/tune-baselines.ts: coarse grid and compass searches on the
 *   mean episode reward); the rows carry each tuned quoter's parameters and the parameters found on the
 *   edge of their search box; the policy is tested against the best of them on the tuning paths.
 * - 0: the config's untuned AS and GLFT (env-factory.ts makeBaselineQuoter), each tested.
 * Annualization and markout horizon follow the backtest defaults (a 365-day year of bars; 10 bars).
 * The checkpoint's policy comes in as a Quoter through a CheckpointQuoterLoader (train-worker.ts binds
 * it to core/rl/train/load-policy.ts).
 */
import type { TrainEvalReport } from '../api/contract';
import { evaluate, compareAgents, PATH_METRIC_KEYS, type EvalResult } from '../rl/eval/evaluate';
import { evaluationSeed, type TrainConfig } from '../rl/train/config';
import { makeBaselineQuoter } from '../rl/train/env-factory';
import { BASELINE_FAMILIES, tuneBaselines, tunedQuoters, type TuneResult } from '../rl/eval/tune-baselines';
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
  /** Progress: tuning the baselines (candidates), then the held-out paths. */
  onProgress?: (phase: 'tune' | 'eval', done: number, total: number) => void;
}

/** Evaluate `agent` (the checkpoint's policy) against the run's baselines; the API's report shape. */
export function evaluateAgainstBaselines(
  cfg: TrainConfig,
  req: Pick<EvaluateRequest, 'runId' | 'episodes' | 'tuneEpisodes'>,
  agent: { quoter: Quoter; checkpoint: string; step: number },
  opts: EvaluateCheckpointOptions = {},
): TrainEvalReport {
  const metrics = metricOptionsOf(cfg);
  let tuning: TuneResult | null = null;
  if ((req.tuneEpisodes ?? 0) > 0) {
    tuning = tuneBaselines({
      cfg,
      paths: req.tuneEpisodes ?? 0,
      metrics,
      ...(opts.shouldStop !== undefined ? { shouldStop: opts.shouldStop } : {}),
      ...(opts.onProgress ? { onProgress: (d: number, t: number) => opts.onProgress?.('tune', d, t) } : {}),
    });
  }
  const baselines =
    tuning !== null
      ? tunedQuoters(cfg, tuning)
      : [makeBaselineQuoter(cfg, 'as'), makeBaselineQuoter(cfg, 'glft')];
  const result = evaluate({
    scenario: cfg.scenario,
    quoters: [agent.quoter, ...baselines],
    seed: evaluationSeed(cfg),
    paths: req.episodes,
    reward: cfg.env.reward,
    ...(cfg.env.horizon !== undefined ? { horizon: cfg.env.horizon } : {}),
    metrics,
    ...(opts.resamples !== undefined ? { resamples: opts.resamples } : {}),
    ...(opts.shouldStop !== undefined ? { shouldStop: opts.shouldStop } : {}),
    ...(opts.onProgress ? { onProgress: (d: number, t: number) => opts.onProgress?.('eval', d, t) } : {}),
  });
  return toReport(
    req.runId,
    agent,
    result,
    baselines.map((b) => b.name),
    tuning,
  );
}

function toReport(
  runId: string,
  agent: { quoter: Quoter; checkpoint: string; step: number },
  result: EvalResult,
  baselineNames: string[],
  tuning: TuneResult | null,
): TrainEvalReport {
  const notes: string[] = [];
  const what = tuning !== null ? `tuned on ${tuning.paths} training paths` : 'config parameters, untuned';
  if (result.paths >= 2) {
    // Tuned: against the best baseline on the tuning paths (chosen there, never on the held-out
    // paths). Untuned: there are no tuning paths to pick one on, so against each (Holm over
    // baselines × metrics).
    const cmp = compareAgents(result, {
      agents: [agent.quoter.name],
      baselines: tuning !== null ? [tuning.bestBaseline] : baselineNames,
      chosenBy:
        tuning !== null
          ? `best by mean reward on ${tuning.paths} tuning paths, seed ${tuning.seed}`
          : 'each baseline, untuned',
    });
    const pct = Math.round(cmp.level * 100);
    for (const t of cmp.tests) {
      for (const key of ['reward', 'pnl'] as const) {
        const r = t[key];
        notes.push(
          `${key}: ${t.agent} − ${t.baseline} (${what}) = ${fmt(r.meanDiff)} ` +
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
    tuning:
      tuning !== null
        ? {
            paths: tuning.paths,
            seed: tuning.seed,
            bestBaseline: tuning.bestBaseline,
            candidates: tuning.candidates.length,
          }
        : null,
    rows: result.quoters.map((q, i) => ({
      name: q.name,
      kind: i === 0 ? 'agent' : 'baseline',
      ...(i > 0 && tuning !== null ? tunedParams(tuning, q.name) : {}),
      summary: Object.fromEntries([
        ...PATH_METRIC_KEYS.map((k) => [k, { ...q.summary[k] }]),
        ['sessionSharpe', { ...q.sessionSharpe }],
      ]) as TrainEvalReport['rows'][number]['summary'],
    })),
    notes,
  };
}

/** A tuned baseline's parameters and the ones on the edge of their search box. */
function tunedParams(t: TuneResult, name: string): { params: Record<string, number>; edges: string[] } {
  const f = BASELINE_FAMILIES.find((x) => t.best[x].name === name);
  if (f === undefined) return { params: {}, edges: [] };
  const b = t.best[f];
  return { params: { ...b.params }, edges: b.edges.map((e) => `${e.param} at its ${e.bound} bound`) };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(2) : x.toFixed(a >= 100 ? 1 : 4);
}
