/**
 * The policy's quotes against inventory: distance of the bid and the ask from the mid for each
 * inventory, for the current policy (agent) next to Avellaneda–Stoikov and GLFT on the same scenario.
 * Refreshed by the TrainingStore every few seconds while the run trains (train.quoteCurves).
 */
import { LineStyle, type LineSeriesPartialOptions } from 'lightweight-charts';
import { observer } from 'mobx-react-lite';
import { useMemo, useRef, type ReactElement } from 'react';
import type { QuoteCurve } from '../../../../core/api/contract';
import { Chart, LineSeries, toLinePoints, type SimChart } from '../../charts/chart';
import { SERIES_PALETTE } from '../../charts/theme';
import { ChartPngButton } from '../../components/chart-png-button';
import { fmtInt } from '../../lib/format';
import { useStores } from '../../stores/context';

const CURVE_COLORS: Record<string, string> = {
  agent: SERIES_PALETTE[0],
  AS: SERIES_PALETTE[1],
  GLFT: SERIES_PALETTE[3],
};

function colorOf(name: string, i: number): string {
  return CURVE_COLORS[name] ?? SERIES_PALETTE[i % SERIES_PALETTE.length] ?? '#c9d3de';
}

function displayName(name: string): string {
  return name === 'agent' ? 'policy' : name;
}

const SOURCE_TEXT = {
  live: 'live policy',
  final: 'final policy',
  checkpoint: 'newest checkpoint',
} as const;

export const QuoteCurvesCard = observer(function QuoteCurvesCard(): ReactElement {
  const { training } = useStores();
  const c = training.curves;
  const run = training.selected;
  const chart = useRef<SimChart | null>(null);
  return (
    <figure className="chart-card">
      <figcaption title="Distance of the bid (solid) and the ask (dashed) from the mid, by inventory in lots">
        Quotes vs inventory
        {c && (
          <span className="legend fill" data-testid="train-curves-source" data-source={c.source}>
            {SOURCE_TEXT[c.source]} · step {fmtInt(c.step)}
          </span>
        )}
        <ChartPngButton
          chart={() => chart.current}
          fileName="training-quotes.png"
          testId="train-chart-quotes-png"
          inline
        />
        <span className="spacer" />
        {(c?.curves ?? []).map((curve, i) => (
          <span key={curve.name} className="legend" style={{ color: colorOf(curve.name, i) }}>
            {displayName(curve.name)}
          </span>
        ))}
      </figcaption>
      <div className="chart-stack">
        <CurvesChart
          curves={c?.curves}
          onChart={(x) => {
            chart.current = x;
          }}
        />
        {!c && (
          <div className="chart-overlay" data-testid="train-curves-empty">
            {training.curvesError
              ? training.curvesError
              : !run
                ? 'No run selected'
                : run.status === 'running' || run.status === 'paused'
                  ? 'Waiting for the policy…'
                  : 'No checkpoint yet: no policy to show'}
          </div>
        )}
      </div>
    </figure>
  );
});

function CurvesChart({
  curves,
  onChart,
}: {
  curves: QuoteCurve[] | undefined;
  onChart: (chart: SimChart | null) => void;
}): ReactElement {
  const lines = useMemo(() => {
    const out: { key: string; data: ReturnType<typeof toLinePoints>; options: LineSeriesPartialOptions }[] =
      [];
    (curves ?? []).forEach((curve, i) => {
      const q = curve.points.map((p) => p.q);
      const color = colorOf(curve.name, i);
      const width = curve.name === 'agent' ? 2 : 1;
      const name = displayName(curve.name);
      out.push({
        key: `${curve.name}-bid`,
        data: toLinePoints(
          q,
          curve.points.map((p) => p.bid),
        ),
        options: { color, lineWidth: width, title: `${name} bid`, lastValueVisible: false },
      });
      out.push({
        key: `${curve.name}-ask`,
        data: toLinePoints(
          q,
          curve.points.map((p) => p.ask),
        ),
        options: {
          color,
          lineWidth: width,
          lineStyle: LineStyle.Dashed,
          title: `${name} ask`,
          lastValueVisible: false,
        },
      });
    });
    return out;
  }, [curves]);
  return (
    <Chart
      testId="train-chart-quotes"
      label="Bid and ask distance from the mid against inventory"
      timeFormat="lots"
      yTitle="δ from mid"
      fitOnResize
      onChart={onChart}
    >
      {lines.map((l) => (
        <LineSeries key={l.key} data={l.data} options={l.options} />
      ))}
    </Chart>
  );
}
