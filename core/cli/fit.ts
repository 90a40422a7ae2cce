/**
 * `quotebench fit garch --returns FILE [--json OUT]`
 * `quotebench fit regimes --returns FILE [--states K] [--json OUT] [--probs OUT.csv]`
 * `quotebench fit book --dataset ID [--json OUT] [--data-dir DIR]`: spread distribution and transitions,
 *   trade rate and sizes, receive latency (core/calibration/book-stats.ts).
 * `quotebench fit intensity --dataset ID [--deltas LIST] [--json OUT] [--data-dir DIR]`: λ(δ) = A·e^(−kδ)
 *   from a catalog dataset's top of book and trades (core/calibration/intensity-data.ts, intensity.ts).
 *
 * Reads a returns CSV (core/calibration/returns-csv.ts), fits the model by maximum likelihood and
 * prints a table of estimates (GARCH: with standard errors and z = estimate / SE) and fit statistics.
 * - garch: GARCH(1,1) with constant mean (core/calibration/garch.ts). JSON:
 *   {"n","mu","omega","alpha","beta","logLikelihood","stdErrors":{"mu","omega","alpha","beta"},"aic","bic",
 *    "persistence","unconditionalVariance","converged","iterations","evaluations","starts","startsAgreeing",
 *    "warnings"}; a standard error that cannot be computed is null.
 * - regimes: K-state Markov-switching normal model (core/calibration/regimes.ts), states by ascending σ.
 *   JSON: {"n","means","sigmas","transition" (row = from, column = to),"logLikelihood","states",
 *   "stationary","expectedDurations","aic","bic","converged","iterations","polishGain","starts",
 *   "startsAgreeing","sigmaFloor","warnings","probabilities" (the --probs path or null)}.
 *   --probs writes the smoothed probabilities: header `t,p0,…,p{K−1}`, t = 1-based observation.
 * Bad input (unreadable file, a malformed line, too few rows) is one line naming the file and line,
 * exit 2, and nothing written; outputs are written atomically (temporary file + rename) after the fit.
 * The fit runs in the foreground (seconds for 10⁵ returns): SIGINT ends the process with nothing
 * written.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { ljungBox, moments, type LjungBox, type Moments } from '../calibration/diagnostics';
import { GARCH_MIN_RETURNS, fitGarch, garchConditionalVariances, type GarchFit } from '../calibration/garch';
import { CalibrationInputError } from '../calibration/input';
import { fitRegimes, type RegimesFit } from '../calibration/regimes';
import { readReturnsCsv } from '../calibration/returns-csv';
import { IntensityFitError, fitIntensity, type IntensityFit } from '../calibration/intensity';
import { intensityFromDataset } from '../calibration/intensity-data';
import { SPREAD_STATES, bookStats, type BookStats } from '../calibration/book-stats';
import { CatalogError } from '../data/catalog';
import { UsageError, UserError, cliDataDir, intOption, parse } from './args';
import { FIT_OPTIONS } from './commands';
import { formatTable } from '../text/table';
import { checkWritable, writeJsonAtomic } from './write-json';

export async function fitCommand(args: string[]): Promise<number> {
  const [model, ...rest] = args;
  // main.ts checks the model before loading this module; repeated for direct callers.
  if (model !== 'garch' && model !== 'regimes' && model !== 'intensity' && model !== 'book')
    throw new UsageError(
      `expected garch or regimes or intensity or book as the first argument, got ${model === undefined ? 'nothing' : `"${model}"`}`,
    );
  const v = parse(rest, FIT_OPTIONS);
  if (model === 'intensity') return fitIntensityCommand(v);
  if (model === 'book') return bookStatsCommand(v);
  for (const key of ['dataset', 'deltas', 'data-dir'] as const)
    if (v[key] !== undefined) throw new UsageError(`--${key} applies to fit intensity only`);
  const file = v.returns;
  if (file === undefined) throw new UsageError('--returns is required');
  if (model === 'garch') {
    if (v.states !== undefined) throw new UsageError('--states applies to fit regimes only');
    if (v.probs !== undefined) throw new UsageError('--probs applies to fit regimes only');
  }
  const states = model === 'regimes' ? intOption(v, 'states', FIT_OPTIONS.states) : 0;
  if (v.json !== undefined) checkWritable(v.json);
  if (v.probs !== undefined) checkWritable(v.probs);

  const { returns, firstLine } = userInput(() => readReturnsCsv(file));
  const need = model === 'garch' ? GARCH_MIN_RETURNS : 10 * states;
  if (returns.length < need) {
    const lines =
      returns.length === 1 ? `line ${firstLine}` : `lines ${firstLine}–${firstLine + returns.length - 1}`;
    const what = model === 'garch' ? 'GARCH(1,1)' : `the ${states}-state model`;
    throw new UserError(`${file}: ${returns.length} returns (${lines}); ${what} needs at least ${need}`);
  }
  if (model === 'garch') {
    const fit = userInput(() => fitGarch(returns), file);
    const diag = garchDiagnostics(returns, fit);
    process.stdout.write(`${garchReport(file, fit)}\n${diagnosticsReport(diag)}`);
    warn(fit.warnings);
    if (v.json !== undefined) writeJsonAtomic(v.json, { ...garchJson(fit), diagnostics: diag });
  } else {
    const fit = userInput(() => fitRegimes(returns, states), file);
    process.stdout.write(regimesReport(file, fit));
    warn(fit.warnings);
    if (v.probs !== undefined) writeProbabilitiesCsv(v.probs, fit);
    if (v.json !== undefined) writeJsonAtomic(v.json, regimesJson(fit, v.probs ?? null));
  }
  return 0;
}

/** `fit intensity --dataset ID [--deltas LIST] [--json OUT] [--data-dir DIR]`. */
async function fitIntensityCommand(v: ReturnType<typeof parse<typeof FIT_OPTIONS>>): Promise<number> {
  for (const key of ['returns', 'states', 'probs'] as const)
    if (v[key] !== undefined) throw new UsageError(`--${key} does not apply to fit intensity`);
  if (v.dataset === undefined) throw new UsageError('--dataset ID is required for fit intensity');
  let deltas: number[] | undefined;
  if (v.deltas !== undefined) {
    deltas = v.deltas.split(',').map((x) => Number(x.trim()));
    if (deltas.length < 2 || deltas.some((d) => !(Number.isFinite(d) && d >= 0)))
      throw new UsageError(`--deltas must be two or more comma-separated numbers ≥ 0, got "${v.deltas}"`);
  }
  if (v.json !== undefined) checkWritable(v.json);
  const dataDir = cliDataDir(v['data-dir']);
  let data;
  try {
    data = await intensityFromDataset(dataDir, v.dataset, deltas);
  } catch (e) {
    if (e instanceof CatalogError || e instanceof RangeError) throw new UserError((e as Error).message);
    throw e;
  }
  let fit: IntensityFit;
  try {
    fit = fitIntensity(data.bins);
  } catch (e) {
    if (e instanceof IntensityFitError) throw new UserError(`dataset ${data.dataset}: ${e.message}`);
    throw e;
  }
  const pct = Math.round(fit.level * 100);
  const head =
    `Execution intensity λ(δ) = A·exp(−kδ) on dataset ${data.dataset}: ${data.tradesUsed} of ${data.trades} trades ` +
    `over ${data.seconds.toFixed(1)} s (median half-spread ${Number(data.medianHalfSpread.toPrecision(6))}); Poisson MLE with exposure\n\n`;
  const est = formatTable(
    ['parameter', 'estimate', `${pct}% CI low`, `${pct}% CI high`],
    [
      ['A (per second)', fit.A, fit.ciA[0], fit.ciA[1]],
      ['k (per price unit)', fit.k, fit.ciK[0], fit.ciK[1]],
    ],
  );
  const bins = formatTable(
    ['delta', 'count', 'exposure (s)', 'empirical rate', 'fitted rate'],
    fit.bins.map((b) => [b.delta, b.count, b.exposure, b.empiricalRate, b.fittedRate]),
  );
  const stats = formatTable(
    ['statistic', 'value'],
    [
      ['log-likelihood', fit.logLikelihood],
      [`deviance (df ${fit.degreesOfFreedom})`, fit.deviance],
      ['Pearson X²', fit.pearsonChi2],
      ['converged', fit.converged ? 'yes' : 'no'],
    ],
  );
  process.stdout.write(`${head}${est}\n${bins}\n${stats}`);
  if (v.json !== undefined)
    writeJsonAtomic(v.json, {
      dataset: data.dataset,
      trades: data.trades,
      tradesUsed: data.tradesUsed,
      seconds: data.seconds,
      medianHalfSpread: data.medianHalfSpread,
      ...fit,
    });
  return 0;
}

/** `fit book --dataset ID [--json OUT] [--data-dir DIR]`: spread, transitions, trades, latency. */
async function bookStatsCommand(v: ReturnType<typeof parse<typeof FIT_OPTIONS>>): Promise<number> {
  for (const key of ['returns', 'states', 'probs', 'deltas'] as const)
    if (v[key] !== undefined) throw new UsageError(`--${key} does not apply to fit book`);
  if (v.dataset === undefined) throw new UsageError('--dataset ID is required for fit book');
  if (v.json !== undefined) checkWritable(v.json);
  const dataDir = cliDataDir(v['data-dir']);
  let st: BookStats;
  try {
    st = await bookStats(dataDir, v.dataset);
  } catch (e) {
    if (e instanceof CatalogError || e instanceof RangeError) throw new UserError((e as Error).message);
    throw e;
  }
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const out = [
    `Book statistics of dataset ${st.dataset}: ${st.bookEvents} book events over ${st.seconds.toFixed(1)} s, tick ${st.tick}\n`,
    formatTable(
      ['spread (ticks)', 'share of events', 'share of time'],
      st.spread.map((r) => [r.state, pct(r.share), pct(r.timeShare)]),
    ),
    formatTable(
      ['from \\ to', ...SPREAD_STATES],
      st.transition.map((row, i) => [
        SPREAD_STATES[i]!,
        ...(row === null ? SPREAD_STATES.map(() => '—') : row.map(pct)),
      ]),
    ),
    formatTable(
      ['trades', 'value'],
      [
        ['count', st.trades.count],
        ['per second', st.trades.perSecond],
        ['buyer-initiated share', pct(st.trades.buyShare)],
        ['size mean', st.trades.sizeMean],
        [
          'size median / p90 / p99 / max',
          `${st.trades.sizeQuantiles.p50} / ${st.trades.sizeQuantiles.p90} / ${Number(st.trades.sizeQuantiles.p99.toPrecision(6))} / ${st.trades.sizeQuantiles.max}`,
        ],
      ],
    ),
    st.latencyMs === null
      ? 'latency: the source has no receive times\n'
      : formatTable(
          ['receive − exchange time (ms, includes clock offset)', 'value'],
          [
            ['events', st.latencyMs.count],
            ['min / median', `${st.latencyMs.min} / ${st.latencyMs.p50}`],
            ['p95 / p99 / max', `${st.latencyMs.p95} / ${st.latencyMs.p99} / ${st.latencyMs.max}`],
          ],
        ),
  ];
  process.stdout.write(out.join('\n'));
  if (st.lockedOrCrossed > 0)
    process.stderr.write(`warning: ${st.lockedOrCrossed} book events were locked or crossed\n`);
  if (v.json !== undefined) writeJsonAtomic(v.json, st);
  return 0;
}

/** Calibration input errors are the user's to fix: exit 2 with the message (prefixed by the file). */
function userInput<T>(f: () => T, file?: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CalibrationInputError)
      throw new UserError(file !== undefined ? `${file}: ${e.message}` : e.message);
    throw e;
  }
}

function warn(warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
}

const nullable = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function garchJson(f: GarchFit): Record<string, unknown> {
  return {
    n: f.n,
    mu: f.mu,
    omega: f.omega,
    alpha: f.alpha,
    beta: f.beta,
    logLikelihood: f.logLikelihood,
    stdErrors: {
      mu: nullable(f.stdErrors.mu),
      omega: nullable(f.stdErrors.omega),
      alpha: nullable(f.stdErrors.alpha),
      beta: nullable(f.stdErrors.beta),
    },
    aic: f.aic,
    bic: f.bic,
    persistence: f.persistence,
    unconditionalVariance: f.unconditionalVariance,
    converged: f.converged,
    iterations: f.iterations,
    evaluations: f.evaluations,
    starts: f.starts,
    startsAgreeing: f.startsAgreeing,
    warnings: f.warnings,
  };
}

export interface GarchDiagnostics {
  /** Standardized residuals z_t = (r_t − μ)/σ_t: moments (N(0, 1) under the model). */
  standardized: Moments;
  /** Ljung–Box on z (lags h, df h) and on z² (df h − 2 for α and β: Li & Mak 1994). */
  ljungBox: LjungBox;
  ljungBoxSquared: LjungBox;
}

/** Fit quality of a GARCH fit: residual moments and Ljung–Box tests (core/calibration/diagnostics.ts). */
export function garchDiagnostics(returns: ArrayLike<number>, f: GarchFit): GarchDiagnostics {
  const v = garchConditionalVariances(returns, f);
  const n = returns.length;
  const z = new Float64Array(n);
  const z2 = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    z[t] = (returns[t]! - f.mu) / Math.sqrt(v[t]!);
    z2[t] = z[t]! * z[t]!;
  }
  const h = Math.min(10, Math.floor(n / 5));
  return {
    standardized: moments(z),
    ljungBox: ljungBox(z, h),
    ljungBoxSquared: ljungBox(z2, h, Math.min(2, h - 1)),
  };
}

function diagnosticsReport(d: GarchDiagnostics): string {
  const s = d.standardized;
  return formatTable(
    ['residual diagnostic', 'value', 'under the model'],
    [
      ['mean of z', s.mean, '0'],
      ['variance of z', s.variance, '1'],
      ['skewness of z', s.skewness, '0'],
      ['excess kurtosis of z', s.excessKurtosis, '0'],
      [`Ljung–Box Q(${d.ljungBox.lags}) of z, p`, d.ljungBox.pValue, `χ²(${d.ljungBox.df})`],
      [
        `Ljung–Box Q(${d.ljungBoxSquared.lags}) of z², p`,
        d.ljungBoxSquared.pValue,
        `χ²(${d.ljungBoxSquared.df})`,
      ],
    ],
  );
}

export function regimesJson(f: RegimesFit, probabilities: string | null): Record<string, unknown> {
  return {
    n: f.n,
    means: f.means,
    sigmas: f.sigmas,
    transition: f.transition,
    logLikelihood: f.logLikelihood,
    states: f.states,
    stationary: f.stationary,
    expectedDurations: f.expectedDurations,
    aic: f.aic,
    bic: f.bic,
    converged: f.converged,
    iterations: f.iterations,
    polishGain: f.polishGain,
    starts: f.starts,
    startsAgreeing: f.startsAgreeing,
    sigmaFloor: f.sigmaFloor,
    warnings: f.warnings,
    probabilities,
  };
}

function garchReport(file: string, f: GarchFit): string {
  const rows: [string, number, number][] = [
    ['mu', f.mu, f.stdErrors.mu],
    ['omega', f.omega, f.stdErrors.omega],
    ['alpha', f.alpha, f.stdErrors.alpha],
    ['beta', f.beta, f.stdErrors.beta],
  ];
  const estimates = formatTable(
    ['parameter', 'estimate', 'std. error', 'z'],
    rows.map(([name, est, se]) => [name, est, se, est / se]),
  );
  const stats = formatTable(
    ['statistic', 'value'],
    [
      ['log-likelihood', f.logLikelihood],
      ['AIC', f.aic],
      ['BIC', f.bic],
      ['persistence α+β', f.persistence],
      ['unconditional σ', Math.sqrt(f.unconditionalVariance)],
      ['converged', f.converged ? 'yes' : 'no'],
      ['iterations', f.iterations],
      ['starts agreeing', `${f.startsAgreeing} of ${f.starts}`],
    ],
  );
  return `GARCH(1,1), constant mean, on ${file}: n = ${f.n}\n\n${estimates}\n${stats}`;
}

function regimesReport(file: string, f: RegimesFit): string {
  const K = f.states;
  const headers = ['state', 'mean', 'sigma', 'stationary', 'duration', ...f.means.map((_, k) => `P(→${k})`)];
  const rows = f.means.map((m, j) => [
    j,
    m,
    f.sigmas[j]!,
    f.stationary[j]!,
    f.expectedDurations[j]!,
    ...f.transition[j]!.map((p) => p),
  ]);
  const stats = formatTable(
    ['statistic', 'value'],
    [
      ['log-likelihood', f.logLikelihood],
      ['AIC', f.aic],
      ['BIC', f.bic],
      ['converged', f.converged ? 'yes' : 'no'],
      ['EM iterations', f.iterations],
      ['starts agreeing', `${f.startsAgreeing} of ${f.starts}`],
    ],
  );
  return (
    `Markov-switching normal model, ${K} states (ascending σ), on ${file}: n = ${f.n}\n\n` +
    `${formatTable(headers, rows)}\n${stats}`
  );
}

/** The smoothed probabilities as CSV, written to a temporary file in chunks, then renamed. */
function writeProbabilitiesCsv(path: string, f: RegimesFit): void {
  const K = f.states;
  const tmp = `${path}.${process.pid}.tmp`;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    let chunk = `t,${Array.from({ length: K }, (_, j) => `p${j}`).join(',')}\n`;
    for (let t = 0; t < f.n; t++) {
      chunk += String(t + 1);
      for (let j = 0; j < K; j++) chunk += `,${f.smoothed[t * K + j]!}`;
      chunk += '\n';
      if (chunk.length > 1 << 16) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new UserError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
