/**
 * A live chart of training metrics against the environment step. Data arrives through the
 * TrainingStore's per-frame listener: `setData` when the chart mounts or the watched run (re)loads,
 * then `series.update` for each new sample that has the series' field (no React render per sample).
 * Steps strictly increase per series (the store guarantees it; samples that would go back are
 * skipped here too). The container's data-points is the longest series' length (for tests).
 */
import { LineSeries as LineSeriesDef, LineStyle } from 'lightweight-charts';
import { useEffect, type ReactElement } from 'react';
import { Chart, useChart, type SimLinePoint, type SimLineSeries } from '../../charts/chart';
import { COLORS } from '../../charts/theme';
import { useStores } from '../../stores/context';
import type { TrainFrameBatch, TrainPoint } from '../../stores/training-store';

export type MetricKey = Exclude<keyof TrainPoint, 'step'>;

export interface MetricSeriesSpec {
  key: MetricKey;
  title: string;
  color: string;
  dashed?: boolean;
  width?: 1 | 2;
  /** Price axis of the series (default right); series of different magnitudes get one each. */
  scale?: 'left' | 'right';
}

const BAR_SPACING = 4;

export function MetricChart({
  testId,
  label,
  series,
}: {
  testId: string;
  label: string;
  series: readonly MetricSeriesSpec[];
}): ReactElement {
  return (
    <Chart testId={testId} label={label} timeFormat="step">
      <MetricSeries specs={series} />
    </Chart>
  );
}

function MetricSeries({ specs }: { specs: readonly MetricSeriesSpec[] }): null {
  const { training } = useStores();
  const handle = useChart();

  useEffect(() => {
    const chart = handle.chart;
    const usesLeft = specs.some((sp) => sp.scale === 'left');
    chart.applyOptions({
      timeScale: { barSpacing: BAR_SPACING, rightOffset: 2 },
      leftPriceScale: { visible: usesLeft, borderColor: COLORS.border, minimumWidth: 56 },
    });
    handle.mark('priceScales', specs.map((sp) => `${sp.key}:${sp.scale ?? 'right'}`).join(','));
    const lines = specs.map((spec) => ({
      spec,
      api: chart.addSeries(LineSeriesDef, {
        color: spec.color,
        title: spec.title,
        lineWidth: spec.width ?? 2,
        lineStyle: spec.dashed ? LineStyle.Dashed : LineStyle.Solid,
        priceScaleId: spec.scale ?? 'right',
        priceLineVisible: false,
        lastValueVisible: true,
        crosshairMarkerRadius: 3,
      }) as SimLineSeries,
      last: Number.NEGATIVE_INFINITY,
      count: 0,
    }));
    const id = Symbol('metrics');

    const onFrame = (batch: TrainFrameBatch): void => {
      for (const line of lines) {
        const k = line.spec.key;
        if (batch.reset) {
          const data: SimLinePoint[] = [];
          let last = Number.NEGATIVE_INFINITY;
          for (const p of batch.points) {
            const v = p[k];
            if (v === undefined || !Number.isFinite(v) || !(p.step > last)) continue;
            data.push({ time: p.step, value: v });
            last = p.step;
          }
          line.api.setData(data);
          line.last = last;
          line.count = data.length;
        } else {
          for (const p of batch.points) {
            const v = p[k];
            if (v === undefined || !Number.isFinite(v) || !(p.step > line.last)) continue;
            line.api.update({ time: p.step, value: v });
            line.last = p.step;
            line.count++;
          }
        }
      }
      const count = Math.max(0, ...lines.map((l) => l.count));
      // Fit while the points do not fill the width; then keep the spacing and let new points scroll in.
      if (batch.reset || count * BAR_SPACING < handle.container.clientWidth) chart.timeScale().fitContent();
      handle.report(id, count);
    };

    const off = training.addFrameListener(onFrame);
    return () => {
      off();
      if (handle.alive) for (const l of lines) chart.removeSeries(l.api);
    };
  }, [handle, training, specs]);

  return null;
}
