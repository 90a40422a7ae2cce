// The main window: sandboxed, context-isolated renderer with the preload bridge and nothing else.
import { BrowserWindow } from 'electron';
import { join } from 'node:path';
import { isKillAccelerator } from './kill-accelerator';

/** The bundled preload, relative to this file's build output (out/main/index.js). */
const preloadPath = join(import.meta.dirname, '../preload/index.cjs');

export function createMainWindow(entryUrl: string, onKill?: () => void): BrowserWindow {
  const mainWindow = new BrowserWindow({
    title: 'Quotebench',
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 500,
    show: false,
    backgroundColor: '#0f1419',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    },
  });
  mainWindow.once('ready-to-show', () => mainWindow.show());
  if (onKill)
    mainWindow.webContents.on('before-input-event', (_event, input) => {
      // Not prevented: the page's own handler also kills (with its flatten choice) and shows the result;
      // this one acts even when the renderer is busy. A second kill is a no-op in the back end.
      if (isKillAccelerator(input)) onKill();
    });
  void mainWindow.loadURL(entryUrl);
  return mainWindow;
}
