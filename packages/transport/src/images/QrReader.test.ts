import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { camera, createRng, invert } from './degrade.ts'
import { loadZxingReaderWasm } from './loadZxingWasm.node.ts'
import * as QrCode from './QrCode.ts'
import * as QrReader from './QrReader.ts'
import * as RgbaFrame from './RgbaFrame.ts'

const TEXT = 'UR:BYTES/1-3/LPADAXCFAXHLCYYNDLTSRDHDFWMSFMDWDMBELUJPZSTBYTAS'
let wasmBinary: Uint8Array
let reader: QrReader.QrReader
const fetchCalls: unknown[] = []

// Before anything instantiates zxing in this process: any attempt to fetch (the package's default
// is a CDN) is recorded and fails, so a passing decode proves the binary came from our bytes.
beforeAll(async () => {
  vi.stubGlobal('fetch', (...args: unknown[]) => {
    fetchCalls.push(args)
    throw new Error('network is forbidden in this test')
  })
  wasmBinary = await loadZxingReaderWasm()
  reader = await QrReader.create({ wasmBinary })
})
afterAll(() => {
  vi.unstubAllGlobals()
})

/** Pastes `images` side by side onto a white frame. */
function montage(images: RgbaFrame.RgbaFrame[], width: number, height: number): RgbaFrame.RgbaFrame {
  const frame = RgbaFrame.create({ width, height })
  let left = 10
  for (const image of images) {
    for (let y = 0; y < image.height; y++) {
      frame.data.set(
        image.data.subarray(y * image.width * 4, (y + 1) * image.width * 4),
        ((y + 10) * width + left) * 4,
      )
    }
    left += image.width + 10
  }
  return frame
}

describe('offline loading', () => {
  test('decodes with fetch forbidden, and never tried the network', async () => {
    const symbols = await reader.read(QrCode.toRgba(QrCode.encode(TEXT)))
    expect(symbols.map((s) => s.text)).toEqual([TEXT])
    expect(fetchCalls).toEqual([])
  })

  test('accepts an already compiled WebAssembly module', async () => {
    const wasmModule = await WebAssembly.compile(wasmBinary as Uint8Array<ArrayBuffer>)
    const fromModule = await QrReader.create({ wasmModule })
    expect((await fromModule.read(QrCode.toRgba(QrCode.encode(TEXT)))).map((s) => s.text)).toEqual([TEXT])
    expect(fetchCalls).toEqual([])
  })

  test('refuses to start without a binary instead of downloading one', async () => {
    await expect(QrReader.create({})).rejects.toMatchObject({ name: 'Transport.ZxingLoadError' })
    await expect(QrReader.create({ wasmModule: {} as WebAssembly.Module })).rejects.toMatchObject({
      name: 'Transport.ZxingLoadError',
    })
  })

  test('refuses a binary from another zxing-wasm version', async () => {
    const tampered = wasmBinary.slice()
    tampered[tampered.length - 1]! ^= 1
    await expect(QrReader.create({ wasmBinary: tampered })).rejects.toMatchObject({
      name: 'Transport.ZxingLoadError',
      shortMessage: 'The QR decoder binary does not match the installed zxing-wasm.',
    })
  })

  test('reports a binary that does not instantiate', async () => {
    await expect(
      QrReader.create({ wasmBinary: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]), verify: false }),
    ).rejects.toMatchObject({ name: 'Transport.ZxingLoadError' })
    // The shared zxing module was replaced by the failed attempt; a reader re-asserts its own.
    const again = await QrReader.create({ wasmBinary })
    expect((await again.read(QrCode.toRgba(QrCode.encode(TEXT)))).map((s) => s.text)).toEqual([TEXT])
  })
})

describe('camera frames', () => {
  test('reads a degraded 640×480 frame and reports the corners', async () => {
    const frame = camera(QrCode.toRgba(QrCode.encode(TEXT.repeat(8))), { rng: createRng(3) })
    const [symbol, ...rest] = await reader.read(frame)
    expect(rest).toEqual([])
    expect(symbol?.text).toBe(TEXT.repeat(8))
    expect(symbol?.inverted).toBe(false)
    expect(symbol?.corners).toHaveLength(4)
    for (const { x, y } of symbol!.corners) {
      expect(x).toBeGreaterThan(0)
      expect(x).toBeLessThan(640)
      expect(y).toBeGreaterThan(0)
      expect(y).toBeLessThan(480)
    }
  })

  test('reads light-on-dark (inverted) codes', async () => {
    const frame = camera(invert(QrCode.toRgba(QrCode.encode(TEXT))), { rng: createRng(4) })
    const symbols = await reader.read(frame)
    expect(symbols.map((s) => [s.text, s.inverted])).toEqual([[TEXT, true]])
    const strict = await QrReader.create({ wasmBinary, tryInvert: false })
    expect(await strict.read(frame)).toEqual([])
  })

  test('reads several codes in one frame', async () => {
    const texts = ['UR:BYTES/1-2/AAAA', 'UR:BYTES/2-2/BBBB', 'UR:BYTES/3-2/CCCC']
    const frame = montage(
      texts.map((t) => QrCode.toRgba(QrCode.encode(t), { scale: 4 })),
      640,
      200,
    )
    const symbols = await reader.read(frame)
    expect(symbols.map((s) => s.text).sort()).toEqual(texts)
  })

  test('returns nothing for a frame without a code', async () => {
    const frame = camera(RgbaFrame.create({ width: 100, height: 100 }), { rng: createRng(5) })
    expect(await reader.read(frame)).toEqual([])
  })

  test('accepts Uint8Array pixels and rejects malformed frames with a typed error', async () => {
    const clean = QrCode.toRgba(QrCode.encode(TEXT))
    const plain = { data: new Uint8Array(clean.data), width: clean.width, height: clean.height }
    expect((await reader.read(plain)).map((s) => s.text)).toEqual([TEXT])
    const bad = [
      { data: new Uint8Array(10), width: 2, height: 2 },
      { data: new Uint8Array(16), width: 2.5, height: 2 },
      { data: [0, 0, 0, 0], width: 1, height: 1 },
      null,
    ]
    for (const frame of bad) {
      await expect(reader.read(frame as RgbaFrame.RgbaFrame)).rejects.toMatchObject({
        name: 'Transport.InvalidFrameError',
      })
    }
  })
})
