/**
 * Exporting what a table or chart shows: CSV (a header row, numbers unformatted at full precision,
 * RFC 4180 quoting), JSON, and a browser download of a Blob through a temporary <a download>.
 * Pure builders are tested in Node; `downloadBlob` needs a document.
 */

export type CsvCell = string | number | boolean | null | undefined;

function csvCell(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  // String(number) is the shortest exact representation: full precision, no grouping, '-' sign.
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One header row then one row per record, CRLF-terminated lines. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** A file name safe on every OS: "as2008 run 1" → "as2008-run-1". */
export function safeFileName(name: string): string {
  const s = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s || 'export';
}

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke after the click has been handled (Chromium reads the URL asynchronously).
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, fileName: string, mime: string): void {
  downloadBlob(new Blob([text], { type: mime }), fileName);
}

/** A PNG of a lightweight-charts chart (its `takeScreenshot()` canvas: series, grid and axes). */
export function downloadChartPng(
  chart: { takeScreenshot(): HTMLCanvasElement } | null,
  fileName: string,
): void {
  if (!chart) return;
  chart.takeScreenshot().toBlob((blob) => {
    if (blob) downloadBlob(blob, fileName);
  }, 'image/png');
}
