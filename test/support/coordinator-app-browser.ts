// The coordinator window in Debian Chromium: the built renderer served under a fixed https origin with
// the app's own response headers (CSP included), `window.airlock` backed by the real handlers (the
// same functions main's IPC calls), every request the page makes recorded, everything off-origin refused.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import { type Api, channels } from '@airlock/coordinator-app/api'
import { responseHeaders } from '@airlock/coordinator-app/security'
import { loadZxingReaderWasm, QrCode, QrReader } from '@airlock/transport/images'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

export const appUrl = 'https://coordinator.test'

export async function launchChromium({ video }: { video?: string | undefined } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      ...(video
        ? [
            '--use-fake-device-for-media-stream',
            '--use-fake-ui-for-media-stream',
            `--use-file-for-fake-video-capture=${video}`,
          ]
        : []),
    ],
  })
}

const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
}

export type AppPage = { page: Page; context: BrowserContext; requests: string[] }

export async function openAppPage({
  browser,
  rendererDir,
  api,
}: {
  browser: Browser
  rendererDir: string
  api: Api
}): Promise<AppPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await context.grantPermissions(['camera'], { origin: appUrl })
  const requests: string[] = []
  await context.route('**/*', async (route) => {
    const url = route.request().url()
    requests.push(url)
    if (!url.startsWith(`${appUrl}/`)) return route.abort('blockedbyclient')
    const path = normalize(join(rendererDir, new URL(url).pathname))
    if (!path.startsWith(rendererDir + sep)) return route.fulfill({ status: 404 })
    try {
      return route.fulfill({
        status: 200,
        body: readFileSync(path),
        headers: { 'content-type': types[extname(path)] ?? 'application/octet-stream', ...responseHeaders },
      })
    } catch {
      return route.fulfill({ status: 404 })
    }
  })
  await context.exposeBinding('__airlockInvoke', (_source, name: string, input: unknown) => {
    if (!(channels as readonly string[]).includes(name)) throw new Error(`no channel ${name}`)
    return (api[name as keyof Api] as (input: unknown) => Promise<unknown>)(input)
  })
  await context.addInitScript((names: readonly string[]) => {
    const invoke = (window as unknown as { __airlockInvoke: (n: string, i: unknown) => Promise<unknown> })
      .__airlockInvoke
    ;(window as unknown as { airlock: unknown }).airlock = Object.fromEntries(
      names.map((name) => [name, (input?: unknown) => invoke(name, input)]),
    )
  }, channels)
  const page = await context.newPage()
  await page.goto(`${appUrl}/index.html`)
  return { page, context, requests }
}

/** Opens one of the window's screens from its navigation. */
export async function tab(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name }).click()
}

/** Fills the Compose screen's payroll: `count` payments of `amount` ETH to Contributor 1, 2, …, titled. */
export async function fillPayroll(
  page: Page,
  { count, amount, title }: { count: number; amount: string; title: string },
): Promise<void> {
  await page.getByLabel('Batch (payroll)').check()
  for (let i = 1; i < count; i++) await page.getByRole('button', { name: 'Add a payment' }).click()
  for (let i = 0; i < count; i++) {
    await page.locator(`input[name=to-${i}]`).fill(`Contributor ${i + 1}`)
    await page.locator(`input[name=amount-${i}]`).fill(amount)
  }
  await page.getByLabel(/^Title/).fill(title)
}

let reader: Promise<QrReader.QrReader> | undefined
/** The QR image the window shows now, read as a camera would (a separate zxing over its pixels). */
export async function readShownQr(page: Page): Promise<string[]> {
  const frame = await page.evaluate(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid=qr-frame]')
    if (!img?.complete || img.naturalWidth === 0) return undefined
    const canvas = document.createElement('canvas')
    canvas.width = Math.round(img.naturalWidth / 2)
    canvas.height = Math.round(img.naturalHeight / 2)
    const context = canvas.getContext('2d')!
    context.fillStyle = '#fff'
    context.fillRect(0, 0, canvas.width, canvas.height)
    context.drawImage(img, 0, 0, canvas.width, canvas.height)
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data
    let binary = ''
    for (let i = 0; i < data.length; i += 0x8000)
      binary += String.fromCharCode(...data.subarray(i, i + 0x8000))
    return { width: canvas.width, height: canvas.height, data: btoa(binary) }
  })
  if (!frame) return []
  reader ??= loadZxingReaderWasm().then((wasmBinary) => QrReader.create({ wasmBinary }))
  const symbols = await (await reader).read({
    width: frame.width,
    height: frame.height,
    data: new Uint8ClampedArray(Buffer.from(frame.data, 'base64')),
  })
  return symbols.map((s) => s.text)
}

/** A fake-camera video (y4m, 640×480) showing each UR part for `holdFrames` frames, in order. */
export async function partsVideo({
  parts,
  dir,
  holdFrames = 8,
}: {
  parts: readonly string[]
  dir: string
  holdFrames?: number
}): Promise<string> {
  mkdirSync(dir, { recursive: true })
  let index = 0
  for (const part of parts) {
    const png = await QrCode.toPng(QrCode.encode(part), { scale: 6 })
    for (let i = 0; i < holdFrames; i++)
      writeFileSync(join(dir, `frame-${String(index++).padStart(4, '0')}.png`), png)
  }
  const out = join(dir, 'answers.y4m')
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-y',
    '-framerate',
    '10',
    '-i',
    join(dir, 'frame-%04d.png'),
    '-vf',
    'scale=420:420:flags=neighbor,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=white',
    '-pix_fmt',
    'yuv420p',
    out,
  ])
  return out
}
