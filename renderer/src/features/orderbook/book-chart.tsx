/**
 * Mid, our bid and our ask of the live replay, with our fills as markers. Data arrives through the
 * ReplayStore's per-frame listener: `setData` once when the chart mounts or a session starts, then
 * `series.update` for each new sim-time bucket (the last bar is replaced while its bucket fills; a
 * bucket re-sent several times in one frame is drawn once).
 *
 * What it must not misstate: quotes are piecewise constant, so bid and ask are step lines (a diagonal
 * would invent prices between two quote changes); prices show one more decimal than the tick (the mid
 * of a 0.005 book is on a 0.0025 grid); the time axis is proportional to sim time because the store
 * sends every bucket of a regular grid. For tests the container carries `data-line-type`,
 * `data-price-precision`, `data-bucket-width` and the first/last point time (`data-first-t`,
 * `data-last-t`): with `data-points` they show the grid is complete.
 *
 * Fill markers are aggregated so they stay readable at any speed: one marker per side per group of
 * bars at least MARKER_PX wide on screen (a single bar when bars are that wide), with the number of
 * fills it stands for as its text when more than one — never a column of arrows per bar. The group
 * width follows the zoom. `data-markers` is the number of markers drawn, `data-marker-fills` the fills
 * they stand for, `data-marker-group` the bars per group.
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
import { aggregateFills } from '../../charts/fill-markers';
import { COLORS } from '../../charts/theme';
import { useStores } from '../../stores/context';
import type { ChartPoint, FillMark, FrameBatch } from '../../stores/replay-store';

/** Fills kept for markers (as the store's fill history). */
const MAX_FILLS = 400;
const BAR_SPACING = 3;
/** Least on-screen width of one marker group: a marker with its count fits without touching the next. */
const MARKER_PX = 14;

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
    let fills: FillMark[] = [];
    let width = Number.NaN;
    let firstT = Number.NEGATIVE_INFINITY;
    let group = 1;
    let lastT = Number.NEGATIVE_INFINITY;
    let count = 0;
    /** Bars when the chart was last fitted (a fit redraws everything: only when a bar was added). */
    let fitted = 0;
    const id = Symbol('book');

    /** Bars per marker group at the current zoom (bar spacing from the visible range). */
    const groupNow = (): number => {
      const r = chart.timeScale().getVisibleLogicalRange();
      const px = chart.timeScale().width();
      const spacing = r && r.to > r.from && px > 0 ? px / (r.to - r.from) : BAR_SPACING;
      return Math.max(1, Math.ceil(MARKER_PX / spacing));
    };

    const drawMarkers = (): void => {
      group = groupNow();
      const agg = aggregateFills(fills, width, group, firstT);
      markers.setMarkers(
        agg.map((m): SeriesMarker<number> => ({
          time: m.time,
          position: m.side === 'buy' ? 'belowBar' : 'aboveBar',
          shape: m.side === 'buy' ? 'arrowUp' : 'arrowDown',
          color: m.side === 'buy' ? COLORS.bid : COLORS.ask,
          size: 0.6,
          ...(m.count > 1 ? { text: String(m.count) } : {}),
        })),
      );
      handle.mark('markers', String(agg.length));
      handle.mark('markerFills', String(fills.length));
      handle.mark('markerGroup', String(group));
    };

    // Zooming changes how many bars a marker group needs (only then are the markers redrawn).
    const onRange = (): void => {
      if (fills.length > 0 && groupNow() !== group) drawMarkers();
    };
    chart.timeScale().subscribeVisibleLogicalRangeChange(onRange);

    const line = (t: number, v: number | null): SimLinePoint =>
      v === null || !Number.isFinite(v) ? { time: t } : { time: t, value: v };

    /** Applies a frame's points and fills (the chart redraws once after). */
    const apply = (points: readonly ChartPoint[], newFills: readonly FillMark[]): void => {
      for (let i = 0; i < points.length; i++) {
        const p = points[i];
        // A bucket is re-sent every frame while it fills: only its last value is drawn.
        if (!p || p.t < lastT || points[i + 1]?.t === p.t) continue;
        if (p.t > lastT && ++count === 1) {
          firstT = p.t;
          handle.mark('firstT', String(p.t));
        }
        lastT = p.t;
        mid.update(line(p.t, p.mid));
        bid.update(line(p.t, p.bid));
        ask.update(line(p.t, p.ask));
      }
      for (const f of newFills) fills.push(f);
      if (fills.length > MAX_FILLS) fills = fills.slice(-MAX_FILLS);
    };

    /** After a reset or an apply: fit while the bars do not fill the width, markers, marks. */
    const finish = (redrawMarkers: boolean): void => {
      // Until the bars fill the width, stretch them (a live chart should not start as a sliver on
      // the right); from then on keep the bar spacing and let new bars scroll in. The plot width is
      // the chart's own (no DOM read in the frame).
      if (count > 1 && count !== fitted && count * BAR_SPACING < chart.timeScale().width()) {
        chart.timeScale().fitContent();
        fitted = count;
      }
      if (redrawMarkers) drawMarkers();
      handle.mark('lastT', String(lastT));
      handle.report(id, count);
    };

    const onFrame = (batch: FrameBatch): void => {
      if (batch.bucketWidth !== width) handle.mark('bucketWidth', String(batch.bucketWidth));
      width = batch.bucketWidth;
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
        fitted = 0;
        firstT = ts[0]?.t ?? Number.NEGATIVE_INFINITY;
        handle.mark('firstT', String(ts[0]?.t ?? ''));
        fills = batch.fills.slice(-MAX_FILLS);
        if (count > 0) chart.timeScale().scrollToRealTime();
        finish(true);
        return;
      }
      apply(batch.points, batch.fills);
      finish(batch.fills.length > 0);
    };

    const off = replay.addFrameListener(onFrame);
    return () => {
      off();
      offPrecision();
      if (handle.alive) {
        chart.timeScale().unsubscribeVisibleLogicalRangeChange(onRange);
        markers.detach();
        for (const s of [mid, bid, ask] as SimLineSeries[]) chart.removeSeries(s);
      }
    };
  }, [handle, replay]);

  return null;
}
