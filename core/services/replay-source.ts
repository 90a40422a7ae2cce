/**
 * What `replay.start` plays, from its input: a backtest config (a preset, YAML, or the config a
 * `source: 'dataset'` input stands for) and the market it names — the book-mode simulator, or a catalog
 * dataset loaded as a tape (DuckDB, asynchronous) and replayed (./session-market.ts DatasetMarket).
 * Errors are ApiExceptions naming the input field: a dataset that is not in the catalog is `not_found`
 * at `dataset` (or `scenario.dataset` in a config).
 */
import { ApiException, type MethodInput, type ScenarioPreset } from '../api/contract';
import type { BacktestConfig } from '../backtest/config';
import { loadMarketInputs } from '../backtest/run';
import { checkConfigDataAsync, parseConfigTextAsync } from '../config-worker/parse-async';
import { CatalogError, readDataset } from '../data/catalog';
import { ReplayMarket } from '../replay/replay-market';
import { toReplayScenario } from '../replay/scenario';
import { toBookScenario } from '../sim/scenario';
import { DatasetMarket, SimulatedMarket, type SessionMarket } from './session-market';

type StartInput = MethodInput<'replay.start'>;

/** The config a start input names (parsed and checked in the config worker). */
export async function replayConfig(input: StartInput, presets: ScenarioPreset[]): Promise<BacktestConfig> {
  if (input.source === 'dataset') return datasetConfig(input);
  const preset = input.preset !== undefined ? presets.find((p) => p.id === input.preset) : undefined;
  if (input.preset !== undefined && !preset)
    throw new ApiException('not_found', `no preset ${input.preset}`, 'preset');
  const text = input.yaml ?? preset?.yaml;
  if (text === undefined)
    throw new ApiException('invalid_input', 'give a preset or the yaml of a book-mode config', 'preset');
  const cfg = await parseConfigTextAsync(text, input.preset ?? 'yaml', 'backtest');
  if (cfg.scenario.mode === 'intensity')
    throw new ApiException(
      'invalid_input',
      'the order-book replay needs a book-mode or replay-mode scenario',
      'scenario.mode',
    );
  return cfg;
}

/** The backtest config a `source: 'dataset'` input stands for; issues name the input's fields. */
async function datasetConfig(input: StartInput): Promise<BacktestConfig> {
  const { dataset, strategy } = input;
  if (dataset === undefined)
    throw new ApiException('invalid_input', "source 'dataset' needs the dataset to play", 'dataset');
  if (strategy === undefined)
    throw new ApiException('invalid_input', "source 'dataset' needs a strategy spec", 'strategy');
  const constant = (value: number): { model: 'constant'; value: number } => ({ model: 'constant', value });
  const latency =
    input.latency === 'recorded'
      ? { model: 'recorded' }
      : input.latency !== undefined
        ? {
            entry: constant(input.latency),
            cancel: constant(input.latency),
            marketData: constant(input.latency),
          }
        : undefined;
  const scenario: Record<string, unknown> = { mode: 'replay', name: `replay-${dataset}`, dataset };
  if (input.queue !== undefined)
    scenario.queue = input.queue === 'prob-power' ? { model: input.queue, n: 2 } : { model: input.queue };
  if (latency !== undefined) scenario.latency = latency;
  if (input.from !== undefined) scenario.from = input.from;
  if (input.lotSize !== undefined) scenario.lotSize = input.lotSize;
  if (input.decisionInterval !== undefined) scenario.decisionInterval = input.decisionInterval;
  const checked = await checkConfigDataAsync(
    { name: `replay-${dataset}`, seed: input.seed ?? 1, paths: 1, scenario, strategies: [strategy] },
    'backtest',
  );
  if (checked.ok) return checked.data;
  const issue = checked.issues[0];
  const where = issue?.path ?? '';
  const path = where.startsWith('scenario.')
    ? where.slice('scenario.'.length)
    : where.replace(/^strategies\.0(\.|$)/, 'strategy$1');
  throw new ApiException('invalid_input', issue?.message ?? 'invalid', path);
}

/**
 * The market of a config: the simulator (book mode), or the replay of its dataset, loaded from the
 * catalog in `dataDir`. `fields`: the input fields that named the dataset and the queue model (errors).
 */
export async function openMarket(
  cfg: BacktestConfig,
  dataDir: string,
  depthLevels: number,
  fields: { dataset: string; queue: string },
): Promise<SessionMarket> {
  const sc = cfg.scenario;
  if (sc.mode === 'book') return new SimulatedMarket(toBookScenario(sc));
  if (sc.mode !== 'replay')
    throw new ApiException(
      'invalid_input',
      'the order-book replay needs a book-mode scenario',
      'scenario.mode',
    );
  try {
    readDataset(dataDir, sc.dataset);
  } catch (e) {
    if (e instanceof CatalogError) throw new ApiException('not_found', e.message, fields.dataset);
    throw e;
  }
  const { tape } = await loadMarketInputs(sc, dataDir);
  if (!tape) throw new ApiException('not_found', `dataset ${sc.dataset} did not load`, fields.dataset);
  try {
    return new DatasetMarket(new ReplayMarket(tape, toReplayScenario(sc, tape)), depthLevels);
  } catch (e) {
    // The replay's own checks (e.g. fifo on L2 data, a window with no data).
    if (e instanceof RangeError)
      throw new ApiException(
        'invalid_input',
        e.message,
        /queue model/.test(e.message) ? fields.queue : fields.dataset,
      );
    throw e;
  }
}
