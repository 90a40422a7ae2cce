/**
 * Mid, our bid and our ask of the live replay, with our fills as markers. Data arrives through the
 * ReplayStore's per-frame listener: `setData` once when the chart mounts or a session starts, then
 * `series.update` for each new sim-time bucket (the last bar is replaced while its bucket fills).
 *
 * What it must not misstate: quotes are piecewise constant, so bid and ask are step lines (a diagonal
 * would invent prices between two quote changes); prices show one more decimal than the tick (the mid
 * of a 0.005 book is on a 0.0025 grid); the time axis is proportional to sim time because the store
 * sends every bucket of a regular grid. For tests the container carries `data-line-type`,
 * `data-price-precision`, `data-bucket-width` and the first/last point time (`data-first-t`,
 * `data-last-t`): with `data-points` they show the grid is complete.
 */
import {
  LineSeries as LineSeriesDef,
  LineType,
  createSeriesMarkers,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
} from 'lightweight-charts';
import { reaction } from 'mobx';
import { useEffect, type ReactElement } from 'react';
import { Chart, useChart, type SimChart, type SimLinePoint, type SimLineSeries } from '../../charts/chart';
import { COLORS } from '../../charts/theme';
import { useStores } from '../../stores/context';
import type { ChartPoint, FillMark, FrameBatch } from '../../stores/replay-store';

const MAX_MARKERS = 200;
const BAR_SPACING = 3;

export function BookChart({ onChart }: { onChart?: (chart: SimChart | null) => void }): ReactElement {
  return (
    <Chart
      testId="book-chart"
      label="Mid price, our bid and ask, and our fills"
      timeFormat="clock"
      yTitle="price"
      onChart={onChart}
    >
      <BookSeries />
    </Chart>
  );
}

function BookSeries(): ReactElement | null {
  const { replay } = useStores();
  const handle = useChart();

  useEffect(() => {
    const chart = handle.chart;
    chart.applyOptions({ timeScale: { barSpacing: BAR_SPACING, rightOffset: 6 } });
    const common = { lineWidth: 1 as const, priceLineVisible: false, crosshairMarkerRadius: 3 };
    const steps = { lineType: LineType.WithSteps };
    const bid = chart.addSeries(LineSeriesDef, {
      ...common,
      ...steps,
      color: COLORS.bid,
      title: 'bid',
      lastValueVisible: true,
    });
    const ask = chart.addSeries(LineSeriesDef, {
      ...common,
      ...steps,
      color: COLORS.ask,
      title: 'ask',
      lastValueVisible: true,
    });
    const mid = chart.addSeries(LineSeriesDef, {
      ...common,
      ...steps,
      color: COLORS.mid,
      title: 'mid',
      lineWidth: 2,
    });
    handle.mark('lineType', 'steps');
    // One decimal more than the tick (the mid sits between two ticks), as the ladder and tickers.
    const offPrecision = reaction(
      () => replay.priceDecimals + 1,
      (precision) => {
        const priceFormat = { type: 'price' as const, precision, minMove: 10 ** -precision };
        for (const s of [mid, bid, ask]) s.applyOptions({ priceFormat });
        handle.mark('pricePrecision', String(precision));
      },
      { fireImmediately: true },
    );
    const markers: ISeriesMarkersPluginApi<number> = createSeriesMarkers(mid, []);
    let marks: SeriesMarker<number>[] = [];
    let lastT = Number.NEGATIVE_INFINITY;
    let count = 0;
    const id = Symbol('book');

    const toMarker = (f: FillMark): SeriesMarker<number> => ({
      time: f.t,
      position: f.side === 'buy' ? 'belowBar' : 'aboveBar',
      shape: f.side === 'buy' ? 'arrowUp' : 'arrowDown',
      color: f.side === 'buy' ? COLORS.bid : COLORS.ask,
      size: 0.6,
    });

    const line = (t: number, v: number | null): SimLinePoint =>
      v === null || !Number.isFinite(v) ? { time: t } : { time: t, value: v };

    const onFrame = (batch: FrameBatch): void => {
      handle.mark('bucketWidth', String(batch.bucketWidth));
      if (batch.reset) {
        const ts: ChartPoint[] = [];
        lastT = Number.NEGATIVE_INFINITY;
        for (const p of batch.points) {
          if (p.t > lastT) {
            ts.push(p);
            lastT = p.t;
          }
        }
        mid.setData(ts.map((p) => line(p.t, p.mid)));
        bid.setData(ts.map((p) => line(p.t, p.bid)));
        ask.setData(ts.map((p) => line(p.t, p.ask)));
        count = ts.length;
        handle.mark('firstT', String(ts[0]?.t ?? ''));
        marks = batch.fills.slice(-MAX_MARKERS).map(toMarker);
        markers.setMarkers(marks);
        if (count > 0) chart.timeScale().scrollToRealTime();
      } else {
        for (const p of batch.points) {
          if (p.t < lastT) continue;
          if (p.t > lastT && ++count === 1) handle.mark('firstT', String(p.t));
          lastT = p.t;
          mid.update(line(p.t, p.mid));
          bid.update(line(p.t, p.bid));
          ask.update(line(p.t, p.ask));
        }
        if (batch.fills.length > 0) {
          marks = [...marks, ...batch.fills.map(toMarker)].slice(-MAX_MARKERS);
          markers.setMarkers(marks);
        }
      }
      // Until the bars fill the width, stretch them (a live chart should not start as a sliver on
      // the right); from then on keep the bar spacing and let new bars scroll in.
      if (count > 1 && count * BAR_SPACING < handle.container.clientWidth) chart.timeScale().fitContent();
      handle.mark('lastT', String(lastT));
      handle.report(id, count);
    };

    const off = replay.addFrameListener(onFrame);
    return () => {
      off();
      offPrecision();
      if (handle.alive) {
        markers.detach();
        for (const s of [mid, bid, ask] as SimLineSeries[]) chart.removeSeries(s);
      }
    };
  }, [handle, replay]);

  return null;
}
