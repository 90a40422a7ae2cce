/**
 * `quotebench eval --checkpoint DIR [--checkpoint DIR …] [--episodes N] [--json OUT] [--tune-episodes N]
 *                  [--gammas LIST] [--box P=LO:HI …] [--refine-budget N] [--first-path N]
 *                  [--pick latest|best] [--resamples B]
 *                  [--replay DATASET [--from S] [--to S] [--window S] [--queue MODEL]] [--data-dir DIR] [--quiet]`
 *
 * Evaluates trained agents against the classical quoters on held-out paths and prints the results
 * table (core/rl/eval/report.ts): per quoter the session Sharpe and the means over paths of reward,
 * PnL, max drawdown, 99% ES, fill rate and effective / realized spread (bps) with percentile-bootstrap
 * 95% CIs, then the paired tests of each agent against the reference baseline.
 *
 * - Agents: each --checkpoint is a checkpoint directory or a run directory (its newest checkpoint, or
 *   the best by the trainer's periodic evaluation with --pick best); loaded by
 *   core/rl/train/load-policy.ts. Several agents (e.g. a SAC and a PPO run) must share the scenario,
 *   env (reward, horizon, action box), baseline parameters and seed, so that they face the same paths.
 * - Baselines: Avellaneda–Stoikov, GLFT, fixed spread, static (no skew) and random, every free parameter
 *   searched on --tune-episodes training paths (default 20) by a coarse grid and a compass search
 *   (core/rl/eval/tune-baselines.ts; --gammas and --box change the search boxes, --refine-budget the
 *   refinement). The reference baseline is the best of them by mean reward on those tuning paths.
 *   --tune-episodes 0 skips tuning: the config's parameters, and then every agent is tested against
 *   every baseline (there is no fair way to choose one).
 * - Paths: evaluationSeed(cfg) (never the training seed), paths --first-path … (default 1000, past every
 *   path the trainer's own periodic evaluation can have used, so checkpoint selection does not leak into
 *   the result) for --episodes paths (default 100).
 * - Replay (--replay DATASET [--from S] [--to S] [--window S] [--queue MODEL]): instead of simulated
 *   paths, consecutive windows of a recorded day, one path each (core/rl/eval/replay-eval.ts), under the
 *   training scenario's venue rules; the baselines are still tuned on simulated training paths (the
 *   agents' own scenario), so nothing of the replayed data is used to choose anyone's parameters.
 *   Calibrating on the first part of a day (calibrate --to S) and replaying the rest (--from S) keeps
 *   the replayed data out of calibration, training and tuning.
 * - Tests (core/rl/eval/evaluate.ts compareAgents): reward, PnL, max drawdown and session Sharpe, with
 *   CIs, Cohen's d_z, and p-values Holm-adjusted over agents × baselines × metrics.
 * - Tracking (issue 13 §5, docs/tracking.md): every evaluation is recorded as an 'eval' run in the store of
 *   the data directory (--data-dir, else QUOTEBENCH_DATA_DIR or the default): the canonical config
 *   (options, agents, the training config), the evaluation seed, the code version, the dataset hash of a
 *   replay, one result per quoter (its pooled metrics and the mean and CI of each per-path metric), the
 *   per-path PnL of each quoter as metrics over time, and the --json file by path and SHA-256. A failure
 *   after the agents are loaded is recorded as 'failed'; a store that cannot be opened is a warning.
 * The JSON holds the backend, the agents (checkpoint, step, config name), the search (boxes, every
 * candidate, the tuned parameters with edge flags, the reference baseline), the full evaluation
 * (per-path values included) and the paired tests.
 *
 * Exit codes: 0 done, 2 invalid usage, unreadable or mismatched checkpoints.
 */
import { canonicalJson, evaluationSeed, trainingSeed, type TrainConfig } from '../rl/train/config';
import { compareAgents, evaluate, type Comparison, type EvalResult } from '../rl/eval/evaluate';
import { formatEvalTable } from '../rl/eval/report';
import {
  BASELINE_FAMILIES,
  BASELINE_NAMES,
  PARAM_NAMES,
  tuneBaselines,
  tunedQuoters,
  untunedQuoters,
  type ParamName,
  type TuneResult,
} from '../rl/eval/tune-baselines';
import { loadPolicy, PolicyLoadError, type LoadedPolicy } from '../rl/train/load-policy';
import { describeTf, loadTf } from '../rl/tf/backend';
import { metricOptionsOf } from '../backtest/config';
import { loadMarketInputs, makeSimulator, type MarketInputs } from '../backtest/run';
import { datasetSpanSeconds } from '../calibration/dataset-arrays';
import { CatalogError, readDataset } from '../data/catalog';
import { queueOf, type ReplayScenarioConfig } from '../replay/scenario';
import { replayScenarioFor, replayWindows, type ReplayFor } from '../rl/eval/replay-eval';
import type { ReplayWindow } from '../rl/eval/evaluate';
import type { Quoter } from '../strategy/quoter';
import { UsageError, UserError, cliDataDir, intOption, numberOption, parse } from './args';
import { EVAL_OPTIONS } from './commands';
import { ProgressBar } from './progress';
import { formatTable } from '../text/table';
import { checkWritable, writeJsonAtomic } from './write-json';
import { codeVersion } from '../store/code-version';
import type { Store } from '../store/db';
import { startInStore, withRunRecord } from './run-record';
import { RunRecorder, canonical, finiteNumbers, meanCiMetrics } from '../store/run-recorder';

const NAME = 'quotebench eval';

interface EvalArgs {
  checkpoints: string[];
  episodes: number;
  tuneEpisodes: number;
  firstPath: number;
  resamples: number;
  gammas: number[] | undefined;
  boxes: Partial<Record<ParamName, [number, number]>>;
  refineBudget: number | undefined;
  pick: 'latest' | 'best';
  json: string | undefined;
  quiet: boolean;
  replay: ReplayArgs | undefined;
  /** Where the run is recorded (and a replay's dataset is read). */
  dataDir: string | undefined;
}

interface ReplayArgs {
  dataset: string;
  from: number;
  to: number | undefined;
  window: number | undefined;
  queue: string | undefined;
  dataDir: string | undefined;
}

const QUEUE_MODELS = ['fifo', 'risk-averse', 'prob-power', 'prob-log'];

function parseEvalArgs(args: string[]): EvalArgs {
  const values = parse(args, EVAL_OPTIONS);
  const checkpoints = values.checkpoint ?? [];
  if (checkpoints.length === 0)
    throw new UsageError('--checkpoint DIR is required (a checkpoint or run directory)');
  let gammas: number[] | undefined;
  if (values.gammas !== undefined) {
    gammas = values.gammas.split(',').map((s) => Number(s.trim()));
    if (gammas.length === 0 || gammas.some((g) => !(Number.isFinite(g) && g > 0)))
      throw new UsageError(`--gammas must be a comma-separated list of numbers > 0, got "${values.gammas}"`);
  }
  const boxes: Partial<Record<ParamName, [number, number]>> = {};
  for (const raw of values.box ?? []) {
    const m = /^([A-Za-z]+)=([^:]+):(.+)$/.exec(raw.trim());
    const key = m?.[1] as ParamName | undefined;
    const lo = Number(m?.[2]);
    const hi = Number(m?.[3]);
    if (m === null || key === undefined || !PARAM_NAMES.includes(key))
      throw new UsageError(`--box must be P=LO:HI with P one of ${PARAM_NAMES.join(', ')}, got "${raw}"`);
    if (!(
      Number.isFinite(lo) &&
      Number.isFinite(hi) &&
      hi >= lo &&
      lo >= 0 &&
      (lo > 0 || key === 'halfSpread' || key === 'skewPerLot')
    ))
      throw new UsageError(`--box ${key}: need finite 0 ≤ LO ≤ HI (LO > 0 for gamma, A, k), got "${raw}"`);
    if (key in boxes) throw new UsageError(`--box ${key} is given twice`);
    boxes[key] = [lo, hi];
  }
  const pick = values.pick ?? 'latest';
  if (pick !== 'latest' && pick !== 'best')
    throw new UsageError(`--pick must be latest or best, got "${pick}"`);
  let replay: ReplayArgs | undefined;
  if (values.replay !== undefined) {
    if (values.episodes !== undefined)
      throw new UsageError('--episodes does not apply with --replay: the windows are the paths (--window S)');
    if (values['first-path'] !== undefined)
      throw new UsageError('--first-path does not apply with --replay: a recorded market has no seeds');
    const from = values.from === undefined ? 0 : numberOption(values, 'from');
    const to = values.to === undefined ? undefined : numberOption(values, 'to');
    const window = values.window === undefined ? undefined : numberOption(values, 'window');
    if (!(from >= 0)) throw new UsageError(`--from must be a number of seconds ≥ 0, got ${from}`);
    if (to !== undefined && !(to > from))
      throw new UsageError(`--to must be greater than --from (${from}), got ${to}`);
    if (window !== undefined && !(window > 0))
      throw new UsageError(`--window must be a positive number of seconds, got ${window}`);
    if (values.queue !== undefined && !QUEUE_MODELS.includes(values.queue))
      throw new UsageError(`--queue must be one of ${QUEUE_MODELS.join(', ')}, got "${values.queue}"`);
    replay = { dataset: values.replay, from, to, window, queue: values.queue, dataDir: values['data-dir'] };
  } else
    for (const k of ['from', 'to', 'window', 'queue'] as const)
      if (values[k] !== undefined) throw new UsageError(`--${k} applies only with --replay DATASET`);
  return {
    checkpoints,
    episodes: intOption(values, 'episodes', EVAL_OPTIONS.episodes),
    tuneEpisodes: intOption(values, 'tune-episodes', EVAL_OPTIONS['tune-episodes']),
    firstPath: intOption(values, 'first-path', EVAL_OPTIONS['first-path']),
    resamples: intOption(values, 'resamples', EVAL_OPTIONS.resamples),
    gammas,
    boxes,
    refineBudget:
      values['refine-budget'] === undefined
        ? undefined
        : intOption(values, 'refine-budget', { min: 0, max: 100_000 }),
    pick,
    json: values.json,
    quiet: values.quiet === true,
    replay,
    dataDir: values['data-dir'],
  };
}

/** The parts of a config that must agree between agents evaluated together. */
function sharedIdentity(cfg: TrainConfig): string {
  return canonicalJson({ scenario: cfg.scenario, env: cfg.env, baseline: cfg.baseline, seed: cfg.seed });
}

export async function evalCommand(args: string[]): Promise<number> {
  const err = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };
  let a: EvalArgs;
  try {
    a = parseEvalArgs(args);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${NAME}: ${e.message}`);
      return 2;
    }
    throw e;
  }

  if (a.json !== undefined) checkWritable(a.json);

  const tfInfo = await loadTf({ quiet: true });
  const backendLine = describeTf(tfInfo);
  if (!a.quiet) err(backendLine);

  const agents: LoadedPolicy[] = [];
  try {
    try {
      for (const dir of a.checkpoints) agents.push(await loadPolicy(dir, { pick: a.pick }));
    } catch (e) {
      if (e instanceof PolicyLoadError) {
        err(`${NAME}: ${e.message}`);
        return 2;
      }
      throw e;
    }
    const first = agents[0]!;
    const cfg = first.cfg;
    for (const ag of agents.slice(1))
      if (sharedIdentity(ag.cfg) !== sharedIdentity(cfg)) {
        err(
          `${NAME}: ${ag.checkpoint.dir} was trained on another problem than ${first.checkpoint.dir} ` +
            '(scenario, env, baseline and seed must be equal to evaluate agents on the same paths)',
        );
        return 2;
      }
    const names = uniqueNames(agents);
    const evalSeed = evaluationSeed(cfg);
    const trainSeeds = new Set(agents.map((ag) => trainingSeed(ag.cfg)));
    if (trainSeeds.has(evalSeed)) {
      err(`${NAME}: evaluation seed ${evalSeed} equals a training seed; refusing to evaluate`);
      return 2;
    }
    if (!a.quiet)
      for (const [i, ag] of agents.entries())
        err(
          `agent ${names[i]}: ${ag.cfg.algo.toUpperCase()} ${ag.checkpoint.dir} (${ag.label ?? `step ${ag.checkpoint.step}`})`,
        );

    const metrics = metricOptionsOf(cfg);
    const rec = startEvalRecord(a, agents, names, cfg, evalSeed, err);
    return await withRunRecord(rec, async () => {
      const code = await evaluateAndReport(
        a,
        agents,
        names,
        cfg,
        evalSeed,
        metrics,
        tfInfo,
        backendLine,
        err,
        rec,
      );
      if (code !== 0) rec?.recorder.fail(rec.failure ?? `exit code ${code}`);
      return code;
    });
  } finally {
    for (const ag of agents) ag.dispose();
  }
}

interface EvalRecord {
  store: Store;
  recorder: RunRecorder;
  /** Why the evaluation stopped with exit code 2 after the run began. */
  failure?: string;
}

/** The 'eval' run of this evaluation, or undefined (with a warning) when the store cannot be opened. */
function startEvalRecord(
  a: EvalArgs,
  agents: LoadedPolicy[],
  names: string[],
  cfg: TrainConfig,
  evalSeed: number,
  err: (s: string) => void,
): EvalRecord | undefined {
  return startInStore(
    () => cliDataDir(a.dataDir),
    (store) => {
      let datasetHash: string | null = null;
      if (a.replay !== undefined) {
        try {
          datasetHash = readDataset(store.dataDir, a.replay.dataset).contentHash;
        } catch {
          datasetHash = null; // an unknown dataset fails below, and is recorded so
        }
      }
      const config = canonical({
        command: 'eval',
        agents: agents.map((ag, i) => ({
          name: names[i],
          algo: ag.cfg.algo,
          checkpoint: ag.checkpoint.dir,
          step: ag.checkpoint.step,
          runDir: ag.runDir,
        })),
        options: {
          episodes: a.replay ? null : a.episodes,
          firstPath: a.replay ? null : a.firstPath,
          tuneEpisodes: a.tuneEpisodes,
          resamples: a.resamples,
          gammas: a.gammas ?? null,
          boxes: a.boxes,
          refineBudget: a.refineBudget ?? null,
          pick: a.pick,
          replay: a.replay
            ? { ...a.replay, dataDir: undefined, to: a.replay.to ?? null, window: a.replay.window ?? null }
            : null,
        },
        train: cfg,
      });
      const recorder = RunRecorder.start(store.runs, {
        kind: 'eval',
        name: `eval ${names.join(' + ')} · ${cfg.name}`,
        config,
        seed: evalSeed,
        paths: a.replay ? 0 : a.episodes,
        codeVersion: codeVersion(),
        datasetHash,
        tags: [
          ...new Set([...agents.map((ag) => ag.cfg.algo), ...(a.replay ? ['replay', a.replay.dataset] : [])]),
        ]
          .map((t) => t.replace(/[^\p{L}\p{N}_.:/-]/gu, '_').slice(0, 100))
          .filter((t) => t !== ''),
      });
      return { store, recorder };
    },
    (e) => err(`${NAME}: warning: this evaluation is not recorded in the run store: ${e.message}`),
  );
}

async function evaluateAndReport(
  a: EvalArgs,
  agents: LoadedPolicy[],
  names: string[],
  cfg: TrainConfig,
  evalSeed: number,
  metrics: ReturnType<typeof metricOptionsOf>,
  tfInfo: Awaited<ReturnType<typeof loadTf>>,
  backendLine: string,
  err: (s: string) => void,
  rec: EvalRecord | undefined,
): Promise<number> {
  {
    // 0. A replay: the dataset loaded and cut into windows before any tuning work.
    let replay: PreparedReplay | undefined;
    if (a.replay !== undefined) {
      try {
        replay = await prepareReplay(cfg, a.replay);
      } catch (e) {
        if (e instanceof UserError || e instanceof CatalogError || e instanceof RangeError) {
          err(`${NAME}: ${e.message}`);
          if (rec) rec.failure = e.message;
          return 2;
        }
        throw e;
      }
      if (!a.quiet)
        err(
          `replay of ${replay.scenario.dataset}: ${replay.windows.length} windows of ${replay.seconds} s from ` +
            `${replay.windows[0]!.from} s to ${replay.windows.at(-1)!.to} s, queue ${replay.queue}`,
        );
    }

    // 1. Baselines tuned on training paths; the best of them (by mean reward there) is the reference.
    let tuning: TuneResult | undefined;
    let baselines: Quoter[];
    if (a.tuneEpisodes > 0) {
      const tb = new ProgressBar('tune', process.stderr, !a.quiet);
      tuning = tuneBaselines({
        cfg,
        paths: a.tuneEpisodes,
        ...(a.gammas ? { gammas: a.gammas } : {}),
        boxes: a.boxes,
        ...(a.refineBudget !== undefined ? { refineBudget: a.refineBudget } : {}),
        metrics,
        onProgress: (d, t) => tb.update(d, t),
      });
      tb.done();
      baselines = tunedQuoters(cfg, tuning);
    } else {
      baselines = untunedQuoters(cfg);
    }

    // 2. Everyone on the held-out paths.
    const eb = new ProgressBar('eval', process.stderr, !a.quiet);
    const result: EvalResult = evaluate({
      ...(replay !== undefined
        ? {
            scenario: replay.scenario,
            replay: { inputs: replay.inputs, windows: replay.windows },
            paths: replay.windows.length,
            firstPath: 0,
          }
        : { scenario: cfg.scenario, paths: a.episodes, firstPath: a.firstPath }),
      quoters: [...agents.map((ag, i) => ag.quoter(names[i])), ...baselines],
      seed: evalSeed,
      reward: cfg.env.reward,
      ...(cfg.env.horizon !== undefined ? { horizon: cfg.env.horizon } : {}),
      metrics,
      resamples: a.resamples,
      onProgress: (d, t) => eb.update(d, t),
    });
    eb.done();
    // 3. Paired tests: against the baseline chosen on the tuning paths; without tuning there is no
    //    fair way to choose one, so against every baseline (a larger Holm family).
    const comparison: Comparison = compareAgents(
      result,
      tuning
        ? {
            agents: names,
            baselines: [tuning.bestBaseline],
            chosenBy: `best by mean reward on ${tuning.paths} tuning paths, seed ${tuning.seed}`,
          }
        : {
            agents: names,
            baselines: baselines.map((b) => b.name),
            chosenBy: 'every baseline, untuned (config parameters)',
          },
    );

    const out = process.stdout;
    out.write(`${backendLine}\n`);
    // A checkpoint short of its run's totalSteps is not the policy the recipe asked for: say so.
    for (const [i, ag] of agents.entries())
      if (ag.label !== undefined) out.write(`agent ${names[i]}: ${ag.label}\n`);
    if (replay !== undefined)
      out.write(
        `Replay of ${replay.scenario.dataset} (${replay.name}): ${replay.windows.length} windows of ${replay.seconds} s, ` +
          `seconds ${replay.windows[0]!.from}–${replay.windows.at(-1)!.to} after its first event, queue ${replay.queue}\n`,
      );
    if (tuning) out.write(`\n${tuningTable(tuning)}`);
    out.write(`\n${formatEvalTable(result, comparison)}`);
    if (a.json) {
      writeJsonAtomic(a.json, {
        backend: tfInfo.backend,
        backendLine,
        agents: agents.map((ag, i) => ({
          name: names[i],
          algo: ag.cfg.algo,
          config: ag.cfg.name,
          runDir: ag.runDir,
          checkpoint: ag.checkpoint.dir,
          step: ag.checkpoint.step,
          totalSteps: ag.progress.totalSteps,
          stoppedBy: ag.progress.stop ?? null,
          label: ag.label ?? null,
          trainingSeed: trainingSeed(ag.cfg),
        })),
        tuning: tuning ?? null,
        evaluation: result,
        comparison,
      });
      if (!a.quiet) err(`wrote ${a.json}`);
    }
    if (rec) {
      // Metrics over time: each quoter's PnL path by path (step = path index).
      for (const q of result.quoters)
        rec.recorder.steps(
          `${q.name}.pnl`,
          q.perPath.pnl.map((v, i) => [result.firstPath + i, v] as const),
        );
      const run = await rec.recorder.complete(evalOutcome(result, comparison, tuning, a.json));
      if (!a.quiet) err(`recorded as run ${run.id} (${rec.store.file})`);
    }
    return 0;
  }
}

/**
 * What an eval run stores: one result per quoter (pooled RunMetrics, then each per-path metric's mean
 * and CI as `<key>`, `<key>.low`, `<key>.high`, and `sessionSharpe*` from the paths), run-level counts
 * and the Holm-adjusted p-values' minimum, and the JSON file.
 */
function evalOutcome(
  result: EvalResult,
  comparison: Comparison,
  tuning: TuneResult | undefined,
  json: string | undefined,
): Parameters<RunRecorder['complete']>[0] {
  const results = result.quoters.map((q, index) => ({
    index,
    strategy: q.name,
    params: Object.fromEntries(
      Object.entries(q.params).filter(([, v]) => typeof v !== 'number' || Number.isFinite(v)),
    ),
    scenario: result.replay ? `replay ${result.replay.dataset}` : result.scenario,
    paths: result.paths,
    metrics: {
      ...finiteNumbers(q.metrics),
      ...meanCiMetrics(q.summary),
      ...meanCiMetrics({ pathSessionSharpe: q.sessionSharpe }),
    },
  }));
  const metrics: Record<string, number> = {
    quoters: result.quoters.length,
    agents: result.quoters.filter((q) => q.kind === 'agent').length,
    paths: result.paths,
  };
  if (tuning) metrics.tuningPaths = tuning.paths;
  // Each agent-vs-baseline paired test: the difference's estimate and its Holm-adjusted p-value.
  for (const t of comparison.tests)
    for (const m of ['reward', 'pnl', 'maxDrawdown', 'sessionSharpe'] as const) {
      const key = `${t.agent}-vs-${t.baseline}.${m}`;
      metrics[`${key}.pHolm`] = t[m].pHolm;
    }
  return { results, metrics, ...(json !== undefined ? { files: [json] } : {}) };
}

interface PreparedReplay {
  scenario: ReplayScenarioConfig;
  name: string;
  inputs: MarketInputs;
  windows: ReplayWindow[];
  seconds: number;
  queue: string;
}

/** The replay of --replay under the training scenario's venue rules (core/rl/eval/replay-eval.ts). */
async function prepareReplay(cfg: TrainConfig, r: ReplayArgs): Promise<PreparedReplay> {
  if (cfg.scenario.mode !== 'book')
    throw new UserError(
      `--replay needs an agent trained on a book-mode scenario (this one was trained on '${cfg.scenario.mode}')`,
    );
  const dataDir = cliDataDir(r.dataDir);
  const info = readDataset(dataDir, r.dataset);
  const span = datasetSpanSeconds(info);
  const to = r.to ?? span;
  if (r.from >= span)
    throw new UserError(
      `--from ${r.from} is past the end of dataset ${info.id} (it spans ${span.toFixed(3)} s)`,
    );
  const seconds = r.window ?? cfg.env.horizon ?? cfg.scenario.horizon;
  const windows = replayWindows(r.from, Math.min(to, span), seconds);
  if (windows.length < 2)
    throw new UserError(
      `--replay: ${Math.min(to, span) - r.from} s of data hold ${windows.length} window(s) of ${seconds} s; ` +
        'at least 2 are needed (a shorter --window, or a wider --from/--to)',
    );
  const scenario = replayScenarioFor(cfg.scenario, {
    dataset: info.id,
    from: windows[0]!.from,
    to: windows.at(-1)!.to,
    queue: r.queue as ReplayFor['queue'],
  });
  const inputs = await loadMarketInputs(scenario, dataDir);
  const tape = inputs.tape!;
  makeSimulator(scenario, inputs); // the replay's own checks (a two-sided book at the start, …) before tuning
  return { scenario, name: info.name, inputs, windows, seconds, queue: queueOf(scenario, tape).model };
}

/** "SAC", "PPO"; "SAC-2", … when an algorithm appears more than once. */
function uniqueNames(agents: LoadedPolicy[]): string[] {
  const count = new Map<string, number>();
  for (const ag of agents) count.set(ag.cfg.algo, (count.get(ag.cfg.algo) ?? 0) + 1);
  const seen = new Map<string, number>();
  return agents.map((ag) => {
    const base = ag.cfg.algo.toUpperCase();
    if (count.get(ag.cfg.algo) === 1) return base;
    const k = (seen.get(ag.cfg.algo) ?? 0) + 1;
    seen.set(ag.cfg.algo, k);
    return `${base}-${k}`;
  });
}

function tuningTable(t: TuneResult): string {
  const rows = BASELINE_FAMILIES.map((f) => {
    const b = t.best[f];
    return [
      BASELINE_NAMES[f] + (b.name === t.bestBaseline ? ' *' : ''),
      Object.entries(b.params)
        .filter(([k]) => !(f === 'static' && k === 'skewPerLot'))
        .map(([k, v]) => `${k}=${String(Number(v.toPrecision(4)))}`)
        .join(' ') || '—',
      b.reward,
      b.rewardSe,
      b.evaluations,
      b.edges.length === 0 ? '' : b.edges.map((e) => `${e.param} at ${e.bound} bound ${e.value}`).join('; '),
    ];
  });
  const flagged = BASELINE_FAMILIES.some((f) => t.best[f].edges.length > 0);
  return (
    `Baselines tuned on ${t.paths} training paths (seed ${t.seed}) by ${t.objective} ` +
    `(coarse grid, then compass search; * = best, the reference of the paired tests):\n\n` +
    formatTable(['Baseline', 'Chosen', 'Mean reward', 'SE', 'Runs', 'On the edge of its box'], rows) +
    (flagged
      ? 'An optimum on the edge of its box may lie outside it: widen the box with --box P=LO:HI.\n'
      : '')
  );
}
