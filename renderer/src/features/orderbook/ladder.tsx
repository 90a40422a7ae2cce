/**
 * The depth ladder: asks above (best ask at the bottom of the ask block), the spread line, bids below,
 * N levels a side at fixed positions so rows never jump. Each level shows its size with a bar scaled
 * to the largest visible level; levels holding our orders are highlighted with our size and the lots
 * queued ahead of us. Re-renders once per animation frame (ReplayStore publishes `view` per frame).
 * After a step, the level it applied to is outlined; a level the step removed entirely (a cancel or a
 * trade emptying it) stays on screen for that step as a struck-through row at its price, size 0,
 * marked `data-emptied` (it takes its place in the ladder, so the deepest level of that side waits).
 */
import { observer } from 'mobx-react-lite';
import { memo, type ReactElement } from 'react';
import type { LadderLevel, OurOrderView } from '../../../../core/api/contract';
import { DASH, fmtFixed, fmtInt } from '../../lib/format';
import { useStores } from '../../stores/context';

interface RowModel {
  side: 'ask' | 'bid';
  level: LadderLevel | undefined;
  queueAhead: number | undefined;
  /** The level the last step emptied (its size before the step); `level` is then its ghost (size 0). */
  emptiedFrom?: number;
}

/** The side's levels with the emptied level's ghost put back at its price (best first). */
function withGhost(
  levels: readonly LadderLevel[],
  side: 'ask' | 'bid',
  ghost: { side: 'ask' | 'bid'; price: number } | undefined,
): readonly LadderLevel[] {
  if (!ghost || ghost.side !== side) return levels;
  const better = (a: number, b: number): boolean => (side === 'ask' ? a < b : a > b);
  const i = levels.findIndex((l) => !better(l.price, ghost.price));
  const at = i < 0 ? levels.length : i;
  return [...levels.slice(0, at), { price: ghost.price, size: 0, ours: 0 }, ...levels.slice(at)];
}

function samePrice(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
}

function queueFor(ours: readonly OurOrderView[], side: 'buy' | 'sell', price: number): number | undefined {
  let q: number | undefined;
  for (const o of ours)
    if (o.side === side && samePrice(o.price, price))
      q = q === undefined ? o.queueAhead : Math.min(q, o.queueAhead);
  return q;
}

export const Ladder = observer(function Ladder(): ReactElement {
  const { replay } = useStores();
  const v = replay.view;
  const n = replay.sessionDepth;
  const dp = replay.priceDecimals;
  const emptied = replay.emptied;
  const asks = withGhost(v?.asks ?? [], 'ask', emptied);
  const bids = withGhost(v?.bids ?? [], 'bid', emptied);
  const ours = v?.ours ?? [];
  const applied = replay.lastEvent;
  const isEmptied = (side: 'ask' | 'bid', level: LadderLevel | undefined): boolean =>
    emptied !== undefined &&
    level !== undefined &&
    level.size === 0 &&
    emptied.side === side &&
    level.price === emptied.price;
  const isApplied = (side: 'ask' | 'bid', level: LadderLevel | undefined): boolean =>
    applied !== null &&
    level !== undefined &&
    applied.side === side &&
    applied.price !== undefined &&
    Math.abs(applied.price - level.price) < 0.5 * 10 ** -dp;

  let maxSize = 1;
  for (const l of asks) if (l.size > maxSize) maxSize = l.size;
  for (const l of bids) if (l.size > maxSize) maxSize = l.size;
  if (emptied && emptied.sizeBefore > maxSize) maxSize = emptied.sizeBefore;

  const rows: RowModel[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const level = asks[i];
    rows.push({
      side: 'ask',
      level,
      queueAhead: level && level.ours > 0 ? queueFor(ours, 'sell', level.price) : undefined,
      ...(isEmptied('ask', level) ? { emptiedFrom: emptied?.sizeBefore } : {}),
    });
  }
  const askRows = rows.length;
  for (let i = 0; i < n; i++) {
    const level = bids[i];
    rows.push({
      side: 'bid',
      level,
      queueAhead: level && level.ours > 0 ? queueFor(ours, 'buy', level.price) : undefined,
      ...(isEmptied('bid', level) ? { emptiedFrom: emptied?.sizeBefore } : {}),
    });
  }

  const bestBid = v?.bids[0]?.price;
  const bestAsk = v?.asks[0]?.price;
  // Primitive props only, so a row whose level, bar and marks did not change skips its render.
  const rowProps = (r: RowModel): RowProps => ({
    side: r.side,
    price: r.level?.price,
    size: r.level?.size,
    ours: r.level?.ours ?? 0,
    queueAhead: r.queueAhead,
    emptiedFrom: r.emptiedFrom,
    // scaleX, not width: a transform changes no layout, so the bars cost no reflow.
    scale: r.level ? `scaleX(${Math.min(1, r.level.size / maxSize).toFixed(3)})` : 'scaleX(0)',
  });
  const spread = bestBid !== undefined && bestAsk !== undefined ? bestAsk - bestBid : undefined;
  const mid = bestBid !== undefined && bestAsk !== undefined ? (bestAsk + bestBid) / 2 : undefined;

  return (
    <div
      className="ladder"
      data-testid="ladder"
      data-seq={v?.seq ?? -1}
      role="table"
      aria-label="Order book depth ladder"
    >
      <div className="ladder-head" role="row">
        <span role="columnheader" title="Our resting bid: size and lots queued ahead of it">
          Our bid
        </span>
        <span role="columnheader" className="r">
          Bid size
        </span>
        <span role="columnheader" className="c">
          Price
        </span>
        <span role="columnheader">Ask size</span>
        <span role="columnheader" className="r" title="Our resting ask: size and lots queued ahead of it">
          Our ask
        </span>
      </div>
      {rows.slice(0, askRows).map((r, i) => (
        <LadderRow
          key={`a${i}`}
          {...rowProps(r)}
          dp={dp}
          applied={isApplied(r.side, r.level) ? applied?.kind : undefined}
        />
      ))}
      <div className="ladder-spread" role="row" data-testid="ladder-spread">
        <span role="cell">mid {mid !== undefined ? fmtFixed(mid, dp + 1) : DASH}</span>
        <span role="cell">spread {spread !== undefined ? fmtFixed(spread, dp) : DASH}</span>
      </div>
      {rows.slice(askRows).map((r, i) => (
        <LadderRow
          key={`b${i}`}
          {...rowProps(r)}
          dp={dp}
          applied={isApplied(r.side, r.level) ? applied?.kind : undefined}
        />
      ))}
    </div>
  );
});

interface RowProps {
  side: 'ask' | 'bid';
  /** Undefined: no level at this row. */
  price: number | undefined;
  size: number | undefined;
  ours: number;
  queueAhead: number | undefined;
  /** The level the last step emptied: its size before the step (the row is its ghost). */
  emptiedFrom: number | undefined;
  /** The size bar's transform. */
  scale: string;
}

/** One ladder row; memoised on its primitive props (the ladder re-renders every frame, most rows need not). */
const LadderRow = memo(function LadderRow({
  side,
  price,
  size,
  ours,
  queueAhead,
  emptiedFrom,
  scale,
  dp,
  applied,
}: RowProps & {
  dp: number;
  /** The kind of the event the last step applied at this row, if any. */
  applied: string | undefined;
}): ReactElement {
  const level = price !== undefined && size !== undefined ? { price, size, ours } : undefined;
  const isOurs = level !== undefined && level.ours > 0;
  const gone = emptiedFrom !== undefined;
  const ourCell = isOurs ? (
    <span
      className="our-cell"
      data-testid="ladder-queue"
      title={`${fmtInt(level.ours)} lots ours; ${fmtInt(queueAhead)} lots ahead in the queue`}
    >
      <span className="our-size">{fmtInt(level.ours)}</span>
      <span className="queue">q{queueAhead !== undefined ? fmtInt(queueAhead) : DASH}</span>
    </span>
  ) : null;
  return (
    <div
      className={`ladder-row ${side} ${isOurs ? 'ours' : ''} ${level ? '' : 'empty'} ${applied ? 'applied' : ''} ${gone ? 'emptied' : ''}`}
      role="row"
      data-testid="ladder-row"
      data-side={side}
      data-price={level?.price}
      data-ours={isOurs ? 'true' : undefined}
      data-applied={applied}
      data-emptied={gone ? 'true' : undefined}
      data-size-before={emptiedFrom}
      title={gone ? `This level was emptied by the step (it held ${fmtInt(emptiedFrom)} lots)` : undefined}
    >
      <span role="cell" className="r">
        {side === 'bid' ? ourCell : null}
      </span>
      <span role="cell" className="size-cell r">
        {side === 'bid' && level && (
          <>
            <span className="bar bar-bid" style={{ transform: scale }} />
            <span className="size">{gone ? `${fmtInt(emptiedFrom)} → 0` : fmtInt(level.size)}</span>
          </>
        )}
      </span>
      <span role="cell" className={`price c ${side}`}>
        {level ? fmtFixed(level.price, dp) : ''}
      </span>
      <span role="cell" className="size-cell">
        {side === 'ask' && level && (
          <>
            <span className="bar bar-ask" style={{ transform: scale }} />
            <span className="size">{gone ? `${fmtInt(emptiedFrom)} → 0` : fmtInt(level.size)}</span>
          </>
        )}
      </span>
      <span role="cell" className="r">
        {side === 'ask' ? ourCell : null}
      </span>
    </div>
  );
});
