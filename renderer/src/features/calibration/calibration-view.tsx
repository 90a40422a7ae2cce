// Calibration: pick a catalog dataset, fit it (a worker-thread job with progress and Cancel), read the
// fitted parameters with their confidence intervals, the GARCH conditional volatility with the
// high-volatility regime shaded, the fitted intensity curve against the empirical rates and the book
// statistics, then save the fit as a backtest scenario and open it in the Backtest view.
import { observer } from 'mobx-react-lite';
import { useId, type ReactElement } from 'react';
import type { CalibrationResult, ParamEstimate } from '../../../../core/api/contract';
import { ProgressBar } from '../../components/progress-bar';
import { fmtInt, fmtPct, fmtSig } from '../../lib/format';
import { useStores } from '../../stores/context';
import { FlowChart, IntensityChart, VolatilityChart, fmtInterval } from './calibration-charts';

export const CalibrationView = observer(function CalibrationView(): ReactElement {
  const { calibration } = useStores();
  const r = calibration.result;
  return (
    <div className="calib-layout">
      <FitPanel />
      {r ? (
        <>
          <div className="calib-grid">
            <ParamsPanel result={r} />
            <SavePanel />
          </div>
          <section className="panel charts-grid calib-charts" aria-label="Calibration charts">
            <VolatilityChart result={r} />
            {r.intensity ? (
              <IntensityChart intensity={r.intensity} />
            ) : (
              <div className="chart-placeholder" data-testid="calib-intensity-missing">
                No intensity fit: {r.errors.intensity ?? 'not fitted'}
              </div>
            )}
            {r.flow && r.flow.bins.length > 0 && <FlowChart flow={r.flow} />}
          </section>
        </>
      ) : (
        <div className="panel empty-state big" data-testid="calib-empty">
          <h2>{calibration.resultStatus === 'loading' ? 'Loading…' : 'Not calibrated yet'}</h2>
          <p>
            Pick a dataset and press <kbd>Fit</kbd>: GARCH(1,1) and a two-state regime model on the mid&apos;s
            returns, the execution intensity λ(δ) = A·e<sup>−kδ</sup> from the trades, and the book statistics
            and order-flow rates — what <code>quotebench calibrate</code> fits.
          </p>
        </div>
      )}
    </div>
  );
});

const PHASE_TEXT = {
  starting: 'Starting…',
  running: 'Fitting',
  completed: 'Fitted',
  failed: 'Failed',
  cancelled: 'Cancelled',
  unknown: 'Ended while disconnected',
} as const;

const FitPanel = observer(function FitPanel(): ReactElement {
  const { calibration, data } = useStores();
  const selectId = useId();
  const info = calibration.job?.info;
  const phase = calibration.phase;
  const tone =
    phase === 'failed'
      ? 'error'
      : phase === 'cancelled'
        ? 'warning'
        : phase === 'completed'
          ? 'ok'
          : 'accent';
  const r = calibration.result;
  const lost = data.connectionLost && calibration.running;
  return (
    <section className="panel calib-fit" aria-label="Calibration dataset">
      <div className="toolbar">
        <label htmlFor={selectId}>Dataset</label>
        <select
          id={selectId}
          value={calibration.datasetId ?? ''}
          onChange={(e) => void calibration.selectDataset(e.target.value)}
          disabled={calibration.running}
          data-testid="calib-dataset-select"
        >
          {data.list.length === 0 && <option value="">No datasets: import one in Data</option>}
          {data.list.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name} ({d.id.slice(0, 8)})
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void calibration.fit()}
          disabled={!calibration.datasetId || calibration.running}
          data-testid="calib-fit"
        >
          {r ? 'Fit again' : 'Fit'}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => void calibration.cancel()}
          disabled={!calibration.running || calibration.jobId === null}
          data-testid="calib-cancel"
        >
          Cancel
        </button>
        {phase && (
          <span
            className={`phase phase-${lost ? 'lost' : phase === 'starting' ? 'running' : phase === 'unknown' ? 'lost' : phase}`}
            data-testid="calib-status"
            data-phase={phase}
          >
            {lost ? 'Connection lost — state unknown' : PHASE_TEXT[phase]}
            {calibration.running && info ? ` · ${info.phase}` : ''}
          </span>
        )}
        <span className="spacer" />
        {r && (
          <span className="muted" data-testid="calib-returns">
            {fmtInt(r.returns.n)} mid changes every {fmtInterval(r.returns.intervalSeconds)} · fitted{' '}
            {r.fittedAt.replace('T', ' ').slice(0, 19)} UTC
          </span>
        )}
      </div>
      {phase && phase !== 'completed' && (
        <div className="section">
          <ProgressBar
            value={info?.done ?? 0}
            max={info?.total ?? 0}
            label="Calibration progress"
            testId="calib-progress"
            tone={tone}
          />
          {calibration.error && (
            <p className="run-error" role="alert" data-testid="calib-error">
              {calibration.error}
            </p>
          )}
        </div>
      )}
    </section>
  );
});

function ParamRow({ group, p, level }: { group: string; p: ParamEstimate; level: number }): ReactElement {
  return (
    <tr data-testid="calib-param-row" data-name={`${group}.${p.name}`}>
      <td className="col-text">{group}</td>
      <td className="col-text">{p.name}</td>
      <td className="col-num" data-testid="calib-param-estimate">
        {fmtSig(p.estimate, 4)}
      </td>
      <td className="col-num">{fmtSig(p.stdError, 3)}</td>
      <td className="col-num" title={`${Math.round(level * 100)}% interval`}>
        {p.ciLow === null || p.ciHigh === null ? '—' : `[${fmtSig(p.ciLow, 3)}, ${fmtSig(p.ciHigh, 3)}]`}
      </td>
      <td className="col-text muted">{p.unit}</td>
    </tr>
  );
}

const plain = (name: string, estimate: number, unit = ''): ParamEstimate => ({
  name,
  estimate,
  stdError: null,
  ciLow: null,
  ciHigh: null,
  unit,
});

function ParamsPanel({ result: r }: { result: CalibrationResult }): ReactElement {
  const pct = Math.round(r.level * 100);
  const rows: { group: string; p: ParamEstimate }[] = [];
  if (r.garch) {
    for (const p of r.garch.params) rows.push({ group: 'GARCH(1,1)', p });
    rows.push({ group: 'GARCH(1,1)', p: plain('α + β', r.garch.persistence) });
  }
  if (r.regimes) {
    for (const p of r.regimes.params) rows.push({ group: 'Regimes', p });
    if (r.regimes.params.length === 0)
      r.regimes.sigmas.forEach((s, j) =>
        rows.push({ group: 'Regimes', p: plain(`σ state ${j}`, s, 'per interval') }),
      );
    r.regimes.durationsSeconds.forEach((d, j) =>
      rows.push({ group: 'Regimes', p: plain(`stay in ${j}`, d, 's') }),
    );
  }
  if (r.intensity) {
    rows.push({ group: 'Intensity', p: r.intensity.A });
    rows.push({ group: 'Intensity', p: r.intensity.k });
    rows.push({
      group: 'Intensity',
      p: plain(`deviance (df ${r.intensity.degreesOfFreedom})`, r.intensity.deviance),
    });
  }
  const f = r.flow;
  if (f) {
    rows.push({ group: 'Flow', p: plain('μ measured (per side)', f.marketRate.measured, 'per s') });
    rows.push({ group: 'Flow', p: plain('μ used (pilot)', f.marketRate.used, 'per s') });
    rows.push({ group: 'Flow', p: plain('informed share π', f.informedShare) });
  }
  const b = r.book;
  const errors = Object.entries(r.errors);
  return (
    <section className="panel calib-params" aria-label="Fitted parameters">
      <div className="panel-head">
        <h2>Fitted parameters</h2>
        <span className="muted">
          Wald {pct}% intervals{r.intensity ? '; A on the log scale' : ''}
        </span>
      </div>
      <div className="table-wrap">
        <table className="grid-table compact" data-testid="calib-params">
          <thead>
            <tr>
              <th className="col-text">Model</th>
              <th className="col-text">Parameter</th>
              <th className="col-num">Estimate</th>
              <th className="col-num">Std. error</th>
              <th className="col-num">{pct}% CI</th>
              <th className="col-text">Unit</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ group, p }) => (
              <ParamRow key={`${group}.${p.name}`} group={group} p={p} level={r.level} />
            ))}
          </tbody>
        </table>
      </div>
      {b && (
        <p className="hint" data-testid="calib-book">
          Book: tick {fmtSig(b.tick, 3)}, {fmtInt(b.bookEvents)} book events over {fmtSig(b.seconds, 4)} s,
          spread of 1 tick {fmtPct(b.spread[0]?.timeShare ?? 0)} of the time; {fmtInt(b.trades.count)} trades
          ({fmtSig(b.trades.perSecond, 3)}/s, {fmtPct(b.trades.buyShare)} buyer-initiated, mean size{' '}
          {fmtSig(b.trades.sizeMean, 3)}).
        </p>
      )}
      {f && (
        <p className="hint" data-testid="calib-flow">
          Simulator: volatility{' '}
          {f.volatilityModel === 'constant'
            ? 'one σ'
            : f.volatilityModel === 'garch'
              ? 'GARCH(1,1)'
              : '2 regimes'}
          {f.activityProfile
            ? `, intraday activity ×${fmtSig(Math.min(...f.activityProfile.multipliers), 2)}–${fmtSig(Math.max(...f.activityProfile.multipliers), 3)} per ${f.activityProfile.bucketSeconds / 60} min`
            : ''}
          {f.pilot
            ? `; pilot (${f.pilot.paths} × ${fmtInt(f.pilot.seconds)} s): ${fmtSig(f.pilot.marketSimulated, 3)} vs ${fmtSig(f.pilot.marketTarget, 3)} real market orders/s, ${f.pilot.markoutHorizon}-s mark-out target ${fmtSig(f.pilot.markoutTarget, 3)} ticks.`
            : '; no pilot (μ as measured, π = 0).'}
        </p>
      )}
      {errors.length > 0 && (
        <ul className="config-issues" data-testid="calib-errors">
          {errors.map(([part, msg]) => (
            <li key={part} className="yaml-error">
              {part}: {msg}
            </li>
          ))}
        </ul>
      )}
      {[...(r.garch?.warnings ?? []), ...(r.regimes?.warnings ?? [])].map((w) => (
        <p key={w} className="hint">
          warning: {w}
        </p>
      ))}
    </section>
  );
}

const SavePanel = observer(function SavePanel(): ReactElement {
  const { calibration } = useStores();
  const nameId = useId();
  return (
    <section className="panel calib-save" aria-label="Save as scenario">
      <div className="panel-head">
        <h2>Save as scenario</h2>
      </div>
      <div className="section">
        <p className="hint">
          The book-mode backtest config <code>quotebench calibrate</code> writes for this dataset (every value
          commented with the statistic that set it); it appears in the Backtest view&apos;s presets.
        </p>
        <div className="field">
          <label htmlFor={nameId}>Name</label>
          <div className="row">
            <input
              id={nameId}
              className="grow"
              value={calibration.scenarioName}
              onChange={(e) => calibration.setScenarioName(e.target.value)}
              data-testid="calib-scenario-name"
            />
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => void calibration.saveScenario()}
              disabled={calibration.saving || !calibration.result || calibration.scenarioName === ''}
              data-testid="calib-save"
            >
              {calibration.saving ? 'Saving…' : 'Save'}
            </button>
          </div>
        </div>
        {calibration.saveError && (
          <p className="run-error" role="alert" data-testid="calib-save-error">
            {calibration.saveError}
          </p>
        )}
        {calibration.result?.scenario && (
          <details className="calib-yaml">
            <summary>Show the config</summary>
            <pre data-testid="calib-scenario-yaml">{calibration.result.scenario.yaml}</pre>
          </details>
        )}
        {calibration.result?.errors.scenario && (
          <p className="run-error">No scenario: {calibration.result.errors.scenario}</p>
        )}
        {calibration.saved && (
          <p className="hint" data-testid="calib-saved" data-preset={calibration.saved.id}>
            Saved as preset <code>{calibration.saved.id}</code>.{' '}
            <button
              type="button"
              className="link"
              onClick={calibration.openInBacktest}
              data-testid="calib-open-backtest"
            >
              Open in Backtest →
            </button>
          </p>
        )}
      </div>
    </section>
  );
});
