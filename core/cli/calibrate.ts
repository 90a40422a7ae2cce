/**
 * `quotebench calibrate --dataset ID --out scenario.yaml [--json REPORT] [--interval S] [--max-ticks N]
 * [--pilot-seconds S] [--from S] [--to S] [--data-dir DIR] [--quiet]`: fit everything in core/calibration to a catalog dataset
 * (core/calibration/calibrate.ts) and write a book-mode backtest config that `quotebench backtest` runs
 * unchanged, with comments naming the dataset and the statistic behind each value; --json writes the
 * report (every fit with intervals, log-likelihood, AIC/BIC, residual diagnostics, fitted-vs-empirical
 * intensity, flow rates by distance).
 *
 * One progress line per stage on stderr. SIGINT/SIGTERM: the calibration stops at the next stage
 * boundary with nothing written, exit 130/143. The stages are synchronous on the main thread, so the
 * signal is seen when the running step ends (about 1 s on the AMZN whole-day file); the 2-s grace
 * timer only covers a stop that still does not return after that. Outputs are written atomically after
 * every fit is done.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import {
  CALIBRATION_STAGES,
  CalibrationAborted,
  calibrateDataset,
  scenarioYaml,
  type CalibrationReport,
} from '../calibration/calibrate';
import { CatalogError } from '../data/catalog';
import { UsageError, UserError, cliDataDir, intOption, numberOption, parse } from './args';
import { CALIBRATE_OPTIONS } from './commands';
import { handleStopSignals } from './stop-signals';
import { checkWritable, writeJsonAtomic } from './write-json';

export async function calibrateCommand(args: string[]): Promise<number> {
  const v = parse(args, CALIBRATE_OPTIONS);
  if (v.dataset === undefined) throw new UsageError('--dataset ID is required');
  if (v.out === undefined) throw new UsageError('--out FILE is required');
  const interval = numberOption(v, 'interval', CALIBRATE_OPTIONS.interval);
  if (!(interval > 0))
    throw new UsageError(`--interval must be a positive number of seconds, got ${interval}`);
  const maxTicks = intOption(v, 'max-ticks', CALIBRATE_OPTIONS['max-ticks']);
  const pilotSeconds = intOption(v, 'pilot-seconds', CALIBRATE_OPTIONS['pilot-seconds']);
  const from = v.from === undefined ? undefined : numberOption(v, 'from');
  const to = v.to === undefined ? undefined : numberOption(v, 'to');
  if (from !== undefined && !(from >= 0))
    throw new UsageError(`--from must be a number of seconds ≥ 0, got ${from}`);
  if (to !== undefined && !(to > (from ?? 0)))
    throw new UsageError(`--to must be greater than --from (${from ?? 0}), got ${to}`);
  checkWritable(v.out);
  if (v.json !== undefined) checkWritable(v.json);
  const dataDir = cliDataDir(v['data-dir']);
  const stop = handleStopSignals({
    name: 'quotebench calibrate',
    stopping: 'cancelling, nothing written',
    graceMs: 2000,
  });
  let rep: CalibrationReport;
  try {
    rep = await calibrateDataset(dataDir, v.dataset, {
      intervalSeconds: interval,
      maxTicks,
      pilotSeconds,
      ...(from !== undefined || to !== undefined ? { window: { from, to } } : {}),
      signal: stop.signal,
      progress: (stage, i, msg) => {
        if (v.quiet !== true)
          process.stderr.write(`calibrate [${i}/${CALIBRATION_STAGES.length}] ${stage}: ${msg}\n`);
      },
    });
  } catch (e) {
    if (e instanceof CalibrationAborted) return stop.exitCode() ?? 130;
    if (e instanceof CatalogError || e instanceof RangeError) throw new UserError((e as Error).message);
    throw e;
  } finally {
    stop.dispose();
  }
  if (stop.exitCode() !== undefined) return stop.exitCode()!;
  const yaml = scenarioYaml(rep);
  const tmp = `${v.out}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, yaml);
    renameSync(tmp, v.out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UserError(`cannot write ${v.out}: ${(e as Error).message}`);
  }
  if (v.json !== undefined) writeJsonAtomic(v.json, rep);
  process.stdout.write(summary(rep, v.out));
  return 0;
}

function summary(rep: CalibrationReport, out: string): string {
  const sc = (rep.scenario as { scenario: Record<string, unknown> }).scenario;
  const f = sc.flow as Record<string, number>;
  const p = sc.price as Record<string, unknown>;
  const g =
    'error' in rep.garch ? `GARCH: ${rep.garch.error}` : `GARCH α+β ${rep.garch.persistence.toFixed(4)}`;
  const rg =
    'error' in rep.regimes
      ? `regimes: ${rep.regimes.error}`
      : `regimes σ ${rep.regimes.sigmas.map((s) => s.toPrecision(3)).join('/')} per ${rep.returns.intervalSeconds} s, durations ${rep.regimes.expectedDurations.map((d) => d.toFixed(1)).join('/')} steps, RCM ${rep.regimes.diagnostics.classificationMeasure.toFixed(1)}`;
  const it =
    'error' in rep.intensity
      ? `intensity: ${rep.intensity.error}`
      : `A ${rep.intensity.A.toPrecision(4)}/s, k ${rep.intensity.k.toPrecision(4)}`;
  return [
    `Calibrated dataset ${rep.dataset.id} (${rep.dataset.name}, ${rep.seconds.toFixed(0)} s) → ${out}`,
    `  tick ${String(sc.tickSize)}, lot ${String(sc.lotSize)}, s0 ${String(sc.s0)}, σ ${String(p.sigma)} per √s${p.regimes !== undefined ? ' (2 regimes)' : p.garch !== undefined ? ' (GARCH)' : ''}`,
    `  λ_L ${f.limitRate}/s per side, depth mean ${f.depthMeanTicks} ticks, θ ${f.cancelRate}/s, μ ${f.marketRate}/s per side (${rep.rates.level})`,
    rep.pilot === null
      ? '  pilot skipped: μ as measured, informed share 0'
      : `  pilot: μ ${rep.pilot.market.measuredMu.toPrecision(4)} → ${rep.pilot.market.chosenMu.toPrecision(4)}/s per side (simulated market orders ${rep.pilot.market.simulated.toPrecision(4)}/s vs real ${rep.pilot.market.target.toPrecision(4)}/s), informed share ${rep.pilot.informed.chosen}`,
    `  ${g}; ${rg}; ${it}`,
    '',
  ].join('\n');
}
