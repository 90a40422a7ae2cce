/**
 * The one table of the CLI's commands: each command's usage line, summary and options (type, short
 * flag, value placeholder, help line, default, integer range). The commands parse their arguments
 * with these specs, main.ts checks every command line against them before loading a command, and
 * `--help` is rendered from them, so the parser, the help and the README table cannot drift apart.
 * Invariant: this module imports nothing heavy (it is loaded for `--help` and `--version`).
 */
import type { OptionSpec } from './args';

/** Valid seeds: the RNG takes seeds as unsigned 32-bit integers (core/rng, the config schemas). */
export const MAX_SEED = 0xffffffff;

const help = {
  type: 'boolean',
  short: 'h',
  help: 'Show this help and exit.',
} as const satisfies OptionSpec;

export const BACKTEST_OPTIONS = {
  config: { type: 'string', short: 'c', arg: 'FILE', help: 'Backtest config (YAML). Required.' },
  json: { type: 'string', arg: 'OUT', help: 'Also write every metric as JSON to OUT (atomically).' },
  seed: {
    type: 'string',
    arg: 'N',
    help: "Override the config's seed.",
    min: 0,
    max: MAX_SEED,
  },
  paths: {
    type: 'string',
    arg: 'N',
    help: "Override the config's number of paths.",
    min: 1,
    max: 1_000_000,
  },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory: the store the run is recorded in (DIR/quotebench.sqlite) and the catalog a replay scenario reads its dataset from.',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  quiet: { type: 'boolean', short: 'q', help: 'No progress bar.' },
  help,
} as const satisfies Record<string, OptionSpec>;

export const QUOTES_OPTIONS = {
  model: {
    type: 'string',
    arg: 'glft|as',
    help: 'Guéant–Lehalle–Fernandez-Tapia or Avellaneda–Stoikov.',
    def: 'glft',
  },
  method: {
    type: 'string',
    arg: 'exact|asymptotic',
    help: 'Finite-horizon solution or closed-form approximation.',
    def: 'exact',
  },
  sigma: { type: 'string', arg: 'S', help: 'Volatility of the mid (price units per √time), > 0. Required.' },
  A: {
    type: 'string',
    arg: 'A',
    help: 'Intensity scale of λ(δ) = A·e^(−kδ), > 0. Required except for as asymptotic.',
  },
  k: { type: 'string', arg: 'K', help: 'Intensity decay k, > 0. Required.' },
  gamma: { type: 'string', arg: 'G', help: 'Risk aversion γ, > 0. Required.' },
  T: { type: 'string', arg: 'T', help: 'Horizon, > 0. Required.' },
  Q: {
    type: 'string',
    arg: 'Q',
    help: 'Inventory bound: rows for q in [−Q, Q]. Required.',
    min: 1,
    max: 1000,
  },
  t: { type: 'string', arg: 'T0', help: 'Time at which to quote, in [0, T].', def: '0' },
  json: { type: 'boolean', help: 'Print {"quotes":[{"q","bid","ask"}]} instead of a table.' },
  help,
} as const satisfies Record<string, OptionSpec>;

export const TRAIN_OPTIONS = {
  config: { type: 'string', short: 'c', arg: 'FILE', help: 'Training config (YAML). Required.' },
  'run-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Where checkpoints go.',
    def: '<data dir>/training/<name>-<seed>',
  },
  resume: { type: 'boolean', help: "Continue from the run directory's newest checkpoint." },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory: the store the training run is recorded in (DIR/quotebench.sqlite).',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  steps: {
    type: 'string',
    arg: 'N',
    help: 'Override budget.totalSteps (also when resuming).',
    min: 1,
    max: 1_000_000_000,
  },
  quiet: { type: 'boolean', short: 'q', help: 'No progress bar or log lines.' },
  help,
} as const satisfies Record<string, OptionSpec>;

export const EVAL_OPTIONS = {
  checkpoint: {
    type: 'string',
    multiple: true,
    arg: 'DIR',
    help: 'A checkpoint or run directory; repeat to compare agents. Required.',
  },
  episodes: {
    type: 'string',
    arg: 'N',
    help: 'Held-out evaluation paths.',
    def: 100,
    min: 2,
    max: 1_000_000,
  },
  'tune-episodes': {
    type: 'string',
    arg: 'N',
    help: 'Training paths to tune the baselines on (0: no tuning).',
    def: 20,
    min: 0,
    max: 1_000_000,
  },
  gammas: {
    type: 'string',
    arg: 'LIST',
    help: 'Comma-separated coarse γ grid for tuning AS and GLFT (its range is the γ box).',
    def: 'built in',
  },
  box: {
    type: 'string',
    multiple: true,
    arg: 'P=LO:HI',
    help: 'Search box of a tuned parameter (gamma, A, k, halfSpread, skewPerLot); repeatable.',
    def: 'from the config',
  },
  'refine-budget': {
    type: 'string',
    arg: 'N',
    help: 'New evaluations allowed per compass search (3 per baseline, from its best grid points).',
    def: '16 per parameter',
    min: 0,
    max: 100_000,
  },
  'first-path': {
    type: 'string',
    arg: 'N',
    help: 'First path index of the evaluation seed.',
    def: 1000,
    min: 0,
    max: 1_000_000_000,
  },
  pick: { type: 'string', arg: 'latest|best', help: 'Which checkpoint of a run directory.', def: 'latest' },
  resamples: {
    type: 'string',
    arg: 'B',
    help: 'Bootstrap resamples for the 95% CIs.',
    def: 2000,
    min: 100,
    max: 1_000_000,
  },
  replay: {
    type: 'string',
    arg: 'DATASET',
    help: 'Evaluate on a replay of this catalog dataset instead of simulated paths: one path per window.',
  },
  from: {
    type: 'string',
    arg: 'S',
    help: "With --replay: start of the replayed part, seconds after the dataset's first event.",
    def: 0,
  },
  to: {
    type: 'string',
    arg: 'S',
    help: "With --replay: end of the replayed part, seconds after the dataset's first event.",
    def: 'the end of the data',
  },
  window: {
    type: 'string',
    arg: 'S',
    help: 'With --replay: seconds per window (path).',
    def: "the agent's episode length",
  },
  queue: {
    type: 'string',
    arg: 'MODEL',
    help: 'With --replay: queue model fifo (L3 only), risk-averse, prob-power or prob-log.',
    def: 'fifo on L3 data, else risk-averse',
  },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory: where the evaluation is recorded as a run, and the catalog of --replay (DIR/datasets).',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  json: { type: 'string', arg: 'OUT', help: 'Also write the full evaluation as JSON to OUT.' },
  quiet: { type: 'boolean', short: 'q', help: 'No progress bars or log lines.' },
  help,
} as const satisfies Record<string, OptionSpec>;

export const BENCH_OPTIONS = {
  json: { type: 'string', arg: 'OUT', help: 'Also write the JSON to OUT.' },
  only: {
    type: 'string',
    arg: 'LIST',
    help: 'Comma-separated suites: book,lobster,sim,vectorEnv,as2008,cli,sac,ppo,pause,rollout,beat,ui,replay,ingest,calibrate,sweep; group rl = sac,ppo,pause,rollout,beat.',
    def: 'all',
  },
  help,
} as const satisfies Record<string, OptionSpec>;

export const SERVE_OPTIONS = {
  port: {
    type: 'string',
    short: 'p',
    arg: 'N',
    help: 'TCP port (0: any free port).',
    def: 5317,
    min: 0,
    max: 65535,
  },
  host: { type: 'string', arg: 'H', help: 'Address to bind.', def: '127.0.0.1' },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory.',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  static: { type: 'string', arg: 'DIR', help: 'Built renderer to serve.', def: 'out/renderer' },
  help,
} as const satisfies Record<string, OptionSpec>;

export const DATA_OPTIONS = {
  format: {
    type: 'string',
    arg: 'lobster|binance-raw|binance-csv|tardis',
    help: 'import: source format; binance-raw, binance-csv and tardis take their files as arguments.',
  },
  message: { type: 'string', arg: 'FILE', help: 'import lobster: the message file (plain or gzip).' },
  orderbook: { type: 'string', arg: 'FILE', help: 'import lobster: the orderbook file (plain or gzip).' },
  name: {
    type: 'string',
    arg: 'NAME',
    help: 'import, download, record: dataset name.',
    def: 'SYMBOL_DATE from the file name; SYMBOL_EXCHANGE_KIND_DATE for download and record',
  },
  date: {
    type: 'string',
    arg: 'YYYY-MM-DD',
    help: 'import lobster: trading date (US/Eastern).',
    def: 'from the file name',
  },
  dataset: {
    type: 'string',
    arg: 'ID',
    help: 'show, export: dataset id, a unique prefix of it, or its name.',
  },
  what: {
    type: 'string',
    arg: 'TABLE|KIND',
    help: 'export: which table, top, trades, events or bars (default top); download: trades, ohlcv or book (required).',
  },
  out: { type: 'string', arg: 'FILE', help: 'export: output file, CSV (with a header) or .parquet.' },
  json: {
    type: 'string',
    arg: 'OUT',
    help: 'import, download, record, list, show: also write the result as JSON to OUT.',
  },
  exchange: {
    type: 'string',
    arg: 'ID',
    help: 'download, record: ccxt exchange id, e.g. binance (spot) or binanceusdm (USD-M futures). Required.',
  },
  symbol: {
    type: 'string',
    arg: 'SYM',
    help: "download, record: market, unified (BTC/USDT, BTC/USDT:USDT) or the venue's id (BTCUSDT). Required.",
  },
  since: {
    type: 'string',
    arg: 'ISO',
    help: 'download trades, ohlcv: start (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]; UTC if no zone).',
    def: 'trades: --until − 1 h; ohlcv: --until − 1000 bars',
  },
  until: { type: 'string', arg: 'ISO', help: 'download trades, ohlcv: end (exclusive).', def: 'now' },
  timeframe: {
    type: 'string',
    arg: 'TF',
    help: 'download ohlcv: bar length (1m, 5m, 1h, 1d, …).',
    def: '1m',
  },
  snapshots: {
    type: 'string',
    arg: 'N',
    help: 'download book: number of order-book snapshots.',
    def: 1,
    min: 1,
    max: 1000000,
  },
  interval: { type: 'string', arg: 'S', help: 'download book: seconds between snapshots.', def: 1 },
  depth: {
    type: 'string',
    arg: 'N',
    help: 'download book, record: levels per side asked of the venue.',
    def: "the venue's default (ccxt)",
    min: 1,
    max: 5000,
  },
  duration: {
    type: 'string',
    arg: 'T',
    help: 'record: how long to record, from the first book or trade (90s, 15m, 2h; a number is seconds); Ctrl-C stops earlier and keeps it.',
    def: '60s',
  },
  'exchange-url': {
    type: 'string',
    arg: 'URL',
    help: 'download, record: base URL replacing the origin of every venue URL (a proxy or a test double; ws URLs follow the scheme).',
    def: '$QUOTEBENCH_EXCHANGE_URL or the venue',
  },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory (the catalog is DIR/datasets).',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  quiet: { type: 'boolean', short: 'q', help: 'No progress line.' },
  help,
} as const satisfies Record<string, OptionSpec>;

export const FIT_OPTIONS = {
  returns: {
    type: 'string',
    arg: 'FILE',
    help: 'garch, regimes: CSV of returns, a "return" column or a single numeric column; header optional. Required.',
  },
  states: {
    type: 'string',
    arg: 'K',
    help: 'regimes: number of states (ordered by ascending σ).',
    def: 2,
    min: 2,
    max: 8,
  },
  json: { type: 'string', arg: 'OUT', help: 'Also write the estimates as JSON to OUT (atomically).' },
  probs: {
    type: 'string',
    arg: 'OUT.csv',
    help: 'regimes: write the smoothed state probabilities (t,p0,…) to OUT.csv.',
  },
  dataset: {
    type: 'string',
    arg: 'ID',
    help: 'intensity, book: catalog dataset (id, id prefix or name). Required.',
  },
  deltas: {
    type: 'string',
    arg: 'LIST',
    help: 'intensity: comma-separated distances from the mid (price units).',
    def: '10 from the median half-spread to the 99th percentile of trade distances',
  },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'intensity, book: data directory.',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  help,
} as const satisfies Record<string, OptionSpec>;

export const CALIBRATE_OPTIONS = {
  dataset: { type: 'string', arg: 'ID', help: 'Catalog dataset (id, id prefix or name). Required.' },
  out: { type: 'string', arg: 'FILE', help: 'The calibrated backtest config (YAML) to write. Required.' },
  json: { type: 'string', arg: 'REPORT', help: 'Also write every fit and diagnostic as JSON to REPORT.' },
  interval: {
    type: 'string',
    arg: 'S',
    help: 'Sampling interval of the mid returns, in seconds (docs/architecture.md "Calibration").',
    def: 10,
  },
  'max-ticks': {
    type: 'string',
    arg: 'N',
    help: 'Distance cap (ticks from the mid) of the flow rates and the scenario.',
    def: 50,
    min: 1,
    max: 1000,
  },
  'pilot-seconds': {
    type: 'string',
    arg: 'S',
    help: 'Simulated seconds per pilot path (μ net of crossings, informed share); 0 skips the pilot.',
    def: 1800,
    min: 0,
    max: 86400,
  },
  from: {
    type: 'string',
    arg: 'S',
    help: "Calibrate from this many seconds after the dataset's first event (keep the rest for replays).",
    def: 0,
  },
  to: {
    type: 'string',
    arg: 'S',
    help: "Calibrate up to this many seconds after the dataset's first event (exclusive).",
    def: 'the end of the data',
  },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory (the catalog is DIR/datasets).',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  quiet: { type: 'boolean', short: 'q', help: 'No progress lines.' },
  help,
} as const satisfies Record<string, OptionSpec>;

export const VALIDATE_OPTIONS = {
  dataset: { type: 'string', arg: 'ID', help: 'Catalog dataset to compare with. Required.' },
  scenario: {
    type: 'string',
    arg: 'FILE',
    help: 'Backtest config with a book-mode scenario (e.g. the output of calibrate). Required.',
  },
  paths: { type: 'string', arg: 'N', help: "Simulated paths (default: the config's).", min: 1, max: 10000 },
  seed: { type: 'string', arg: 'N', help: "Seed (default: the config's).", min: 0, max: MAX_SEED },
  json: { type: 'string', arg: 'OUT', help: 'Also write every statistic and comparison as JSON to OUT.' },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory (the catalog is DIR/datasets).',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  quiet: { type: 'boolean', short: 'q', help: 'No progress lines.' },
  help,
} as const satisfies Record<string, OptionSpec>;

const dataDirOption = {
  type: 'string',
  arg: 'DIR',
  help: 'Data directory (the store is DIR/quotebench.sqlite; replays read DIR/datasets).',
  def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
} as const satisfies OptionSpec;

export const SWEEP_OPTIONS = {
  config: { type: 'string', short: 'c', arg: 'FILE', help: 'Sweep config (YAML, docs/sweeps.md). Required.' },
  workers: {
    type: 'string',
    arg: 'N',
    help: 'Worker threads of a local sweep (default: one per core).',
    min: 1,
    max: 256,
  },
  redis: {
    type: 'string',
    arg: 'URL',
    help: 'Fan the cells out through BullMQ on this Redis (redis://host:port); `quotebench worker` computes them.',
  },
  queue: { type: 'string', arg: 'NAME', help: 'BullMQ queue name (with --redis).', def: 'quotebench-sweep' },
  'data-dir': dataDirOption,
  json: {
    type: 'string',
    arg: 'OUT',
    help: 'Also write the table and every cell as JSON to OUT (atomically).',
  },
  quiet: { type: 'boolean', short: 'q', help: 'No progress bar.' },
  help,
} as const satisfies Record<string, OptionSpec>;

export const WORKER_OPTIONS = {
  redis: { type: 'string', arg: 'URL', help: 'The Redis of the sweep (redis://host:port). Required.' },
  queue: { type: 'string', arg: 'NAME', help: 'BullMQ queue name.', def: 'quotebench-sweep' },
  concurrency: {
    type: 'string',
    arg: 'N',
    help: 'Cells computed at once, each in its own worker thread.',
    def: 1,
    min: 1,
    max: 256,
  },
  'lock-ms': {
    type: 'string',
    arg: 'MS',
    help: "How long a cell stays this worker's without a lock renewal; after that (a dead worker) another takes it.",
    def: 30000,
    min: 1000,
    max: 3600000,
  },
  'data-dir': dataDirOption,
  quiet: { type: 'boolean', short: 'q', help: 'No log lines.' },
  help,
} as const satisfies Record<string, OptionSpec>;

export const REPORT_OPTIONS = {
  out: { type: 'string', short: 'o', arg: 'DIR', help: 'Directory to write the report into. Required.' },
  pdf: { type: 'boolean', help: "Also print it to PDF with Debian's Chromium (/usr/bin/chromium)." },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory (the run store and the catalog).',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  help,
} as const satisfies Record<string, OptionSpec>;

export const MLFLOW_OPTIONS = {
  uri: {
    type: 'string',
    arg: 'URL',
    help: 'MLflow tracking server to log to over its REST API (http(s)://host:port).',
    def: '$MLFLOW_TRACKING_URI unless --out is given',
  },
  experiment: {
    type: 'string',
    arg: 'NAME',
    help: 'MLflow experiment (created if absent).',
    def: 'quotebench',
  },
  out: {
    type: 'string',
    short: 'o',
    arg: 'DIR',
    help: 'Write an offline export instead: DIR becomes an MLflow file store (mlflow ui --backend-store-uri DIR).',
  },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory (the run store and the catalog).',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  help,
} as const satisfies Record<string, OptionSpec>;

export const PAPER_OPTIONS = {
  venue: {
    type: 'string',
    arg: 'paper|binanceusdm-demo|binance-testnet',
    help: 'Where to trade: our orders matched locally (paper), or Binance USD-M demo trading or the spot testnet with your keys.',
    def: 'paper',
  },
  symbol: {
    type: 'string',
    arg: 'SYM',
    help: "Market, unified (BTC/USDT:USDT) or the venue's id (BTCUSDT). Required unless --dataset.",
  },
  quoter: {
    type: 'string',
    arg: 'SPEC',
    help: "A strategy spec as in a config's strategies, YAML or JSON, e.g. '{type: fixed-spread, halfSpread: 0.5, orderSizeLots: 1}'.",
  },
  checkpoint: {
    type: 'string',
    arg: 'PATH',
    help: 'An RL checkpoint or run directory (instead of --quoter).',
  },
  config: {
    type: 'string',
    short: 'c',
    arg: 'FILE',
    help: 'A paper config (YAML: models, fees, latency, queue, limits…); flags override it.',
  },
  dataset: {
    type: 'string',
    arg: 'ID',
    help: 'venue paper: play this catalog dataset as the feed (else a live ccxt.pro feed).',
  },
  speed: {
    type: 'string',
    arg: 'X',
    help: 'With --dataset: feed seconds per wall second; 0 = as fast as possible.',
    def: 1,
  },
  exchange: {
    type: 'string',
    arg: 'ID',
    help: 'venue paper without --dataset: ccxt id of the live public feed.',
    def: 'binanceusdm',
  },
  'exchange-url': {
    type: 'string',
    arg: 'URL',
    help: 'Base URL replacing the origin of every venue URL (a proxy or a local fake exchange).',
  },
  'lot-size': {
    type: 'string',
    arg: 'L',
    help: 'Venue units per quoter lot.',
    def: "the market's amount step (1 on a dataset)",
  },
  interval: { type: 'string', arg: 'MS', help: 'Decision interval, feed-time milliseconds.', def: 1000 },
  'max-inventory': { type: 'string', arg: 'LOTS', help: 'Risk: |position| at most this many lots.' },
  'max-notional': {
    type: 'string',
    arg: 'Q',
    help: 'Risk: |position| × price at most this much quote currency.',
  },
  'max-order-rate': {
    type: 'string',
    arg: 'N',
    help: 'Risk: at most N new orders per second (token bucket).',
  },
  'band-bps': { type: 'string', arg: 'BPS', help: 'Risk: no order priced farther than this from the mid.' },
  'stale-ms': {
    type: 'string',
    arg: 'MS',
    help: 'Risk: no quoting on a book received longer ago than this.',
  },
  'pnl-stop': {
    type: 'string',
    arg: 'Q',
    help: 'Risk: halt (cancel all, quote no more) at a loss of Q quote currency.',
  },
  record: {
    type: 'boolean',
    help: 'Also write the live feed as a catalog dataset (replay it with backtest).',
  },
  duration: { type: 'string', arg: 'T', help: 'Stop after this long (90s, 15m, 2h; a number is seconds).' },
  resume: {
    type: 'string',
    arg: 'SESSION',
    help: 'Rebuild a crashed session from its journal, then reconcile with the venue.',
  },
  'print-fills': { type: 'boolean', help: 'Print each fill to stdout once it is journaled.' },
  json: { type: 'string', arg: 'OUT', help: 'Also write the session summary as JSON to OUT.' },
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'Data directory (the catalog, and the session journals under DIR/paper).',
    def: '$QUOTEBENCH_DATA_DIR or ~/.quotebench',
  },
  quiet: { type: 'boolean', short: 'q', help: 'No progress lines.' },
  help,
} as const satisfies Record<string, OptionSpec>;

export interface CommandSpec {
  /** The usage line after `quotebench <name>`. */
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** When set, the first argument must be one of these (`quotebench fit garch …`). */
  subcommands?: readonly string[];
  /** When true, non-option arguments are accepted (input files: `data import --format binance-raw F …`). */
  positionals?: boolean;
}

export const COMMANDS = {
  backtest: {
    usage: '--config FILE [--json OUT] [--seed N] [--paths N] [--data-dir DIR] [--quiet]',
    summary: "Run every strategy in a YAML config over the scenario's paths; print the results table.",
    options: BACKTEST_OPTIONS,
  },
  quotes: {
    usage:
      '--model glft|as --method exact|asymptotic --sigma S --A A --k K --gamma G --T T --Q Q [--t T0] [--json]',
    summary: 'Optimal bid/ask distances from the mid for each inventory q in [-Q, Q].',
    options: QUOTES_OPTIONS,
  },
  train: {
    usage: '--config FILE [--run-dir DIR] [--resume] [--data-dir DIR] [--steps N] [--quiet]',
    summary:
      'Train an RL agent (SAC, PPO or REINFORCE, see resources/configs/sac-default.yaml); checkpoints in the run dir.',
    options: TRAIN_OPTIONS,
  },
  eval: {
    usage:
      '--checkpoint DIR [--checkpoint DIR …] [--episodes N] [--json OUT] [--tune-episodes N] [--gammas LIST] [--box P=LO:HI …] [--refine-budget N] [--first-path N] [--pick latest|best] [--resamples B] [--replay DATASET [--from S] [--to S] [--window S] [--queue MODEL]] [--data-dir DIR] [--quiet]',
    summary:
      'Evaluate trained agents on held-out paths against AS, GLFT, fixed-spread, static and random quoters tuned on training paths (95% CIs, Holm-adjusted paired tests).',
    options: EVAL_OPTIONS,
  },
  bench: {
    usage: '[--json OUT] [--only LIST]',
    summary: 'Run the performance benchmarks and print JSON.',
    options: BENCH_OPTIONS,
  },
  data: {
    usage:
      'import|download|record|list|show|export [--format lobster --message FILE --orderbook FILE | --format binance-raw|binance-csv|tardis FILE …] [--exchange ID --symbol SYM --what trades|ohlcv|book [--since ISO] [--until ISO] [--timeframe TF] [--snapshots N --interval S] [--depth N] [--duration T] [--exchange-url URL]] [--dataset ID] [--what top|trades|events|bars --out FILE] [--json OUT] [--data-dir DIR]',
    summary:
      "The market-data catalog: import LOBSTER files (book verified against the orderbook file), a Binance raw capture (the venue's sync rules) or Tardis CSV, download trades, bars or book snapshots and record live depth and trades through ccxt, list and show datasets, export the top of book, trades or bars.",
    options: DATA_OPTIONS,
    subcommands: ['import', 'download', 'record', 'list', 'show', 'export'],
    positionals: true,
  },
  fit: {
    usage:
      'garch|regimes --returns FILE [--states K] [--json OUT] [--probs OUT.csv] | intensity|book --dataset ID [--deltas LIST] [--json OUT]',
    summary:
      "Fit GARCH(1,1) or a K-state Markov-switching normal model to a returns file, or the execution intensity A·exp(−kδ) to a dataset, by maximum likelihood; or describe a dataset's book (spreads, transitions, trades, latency).",
    options: FIT_OPTIONS,
    subcommands: ['garch', 'regimes', 'intensity', 'book'],
  },
  calibrate: {
    usage:
      '--dataset ID --out FILE [--json REPORT] [--interval S] [--max-ticks N] [--pilot-seconds S] [--from S] [--to S] [--data-dir DIR] [--quiet]',
    summary:
      'Fit returns (GARCH, regimes), execution intensity, book statistics and flow rates to a dataset and write a book-mode backtest config that `backtest` runs.',
    options: CALIBRATE_OPTIONS,
  },
  validate: {
    usage: '--dataset ID --scenario FILE [--paths N] [--seed N] [--json OUT] [--data-dir DIR] [--quiet]',
    summary:
      'Simulate a book-mode scenario with a passive quoter and compare spreads, trade rates, volatility, clustering and mark-outs with a dataset.',
    options: VALIDATE_OPTIONS,
  },
  sweep: {
    usage: '--config FILE [--workers N] [--redis URL [--queue NAME]] [--data-dir DIR] [--json OUT] [--quiet]',
    summary:
      'Strategies (grids, RL checkpoints) × scenarios × seeds in a pool of worker threads or on BullMQ workers; results in the store, finished cells never recomputed.',
    options: SWEEP_OPTIONS,
  },
  stress: {
    usage: '--config FILE [--workers N] [--redis URL [--queue NAME]] [--data-dir DIR] [--json OUT] [--quiet]',
    summary:
      "A sweep over a base scenario and its stressed variants; reports each metric's change against the base.",
    options: SWEEP_OPTIONS,
  },
  worker: {
    usage: '--redis URL [--queue NAME] [--concurrency N] [--lock-ms MS] [--data-dir DIR] [--quiet]',
    summary: 'Compute sweep cells from a BullMQ queue on Redis (start any number, on any machine).',
    options: WORKER_OPTIONS,
  },
  report: {
    usage: 'RUN_ID [RUN_ID …] --out DIR [--pdf] [--data-dir DIR]',
    summary:
      'Write a self-contained HTML tear sheet of a stored run, or a comparison of several (docs/reports.md); --pdf also prints it to PDF.',
    options: REPORT_OPTIONS,
    positionals: true,
  },
  mlflow: {
    usage: 'export RUN_ID [RUN_ID …] (--uri URL [--experiment NAME] | --out DIR) [--data-dir DIR]',
    summary:
      "Export stored runs (backtests, replays, training) to MLflow: to a tracking server over its REST API, or offline in MLflow's file-store layout (docs/tracking.md).",
    options: MLFLOW_OPTIONS,
    subcommands: ['export'],
    positionals: true,
  },
  serve: {
    usage: '[--port N] [--host H] [--data-dir DIR] [--static DIR]',
    summary: 'The web shell: serves the app and its API on http://127.0.0.1:5317 with an access token.',
    options: SERVE_OPTIONS,
  },
  paper: {
    usage:
      '[--venue paper|binanceusdm-demo|binance-testnet] (--symbol SYM | --dataset ID [--speed X]) (--quoter SPEC | --checkpoint PATH) [--config FILE] [--max-inventory LOTS] [--max-notional Q] [--max-order-rate N] [--band-bps BPS] [--stale-ms MS] [--pnl-stop Q] [--record] [--duration T] [--exchange-url URL] [--resume SESSION] [--data-dir DIR]',
    summary:
      'Paper-trade a classical quoter or an RL checkpoint: matched locally against a dataset or a live feed, or on Binance demo/testnet with your keys; journaled, with risk limits and a kill switch (Ctrl-C stops and cancels; again, or `kill` on stdin, is the kill switch).',
    options: PAPER_OPTIONS,
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** `quotebench --help`: every command with its usage line and summary. */
export function renderUsage(): string {
  const lines = [
    'quotebench — market-making research workstation (CLI)',
    '',
    'Usage: quotebench <command> [options]',
    '       quotebench <command> --help     options of a command',
    '       quotebench --version',
    '',
    'Commands:',
  ];
  for (const [name, c] of Object.entries(COMMANDS)) {
    lines.push(`  ${name} ${c.usage}`, `      ${c.summary}`);
  }
  lines.push('  help', '      Show this message.', '');
  lines.push('Exit codes: 0 done, 1 failed, 2 invalid usage or input (nothing written),');
  lines.push('            130/143 stopped by SIGINT/SIGTERM.', '');
  return lines.join('\n');
}

/** The left column of an option in the help: "-c, --config FILE". */
export function optionLabel(name: string, o: OptionSpec): string {
  const flag = `--${name}${o.arg !== undefined ? ` ${o.arg}` : ''}`;
  return o.short !== undefined ? `-${o.short}, ${flag}` : `    ${flag}`;
}

/** The right column: the help line, the integer range and the default. */
export function optionText(o: OptionSpec): string {
  let s = o.help ?? '';
  if (o.min !== undefined && o.max !== undefined) s += ` Integer ${o.min}–${o.max}.`;
  if (o.def !== undefined) s += ` Default: ${String(o.def)}.`;
  return s;
}

/** `quotebench <command> --help`. */
export function renderCommandHelp(name: CommandName): string {
  const c: CommandSpec = COMMANDS[name];
  const entries = Object.entries(c.options).map(([n, o]) => [optionLabel(n, o), optionText(o)] as const);
  const width = Math.max(...entries.map(([l]) => l.length));
  return [
    `Usage: quotebench ${name} ${c.usage}`,
    '',
    c.summary,
    '',
    'Options:',
    ...entries.map(([l, t]) => `  ${l.padEnd(width)}  ${t}`),
    '',
  ].join('\n');
}
