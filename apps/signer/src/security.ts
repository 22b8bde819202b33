// The main process's security settings as data: window options, CSP, permissions, what the session
// lets through. `signer.main.ts` applies them; the tests assert them. Process-free. The hardening both
// desktop apps share (webPreferences, CSP, navigation) comes from @airlock/desktop.
import { isAppUrl as isUnder } from '@airlock/desktop'

export {
  allowNavigation,
  contentSecurityPolicy,
  hardenWebContents,
  responseHeaders,
  webPreferences,
  windowOpenAction,
} from '@airlock/desktop'

/** The app's own origin: the renderer is served from this custom scheme, never over the network. */
export const appScheme = 'airlock'
export const appOrigin = `${appScheme}://app`

/** Ledger's USB vendor id: the only HID device the renderer may ask for. */
export const ledgerVendorId = 0x2c97

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

/** No auto-update, no crash upload, no telemetry: the app never phones home. */
export const autoUpdate = false

/** The custom scheme's privileges (registered before the app is ready). */
export const schemePrivileges = {
  scheme: appScheme,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
} as const

/** Command-line switch that allows signing while a network interface is up (logged and shown). */
export const airGapOverrideFlag = '--allow-network-interfaces'

/** Only the app's own page may call the API (checked on every IPC message). */
export function isAppUrl(url: string, origin: string = appOrigin): boolean {
  return isUnder(url, origin)
}
