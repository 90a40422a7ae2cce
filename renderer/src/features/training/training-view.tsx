// Training: start an RL training run from a preset (or its YAML, edited), watch it live — status with
// the tfjs backend, episode return against the evaluation and the AS baseline, losses, α and entropy,
// the policy's quotes against inventory next to AS and GLFT — pause, resume, stop, resume from the
// newest checkpoint, list the checkpoints, and evaluate against the baselines. Space toggles pause.
import { observer } from 'mobx-react-lite';
import { useEffect, useId, useState, type ReactElement } from 'react';
import type { TrainingRunRow, TrainingStatus } from '../../../../core/api/contract';
import type { SimChart } from '../../charts/chart';
import { EMA_WEIGHT } from '../../charts/ema';
import { COLORS, SERIES_PALETTE } from '../../charts/theme';
import { ChartPngButton } from '../../components/chart-png-button';
import { ProgressBar } from '../../components/progress-bar';
import { DASH, fmtDateTime, fmtFixed, fmtInt, fmtNum, fmtSeconds } from '../../lib/format';
import { useStores } from '../../stores/context';
import { CUSTOM_SOURCE, ETA_WINDOW_SEC, canResumeFromCheckpoint, isLive } from '../../stores/training-store';
import { EvalPanel } from './eval-panel';
import { MetricChart, type MetricSeriesSpec } from './metric-chart';
import { QuoteCurvesCard } from './quote-curves';

const RETURN_SERIES: readonly MetricSeriesSpec[] = [
  // Only the dense, noisy curves are smoothed; eval and AS are sparse means of several episodes.
  { key: 'episodeReturn', title: 'episode', color: COLORS.pnl, smooth: true },
  { key: 'evalReturn', title: 'eval', color: COLORS.bid },
  { key: 'evalBaselineReturn', title: 'AS', color: COLORS.inventory, dashed: true, width: 1 },
];
const LOSS_SERIES: readonly MetricSeriesSpec[] = [
  // Different scales (the critic's is often orders of magnitude larger): one price axis each, so the
  // actor loss is not drawn flat.
  { key: 'actorLoss', title: 'actor', color: SERIES_PALETTE[0], scale: 'left', smooth: true },
  { key: 'criticLoss', title: 'critic', color: SERIES_PALETTE[4], scale: 'right', smooth: true },
];
const ALPHA_SERIES: readonly MetricSeriesSpec[] = [
  { key: 'alpha', title: 'α', color: SERIES_PALETTE[3] },
  { key: 'entropy', title: 'entropy', color: SERIES_PALETTE[2], width: 1 },
];

const STATUS_TITLES: Record<TrainingStatus | 'lost', string> = {
  lost: 'Connection lost: the run may have stopped, finished or died with the server; re-checked on reconnect',
  running: 'Training now',
  paused: 'Paused: resume to continue',
  finished: 'Finished: the step budget is spent',
  stopped: 'Stopped after a final checkpoint: resume it from there',
  failed: 'Failed: see the reason; the last good checkpoint is kept',
  incomplete: 'Incomplete: the app stopped while it trained; resume it from its last checkpoint',
};

const LOST_TEXT = 'connection lost — state unknown';

export function TrainStatusBadge({ status }: { status: TrainingStatus | 'lost' }): ReactElement {
  return (
    <span className={`badge badge-${status}`} title={STATUS_TITLES[status]} data-status={status}>
      {status === 'incomplete' ? '⚠ incomplete' : status === 'lost' ? 'state unknown' : status}
    </span>
  );
}

export const TrainingView = observer(function TrainingView(): ReactElement {
  const { training } = useStores();

  useEffect(() => {
    training.activate();
    return training.startCurvesPolling();
  }, [training]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (t && t.closest('input, select, textarea, button, a, summary, [contenteditable="true"]')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === ' ') {
        e.preventDefault();
        void training.togglePause();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [training]);

  return (
    <div className="training-layout">
      <aside className="training-side">
        <StartPanel />
        <RunList />
      </aside>
      <div className="training-main">
        <StatusPanel />
        <TrainCharts />
        <div className="training-bottom">
          <CheckpointList />
          <EvalPanel />
        </div>
        <LogPanel />
      </div>
    </div>
  );
});

/**
 * Return, losses and α/entropy against the step, and the policy's quotes; a PNG button on each chart,
 * and the smoothing switch (EMA of the episode return and the losses over their faint raw curves).
 */
const TrainCharts = observer(function TrainCharts(): ReactElement {
  const { training } = useStores();
  const [charts] = useState(() => new Map<string, SimChart | null>());
  const smoothing = training.smoothCurves ? EMA_WEIGHT : 0;
  const onChart =
    (name: string) =>
    (c: SimChart | null): void => {
      charts.set(name, c);
    };
  const png = (name: string): ReactElement => (
    <ChartPngButton
      chart={() => charts.get(name) ?? null}
      fileName={`training-${name}.png`}
      testId={`train-chart-${name}-png`}
      inline
    />
  );
  const smoothed = training.smoothCurves ? ' (EMA)' : '';
  return (
    <>
      <div className="train-chart-tools">
        <label
          className="check"
          title={`Exponential moving average over the samples, weight ${EMA_WEIGHT} (span ≈ ${Math.round((1 + EMA_WEIGHT) / (1 - EMA_WEIGHT))} samples), debiased at the start; the raw curves stay drawn faintly`}
        >
          <input
            type="checkbox"
            checked={training.smoothCurves}
            onChange={(e) => training.setSmoothCurves(e.target.checked)}
            data-testid="train-smoothing"
          />{' '}
          Smooth return and losses (EMA, weight {EMA_WEIGHT}; raw curves faint)
        </label>
      </div>
      <div className="charts-grid" data-testid="train-charts">
        <figure className="chart-card">
          <figcaption>
            Episode return
            <span className="legend" style={{ color: COLORS.pnl }}>
              training{smoothed}
            </span>
            <span className="legend" style={{ color: COLORS.bid }}>
              eval
            </span>
            <span className="legend" style={{ color: COLORS.inventory }}>
              AS baseline
            </span>
            {png('return')}
          </figcaption>
          <MetricChart
            testId="train-chart-return"
            yTitle="return"
            label="Episode return, evaluation return and the AS baseline against training steps"
            series={RETURN_SERIES}
            smoothing={smoothing}
            onChart={onChart('return')}
          />
        </figure>
        <figure className="chart-card">
          <figcaption>
            Losses
            <span className="legend" style={{ color: SERIES_PALETTE[0] }}>
              actor (left axis){smoothed}
            </span>
            <span className="legend" style={{ color: SERIES_PALETTE[4] }}>
              critic (right axis){smoothed}
            </span>
            {png('loss')}
          </figcaption>
          <MetricChart
            testId="train-chart-loss"
            yTitle="critic loss"
            yLeftTitle="actor loss"
            label="Actor and critic losses against training steps"
            series={LOSS_SERIES}
            smoothing={smoothing}
            onChart={onChart('loss')}
          />
        </figure>
        <figure className="chart-card">
          <figcaption>
            Temperature &amp; entropy
            <span className="legend keep-case" style={{ color: SERIES_PALETTE[3] }}>
              α (temperature)
            </span>
            <span className="legend" style={{ color: SERIES_PALETTE[2] }}>
              entropy
            </span>
            {png('alpha')}
          </figcaption>
          <MetricChart
            testId="train-chart-alpha"
            yTitle="α · entropy"
            label="Entropy temperature alpha and policy entropy against training steps"
            series={ALPHA_SERIES}
            onChart={onChart('alpha')}
          />
        </figure>
        <QuoteCurvesCard />
      </div>
    </>
  );
});

const StartPanel = observer(function StartPanel(): ReactElement {
  const { training } = useStores();
  const presetId = useId();
  const nameId = useId();
  const yamlId = useId();
  const preset = training.preset;
  const active = training.activeRun;
  return (
    <section className="panel train-start-panel" aria-label="New training run">
      <div className="panel-head">
        <h2>New training run</h2>
        {training.edited && <span className="source-tag">edited</span>}
      </div>
      <div className="section">
        <div className="field">
          <label htmlFor={presetId}>Preset</label>
          <select
            id={presetId}
            value={training.presetId ?? ''}
            onChange={(e) => training.selectPreset(e.target.value)}
            disabled={training.presetsStatus !== 'ready'}
            data-testid="train-preset-select"
          >
            {training.presetsStatus !== 'ready' && (
              <option value="">{training.presetsStatus === 'error' ? 'unavailable' : 'Loading…'}</option>
            )}
            {training.presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title} ({p.algo.toUpperCase()})
              </option>
            ))}
            <option value={CUSTOM_SOURCE}>Custom YAML…</option>
          </select>
          {preset?.description && (
            <p className="hint" data-testid="train-preset-description">
              {preset.description}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={nameId}>Name (optional)</label>
          <input
            id={nameId}
            type="text"
            value={training.name}
            placeholder={preset?.title ?? 'the config’s name'}
            maxLength={200}
            onChange={(e) => training.setName(e.target.value)}
            data-testid="train-name-input"
          />
        </div>
        <details className="train-yaml" open={training.presetId === CUSTOM_SOURCE || training.edited}>
          <summary>Config (YAML)</summary>
          <label htmlFor={yamlId} className="visually-hidden">
            Training config YAML
          </label>
          <textarea
            id={yamlId}
            className="yaml-editor"
            spellCheck={false}
            value={training.yaml}
            onChange={(e) => training.setYaml(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void training.start();
              }
            }}
            placeholder="name: my-run&#10;algo: sac&#10;…"
            data-testid="train-yaml-editor"
          />
        </details>
      </div>
      <div className="actions">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void training.start()}
          disabled={!training.canStart}
          title={
            active ? `${active.name} is training: stop it first` : 'Start training (Ctrl+Enter in the editor)'
          }
          data-testid="train-start"
        >
          {training.starting ? 'Starting…' : 'Start training'}
        </button>
      </div>
    </section>
  );
});

const RunList = observer(function RunList(): ReactElement {
  const { training } = useStores();
  const list = training.sortedRuns;
  return (
    <section className="panel train-runs" aria-label="Training runs">
      <div className="panel-head">
        <h2>Training runs</h2>
        <span className="muted num">{list.length}</span>
        <span className="spacer" />
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          onClick={() => void training.loadList()}
          data-testid="train-refresh"
        >
          Refresh
        </button>
      </div>
      {list.length === 0 ? (
        <div className="empty-state" data-testid="train-runs-empty">
          {training.listStatus === 'error'
            ? 'The training runs could not be loaded.'
            : training.listStatus === 'ready'
              ? 'No training runs yet: pick a preset and press Start training.'
              : 'Loading…'}
        </div>
      ) : (
        <div className="table-wrap">
          <table className="grid-table compact" data-testid="train-runs-table">
            <thead>
              <tr>
                <th className="col-text">Run</th>
                <th className="col-text">Status</th>
                <th className="col-num">Step</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <RunRow key={r.id} run={r} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});

const RunRow = observer(function RunRow({ run }: { run: TrainingRunRow }): ReactElement {
  const { training } = useStores();
  const selected = training.selectedId === run.id;
  const shown = training.shownStatus(run);
  return (
    <tr
      className={`${selected ? 'selected' : ''} ${run.status === 'incomplete' ? 'row-warn' : ''}`}
      data-testid="train-run-row"
      data-run-id={run.id}
      data-status={shown}
    >
      <td className="col-text">
        <button
          type="button"
          className="link"
          onClick={() => void training.select(run.id)}
          aria-current={selected || undefined}
          data-testid="train-run-open"
        >
          {run.name}
        </button>
        <span className="muted train-run-meta">
          {run.algo.toUpperCase()} · {fmtDateTime(run.createdAt)}
        </span>
      </td>
      <td className="col-text">
        <TrainStatusBadge status={shown} />
      </td>
      <td className="col-num">{fmtInt(selected && isLive(run.status) ? training.step : run.step)}</td>
    </tr>
  );
});

const StatusPanel = observer(function StatusPanel(): ReactElement {
  const { training } = useStores();
  const run = training.selected;
  if (!run) {
    return (
      <section className="panel empty-state big" data-testid="train-status" data-status="none">
        <h2>No training run selected</h2>
        <p>
          Start a run on the left (a preset trains in minutes on this machine) or open one from the list. Its
          curves update live; <kbd>Space</kbd> pauses and resumes.
        </p>
      </section>
    );
  }
  const m = training.latest;
  const shown = training.shownStatus(run);
  const lost = shown === 'lost';
  const live = isLive(run.status) && !lost;
  const total = m?.totalSteps ?? run.totalSteps ?? 0;
  return (
    <section
      className="panel train-status"
      aria-label="Training status"
      data-testid="train-status"
      data-run-id={run.id}
      data-status={shown}
      data-step={training.step}
      data-backend={run.backend ?? ''}
      data-samples={training.sampleCount}
      data-checkpoints={training.checkpoints.length}
    >
      <div className="train-status-line">
        <span
          className={`status-pill status-${lost ? 'lost' : run.status === 'running' ? 'running' : run.status === 'paused' ? 'paused' : 'finished'}`}
          title={STATUS_TITLES[shown]}
          data-testid="train-status-pill"
        >
          {lost ? LOST_TEXT : run.status}
        </span>
        <strong className="train-run-name">{run.name}</strong>
        <span className="muted">{run.algo.toUpperCase()}</span>
        <span
          className="muted"
          title="TensorFlow.js backend of the training worker"
          data-testid="train-backend"
        >
          backend {run.backend ?? (live ? 'starting…' : DASH)}
        </span>
        <span className="spacer" />
        <div className="btn-group">
          <button
            type="button"
            className="btn"
            onClick={() => void training.togglePause()}
            disabled={!live || training.controlBusy || run.backend === null}
            aria-pressed={run.status === 'paused'}
            data-testid="train-pause"
          >
            {run.status === 'paused' ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => void training.stop()}
            disabled={!live || training.controlBusy}
            title="Stop after a final checkpoint"
            data-testid="train-stop"
          >
            Stop
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => void training.resumeFromCheckpoint()}
            disabled={
              !canResumeFromCheckpoint(run) || training.controlBusy || training.activeRun !== undefined
            }
            title={
              run.lastCheckpointStep !== null
                ? `Continue from the checkpoint at step ${fmtInt(run.lastCheckpointStep)}`
                : 'No checkpoint to resume from'
            }
            data-testid="train-resume-checkpoint"
          >
            Resume from checkpoint
          </button>
        </div>
      </div>
      <ProgressBar
        value={training.step}
        max={total}
        label="Training steps"
        testId="train-progress"
        tone={run.status === 'failed' ? 'error' : run.status === 'finished' ? 'ok' : 'accent'}
      />
      <dl className="train-stats">
        <div>
          <dt>Step</dt>
          <dd className="num" data-testid="train-step">
            {fmtInt(training.step)} / {fmtInt(total)}
          </dd>
        </div>
        <div>
          <dt>Steps/s</dt>
          <dd className="num">{live && m ? fmtInt(m.stepsPerSec) : DASH}</dd>
        </div>
        <div>
          <dt
            title={`Time left: the steps to go at the step rate of the last ${ETA_WINDOW_SEC} s of training (— until two samples show it)`}
          >
            ETA
          </dt>
          <dd
            className="num"
            data-testid="train-eta"
            data-eta-sec={shown === 'running' && training.etaSec !== null ? training.etaSec : ''}
          >
            {shown === 'paused'
              ? 'paused'
              : shown === 'running' && training.etaSec !== null
                ? `~${fmtSeconds(training.etaSec)}`
                : DASH}
          </dd>
        </div>
        <div>
          <dt>Episodes</dt>
          <dd className="num">{fmtInt(m?.episodes)}</dd>
        </div>
        <div>
          <dt>Updates</dt>
          <dd className="num">{fmtInt(m?.updates)}</dd>
        </div>
        <div>
          <dt title="Return of the last completed episode">Return</dt>
          <dd
            className="num"
            data-testid="train-return"
            title={
              training.lastReturn ? `Episode ended at step ${fmtInt(training.lastReturn.step)}` : undefined
            }
          >
            {fmtNum(training.lastReturn?.value)}
          </dd>
        </div>
        <div>
          {/* Not upper-cased: "Α" would read as the intensity A. */}
          <dt className="keep-case" data-testid="train-alpha-label">
            α (temperature)
          </dt>
          <dd className="num">{fmtFixed(m?.alpha, 4)}</dd>
        </div>
        {m?.curriculumStage !== undefined && m.curriculumStage !== null && (
          <div>
            <dt title="Curriculum stage the agent trains in (1 = the first; the last stage is the run's own scenario)">
              Stage
            </dt>
            <dd className="num" data-testid="train-curriculum-stage" data-stage={m.curriculumStage}>
              {fmtInt(m.curriculumStage + 1)}
            </dd>
          </div>
        )}
        <div>
          <dt>Checkpoints</dt>
          <dd className="num">{training.checkpoints.length}</dd>
        </div>
        <div>
          <dt>Seed</dt>
          <dd className="num">{run.seed}</dd>
        </div>
      </dl>
      {training.progressLabel !== undefined && (
        <p className="hint" data-testid="train-progress-label">
          {training.progressLabel}
        </p>
      )}
      {run.reason && (
        <p
          className={run.status === 'failed' ? 'run-error' : 'hint'}
          role={run.status === 'failed' ? 'alert' : undefined}
          data-testid="train-reason"
        >
          {run.reason}
        </p>
      )}
      {training.downsampled && (
        <p className="hint">
          The stored history is reduced to up to 2,000 points per metric (each bucket’s minimum and maximum),
          and so are the samples received live.
        </p>
      )}
    </section>
  );
});

const CheckpointList = observer(function CheckpointList(): ReactElement {
  const { training } = useStores();
  const list = training.checkpoints;
  return (
    <section className="panel train-checkpoints" aria-label="Checkpoints">
      <div className="panel-head">
        <h2>Checkpoints</h2>
        <span className="muted num">{list.length}</span>
      </div>
      {list.length === 0 ? (
        <div className="empty-state small" data-testid="train-checkpoints-empty">
          No checkpoints yet: the trainer writes one every checkpointEvery steps and when it stops.
        </div>
      ) : (
        <div className="table-wrap train-checkpoints-wrap">
          <table className="grid-table compact" data-testid="train-checkpoints">
            <thead>
              <tr>
                <th className="col-text">Checkpoint</th>
                <th className="col-num">Step</th>
                <th className="col-num">Episodes</th>
                <th className="col-num">Eval return</th>
                <th className="col-text">Written</th>
              </tr>
            </thead>
            <tbody>
              {[...list].reverse().map((c) => (
                <tr key={c.id} data-testid="train-checkpoint-row" data-step={c.step} title={c.dir}>
                  <td className="col-text">
                    <code>{c.id}</code>
                  </td>
                  <td className="col-num">{fmtInt(c.step)}</td>
                  <td className="col-num">{fmtInt(c.episodes)}</td>
                  <td className="col-num">{fmtNum(c.evalReturn)}</td>
                  <td className="col-text num" title={fmtDateTime(c.createdAt)}>
                    {fmtDateTime(c.createdAt).slice(11)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});

const LogPanel = observer(function LogPanel(): ReactElement | null {
  const { training } = useStores();
  const logs = training.logs;
  if (!training.selected) return null;
  return (
    <section className="panel train-log" aria-label="Training log">
      <div className="panel-head">
        <h2>Log</h2>
      </div>
      {logs.length === 0 ? (
        <div className="empty-state small">Log lines of the trainer appear here while you watch the run.</div>
      ) : (
        <ol className="train-log-lines" data-testid="train-log" aria-live="polite">
          {logs.slice(-40).map((l, i) => (
            <li key={`${l.at}-${i}`}>
              <time className="muted num">{l.at.slice(11, 19)}</time> {l.line}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
});
