// Electron main process entry. Thin by design: harden, open the window, quit with the last window.
// The core/ services and the IPC binding of the API contract arrive with the app issue.
import { app, BrowserWindow, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

void app.whenReady().then(() => {
  hardenSession(session.defaultSession, devServerUrl ? 'development' : 'production');
  createMainWindow(entryUrl);
  // macOS: re-open a window when the dock icon is clicked and none is open.
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(entryUrl);
  });
});
