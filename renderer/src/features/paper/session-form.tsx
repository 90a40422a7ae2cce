// The paper-trading toggle's form (issue 14 §5): venue, symbol or recorded dataset, quoter (a
// classical model with its parameters, or a trained RL checkpoint), risk limits, Start.
import { observer } from 'mobx-react-lite';
import { useEffect, useId, type ReactElement } from 'react';
import { useStores } from '../../stores/context';
import {
  CLASSICAL_QUOTERS,
  PAPER_VENUES,
  VENUE_LABELS,
  type ClassicalQuoter,
  type LimitsForm,
} from '../../stores/paper-store';
import type { PaperVenue } from '../../../../core/api/contract';

const LIMITS: { key: keyof LimitsForm; label: string; unit: string; title: string }[] = [
  { key: 'maxInventory', label: 'Max inventory', unit: 'lots', title: '|position| at most this many lots' },
  { key: 'maxNotional', label: 'Max notional', unit: 'quote', title: '|position| × mid at most this' },
  { key: 'maxOrderRate', label: 'Max order rate', unit: '/s', title: 'order requests per second' },
  { key: 'bandBps', label: 'Price band', unit: 'bp', title: 'no quote farther than this from the mid' },
  { key: 'staleMs', label: 'Stale data', unit: 'ms', title: 'no quoting on a book older than this' },
  { key: 'pnlStop', label: 'PnL stop', unit: 'quote', title: 'stop and cancel below −this PnL' },
];

export const SessionForm = observer(function SessionForm(): ReactElement {
  const { paper, data } = useStores();
  const f = paper.form;
  const id = useId();
  const locked = paper.active || paper.starting;

  useEffect(() => {
    if (f.quoterKind === 'checkpoint') void paper.loadCheckpointRuns();
  }, [paper, f.quoterKind]);

  return (
    <section className="panel" aria-label="Paper session" data-testid="paper-form">
      <div className="panel-head">
        <h2>Paper session</h2>
      </div>
      <fieldset disabled={locked} style={{ border: 0, margin: 0, padding: 10, display: 'grid', gap: 8 }}>
        <div className="field">
          <label htmlFor={`${id}-venue`}>Venue</label>
          <select
            id={`${id}-venue`}
            data-testid="paper-venue"
            value={f.venue}
            onChange={(e) => paper.setForm('venue', e.target.value as PaperVenue)}
          >
            {PAPER_VENUES.map((v) => (
              <option key={v} value={v}>
                {VENUE_LABELS[v]}
              </option>
            ))}
          </select>
        </div>
        {f.venue === 'paper-dataset' ? (
          <div style={{ display: 'grid', gridTemplateColumns: '2fr 1fr', gap: 6 }}>
            <div className="field">
              <label htmlFor={`${id}-dataset`}>Recorded dataset</label>
              <select
                id={`${id}-dataset`}
                data-testid="paper-dataset"
                value={f.dataset}
                onChange={(e) => paper.setForm('dataset', e.target.value)}
              >
                <option value="">— choose —</option>
                {data.list.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name} ({d.symbol})
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-speed`} title="feed time per wall time; 0 = as fast as possible">
                Speed ×
              </label>
              <input
                id={`${id}-speed`}
                data-testid="paper-speed"
                inputMode="decimal"
                value={f.speed}
                onChange={(e) => paper.setForm('speed', e.target.value)}
              />
            </div>
          </div>
        ) : (
          <div className="field">
            <label htmlFor={`${id}-symbol`}>Symbol</label>
            <input
              id={`${id}-symbol`}
              data-testid="paper-symbol"
              placeholder={f.venue === 'binance-spot-testnet' ? 'BTC/USDT' : 'BTC/USDT:USDT'}
              value={f.symbol}
              onChange={(e) => paper.setForm('symbol', e.target.value)}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-qk`}>Quoter</label>
          <div className="row">
            <select
              id={`${id}-qk`}
              data-testid="paper-quoter-kind"
              value={f.quoterKind}
              onChange={(e) => paper.setForm('quoterKind', e.target.value as 'classical' | 'checkpoint')}
            >
              <option value="classical">Classical</option>
              <option value="checkpoint">RL checkpoint</option>
            </select>
            {f.quoterKind === 'classical' ? (
              <select
                aria-label="Classical quoter"
                data-testid="paper-classical"
                value={f.classical}
                onChange={(e) => paper.setForm('classical', e.target.value as ClassicalQuoter)}
              >
                {CLASSICAL_QUOTERS.map((q) => (
                  <option key={q} value={q}>
                    {q}
                  </option>
                ))}
              </select>
            ) : (
              <select
                aria-label="Training run"
                data-testid="paper-checkpoint"
                className="grow"
                value={f.checkpointRun}
                onChange={(e) => paper.setForm('checkpointRun', e.target.value)}
              >
                <option value="">— training run —</option>
                {paper.checkpointRuns.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name} · {r.algo} · step {r.lastCheckpointStep ?? r.step}
                  </option>
                ))}
              </select>
            )}
          </div>
        </div>
        {f.quoterKind === 'classical' && (
          <div className="field">
            <label htmlFor={`${id}-params`}>Parameters (key=value, …)</label>
            <input
              id={`${id}-params`}
              data-testid="paper-params"
              spellCheck={false}
              value={f.params}
              onChange={(e) => paper.setForm('params', e.target.value)}
            />
          </div>
        )}
        <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr 1fr', gap: 6 }}>
          {LIMITS.map((l) => (
            <div className="field" key={l.key}>
              <label htmlFor={`${id}-${l.key}`} title={l.title}>
                {l.label} <span className="muted">({l.unit})</span>
              </label>
              <input
                id={`${id}-${l.key}`}
                data-testid={`paper-limit-${l.key}`}
                inputMode="decimal"
                placeholder="off"
                value={f.limits[l.key]}
                onChange={(e) => paper.setLimit(l.key, e.target.value)}
              />
            </div>
          ))}
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={f.record}
            onChange={(e) => paper.setForm('record', e.target.checked)}
          />{' '}
          Record the feed as a dataset
        </label>
      </fieldset>
      <div className="row" style={{ padding: '0 10px 10px' }}>
        <button
          type="button"
          className="btn btn-primary"
          data-testid="paper-start"
          disabled={locked}
          onClick={() => void paper.start()}
        >
          {paper.starting ? 'Starting…' : 'Start paper trading'}
        </button>
        {paper.missingKeys && <span className="hint">needs API keys (below)</span>}
      </div>
      {paper.formError && (
        <p
          className="hint"
          role="alert"
          data-testid="paper-form-error"
          style={{ color: '#f2707b', padding: '0 10px 10px' }}
        >
          {paper.formError}
        </p>
      )}
    </section>
  );
});
