/**
 * What both executors share: a cell's result as the store keeps it, the code version a cell is computed
 * with, and the outcome of a sweep.
 *
 * Code version (sweepCodeVersion): "<package version>+<git describe --always --dirty>" (core/store/
 * code-version.ts; the package version alone outside a checkout). It is stable for every process of one
 * checkout and names the commit, which is what must agree between a coordinator and workers on other
 * machines; a dirty tree is marked but not distinguished (two different uncommitted edits of one commit
 * look alike: commit before sweeping across machines). QUOTEBENCH_SWEEP_CODE_VERSION overrides it (tests
 * simulate an out-of-date worker with it; a deployment can pin a build label).
 */
import { codeVersion } from '../store/code-version';
import type { Store } from '../store/db';
import { RunRecorder, canonical } from '../store/run-recorder';
import type { SweepCellResult } from '../store/sweep-repository';
import { readDataset } from '../data/catalog';
import type { SweepPlan } from './cells';
import type { RunSummary } from '../backtest/run';
import type { SweepCell } from './cells';
import { readFileSync } from 'node:fs';

let pkgVersion: string | undefined;
function packageVersion(): string {
  if (pkgVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version?: string;
      };
      pkgVersion = pkg.version ?? '0';
    } catch {
      pkgVersion = '0';
    }
  }
  return pkgVersion;
}

export function sweepCodeVersion(env: NodeJS.ProcessEnv = process.env): string {
  const forced = env.QUOTEBENCH_SWEEP_CODE_VERSION;
  if (forced !== undefined && forced !== '') return forced;
  const git = codeVersion();
  const pkg = packageVersion();
  return git === pkg ? pkg : `${pkg}+${git}`;
}

/** JSON keeps NaN as null (a flat PnL's Sharpe). */
function numbers(o: object): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : null;
    else if (v === null) out[k] = null;
  }
  return out;
}

export function cellResult(
  cell: SweepCell,
  run: RunSummary,
  extra: { codeVersion: string; worker: string; elapsedMs: number },
): SweepCellResult {
  return {
    cellKey: cell.key,
    configHash: cell.configHash,
    seed: cell.seed,
    scenario: cell.scenario,
    strategy: run.strategy,
    params: { ...run.params },
    metrics: numbers(run.metrics),
    annualization: { ...run.annualization },
    ...extra,
  };
}

export interface SweepProgress {
  done: number;
  total: number;
  /** Cells found in the store at the start (not recomputed). */
  skipped: number;
  failed: number;
  last?: string;
}

export interface SweepOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  /** Cells computed now, found in the store, failed. */
  computed: number;
  skipped: number;
  failures: { key: string; scenario: string; error: string }[];
  /** Set when the sweep stopped for a reason of its own (a refused code version, …). */
  error?: string;
}

/**
 * One tracked run per execution of a sweep (issue 13 §5; the cells stay in sweep_cells): kind 'sweep'
 * (tag 'stress' for a stress sweep, and `sweep:<id prefix>` to find every execution of one sweep), the
 * sweep's config (as beginSweep stores it) with its id, its first seed, the sweep's code version, the
 * dataset hash when every replayed scenario reads one dataset; over time the cells done (step) against
 * the seconds elapsed and the failures; at the end the counts and cells per second, and the outcome's
 * status ('failed' with the reason when `run` throws). `run` is the executor (local or distributed).
 */
export async function trackSweep(
  store: Store,
  plan: SweepPlan,
  opts: {
    onProgress?: ((p: SweepProgress) => void) | undefined;
    dataDir?: string | undefined;
    codeVersion?: string | undefined;
  },
  run: (onProgress: (p: SweepProgress) => void) => Promise<SweepOutcome>,
): Promise<SweepOutcome> {
  const datasets = new Set<string>();
  for (const c of plan.cells) {
    const sc = (c.config as { scenario?: { mode?: unknown; dataset?: unknown } }).scenario;
    if (sc?.mode === 'replay' && typeof sc.dataset === 'string') datasets.add(sc.dataset);
  }
  let datasetHash: string | null = null;
  if (datasets.size === 1 && opts.dataDir !== undefined) {
    try {
      datasetHash = readDataset(opts.dataDir, [...datasets][0]!).contentHash;
    } catch {
      datasetHash = null;
    }
  }
  const recorder = RunRecorder.start(store.runs, {
    kind: 'sweep',
    name: plan.name,
    config: canonical({
      sweep: plan.id,
      kind: plan.kind,
      name: plan.name,
      paths: plan.paths,
      seeds: plan.seeds,
      scenarios: plan.scenarios,
      strategies: plan.strategies,
      metrics: plan.metrics,
    }),
    seed: plan.seeds[0] ?? 0,
    paths: plan.paths,
    codeVersion: opts.codeVersion ?? sweepCodeVersion(),
    datasetHash,
    tags: [plan.kind, `sweep:${plan.id.slice(0, 16)}`],
  });
  const t0 = performance.now();
  const elapsed: [number, number][] = [];
  const failed: [number, number][] = [];
  let last: SweepProgress | undefined;
  const onProgress = (p: SweepProgress): void => {
    last = p;
    const s = (performance.now() - t0) / 1000;
    if (elapsed.at(-1)?.[0] !== p.done) elapsed.push([p.done, s]);
    if (failed.at(-1)?.[1] !== p.failed) failed.push([p.done, p.failed]);
    opts.onProgress?.(p);
  };
  let outcome: SweepOutcome;
  try {
    outcome = await run(onProgress);
  } catch (e) {
    recorder.steps('elapsedSeconds', elapsed);
    recorder.fail(e, { cells: plan.cells.length, done: last?.done ?? 0 });
    throw e;
  }
  recorder.steps('elapsedSeconds', elapsed);
  recorder.steps('failedCells', failed);
  const seconds = (performance.now() - t0) / 1000;
  const metrics = {
    cells: plan.cells.length,
    computed: outcome.computed,
    skipped: outcome.skipped,
    failed: outcome.failures.length,
    seconds,
    cellsPerSecond: seconds > 0 ? outcome.computed / seconds : Number.NaN,
  };
  if (outcome.status === 'completed') await recorder.complete({ metrics });
  else if (outcome.status === 'cancelled') recorder.cancel(metrics);
  else recorder.fail(outcome.error ?? `${outcome.failures.length} cells failed`, metrics);
  return outcome;
}
