// The live side of the Paper view: the session line (status, venue, connection, Stop, the kill
// switch and its result), the book with our quotes, working orders with their queue estimates,
// fills, inventory and PnL, and the use of each risk limit as a bar.
import { observer } from 'mobx-react-lite';
import type { ReactElement } from 'react';
import type { LadderLevel, PaperSnapshot } from '../../../../core/api/contract';
import { DASH, fmtFixed, fmtNum, fmtSigned } from '../../lib/format';
import { useStores } from '../../stores/context';
import { VENUE_LABELS } from '../../stores/paper-store';
import { KillSwitchButton } from './kill-switch';

/** Decimals that show a price on its tick: the fewest (≤ 8) that print every level exactly. */
function priceDecimals(s: PaperSnapshot): number {
  let dp = 2;
  for (const l of [...s.bids, ...s.asks, ...s.orders]) {
    let d = 0;
    while (d < 8 && Math.abs(Math.round(l.price * 10 ** d) / 10 ** d - l.price) > 1e-9 * Math.max(1, l.price))
      d++;
    dp = Math.max(dp, d);
  }
  return dp;
}

function fmtClock(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return DASH;
  return new Date(ms).toISOString().slice(11, 23);
}

export const SessionBar = observer(function SessionBar(): ReactElement | null {
  const { paper } = useStores();
  const s = paper.session;
  if (!s) return null;
  const k = paper.lastKill;
  return (
    <section className="panel" aria-label="Session" data-testid="paper-session">
      <div className="panel-head" style={{ flexWrap: 'wrap' }}>
        <strong data-testid="paper-status" data-status={s.status}>
          {s.status}
        </strong>
        <span>
          {VENUE_LABELS[s.venue]} · {s.symbol}
        </span>
        <span
          className="muted"
          data-testid="paper-connection"
          data-connection={s.connection.status}
          title={s.connection.reason || undefined}
        >
          {s.connection.status}
          {s.connection.attempt > 0 ? ` (attempt ${s.connection.attempt})` : ''}
        </span>
        <span className="muted num" data-testid="paper-clock">
          feed {fmtClock(s.t)}
        </span>
        <span className="spacer" style={{ flex: 1 }} />
        {paper.active && (
          <>
            <label
              className="field-inline"
              title="The kill switch also closes the position with a market order"
            >
              <input
                type="checkbox"
                data-testid="paper-flatten"
                checked={paper.flatten}
                onChange={(e) => paper.setFlatten(e.target.checked)}
              />
              flatten on kill
            </label>
            <button
              type="button"
              className="btn"
              data-testid="paper-stop"
              disabled={paper.stopping}
              onClick={() => void paper.stop()}
            >
              {paper.stopping ? 'Stopping…' : 'Stop'}
            </button>
          </>
        )}
        <KillSwitchButton />
      </div>
      {(s.halted || s.error || k) && (
        <div style={{ padding: '6px 10px', display: 'grid', gap: 4 }}>
          {s.halted && (
            <span data-testid="paper-halted" style={{ color: '#f5b85c' }}>
              Quoting halted: {s.halted}
            </span>
          )}
          {s.error && (
            <span data-testid="paper-error" style={{ color: '#f2707b' }}>
              {s.error}
            </span>
          )}
          {k && (
            <span data-testid="paper-kill-result" data-open-orders={k.openOrders}>
              Kill switch: {k.cancelled} cancelled ·{' '}
              {k.openOrders === 0 ? 'no open orders' : `${k.openOrders} orders still open`}
              {k.flattened ? ` · flattened (position ${fmtNum(k.inventory)})` : ''} · {fmtNum(k.elapsedMs)} ms
            </span>
          )}
        </div>
      )}
    </section>
  );
});

export const Summary = observer(function Summary(): ReactElement | null {
  const { paper } = useStores();
  const s = paper.session;
  if (!s) return null;
  return (
    <div className="row" style={{ gap: 18, padding: '4px 2px' }} data-testid="paper-summary">
      <span>
        PnL{' '}
        <strong className="num" data-testid="paper-pnl" data-value={s.pnl}>
          {fmtSigned(s.pnl, 4)}
        </strong>
      </span>
      <span>
        Inventory{' '}
        <strong className="num" data-testid="paper-inventory" data-value={s.inventory}>
          {fmtNum(s.inventory)}
        </strong>
      </span>
      <span>
        Fees <span className="num">{fmtFixed(s.fees, 4)}</span>
      </span>
      <span>
        Fills{' '}
        <strong className="num" data-testid="paper-fill-count" data-value={s.fillCount}>
          {s.fillCount}
        </strong>
      </span>
    </div>
  );
});

const DEPTH = 8;

/**
 * The side's recorded levels with our working orders put in: an order at a price the book has no
 * level at (inside the spread, or deeper than the snapshot) gets its own row (size 0, ours > 0), so
 * our quotes always show. Best first.
 */
function withOurQuotes(
  levels: readonly LadderLevel[],
  s: PaperSnapshot,
  side: 'buy' | 'sell',
): LadderLevel[] {
  const out = levels.map((l) => ({ ...l }));
  for (const o of s.orders) {
    if (o.side !== side) continue;
    const at = out.find((l) => Math.abs(l.price - o.price) <= 1e-9 * Math.max(1, o.price));
    if (at === undefined) out.push({ price: o.price, size: 0, ours: o.amount - o.filled });
    else if (at.ours === 0) at.ours = o.amount - o.filled;
  }
  out.sort((x, y) => (side === 'buy' ? y.price - x.price : x.price - y.price));
  return out;
}

export const PaperBook = observer(function PaperBook(): ReactElement {
  const { paper } = useStores();
  const s = paper.session;
  const dp = s ? priceDecimals(s) : 2;
  const asks = s ? withOurQuotes(s.asks, s, 'sell').slice(0, DEPTH) : [];
  const bids = s ? withOurQuotes(s.bids, s, 'buy').slice(0, DEPTH) : [];
  let max = 0;
  for (const l of [...asks, ...bids]) max = Math.max(max, l.size);
  const row = (l: LadderLevel, side: 'bid' | 'ask'): ReactElement => (
    <div
      key={`${side}${l.price}`}
      role="row"
      data-testid="paper-book-row"
      data-side={side}
      data-ours={l.ours > 0 ? 'true' : undefined}
      style={{
        display: 'grid',
        gridTemplateColumns: '1fr 1fr 1fr',
        gap: 8,
        padding: '1px 8px',
        position: 'relative',
        background: l.ours > 0 ? 'rgba(90,169,255,0.16)' : undefined,
      }}
    >
      <span
        aria-hidden="true"
        style={{
          position: 'absolute',
          inset: 0,
          transformOrigin: side === 'bid' ? 'left' : 'right',
          transform: `scaleX(${max > 0 ? (l.size / max).toFixed(3) : 0})`,
          background: side === 'bid' ? 'rgba(60,207,145,0.10)' : 'rgba(242,112,123,0.10)',
        }}
      />
      <span role="cell" className={`num ${side}`}>
        {fmtFixed(l.price, dp)}
      </span>
      <span role="cell" className="num" style={{ textAlign: 'right' }}>
        {fmtNum(l.size)}
      </span>
      <span role="cell" className="num" style={{ textAlign: 'right' }} title="our resting amount">
        {l.ours > 0 ? `ours ${fmtNum(l.ours)}` : ''}
      </span>
    </div>
  );
  return (
    <section
      className="panel"
      aria-label="Book and our quotes"
      data-testid="paper-book"
      data-levels={bids.length + asks.length}
    >
      <div className="panel-head">
        <h2>Book</h2>
        <span className="muted">our quotes highlighted</span>
      </div>
      <div role="table" aria-label="Order book" style={{ fontSize: 12, padding: '4px 0' }}>
        {[...asks].reverse().map((l) => row(l, 'ask'))}
        <div style={{ borderTop: '1px solid var(--border)', margin: '2px 0' }} />
        {bids.map((l) => row(l, 'bid'))}
        {!s && <p className="empty-state">No session.</p>}
      </div>
    </section>
  );
});

export const OrdersTable = observer(function OrdersTable(): ReactElement {
  const { paper } = useStores();
  const orders = paper.session?.orders ?? [];
  const dp = paper.session ? priceDecimals(paper.session) : 2;
  return (
    <section
      className="panel"
      aria-label="Working orders"
      data-testid="paper-orders"
      data-count={orders.length}
    >
      <div className="panel-head">
        <h2>Working orders</h2>
        <span className="muted">{orders.length}</span>
      </div>
      {orders.length === 0 ? (
        <p className="empty-state" data-testid="paper-no-orders">
          No open orders
        </p>
      ) : (
        <table className="grid-table">
          <thead>
            <tr>
              <th>Side</th>
              <th className="col-num">Price</th>
              <th className="col-num">Amount</th>
              <th className="col-num">Filled</th>
              <th className="col-num" title="estimated amount queued ahead of the order">
                Queue ahead
              </th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.clientOrderId} data-testid="paper-order" data-side={o.side}>
                <td className={o.side === 'buy' ? 'bid' : 'ask'}>{o.side}</td>
                <td className="col-num">{fmtFixed(o.price, dp)}</td>
                <td className="col-num">{fmtNum(o.amount)}</td>
                <td className="col-num">{fmtNum(o.filled)}</td>
                <td className="col-num" data-testid="paper-order-queue">
                  {o.queueAhead === null ? DASH : fmtNum(o.queueAhead)}
                </td>
                <td>{o.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
});

export const FillsTable = observer(function FillsTable(): ReactElement {
  const { paper } = useStores();
  const fills = paper.session?.fills ?? [];
  const dp = paper.session ? priceDecimals(paper.session) : 2;
  return (
    <section className="panel" aria-label="Fills" data-testid="paper-fills" data-count={fills.length}>
      <div className="panel-head">
        <h2>Fills</h2>
        <span className="muted">{paper.session?.fillCount ?? 0} in the session</span>
      </div>
      {fills.length === 0 ? (
        <p className="empty-state">No fills yet</p>
      ) : (
        <div className="table-wrap" style={{ maxHeight: 220, overflow: 'auto' }}>
          <table className="grid-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Side</th>
                <th className="col-num">Price</th>
                <th className="col-num">Amount</th>
                <th className="col-num">Fee</th>
                <th>Liq.</th>
              </tr>
            </thead>
            <tbody>
              {[...fills].reverse().map((f) => (
                <tr key={f.tradeId} data-testid="paper-fill">
                  <td className="num">{fmtClock(f.t)}</td>
                  <td className={f.side === 'buy' ? 'bid' : 'ask'}>{f.side}</td>
                  <td className="col-num">{fmtFixed(f.price, dp)}</td>
                  <td className="col-num">{fmtNum(f.amount)}</td>
                  <td className="col-num">{fmtFixed(f.fee, 5)}</td>
                  <td>{f.liquidity}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});

export const RiskBars = observer(function RiskBars(): ReactElement {
  const { paper } = useStores();
  const risk = paper.session?.risk ?? [];
  return (
    <section className="panel" aria-label="Risk limits" data-testid="paper-risk">
      <div className="panel-head">
        <h2>Risk limits</h2>
      </div>
      <div style={{ padding: 10, display: 'grid', gap: 6 }}>
        {risk.length === 0 && <span className="muted">No limits set</span>}
        {risk.map((r) => {
          // A limit of 0 is a limit that is off: its use is shown, without a bar.
          const off = !(r.limit > 0);
          const u = off ? 0 : Math.min(1, Math.abs(r.used) / r.limit);
          const color = u >= 1 ? '#f2707b' : u >= 0.8 ? '#f5b85c' : '#3ccf91';
          return (
            <div
              key={r.key}
              data-testid="paper-risk-row"
              data-key={r.key}
              data-usage={u.toFixed(3)}
              data-off={off ? 'true' : undefined}
            >
              <div className="row" style={{ fontSize: 12 }}>
                <span className="grow">{r.label}</span>
                <span className="num muted">
                  {fmtNum(r.used)} / {off ? 'off' : `${fmtNum(r.limit)} ${r.unit}`}
                </span>
              </div>
              <div
                role="meter"
                aria-label={r.label}
                aria-valuemin={0}
                aria-valuemax={r.limit}
                aria-valuenow={Math.abs(r.used)}
                style={{ height: 6, background: 'var(--raised)', borderRadius: 3, overflow: 'hidden' }}
              >
                <div style={{ height: '100%', width: `${(u * 100).toFixed(1)}%`, background: color }} />
              </div>
            </div>
          );
        })}
      </div>
    </section>
  );
});
