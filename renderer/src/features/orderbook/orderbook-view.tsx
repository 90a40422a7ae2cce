// Order book: a session replayed live at 1×…max speed, with pause, step and scrub — the simulated book
// of a book-mode config, or a dataset of the catalog with the config's strategy quoting against the
// recorded book (a step is then one recorded event). The depth ladder with our orders and queue
// positions, the mid/quotes chart with our fills, tickers, the trade tape and our resting orders.
import { observer } from 'mobx-react-lite';
import { useEffect, useId, useRef, type ReactElement } from 'react';
import type { SimChart } from '../../charts/chart';
import { ChartPngButton } from '../../components/chart-png-button';
import { NumberField } from '../../components/number-field';
import { ProgressBar } from '../../components/progress-bar';
import { DASH, fmtCompact, fmtFixed, fmtInt, fmtSigned, fmtSimTime } from '../../lib/format';
import { useStores } from '../../stores/context';
import { DEPTH_CHOICES, EDITOR_SOURCE, SPEEDS } from '../../stores/replay-store';
import { BookChart } from './book-chart';
import { Ladder } from './ladder';
import { ScrubBar } from './scrub-bar';
import { SourceFields } from './source-fields';

export const OrderBookView = observer(function OrderBookView(): ReactElement {
  const { replay } = useStores();
  const chart = useRef<SimChart | null>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (t && t.closest('input, select, textarea, button, a, [contenteditable="true"]')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === ' ') {
        e.preventDefault();
        void replay.togglePause();
      } else if (e.key === '.' || e.key === 'ArrowRight') {
        e.preventDefault();
        if (replay.isLive) void replay.step();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [replay]);

  return (
    <div className="book-layout">
      <ReplayToolbar />
      <ScrubBar />
      <div className="book-grid">
        <section className="panel ladder-panel" aria-label="Depth ladder">
          <div className="panel-head">
            <h2>Depth</h2>
            <span className="muted num">{replay.sessionDepth} levels</span>
            <span className="spacer" />
            <span className="legend-ours">our order · q = lots ahead</span>
          </div>
          {replay.hasView ? (
            <Ladder />
          ) : (
            <div className="empty-state" data-testid="ladder-empty">
              {replay.status === 'starting'
                ? 'Starting the session…'
                : replay.isLive
                  ? 'Waiting for the first book update…'
                  : 'Pick a scenario and a strategy, then press Start to replay the book.'}
            </div>
          )}
        </section>
        <div className="book-center">
          <Tickers />
          <section className="panel chart-panel" aria-label="Mid and quotes chart">
            <div className="panel-head">
              <h2>Mid &amp; our quotes</h2>
              <span className="legend mid">mid</span>
              <span className="legend bid">our bid</span>
              <span className="legend ask">our ask</span>
              <span
                className="legend fill"
                title="One marker per side per bar (or group of bars when zoomed out); the number is how many of our fills it stands for"
              >
                ▲▼ our fills (n = count)
              </span>
              <ChartPngButton
                chart={() => chart.current}
                fileName="orderbook-chart.png"
                testId="book-chart-png"
                inline
              />
            </div>
            <div className="book-chart-wrap">
              <BookChart
                onChart={(c) => {
                  chart.current = c;
                }}
              />
              {!replay.state && <div className="chart-overlay">No session yet</div>}
            </div>
          </section>
        </div>
        <div className="book-side">
          <OurOrders />
          <TradeTape />
        </div>
      </div>
    </div>
  );
});

const ReplayToolbar = observer(function ReplayToolbar(): ReactElement {
  const { replay, presets } = useStores();
  const presetId = useId();
  const stratId = useId();
  const speedId = useId();
  const depthId = useId();
  const status = replay.status;
  const live = replay.isLive;
  const busy = replay.controlBusy || status === 'starting';
  const bookPresets = presets.bookPresets;

  return (
    <section className="panel toolbar" aria-label="Replay controls">
      <SourceFields />
      <div className="field">
        <label htmlFor={presetId}>{replay.source === 'dataset' ? 'Strategies of' : 'Scenario'}</label>
        <select
          id={presetId}
          value={replay.presetId ?? ''}
          onChange={(e) => replay.setPreset(e.target.value)}
          disabled={live}
          data-testid="replay-preset-select"
        >
          {bookPresets.length === 0 && (
            <option value="">{presets.status === 'ready' ? 'no book-mode preset' : 'Loading…'}</option>
          )}
          {bookPresets.map((p) => (
            <option key={p.id} value={p.id}>
              {p.title}
            </option>
          ))}
          <option value={EDITOR_SOURCE} disabled={!replay.editorPlayable}>
            Backtest editor YAML
            {replay.editorPlayable
              ? ''
              : replay.source === 'dataset'
                ? ' (not book or replay mode)'
                : ' (not book mode)'}
          </option>
        </select>
      </div>
      <div className="field wide">
        <label htmlFor={stratId}>Quoting strategy</label>
        <select
          id={stratId}
          value={replay.strategyIndex}
          onChange={(e) => replay.setStrategyIndex(Number(e.target.value))}
          disabled={live || replay.strategies.length === 0}
          data-testid="replay-strategy-select"
        >
          {replay.strategies.map((s) => (
            <option key={s.index} value={s.index}>
              #{s.index} {s.label}
            </option>
          ))}
        </select>
      </div>
      <NumberField
        label="Seed"
        value={replay.seed ?? undefined}
        placeholder={replay.presetSeed !== undefined ? String(replay.presetSeed) : ''}
        onCommit={replay.setSeed}
        max={0xffffffff}
        disabled={live}
        testId="replay-seed-input"
      />
      <div className="field">
        <label htmlFor={depthId}>Levels</label>
        <select
          id={depthId}
          value={replay.depthLevels}
          onChange={(e) => replay.setDepthLevels(Number(e.target.value))}
          disabled={live}
          data-testid="replay-depth-select"
        >
          {DEPTH_CHOICES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={speedId}>Speed</label>
        <select
          id={speedId}
          value={replay.speed}
          onChange={(e) => void replay.setSpeed(Number(e.target.value))}
          data-testid="speed-select"
        >
          {SPEEDS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
      <div className="btn-group" role="group" aria-label="Session">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void replay.start()}
          disabled={busy || !replay.canStart}
          data-testid="replay-start"
        >
          {live ? 'Restart' : 'Start'}
        </button>
        {status === 'running' ? (
          <button
            type="button"
            className="btn"
            onClick={() => void replay.pause()}
            disabled={busy}
            data-testid="replay-pause"
          >
            Pause
          </button>
        ) : (
          <button
            type="button"
            className="btn"
            onClick={() => void replay.resume()}
            disabled={busy || status !== 'paused'}
            data-testid="replay-resume"
          >
            Resume
          </button>
        )}
        <button
          type="button"
          className="btn"
          onClick={() => void replay.step()}
          disabled={busy || !live}
          title={
            replay.state?.source === 'dataset'
              ? 'One recorded event (pauses first)'
              : 'One simulator event (pauses first)'
          }
          data-testid="replay-step"
        >
          Step
        </button>
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => void replay.stop()}
          disabled={busy || !live}
          data-testid="replay-stop"
        >
          Stop
        </button>
      </div>
      <div className="toolbar-status">
        <span className={`status-pill status-${status}`} data-testid="replay-status" data-status={status}>
          {status}
        </span>
        <AppliedEventText />
        <span className="kbd-hint">
          <kbd>Space</kbd> pause/resume · <kbd>→</kbd> step
        </span>
      </div>
    </section>
  );
});

const KIND_TEXT = {
  add: 'add',
  cancel: 'cancel',
  trade: 'trade',
  price: 'price move',
  none: 'no book change',
};

/** "Applied: cancel · bid 100.12 × 3" after a step (what the → key just did). */
const AppliedEventText = observer(function AppliedEventText(): ReactElement | null {
  const { replay } = useStores();
  const ev = replay.lastEvent;
  const emptied = replay.emptied;
  if (!ev) return null;
  const dp = replay.priceDecimals;
  const where =
    ev.kind === 'price'
      ? ev.price !== undefined
        ? ` · reference ${fmtFixed(ev.price, dp + 1)}`
        : ''
      : ev.side !== undefined && ev.price !== undefined
        ? ` · ${ev.side} ${fmtFixed(ev.price, dp)}${ev.size !== undefined ? ` × ${fmtInt(ev.size)}` : ''}`
        : '';
  return (
    <span
      className="applied-event"
      data-testid="replay-applied"
      data-kind={ev.kind}
      data-side={ev.side ?? ''}
      data-price={ev.price ?? ''}
      data-emptied={emptied ? 'true' : undefined}
    >
      Applied: {KIND_TEXT[ev.kind]}
      {where}
      {ev.ours ? ' (ours)' : ''}
      {emptied ? ' · level emptied' : ''}
    </span>
  );
});

const Tickers = observer(function Tickers(): ReactElement {
  const { replay } = useStores();
  const v = replay.view;
  const s = replay.state;
  const dp = replay.priceDecimals;
  const bestBid = v?.bids[0]?.price;
  const bestAsk = v?.asks[0]?.price;
  const mid = bestBid !== undefined && bestAsk !== undefined ? (bestAsk + bestBid) / 2 : undefined;
  const inv = v?.inventory;
  const pnl = v?.pnl;
  const t = v?.t ?? s?.t;
  return (
    <section className="panel tickers" aria-label="Session tickers" data-testid="tickers">
      <Ticker
        label="Inventory"
        value={inv === undefined ? DASH : fmtSigned(inv, 0)}
        unit="lots"
        tone={tone(inv)}
        testId="ticker-inventory"
      />
      <Ticker
        label="PnL"
        value={pnl === undefined ? DASH : fmtSigned(pnl, 2)}
        tone={tone(pnl)}
        testId="ticker-pnl"
      />
      <Ticker label="Cash" value={v ? fmtFixed(v.cash, 2) : DASH} testId="ticker-cash" />
      <Ticker label="Mid" value={mid === undefined ? DASH : fmtFixed(mid, dp + 1)} testId="ticker-mid" />
      <div className="ticker ticker-time" data-testid="ticker-time">
        <span className="ticker-label">{s?.source === 'dataset' ? 'Recorded time' : 'Sim time'}</span>
        <span className="ticker-value num">
          {fmtSimTime(t)}
          <span className="ticker-unit"> / {fmtSimTime(s?.horizon, 0)}</span>
        </span>
        <ProgressBar value={t ?? 0} max={s?.horizon ?? 0} label="Session time" testId="replay-progress" />
      </div>
      <Ticker label="Updates/s" value={fmtInt(replay.updatesPerSec)} testId="ticker-updates" />
      <Ticker
        label="Updates"
        value={fmtCompact(replay.totalUpdates)}
        exact={replay.totalUpdates}
        testId="ticker-total-updates"
      />
      <Ticker
        label="Render"
        value={replay.framesPerSec > 0 ? String(replay.framesPerSec) : DASH}
        unit="fps"
        testId="ticker-fps"
      />
    </section>
  );
});

function tone(x: number | undefined): 'pos' | 'neg' | undefined {
  if (x === undefined || x === 0) return undefined;
  return x > 0 ? 'pos' : 'neg';
}

function Ticker({
  label,
  value,
  unit,
  tone: t,
  testId,
  exact,
}: {
  label: string;
  value: string;
  unit?: string;
  tone?: 'pos' | 'neg' | undefined;
  testId: string;
  /** The exact number behind a compact display (tooltip and data-value). */
  exact?: number;
}): ReactElement {
  return (
    <div
      className="ticker"
      data-testid={testId}
      data-value={exact}
      title={exact === undefined ? undefined : fmtInt(exact)}
    >
      <span className="ticker-label">{label}</span>
      <span className={`ticker-value num ${t ?? ''}`}>
        {value}
        {unit && <span className="ticker-unit"> {unit}</span>}
      </span>
    </div>
  );
}

const OurOrders = observer(function OurOrders(): ReactElement {
  const { replay } = useStores();
  const ours = replay.view?.ours ?? [];
  const dp = replay.priceDecimals;
  const sorted = [...ours].sort((a, b) => b.price - a.price);
  return (
    <section className="panel our-orders" aria-label="Our resting orders">
      <div className="panel-head">
        <h2>Our orders</h2>
        <span className="muted num">{ours.length}</span>
      </div>
      {sorted.length === 0 ? (
        <div className="empty-state small">{replay.hasView ? 'No resting orders.' : DASH}</div>
      ) : (
        <table className="grid-table compact" data-testid="our-orders">
          <thead>
            <tr>
              <th className="col-text">Side</th>
              <th className="col-num">Price</th>
              <th className="col-num">Size</th>
              <th className="col-num" title="Queue position: lots ahead of our order at its price level">
                Ahead
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((o, i) => (
              <tr key={i} data-testid="our-order-row">
                <td className={`col-text ${o.side === 'buy' ? 'bid' : 'ask'}`}>
                  {o.side === 'buy' ? 'Bid' : 'Ask'}
                </td>
                <td className="col-num">{fmtFixed(o.price, dp)}</td>
                <td className="col-num">{fmtInt(o.size)}</td>
                <td className="col-num">{fmtInt(o.queueAhead)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
});

const TradeTape = observer(function TradeTape(): ReactElement {
  const { replay } = useStores();
  const tape = replay.tape;
  const dp = replay.priceDecimals;
  return (
    <section className="panel tape" aria-label="Trades">
      <div className="panel-head">
        <h2>Trades</h2>
        <span className="muted">newest first</span>
      </div>
      {tape.length === 0 ? (
        <div className="empty-state small">{replay.hasView ? 'No trades yet.' : DASH}</div>
      ) : (
        <table className="grid-table compact" data-testid="trade-tape">
          <thead>
            <tr>
              <th className="col-num">Time</th>
              <th className="col-text">Aggr.</th>
              <th className="col-num">Price</th>
              <th className="col-num">Size</th>
            </tr>
          </thead>
          <tbody>
            {tape.map((tr, i) => (
              <tr
                // By position: at book-stress rates most of the 40 rows are new at every update, so
                // keys by trade would unmount and mount them all; by position only their text changes.
                key={i}
                className={tr.ours ? 'ours' : ''}
                data-testid="tape-row"
                data-ours={tr.ours ? 'true' : undefined}
              >
                <td className="col-num muted">{fmtSimTime(tr.t)}</td>
                <td className={`col-text ${tr.side === 'buy' ? 'bid' : 'ask'}`}>
                  {tr.side === 'buy' ? 'Buy' : 'Sell'}
                  {tr.ours && <span className="ours-tag">ours</span>}
                </td>
                <td className="col-num">{fmtFixed(tr.price, dp)}</td>
                <td className="col-num">{fmtInt(tr.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
});
