// The window's hardening as data, so tests check exactly what main applies. The posture both desktop
// apps share (webPreferences, the CSP and response headers, no navigation, no webviews, no new
// windows) comes from @airlock/desktop, as the signer's does. What differs here: the app's scheme, the
// network (the session may reach its configured RPC origins and, while configured, its Transaction
// Service's origin, and nothing else), the camera as the only permission, and the window itself.
import { isAppUrl as isUnder } from '@airlock/desktop'

// The shared settings main applies and the tests assert, under this app's security module.
export { allowNavigation, contentSecurityPolicy, responseHeaders, webPreferences } from '@airlock/desktop'

/** The renderer is served from this privileged custom scheme, never from file:// or http://. */
export const appScheme = 'app'
export const appOrigin = 'app://coordinator'

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

/**
 * Whether a URL (or origin) is the app's own page: `appOrigin` itself or below it.
 *
 * @example
 * isAppUrl('app://coordinator/index.html') // true
 */
export function isAppUrl(url: string): boolean {
  return isUnder(url, appOrigin)
}

/** IPC is answered only for the app's own top frame. */
export function trustedSender(frameUrl: string | undefined): boolean {
  return frameUrl !== undefined && isAppUrl(frameUrl)
}

/** The app scheme is standard and secure (same-origin rules, secure context for the camera). */
export const schemePrivileges = {
  scheme: appScheme,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
} as const
