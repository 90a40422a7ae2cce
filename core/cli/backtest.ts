/** `quotebench backtest --config FILE [--json OUT] [--seed N] [--paths N] [--quiet]` */
import { ConfigError, loadConfigFile } from '../config/load-config';
import { backtestConfigSchema } from '../sim/backtest-config';
import { runBacktest, type BacktestResult } from '../sim/backtest';
import { UsageError, numberOption, parse } from './args';
import { ProgressBar } from './progress';
import { formatTable } from './table';
import { writeJsonAtomic } from './write-json';

export async function backtestCommand(args: string[]): Promise<number> {
  let values;
  try {
    values = parse(args, {
      config: { type: 'string', short: 'c' },
      json: { type: 'string' },
      seed: { type: 'string' },
      paths: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    });
    if (!values.config) throw new UsageError('--config FILE is required');
  } catch (e) {
    process.stderr.write(`quotebench backtest: ${(e as Error).message}\n`);
    return 2;
  }
  let cfg;
  try {
    cfg = loadConfigFile(values.config, backtestConfigSchema);
    if (values.seed !== undefined) cfg.seed = Math.trunc(numberOption(values, 'seed'));
    if (values.paths !== undefined) cfg.paths = Math.max(1, Math.trunc(numberOption(values, 'paths')));
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`quotebench backtest: invalid config\n${e.message}\n`);
      return 2;
    }
    throw e;
  }

  const bar = new ProgressBar('backtest', process.stderr, !values.quiet);
  let result: BacktestResult;
  try {
    result = runBacktest(cfg, { onProgress: (p) => bar.update(p.done, p.total, p.strategy) });
  } catch (e) {
    bar.done();
    if (e instanceof RangeError || e instanceof ConfigError) {
      process.stderr.write(`quotebench backtest: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  bar.done();

  process.stdout.write(
    `${cfg.name}: ${cfg.paths} paths, seed ${cfg.seed}, scenario ${cfg.scenario.name}\n\n`,
  );
  process.stdout.write(resultsTable(result));
  if (values.json) {
    writeJsonAtomic(values.json, {
      runs: result.runs.map((r) => ({
        strategy: r.strategy,
        params: r.params,
        scenario: r.scenario,
        paths: r.paths,
        metrics: r.metrics,
      })),
    });
    process.stderr.write(`wrote ${values.json}\n`);
  }
  return 0;
}

export function resultsTable(result: BacktestResult): string {
  const headers = [
    'strategy',
    'params',
    'spread',
    'pnl mean',
    'pnl std',
    'q_T mean',
    'q_T std',
    'sharpe',
    'max dd',
    'ES99',
    'fill rate',
    'rs bps',
  ];
  const rows = result.runs.map((r) => [
    r.strategy,
    Object.entries(r.params)
      .filter(
        ([k]) => k === 'gamma' || k === 'halfSpread' || k === 'skewPerLot' || k === 'method' || k === 'Q',
      )
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' '),
    r.metrics.avgSpread,
    r.metrics.pnlMean,
    r.metrics.pnlStd,
    r.metrics.finalInventoryMean,
    r.metrics.finalInventoryStd,
    r.metrics.sharpe,
    r.metrics.maxDrawdown,
    r.metrics.es99,
    r.metrics.fillRate,
    r.metrics.realizedSpreadBps,
  ]);
  return formatTable(headers, rows);
}
