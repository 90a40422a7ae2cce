/**
 * A dataset's top of book (data.get's series: the last best bid and ask of each bucket of a regular
 * grid, ≤ 2000 buckets): best bid, best ask and mid in one chart, the spread below it. Quotes are
 * piecewise constant, so both are step lines. Time: since the dataset's first event.
 */
import { LineType, type LineSeriesPartialOptions } from 'lightweight-charts';
import { useMemo, useRef, type ReactElement } from 'react';
import type { DatasetSeries } from '../../../../core/api/contract';
import { Chart, LineSeries, toLinePoints, type SimChart } from '../../charts/chart';
import { COLORS } from '../../charts/theme';
import { ChartPngButton } from '../../components/chart-png-button';

const BID: LineSeriesPartialOptions = { color: COLORS.bid, lineType: LineType.WithSteps, title: 'bid' };
const ASK: LineSeriesPartialOptions = { color: COLORS.ask, lineType: LineType.WithSteps, title: 'ask' };
const MID: LineSeriesPartialOptions = {
  color: COLORS.mid,
  lineType: LineType.WithSteps,
  title: 'mid',
  lineWidth: 2,
};
const SPREAD: LineSeriesPartialOptions = {
  color: COLORS.accent,
  lineType: LineType.WithSteps,
  title: 'spread',
};

const X_TITLE = 'since first event (m:ss)';

export function PriceSpreadCharts({
  series,
  loading,
}: {
  series: DatasetSeries | null;
  loading: boolean;
}): ReactElement {
  const lines = useMemo(() => {
    if (!series) return null;
    return {
      bid: toLinePoints(series.t, series.bid),
      ask: toLinePoints(series.t, series.ask),
      mid: toLinePoints(series.t, series.mid),
      spread: toLinePoints(series.t, series.spread),
    };
  }, [series]);
  const price = useRef<SimChart | null>(null);
  const spread = useRef<SimChart | null>(null);
  const bucket = series && series.bucketSeconds > 0 ? `${fmtBucket(series.bucketSeconds)} buckets` : '';
  return (
    <div className="data-charts">
      <figure className="chart-card">
        <figcaption>
          Best bid, ask and mid
          <span className="legend" style={{ color: COLORS.bid }}>
            bid
          </span>
          <span className="legend" style={{ color: COLORS.ask }}>
            ask
          </span>
          <span className="legend" style={{ color: COLORS.mid }}>
            mid
          </span>
          <span className="muted">{loading ? 'loading…' : bucket}</span>
          <ChartPngButton
            chart={() => price.current}
            fileName="dataset-price.png"
            testId="data-chart-price-png"
            inline
          />
        </figcaption>
        <Chart
          testId="data-chart-price"
          label="Best bid, best ask and mid of the dataset over time"
          yTitle="price"
          xTitle={X_TITLE}
          fitOnResize
          onChart={(c) => {
            price.current = c;
          }}
        >
          <LineSeries data={lines?.bid ?? []} options={BID} />
          <LineSeries data={lines?.ask ?? []} options={ASK} />
          <LineSeries data={lines?.mid ?? []} options={MID} />
        </Chart>
      </figure>
      <figure className="chart-card">
        <figcaption>
          Spread (ask − bid)
          <ChartPngButton
            chart={() => spread.current}
            fileName="dataset-spread.png"
            testId="data-chart-spread-png"
            inline
          />
        </figcaption>
        <Chart
          testId="data-chart-spread"
          label="Bid-ask spread of the dataset over time"
          yTitle="spread"
          xTitle={X_TITLE}
          fitOnResize
          onChart={(c) => {
            spread.current = c;
          }}
        >
          <LineSeries data={lines?.spread ?? []} options={SPREAD} />
        </Chart>
      </figure>
    </div>
  );
}

function fmtBucket(s: number): string {
  if (s >= 1) return `${Number(s.toPrecision(3))} s`;
  if (s >= 1e-3) return `${Number((s * 1e3).toPrecision(3))} ms`;
  return `${Number((s * 1e6).toPrecision(3))} µs`;
}
