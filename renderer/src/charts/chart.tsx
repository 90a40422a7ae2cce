/**
 * React wrappers for lightweight-charts. `<Chart>` creates the chart in an effect on its container
 * (autoSize), removes it on cleanup, and provides it to its children; `<LineSeries>` adds one series,
 * sets its data when the `data` prop changes and hands its API to `onSeries` for streaming updates
 * (`series.update`, no React re-render). The container carries `data-points` (the largest series'
 * point count) and `data-drawn="true"` once any series has data, for tests.
 *
 * Axis titles. lightweight-charts draws no axis titles, so the chart overlays two small HTML labels:
 * the horizontal axis' quantity and unit in the empty corner under the price axis (by default from
 * the time format: "sim m:ss", "t (units)", "step", "q (lots)"), the right price axis' title just
 * above that axis, and a left price axis' title in the corner under it.
 */
import {
  LineSeries as LineSeriesDef,
  createChartEx,
  type IChartApiBase,
  type ISeriesApi,
  type LineData,
  type LineSeriesPartialOptions,
  type WhitespaceData,
} from 'lightweight-charts';
import {
  createContext,
  useContext,
  useEffect,
  useRef,
  useState,
  type ReactElement,
  type ReactNode,
} from 'react';
import { SimTimeScaleBehavior, type SimTimeFormat } from './sim-time-scale';
import { chartOptions } from './theme';

export type SimChart = IChartApiBase<number>;
export type SimLineSeries = ISeriesApi<'Line', number>;
export type SimLinePoint = LineData<number> | WhitespaceData<number>;

interface ChartHandle {
  chart: SimChart;
  container: HTMLDivElement;
  /** Records a series' point count on the container (data-points / data-drawn). */
  report(id: symbol, points: number): void;
  /** Sets a `data-*` attribute of the container (what a chart shows, for tests), e.g. mark('lineType', 'steps'). */
  mark(name: string, value: string): void;
  alive: boolean;
}

const ChartContext = createContext<ChartHandle | null>(null);

export function useChart(): ChartHandle {
  const h = useContext(ChartContext);
  if (!h) throw new Error('chart series outside <Chart>');
  return h;
}

export interface ChartProps {
  testId: string;
  className?: string;
  timeFormat?: SimTimeFormat;
  /** Accessible description of what the chart shows. */
  label: string;
  children?: ReactNode;
  onChart?: (chart: SimChart | null) => void;
  /** Fit all data into view whenever the chart's width changes (static charts). */
  fitOnResize?: boolean;
  /** Title (with unit) of the right price axis, e.g. "price", "PnL", "lots". */
  yTitle: string;
  /** Title of the left price axis, for charts whose series use it. */
  yLeftTitle?: string;
  /** Title of the horizontal axis; by default from `timeFormat`. */
  xTitle?: string;
}

const X_TITLES: Record<SimTimeFormat, string> = {
  clock: 'sim m:ss',
  number: 't (units)',
  step: 'step',
  lots: 'q (lots)',
};

export function Chart({
  testId,
  className,
  timeFormat = 'clock',
  label,
  children,
  onChart,
  fitOnResize = false,
  yTitle,
  yLeftTitle,
  xTitle,
}: ChartProps): ReactElement {
  const ref = useRef<HTMLDivElement>(null);
  const [handle, setHandle] = useState<ChartHandle | null>(null);
  const onChartRef = useRef(onChart);

  useEffect(() => {
    onChartRef.current = onChart;
  });

  useEffect(() => {
    const container = ref.current;
    if (!container) return;
    const chart = createChartEx<number, SimTimeScaleBehavior>(
      container,
      new SimTimeScaleBehavior(timeFormat),
      chartOptions(),
    );
    const counts = new Map<symbol, number>();
    const h: ChartHandle = {
      chart,
      container,
      alive: true,
      report(id, points) {
        counts.set(id, points);
        let max = 0;
        for (const n of counts.values()) max = Math.max(max, n);
        container.dataset.points = String(max);
        container.dataset.drawn = max > 0 ? 'true' : 'false';
      },
      mark(name, value) {
        container.dataset[name] = value;
      },
    };
    container.dataset.points = '0';
    container.dataset.drawn = 'false';
    setHandle(h);
    onChartRef.current?.(chart);
    // autoSize resizes the canvas on its own ResizeObserver; fit after it, on the next frame.
    let lastWidth = 0;
    let raf = 0;
    const ro = fitOnResize
      ? new ResizeObserver((entries) => {
          const w = entries[0]?.contentRect.width ?? 0;
          if (w === lastWidth || w === 0) return;
          lastWidth = w;
          cancelAnimationFrame(raf);
          raf = requestAnimationFrame(() => {
            if (h.alive) chart.timeScale().fitContent();
          });
        })
      : null;
    ro?.observe(container);
    return () => {
      ro?.disconnect();
      cancelAnimationFrame(raf);
      h.alive = false;
      onChartRef.current?.(null);
      chart.remove();
      setHandle(null);
    };
  }, [timeFormat, fitOnResize]);

  return (
    <div ref={ref} className={`chart ${className ?? ''}`} data-testid={testId} role="img" aria-label={label}>
      <span className="axis-title axis-title-y" data-axis="y">
        {yTitle}
      </span>
      {yLeftTitle !== undefined && (
        <span className="axis-title axis-title-y-left" data-axis="y-left">
          {yLeftTitle}
        </span>
      )}
      <span className="axis-title axis-title-x" data-axis="x">
        {xTitle ?? X_TITLES[timeFormat]}
      </span>
      {handle && <ChartContext value={handle}>{children}</ChartContext>}
    </div>
  );
}

export interface LineSeriesProps {
  data?: readonly SimLinePoint[];
  options?: LineSeriesPartialOptions;
  onSeries?: (series: SimLineSeries | null) => void;
}

export function LineSeries({ data, options, onSeries }: LineSeriesProps): null {
  const handle = useChart();
  const [series, setSeries] = useState<SimLineSeries | null>(null);
  const id = useRef(Symbol('series'));
  const initialOptions = useRef(options);
  const onSeriesRef = useRef(onSeries);

  useEffect(() => {
    onSeriesRef.current = onSeries;
  });

  useEffect(() => {
    const s = handle.chart.addSeries(LineSeriesDef, {
      lineWidth: 1,
      priceLineVisible: false,
      lastValueVisible: true,
      crosshairMarkerRadius: 3,
      ...initialOptions.current,
    });
    setSeries(s);
    onSeriesRef.current?.(s);
    const key = id.current;
    return () => {
      onSeriesRef.current?.(null);
      setSeries(null);
      if (handle.alive) {
        handle.report(key, 0);
        handle.chart.removeSeries(s);
      }
    };
  }, [handle]);

  useEffect(() => {
    if (series && options) series.applyOptions(options);
  }, [series, options]);

  useEffect(() => {
    if (!series || !data) return;
    series.setData(data as SimLinePoint[]);
    handle.report(id.current, data.length);
    handle.chart.timeScale().fitContent();
  }, [series, data, handle]);

  return null;
}

/** Points from parallel arrays; null/NaN become whitespace (a gap); times must increase strictly. */
export function toLinePoints(t: readonly number[], v: readonly (number | null)[]): SimLinePoint[] {
  const out: SimLinePoint[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < t.length; i++) {
    const time = t[i];
    if (time === undefined || !(time > last)) continue;
    last = time;
    const value = v[i];
    out.push(value === null || value === undefined || !Number.isFinite(value) ? { time } : { time, value });
  }
  return out;
}
