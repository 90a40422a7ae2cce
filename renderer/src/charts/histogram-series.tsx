/**
 * A histogram series inside `<Chart>` (chart.tsx), for bands drawn behind lines: e.g. the Calibration
 * view shades the intervals where the high-volatility regime is the likelier state by giving those
 * points the value 1 on a hidden overlay scale spanning the whole pane (whitespace elsewhere).
 */
import {
  HistogramSeries as HistogramSeriesDef,
  type HistogramData,
  type HistogramSeriesPartialOptions,
  type WhitespaceData,
} from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';
import { useChart } from './chart';

export type SimHistogramPoint = HistogramData<number> | WhitespaceData<number>;

export function HistogramSeries({
  data,
  options,
  overlayScale,
}: {
  data: readonly SimHistogramPoint[];
  options?: HistogramSeriesPartialOptions;
  /** Draw on this hidden overlay price scale, spanning the pane top to bottom. */
  overlayScale?: string;
}): null {
  const handle = useChart();
  const [series, setSeries] = useState<ReturnType<typeof handle.chart.addSeries<'Histogram'>> | null>(null);
  const initial = useRef({ options, overlayScale });
  const id = useRef(Symbol('histogram'));

  useEffect(() => {
    const { options: o, overlayScale: scale } = initial.current;
    const s = handle.chart.addSeries(HistogramSeriesDef, {
      priceLineVisible: false,
      lastValueVisible: false,
      ...(scale !== undefined ? { priceScaleId: scale } : {}),
      ...o,
    });
    if (scale !== undefined) s.priceScale().applyOptions({ scaleMargins: { top: 0, bottom: 0 } });
    setSeries(s);
    const key = id.current;
    return () => {
      setSeries(null);
      if (handle.alive) {
        handle.report(key, 0);
        handle.chart.removeSeries(s);
      }
    };
  }, [handle]);

  useEffect(() => {
    if (!series) return;
    series.setData(data as SimHistogramPoint[]);
    handle.report(id.current, data.length);
  }, [series, data, handle]);

  return null;
}
