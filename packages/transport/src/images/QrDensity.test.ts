import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import * as Ur from '../Ur.ts'
import { createRng, randomBytes } from './degrade.ts'
import * as QrCode from './QrCode.ts'
import * as QrDensity from './QrDensity.ts'

describe('capacity table', () => {
  test('matches what qrcode actually fits, at the boundary', () => {
    for (const [version, level] of [
      [10, 'M'],
      [25, 'M'],
      [25, 'L'],
      [18, 'Q'],
      [7, 'H'],
    ] as const) {
      const chars = QrDensity.capacity(version, level)
      expect(QrCode.encode('A'.repeat(chars), { ecLevel: level }).version).toBe(version)
      expect(QrCode.encode('A'.repeat(chars + 1), { ecLevel: level }).version).toBe(version + 1)
    }
    expect(() => QrDensity.capacity(41, 'L')).toThrow(
      expect.objectContaining({ name: 'Transport.InvalidDensityError' }),
    )
  })
})

describe('tune', () => {
  test('the plan’s frames really fit its QR version, even at the last sequence number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120_000 }), fc.integer({ min: 0, max: 1000 }), (size, seed) => {
        const plan = QrDensity.tune({ messageBytes: size, type: 'airlock-sign-request' })
        const payload = randomBytes(createRng(seed), size)
        const encoder = Ur.encode({
          type: 'airlock-sign-request',
          payload,
          maxFragmentLength: plan.maxFragmentLength,
        })
        expect(encoder.fragmentCount).toBe(plan.fragmentCount)
        const worst = plan.isSinglePart ? encoder.nextPart() : encoder.partAt(0xffffffff)
        const qr = QrCode.encode(worst, { ecLevel: plan.ecLevel, version: plan.version })
        expect(qr.mode).toBe('alphanumeric')
        expect(plan.version).toBeLessThanOrEqual(25)
      }),
      { numRuns: 30, seed: 11 },
    )
  })

  test('small messages become one static code', () => {
    const plan = QrDensity.tune({ messageBytes: 100 })
    expect(plan).toMatchObject({ isSinglePart: true, fragmentCount: 1, ecLevel: 'M' })
  })

  test('meets the target with the least dense code that can, else goes densest', () => {
    const plan = QrDensity.tune({ messageBytes: 2_000, targetSeconds: 2 })
    expect(plan.meetsTarget).toBe(true)
    expect(plan.expectedSeconds).toBeLessThanOrEqual(2)
    expect(plan.ecLevel).toBe('M')
    // One version less would miss the target at M.
    const looser = QrDensity.tune({
      messageBytes: 2_000,
      targetSeconds: 2,
      maxVersion: plan.version - 1,
      ecLevel: 'M',
    })
    expect(looser.meetsTarget).toBe(false)

    const huge = QrDensity.tune({ messageBytes: 65_536 })
    expect(huge).toMatchObject({
      meetsTarget: false,
      version: QrDensity.webcamVersion(),
      ecLevel: 'L',
      fps: 10,
    })
    expect(huge.bytesPerSecond).toBeGreaterThan(1_800)
  })

  test('more bytes never plan fewer frames', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 5_000 }), (a, extra) => {
        const small = QrDensity.tune({ messageBytes: a, targetSeconds: 1000 })
        const large = QrDensity.tune({ messageBytes: a + extra, targetSeconds: 1000 })
        expect(large.fragmentCount).toBeGreaterThanOrEqual(small.fragmentCount)
      }),
      { numRuns: 100, seed: 3 },
    )
  })

  test('honours overrides', () => {
    const keystone = QrDensity.tune({ messageBytes: 10_000, fragmentBytes: 200, fps: 5 })
    expect(keystone).toMatchObject({ maxFragmentLength: 200, fragmentBytes: 200, fragmentCount: 50, fps: 5 })
    expect(keystone.bytesPerSecond).toBeLessThan(1_000)
    expect(QrDensity.tune({ messageBytes: 10_000, ecLevel: 'Q' }).ecLevel).toBe('Q')
    expect(QrDensity.tune({ messageBytes: 10_000, cameraFps: 15 }).fps).toBe(5)
    // A fragment larger than maxVersion holds still gets the smallest code that fits it.
    expect(QrDensity.tune({ messageBytes: 10_000, fragmentBytes: 1_200 }).version).toBeGreaterThan(25)
  })

  test('expected frames grow with loss and equal the fragment count without loss', () => {
    expect(QrDensity.expectedFrames({ fragmentCount: 20, loss: 0 })).toBe(20)
    expect(QrDensity.expectedFrames({ fragmentCount: 20, loss: 0.1 })).toBe(23)
    expect(QrDensity.expectedFrames({ fragmentCount: 20, loss: 0.3 })).toBe(30)
  })

  test('rejects impossible requests with typed errors', () => {
    const bad: QrDensity.TuneParameters[] = [
      { messageBytes: 0 },
      { messageBytes: 1.5 },
      { messageBytes: 100, targetSeconds: -1 },
      { messageBytes: 100, expectedLoss: 1 },
      { messageBytes: 100, fps: 0 },
      { messageBytes: 100, fps: 120 },
      { messageBytes: 100, fragmentBytes: 5 },
      { messageBytes: 100_000, fragmentBytes: 5_000 },
      { messageBytes: 100, maxVersion: 41 },
      { messageBytes: 100, minVersion: 30, maxVersion: 20 },
      { messageBytes: 100, step: 4 },
      { messageBytes: 100, step: 0.5 },
    ]
    for (const parameters of bad) {
      expect(() => QrDensity.tune(parameters)).toThrow(
        expect.objectContaining({ name: 'Transport.InvalidDensityError' }),
      )
    }
  })
})

describe('density steps', () => {
  test('a Keystone request uses Keystone’s own density, and the user steps it either way', () => {
    const messageBytes = 3000
    const plans = [-3, -1, 0, 1, 3].map((step) => QrDensity.keystone({ messageBytes, step }))
    expect(plans.map((p) => [p.maxFragmentLength, p.fps])).toEqual([
      [60, 4],
      [150, 5],
      [200, 5],
      [300, 6],
      [550, 8],
    ])
    expect(plans.map((p) => p.fragmentCount)).toEqual([50, 20, 15, 10, 6])
    expect(() => QrDensity.keystone({ messageBytes, step: -4 })).toThrow(
      expect.objectContaining({ name: 'Transport.InvalidDensityError' }),
    )
  })

  test('a step moves the auto-tuned code a few versions denser or sparser', () => {
    const base = QrDensity.tune({ messageBytes: 8000 })
    const denser = QrDensity.tune({ messageBytes: 8000, step: 1 })
    const sparser = QrDensity.tune({ messageBytes: 8000, step: -1 })
    expect(denser.version).toBeGreaterThan(base.version)
    expect(sparser.version).toBeLessThan(base.version)
    expect(denser.fragmentCount).toBeLessThan(base.fragmentCount)
    expect(sparser.fragmentCount).toBeGreaterThan(base.fragmentCount)
  })
})

describe('webcam targets', () => {
  test('the default code suits a 640×480 webcam; the interleaved plan adds a dense one for 720p', () => {
    expect(QrDensity.webcamVersion()).toBe(12)
    expect(QrDensity.webcamVersion({ height: 720 })).toBe(21)
    // 3.2 camera px per module with the code over half the frame height, quiet zone included.
    expect((480 * 0.5) / (17 + 4 * 12 + 8)).toBeGreaterThanOrEqual(3.2)
    const { dense, sparse } = QrDensity.interleaved({ messageBytes: 8_000 })
    expect(sparse.version).toBeLessThanOrEqual(12)
    expect(dense!.version).toBeGreaterThan(sparse.version)
    expect(dense!.version).toBeLessThanOrEqual(21)
    expect(dense!.fragmentCount).toBeLessThan(sparse.fragmentCount)
    expect(QrDensity.interleaved({ messageBytes: 60 }).dense).toBeUndefined()
  })

  test('the sparsest session suits a 640×480 webcam at the far end of a scan', () => {
    const { sparse, sparsest } = QrDensity.interleaved({ messageBytes: 8_000 })
    // The code over 40% of 480 lines, quiet zone included, at 3 camera px per module or more.
    expect(sparsest!.version).toBe(9)
    expect((480 * 0.4) / (17 + 4 * sparsest!.version + 8)).toBeGreaterThanOrEqual(3)
    expect((480 * 0.4) / (17 + 4 * sparse.version + 8)).toBeLessThan(3)
    expect(sparsest!.fragmentCount).toBeGreaterThan(sparse.fragmentCount)
    // The user's step moves it with the others.
    expect(QrDensity.interleaved({ messageBytes: 8_000, step: -1 }).sparsest!.version).toBe(5)
    // Not asked for, or nothing to add: a message one sparse code holds.
    expect(QrDensity.interleaved({ messageBytes: 8_000, far: false }).sparsest).toBeUndefined()
    expect(QrDensity.interleaved({ messageBytes: 60 }).sparsest).toBeUndefined()
  })
})
