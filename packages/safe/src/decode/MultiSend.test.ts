import fc from 'fast-check'
import { concat, encodePacked, getAddress, type Hex, pad, size } from 'viem'
import { describe, expect, it } from 'vitest'
import { MalformedCalldataError } from '../errors.ts'
import * as MultiSend from './MultiSend.ts'

const hexBytes = (min: number, max: number) =>
  fc
    .uint8Array({ minLength: min, maxLength: max })
    .map((bytes) => `0x${Buffer.from(bytes).toString('hex')}` as Hex)

const transaction = fc.record({
  operation: fc.constantFrom(0 as const, 1 as const),
  to: hexBytes(20, 20).map((hex) => getAddress(hex)),
  value: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  data: hexBytes(0, 80),
})

// The reference packing, from viem's encodePacked rather than our encoder.
const reference = (txs: readonly MultiSend.Transaction[]): Hex =>
  txs.length === 0
    ? '0x'
    : concat(
        txs.map((t) =>
          encodePacked(
            ['uint8', 'address', 'uint256', 'uint256', 'bytes'],
            [t.operation, t.to, t.value, BigInt(size(t.data)), t.data],
          ),
        ),
      )

function thrown(fn: () => unknown): MalformedCalldataError {
  try {
    fn()
  } catch (error) {
    if (error instanceof MalformedCalldataError) return error
    throw error
  }
  throw new Error('expected a MalformedCalldataError')
}

describe('MultiSend packed encoding', () => {
  it('decodes what encodePacked produces, and encodes the same bytes', () => {
    fc.assert(
      fc.property(fc.array(transaction, { maxLength: 6 }), (txs) => {
        const packed = reference(txs)
        expect(MultiSend.decodePacked(packed)).toEqual(txs)
        expect(MultiSend.encodePacked(txs)).toBe(packed.toLowerCase())
        expect(MultiSend.decode(MultiSend.encode(txs))).toEqual(txs)
      }),
    )
  })

  it('refuses every truncation with a typed error', () => {
    fc.assert(
      fc.property(fc.array(transaction, { minLength: 1, maxLength: 3 }), fc.nat(), (txs, cut) => {
        const packed = reference(txs)
        const bytes = size(packed)
        const keep = cut % bytes // strictly shorter than the whole
        const truncated = `0x${packed.slice(2, 2 + keep * 2)}` as Hex
        if (keep === 0) return // the empty batch is valid
        // A cut exactly on a transaction boundary is a shorter valid batch.
        let boundary = 0
        const ends = txs.map((t) => {
          boundary += 85 + size(t.data)
          return boundary
        })
        if (ends.includes(keep)) return
        expect(() => MultiSend.decodePacked(truncated)).toThrow(MalformedCalldataError)
      }),
    )
  })

  it('never throws anything but MalformedCalldataError on arbitrary bytes', () => {
    fc.assert(
      fc.property(hexBytes(0, 300), (bytes) => {
        try {
          MultiSend.decodePacked(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedCalldataError)
        }
      }),
    )
  })

  it('explains a truncated header', () => {
    const error = thrown(() => MultiSend.decodePacked(`0x00${'11'.repeat(40)}`))
    expect(error.name).toBe('Safe.MalformedCalldataError')
    expect(error.oneLine).toMatchInlineSnapshot(
      `"The MultiSend payload is truncated in the header of call 1. The batch was cut short; rebuild it and send it again."`,
    )
  })

  it('explains a length that overflows the payload', () => {
    const packed = concat(['0x00', `0x${'22'.repeat(20)}`, pad('0x00'), pad('0x10'), '0xa9059cbb'])
    expect(thrown(() => MultiSend.decodePacked(packed)).shortMessage).toMatchInlineSnapshot(
      `"Call 1 of the MultiSend claims 16 bytes of data but only 4 remain."`,
    )
  })

  it('refuses a length beyond 2^53 without losing precision', () => {
    const packed = concat(['0x01', `0x${'22'.repeat(20)}`, pad('0x00'), `0x${'ff'.repeat(32)}`])
    expect(thrown(() => MultiSend.decodePacked(packed)).shortMessage).toContain(
      `claims ${(1n << 256n) - 1n} bytes`,
    )
  })

  it('refuses operations other than call and delegatecall', () => {
    const packed = concat(['0x02', `0x${'22'.repeat(20)}`, pad('0x00'), pad('0x00')])
    expect(thrown(() => MultiSend.decodePacked(packed)).shortMessage).toMatchInlineSnapshot(
      `"Call 1 of the MultiSend has operation 2."`,
    )
  })

  it('refuses trailing bytes after the last transaction', () => {
    const packed = concat([
      MultiSend.encodePacked([
        { operation: 0, to: getAddress(`0x${'33'.repeat(20)}`), value: 1n, data: '0x' },
      ]),
      '0x00',
    ])
    expect(thrown(() => MultiSend.decodePacked(packed)).shortMessage).toContain(
      'truncated in the header of call 2',
    )
  })

  it('refuses calldata that is not multiSend(bytes) or whose ABI encoding is broken', () => {
    expect(thrown(() => MultiSend.decode('0xa9059cbb')).shortMessage).toBe(
      'The calldata is not a multiSend(bytes) call.',
    )
    expect(thrown(() => MultiSend.decode(`0x8d80ff0a${'00'.repeat(31)}20`)).name).toBe(
      'Safe.MalformedCalldataError',
    )
  })
})

describe('MultiSend strictness (property)', () => {
  it('any single-bit change of a packed batch is refused or reads as a different batch', () => {
    fc.assert(
      fc.property(fc.array(transaction, { minLength: 1, maxLength: 4 }), fc.nat(), (txs, seed) => {
        const packed = MultiSend.encodePacked(txs)
        const bytes = (packed.length - 2) / 2
        const bit = seed % (bytes * 8)
        const at = 2 + Math.floor(bit / 8) * 2
        const byte = Number.parseInt(packed.slice(at, at + 2), 16) ^ (1 << (bit % 8))
        const mutated =
          `${packed.slice(0, at)}${byte.toString(16).padStart(2, '0')}${packed.slice(at + 2)}` as Hex
        const result = MultiSend.tryDecodePacked(mutated)
        if (!result.ok) return
        expect(MultiSend.encodePacked(result.transactions)).toBe(mutated)
        expect(result.transactions).not.toEqual(txs)
      }),
      { numRuns: 500 },
    )
  })

  it('counts transactions from the length fields alone, stopping past the limit', () => {
    const tx = {
      operation: 0 as const,
      to: getAddress(`0x${'11'.repeat(20)}`),
      value: 0n,
      data: '0x1234' as Hex,
    }
    const packed = MultiSend.encodePacked([tx, tx, tx])
    expect(MultiSend.countPacked(packed)).toBe(3)
    expect(MultiSend.countPacked(packed, { limit: 1 })).toBe(2)
  })
})
