// The signer app's hardening, as data and as behaviour: window, session, CSP and permission settings
// (what main applies), the IPC sender check, the air-gap refusal over the real engine,
// electronegativity over the app's source, and the packaging config against electron-builder's schema.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { AuditKey, verify } from '@airlock/audit-log'
import { runCli } from '@airlock/cli/testing'
import { airGapStatus } from '@airlock/signer-app/air-gap'
import { methods } from '@airlock/signer-app/api'
import { buildMain } from '@airlock/signer-app/build'
import { dispatch } from '@airlock/signer-app/ipc'
import {
  allowHidDevice,
  allowNavigation,
  allowPermission,
  allowRequest,
  appOrigin,
  autoUpdate,
  contentSecurityPolicy,
  grantedPermissions,
  hardenWebContents,
  webPreferences,
  windowOpenAction,
} from '@airlock/signer-app/security'
import { files } from '@airlock/signer-core/node'
import { SignRequest, Ur } from '@airlock/transport'
import Ajv from 'ajv'
import { afterAll, describe, expect, it } from 'vitest'
import { openTestApp, payrollRequest, signerState } from './support/signer-app.ts'

const require = createRequire(import.meta.url)
const root = join(import.meta.dirname, '..')

describe('signer app hardening (main-process settings as data)', () => {
  it('runs the renderer sandboxed, isolated, without Node, webviews or devtools', () => {
    expect(webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      devTools: false,
    })
    expect(webPreferences.disableBlinkFeatures).toContain('Auxclick')
    expect('preload' in webPreferences).toBe(false)
  })

  it('has a CSP that loads only the app’s own files and evaluates nothing but WebAssembly', () => {
    const directives = new Map(
      contentSecurityPolicy.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/)
        return [name, values]
      }),
    )
    expect(directives.get('default-src')).toEqual(["'none'"])
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"])
    expect(directives.get('connect-src')).toEqual(["'self'"])
    expect(directives.get('object-src')).toEqual(["'none'"])
    expect(contentSecurityPolicy).not.toMatch(/unsafe-inline|'unsafe-eval'|https?:|\*/)
    // The page carries the same policy (a meta tag cannot hold frame-ancestors).
    const html = readFileSync(join(root, 'apps/signer/src/renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]
    expect(meta).toBe(contentSecurityPolicy.replace("; frame-ancestors 'none'", ''))
  })

  it('grants only the camera (video) and HID for Ledger’s vendor id, only to the app', () => {
    expect(grantedPermissions).toEqual(['media', 'hid'])
    const app = `${appOrigin}/index.html`
    expect(allowPermission({ permission: 'media', mediaTypes: ['video'], origin: app })).toBe(true)
    expect(allowPermission({ permission: 'media', mediaTypes: ['audio'], origin: app })).toBe(false)
    expect(allowPermission({ permission: 'media', mediaTypes: ['video', 'audio'], origin: app })).toBe(false)
    expect(allowPermission({ permission: 'hid', origin: app })).toBe(true)
    for (const permission of [
      'geolocation',
      'notifications',
      'clipboard-read',
      'midi',
      'openExternal',
      'usb',
    ])
      expect(allowPermission({ permission, origin: app })).toBe(false)
    expect(
      allowPermission({ permission: 'media', mediaTypes: ['video'], origin: 'https://evil.example' }),
    ).toBe(false)
    expect(allowHidDevice({ vendorId: 0x2c97 })).toBe(true)
    expect(allowHidDevice({ vendorId: 0x1209 })).toBe(false)
  })

  it('cancels every request that is not one of the app’s own files, and denies navigation and windows', () => {
    expect(allowRequest(`${appOrigin}/index.html`)).toBe(true)
    expect(allowRequest(`${appOrigin}/assets/zxing_reader.wasm`)).toBe(true)
    for (const url of [
      'https://example.com/',
      'http://localhost:8545/',
      'ws://127.0.0.1/',
      'file:///etc/passwd',
      'airlock://app.evil/',
      'airlock://appx/index.html',
      'devtools://devtools/bundled/inspector.html',
    ])
      expect(allowRequest(url), url).toBe(false)
    expect(allowNavigation(`${appOrigin}/index.html`)).toBe(false)
    // What main registers for every web contents: navigation and webviews prevented, windows denied.
    const handlers = new Map<string, (...args: never[]) => unknown>()
    const contents = {
      on: (name: string, handler: (...args: never[]) => unknown) => handlers.set(name, handler),
      setWindowOpenHandler: (handler: () => unknown) => handlers.set('window-open', handler),
    }
    hardenWebContents({
      app: {
        on: ((_name: string, created: (event: unknown, c: typeof contents) => void) =>
          created({}, contents)) as never,
      },
    })
    const prevented: string[] = []
    for (const name of ['will-navigate', 'will-attach-webview']) {
      const handler = handlers.get(name) as (event: { preventDefault: () => void }, url: string) => void
      handler({ preventDefault: () => prevented.push(name) }, 'https://evil.example/')
    }
    expect(prevented).toEqual(['will-navigate', 'will-attach-webview'])
    expect((handlers.get('window-open') as () => unknown)()).toEqual({ action: 'deny' })
    expect(windowOpenAction).toEqual({ action: 'deny' })
    expect(autoUpdate).toBe(false)
  })
})

describe('signer app IPC and air gap, over the real engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-signer-sec-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses a message from any sender but the app’s page, and unknown methods', async () => {
    const state = join(dir, 'ipc')
    await signerState(state)
    const api = await openTestApp(state)
    try {
      const ok = await dispatch({
        api,
        method: 'status',
        senderUrl: `${appOrigin}/index.html`,
        arg: undefined,
      })
      expect(ok.ok).toBe(true)
      for (const senderUrl of [
        'https://evil.example/',
        'airlock://app.evil/x',
        'file:///index.html',
        undefined,
      ]) {
        const refused = await dispatch({ api, method: 'status', senderUrl, arg: undefined })
        expect(refused).toMatchObject({ ok: false, error: { name: 'SignerApp.ForbiddenSenderError' } })
      }
      const unknown = await dispatch({ api, method: 'close', senderUrl: `${appOrigin}/`, arg: undefined })
      expect(unknown).toMatchObject({ ok: false, error: { name: 'SignerApp.ForbiddenSenderError' } })
      expect(methods).not.toContain('close')
    } finally {
      await api.close()
    }
  })

  it('lists interfaces and refuses to sign while one is up, unless started with the override', async () => {
    const wifi = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      wlan0: [{ address: '192.168.1.7', family: 'IPv4', internal: false }],
    }
    expect(airGapStatus({ interfaces: wifi, override: false })).toEqual({
      isolated: false,
      up: ['wlan0 192.168.1.7'],
      override: false,
      maySign: false,
    })
    expect(airGapStatus({ interfaces: { lo: wifi.lo }, override: false }).maySign).toBe(true)
    expect(airGapStatus({ interfaces: wifi, override: true }).maySign).toBe(true)
    // A link that is up without an address yet, and a Bluetooth radio that is on, count too.
    const lo = { lo: wifi.lo }
    expect(
      airGapStatus({ interfaces: lo, links: [{ name: 'eth0', operstate: 'up' }], override: false }).up,
    ).toEqual(['eth0 (link up)'])
    expect(
      airGapStatus({
        interfaces: lo,
        links: [
          { name: 'lo', operstate: 'unknown' },
          { name: 'eth0', operstate: 'down' },
        ],
        radios: [
          { name: 'hci0', type: 'bluetooth', on: true },
          { name: 'phy0', type: 'wlan', on: false },
        ],
        override: false,
      }),
    ).toEqual({ isolated: false, up: ['bluetooth radio hci0 on'], override: false, maySign: false })

    const { request } = payrollRequest({ count: 1 })
    const encoder = Ur.encode({ ...SignRequest.toUr(request), maxFragmentLength: 120 })
    const text = encoder.firstParts().join('\n')
    for (const [name, override] of [
      ['connected', false],
      ['override', true],
    ] as const) {
      const state = join(dir, name)
      await signerState(state)
      const api = await openTestApp(state, { interfaces: wifi, airGapOverride: override })
      try {
        expect((await api.importText({ expect: 'request', text })).complete).toBe(true)
        const status = await api.status()
        expect(status.airGap).toMatchObject({ isolated: false, override, maySign: override })
        const signed = await api.sign({ device: 'software', acknowledgeReplacement: false })
        const log = await api.log({ kind: 'signatures' })
        const overrides = (await api.log({ kind: 'overrides' })).entries
        expect(overrides).toEqual((await api.log({})).entries.filter((e) => e.event === 'air-gap-override'))
        if (override) {
          expect(signed.status).toBe('released')
          expect(log.entries).toHaveLength(1)
          // The start and the release under the override are in the signed log, after the start's
          // entries and right after the signature's own entry (newest first here).
          expect(overrides.map((e) => e.decision)).toEqual(['signed-networked', 'started'])
          expect(overrides[0]).toMatchObject({
            seq: log.entries[0]!.seq + 1,
            safeTxHash: log.entries[0]!.safeTxHash,
            reasons: [
              'released a safe-signature under --allow-network-interfaces while a network was up',
              'up: wlan0 192.168.1.7',
            ],
          })
          expect(overrides[1]!.reasons).toEqual([
            'started with --allow-network-interfaces: signing is allowed while a network is up',
            'up: wlan0 192.168.1.7',
          ])
        } else {
          expect(signed).toMatchObject({ status: 'air-gap', message: expect.stringContaining('wlan0') })
          expect(log.entries).toHaveLength(0)
          expect(overrides).toEqual([])
        }
        expect(await api.verifyLog()).toMatchObject({ ok: true })
      } finally {
        await api.close()
      }
    }
    // The log still verifies with its key outside the app, and `airlock audit show` lists the entries.
    const logPath = join(dir, 'override', files.log)
    const logText = readFileSync(logPath, 'utf8')
    const publicKey = JSON.parse(logText.slice(0, logText.indexOf('\n'))).publicKey as string
    expect(verify(logText, { publicKey: AuditKey.fromHex(publicKey), signatures: 'every' }).ok).toBe(true)
    const checked = await runCli(['audit', 'verify', logPath, '--public-key', publicKey])
    expect(checked.code).toBe(0)
    const shown = await runCli(['audit', 'show', logPath, '--public-key', publicKey])
    expect(shown.code).toBe(0)
    const lines = shown.stdout.split('\n').filter((l) => l.includes('air-gap-override'))
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/air-gap-override\s+started .*up: wlan0 192\.168\.1\.7$/)
    expect(lines[1]).toMatch(/air-gap-override\s+signed-networked\s+0x[0-9a-f]{4}…[0-9a-f]{4} .*up: wlan0/)
    const filtered = await runCli(['audit', 'show', logPath, '--event', 'air-gap-override', '--json'])
    expect(filtered.stdout.trim().split('\n')).toHaveLength(2)
  })
})

describe('signer app build', () => {
  const out = mkdtempSync(join(tmpdir(), 'airlock-signer-build-'))
  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('bundles a preload that requires only electron and exposes exactly the API, one IPC channel per method', async () => {
    const { main, preload } = await buildMain({ outDir: out })
    const code = readFileSync(preload, 'utf8')
    expect([...new Set([...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]))]).toEqual([
      'electron',
    ])
    // Run it as Electron would in a sandboxed frame, with electron's two objects at the boundary.
    const exposed = new Map<string, Record<string, (arg?: unknown) => Promise<unknown>>>()
    const invoked: [string, unknown][] = []
    const electron = {
      contextBridge: {
        exposeInMainWorld: (key: string, api: Record<string, never>) => exposed.set(key, api),
      },
      ipcRenderer: {
        invoke: async (channel: string, arg: unknown) => {
          invoked.push([channel, arg])
          return { ok: true, value: channel }
        },
      },
    }
    const module = { exports: {} }
    runInNewContext(code, {
      require: (id: string) => (id === 'electron' ? electron : undefined),
      module,
      exports: module.exports,
    })
    expect([...exposed.keys()]).toEqual(['airlock'])
    const api = exposed.get('airlock')!
    expect(Object.keys(api).sort()).toEqual([...methods].sort())
    await expect(api.status!()).resolves.toBe('airlock:status')
    await expect(api.sign!({ device: 'ledger' })).resolves.toBe('airlock:sign')
    expect(invoked).toEqual([
      ['airlock:status', undefined],
      ['airlock:sign', { device: 'ledger' }],
    ])
    // Main imports nothing but electron and Node's built-ins at load time.
    const imports = [...readFileSync(main, 'utf8').matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1])
    expect(imports.filter((id) => id !== 'electron' && !id?.startsWith('node:'))).toEqual([])
  }, 60_000)
})

describe('signer app static checks', () => {
  it('electronegativity finds nothing of high or medium severity in the app', async () => {
    const run = require('@doyensec/electronegativity/dist/runner.js') as (options: object) => Promise<{
      issues: { id: string; severity: { name: string }; file: string; location: { line: number } }[]
      errors: { file: string; message: string; tolerable: boolean }[]
    }>
    // The app's source and the shared hardening its main runs (@airlock/desktop), scanned together.
    const input = mkdtempSync(join(tmpdir(), 'airlock-eneg-'))
    cpSync(join(root, 'apps/signer/src'), join(input, 'signer'), { recursive: true })
    cpSync(join(root, 'packages/desktop/src'), join(input, 'desktop'), { recursive: true })
    const result = await run({
      input,
      electronVersionOverride: '39.5.0',
      parserPlugins: ['typescript', 'jsx'],
    })
    const serious = result.issues
      .filter((i) => ['HIGH', 'MEDIUM'].includes(i.severity.name))
      .map((i) => `${i.id} ${i.file}:${i.location.line}`)
    expect(serious).toEqual([])
    expect(result.errors.filter((e) => !e.tolerable)).toEqual([])
    // It did look: every source file was parsed, and it reports the (low) CSP note for the page.
    expect(result.issues.some((i) => i.file.endsWith('index.html'))).toBe(true)
    rmSync(input, { recursive: true, force: true })
  }, 60_000)

  it('electron-builder.yml for both apps (AppImage, deb, dmg, nsis) matches electron-builder’s schema', () => {
    const builderDir = require.resolve('app-builder-lib/package.json')
    const yaml = createRequire(builderDir)('js-yaml') as { load: (text: string) => unknown }
    const schema = JSON.parse(readFileSync(join(builderDir, '..', 'scheme.json'), 'utf8'))
    const ajv = new Ajv({ allErrors: true, strict: false })
    const validate = ajv.compile(schema)
    const load = (path: string) =>
      yaml.load(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>
    const base = load('electron-builder.yml')
    for (const path of [
      'electron-builder.yml',
      'apps/signer/electron-builder.yml',
      'apps/coordinator/electron-builder.yml',
    ]) {
      const config = load(path)
      expect(validate(config), `${path}: ${ajv.errorsText(validate.errors)}`).toBe(true)
    }
    expect(base).toMatchObject({
      publish: null,
      linux: { target: ['AppImage', 'deb'] },
      mac: { target: ['dmg'] },
      win: { target: ['nsis'] },
      electronFuses: { runAsNode: false, enableNodeOptionsEnvironmentVariable: false },
    })
    for (const app of ['signer', 'coordinator']) {
      const config = load(`apps/${app}/electron-builder.yml`)
      expect(config.extends).toBe('../../electron-builder.yml')
      expect(config.appId).toBe(`org.airlock.${app}`)
    }
    // A config electron-builder would reject fails here too.
    expect(validate({ ...base, linux: { target: 'AppImage', autoUpdate: true } })).toBe(false)
  })
})
