import { describe, expect, test } from 'vitest'
import {
  blur,
  camera,
  createRng,
  expose,
  invert,
  place,
  randomBytes,
  screenImage,
  webcam,
} from './degrade.ts'
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

describe('laptop-webcam model', () => {
  const images = ['UR:BYTES/HDCXLKAHSSQZWFVSLOFZOXWKRE', 'UR:BYTES/HDCXJNHDFYOEBKAXYAHDRP'].map((text) =>
    screenImage(QrCode.encode(text, { version: 5 })),
  )
  const shown = (i: number) => images[i % 2]!

  test('draws its setup within the stated bounds, and the same seed films the same frame', () => {
    for (let seed = 0; seed < 50; seed++) {
      const { setup } = webcam({ rng: createRng(seed) })
      expect(setup.distanceCm).toBeGreaterThanOrEqual(30)
      expect(setup.distanceCm).toBeLessThan(50)
      expect(setup.tiltDeg).toBeGreaterThanOrEqual(5)
      expect(setup.tiltDeg).toBeLessThan(20)
      expect(setup.coverage).toBeGreaterThan(0.25)
      expect(setup.coverage).toBeLessThan(0.95)
    }
    const a = webcam({ rng: createRng(1) }).capture({ index: 3, displayFps: 10, shown })
    const b = webcam({ rng: createRng(1) }).capture({ index: 3, displayFps: 10, shown })
    expect([a.width, a.height]).toEqual([640, 480])
    expect(same(a.data, b.data)).toBe(true)
  })

  test('a nearer camera sees larger modules; 720p sees more pixels per module than 640×480', () => {
    const near = webcam({ rng: createRng(2), setup: { distanceCm: 30 } })
    const far = webcam({ rng: createRng(2), setup: { distanceCm: 50 } })
    expect(near.pixelsPerModule(45)).toBeCloseTo((far.pixelsPerModule(45) * 50) / 30, 5)
    const hd = webcam({ rng: createRng(2), width: 1280, height: 720, setup: { distanceCm: 50 } })
    expect(hd.pixelsPerModule(45)).toBeCloseTo(far.pixelsPerModule(45) * 1.5, 5)
  })

  test('a long exposure straddling the display switch blends two frames', () => {
    const fixed = { exposureMs: 33, phase: 0, noise: 0, jpegQuality: 100, maxMotionPx: 0 }
    const camera = webcam({ rng: createRng(5), setup: fixed })
    const still = webcam({ rng: createRng(5), setup: { ...fixed, exposureMs: 1 } })
    // Camera frame 2 starts at 66.7 ms and reads its rows out past the 100 ms switch.
    const blended = camera.capture({ index: 2, displayFps: 10, shown })
    const clean = still.capture({ index: 2, displayFps: 10, shown })
    const mid = (frame: { data: Uint8ClampedArray }) =>
      frame.data.filter((v, i) => i % 4 === 0 && v > 90 && v < 150).length
    expect(mid(blended)).toBeGreaterThan(mid(clean))
  })
})
