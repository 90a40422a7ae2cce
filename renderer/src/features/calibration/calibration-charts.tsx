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
import { Chart, LineSeries, toLinePoints, useChart, type SimChart } from '../../charts/chart';
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

export function IntensityChart({
  intensity,
}: {
  intensity: NonNullable<CalibrationResult['intensity']>;
}): ReactElement {
  const { fitted, empirical } = useMemo(() => intensityLines(intensity), [intensity]);
  const chart = useRef<SimChart | null>(null);
  return (
    <figure className="chart-card">
      <figcaption title="Rate at which a quote at distance δ from the mid is reached (per second, both sides), log scale">
        Execution intensity λ(δ)
        <span className="legend" style={{ color: COLORS.accent }}>
          fitted A·e^(−kδ)
        </span>
        <span className="legend" style={{ color: COLORS.inventory }}>
          ● empirical
        </span>
        <ChartPngButton
          chart={() => chart.current}
          fileName="calibration-intensity.png"
          testId="calib-chart-intensity-png"
          inline
        />
      </figcaption>
      <Chart
        testId="calib-chart-intensity"
        label="Fitted execution intensity against the empirical rate per distance from the mid"
        timeFormat="number"
        yTitle="λ (per s, log)"
        xTitle="δ from mid (price)"
        fitOnResize
        onChart={(c) => {
          chart.current = c;
          c?.priceScale('right').applyOptions({ mode: PriceScaleMode.Logarithmic });
        }}
      >
        <LineSeries data={fitted} options={FITTED} />
        <LineSeries data={empirical} options={EMPIRICAL} />
        <Mark name="empirical" value={String(empirical.filter((p) => 'value' in p).length)} />
      </Chart>
    </figure>
  );
}

const ARRIVALS: LineSeriesPartialOptions = { color: COLORS.accent, lineWidth: 2, title: 'arrivals' };
const CANCELS: LineSeriesPartialOptions = { color: COLORS.ask, lineWidth: 2, title: 'θ(d)' };

export function FlowChart({ flow }: { flow: NonNullable<CalibrationResult['flow']> }): ReactElement {
  const { arrivals, cancels } = useMemo(() => flowLines(flow), [flow]);
  const chart = useRef<SimChart | null>(null);
  const per = flow.level === 'L3' ? 'order' : 'lot';
  return (
    <figure className="chart-card">
      <figcaption
        title={`Where the calibrated simulator places limit orders (arrivals per second per side at d ticks from the mid) and how fast they are cancelled there (per resting ${per} and second), log scale`}
      >
        Order flow by distance
        <span className="legend" style={{ color: COLORS.accent }}>
          arrivals /s
        </span>
        <span className="legend" style={{ color: COLORS.ask }}>
          θ(d) /{per}·s
        </span>
        <ChartPngButton
          chart={() => chart.current}
          fileName="calibration-flow.png"
          testId="calib-chart-flow-png"
          inline
        />
      </figcaption>
      <Chart
        testId="calib-chart-flow"
        label="Limit-order arrival rate and cancel rate by distance from the mid, as calibrated"
        timeFormat="number"
        yTitle="rate (per s, log)"
        xTitle="distance from mid (ticks)"
        fitOnResize
        onChart={(c) => {
          chart.current = c;
          c?.priceScale('right').applyOptions({ mode: PriceScaleMode.Logarithmic });
        }}
      >
        <LineSeries data={arrivals} options={ARRIVALS} />
        <LineSeries data={cancels} options={CANCELS} />
        <Mark name="bins" value={String(flow.bins.length)} />
      </Chart>
    </figure>
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
