// Hardening shared by every window: the CSP header on every response, no permissions, no navigation away from
// the status page, no new windows, no webviews, no DevTools in a packaged build. Links the policy offers open in the default browser instead.
import type { Session, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from './content-security-policy.ts';

export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // Block every outgoing request that is not the app's own scheme: the window shows no remote content.
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !details.url.startsWith('cordon-app://') && !details.url.startsWith('devtools://') });
  });
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export function hardenWebContents(contents: WebContents, pageUrl: string, devTools: boolean): void {
  // webPreferences.devTools: false already refuses them; should anything open them anyway, close them.
  if (!devTools) contents.on('devtools-opened', () => contents.closeDevTools());
  contents.on('will-navigate', (event, url) => {
    if (url !== pageUrl) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
