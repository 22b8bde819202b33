import { describe, expect, it } from 'vitest'
import { decodePng } from './decodePng.node.ts'
import * as Png from './png.ts'

const white = () => false
const IHDR_AT = 8 + 8 // signature, then the IHDR chunk's length and type

/** A copy of `png` whose header declares other dimensions (CRCs are not checked before decoding). */
function declare(png: Uint8Array, width: number, height: number): Uint8Array {
  const out = png.slice()
  const view = new DataView(out.buffer)
  view.setUint32(IHDR_AT, width)
  view.setUint32(IHDR_AT + 4, height)
  return out
}

describe('Png.check', () => {
  it('passes a real frame and reports its header', async () => {
    for (const stored of [false, true]) {
      const png = await Png.encodeBilevelPng({ width: 37, height: 5, dark: (x) => x % 2 === 0, stored })
      expect(await Png.check(png)).toEqual({
        width: 37,
        height: 5,
        bitDepth: 1,
        colorType: 0,
        interlaced: false,
        inflatedBytes: 5 * (1 + 5),
      })
    }
  })

  it('refuses a small file declaring a huge image at once, before inflating anything', async () => {
    const png = await Png.encodeBilevelPng({ width: 8, height: 8, dark: white })
    for (const [width, height] of [
      [100_000, 100_000],
      [16_385, 1],
      [10_000, 10_000],
      [0xffffffff, 0xffffffff],
    ] as const) {
      expect(() => Png.inspect(declare(png, width, height))).toThrowError(
        expect.objectContaining({ name: 'Transport.ImageTooLargeError' }),
      )
    }
    expect(() => Png.inspect(declare(png, 1000, 1000), { maxPixels: 999_999 })).toThrowError(
      /declares 1000 × 1000 pixels/,
    )
  })

  it('stops inflating a decompression bomb as soon as it passes the declared size', async () => {
    // 500 KB of white pixels deflate to about 1 KB; the header then claims a 64 × 64 image.
    const big = await Png.encodeBilevelPng({ width: 2000, height: 2000, dark: white })
    expect(big.length).toBeLessThan(5_000)
    await expect(Png.check(declare(big, 64, 64))).rejects.toMatchObject({
      name: 'Transport.ImageTooLargeError',
      shortMessage: 'The image data inflates to more than its declared size.',
    })
  })

  it('refuses broken structure with a typed error', async () => {
    const png = await Png.encodeBilevelPng({ width: 8, height: 8, dark: white })
    const cases: Uint8Array[] = [
      new Uint8Array(),
      png.subarray(0, 7),
      png.subarray(0, 30),
      png.subarray(0, png.length - 12), // no IEND
      declare(png, 0, 8),
      declare(png, 64, 64), // data shorter than declared
      (() => {
        const bad = png.slice()
        bad[IHDR_AT + 9] = 5 // colour type 5 does not exist
        return bad
      })(),
      (() => {
        const bad = png.slice()
        bad[12] = 0x58 // first chunk renamed XHDR
        return bad
      })(),
      (() => {
        const bad = png.slice()
        new DataView(bad.buffer).setUint32(33, 0x7fffffff) // IDAT length past the end
        return bad
      })(),
      (() => {
        const bad = png.slice()
        for (let i = 41; i < 47; i++) bad[i] = 0xff // corrupt deflate data
        return bad
      })(),
    ]
    for (const bytes of cases) {
      await expect(Png.check(bytes)).rejects.toMatchObject({ name: expect.stringMatching(/^Transport\./) })
    }
    await expect(Png.check('png' as unknown as Uint8Array)).rejects.toMatchObject({
      name: 'Transport.InvalidImageError',
    })
  })

  it('computes the inflated size of interlaced images per Adam7 pass', async () => {
    const png = await Png.encodeBilevelPng({ width: 8, height: 8, dark: white })
    const interlaced = png.slice()
    interlaced[IHDR_AT + 12] = 1
    // 1-bit 8 × 8: pass sizes 1×1, 1×1, 2×1, 2×2, 4×2, 4×4, 8×4, one filter byte per row.
    expect(Png.inspect(interlaced).header.inflatedBytes).toBe(2 + 2 + 2 + 4 + 4 + 8 + 8)
  })
})

describe('decodePng', () => {
  it('decodes a frame to RGBA after the guard, and types every decoder failure', async () => {
    const png = await Png.encodeBilevelPng({ width: 9, height: 3, dark: (x) => x === 0 })
    const frame = await decodePng(png)
    expect([frame.width, frame.height, frame.data.length]).toEqual([9, 3, 9 * 3 * 4])
    expect([...frame.data.subarray(0, 8)]).toEqual([0, 0, 0, 255, 255, 255, 255, 255])
    const badCrc = png.slice()
    badCrc[29] = (badCrc[29]! + 1) & 0xff // IHDR CRC: structure intact, pngjs refuses it
    await expect(decodePng(badCrc)).rejects.toMatchObject({ name: 'Transport.InvalidImageError' })
    await expect(decodePng(declare(png, 20_000, 20_000))).rejects.toMatchObject({
      name: 'Transport.ImageTooLargeError',
    })
  })
})

describe('Png.checkFile', () => {
  it('accepts a PNG file and refuses bombs and other formats before a browser decodes them', async () => {
    const png = await Png.encodeBilevelPng({ width: 8, height: 8, dark: white })
    expect(
      (await Png.checkFile(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }))).width,
    ).toBe(8)
    await expect(
      Png.checkFile(
        new Blob([declare(png, 100_000, 100_000) as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
      ),
    ).rejects.toMatchObject({ name: 'Transport.ImageTooLargeError' })
    await expect(
      Png.checkFile(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' })),
    ).rejects.toThrowError('Only PNG images can be imported (this is image/jpeg).')
  })
})
