// The window hardening both desktop apps (signer, coordinator) apply, as data: Electron's security
// checklist item by item. Process-free: main applies it, tests assert it. Each app adds what differs
// (its scheme, which requests its session lets through, which permissions it grants).
import type { App } from 'electron'

/** BrowserWindow webPreferences (the preload, when there is one, is added by each app's main). */
export const webPreferences = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  enableBlinkFeatures: '',
  // Middle-click would open links in new windows (already denied): switched off at the source too.
  disableBlinkFeatures: 'Auxclick',
  navigateOnDragDrop: false,
  spellcheck: false,
  safeDialogs: true,
  devTools: false,
} as const

/**
 * The Content-Security-Policy of every page: the app's own files only; `wasm-unsafe-eval` lets zxing's
 * WebAssembly (QR scanning) compile and nothing else may be evaluated; `connect-src 'self'`: the
 * renderer never talks to the network itself.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ')

/** Headers added to every response of an app's scheme. */
export const responseHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Referrer-Policy': 'no-referrer',
}

/** Navigation: always denied (each app is one page). */
export const allowNavigation = (_url: string): boolean => false

/** New windows: always denied. */
export const windowOpenAction = { action: 'deny' } as const

/**
 * Whether a URL is one of the app's own pages (`origin` itself or below it): for the IPC sender check
 * and the session's request filter.
 *
 * @example
 * isAppUrl('airlock://app/index.html', 'airlock://app') // true
 */
export function isAppUrl(url: string, origin: string): boolean {
  return url === origin || url.startsWith(`${origin}/`)
}

/**
 * Denies navigation, webviews and new windows for every web contents the app creates. Call once in
 * main, before the first window.
 *
 * @example
 * hardenWebContents({ app })
 */
export function hardenWebContents({ app }: { app: Pick<App, 'on'> }): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!allowNavigation(url)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(() => windowOpenAction)
  })
}
