// The scrub bar of the order-book view: a slider over the session's time (recorded time on a dataset)
// that seeks the session there when the user lets go, the time and, on a dataset, which recorded event
// the book is at. Dragging only moves the thumb; the seek is asked for once the value has rested for a
// moment (a drag is one seek, and a value set from the keyboard or by a test seeks too).
import { observer } from 'mobx-react-lite';
import { useEffect, useId, useRef, useState, type ReactElement } from 'react';
import { fmtInt, fmtSimTime } from '../../lib/format';
import { useStores } from '../../stores/context';

/** How long the slider's value must rest before it seeks (ms). */
const SETTLE_MS = 250;
/** Slider positions over the session. */
const STEPS = 1000;

export const ScrubBar = observer(function ScrubBar(): ReactElement | null {
  const { replay } = useStores();
  const id = useId();
  const [dragT, setDragT] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const s = replay.state;
  if (!s) return null;
  const horizon = s.horizon;
  const t = replay.view?.t ?? s.t;
  const canSeek = (replay.isLive || replay.status === 'finished') && horizon > 0;
  const onInput = (value: number): void => {
    setDragT(value);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void replay.seek(value).finally(() => setDragT(null));
    }, SETTLE_MS);
  };
  const shown = dragT ?? t;
  const dataset = s.source === 'dataset';
  const event = replay.view?.event ?? s.event;
  return (
    <section className="panel toolbar" aria-label="Scrub" data-testid="replay-scrub">
      <div className="field" style={{ flex: '1 1 auto' }}>
        <label htmlFor={id}>{dataset ? 'Recorded time' : 'Sim time'}</label>
        <input
          id={id}
          type="range"
          min={0}
          max={horizon}
          step={horizon / STEPS}
          value={Math.min(horizon, Math.max(0, shown))}
          onChange={(e) => onInput(Number(e.target.value))}
          disabled={!canSeek}
          style={{ width: '100%' }}
          data-testid="replay-scrub-slider"
        />
      </div>
      <div className="toolbar-status">
        <span className="num" data-testid="replay-scrub-time">
          {fmtSimTime(shown)} / {fmtSimTime(horizon, 0)}
        </span>
        {event !== undefined && s.events !== undefined && (
          <span
            className="num muted"
            data-testid="replay-event-index"
            data-event={event}
            title="Recorded events applied so far (from the dataset's first)"
          >
            event {fmtInt(event)} / {fmtInt(s.events)}
          </span>
        )}
        {s.seeking && (
          <span className="muted" data-testid="replay-seeking">
            seeking…
          </span>
        )}
      </div>
    </section>
  );
});
