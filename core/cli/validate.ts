/**
 * `quotebench validate --dataset ID --scenario FILE [--paths N] [--seed N] [--json OUT] [--data-dir DIR]
 * [--quiet]`: run the (calibrated) book-mode scenario of a backtest config with a passive quoter that
 * joins the best bid and ask, and compare it with the dataset: spread shares, trade rates, volatility,
 * volatility clustering and passive mark-outs, each with batch-means standard errors and a verdict
 * (core/calibration/validate.ts states the statistics and the tolerance).
 *
 * One progress line per simulated path on stderr; SIGINT/SIGTERM stop between decisions with nothing
 * written (exit 130/143).
 */
import { backtestConfigSchema } from '../backtest/config';
import { loadConfigFile } from '../config/load-config';
import { CatalogError } from '../data/catalog';
import { inferTick, loadDatasetArrays } from '../calibration/dataset-arrays';
import {
  MARKOUT_HORIZONS,
  compare,
  datasetTape,
  simulateTape,
  tapeStats,
  type Comparison,
  type Tape,
} from '../calibration/validate';
import { formatTable } from '../text/table';
import { UsageError, UserError, cliDataDir, intOption, parse } from './args';
import { VALIDATE_OPTIONS } from './commands';
import { handleStopSignals } from './stop-signals';
import { checkWritable, writeJsonAtomic } from './write-json';

export async function validateCommand(args: string[]): Promise<number> {
  const v = parse(args, VALIDATE_OPTIONS);
  if (v.dataset === undefined) throw new UsageError('--dataset ID is required');
  if (v.scenario === undefined) throw new UsageError('--scenario FILE is required');
  if (v.json !== undefined) checkWritable(v.json);
  const cfg = loadConfigFile(v.scenario, backtestConfigSchema);
  if (cfg.scenario.mode !== 'book')
    throw new UserError(`${v.scenario}: validate needs a book-mode scenario, got mode ${cfg.scenario.mode}`);
  const sc = cfg.scenario;
  const paths = v.paths !== undefined ? intOption(v, 'paths', VALIDATE_OPTIONS.paths) : cfg.paths;
  const seed = v.seed !== undefined ? intOption(v, 'seed', VALIDATE_OPTIONS.seed) : cfg.seed;
  const dataDir = cliDataDir(v['data-dir']);
  let real: Tape;
  let datasetId: string;
  try {
    const d = await loadDatasetArrays(dataDir, v.dataset);
    datasetId = d.info.id;
    const tick = inferTick(d);
    if (Math.abs(tick - sc.tickSize) > 1e-9 * Math.max(tick, sc.tickSize))
      process.stderr.write(
        `warning: the dataset's tick ${tick} differs from the scenario's ${sc.tickSize}\n`,
      );
    real = datasetTape(d, tick);
  } catch (e) {
    if (e instanceof CatalogError || e instanceof RangeError) throw new UserError((e as Error).message);
    throw e;
  }
  const stop = handleStopSignals({
    name: 'quotebench validate',
    stopping: 'cancelling, nothing written',
    graceMs: 2000,
  });
  const tapes: Tape[] = [];
  try {
    for (let p = 0; p < paths; p++) {
      if (v.quiet !== true)
        process.stderr.write(`validate: simulating path ${p + 1}/${paths} (${sc.horizon} s of book mode)\n`);
      let k = 0;
      tapes.push(
        simulateTape(sc, seed, p, () => {
          if ((++k & 255) === 0 && stop.signal.aborted) throw stop.signal.reason as Error;
        }),
      );
      await new Promise((r) => setImmediate(r));
      if (stop.signal.aborted) break;
    }
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  } finally {
    stop.dispose();
  }
  if (stop.exitCode() !== undefined) return stop.exitCode()!;
  const realStats = tapeStats([real]);
  const simStats = tapeStats(tapes);
  const rows = compare(realStats, simStats);
  const fmt = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : '—');
  const est = (e: { value: number; se: number }): string =>
    `${fmt(e.value)}${Number.isFinite(e.se) ? ` ± ${fmt(e.se)}` : ''}`;
  const verdict = (c: Comparison): string => (c.agrees === null ? 'n/a' : c.agrees ? 'agrees' : 'differs');
  process.stdout.write(
    `Validation of ${v.scenario} against dataset ${datasetId}: real ${realStats.seconds.toFixed(0)} s, ` +
      `simulated ${paths} × ${sc.horizon} s (seed ${seed}); value ± batch-means SE; agrees when |sim − real| ≤ 2·√(SE²+SE²)\n` +
      `real market orders with a mark-out: ${realStats.markoutCount}; our passive fills: ${simStats.oursFills}\n\n` +
      formatTable(
        ['statistic', 'real', 'simulated', '|z|', 'verdict'],
        rows.map((c) => [c.statistic, est(c.real), est(c.sim), fmt(c.z), verdict(c)]),
      ),
  );
  if (v.json !== undefined)
    writeJsonAtomic(v.json, {
      dataset: datasetId,
      scenario: v.scenario,
      seed,
      paths,
      markoutHorizons: MARKOUT_HORIZONS,
      real: realStats,
      simulated: simStats,
      comparison: rows,
    });
  return 0;
}
