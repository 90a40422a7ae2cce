// Preload bridge. Runs sandboxed, so electron-vite bundles it as a single CommonJS file
// (out/preload/index.cjs). It exposes `window.quotebench` with exactly two generic calls for the
// contract's allow-listed names — invoke(method, input) and subscribe(topic, callback) — and the
// version. Never ipcRenderer itself. The allow-list is core/api/names.ts (a surface test checks it
// equals the contract).
import { contextBridge, ipcRenderer } from 'electron';
import { version } from '../package.json';
import { EVENT_TOPICS, METHOD_NAMES, isEventTopic, isMethodName } from '../core/api/names';

type CallResult =
  { ok: true; output: unknown } | { ok: false; error: { code: string; message: string; path: string } };

export interface QuotebenchBridge {
  readonly version: string;
  readonly methods: readonly string[];
  readonly topics: readonly string[];
  invoke(method: string, input?: unknown): Promise<CallResult>;
  subscribe(topic: string, callback: (payload: unknown) => void): () => void;
}

const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on('qb:event', (_event, topic: string, payload: unknown) => {
  const set = listeners.get(topic);
  if (!set) return;
  for (const cb of set) cb(payload);
});

const bridge: QuotebenchBridge = Object.freeze({
  version,
  methods: METHOD_NAMES,
  topics: EVENT_TOPICS,
  invoke(method: string, input?: unknown): Promise<CallResult> {
    if (!isMethodName(method)) {
      return Promise.resolve({
        ok: false as const,
        error: { code: 'unknown_method', message: `unknown method ${String(method)}`, path: '' },
      });
    }
    return ipcRenderer.invoke('qb:invoke', method, input) as Promise<CallResult>;
  },
  subscribe(topic: string, callback: (payload: unknown) => void): () => void {
    if (!isEventTopic(topic) || typeof callback !== 'function') return () => undefined;
    let set = listeners.get(topic);
    if (!set) {
      set = new Set();
      listeners.set(topic, set);
      ipcRenderer.send('qb:sub', topic);
    }
    set.add(callback);
    return () => {
      const s = listeners.get(topic);
      if (!s) return;
      s.delete(callback);
      if (s.size === 0) {
        listeners.delete(topic);
        ipcRenderer.send('qb:unsub', topic);
      }
    };
  },
});

contextBridge.exposeInMainWorld('quotebench', bridge);
