// Conformance with Blockchain Commons' published bc-ur reference vectors (test/test.cpp of BlockchainCommons/bc-ur).
import { createHash } from 'node:crypto'
import { encode as encodeCbor } from 'cborg'
import { bytesToHex, hexToBytes } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Bytewords from './Bytewords.ts'
import * as Crc32 from './Crc32.ts'
import { ChecksumError, MalformedUrError } from './errors.ts'
import vectors from './fixtures/bc-ur-vectors.json' with { type: 'json' }
import * as Ur from './Ur.ts'
import { UrDecoder } from './UrDecoder.ts'

// The reference tests' deterministic message: xoshiro256** seeded with SHA-256("Wolf"), one byte per
// next_double() * 256. Written independently of the library so the vectors check the library too.
function makeMessage(length: number, seed = 'Wolf'): Uint8Array {
  const digest = createHash('sha256').update(seed).digest()
  const mask = (1n << 64n) - 1n
  const s = [0, 1, 2, 3].map((i) => digest.readBigUInt64BE(i * 8))
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & mask
  const next = (): bigint => {
    const [s0, s1, s2, s3] = s as [bigint, bigint, bigint, bigint]
    const result = (rotl((s1 * 5n) & mask, 7n) * 9n) & mask
    const t = (s1 << 17n) & mask
    const n2 = s2 ^ s0
    const n3 = s3 ^ s1
    s[1] = s1 ^ n2
    s[0] = s0 ^ n3
    s[2] = n2 ^ t
    s[3] = rotl(n3, 45n)
    return result
  }
  return Uint8Array.from({ length }, () => Math.floor((Number(next()) / 2 ** 64) * 256))
}

// make_message_ur: the message wrapped as a CBOR byte string, UR type "bytes".
const makeMessageUr = (length: number) => encodeCbor(makeMessage(length))

const text = (s: string) => new TextEncoder().encode(s)

describe('reference vectors: CRC32 and bytewords', () => {
  it.each(vectors.crc32)('CRC32($input) = $hex', ({ input, hex }) => {
    expect(Crc32.checksum(text(input)).toString(16).padStart(8, '0')).toBe(hex)
    expect(bytesToHex(Crc32.bytes(text(input)))).toBe(`0x${hex}`)
  })

  it.each(['standard', 'uri', 'minimal'] as const)('bytewords 1 in %s style', (style) => {
    const input = Uint8Array.from(vectors.bytewords1.input)
    expect(Bytewords.encode(input, { style })).toBe(vectors.bytewords1[style])
    expect(Bytewords.decode(vectors.bytewords1[style], { style })).toEqual(input)
    expect(Bytewords.decode(vectors.bytewords1[style].toUpperCase(), { style })).toEqual(input)
    expect(() => Bytewords.decode(vectors.bytewords1.badChecksum[style], { style })).toThrow(ChecksumError)
  })

  it('bytewords 1: too short is refused', () => {
    expect(() => Bytewords.decode('wolf', { style: 'standard' })).toThrow(MalformedUrError)
    expect(() => Bytewords.decode('', { style: 'standard' })).toThrow(MalformedUrError)
  })

  it('bytewords 2 (100 bytes) in standard and minimal style', () => {
    const input = Uint8Array.from(vectors.bytewords2.input)
    expect(Bytewords.encode(input, { style: 'standard' })).toBe(vectors.bytewords2.standard)
    expect(Bytewords.encode(input, { style: 'minimal' })).toBe(vectors.bytewords2.minimal)
    expect(Bytewords.decode(vectors.bytewords2.standard, { style: 'standard' })).toEqual(input)
    expect(Bytewords.decode(vectors.bytewords2.minimal, { style: 'minimal' })).toEqual(input)
  })

  it('our test message generator matches the reference xoshiro256** "Wolf" stream', () => {
    const data = makeMessage(20)
    expect(bytesToHex(data.subarray(0, 10)).slice(2)).toBe(vectors.xoshiroWolfFirst20Hex[0])
    expect(bytesToHex(data.subarray(10, 20)).slice(2)).toBe(vectors.xoshiroWolfFirst20Hex[1])
  })
})

describe('reference vectors: fountain parts ("Wolf", 256 bytes, 30-byte fragments)', () => {
  it('the fountain part CBOR of the first 20 parts matches', () => {
    const encoder = Ur.encode({
      type: 'bytes',
      payload: makeMessage(256),
      maxFragmentLength: 30,
      schedule: 'standard',
    })
    expect(encoder.fragmentCount).toBe(9)
    const bodies = Array.from({ length: 20 }, () => {
      const part = encoder.nextPart()
      return bytesToHex(Bytewords.decode(part.split('/')[2]!)).slice(2)
    })
    expect(bodies).toEqual(vectors.fountainEncoderCbor256)
  })

  it('Ur.parse reads each reference part header', () => {
    vectors.fountainEncoderCbor256.forEach((hex, i) => {
      const part = Ur.parse(`ur:bytes/${i + 1}-9/${Bytewords.encode(hexToBytes(`0x${hex}`))}`)
      expect(part).toMatchObject({
        kind: 'multi',
        seqNum: i + 1,
        seqLength: 9,
        messageLength: 256,
        checksum: 23570951,
      })
    })
  })

  it('the UR encoder emits the 20 reference parts (uppercase), by nextPart, partAt and firstParts', () => {
    const encoder = Ur.encode({
      type: 'bytes',
      payload: makeMessageUr(256),
      maxFragmentLength: 30,
      schedule: 'standard',
    })
    const parts = Array.from({ length: 20 }, () => encoder.nextPart())
    expect(parts).toEqual(vectors.urEncoder256.map((part) => part.toUpperCase()))
    expect(encoder.partAt(13)).toBe(vectors.urEncoder256[12]!.toUpperCase())
    expect(encoder.firstParts()).toEqual(vectors.urEncoder256.slice(0, 9).map((part) => part.toUpperCase()))
  })

  it('the airlock schedule emits reference parts only: the 9 pure ones, then a subset of the mixed ones', () => {
    const encoder = Ur.encode({ type: 'bytes', payload: makeMessageUr(256), maxFragmentLength: 30 })
    const reference = vectors.urEncoder256.map((part) => part.toUpperCase())
    const parts = Array.from({ length: 14 }, () => encoder.nextPart())
    expect(parts.slice(0, 9)).toEqual(reference.slice(0, 9))
    // Each part is the reference part of its number (numbers past the 20 vectors come from the library).
    for (const part of parts) {
      const { seqNum } = Ur.parse(part) as { seqNum: number }
      expect(part).toBe(reference[seqNum - 1] ?? encoder.partAt(seqNum))
    }
    expect(new Set(parts).size).toBe(parts.length)
  })

  it('the decoder rebuilds the message from reference parts in any order with a gap', () => {
    const decoder = new UrDecoder({ expectedTypes: ['bytes'] })
    // Without pure part 2, fed backwards: the mixed parts must fill the gap.
    const order = [...vectors.urEncoder256].reverse().filter((part) => !part.includes('/2-9/'))
    const statuses = order.map((part) => decoder.receive(part).status)
    expect(statuses).toContain('complete')
    expect(statuses.indexOf('complete')).toBeLessThan(order.length - 1)
    expect(decoder.result()).toEqual({ type: 'bytes', payload: makeMessageUr(256) })
  })

  it('reports honest progress when the parts seen cannot solve every fragment', () => {
    const decoder = new UrDecoder({ expectedTypes: ['bytes'] })
    // These 19 parts never determine fragment 5: progress must say 8 of 9, not creep towards 100.
    for (const part of vectors.urEncoder256.filter((part) => !part.includes('/5-9/'))) decoder.receive(part)
    expect(decoder.progress()).toMatchObject({
      receivedParts: 19,
      expectedParts: 9,
      solvedFragments: 8,
      estimatedPercent: 88,
      isComplete: false,
    })
    expect(decoder.receive(vectors.urEncoder256[4]!).status).toBe('complete')
  })
})

describe('reference vectors: single-part and 32,767-byte multipart URs', () => {
  it('encodes and decodes the single-part reference UR', () => {
    const payload = makeMessageUr(50)
    expect(Ur.encodeSingle({ type: 'bytes', payload })).toBe(vectors.singlePartUr50.toUpperCase())
    expect(Ur.encode({ type: 'bytes', payload }).nextPart()).toBe(vectors.singlePartUr50.toUpperCase())
    const decoder = new UrDecoder()
    const status = decoder.receive(vectors.singlePartUr50)
    expect(status.status).toBe('complete')
    expect(decoder.result()?.payload).toEqual(payload)
  })

  it('round-trips a 32,767-byte message (1000-byte fragments, first part 101: mixed parts only)', () => {
    const payload = makeMessageUr(32767)
    const encoder = Ur.encode({ type: 'bytes', payload, maxFragmentLength: 1000, firstSeqNum: 100 })
    const decoder = new UrDecoder({ expectedTypes: ['bytes'] })
    let lastPercent = 0
    for (let i = 0; i < 1000 && !decoder.isComplete; i++) {
      const status = decoder.receive(encoder.nextPart())
      expect(status.status === 'accepted' || status.status === 'complete').toBe(true)
      const { estimatedPercent } = status.progress
      expect(estimatedPercent).toBeGreaterThanOrEqual(lastPercent)
      expect(estimatedPercent === 100).toBe(status.status === 'complete')
      lastPercent = estimatedPercent
    }
    expect(decoder.result()?.payload).toEqual(payload)
    expect(decoder.progress()).toMatchObject({
      expectedParts: 33,
      solvedFragments: 33,
      estimatedPercent: 100,
    })
  })
})
