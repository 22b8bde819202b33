import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Ur from './Ur.ts'

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

  it('nextPart, partAt and firstParts agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 400 }),
        fc.integer({ min: 1, max: 60 }),
        (maxFragmentLength, n) => {
          const encoder = Ur.encode({ type: 'bytes', payload, maxFragmentLength })
          const first = encoder.firstParts(n)
          expect(first).toHaveLength(n)
          expect(encoder.partAt(n)).toBe(first[n - 1])
          expect(Array.from({ length: n }, () => encoder.nextPart())).toEqual(first)
        },
      ),
      { numRuns: 50 },
    )
  })

  it('continues from firstSeqNum', () => {
    const encoder = Ur.encode({ type: 'bytes', payload, maxFragmentLength: 100, firstSeqNum: 41 })
    expect(encoder.nextPart()).toBe(encoder.partAt(42))
  })

  it.each([
    [{ type: 'Bytes' }, 'Transport.InvalidUrTypeError'],
    [{ type: '' }, 'Transport.InvalidUrTypeError'],
    [{ type: 'a/b' }, 'Transport.InvalidUrTypeError'],
    [{ payload: new Uint8Array() }, 'Transport.InvalidEncoderInputError'],
    [{ maxFragmentLength: 5, minFragmentLength: 10 }, 'Transport.InvalidEncoderInputError'],
    [{ minFragmentLength: 0 }, 'Transport.InvalidEncoderInputError'],
    [{ firstSeqNum: -1 }, 'Transport.InvalidEncoderInputError'],
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
