// Dark chart theme shared by every chart; colours match styles.css.
import {
  ColorType,
  CrosshairMode,
  LineStyle,
  type ChartOptionsImpl,
  type DeepPartial,
} from 'lightweight-charts';

export const COLORS = {
  bg: '#11161c',
  text: '#8b97a5',
  grid: '#1b232c',
  border: '#26303b',
  crosshair: '#5b6b7c',
  mid: '#c9d3de',
  bid: '#2fbf8f',
  ask: '#f0616d',
  pnl: '#5aa9ff',
  inventory: '#e3b341',
  drawdown: '#f0616d',
  accent: '#4fb3a9',
} as const;

export const SERIES_PALETTE = ['#5aa9ff', '#e3b341', '#2fbf8f', '#c78bf0', '#f0616d', '#4fb3a9'] as const;

export function chartOptions(): DeepPartial<ChartOptionsImpl<number>> {
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: COLORS.bg },
      textColor: COLORS.text,
      fontSize: 11,
      fontFamily: "'JetBrains Mono', 'SF Mono', ui-monospace, Menlo, Consolas, monospace",
      attributionLogo: false,
    },
    grid: {
      vertLines: { color: COLORS.grid },
      horzLines: { color: COLORS.grid },
    },
    crosshair: {
      mode: CrosshairMode.Normal,
      vertLine: { color: COLORS.crosshair, style: LineStyle.Dashed, labelBackgroundColor: '#2a3440' },
      horzLine: { color: COLORS.crosshair, style: LineStyle.Dashed, labelBackgroundColor: '#2a3440' },
    },
    rightPriceScale: {
      borderColor: COLORS.border,
      scaleMargins: { top: 0.12, bottom: 0.08 },
      minimumWidth: 72,
    },
    timeScale: {
      borderColor: COLORS.border,
      rightOffset: 4,
      minBarSpacing: 0.05,
      lockVisibleTimeRangeOnResize: true,
    },
  };
}
