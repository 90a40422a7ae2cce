// Electron main process entry. Thin by design: harden every WebContents, host the core services
// (AppService: run store, worker-thread jobs, live sessions) and bind the API contract to IPC, open
// the window, and shut the services down cleanly on quit.
import { app, BrowserWindow, dialog, safeStorage, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setParseWorkerEntry, warmSharedParsePool } from '../core/config-worker/parse-async';
import parseWorkerPath from '../core/config-worker/parse-worker?modulePath';
import backtestWorkerPath from '../core/jobs/backtest-worker?modulePath';
import { JobRunner } from '../core/jobs/job-runner';
import trainWorkerPath from '../core/jobs/train-worker?modulePath';
import type { DataImportFormat } from '../core/api/contract';
import { AppService } from '../core/services/app-service';
import dataWorkerPath from '../core/services/data-worker?modulePath';
import cellWorkerPath from '../core/sweep/cell-worker?modulePath';
import { resolveDataDir } from '../core/store/data-dir';
import { bindApi } from './ipc';
import { electronNativeBinding } from './native';
import { printReportPdf } from './report-pdf';
import { SafeStorageSecretStore } from './secrets';
import { hardenSession, hardenWebContents } from './security';
import { createMainWindow } from './window';

// `electron-vite dev` serves the renderer and sets ELECTRON_RENDERER_URL; a packaged app never
// trusts that variable and always loads the built file.
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
const entryUrl = devServerUrl ?? pathToFileURL(join(import.meta.dirname, '../renderer/index.html')).href;

// Every WebContents (windows, devtools, anything created later) gets the same restrictions.
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, entryUrl));

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let service: AppService | null = null;
let unbind: (() => void) | null = null;

void app.whenReady().then(() => {
  hardenSession(session.defaultSession, devServerUrl ? 'development' : 'production');
  const dataDir = resolveDataDir({ electronUserData: app.getPath('userData'), env: process.env });
  setParseWorkerEntry(pathToFileURL(parseWorkerPath));
  service = new AppService({
    dataDir,
    transport: 'electron',
    version: app.getVersion(),
    jobs: new JobRunner({ workerEntry: pathToFileURL(backtestWorkerPath) }),
    nativeBinding: electronNativeBinding(),
    training: { workerEntry: pathToFileURL(trainWorkerPath) },
    data: { workerEntry: pathToFileURL(dataWorkerPath), pickFiles },
    printPdf: printReportPdf,
    sweeps: { cellWorkerEntry: pathToFileURL(cellWorkerPath) },
    // Venue API keys: encrypted by the OS keychain through safeStorage (available after ready).
    secrets: new SafeStorageSecretStore(join(app.getPath('userData'), 'secrets.safe.json'), safeStorage),
  });
  warmSharedParsePool();
  unbind = bindApi(service, entryUrl);
  createMainWindow(entryUrl, killPaperSession);
  // macOS: re-open a window when the dock icon is clicked and none is open.
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(entryUrl, killPaperSession);
  });
});

/** The kill switch's accelerator in the window: cancel every order of the running paper session. */
function killPaperSession(): void {
  service?.paper.kill(undefined, false).catch(() => undefined); // no session: nothing to kill
}

let closing = false;
app.on('before-quit', (event) => {
  if (closing || !service) return;
  closing = true;
  event.preventDefault();
  unbind?.();
  void service.close().finally(() => app.quit());
});

/**
 * The native file dialog for `data.pickFiles` (the renderer cannot open one: it is sandboxed and gets
 * no host paths). Modal to the focused window; [] when the user cancels.
 */
async function pickFiles(format: DataImportFormat): Promise<string[]> {
  const filters =
    format === 'binance-raw'
      ? [{ name: 'Binance capture', extensions: ['gz', 'raw', 'txt', 'jsonl', 'log'] }]
      : [{ name: 'CSV (plain or gzip)', extensions: ['csv', 'gz'] }];
  const options: Electron.OpenDialogOptions = {
    title:
      format === 'lobster' ? 'Choose the LOBSTER message and orderbook files' : `Choose the ${format} files`,
    properties: ['openFile', 'multiSelections'],
    filters: [...filters, { name: 'All files', extensions: ['*'] }],
  };
  const win = BrowserWindow.getFocusedWindow();
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return r.canceled ? [] : r.filePaths;
}
