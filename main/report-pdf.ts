// Electron's printer for `runs.reportPdf`: the report's HTML (self-contained, no script, CSP
// default-src 'none') is written to a private temporary file, loaded in a hidden, sandboxed window
// with JavaScript off, and printed with webContents.printToPDF — Chromium's own print, as the CLI's
// playwright path. The window and the file are gone afterwards, whatever happens.
import { BrowserWindow } from 'electron';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function printReportPdf(html: string): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'quotebench-report-'));
  const win = new BrowserWindow({
    show: false,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false },
  });
  try {
    const file = join(dir, 'report.html');
    writeFileSync(file, html, { mode: 0o600 });
    await win.loadFile(file);
    return await win.webContents.printToPDF({
      pageSize: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
    });
  } finally {
    win.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
