// The Scan screen's hints and progress as the person at the laptop sees them: Chromium's fake camera
// films a loop of a wrong code (a policy bundle where a request is expected), empty pictures (bright and
// grey), and the parts of two different requests mixed together, every request code small in the
// picture. The page, driven by the real handlers, must say what is wrong (wrong code, another session,
// move closer, glare, no code) and show the progress it made (parts received of needed, unreadable and
// unusable frames).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildRenderer } from '@airlock/signer-app/build'
import type { Handlers } from '@airlock/signer-app/handlers'
import { PolicyBundle, SignRequest, Ur } from '@airlock/transport'
import { Degrade, QrCode, RgbaFrame, type RgbaImage } from '@airlock/transport/images'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AppPage,
  launchChromium,
  openAppPage,
  openTestApp,
  payrollRequest,
  signerState,
} from './support/signer-app.ts'

const WIDTH = 640
const HEIGHT = 480
// Codes shown per second in the filmed loop.
const CODE_FPS = 5

// A code as a camera 640×480 frame: white around it, covering `fill` of the frame height.
const filmed = (text: string, fill: number): RgbaImage =>
  Degrade.place(QrCode.toRgba(QrCode.encode(text), { scale: 4 }), {
    width: WIDTH,
    height: HEIGHT,
    fill,
    background: 255,
  })

// Raw RGBA frames through ffmpeg into the y4m Chromium plays as its camera, in a loop.
function cameraVideo(frames: readonly RgbaImage[], dir: string): string {
  const raw = join(dir, 'frames.rgba')
  writeFileSync(
    raw,
    Buffer.concat(frames.map((f) => Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength))),
  )
  const path = join(dir, 'hints.y4m')
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgba'],
    ...['-s', `${WIDTH}x${HEIGHT}`, '-framerate', String(CODE_FPS), '-i', raw],
    ...['-vf', 'format=yuv420p', '-r', '30', '-f', 'yuv4mpegpipe', path],
  ])
  return path
}

describe('signer app Scan screen hints in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-signer-hints-'))
  // Two requests in small fragments: small codes (QR version 5 or so), many parts each.
  const partsOf = (count: number, nonce: bigint) =>
    Ur.encode({
      ...SignRequest.toUr(payrollRequest({ count, nonce }).request),
      maxFragmentLength: 30,
    }).firstParts()
  const first = partsOf(2, 0n)
  const second = partsOf(3, 1n)
  let browser: Browser
  let api: Handlers
  let app: AppPage

  beforeAll(async () => {
    const bundle = Ur.encodeSingle(
      PolicyBundle.toUr({ version: 1, document: new TextEncoder().encode('{}') }),
    )
    // A bright empty picture reads as glare, a grey one (a desk) as no code in view.
    const white = RgbaFrame.create({ width: WIDTH, height: HEIGHT })
    const grey = RgbaFrame.create({ width: WIDTH, height: HEIGHT, grey: 110 })
    // Small: the code covers about a quarter of the frame height, below the "move closer" line.
    const small = (text: string) => filmed(text, 0.3)
    const frames = [
      filmed(bundle, 0.8),
      filmed(bundle, 0.8),
      white,
      white,
      grey,
      grey,
      // Never more than two parts of one request in a row: the scan restarts on each switch and
      // cannot complete, so the hints stay on screen.
      ...[0, 2, 4, 6].flatMap((i) => [small(first[i]!), small(first[i + 1]!), small(second[i / 2]!)]),
    ]
    const [built] = await Promise.all([
      buildRenderer({ outDir: join(dir, 'renderer') }),
      signerState(join(dir, 'state')),
    ])
    browser = await launchChromium({ video: cameraVideo(frames, dir) })
    api = await openTestApp(join(dir, 'state'))
    app = await openAppPage({ browser, rendererDir: built, api })
  })

  afterAll(async () => {
    await browser?.close()
    await api?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('shows what is wrong with the codes in view and the progress made', async () => {
    const { page } = app
    const hint = (name: string) => page.locator(`[aria-label="Scanning hints"] li[data-hint="${name}"]`)
    const text = async (name: string) => ((await hint(name).count()) > 0 ? hint(name).textContent() : '')
    // A policy bundle where a request is expected, and another request's parts among the first's.
    await expect.poll(() => text('wrong-type'), { timeout: 30_000 }).toContain('policy bundle')
    await expect
      .poll(() => text('another-session'), { timeout: 30_000 })
      .toContain('This QR frame belongs to a different message than the one being scanned.')
    // Transient hints, set again by each frame they apply to (and cleared by the next that does not).
    const often = { timeout: 30_000, intervals: [50] }
    await expect.poll(() => text('too-small'), often).toContain('move closer')
    await expect.poll(() => text('glare'), often).toContain('Glare on the screen')
    await expect.poll(() => text('no-code'), often).toContain('No code readable')

    // The progress bar counts the parts of the request being scanned, out of what it needs.
    const label = page.locator('label[for="scan-progress-request"]')
    await expect
      .poll(() => label.textContent(), { timeout: 30_000 })
      .toMatch(new RegExp(`^Parts received: [12] of (${first.length}|${second.length}) \\(\\d+%\\)$`))
    expect(Number(await page.locator('#scan-progress-request').getAttribute('value'))).toBeGreaterThan(0)
    const counts = async () => {
      const match = /Frames seen (\d+), unreadable (\d+), unusable (\d+)/.exec(
        (await page.getByTestId('scan-counts').textContent()) ?? '',
      )
      return match ? match.slice(1).map(Number) : []
    }
    // Empty pictures are unreadable, the bundle's frames unusable: both counted.
    await expect
      .poll(async () => {
        const [seen = 0, unreadable = 0, unusable = 0] = await counts()
        return seen > unreadable + unusable && unreadable > 0 && unusable > 0
      })
      .toBe(true)
    expect(await page.locator('main').textContent()).not.toContain('is complete')
    // The screenshot with a small code in the picture and its hint showing.
    await expect.poll(() => text('too-small'), often).toContain('move closer')
    await page.screenshot({
      path: join(import.meta.dirname, '..', 'docs', 'screenshots', 'signer-scan-hints.png'),
    })
    expect(app.external).toEqual([])
  })
})
