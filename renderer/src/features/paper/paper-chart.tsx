// PnL and inventory of the running paper session (lightweight-charts, as the other views). Samples
// arrive through PaperStore.onPoints: `setData` with the kept history when the chart mounts or a
// session starts, then `series.update` per new sample (no React render per sample). Time is seconds
// of feed time since the session's first sample.
import { LineSeries as LineSeriesDef } from 'lightweight-charts';
import { useEffect, type ReactElement } from 'react';
import { Chart, useChart } from '../../charts/chart';
import { COLORS } from '../../charts/theme';
import { useStores } from '../../stores/context';

export function PaperChart(): ReactElement {
  return (
    <figure className="chart-card" style={{ margin: 0 }}>
      <figcaption>PnL and inventory</figcaption>
      <Chart
        testId="paper-chart"
        label="Session PnL (right axis) and inventory (left axis) against feed time"
        timeFormat="clock"
        yTitle="PnL"
        yLeftTitle="inventory"
        xTitle="feed m:ss"
      >
        <PaperSeries />
      </Chart>
    </figure>
  );
}

function PaperSeries(): null {
  const { paper } = useStores();
  const handle = useChart();
  useEffect(() => {
    const chart = handle.chart;
    chart.applyOptions({ leftPriceScale: { visible: true } });
    const pnl = chart.addSeries(LineSeriesDef, {
      color: COLORS.pnl,
      lineWidth: 2,
      priceLineVisible: false,
      title: 'PnL',
    });
    const inv = chart.addSeries(LineSeriesDef, {
      color: COLORS.inventory,
      lineWidth: 1,
      priceLineVisible: false,
      priceScaleId: 'left',
      title: 'inventory',
    });
    const id = Symbol('paper');
    let n = 0;
    const off = paper.onPoints((points, reset) => {
      if (!handle.alive) return;
      if (reset) {
        pnl.setData(points.map((p) => ({ time: p.t, value: p.pnl })));
        inv.setData(points.map((p) => ({ time: p.t, value: p.inventory })));
        n = points.length;
      } else {
        for (const p of points) {
          pnl.update({ time: p.t, value: p.pnl });
          inv.update({ time: p.t, value: p.inventory });
        }
        n += points.length;
      }
      handle.report(id, n);
    });
    return () => {
      off();
      if (handle.alive) {
        chart.removeSeries(pnl);
        chart.removeSeries(inv);
      }
    };
  }, [paper, handle]);
  return null;
}
