/**
 * A horizontal scale of simulated time in (fractional) scenario time units for lightweight-charts.
 *
 * The library's default scale takes UTC seconds, which would force sim times onto integer seconds
 * (and print calendar dates). This behaviour (the library's documented `createChartEx` extension
 * point, modelled on its price-based "options" scale) takes plain numbers: times may be fractional,
 * must still be strictly increasing per series, and print as m:ss (clock) or as plain numbers (for
 * scenarios whose time unit is not seconds, e.g. AS 2008's T = 1).
 */
import type {
  DataItem,
  HorzScaleItemConverterToInternalObj,
  IHorzScaleBehavior,
  InternalHorzScaleItem,
  InternalHorzScaleItemKey,
  LocalizationOptions,
  Mutable,
  TickMark,
  TickMarkWeightValue,
  TimeMark,
  TimeScalePoint,
} from 'lightweight-charts';
import type { ChartOptionsImpl } from 'lightweight-charts';

/**
 * clock: m:ss; number: plain numbers ("t 0.25"); step / lots: plain numbers of a non-time axis (training
 * steps, inventory in lots), labelled "step 1200" / "q −3" on the crosshair.
 */
export type SimTimeFormat = 'clock' | 'number' | 'step' | 'lots';

const AXIS_LABEL: Record<SimTimeFormat, string> = { clock: 't', number: 't', step: 'step', lots: 'q' };

/** Tick weights: rounder times win when labels compete for space. */
const STEPS: readonly [number, number][] = [
  [3600, 10],
  [600, 9],
  [60, 8],
  [10, 7],
  [5, 6],
  [1, 5],
  [0.5, 4],
  [0.1, 3],
  [0.05, 2],
  [0.01, 1],
];

function isMultiple(t: number, step: number): boolean {
  const q = t / step;
  return Math.abs(q - Math.round(q)) < 1e-7;
}

export function weightOf(t: number): number {
  for (const [step, w] of STEPS) if (isMultiple(t, step)) return w;
  return 0;
}

export function formatSimClock(t: number, decimals: number): string {
  const neg = t < 0;
  const scale = 10 ** decimals;
  const a = Math.round(Math.abs(t) * scale) / scale;
  const m = Math.floor(a / 60);
  const s = a - m * 60;
  const ss =
    decimals > 0 ? s.toFixed(decimals).padStart(3 + decimals, '0') : String(Math.floor(s)).padStart(2, '0');
  return `${neg ? '−' : ''}${m}:${ss}`;
}

export function formatSimNumber(t: number): string {
  if (t === 0) return '0';
  const a = Math.abs(t);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return t
    .toFixed(digits)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

export class SimTimeScaleBehavior implements IHorzScaleBehavior<number> {
  private opts: ChartOptionsImpl<number> | null = null;

  constructor(private readonly format: SimTimeFormat = 'clock') {}

  options(): ChartOptionsImpl<number> {
    if (!this.opts) throw new Error('SimTimeScaleBehavior used before setOptions');
    return this.opts;
  }

  setOptions(options: ChartOptionsImpl<number>): void {
    this.opts = options;
  }

  preprocessData(_data: DataItem<number> | DataItem<number>[]): void {}

  updateFormatter(options: LocalizationOptions<number>): void {
    if (this.opts) this.opts.localization = options;
  }

  createConverterToInternalObj(_data: unknown[]): HorzScaleItemConverterToInternalObj<number> {
    return (t: number) => t as unknown as InternalHorzScaleItem;
  }

  key(item: InternalHorzScaleItem | number): InternalHorzScaleItemKey {
    return item as unknown as InternalHorzScaleItemKey;
  }

  cacheKey(item: InternalHorzScaleItem): number {
    return item as unknown as number;
  }

  convertHorzItemToInternal(item: number): InternalHorzScaleItem {
    return item as unknown as InternalHorzScaleItem;
  }

  /** The crosshair label. */
  formatHorzItem(item: InternalHorzScaleItem): string {
    const t = item as unknown as number;
    const label = AXIS_LABEL[this.format];
    return this.format === 'clock' ? `${label} ${formatSimClock(t, 2)}` : `${label} ${formatSimNumber(t)}`;
  }

  formatTickmark(mark: TickMark): string {
    const t = mark.time as unknown as number;
    if (this.format !== 'clock') return formatSimNumber(t);
    const w = mark.weight as number;
    return formatSimClock(t, w >= 5 ? 0 : w >= 3 ? 1 : 2);
  }

  maxTickMarkWeight(marks: TimeMark[]): TickMarkWeightValue {
    let max = 0;
    for (const m of marks) if ((m.weight as number) > max) max = m.weight as number;
    return max as TickMarkWeightValue;
  }

  fillWeightsForPoints(points: readonly Mutable<TimeScalePoint>[], startIndex: number): void {
    for (let i = startIndex; i < points.length; i++) {
      const p = points[i];
      if (p) p.timeWeight = weightOf(p.time as unknown as number) as TickMarkWeightValue;
    }
  }
}
