/**
 * The Calibration view's charts.
 * - Volatility: the GARCH(1,1) conditional σ_t of the mid's change per interval (price units), with the
 *   intervals where the smoothed probability of the high-volatility regime exceeds 0.5 shaded (a
 *   histogram on a hidden overlay scale). `data-shaded` on the chart counts the shaded intervals.
 * - Intensity: the fitted λ(δ) = A·e^(−kδ) against the empirical rate of each distance bin, on a log
 *   scale (where the model is a straight line), both on one regular grid (calibration-series.ts).
 * - Order flow: the simulator's placement law (limit arrivals per second per side at d ticks from the
 *   mid) and cancel rates θ(d), as the calibrated scenario carries them, on a log scale.
 */
import { PriceScaleMode, type LineSeriesPartialOptions } from 'lightweight-charts';
import { useEffect, useMemo, useRef, type ReactElement } from 'react';
import type { CalibrationResult } from '../../../../core/api/contract';
import {
  Chart,
  LineSeries,
  toLinePoints,
  useChart,
  type SimChart,
  type SimLinePoint,
} from '../../charts/chart';
import { HistogramSeries, type SimHistogramPoint } from '../../charts/histogram-series';
import { COLORS } from '../../charts/theme';
import { ChartPngButton } from '../../components/chart-png-button';
import { flowLines, highRegimeMask, intensityLines } from './calibration-series';

const SIGMA: LineSeriesPartialOptions = { color: COLORS.pnl, lineWidth: 2, title: 'σ_t' };
const SHADE = 'rgba(240, 97, 109, 0.22)';
const FITTED: LineSeriesPartialOptions = { color: COLORS.accent, lineWidth: 2, title: 'fitted' };
const EMPIRICAL: LineSeriesPartialOptions = {
  color: COLORS.inventory,
  lineVisible: false,
  pointMarkersVisible: true,
  pointMarkersRadius: 4,
  title: 'empirical',
  lastValueVisible: false,
};

export function VolatilityChart({ result }: { result: CalibrationResult }): ReactElement {
  const v = result.volatility;
  const { sigma, shade, shaded } = useMemo(() => {
    const mask = highRegimeMask(v.pHigh);
    const shadePts: SimHistogramPoint[] = v.t.map((time, i) =>
      mask[i] ? { time, value: 1, color: SHADE } : { time },
    );
    return { sigma: toLinePoints(v.t, v.sigma), shade: shadePts, shaded: mask.filter(Boolean).length };
  }, [v]);
  const chart = useRef<SimChart | null>(null);
  return (
    <figure className="chart-card">
      <figcaption title="GARCH(1,1) conditional standard deviation of the mid's change per interval; shaded: smoothed probability of the high-volatility regime above 0.5">
        Conditional volatility
        <span className="legend" style={{ color: COLORS.pnl }}>
          GARCH σ_t
        </span>
        <span className="legend" style={{ color: COLORS.ask }}>
          ▮ high-vol regime (P &gt; 0.5)
        </span>
        <ChartPngButton
          chart={() => chart.current}
          fileName="calibration-volatility.png"
          testId="calib-chart-vol-png"
          inline
        />
      </figcaption>
      <Chart
        testId="calib-chart-vol"
        label="GARCH conditional volatility over time with the high-volatility regime shaded"
        yTitle={`σ (price / ${fmtInterval(result.returns.intervalSeconds)})`}
        xTitle="since first event (m:ss)"
        fitOnResize
        onChart={(c) => {
          chart.current = c;
        }}
      >
        <HistogramSeries data={shade} overlayScale="regime" />
        <LineSeries data={sigma} options={SIGMA} />
        <Mark name="shaded" value={String(shaded)} />
      </Chart>
    </figure>
  );
}

/**
 * A chart card with two lines over a numeric x axis on a logarithmic price scale: the intensity and the
 * order-flow charts. `mark` is the data-* attribute tests read.
 */
function LogLinesCard(props: {
  title: string;
  caption: string;
  legends: { color: string; text: string }[];
  name: string;
  label: string;
  yTitle: string;
  xTitle: string;
  lines: { data: SimLinePoint[]; options: LineSeriesPartialOptions }[];
  mark: { name: string; value: string };
}): ReactElement {
  const chart = useRef<SimChart | null>(null);
  return (
    <figure className="chart-card">
      <figcaption title={props.title}>
        {props.caption}
        {props.legends.map((l) => (
          <span key={l.text} className="legend" style={{ color: l.color }}>
            {l.text}
          </span>
        ))}
        <ChartPngButton
          chart={() => chart.current}
          fileName={`calibration-${props.name}.png`}
          testId={`calib-chart-${props.name}-png`}
          inline
        />
      </figcaption>
      <Chart
        testId={`calib-chart-${props.name}`}
        label={props.label}
        timeFormat="number"
        yTitle={props.yTitle}
        xTitle={props.xTitle}
        fitOnResize
        onChart={(c) => {
          chart.current = c;
          c?.priceScale('right').applyOptions({ mode: PriceScaleMode.Logarithmic });
        }}
      >
        {props.lines.map((l, i) => (
          <LineSeries key={i} data={l.data} options={l.options} />
        ))}
        <Mark name={props.mark.name} value={props.mark.value} />
      </Chart>
    </figure>
  );
}

export function IntensityChart({
  intensity,
}: {
  intensity: NonNullable<CalibrationResult['intensity']>;
}): ReactElement {
  const { fitted, empirical } = useMemo(() => intensityLines(intensity), [intensity]);
  return (
    <LogLinesCard
      title="Rate at which a quote at distance δ from the mid is reached (per second, both sides), log scale"
      caption="Execution intensity λ(δ)"
      legends={[
        { color: COLORS.accent, text: 'fitted A·e^(−kδ)' },
        { color: COLORS.inventory, text: '● empirical' },
      ]}
      name="intensity"
      label="Fitted execution intensity against the empirical rate per distance from the mid"
      yTitle="λ (per s, log)"
      xTitle="δ from mid (price)"
      lines={[
        { data: fitted, options: FITTED },
        { data: empirical, options: EMPIRICAL },
      ]}
      mark={{ name: 'empirical', value: String(empirical.filter((p) => 'value' in p).length) }}
    />
  );
}

const ARRIVALS: LineSeriesPartialOptions = { color: COLORS.accent, lineWidth: 2, title: 'arrivals' };
const CANCELS: LineSeriesPartialOptions = { color: COLORS.ask, lineWidth: 2, title: 'θ(d)' };

export function FlowChart({ flow }: { flow: NonNullable<CalibrationResult['flow']> }): ReactElement {
  const { arrivals, cancels } = useMemo(() => flowLines(flow), [flow]);
  const per = flow.level === 'L3' ? 'order' : 'lot';
  return (
    <LogLinesCard
      title={`Where the calibrated simulator places limit orders (arrivals per second per side at d ticks from the mid) and how fast they are cancelled there (per resting ${per} and second), log scale`}
      caption="Order flow by distance"
      legends={[
        { color: COLORS.accent, text: 'arrivals /s' },
        { color: COLORS.ask, text: `θ(d) /${per}·s` },
      ]}
      name="flow"
      label="Limit-order arrival rate and cancel rate by distance from the mid, as calibrated"
      yTitle="rate (per s, log)"
      xTitle="distance from mid (ticks)"
      lines={[
        { data: arrivals, options: ARRIVALS },
        { data: cancels, options: CANCELS },
      ]}
      mark={{ name: 'bins', value: String(flow.bins.length) }}
    />
  );
}

/** Sets a data-* attribute on the enclosing chart (for tests). */
function Mark({ name, value }: { name: string; value: string }): null {
  const handle = useChart();
  useEffect(() => handle.mark(name, value), [handle, name, value]);
  return null;
}

export function fmtInterval(s: number): string {
  if (s >= 1) return `${Number(s.toPrecision(3))} s`;
  return `${Number((s * 1e3).toPrecision(3))} ms`;
}
