import fc from 'fast-check'
import { PNG } from 'pngjs'
import { beforeAll, describe, expect, test } from 'vitest'
import { loadZxingReaderWasm } from './loadZxingWasm.node.ts'
import * as QrCode from './QrCode.ts'
import * as QrReader from './QrReader.ts'

const UR_PART = 'UR:AIRLOCK-SIGN-REQUEST/12-94/LPCSBTCSHLCYKKSPPDHYHDPYJEKOWMOLWZAXGYFSPSZSQTRNWYCTAMSRKPGY'

let reader: QrReader.QrReader
beforeAll(async () => {
  reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
})

describe('encode', () => {
  test('puts uppercase UR parts in alphanumeric mode, in one segment', () => {
    const qr = QrCode.encode(UR_PART)
    expect(qr.mode).toBe('alphanumeric')
    // 83 characters: alphanumeric fits version 4-M (90 characters); the same text in byte mode needs version 6.
    expect(qr.version).toBe(4)
    expect(QrCode.encode(UR_PART.toLowerCase()).version).toBe(6)
    expect(qr.size).toBe(17 + 4 * qr.version)
    expect(qr.modules.length).toBe(qr.size * qr.size)
  })

  test('falls back to byte mode for lowercase or non-ASCII text', () => {
    expect(QrCode.encode(UR_PART.toLowerCase()).mode).toBe('byte')
    expect(QrCode.encode('ünïcode').mode).toBe('byte')
  })

  test('honours the error-correction level and a forced version', () => {
    const l = QrCode.encode(UR_PART, { ecLevel: 'L' })
    const h = QrCode.encode(UR_PART, { ecLevel: 'H' })
    expect(h.version).toBeGreaterThan(l.version)
    expect(QrCode.encode(UR_PART, { version: 12 }).version).toBe(12)
  })

  test('refuses empty text and text above maxVersion with typed errors', () => {
    expect(() => QrCode.encode('')).toThrow(expect.objectContaining({ name: 'Transport.QrEncodeError' }))
    expect(() => QrCode.encode('A'.repeat(2000), { maxVersion: 25 })).toThrowErrorMatchingInlineSnapshot(`
      [Transport.QrEncodeError: The text needs a QR code denser than cameras read reliably.
      Use smaller UR fragments (maxFragmentLength) so each frame stays at or below the allowed version.
      Details: 2000 characters need version 31, allowed at most 25]
    `)
    expect(() => QrCode.encode('A'.repeat(5000))).toThrow(
      expect.objectContaining({ name: 'Transport.QrEncodeError' }),
    )
    expect(() => QrCode.encode(UR_PART, { version: 1 })).toThrow(
      expect.objectContaining({ name: 'Transport.QrEncodeError' }),
    )
  })
})

describe('renderers agree with the module matrix', () => {
  const qr = QrCode.encode(UR_PART, { ecLevel: 'M' })
  const darkModule = (x: number, y: number, margin: number) => {
    const mx = x - margin
    const my = y - margin
    return mx >= 0 && my >= 0 && mx < qr.size && my < qr.size && qr.modules[my * qr.size + mx] === 1
  }

  test('RGBA: scale and margin', () => {
    const { data, width, height } = QrCode.toRgba(qr, { scale: 3, margin: 2 })
    expect(width).toBe((qr.size + 4) * 3)
    expect(height).toBe(width)
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const expected = darkModule(Math.floor(x / 3), Math.floor(y / 3), 2) ? 0 : 255
        if (data[(y * width + x) * 4] !== expected) throw new Error(`pixel ${x},${y}`)
      }
    }
    const inverted = QrCode.toRgba(qr, { scale: 3, margin: 2, invert: true })
    expect(inverted.data[0]).toBe(0)
    expect(inverted.data[3]).toBe(255)
  })

  test.each([false, true])('PNG (deflated) decodes to the same pixels (inverted: %s)', async (invert) => {
    const png = await QrCode.toPng(qr, { scale: 2, margin: 4, invert })
    expect(png).toBeInstanceOf(Uint8Array)
    const decoded = PNG.sync.read(Buffer.from(png))
    const raw = QrCode.toRgba(qr, { scale: 2, margin: 4, invert })
    expect(decoded.width).toBe(raw.width)
    expect(new Uint8Array(decoded.data)).toEqual(new Uint8Array(raw.data))
  })

  test('PNG without CompressionStream (stored deflate blocks) still decodes', async () => {
    const saved = globalThis.CompressionStream
    // @ts-expect-error simulate a runtime without CompressionStream
    globalThis.CompressionStream = undefined
    try {
      const big = QrCode.encode('A'.repeat(1800), { ecLevel: 'L' }) // > 64 KiB raw: several stored blocks
      const png = await QrCode.toPng(big, { scale: 8 })
      const decoded = PNG.sync.read(Buffer.from(png))
      // Compare as one buffer: a deep toEqual over millions of elements takes seconds.
      expect(Buffer.compare(decoded.data, Buffer.from(QrCode.toRgba(big, { scale: 8 }).data))).toBe(0)
    } finally {
      globalThis.CompressionStream = saved
    }
  })

  test('SVG paints exactly the dark modules', () => {
    const svg = QrCode.toSvg(qr, { scale: 5, margin: 4 })
    const side = qr.size + 8
    expect(svg).toContain(`width="${side * 5}"`)
    expect(svg).toContain(`viewBox="0 0 ${side} ${side}"`)
    const painted = new Uint8Array(side * side)
    const path = /d="([^"]*)"/.exec(svg)![1]!
    for (const [, x, y, w] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
      for (let i = 0; i < Number(w); i++) painted[Number(y) * side + Number(x) + i] = 1
    }
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) expect(painted[y * side + x] === 1).toBe(darkModule(x, y, 4))
    }
  })

  test.each(['dark', 'light'] as const)(
    'terminal half blocks encode two rows per line (%s background)',
    (background) => {
      const text = QrCode.toTerminal(qr, { margin: 2, background })
      const lines = text.split('\n')
      const side = qr.size + 4
      expect(lines).toHaveLength(Math.ceil(side / 2))
      for (const [row, line] of lines.entries()) {
        const chars = [...line]
        expect(chars).toHaveLength(side)
        for (const [x, char] of chars.entries()) {
          const top = char === '█' || char === '▀'
          const bottom = char === '█' || char === '▄'
          // Ink marks light modules on a dark terminal, dark modules on a light one.
          const ink = (y: number) =>
            y < side ? darkModule(x, y, 2) === (background === 'light') : background === 'dark'
          expect(top).toBe(ink(2 * row))
          expect(bottom).toBe(ink(2 * row + 1))
        }
      }
    },
  )

  test('rejects a bad layout', () => {
    expect(() => QrCode.toRgba(qr, { scale: 0 })).toThrow(
      expect.objectContaining({ name: 'Transport.QrEncodeError' }),
    )
    expect(() => QrCode.toSvg(qr, { margin: -1 })).toThrow(
      expect.objectContaining({ name: 'Transport.QrEncodeError' }),
    )
  })
})

test('any UR-shaped text survives render → zxing', async () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('')
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 600 }),
      fc.constantFrom<QrCode.EcLevel>('L', 'M', 'Q', 'H'),
      async (body, ecLevel) => {
        const text = `UR:BYTES/${body.join('')}`
        const symbols = await reader.read(QrCode.toRgba(QrCode.encode(text, { ecLevel }), { scale: 2 }))
        expect(symbols.map((s) => s.text)).toEqual([text])
      },
    ),
    { numRuns: 25, seed: 7 },
  )
})
