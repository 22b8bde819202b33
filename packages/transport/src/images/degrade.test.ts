import { describe, expect, test } from 'vitest'
import { blur, camera, createRng, expose, invert, place, randomBytes } from './degrade.ts'
import * as QrCode from './QrCode.ts'
import * as RgbaFrame from './RgbaFrame.ts'

const same = (a: Uint8ClampedArray, b: Uint8ClampedArray) => Buffer.from(a).equals(Buffer.from(b))

const qr = QrCode.encode('UR:BYTES/HDCXLKAHSSQZWFVSLOFZOXWKRE')

describe('rng', () => {
  test('is deterministic per seed and in range', () => {
    const a = createRng(9)
    const b = createRng(9)
    const xs = Array.from({ length: 1000 }, () => a.next())
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(new Set(xs).size).toBeGreaterThan(990)
    expect(randomBytes(createRng(1), 32)).not.toEqual(randomBytes(createRng(2), 32))
    const shuffled = createRng(3).shuffle([1, 2, 3, 4, 5, 6, 7, 8])
    expect([...shuffled].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })
})

describe('camera simulation', () => {
  test('same seed, same frame; another seed, another frame', () => {
    const src = QrCode.toRgba(qr)
    const a = camera(src, { rng: createRng(1) })
    expect(a.width).toBe(640)
    expect(a.height).toBe(480)
    expect(same(a.data, camera(src, { rng: createRng(1) }).data)).toBe(true)
    expect(same(a.data, camera(src, { rng: createRng(2) }).data)).toBe(false)
  })

  test('place letterboxes at the requested size and angle', () => {
    const src = RgbaFrame.create({ width: 100, height: 100, grey: 0 })
    const frame = place(src, { width: 400, height: 200, fill: 0.5, background: 255 })
    const at = (x: number, y: number) => frame.data[(y * 400 + x) * 4]
    expect(at(200, 100)).toBe(0) // centre: the image
    expect(at(10, 10)).toBe(255) // corner: background
    expect(at(200, 100 - 48)).toBe(0) // 0.5 × 200 = 100 px tall
    expect(at(200, 100 - 52)).toBe(255)
    const turned = place(src, { width: 400, height: 200, fill: 0.5, angle: 45, background: 255 })
    // A 45° square reaches further along the axes than the unrotated one.
    expect(turned.data[(100 * 400 + 200 - 65) * 4]).toBe(0)
  })

  test('blur softens edges, expose compresses contrast, invert is an involution', () => {
    const src = QrCode.toRgba(qr, { scale: 4 })
    const soft = blur(src, { radius: 2 })
    const levels = new Set(soft.data)
    expect(levels.size).toBeGreaterThan(2)
    const exposed = expose(src, { rng: createRng(1), low: 40, high: 200 })
    expect(Math.min(...exposed.data.filter((_, i) => i % 4 === 0))).toBe(40)
    expect(Math.max(...exposed.data.filter((_, i) => i % 4 === 0))).toBe(200)
    expect(same(invert(invert(src)).data, src.data)).toBe(true)
  })
})
