// What the preload exposes on `window` (see preload/index.ts). The app issue replaces this with
// the typed API contract from core/api.
interface Window {
  readonly quotebench?: {
    readonly version: string;
  };
}
