// Electron main: thin. It opens the engines (openContext), hardens the session with the settings in
// security.ts, serves the renderer from the app scheme, and answers the API channels after checking
// the sender. Everything it decides is in security.ts and handlers.ts, where the tests read it.
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { hardenWebContents } from '@airlock/desktop'
import { app, BrowserWindow, ipcMain, Notification, protocol, session } from 'electron'
import { type Api, channels, type Result } from './api.ts'
import { openContext } from './context.node.ts'
import { createHandlers } from './handlers.ts'
import {
  allowPermission,
  allowRequest,
  appOrigin,
  appScheme,
  responseHeaders,
  schemePrivileges,
  trustedSender,
  webPreferences,
  windowOptions,
} from './security.ts'

const rendererDir = join(import.meta.dirname, '..', 'dist', 'renderer')
const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
}

protocol.registerSchemesAsPrivileged([schemePrivileges])
app.enableSandbox()

app.whenReady().then(async () => {
  const context = await openContext({ env: process.env })
  const api = createHandlers({
    ...context,
    notify: (title, body) => new Notification({ title, body }).show(),
  })
  // A teammate's change bumps the revision the window polls: it refreshes within a second.
  await context.watch?.(() => api.bump())
  // The sentry watches every block-ish (12 s) whether or not its screen is open: alerts reach the
  // desktop notification and the webhook either way.
  setInterval(() => void api.sentryCheck(), 12_000)
  const ses = session.defaultSession

  ses.protocol.handle(appScheme, async (request) => {
    const path = normalize(join(rendererDir, new URL(request.url).pathname))
    if (!path.startsWith(rendererDir + sep)) return new Response('', { status: 404 })
    try {
      return new Response(new Uint8Array(await readFile(path)), {
        headers: { 'Content-Type': types[extname(path)] ?? 'application/octet-stream', ...responseHeaders },
      })
    } catch {
      return new Response('', { status: 404 })
    }
  })
  ses.webRequest.onBeforeRequest((details, callback) =>
    // Read per request: the service's origin is admitted once it is configured, and only then.
    callback({ cancel: !allowRequest(details.url, { rpcOrigins: api.networkOrigins() }) }),
  )
  ses.setPermissionRequestHandler((contents, permission, callback, details) =>
    callback(
      allowPermission(permission, {
        mediaTypes: 'mediaTypes' in details ? details.mediaTypes : [],
        origin: contents.getURL(),
      }),
    ),
  )
  ses.setPermissionCheckHandler((_contents, permission, origin) =>
    allowPermission(permission, { mediaTypes: ['video'], origin }),
  )
  ses.setDevicePermissionHandler(() => false)

  for (const name of channels) {
    ipcMain.handle(name, async (event, input): Promise<Result<unknown>> => {
      if (!trustedSender(event.senderFrame?.url)) {
        return {
          ok: false,
          error: { name: 'CoordinatorApp.UntrustedSender', message: 'Refused.', hint: undefined },
        }
      }
      const handler = api[name] as (input: unknown) => Promise<Result<unknown>>
      return handler(input)
    })
  }

  // No navigation, no webviews, no new windows: the hardening both desktop apps share.
  hardenWebContents({ app })

  const window = new BrowserWindow({
    ...windowOptions,
    // The flags again as literals (same values as security.ts, which the tests check) so static
    // auditors such as electronegativity see them at the constructor.
    webPreferences: {
      ...webPreferences,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      disableBlinkFeatures: 'Auxclick',
      preload: join(import.meta.dirname, 'coordinator.preload.cjs'),
    },
  })
  window.once('ready-to-show', () => window.show())
  await window.loadURL(`${appOrigin}/index.html`)
})

app.on('window-all-closed', () => app.quit())

export type { Api }
