// What the preload script exposes on `window.quotebench` (see preload/index.ts): the app version and
// two generic calls for the contract's allow-listed names. Present only inside Electron; the web shell
// (a plain browser) has no bridge and talks WebSocket instead.
export type BridgeCallResult =
  { ok: true; output: unknown } | { ok: false; error: { code: string; message: string; path: string } };

export interface QuotebenchBridge {
  readonly version: string;
  readonly methods?: readonly string[];
  readonly topics?: readonly string[];
  invoke?(method: string, input?: unknown): Promise<BridgeCallResult>;
  subscribe?(topic: string, callback: (payload: unknown) => void): () => void;
}

/** The renderer's performance probe for end-to-end tests (see stores/replay-store.ts). */
export interface QuotebenchPerfProbe {
  frames: number;
  updatesApplied: number;
  snapshotsReceived: number;
  reset(): void;
}

declare global {
  interface Window {
    readonly quotebench?: QuotebenchBridge;
    __quotebenchPerf?: QuotebenchPerfProbe;
  }
}
