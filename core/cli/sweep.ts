/**
 * `quotebench sweep --config F [--workers N] [--redis URL [--queue NAME]] [--data-dir DIR] [--json OUT] [--quiet]`
 * `quotebench stress --config F …` (the same, with a base scenario × stresses as the scenario axis)
 *
 * Expands the config to cells (core/sweep/cells.ts), records the sweep in the store of the data
 * directory, skips the cells whose result is stored already (a crashed or cancelled sweep resumes
 * where it stopped: run the same command again), computes the others — locally in a pool of worker
 * threads (--workers, default every core), or with --redis through BullMQ workers
 * (`quotebench worker --redis URL` on any machine) — and prints the table: per scenario × strategy the
 * mean over seeds of the headline metrics; a stress sweep also each metric's change against the base.
 * Progress on stderr. SIGINT/SIGTERM cancel (exit 130/143; the stored cells stay, the sweep resumes).
 */
import { ConfigError } from '../config/load-config';
import { expandSweep, type SweepPlan } from '../sweep/cells';
import { loadSweepConfig } from '../sweep/config';
import { runSweepLocal } from '../sweep/local';
import { cliWorkerEntry } from './worker-entry';
import { REPORT_METRICS, strategyLabel, sweepReport, type ReportRow } from '../sweep/report';
import type { SweepOutcome, SweepProgress } from '../sweep/sweep-run';
import { openStore, type Store } from '../store/db';
import { formatTable } from '../text/table';
import { UsageError, cliDataDir, intOption, parse, type OptionValues } from './args';
import { SWEEP_OPTIONS } from './commands';
import { ProgressBar } from './progress';
import { RunFailedError } from './backtest';
import { handleStopSignals } from './stop-signals';
import { checkWritable, writeJsonAtomic } from './write-json';

export async function sweepCommand(args: string[]): Promise<number> {
  return runSweepCommand(args, 'sweep');
}

export async function stressCommand(args: string[]): Promise<number> {
  return runSweepCommand(args, 'stress');
}

async function runSweepCommand(args: string[], kind: 'sweep' | 'stress'): Promise<number> {
  const values = parse(args, SWEEP_OPTIONS);
  if (!values.config) throw new UsageError('--config FILE is required');
  const workers =
    values.workers !== undefined ? intOption(values, 'workers', SWEEP_OPTIONS.workers) : undefined;
  if (values.queue !== undefined && values.redis === undefined)
    throw new UsageError('--queue needs --redis URL');
  if (values.redis !== undefined && workers !== undefined)
    throw new UsageError('--workers is for a local sweep; with --redis, start `quotebench worker` processes');
  let plan: SweepPlan;
  try {
    plan = expandSweep(loadSweepConfig(values.config, kind));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(values.config, [{ path: '', message: (e as Error).message }]);
  }
  if (values.json) checkWritable(values.json);
  const dataDir = cliDataDir(values['data-dir']);
  const store = openStore(dataDir);
  try {
    return await runWithStore(store, plan, kind, values, workers, dataDir);
  } finally {
    store.close();
  }
}

async function runWithStore(
  store: Store,
  plan: SweepPlan,
  kind: 'sweep' | 'stress',
  values: OptionValues<typeof SWEEP_OPTIONS>,
  workers: number | undefined,
  dataDir: string,
): Promise<number> {
  const NAME = `quotebench ${kind}`;
  const stop = handleStopSignals({
    name: NAME,
    stopping: 'cancelling (finished cells are kept)',
    graceMs: 5000,
  });
  const bar = new ProgressBar(kind, process.stderr, !values.quiet);
  const onProgress = (p: SweepProgress): void =>
    bar.update(
      p.done,
      p.total,
      `cells${p.skipped > 0 ? ` (${p.skipped} stored)` : ''}${p.failed > 0 ? `, ${p.failed} failed` : ''}`,
    );
  let outcome: SweepOutcome;
  const t0 = performance.now();
  try {
    process.stderr.write(
      `${NAME}: ${plan.name}: ${plan.cells.length} cells (${plan.scenarios.length} scenarios × ${plan.strategies.length} strategies × ${plan.seeds.length} seeds, ${plan.paths} paths each), sweep ${plan.id}\n`,
    );
    if (values.redis !== undefined) {
      const { runSweepDistributed } = await import('../sweep/distributed');
      outcome = await runSweepDistributed(store, plan, {
        redisUrl: values.redis,
        ...(values.queue !== undefined ? { queue: values.queue } : {}),
        signal: stop.signal,
        onProgress,
        log: (line) => process.stderr.write(`${NAME}: ${line}\n`),
      });
    } else {
      outcome = await runSweepLocal(store, plan, {
        ...(workers !== undefined ? { workers } : {}),
        workerEntry: cliWorkerEntry('cell-worker'),
        signal: stop.signal,
        dataDir,
        onProgress,
      });
    }
  } finally {
    bar.done();
    stop.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  {
    const code = stop.exitCode();
    if (outcome.status === 'cancelled' || code !== undefined) {
      process.stderr.write(
        `${NAME}: cancelled; ${outcome.computed} cells computed this time — run the same command to resume\n`,
      );
      return code ?? 130;
    }
    process.stderr.write(
      `${NAME}: ${outcome.computed} cells computed in ${seconds.toFixed(1)} s (${(outcome.computed / Math.max(seconds, 1e-9)).toFixed(2)} cells/s), ${outcome.skipped} found in the store\n`,
    );
    const stored = store.sweeps.cells(plan.cells.map((c) => c.key));
    const rows = sweepReport(plan, stored);
    process.stdout.write(`${plan.name}: ${plan.paths} paths × seeds ${plan.seeds.join(', ')}\n\n`);
    process.stdout.write(table(rows, kind));
    if (values.json) {
      writeJsonAtomic(values.json, {
        sweep: plan.id,
        name: plan.name,
        kind,
        status: outcome.status,
        rows,
        cells: stored.map((c) => ({
          key: c.cellKey,
          seed: c.seed,
          scenario: c.scenario,
          strategy: c.strategy,
          params: c.params,
          metrics: c.metrics,
          worker: c.worker,
          codeVersion: c.codeVersion,
        })),
      });
      process.stderr.write(`wrote ${values.json}\n`);
    }
    if (outcome.error !== undefined) throw new RunFailedError(`${NAME}: ${outcome.error}`);
    if (outcome.failures.length > 0) {
      for (const f of outcome.failures.slice(0, 10))
        process.stderr.write(`${NAME}: cell ${f.key} (${f.scenario}) failed: ${f.error}\n`);
      throw new RunFailedError(
        `${NAME}: ${outcome.failures.length} of ${plan.cells.length} cells failed (the others are stored; run again to retry)`,
      );
    }
    return 0;
  }
}

function table(rows: ReportRow[], kind: 'sweep' | 'stress'): string {
  const metrics = REPORT_METRICS;
  if (kind === 'sweep')
    return formatTable(
      ['scenario', 'strategy', 'seeds', ...metrics],
      rows.map((r) => [r.scenario, strategyLabel(r), r.seeds, ...metrics.map((m) => r.mean[m])]),
    );
  return formatTable(
    ['scenario', 'strategy', 'seeds', ...metrics.flatMap((m) => [m, `Δ${m}`])],
    rows.map((r) => [
      r.stress ?? r.scenario,
      strategyLabel(r),
      r.seeds,
      ...metrics.flatMap((m) => [r.mean[m], r.delta ? r.delta[m] : '']),
    ]),
  );
}
