// Backtest: pick a scenario preset (or load a YAML file), choose strategies, seed and paths, edit the
// YAML if needed, Run with a progress bar and Cancel, then read the results table and path charts.
import { observer } from 'mobx-react-lite';
import { useEffect, useId, useRef, useState, type ChangeEvent, type ReactElement } from 'react';
import { NumberField } from '../../components/number-field';
import { ProgressBar } from '../../components/progress-bar';
import { QUEUE_CHOICES, STRATEGY_TYPES, type QueueChoice, type StrategyType } from '../../lib/config-yaml';
import { fmtInt } from '../../lib/format';
import { strategyLabel } from '../../lib/metrics';
import { useStores } from '../../stores/context';
import { RunDetailPanel } from '../runs/run-detail';

export const BacktestView = observer(function BacktestView(): ReactElement {
  const { backtest } = useStores();
  return (
    <div className="backtest-layout">
      <ConfigPanel />
      <div className="backtest-results">
        <JobCard />
        {backtest.shownRunId ? (
          <RunDetailPanel runId={backtest.shownRunId} testIdPrefix="backtest" />
        ) : (
          !backtest.job && (
            <div className="panel empty-state big" data-testid="backtest-empty">
              <h2>No results yet</h2>
              <p>
                Pick a scenario and strategies on the left and press <kbd>Run</kbd> (or <kbd>Ctrl</kbd>+
                <kbd>Enter</kbd> in the YAML editor). The metrics table and the PnL, inventory and drawdown
                charts appear here.
              </p>
            </div>
          )
        )}
      </div>
    </div>
  );
});

const ConfigPanel = observer(function ConfigPanel(): ReactElement {
  const { backtest, presets } = useStores();
  const presetId = useId();
  const yamlId = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const cfg = backtest.config;
  const preset = presets.get(backtest.presetId);

  const onFile = (e: ChangeEvent<HTMLInputElement>): void => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    void file.text().then(
      (text) => backtest.loadFile(file.name, text),
      () => undefined,
    );
  };

  // Grid expansion is the server's (scenarios.validate): null while the current text is being checked.
  const runs = backtest.runs;
  const countOf = (type: StrategyType): number =>
    runs ? runs.list.filter((s) => s.type === type).length : 0;
  const checkedCount = cfg.ok ? cfg.types.size : 0;

  return (
    <section className="panel config-panel" aria-label="Backtest configuration">
      <div className="section">
        <div className="section-head">
          <h2>Scenario</h2>
          <span className="source-tag" data-testid="yaml-source">
            {backtest.source.kind === 'file'
              ? `file: ${backtest.source.name}`
              : backtest.source.kind === 'preset'
                ? `preset${backtest.edited ? ' · edited' : ''}`
                : ''}
          </span>
        </div>
        <div className="field">
          <label htmlFor={presetId}>Preset</label>
          <div className="row">
            <select
              id={presetId}
              className="grow"
              value={backtest.presetId ?? ''}
              onChange={(e) => backtest.selectPreset(e.target.value)}
              data-testid="preset-select"
              disabled={presets.status !== 'ready' || backtest.running}
            >
              {presets.status !== 'ready' && (
                <option value="">{presets.status === 'error' ? 'unavailable' : 'Loading…'}</option>
              )}
              {presets.list.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title} ({p.mode})
                </option>
              ))}
            </select>
            <button
              type="button"
              className="btn"
              onClick={() => fileRef.current?.click()}
              disabled={backtest.running}
              data-testid="yaml-file-button"
            >
              Load YAML file…
            </button>
            <input
              ref={fileRef}
              type="file"
              accept=".yaml,.yml,text/yaml,application/yaml"
              className="visually-hidden"
              tabIndex={-1}
              aria-hidden="true"
              onChange={onFile}
              data-testid="yaml-file-input"
            />
          </div>
          {preset?.description && backtest.source.kind === 'preset' && (
            <p className="hint" data-testid="preset-description">
              {preset.description}
            </p>
          )}
        </div>
        <MarketFields />
      </div>

      <fieldset className="section" disabled={backtest.running || !cfg.ok}>
        <legend className="section-head">
          <h2>Strategies</h2>
          <span className="hint" data-testid="run-count">
            {cfg.ok ? (runs ? `${fmtInt(runs.count)} runs after grid expansion` : 'checking…') : ''}
          </span>
        </legend>
        <div className="checks">
          {STRATEGY_TYPES.map((type) => {
            const on = cfg.ok && cfg.types.has(type);
            const n = countOf(type);
            return (
              <label key={type} className={`check ${on ? 'on' : ''}`}>
                <input
                  type="checkbox"
                  checked={on}
                  disabled={on && checkedCount <= 1}
                  onChange={(e) => backtest.toggleStrategy(type, e.target.checked)}
                  data-testid={`strategy-${type}`}
                />
                <span>{strategyLabel(type)}</span>
                {on && <span className="count">×{n}</span>}
              </label>
            );
          })}
        </div>
      </fieldset>

      <fieldset className="section" disabled={backtest.running || !cfg.ok}>
        <legend className="section-head">
          <h2>Sampling</h2>
        </legend>
        <div className="fields-row">
          <NumberField
            label="Seed"
            value={cfg.ok ? cfg.seed : undefined}
            onCommit={backtest.setSeed}
            max={0xffffffff}
            testId="seed-input"
          />
          <NumberField
            label="Paths"
            value={cfg.ok ? cfg.paths : undefined}
            onCommit={backtest.setPaths}
            min={1}
            max={1_000_000}
            testId="paths-input"
          />
          <NumberField
            label="Stored paths"
            value={backtest.keepPaths}
            onCommit={backtest.setKeepPaths}
            max={50}
            testId="keep-paths-input"
            hint="How many paths per strategy keep their full series for the charts"
          />
        </div>
        {cfg.ok && cfg.paths !== undefined && runs && (
          <p className="hint">
            {fmtInt(runs.count * cfg.paths)} {cfg.mode === 'replay' ? 'replayed sessions' : 'simulated paths'}{' '}
            in total ({fmtInt(runs.count)} × {fmtInt(cfg.paths)})
            {cfg.mode === 'replay'
              ? '; the recorded market is the same on every path, only sampled latencies differ'
              : ''}
            .
          </p>
        )}
      </fieldset>

      <div className="section grow-section">
        <div className="section-head">
          <label htmlFor={yamlId}>
            <h2>Config (YAML)</h2>
          </label>
          {!cfg.ok && (
            <span className="yaml-error" role="alert" data-testid="yaml-error">
              {cfg.line !== undefined ? `line ${cfg.line}: ` : ''}
              {cfg.error}
            </span>
          )}
        </div>
        <textarea
          id={yamlId}
          className={`yaml-editor ${cfg.ok ? '' : 'invalid'}`}
          spellCheck={false}
          value={backtest.yaml}
          onChange={(e) => backtest.setYaml(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void backtest.start();
            }
          }}
          readOnly={backtest.running}
          data-testid="yaml-editor"
        />
        {backtest.editError && (
          <p className="yaml-error" role="alert">
            {backtest.editError}
          </p>
        )}
        {cfg.ok && backtest.issues.length > 0 && (
          <ul className="config-issues" role="alert" data-testid="config-issues">
            {backtest.issues.map((i, k) => (
              <li
                key={k}
                className="yaml-error"
                data-testid="config-issue"
                data-line={i.line ?? ''}
                data-path={i.path}
              >
                <code>
                  {backtest.fileName}
                  {i.line !== undefined ? `:${i.line}:${i.col ?? 1}` : ''}
                </code>{' '}
                {i.path === '' ? '(root)' : i.path}: {i.message}
              </li>
            ))}
          </ul>
        )}
      </div>

      <div className="actions">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void backtest.start()}
          disabled={!backtest.canRun}
          data-testid="run-backtest"
        >
          {backtest.running ? 'Running…' : 'Run backtest'}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => void backtest.cancel()}
          disabled={!backtest.running || backtest.job?.jobId === null || backtest.job?.phase === 'cancelling'}
          data-testid="cancel-backtest"
        >
          {backtest.job?.phase === 'cancelling' ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
    </section>
  );
});

const QUEUE_LABELS: Record<QueueChoice, string> = {
  auto: 'Auto (FIFO on L3 data, risk-averse on L2)',
  fifo: 'FIFO (exact queue position, L3 only)',
  'risk-averse': 'Risk-averse (advance only on trades)',
  'prob-power': 'Probabilistic, power (n = 2)',
  'prob-log': 'Probabilistic, log',
};

/**
 * Simulated market (the preset's scenario) or Replay: a catalog dataset as the market, with the queue
 * model that places our orders in the recorded queues. Both edit the YAML's `scenario`.
 */
const MarketFields = observer(function MarketFields(): ReactElement | null {
  const { backtest, data } = useStores();
  const datasetId = useId();
  const queueId = useId();
  const cfg = backtest.config;
  if (!cfg.ok) return null;
  const replay = cfg.replay;
  const known = replay?.dataset !== undefined && data.datasets.has(replay.dataset);
  return (
    <div className="field" data-testid="market-fields" data-market={replay ? 'replay' : 'simulated'}>
      <span className="field-label">Market</span>
      <div className="btn-group" role="group" aria-label="Market">
        <button
          type="button"
          className={`btn btn-sm ${replay ? '' : 'btn-primary'}`}
          aria-pressed={!replay}
          onClick={() => backtest.setMarket('simulated')}
          disabled={backtest.running}
          data-testid="market-simulated"
        >
          Simulated
        </button>
        <button
          type="button"
          className={`btn btn-sm ${replay ? 'btn-primary' : ''}`}
          aria-pressed={!!replay}
          onClick={() => backtest.setMarket('replay')}
          disabled={backtest.running || data.list.length === 0}
          title={
            data.list.length === 0
              ? 'Import a dataset in the Data view first'
              : 'Replay a dataset of the catalog'
          }
          data-testid="market-replay"
        >
          Replay a dataset
        </button>
      </div>
      {replay && (
        <div className="fields-row">
          <div className="field grow">
            <label htmlFor={datasetId}>Dataset</label>
            <select
              id={datasetId}
              value={known ? replay.dataset : ''}
              onChange={(e) => backtest.setReplayDataset(e.target.value)}
              disabled={backtest.running}
              data-testid="replay-dataset-select"
            >
              {!known && <option value="">{replay.dataset ?? 'choose a dataset'}</option>}
              {data.list.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} ({d.format}
                  {d.levels !== null ? ` L${d.levels}` : ''})
                </option>
              ))}
            </select>
          </div>
          <div className="field grow">
            <label htmlFor={queueId}>Queue model</label>
            <select
              id={queueId}
              value={replay.queue}
              onChange={(e) => backtest.setQueueModel(e.target.value as QueueChoice)}
              disabled={backtest.running}
              data-testid="replay-queue-select"
            >
              {QUEUE_CHOICES.map((q) => (
                <option key={q} value={q}>
                  {QUEUE_LABELS[q]}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}
    </div>
  );
});

const PHASE_TEXT = {
  starting: 'Starting…',
  running: 'Running',
  cancelling: 'Cancelling…',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
  lost: 'Connection lost — state unknown',
} as const;

const JobCard = observer(function JobCard(): ReactElement | null {
  const { backtest } = useStores();
  const job = backtest.job;
  const now = useNow(backtest.running);
  if (!job) return null;
  const elapsed = Math.max(0, ((job.finishedAtMs ?? now) - job.startedAtMs) / 1000);
  const tone =
    job.phase === 'failed'
      ? 'error'
      : job.phase === 'cancelled' || job.phase === 'lost'
        ? 'warning'
        : job.phase === 'completed'
          ? 'ok'
          : 'accent';
  const rate = job.done > 0 && elapsed > 0 ? job.done / elapsed : 0;
  const eta = rate > 0 && job.total > job.done ? (job.total - job.done) / rate : null;
  return (
    <section className="panel job-card" data-testid="job-card" data-phase={job.phase} aria-live="polite">
      <div className="job-line">
        <span className={`phase phase-${job.phase}`} data-testid="job-phase">
          {PHASE_TEXT[job.phase]}
        </span>
        <span className="num" data-testid="job-count">
          {fmtInt(job.done)} / {job.total > 0 ? fmtInt(job.total) : '…'} paths
        </span>
        <span className="num muted">{(backtest.progress * 100).toFixed(1)}%</span>
        {job.strategy && backtest.running && (
          <span className="muted">now: {strategyLabel(job.strategy)}</span>
        )}
        <span className="spacer" />
        <span className="num muted">
          {elapsed.toFixed(1)} s{eta !== null && backtest.running ? ` · ~${eta.toFixed(0)} s left` : ''}
        </span>
        {!backtest.running && (
          <button
            type="button"
            className="btn-icon"
            aria-label="Hide job status"
            onClick={backtest.dismissJob}
          >
            ×
          </button>
        )}
      </div>
      <ProgressBar
        value={job.done}
        max={job.total}
        label="Backtest progress"
        testId="backtest-progress"
        tone={tone}
      />
      {job.phase === 'failed' && job.error && <p className="run-error">{job.error}</p>}
    </section>
  );
});

/** Wall clock that ticks every 200 ms while `active`. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(id);
  }, [active]);
  return now;
}
