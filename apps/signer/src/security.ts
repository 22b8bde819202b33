// The main process's security settings as data: window options, CSP, permissions, what the session
// lets through. `signer.main.ts` applies them; the tests assert them. Process-free.

/** The app's own origin: the renderer is served from this custom scheme, never over the network. */
export const appScheme = 'airlock'
export const appOrigin = `${appScheme}://app`

/** Ledger's USB vendor id: the only HID device the renderer may ask for. */
export const ledgerVendorId = 0x2c97

/** Content Security Policy of every page: own files only, no eval, no network. */
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

/** The renderer's webPreferences: Electron's security checklist, item by item (the preload is added by main). */
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

/** The window itself (webPreferences above). */
export const windowOptions = {
  width: 1280,
  height: 900,
  show: false,
  title: 'Airlock Signer',
  backgroundColor: '#ffffff',
  autoHideMenuBar: true,
} as const

/** Permissions the renderer may use: the camera (QR) and HID (Ledger). Everything else is denied. */
export const grantedPermissions: readonly string[] = ['media', 'hid']

/**
 * The permission request handler's decision. `media` only for video (the camera), never audio.
 *
 * @example
 * allowPermission({ permission: 'media', mediaTypes: ['video'], origin: appOrigin }) // true
 */
export function allowPermission({
  permission,
  mediaTypes = [],
  origin,
}: {
  permission: string
  mediaTypes?: readonly string[] | undefined
  origin: string
}): boolean {
  if (!isAppUrl(origin)) return false
  if (permission === 'media') return mediaTypes.length > 0 && mediaTypes.every((t) => t === 'video')
  return permission === 'hid'
}

/**
 * Which HID devices the renderer may see: Ledger's vendor id only.
 *
 * @example
 * allowHidDevice({ vendorId: 0x2c97 }) // true
 */
export function allowHidDevice({ vendorId }: { vendorId: number }): boolean {
  return vendorId === ledgerVendorId
}

/**
 * Whether the session lets a request through: only the app's own files (and devtools' internal
 * scheme, which is disabled anyway). Every http(s), ws, ftp or file request is cancelled.
 *
 * @example
 * allowRequest('https://example.com/') // false
 */
export function allowRequest(url: string): boolean {
  return isAppUrl(url)
}

/** Navigation and new windows: always denied (the app is one page). */
export const allowNavigation = (_url: string): boolean => false
export const windowOpenAction = { action: 'deny' } as const

/** No auto-update, no crash upload, no telemetry: the app never phones home. */
export const autoUpdate = false

/** Headers added to every response of the app scheme. */
export const responseHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Referrer-Policy': 'no-referrer',
}

/** The custom scheme's privileges (registered before the app is ready). */
export const schemePrivileges = {
  scheme: appScheme,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
} as const

/** Only the app's own page may call the API (checked on every IPC message). */
export function isAppUrl(url: string, origin: string = appOrigin): boolean {
  return url === origin || url.startsWith(`${origin}/`)
}

/** Command-line switch that allows signing while a network interface is up (logged and shown). */
export const airGapOverrideFlag = '--allow-network-interfaces'
