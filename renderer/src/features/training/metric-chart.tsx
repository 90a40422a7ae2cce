/**
 * A live chart of training metrics against the environment step. Data arrives through the
 * TrainingStore's per-frame listener: `setData` when the chart mounts or the watched run (re)loads,
 * then `series.update` for each new sample that has the series' field (no React render per sample).
 * Steps strictly increase per series (the store guarantees it; samples that would go back are
 * skipped here too). The time axis is proportional to the step: samples arrive at irregular steps, so
 * every series is drawn on a regular step grid that keeps each bucket's min and max (charts/step-grid.ts
 * MinMaxGrid: two slots per bucket, so a spike stays visible; the grid widens, with one `setData`, as
 * the run grows).
 *
 * Bounded however long the run: each line keeps its samples as a min/max decimated series
 * (charts/decimate.ts, the store's bound `pointBound`; on a reset a copy of the store's series), which
 * is what a widening re-grids (O(bound), a few times per tenfold growth of the run); a frame costs
 * O(its new samples). The grid has at most min(400, pointBound/2) slots, so a line draws ≤ pointBound
 * points. The container's data-points is the longest series' drawn length, data-grid-width the
 * spacing of consecutive points (half a bucket), data-first-t and data-last-t the grid's ends,
 * data-point-bound the bound, data-series-points the longest decimated series and data-samples the
 * most samples a line has received (for tests).
 *
 * Smoothing (optional, `smoothing` = EMA weight, 0 = off): each series marked `smooth` is drawn as
 * its EMA (charts/ema.ts, computed on the samples before gridding) over a faint copy of the raw
 * curve; the others stay raw. data-smoothing ("off" or the weight), data-series (each line as
 * key:raw|faint|ema) and data-last-y (each line's last drawn value) say what is drawn.
 */
import { LineSeries as LineSeriesDef, LineStyle } from 'lightweight-charts';
import { useEffect, type ReactElement } from 'react';
import { Chart, useChart, type SimChart, type SimLinePoint, type SimLineSeries } from '../../charts/chart';
import { MinMaxDecimator } from '../../charts/decimate';
import { Ema } from '../../charts/ema';
import { bucketOf, MinMaxGrid, niceGridWidth, type XY } from '../../charts/step-grid';
import { COLORS } from '../../charts/theme';
import { useStores } from '../../stores/context';
import { decimatorOptions, type TrainFrameBatch, type TrainPoint } from '../../stores/training-store';

export type MetricKey = Exclude<keyof TrainPoint, 'step'>;

export interface MetricSeriesSpec {
  key: MetricKey;
  title: string;
  color: string;
  dashed?: boolean;
  width?: 1 | 2;
  /** Price axis of the series (default right); series of different magnitudes get one each. */
  scale?: 'left' | 'right';
  /** Drawn as its EMA over a faint raw curve when the chart smooths (dense, noisy series). */
  smooth?: boolean;
}

/** How a line draws its series: the samples as they are, its faint raw copy, or its EMA. */
type LineKind = 'raw' | 'faint' | 'ema';

/** `#rrggbb` at ~30 % opacity (the raw curve under its EMA). */
function faint(color: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}4d` : color;
}

const BAR_SPACING = 4;
/**
 * At most this many grid slots (two per bucket) over the run's span (the grid widens as the run
 * grows), so the whole run fits a chart card at ≥ 2 px per slot; fewer under a small point bound.
 */
const MAX_SLOTS = 400;
const MIN_FIT_SPACING = 2;

export function MetricChart({
  testId,
  label,
  series,
  yTitle,
  yLeftTitle,
  smoothing = 0,
  onChart,
}: {
  testId: string;
  label: string;
  series: readonly MetricSeriesSpec[];
  /** Titles of the right (and left, if a series uses it) price axes. */
  yTitle: string;
  yLeftTitle?: string;
  /** EMA weight for the `smooth` series (0: raw). */
  smoothing?: number;
  onChart?: (chart: SimChart | null) => void;
}): ReactElement {
  return (
    <Chart
      testId={testId}
      label={label}
      timeFormat="step"
      yTitle={yTitle}
      yLeftTitle={yLeftTitle}
      onChart={onChart}
    >
      <MetricSeries specs={series} smoothing={smoothing} />
    </Chart>
  );
}

function MetricSeries({ specs, smoothing }: { specs: readonly MetricSeriesSpec[]; smoothing: number }): null {
  const { training } = useStores();
  const handle = useChart();

  useEffect(() => {
    const chart = handle.chart;
    const usesLeft = specs.some((sp) => sp.scale === 'left');
    chart.applyOptions({
      timeScale: { barSpacing: BAR_SPACING, rightOffset: 2 },
      leftPriceScale: { visible: usesLeft, borderColor: COLORS.border, minimumWidth: 72 },
    });
    handle.mark('priceScales', specs.map((sp) => `${sp.key}:${sp.scale ?? 'right'}`).join(','));
    const decOpts = decimatorOptions(training.pointBound);
    handle.mark('pointBound', String(training.pointBound));
    const kinds = (spec: MetricSeriesSpec): LineKind[] =>
      smoothing > 0 && spec.smooth ? ['faint', 'ema'] : ['raw'];
    const lines = specs.flatMap((spec) =>
      kinds(spec).map((kind) => ({
        spec,
        kind,
        ema: kind === 'ema' ? new Ema(smoothing) : null,
        api: chart.addSeries(LineSeriesDef, {
          color: kind === 'faint' ? faint(spec.color) : spec.color,
          title: kind === 'faint' ? '' : spec.title,
          lineWidth: kind === 'faint' ? 1 : (spec.width ?? 2),
          lineStyle: spec.dashed ? LineStyle.Dashed : LineStyle.Solid,
          priceScaleId: spec.scale ?? 'right',
          priceLineVisible: false,
          lastValueVisible: kind !== 'faint',
          crosshairMarkerVisible: kind !== 'faint',
          crosshairMarkerRadius: 3,
        }) as SimLineSeries,
        /** The samples (step, value; the EMA's value for an ema line), decimated; re-gridded when the grid widens. */
        dec: new MinMaxDecimator(decOpts),
        grid: new MinMaxGrid(1),
        /** Last grid time drawn, and points drawn. */
        lastX: Number.NEGATIVE_INFINITY,
        lastY: Number.NaN,
        count: 0,
      })),
    );
    handle.mark('smoothing', smoothing > 0 ? String(smoothing) : 'off');
    handle.mark('series', lines.map((l) => `${l.spec.key}:${l.kind}`).join(','));
    const id = Symbol('metrics');
    const maxSlots = Math.min(MAX_SLOTS, Math.floor(training.pointBound / 2) - 4);
    /** Spacing of the grid's slots (half a bucket). */
    let slot = 1;

    const regridAll = (): void => {
      for (const line of lines) {
        line.grid = new MinMaxGrid(slot);
        const g: XY[] = [];
        for (const p of line.dec.points())
          line.grid.push(p, (x, y) => {
            const last = g[g.length - 1];
            const before = g[g.length - 2];
            if (last && last.x === x) last.y = y;
            else if (before && before.x === x) before.y = y;
            else g.push({ x, y });
          });
        line.api.setData(g.map((p): SimLinePoint => ({ time: p.x, value: p.y })));
        line.lastX = g[g.length - 1]?.x ?? Number.NEGATIVE_INFINITY;
        line.lastY = g[g.length - 1]?.y ?? Number.NaN;
        line.count = g.length;
      }
    };

    const onFrame = (batch: TrainFrameBatch): void => {
      const fresh: XY[][] = lines.map(() => []);
      lines.forEach((line, i) => {
        const k = line.spec.key;
        if (batch.reset) {
          // Start from the store's decimated series (an EMA line: its EMA, over those points).
          const src = batch.series?.(k);
          if (line.ema) {
            line.ema.reset();
            line.dec = new MinMaxDecimator(decOpts);
            for (const p of src?.points() ?? []) line.dec.push({ x: p.x, y: line.ema.push(p.y) });
          } else line.dec = src ? src.clone() : new MinMaxDecimator(decOpts);
          return;
        }
        for (const p of batch.points) {
          const v = p[k];
          const lastStep = line.dec.last?.x ?? Number.NEGATIVE_INFINITY;
          if (v === undefined || !Number.isFinite(v) || !(p.step > lastStep)) continue;
          const xy = { x: p.step, y: line.ema ? line.ema.push(v) : v };
          line.dec.push(xy);
          fresh[i]?.push(xy);
        }
      });
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const l of lines) {
        lo = Math.min(lo, l.dec.first?.x ?? lo);
        hi = Math.max(hi, l.dec.last?.x ?? hi);
      }
      const s = hi > lo ? niceGridWidth(hi - lo, maxSlots) : 1;
      if (batch.reset || s > slot) {
        slot = batch.reset ? s : Math.max(slot, s);
        regridAll();
      } else {
        lines.forEach((line, i) => {
          for (const p of fresh[i] ?? [])
            line.grid.push(p, (x, y, replace) => {
              if (x > line.lastX) {
                line.count++;
                line.lastX = x;
              }
              if (x === line.lastX) line.lastY = y;
              line.api.update({ time: x, value: y }, replace);
            });
        });
      }
      const count = Math.max(0, ...lines.map((l) => l.count));
      // Fit while the points do not fill the width; then keep the spacing and let new points scroll in.
      if (batch.reset || count * MIN_FIT_SPACING < handle.container.clientWidth)
        chart.timeScale().fitContent();
      handle.mark('gridWidth', String(slot));
      const drawn = lines.filter((l) => l.count > 0);
      handle.mark(
        'firstT',
        String(Math.min(...drawn.map((l) => bucketOf(l.dec.first?.x ?? 0, 2 * slot) * 2 * slot))),
      );
      handle.mark('seriesPoints', String(Math.max(0, ...lines.map((l) => l.dec.length))));
      handle.mark('samples', String(Math.max(0, ...lines.map((l) => l.dec.count))));
      handle.mark('lastT', String(Math.max(...drawn.map((l) => l.lastX))));
      handle.mark('lastY', lines.map((l) => `${l.spec.key}:${l.kind}=${l.lastY}`).join(','));
      handle.report(id, count);
    };

    const off = training.addFrameListener(onFrame);
    return () => {
      off();
      if (!handle.alive) return;
      handle.report(id, 0);
      for (const l of lines) chart.removeSeries(l.api);
    };
  }, [handle, training, specs, smoothing]);

  return null;
}
