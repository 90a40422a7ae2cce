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
import type { SweepCellResult } from '../store/sweep-repository';
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
