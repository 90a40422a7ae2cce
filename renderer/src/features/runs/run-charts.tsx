// PnL, inventory, drawdown and quotes of one stored path of one result, in four charts whose visible
// ranges move together. The stored series are sampled on fixed bars (core/sim records one point per
// bar), so lightweight-charts' index spacing is proportional to time here without re-gridding.
import { LineType } from 'lightweight-charts';
import { observer } from 'mobx-react-lite';
import { useEffect, useMemo, useState, type ReactElement } from 'react';
import type { SeriesPayload } from '../../../../core/api/contract';
import { Chart, LineSeries, toLinePoints, type SimChart } from '../../charts/chart';
import { RangeSync } from '../../charts/range-sync';
import type { SimTimeFormat } from '../../charts/sim-time-scale';
import { COLORS } from '../../charts/theme';
import { ChartPngButton } from '../../components/chart-png-button';
import { useStores } from '../../stores/context';
import { seriesKey } from '../../stores/runs-store';

export interface RunChartsProps {
  runId: string;
  resultIndex: number;
  path: number;
  timeFormat: SimTimeFormat;
  testIdPrefix: string;
}

const PNL_OPTS = { color: COLORS.pnl, lineWidth: 2 as const, title: 'PnL' };
const INV_OPTS = { color: COLORS.inventory, lineWidth: 2 as const, title: 'Inventory', lineType: 1 as const };
const DD_OPTS = { color: COLORS.drawdown, lineWidth: 1 as const, title: 'Drawdown' };
const MID_OPTS = { color: COLORS.mid, lineWidth: 1 as const, title: 'Mid' };
// Quotes are piecewise constant between bars: step lines, not diagonals.
const BID_OPTS = {
  color: COLORS.bid,
  lineWidth: 1 as const,
  lineType: LineType.WithSteps,
  title: 'Bid',
  lastValueVisible: false,
};
const ASK_OPTS = {
  color: COLORS.ask,
  lineWidth: 1 as const,
  lineType: LineType.WithSteps,
  title: 'Ask',
  lastValueVisible: false,
};

export const RunCharts = observer(function RunCharts({
  runId,
  resultIndex,
  path,
  timeFormat,
  testIdPrefix,
}: RunChartsProps): ReactElement {
  const { runs } = useStores();
  const key = seriesKey(runId, resultIndex, path);
  const series = runs.series.get(key);
  const state = runs.seriesState.get(key);

  useEffect(() => {
    void runs.fetchSeries(runId, resultIndex, path);
  }, [runs, runId, resultIndex, path]);

  if (!series) {
    return (
      <div
        className="charts-grid"
        data-testid={`${testIdPrefix}-charts`}
        data-state={state?.status ?? 'loading'}
      >
        <div className="empty-state chart-placeholder">
          {state?.status === 'error' ? `Could not load the series: ${state.message}` : 'Loading path series…'}
        </div>
      </div>
    );
  }
  return <SyncedCharts series={series} timeFormat={timeFormat} testIdPrefix={testIdPrefix} />;
});

function SyncedCharts({
  series,
  timeFormat,
  testIdPrefix,
}: {
  series: SeriesPayload;
  timeFormat: SimTimeFormat;
  testIdPrefix: string;
}): ReactElement {
  const data = useMemo(
    () => ({
      pnl: toLinePoints(series.t, series.pnl),
      inventory: toLinePoints(series.t, series.inventory),
      drawdown: toLinePoints(series.t, series.drawdown),
      mid: toLinePoints(series.t, series.mid),
      bid: toLinePoints(series.t, series.bid),
      ask: toLinePoints(series.t, series.ask),
    }),
    [series],
  );
  const [sync] = useState(() => new RangeSync());
  const [charts] = useState(() => new Map<string, SimChart | null>());
  const onChart =
    (slot: string, name: string) =>
    (c: SimChart | null): void => {
      charts.set(name, c);
      sync.set(slot, c);
    };
  const png = (name: string): ReactElement => (
    <ChartPngButton
      chart={() => charts.get(name) ?? null}
      fileName={`${name}.png`}
      testId={`${testIdPrefix}-chart-${name}-png`}
    />
  );

  return (
    <div className="charts-grid" data-testid={`${testIdPrefix}-charts`} data-state="ready">
      <figure className="chart-card">
        <figcaption>PnL</figcaption>
        {png('pnl')}
        <Chart
          testId={`${testIdPrefix}-chart-pnl`}
          yTitle="PnL"
          label="PnL over time"
          timeFormat={timeFormat}
          fitOnResize
          onChart={onChart('s0', 'pnl')}
        >
          <LineSeries data={data.pnl} options={PNL_OPTS} />
        </Chart>
      </figure>
      <figure className="chart-card">
        <figcaption>Inventory (lots)</figcaption>
        {png('inventory')}
        <Chart
          testId={`${testIdPrefix}-chart-inventory`}
          yTitle="lots"
          label="Inventory over time"
          timeFormat={timeFormat}
          fitOnResize
          onChart={onChart('s1', 'inventory')}
        >
          <LineSeries data={data.inventory} options={INV_OPTS} />
        </Chart>
      </figure>
      <figure className="chart-card">
        <figcaption>Drawdown</figcaption>
        {png('drawdown')}
        <Chart
          testId={`${testIdPrefix}-chart-drawdown`}
          yTitle="drawdown (PnL)"
          label="Drawdown from the PnL peak over time"
          timeFormat={timeFormat}
          fitOnResize
          onChart={onChart('s2', 'drawdown')}
        >
          <LineSeries data={data.drawdown} options={DD_OPTS} />
        </Chart>
      </figure>
      <figure className="chart-card">
        <figcaption>
          Mid &amp; quotes <span className="legend bid">bid</span> <span className="legend ask">ask</span>
        </figcaption>
        {png('quotes')}
        <Chart
          testId={`${testIdPrefix}-chart-quotes`}
          yTitle="price"
          label="Mid price and our quotes over time"
          timeFormat={timeFormat}
          fitOnResize
          onChart={onChart('s3', 'quotes')}
        >
          <LineSeries data={data.bid} options={BID_OPTS} />
          <LineSeries data={data.ask} options={ASK_OPTS} />
          <LineSeries data={data.mid} options={MID_OPTS} />
        </Chart>
      </figure>
    </div>
  );
}
