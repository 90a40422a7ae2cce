// Pure security decisions for the Electron shell: the Content-Security-Policy and the navigation rule.
// No `electron` import here, so the rules are unit-tested in plain Node and the build config can
// reuse the CSP (it injects the same policy as a <meta> tag into renderer/index.html).
// Policy: the renderer loads only its own bundled code and styles; no remote resources, no eval,
// no plugins, no frames, no forms, and it never navigates away from its entry page.

export type CspMode = 'production' | 'development';

/**
 * The renderer's Content-Security-Policy.
 * Development relaxes exactly two things for the Vite dev server: inline <style> elements (Vite
 * injects imported CSS that way) and the HMR WebSocket on localhost. Everything else is identical.
 */
export function contentSecurityPolicy(mode: CspMode): string {
  const dev = mode === 'development';
  const directives: Record<string, readonly string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'style-src': dev ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': dev ? ["'self'", 'ws://localhost:*', 'ws://127.0.0.1:*'] : ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/**
 * Whether a renderer-initiated navigation to `targetUrl` may proceed. Only a reload of the app's own
 * entry page (same URL, ignoring the fragment) is allowed; anything else, including malformed URLs,
 * other files, other origins and `javascript:`/`data:` URLs, is denied.
 */
export function isNavigationAllowed(targetUrl: string, entryUrl: string): boolean {
  const target = parseUrl(targetUrl);
  const entry = parseUrl(entryUrl);
  if (!target || !entry) return false;
  target.hash = '';
  entry.hash = '';
  return target.href === entry.href;
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * Whether an IPC message comes from our own renderer: the sending frame must be the app's entry page
 * (same origin and path; query and fragment ignored). Messages from any other frame are dropped.
 */
export function isTrustedIpcSender(frameUrl: string | undefined, entryUrl: string): boolean {
  if (!frameUrl) return false;
  const frame = parseUrl(frameUrl);
  const entry = parseUrl(entryUrl);
  if (!frame || !entry) return false;
  return frame.protocol === entry.protocol && frame.host === entry.host && frame.pathname === entry.pathname;
}
