// Electron main: thin. It hardens the session, serves the renderer from the app scheme, and routes
// each API call through `dispatch` (sender checked) to the handlers. All settings live in
// security.ts as data, where the tests read them.
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { extname, join, normalize, sep } from 'node:path'
import { app, BrowserWindow, ipcMain, protocol, session } from 'electron'
import { channel, methods } from './api.ts'
import { dispatch } from './ipc.ts'
import { openApp } from './openApp.node.ts'
import {
  airGapOverrideFlag,
  allowHidDevice,
  allowPermission,
  allowRequest,
  appOrigin,
  appScheme,
  hardenWebContents,
  responseHeaders,
  schemePrivileges,
  webPreferences,
  windowOptions,
} from './security.ts'

const rendererDir = join(import.meta.dirname, 'renderer')
const override = process.argv.includes(airGapOverrideFlag)
const stateDir = process.env.AIRLOCK_SIGNER_HOME ?? join(homedir(), '.airlock', 'signer')
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
  if (override)
    console.warn(`airlock signer: started with ${airGapOverrideFlag}: signing is allowed while networked.`)
  const api = await openApp({ stateDir, airGapOverride: override })
  const ses = session.defaultSession

  // The app's files only, from disk; nothing else is ever fetched.
  ses.protocol.handle(appScheme, async (request) => {
    const path = normalize(join(rendererDir, new URL(request.url).pathname))
    if (!path.startsWith(rendererDir + sep)) return new Response('', { status: 404 })
    try {
      const body = await readFile(path)
      return new Response(new Uint8Array(body), {
        headers: { 'Content-Type': types[extname(path)] ?? 'application/octet-stream', ...responseHeaders },
      })
    } catch {
      return new Response('', { status: 404 })
    }
  })
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !allowRequest(details.url) }))
  ses.setPermissionRequestHandler((webContents, permission, callback, details) =>
    callback(
      allowPermission({
        permission,
        mediaTypes: 'mediaTypes' in details ? details.mediaTypes : [],
        origin: webContents.getURL(),
      }),
    ),
  )
  ses.setPermissionCheckHandler((_webContents, permission, origin) =>
    allowPermission({ permission, mediaTypes: ['video'], origin }),
  )
  ses.setDevicePermissionHandler(
    (details) => details.deviceType === 'hid' && allowHidDevice(details.device as never),
  )
  ses.on('select-hid-device', (event, details, callback) => {
    event.preventDefault()
    callback(details.deviceList.find((d) => allowHidDevice(d))?.deviceId)
  })

  // The preload (the typed API, nothing else) is registered for the session's frames: the only
  // frame is the app's page, and every IPC message is checked against its URL anyway.
  ses.registerPreloadScript({
    type: 'frame',
    id: 'airlock-api',
    filePath: join(import.meta.dirname, 'signer.preload.cjs'),
  })

  for (const method of methods) {
    ipcMain.handle(channel(method), (event, arg) =>
      dispatch({ api, method, senderUrl: event.senderFrame?.url, arg }),
    )
  }

  hardenWebContents({ app })

  const window = new BrowserWindow({
    ...windowOptions,
    // The data from security.ts; the four that matter most are repeated literally so that static
    // checkers (electronegativity) see them where the window is made.
    webPreferences: {
      ...webPreferences,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      disableBlinkFeatures: 'Auxclick',
    },
  })
  window.once('ready-to-show', () => window.show())
  await window.loadURL(`${appOrigin}/index.html`)
  app.on('window-all-closed', async () => {
    await api.close()
    app.quit()
  })
})
