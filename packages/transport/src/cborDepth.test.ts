import { encode } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cborDepthProblem } from './cborDepth.ts'
import { decodeMap } from './keystone/cbor.ts'
import * as SignRequest from './schemas/SignRequest.ts'

/** `depth` nested one-element arrays around the integer 1. */
const nested = (depth: number) => {
  const bytes = new Uint8Array(depth + 1).fill(0x81)
  bytes[depth] = 0x01
  return bytes
}

describe('cborDepthProblem', () => {
  it('measures nesting of arrays, maps and tags without recursion', () => {
    expect(cborDepthProblem(nested(32))).toBeUndefined()
    expect(cborDepthProblem(nested(33))).toBe('too-deep')
    expect(cborDepthProblem(nested(100_000))).toBe('too-deep')
    expect(cborDepthProblem(nested(3), { maxDepth: 3 })).toBeUndefined()
    expect(cborDepthProblem(nested(4), { maxDepth: 3 })).toBe('too-deep')
    // {1: {1: 1}} is two levels; tag 2 around bytes is one.
    expect(cborDepthProblem(new Uint8Array([0xa1, 0x01, 0xa1, 0x01, 0x01]), { maxDepth: 2 })).toBeUndefined()
    expect(cborDepthProblem(new Uint8Array([0xa1, 0x01, 0xa1, 0x01, 0x01]), { maxDepth: 1 })).toBe('too-deep')
    expect(cborDepthProblem(new Uint8Array([0xc2, 0x41, 0x01]), { maxDepth: 1 })).toBeUndefined()
  })

  it('reports truncation and indefinite lengths instead of reading past the end', () => {
    expect(cborDepthProblem(new Uint8Array())).toBe('truncated')
    expect(cborDepthProblem(new Uint8Array([0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(
      'truncated',
    )
    expect(cborDepthProblem(new Uint8Array([0x5a, 0x00, 0x01, 0x00, 0x00]))).toBe('truncated')
    expect(cborDepthProblem(new Uint8Array([0x9f, 0xff]))).toBe('indefinite')
    expect(cborDepthProblem(new Uint8Array([0x1c]))).toBe('truncated')
  })

  it('accepts every well-formed value within depth that cborg encodes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        expect(cborDepthProblem(encode(value))).toBeUndefined()
      }),
      { seed: 32, numRuns: 300 },
    )
  })

  it('keeps deep CBOR away from the recursive decoders: typed errors, no RangeError', () => {
    for (const bytes of [nested(10_000), nested(100_000)]) {
      expect(() => SignRequest.decode(bytes)).toThrowError(
        expect.objectContaining({
          name: 'Transport.InvalidCborError',
          shortMessage: expect.stringMatching(/levels deep/),
        }),
      )
      expect(() => decodeMap(bytes, 'signature')).toThrowError(
        expect.objectContaining({ name: 'Transport.KeystoneMalformedError' }),
      )
    }
  })
})
