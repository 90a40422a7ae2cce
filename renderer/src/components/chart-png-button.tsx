// The "PNG" button of a chart card: saves the chart as drawn (lightweight-charts' takeScreenshot:
// series, grid and axes) through lib/export's downloadChartPng. Every chart that offers a PNG uses
// this button; `chart` is read at click time (charts are created and replaced by their effects).
import type { ReactElement } from 'react';
import { downloadChartPng } from '../lib/export';

export function ChartPngButton({
  chart,
  fileName,
  testId,
  inline = false,
}: {
  chart: () => { takeScreenshot(): HTMLCanvasElement } | null;
  fileName: string;
  testId: string;
  /** In the flow of a caption or panel head (default: centred over the chart card's caption row). */
  inline?: boolean;
}): ReactElement {
  return (
    <button
      type="button"
      className={`btn btn-ghost btn-sm chart-png ${inline ? 'chart-png-inline' : ''}`}
      title="Save this chart as a PNG"
      onClick={() => downloadChartPng(chart(), fileName)}
      data-testid={testId}
    >
      PNG
    </button>
  );
}
