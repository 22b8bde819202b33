// The window's hardening as data, so tests check exactly what main applies. Same posture as the
// signer (sandboxed renderer, context isolation, no Node, no navigation, no new windows, strict CSP,
// a sender check on every IPC message), except the network: the coordinator's session may reach its
// configured RPC origins and, once configured, its Transaction Service's origin, and nothing else.

/** The renderer is served from this privileged custom scheme, never from file:// or http://. */
export const appScheme = 'app'
export const appOrigin = 'app://coordinator'

/** BrowserWindow webPreferences. */
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
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: false,
  devTools: false,
  /** Middle-click opens nothing. */
  disableBlinkFeatures: 'Auxclick',
} as const

/** BrowserWindow options besides webPreferences. */
export const windowOptions = {
  width: 1280,
  height: 860,
  minWidth: 960,
  minHeight: 640,
  show: false,
  autoHideMenuBar: true,
  backgroundColor: '#0f1419',
  title: 'Airlock coordinator',
} as const

/**
 * The Content-Security-Policy of every response the window loads. `wasm-unsafe-eval` lets zxing's
 * WebAssembly (QR scanning) compile; nothing else may be evaluated. `connect-src 'self'`: the renderer
 * never talks to the network itself; main does, through the handlers.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * Whether the session may load a URL: the app's own files, in-memory data and blob URLs, and the
 * configured RPC origins. Everything else (analytics, CDNs, a compromised dependency phoning home)
 * is cancelled.
 *
 * @example
 * allowRequest('https://rpc.example/v1', { rpcOrigins: ['https://rpc.example'] }) // true
 * allowRequest('https://cdn.example/x.js', { rpcOrigins: ['https://rpc.example'] }) // false
 */
export function allowRequest(url: string, { rpcOrigins }: { rpcOrigins: readonly string[] }): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return true
  if (parsed.protocol === `${appScheme}:`) return isAppUrl(url)
  if (
    parsed.protocol !== 'https:' &&
    parsed.protocol !== 'http:' &&
    parsed.protocol !== 'wss:' &&
    parsed.protocol !== 'ws:'
  )
    return false
  return rpcOrigins.some((origin) => sameOrigin(parsed, origin))
}

/**
 * The origins of the configured RPC URLs (what `allowRequest` admits).
 *
 * @example
 * rpcOriginsOf(['http://127.0.0.1:8545/']) // ['http://127.0.0.1:8545']
 */
export function rpcOriginsOf(urls: readonly string[]): string[] {
  return [...new Set(urls.map((url) => new URL(url).origin))]
}

function sameOrigin(url: URL, origin: string): boolean {
  const other = new URL(origin)
  const web = (p: string) => (p === 'ws:' ? 'http:' : p === 'wss:' ? 'https:' : p)
  return web(url.protocol) === web(other.protocol) && url.host === other.host
}

/** Permissions the renderer may ask for: the camera only (scanning signers' answers), video only. */
export function allowPermission(
  permission: string,
  { mediaTypes = [], origin }: { mediaTypes?: readonly string[] | undefined; origin: string | undefined },
): boolean {
  if (origin === undefined || !isAppUrl(origin)) return false
  if (permission !== 'media') return false
  return mediaTypes.length > 0 && mediaTypes.every((type) => type === 'video')
}

/** Navigation away from the app is never allowed (links to explorers open nowhere). */
export function allowNavigation(url: string): boolean {
  return isAppUrl(url)
}

/**
 * Whether a URL (or origin) is the app's own. Compared by scheme and host: Node's URL gives a custom
 * scheme the origin "null", so origins cannot be compared as strings in main.
 *
 * @example
 * isAppUrl('app://coordinator/index.html') // true
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === `${appScheme}:` && parsed.host === new URL(appOrigin).host
  } catch {
    return false
  }
}

/** IPC is answered only for the app's own top frame. */
export function trustedSender(frameUrl: string | undefined): boolean {
  return frameUrl !== undefined && allowNavigation(frameUrl)
}

/** The app scheme is standard and secure (same-origin rules, secure context for the camera). */
export const schemePrivileges = {
  scheme: appScheme,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
} as const

/** Headers of every file the app scheme serves. */
export const responseHeaders = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
} as const

/** New windows (window.open, target=_blank) are always denied. */
export const windowOpenAction = { action: 'deny' } as const
