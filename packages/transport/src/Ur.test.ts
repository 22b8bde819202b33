import { UR, UREncoder } from '@ngraveio/bc-ur'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Crc32 from './Crc32.ts'
import * as FountainSolver from './FountainSolver.ts'
import * as Ur from './Ur.ts'
import { UrDecoder } from './UrDecoder.ts'

const payload = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff)

describe('Ur.encode', () => {
  it('is single-part when the payload fits one fragment, multipart otherwise', () => {
    const small = Ur.encode({ type: 'bytes', payload: payload.subarray(0, 100), maxFragmentLength: 200 })
    expect(small).toMatchObject({ isSinglePart: true, fragmentCount: 1, messageLength: 100 })
    expect(small.nextPart()).toBe(small.nextPart())
    expect(small.nextPart()).toMatch(/^UR:BYTES\/[A-Z]+$/)
    const big = Ur.encode({ type: 'airlock-sign-request', payload, maxFragmentLength: 200 })
    expect(big).toMatchObject({ isSinglePart: false, fragmentCount: 5 })
    expect(big.nextPart()).toMatch(/^UR:AIRLOCK-SIGN-REQUEST\/1-5\/[A-Z]+$/)
  })

  it('produces only QR alphanumeric-mode characters', () => {
    const parts = Ur.encode({ type: 'airlock-sign-request', payload, maxFragmentLength: 100 }).firstParts(15)
    for (const part of parts) expect(part).toMatch(/^[0-9A-Z $%*+\-./:]+$/)
  })

  it('nextPart, partAt and firstParts agree, for both schedules', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 400 }),
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom('airlock' as const, 'standard' as const),
        (maxFragmentLength, n, schedule) => {
          const encoder = Ur.encode({ type: 'bytes', payload, maxFragmentLength, schedule })
          const first = encoder.firstParts(n)
          expect(first).toHaveLength(n)
          expect(Array.from({ length: n }, () => encoder.nextPart())).toEqual(first)
          for (const part of first) expect(encoder.partAt(seqNumOf(part))).toBe(part)
          if (schedule === 'standard') expect(encoder.partAt(n)).toBe(first[n - 1])
        },
      ),
      { numRuns: 50 },
    )
  })

  it('continues from firstSeqNum', () => {
    const standard = Ur.encode({
      type: 'bytes',
      payload,
      maxFragmentLength: 100,
      firstSeqNum: 41,
      schedule: 'standard',
    })
    expect(standard.nextPart()).toBe(standard.partAt(42))
    const airlock = Ur.encode({
      type: 'bytes',
      payload,
      maxFragmentLength: 100,
      firstSeqNum: 41,
      schedule: 'airlock',
    })
    const seqNums = Array.from({ length: 10 }, () => seqNumOf(airlock.nextPart()))
    expect(Math.min(...seqNums)).toBeGreaterThan(41)
    const partial = Ur.encode({ type: 'airlock-signature', payload, maxFragmentLength: 100, firstSeqNum: 7 })
    expect([partial.nextPart(), partial.nextPart(), partial.nextPart()].map(seqNumOf)).toEqual([8, 9, 10])
  })

  it.each([
    [{ type: 'Bytes' }, 'Transport.InvalidUrTypeError'],
    [{ type: '' }, 'Transport.InvalidUrTypeError'],
    [{ type: 'a/b' }, 'Transport.InvalidUrTypeError'],
    [{ payload: new Uint8Array() }, 'Transport.InvalidEncoderInputError'],
    [{ maxFragmentLength: 5, minFragmentLength: 10 }, 'Transport.InvalidEncoderInputError'],
    [{ minFragmentLength: 0 }, 'Transport.InvalidEncoderInputError'],
    [{ firstSeqNum: -1 }, 'Transport.InvalidEncoderInputError'],
    [{ schedule: 'fast' as Ur.Schedule }, 'Transport.InvalidEncoderInputError'],
  ])('refuses %j with %s', (override, name) => {
    expect(() => Ur.encode({ type: 'bytes', payload, ...override })).toThrow(
      expect.objectContaining({ name }),
    )
  })

  it('partAt refuses part 0', () => {
    expect(() => Ur.encode({ type: 'bytes', payload }).partAt(0)).toThrow(
      expect.objectContaining({ name: 'Transport.InvalidEncoderInputError' }),
    )
  })
})

describe('the airlock part schedule', () => {
  const randomPayload = (length: number, seed: number) =>
    Uint8Array.from({ length }, (_, i) => (Math.imul(i + 1, 2654435761) ^ Math.imul(seed, 40503)) >>> 24)

  it('emits exactly the library’s part for each sequence number, the pure parts first, no number twice', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 70 }), fc.integer({ min: 0, max: 1000 }), (n, seed) => {
        const bytes = randomPayload(n * 20 - (seed % 20), seed)
        const encoder = Ur.encode({
          type: 'bytes',
          payload: bytes,
          maxFragmentLength: 20,
          schedule: 'airlock',
        })
        expect(encoder.fragmentCount).toBe(n)
        const ur = new UR(Buffer.from(bytes), 'bytes')
        const seqNums = encoder.firstParts(2 * n + 10).map((part) => {
          const seqNum = seqNumOf(part)
          expect(part).toBe(new UREncoder(ur, 20, seqNum - 1, 10).nextPart().toUpperCase())
          return seqNum
        })
        expect(seqNums.slice(0, n)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
        for (let i = 1; i < seqNums.length; i++) expect(seqNums[i]!).toBeGreaterThan(seqNums[i - 1]!)
      }),
      { numRuns: 25 },
    )
  })

  it('skips single fragments and sparse mixes for small messages', () => {
    for (const n of [3, 5, 11, 25, 40]) {
      const bytes = randomPayload(n * 20, n)
      const encoder = Ur.encode({ type: 'bytes', payload: bytes, maxFragmentLength: 20, schedule: 'airlock' })
      const solver = FountainSolver.create({
        seqLength: n,
        messageLength: bytes.length,
        checksum: Crc32.checksum(bytes),
        fragmentLength: 20,
      })
      const degrees = encoder
        .firstParts(4 * n)
        .slice(n)
        .map((part) => solver.fragmentIndexes(seqNumOf(part)).length)
      expect(Math.min(...degrees)).toBeGreaterThanOrEqual(Math.max(2, Math.ceil(n / 3)))
    }
  })

  it('lets the decoder complete under random frame loss', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 0, max: 50 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 0x7fffffff }),
        (n, seed, loss, lossSeed) => {
          const bytes = randomPayload(n * 30, seed)
          const encoder = Ur.encode({
            type: 'bytes',
            payload: bytes,
            maxFragmentLength: 30,
            schedule: 'airlock',
          })
          const decoder = new UrDecoder({ expectedTypes: ['bytes'] })
          const random = mulberry32(lossSeed)
          for (let shown = 0; shown < 10 * n + 40 && !decoder.isComplete; shown++) {
            const part = encoder.nextPart()
            if (random() >= loss) decoder.receive(part)
          }
          expect(decoder.result()).toEqual({ type: 'bytes', payload: bytes })
        },
      ),
      { numRuns: 40 },
    )
  })

  it('still completes when every pure part was missed, for any fragment count', () => {
    for (let n = 2; n <= 12; n++) {
      const bytes = randomPayload(n * 30, n)
      const encoder = Ur.encode({ type: 'bytes', payload: bytes, maxFragmentLength: 30, schedule: 'airlock' })
      expect(encoder.fragmentCount).toBe(n)
      const decoder = new UrDecoder({ expectedTypes: ['bytes'] })
      for (let lost = 0; lost < n; lost++) encoder.nextPart() // the pure parts 1..n, all missed
      for (let part = 0; part < 20 * n && !decoder.isComplete; part++) decoder.receive(encoder.nextPart())
      expect(decoder.result()).toEqual({ type: 'bytes', payload: bytes })
    }
  })

  it('is the default only for Airlock’s own types, read by Airlock at the other end', () => {
    expect(Ur.scheduleFor('airlock-sign-request')).toBe('airlock')
    expect(Ur.scheduleFor('airlock-signature')).toBe('airlock')
    for (const type of ['eth-sign-request', 'bytes', 'crypto-psbt'])
      expect(Ur.scheduleFor(type)).toBe('standard')
    const keystone = Ur.encode({ type: 'eth-sign-request', payload, maxFragmentLength: 50 })
    const standard = Ur.encode({
      type: 'eth-sign-request',
      payload,
      maxFragmentLength: 50,
      schedule: 'standard',
    })
    const n = keystone.fragmentCount
    expect(Array.from({ length: 3 * n }, () => keystone.nextPart())).toEqual(
      Array.from({ length: 3 * n }, () => standard.nextPart()),
    )
  })

  it('keeps the standard sequence on request', () => {
    const standard = Ur.encode({ type: 'bytes', payload, maxFragmentLength: 50, schedule: 'standard' })
    const seqNums = Array.from({ length: 60 }, () => seqNumOf(standard.nextPart()))
    expect(seqNums).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
  })
})

describe('Ur.encodeSingle and Ur.parse', () => {
  it('round-trips any payload as a single part', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 500 }), (bytes) => {
        const part = Ur.parse(Ur.encodeSingle({ type: 'airlock-signature', payload: bytes }))
        expect(part).toEqual({ kind: 'single', type: 'airlock-signature', message: bytes })
      }),
      { numRuns: 300 },
    )
  })

  it('isValidType follows the UR rules', () => {
    expect(
      ['bytes', 'eth-sign-request', 'airlock-sign-request', 'crypto-hdkey', 'a1'].every(Ur.isValidType),
    ).toBe(true)
    expect(['', 'Bytes', 'a_b', '-a', 'a-', 'a b', 'ü'].some(Ur.isValidType)).toBe(false)
  })
})

function seqNumOf(part: string): number {
  const parsed = Ur.parse(part)
  if (parsed.kind !== 'multi') throw new Error('expected a multipart UR')
  return parsed.seqNum
}

/** A small seeded generator: which frames are lost must be random, not fast-check's edge-biased doubles. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}
