// Preload bridge. Runs sandboxed, so electron-vite bundles it as a single CommonJS file
// (out/preload/index.cjs): sandboxed preloads cannot load ES modules or local chunks.
// It exposes only `window.quotebench`; the app issue adds invoke/subscribe for allow-listed
// contract names here. Never expose ipcRenderer itself.
import { contextBridge } from 'electron';
import { version } from '../package.json';

export interface QuotebenchBridge {
  /** The app version from package.json. */
  readonly version: string;
}

const bridge: QuotebenchBridge = Object.freeze({ version });

contextBridge.exposeInMainWorld('quotebench', bridge);
