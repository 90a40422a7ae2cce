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
 *
 * Tracking (issue 13 §5, docs/tracking.md): the calibration is recorded as a 'calibrate' run in the store
 * of the data directory: the canonical options as config, the pilot's seed, the code version, the
 * dataset's content hash, the fit's headline numbers (calibration-fit.ts calibrationMetrics) and the
 * written YAML and JSON by path and SHA-256; a stop is recorded 'cancelled', an error 'failed'. A store
 * that cannot be opened is a warning (the calibration itself still runs).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import {
  CALIBRATION_STAGES,
  CalibrationAborted,
  calibrateDataset,
  scenarioYaml,
  type CalibrationReport,
} from '../calibration/calibrate';
import { CatalogError, readDataset } from '../data/catalog';
import { CALIBRATION_SEED, calibrationMetrics } from '../services/calibration-fit';
import { codeVersion } from '../store/code-version';
import type { Store } from '../store/db';
import { startInStore, withRunRecord } from './run-record';
import { RunRecorder, canonical } from '../store/run-recorder';
import { UsageError, UserError, cliDataDir, intOption, numberOption, parse } from './args';
import { CALIBRATE_OPTIONS } from './commands';
import { handleStopSignals } from './stop-signals';
import { checkWritable, writeJsonAtomic } from './write-json';

export async function calibrateCommand(args: string[]): Promise<number> {
  const v = parse(args, CALIBRATE_OPTIONS);
  if (v.dataset === undefined) throw new UsageError('--dataset ID is required');
  if (v.out === undefined) throw new UsageError('--out FILE is required');
  const dataset = v.dataset;
  const out = v.out;
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
  const rec = startCalibrationRecord(dataDir, v.dataset, {
    dataset: v.dataset,
    interval,
    maxTicks,
    pilotSeconds,
    window: from !== undefined || to !== undefined ? { from: from ?? 0, to: to ?? null } : null,
  });
  return withRunRecord(rec, calibrateAndWrite);

  async function calibrateAndWrite(): Promise<number> {
    const stop = handleStopSignals({
      name: 'quotebench calibrate',
      stopping: 'cancelling, nothing written',
      graceMs: 2000,
    });
    let rep: CalibrationReport;
    try {
      rep = await calibrateDataset(dataDir, dataset, {
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
      if (e instanceof CalibrationAborted) {
        rec?.recorder.cancel();
        return stop.exitCode() ?? 130;
      }
      if (e instanceof CatalogError || e instanceof RangeError) throw new UserError((e as Error).message);
      throw e;
    } finally {
      stop.dispose();
    }
    if (stop.exitCode() !== undefined) {
      rec?.recorder.cancel();
      return stop.exitCode()!;
    }
    const yaml = scenarioYaml(rep);
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, yaml);
      renameSync(tmp, out);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new UserError(`cannot write ${out}: ${(e as Error).message}`);
    }
    if (v.json !== undefined) writeJsonAtomic(v.json, rep);
    process.stdout.write(summary(rep, out));
    if (rec) {
      const run = await rec.recorder.complete({
        metrics: calibrationMetrics(rep),
        files: [out, ...(v.json !== undefined ? [v.json] : [])],
      });
      if (v.quiet !== true)
        process.stderr.write(`calibrate: recorded as run ${run.id} (${rec.store.file})\n`);
    }
    return 0;
  }
}

/** The 'calibrate' run, or undefined (with a warning) when the store cannot be opened. */
function startCalibrationRecord(
  dataDir: string,
  dataset: string,
  options: Record<string, unknown>,
): { store: Store; recorder: RunRecorder } | undefined {
  return startInStore(
    () => dataDir,
    (store) => {
      let info: { id: string; name: string; contentHash: string; format: string } | undefined;
      try {
        info = readDataset(dataDir, dataset);
      } catch {
        info = undefined; // an unknown dataset fails in the calibration, and is recorded so
      }
      const recorder = RunRecorder.start(store.runs, {
        kind: 'calibrate',
        name: `calibrate ${info?.name ?? dataset}`,
        config: canonical({ command: 'calibrate', ...options, dataset: info?.id ?? dataset }),
        seed: CALIBRATION_SEED,
        paths: 0,
        codeVersion: codeVersion(),
        datasetHash: info?.contentHash ?? null,
        tags: info ? [info.format, tagOf(info.name)] : [],
      });
      return { store, recorder };
    },
    (e) =>
      process.stderr.write(
        `quotebench calibrate: warning: this calibration is not recorded in the run store: ${e.message}\n`,
      ),
  );
}

/** A dataset name as a search tag (letters, digits and _ . : / - only). */
function tagOf(name: string): string {
  return name.replace(/[^\p{L}\p{N}_.:/-]/gu, '_').slice(0, 100) || '_';
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
