// Shared fixtures for the signer desktop app tests: a signer state directory with the test bundle
// and software key, requests prepared by the coordinator engine, their animated QR as a y4m video for
// Chromium's fake camera, the renderer served to Chromium with the real handlers behind the preload
// API, and the answer QR read back from screenshots with zxing.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { extname, join, normalize, sep } from 'node:path'
import { AuditKey } from '@airlock/audit-log'
import { Action, Build, Config, type SafeCall, type SafeState } from '@airlock/coordinator-core'
import type { Failure, LedgerDevice } from '@airlock/devices'
import { Json } from '@airlock/errors'
import { methods } from '@airlock/signer-app/api'
import type { Handlers } from '@airlock/signer-app/handlers'
import { dispatch } from '@airlock/signer-app/ipc'
import { openApp } from '@airlock/signer-app/node'
import { responseHeaders } from '@airlock/signer-app/security'
import { Keystone } from '@airlock/signer-core'
import { openStateDir } from '@airlock/signer-core/node'
import {
  EthSignature,
  EthSignRequest,
  SignatureResponse,
  SignRequest,
  Ur,
  UrDecoder,
  type UrResult,
} from '@airlock/transport'
import { loadZxingReaderWasm, QrCode, QrDensity } from '@airlock/transport/images'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { type Address, hexToBytes, type TypedDataDefinition, zeroAddress } from 'viem'
import type { HDAccount } from 'viem/accounts'
import { afterAll, beforeAll } from 'vitest'
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'
import * as F from './signer-fixtures.ts'

/** Where the tests serve the renderer (localhost is a secure context, so the camera works). */
export const testOrigin = 'http://localhost'

/** A signer state directory with the test bundle installed and owner 0's key as the software key. */
export async function signerState(dir: string): Promise<void> {
  const state = await openStateDir({ dir, cedar: F.cedar })
  try {
    await state.installBundle(await F.sharedBundle())
    await state.saveDevKey(F.privateKeyOf(F.owners[0]!))
  } finally {
    await state.close()
  }
}

/**
 * Enrols the state's own audit key in the signer set (a version 2 bundle, with `ownerSafe` as one more
 * Safe of the org when given): every answer then carries the signer's receipt and log head, a message
 * too large for one code, so the answer QR is animated.
 */
export async function enrolSignerSet(
  dir: string,
  { ownerSafe }: { ownerSafe?: Address | undefined } = {},
): Promise<void> {
  const state = await openStateDir({ dir, cedar: F.cedar })
  try {
    const auditKey = AuditKey.toHex(state.log.publicKey)
    const org = F.orgJson({ signers: [{ owner: F.owners[0]!.address, auditKey }] })
    if (ownerSafe) {
      const safes = org.safes as Record<string, unknown>[]
      org.safes = [...safes, { ...safes[0], name: 'owner-safe', address: ownerSafe, threshold: 2 }]
    }
    const installed = await state.installBundle(await F.bundle({ version: 2, org }))
    if (!installed.valid) throw new Error(`enrolment bundle refused: ${JSON.stringify(installed.issues)}`)
  } finally {
    await state.close()
  }
}

/** The handlers over `dir`, on a machine whose only interface is loopback and no radio (injected). */
export function openTestApp(
  dir: string,
  {
    interfaces = { lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }] },
    airGapOverride = false,
    openLedger,
    clock,
  }: {
    interfaces?: Record<string, { address: string; family: string; internal: boolean }[]>
    airGapOverride?: boolean
    openLedger?: () => Promise<LedgerDevice | Failure>
    /** The signer's clock (tests that travel in time on the chain move it too). */
    clock?: () => Date
  } = {},
): Promise<Handlers> {
  return openApp({
    stateDir: dir,
    airGapOverride,
    interfaces: () => interfaces,
    links: () => [],
    radios: () => [],
    ...(openLedger ? { openLedger } : {}),
    ...(clock ? { clock } : {}),
  })
}

/**
 * For a describe block: a fresh signer state directory (signerState) in a scratch directory named
 * by `prefix`, the app's handlers opened over it before the tests (openTestApp) and closed after.
 */
export function useTestApp(prefix: string): { readonly dir: string; api: Handlers } {
  const app = { dir: mkdtempSync(join(tmpdir(), prefix)) } as { dir: string; api: Handlers }
  beforeAll(async () => {
    await signerState(app.dir)
    app.api = await openTestApp(app.dir)
  })
  afterAll(async () => {
    await app.api?.close()
    rmSync(app.dir, { recursive: true, force: true })
  })
  return app
}

/** The coordinator's config and the treasury as the chain would report it (owners 0–4, 3 of 5). */
export function coordinator() {
  const config = Config.parse({ org: F.orgJson(), chainId: 1, treasury: F.TREASURY })
  const state: SafeState = {
    address: F.TREASURY,
    chainId: 1,
    blockNumber: 1n,
    version: '1.4.1',
    versionText: '1.4.1',
    owners: F.owners.map((o) => o.address),
    threshold: 3n,
    nonce: 0n,
    modules: [],
    guard: zeroAddress,
    fallbackHandler: zeroAddress,
    singleton: zeroAddress,
  }
  return { config, state }
}

/**
 * A payroll batch prepared by the coordinator engine: `count` USDC transfers to the payroll
 * address (batched through MultiSendCallOnly when more than one), and its sign request.
 */
export function payrollRequest({ count, nonce = 0n }: { count: number; nonce?: bigint }) {
  const { config, state } = coordinator()
  const calls: SafeCall[] = Array.from({ length: count }, (_, i) =>
    Build.erc20Transfer({ token: F.USDC, to: F.PAYROLL, amount: BigInt(100 + i) * F.USDC_UNIT }),
  ) as SafeCall[]
  const prepared = Action.prepare({
    config,
    state,
    calls,
    title: `Payroll: ${count} transfers`,
    nonce,
  })
  return { config, state, prepared, request: Action.signRequest(prepared) }
}

/**
 * The request's animated QR as the coordinator shows it, filmed into a 640×480 y4m video for
 * Chromium's fake camera (each code held for several camera frames, the loop repeating forever).
 */
export async function requestVideo({
  request,
  dir,
  ur,
}: {
  request?: SignRequest.SignRequest | undefined
  dir: string
  ur?: UrResult | undefined
}): Promise<{ path: string; parts: number; fragmentCount: number; messageBytes: number }> {
  const message = ur ?? SignRequest.toUr(request as SignRequest.SignRequest)
  const plan = QrDensity.tune({ messageBytes: message.payload.length, type: message.type })
  const encoder = Ur.encode({ ...message, maxFragmentLength: plan.maxFragmentLength })
  const parts = encoder.isSinglePart ? encoder.firstParts(1) : encoder.firstParts(2 * encoder.fragmentCount)
  mkdirSync(dir, { recursive: true })
  for (const [i, part] of parts.entries()) {
    const qr = QrCode.encode(part, { ecLevel: plan.ecLevel, version: plan.version })
    writeFileSync(
      join(dir, `frame-${String(i + 1).padStart(4, '0')}.png`),
      await QrCode.toPng(qr, { scale: 4 }),
    )
  }
  const path = join(dir, 'request.y4m')
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-framerate', String(plan.fps)],
    ...['-i', join(dir, 'frame-%04d.png')],
    ...['-vf', 'scale=-2:440:flags=neighbor,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=white,format=yuv420p'],
    ...['-r', '30', '-f', 'yuv4mpegpipe', path],
  ])
  return {
    path,
    parts: parts.length,
    fragmentCount: encoder.fragmentCount,
    messageBytes: message.payload.length,
  }
}

/** Debian's Chromium, headless, with the y4m video as its camera. */
export function launchChromium({ video }: { video?: string | undefined } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--use-fake-ui-for-media-stream',
      ...(video ? ['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`] : []),
    ],
  })
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
}

export type AppPage = {
  page: Page
  context: BrowserContext
  /** Every request the page tried to send anywhere but the app's own files (all aborted). */
  external: string[]
}

/**
 * Opens the renderer in Chromium with the preload API provided by the real handlers, through the
 * same `dispatch` (sender check included) main uses. The app's files are served from `rendererDir`;
 * every other request is recorded and aborted.
 */
export async function openAppPage({
  browser,
  rendererDir,
  api,
}: {
  browser: Browser
  rendererDir: string
  api: Handlers
}): Promise<AppPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const external: string[] = []
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url())
    if (url.origin !== testOrigin) {
      external.push(url.href)
      return route.abort()
    }
    const path = normalize(join(rendererDir, decodeURIComponent(url.pathname)))
    if (!path.startsWith(rendererDir + sep)) return route.fulfill({ status: 404 })
    let body: Buffer
    try {
      body = readFileSync(path)
    } catch {
      return route.fulfill({ status: 404 })
    }
    return route.fulfill({
      status: 200,
      body,
      headers: {
        'Content-Type': contentTypes[extname(path)] ?? 'application/octet-stream',
        ...responseHeaders,
      },
    })
  })
  await context.exposeBinding('__airlockInvoke', (source, method: string, arg: unknown) =>
    dispatch({ api, method, senderUrl: source.frame.url(), arg, origin: testOrigin }),
  )
  // What the preload does over IPC, over the binding instead.
  await context.addInitScript(
    (names: string[]) => {
      const w = window as unknown as Record<string, unknown>
      const invoke = w.__airlockInvoke as (
        m: string,
        a: unknown,
      ) => Promise<{ ok: boolean; value?: unknown; error?: { name: string; message: string; hint?: string } }>
      w.airlock = Object.fromEntries(
        names.map((name) => [
          name,
          async (arg: unknown) => {
            const reply = await invoke(name, arg)
            if (reply.ok) return reply.value
            const error = new Error(`${reply.error?.message} ${reply.error?.hint ?? ''}`.trim())
            error.name = reply.error?.name ?? 'Error'
            throw error
          },
        ]),
      )
    },
    [...methods],
  )
  const page = await context.newPage()
  page.on('request', (request) => {
    const url = request.url()
    if (!url.startsWith(`${testOrigin}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      if (!external.includes(url)) external.push(url)
    }
  })
  await page.goto(`${testOrigin}/index.html`)
  return { page, context, external }
}

let zxingReady: Promise<unknown> | undefined

/**
 * Reads an animated QR off the screen (the answer by default): screenshots of the code, decoded with
 * zxing, fed to a UR decoder until the message is complete. Each distinct part read is pushed to
 * `parts` when given (to film them for another app's camera).
 */
export async function readAnswerQr(
  page: Page,
  {
    maxShots = 300,
    testId = 'answer-qr',
    type = SignatureResponse.urType,
    parts,
  }: { maxShots?: number; testId?: string; type?: string; parts?: string[] } = {},
): Promise<UrResult> {
  zxingReady ??= loadZxingReaderWasm().then((bytes) =>
    prepareZXingModule({
      overrides: {
        wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
      },
      fireImmediately: true,
    }),
  )
  await zxingReady
  const decoder = new UrDecoder({ expectedTypes: [type] })
  const qr = page.getByTestId(testId)
  for (let shot = 0; shot < maxShots; shot++) {
    const png = await qr.screenshot()
    const [code] = await readBarcodes(new Uint8Array(png), { formats: ['QRCode'], maxNumberOfSymbols: 1 })
    if (code?.text) {
      if (parts && !parts.includes(code.text)) parts.push(code.text)
      const status = decoder.receive(code.text)
      if (status.status === 'complete') return status.result
    }
  }
  throw new Error(`The answer QR did not complete in ${maxShots} screenshots.`)
}

/** Stores owner 1 as this state directory's Keystone account (the key a Keystone would hold). */
export async function withKeystoneAccount(dir: string): Promise<HDAccount> {
  const owner = F.owners[1]!
  const state = await openStateDir({ dir, cedar: F.cedar })
  try {
    await state.saveKeystoneAccount(
      Keystone.account({ address: owner.address, sourceFingerprint: '73c5da0a', path: "m/44'/60'/0'/0/0" }),
    )
  } finally {
    await state.close()
  }
  return owner
}

/**
 * What the Keystone does with an `eth-sign-request` it scanned: signs the typed data with its key and
 * answers with an `eth-signature` for that request id (as UR parts, 40-byte fragments).
 */
export async function keystoneAnswers({
  request,
  key,
}: {
  request: UrResult
  key: HDAccount
}): Promise<string[]> {
  const ethRequest = EthSignRequest.decode(request.payload)
  const typed = Json.parse(new TextDecoder().decode(ethRequest.signData), {
    what: 'typed data',
  }) as TypedDataDefinition
  const answer = Ur.encode({
    type: EthSignature.urType,
    payload: EthSignature.encode({
      requestId: ethRequest.requestId,
      signature: hexToBytes(await key.signTypedData(typed)),
      origin: 'Keystone 3 Pro',
    }),
    maxFragmentLength: 40,
  })
  return answer.firstParts()
}
