// Electron hardening, applied once per session and to every WebContents the app ever creates.
// The decisions themselves live in ./security-policy (pure, unit-tested); this file only wires
// them into Electron. See https://www.electronjs.org/docs/latest/tutorial/security.
import type { Session, WebContents } from 'electron';
import { contentSecurityPolicy, isNavigationAllowed, type CspMode } from './security-policy';

/** Deny every permission request and check, and send the CSP header with every response. */
export function hardenSession(session: Session, cspMode: CspMode): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);

  // file:// responses carry no headers, so the packaged app relies on the <meta> CSP that the build
  // injects into index.html; the header covers the dev server (and any http(s) load) too.
  const csp = contentSecurityPolicy(cspMode);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
}

/** No navigation away from the entry page, no new windows, no <webview>. */
export function hardenWebContents(contents: WebContents, entryUrl: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isNavigationAllowed(url, entryUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isNavigationAllowed(url, entryUrl)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
