import { describe, expect, test } from 'vitest'
import * as Ur from '../Ur.ts'
import { UrDecoder } from '../UrDecoder.ts'
import { createRng, screenImage, webcam } from './degrade.ts'
import { loadZxingReaderWasm } from './loadZxingWasm.node.ts'
import * as QrCode from './QrCode.ts'
import * as QrReader from './QrReader.ts'
import * as RgbaFrame from './RgbaFrame.ts'
import * as ScanHints from './ScanHints.ts'

const text = Ur.encodeSingle({ type: 'airlock-signature', payload: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) })

/** Hints after filming `image` for 12 frames through the webcam model with `setup`. */
async function film(
  image: ReturnType<typeof screenImage>,
  setup: Parameters<typeof webcam>[0]['setup'],
  expectedTypes: string[] = ['airlock-signature'],
) {
  const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
  const camera = webcam({ rng: createRng(9), setup: { tiltDeg: 6, ...setup } })
  const decoder = new UrDecoder({ expectedTypes })
  const hints = ScanHints.create()
  let last: ScanHints.Hint[] = []
  let read = 0
  for (let index = 0; index < 24; index += 2) {
    const frame = camera.capture({ index, displayFps: 10, shown: () => image })
    const symbols = await reader.read(frame)
    read += symbols.length
    last = hints.observe({ frame, symbols, statuses: symbols.map((s) => decoder.receive(s.text)) })
  }
  return { hints: last, read }
}

describe('scan hints', () => {
  const qr = QrCode.encode(text, { version: 4 })

  test('a code read at a good size gets no hint; a far one gets "closer"', async () => {
    const near = await film(screenImage(qr), { distanceCm: 30 })
    expect(near.read).toBeGreaterThan(0)
    expect(near.hints).toEqual([])
    const far = await film(screenImage(qr), { distanceCm: 50, codeCm: 10 })
    expect(far.read).toBeGreaterThan(0)
    expect(far.hints).toContain('closer')
  })

  test('an inverted code, and a code of the wrong type, are named', async () => {
    expect((await film(screenImage(qr, { invert: true }), { distanceCm: 30 })).hints).toContain('inverted')
    expect((await film(screenImage(qr), { distanceCm: 30 }, ['airlock-sign-request'])).hints).toContain(
      'wrong-type',
    )
  })

  test('no code in view, and a blown-out reflection with nothing read', () => {
    const hints = ScanHints.create()
    const blank = RgbaFrame.create({ width: 64, height: 48, grey: 120 })
    let last: ScanHints.Hint[] = []
    for (let i = 0; i < 12; i++) last = hints.observe({ frame: blank, symbols: [], statuses: [] })
    expect(last).toEqual(['no-code'])
    const glare = RgbaFrame.create({ width: 64, height: 48, grey: 120 })
    glare.data.fill(255, 0, 64 * 10 * 4)
    const withGlare = ScanHints.create()
    for (let i = 0; i < 12; i++) last = withGlare.observe({ frame: glare, symbols: [], statuses: [] })
    expect(last).toEqual(['glare'])
  })
})
