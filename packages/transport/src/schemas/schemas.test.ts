import { SafeTxHash, SafeVersion } from '@airlock/safe'
import { decode as decodeCbor, encode as encodeCbor, Tagged } from 'cborg'
import fc from 'fast-check'
import { bytesToHex, getAddress, type Hex, maxUint256, zeroAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Ur from '../Ur.ts'
import { UrDecoder } from '../UrDecoder.ts'
import * as AuditLogExport from './AuditLogExport.ts'
import * as PolicyBundle from './PolicyBundle.ts'
import * as SignatureResponse from './SignatureResponse.ts'
import * as SignRequest from './SignRequest.ts'

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => getAddress(bytesToHex(bytes)))
const hexBytes = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((bytes) => bytesToHex(bytes))
// Bias towards the edges where encodings change: 2^53, 2^64 and 2^256-1.
const uint256 = fc.oneof(
  fc.bigInt({ min: 0n, max: maxUint256 }),
  fc.constantFrom(0n, 23n, 24n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n, 2n ** 64n, maxUint256),
)
const plainText = (max: number) =>
  fc.string({ maxLength: max, unit: 'grapheme' }).filter((s) => !/[\p{Cc}\p{Cf}]/u.test(s))
const tier = fc.constantFrom('emergency', 'routine', 'critical', 'existential')

const uniqueBySigner = <T extends { signer: string }>(item: fc.Arbitrary<T>) =>
  fc.uniqueArray(item, { maxLength: 4, selector: (entry) => entry.signer.toLowerCase() })

const signRequest: fc.Arbitrary<SignRequest.SignRequest> = fc
  .record({
    requestId: hexBytes(16, 16),
    createdAt: fc.integer({ min: 0, max: 2 ** 40 }),
    context: fc.record({
      chainId: uint256.filter((n) => n > 0n),
      safe: address,
      version: fc.constantFrom(...SafeVersion.supported),
    }),
    tx: fc.record({
      to: address,
      value: uint256,
      data: hexBytes(0, 300),
      operation: fc.constantFrom(0 as const, 1 as const),
      safeTxGas: uint256,
      baseGas: uint256,
      gasPrice: uint256,
      gasToken: address,
      refundReceiver: address,
      nonce: uint256,
    }),
    signatures: uniqueBySigner(fc.record({ signer: address, signature: hexBytes(65, 65) })),
    attestations: uniqueBySigner(fc.record({ signer: address, signature: hexBytes(65, 65), tier })),
    title: plainText(40),
    description: plainText(200),
    claimedTier: fc.option(tier, { nil: undefined }),
  })
  .map((request) => {
    // An absent optional is omitted, not set to undefined, so decode gives back an equal object.
    const { claimedTier, ...rest } = request
    return claimedTier === undefined ? rest : { ...rest, claimedTier }
  })

const example: SignRequest.SignRequest = {
  requestId: '0x00112233445566778899aabbccddeeff',
  createdAt: 1_750_000_000,
  context: { chainId: 1n, safe: '0x5aFE3855358E112B5647B952709E6165e1c1eEEe', version: '1.4.1' },
  tx: {
    to: '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045',
    value: 10n ** 18n,
    data: '0x',
    operation: 0,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: zeroAddress,
    refundReceiver: zeroAddress,
    nonce: 7n,
  },
  signatures: [{ signer: '0x1111111111111111111111111111111111111111', signature: `0x${'ab'.repeat(65)}` }],
  attestations: [],
  title: 'Pay the auditors',
  description: 'Invoice #42\nQ3 audit',
  claimedTier: 'routine',
}

// Decode bytes to the raw CBOR map, edit it, and encode again (cborg keeps canonical key order).
function edit(bytes: Uint8Array, change: (map: Map<number, unknown>) => void): Uint8Array {
  const map = decodeCbor(bytes, { useMaps: true, tags: { 2: (decode) => new Tagged(2, decode()) } }) as Map<
    number,
    unknown
  >
  change(map)
  return encodeCbor(map)
}

function catchError(run: () => unknown): Error & { name: string; field?: string; shortMessage?: string } {
  try {
    run()
  } catch (error) {
    return error as Error & { name: string; field?: string }
  }
  throw new Error('expected an error')
}

describe('SignRequest', () => {
  it('round-trips any valid request exactly, bigints and all (property)', () => {
    fc.assert(
      fc.property(signRequest, (request) => {
        expect(SignRequest.decode(SignRequest.encode(request))).toEqual(request)
      }),
      { numRuns: 300 },
    )
  })

  it('keeps the safeTxHash: the signer hashes what the coordinator hashed', () => {
    const decoded = SignRequest.decode(SignRequest.encode(example))
    expect(SafeTxHash.compute(decoded)).toEqual(SafeTxHash.compute(example))
  })

  it('travels as an animated UR and comes back through fromUr', () => {
    const request = { ...example, tx: { ...example.tx, data: `0x${'5a'.repeat(4000)}` as Hex } }
    const encoder = Ur.encode({ ...SignRequest.toUr(request), maxFragmentLength: 200 })
    expect(encoder.isSinglePart).toBe(false)
    expect(encoder.nextPart()).toMatch(/^UR:AIRLOCK-SIGN-REQUEST\/1-\d+\/[A-Z]+$/)
    const decoder = new UrDecoder({ expectedTypes: [SignRequest.urType] })
    for (const part of encoder.firstParts()) decoder.receive(part)
    expect(SignRequest.fromUr(decoder.result()!)).toEqual(request)
  })

  it('fromUr refuses a UR of another type', () => {
    const error = catchError(() =>
      SignRequest.fromUr({ type: 'eth-sign-request', payload: new Uint8Array([0xa0]) }),
    )
    expect(error.name).toBe('Transport.UrTypeMismatchError')
  })

  it('refuses an unknown format version with a clear message', () => {
    const bytes = edit(SignRequest.encode(example), (map) => map.set(0, 2))
    const error = catchError(() => SignRequest.decode(bytes))
    expect(error.name).toBe('Transport.UnsupportedFormatVersionError')
    expect(error.message).toMatchInlineSnapshot(`
      "This signing request uses format version 2; this Airlock understands version 1.
      Update Airlock on this device to a version that matches the other one."
    `)
  })

  it.each([
    [
      'an unknown top-level field',
      (m: Map<number, unknown>) => m.set(99, 1),
      'UnknownFieldError',
      '<key 99>',
    ],
    [
      'an unknown nested field',
      (m: Map<number, unknown>) => (m.get(6) as Map<number, unknown>).set(11, 0),
      'UnknownFieldError',
      'tx.<key 11>',
    ],
    [
      'a missing nonce',
      (m: Map<number, unknown>) => (m.get(6) as Map<number, unknown>).delete(10),
      'MissingFieldError',
      'tx.nonce',
    ],
    ['a missing title', (m: Map<number, unknown>) => m.delete(9), 'MissingFieldError', 'title'],
    [
      'a 19-byte Safe address',
      (m: Map<number, unknown>) => m.set(4, new Uint8Array(19)),
      'InvalidFieldError',
      'safe',
    ],
    [
      'operation 2',
      (m: Map<number, unknown>) => (m.get(6) as Map<number, unknown>).set(4, 2),
      'InvalidFieldError',
      'tx.operation',
    ],
    ['chainId 0', (m: Map<number, unknown>) => m.set(3, 0), 'InvalidFieldError', 'chainId'],
    ['a text chainId', (m: Map<number, unknown>) => m.set(3, '1'), 'InvalidFieldError', 'chainId'],
    [
      'an unknown Safe version',
      (m: Map<number, unknown>) => m.set(5, '9.9.9'),
      'InvalidFieldError',
      'safeVersion',
    ],
    [
      'a 15-byte request id',
      (m: Map<number, unknown>) => m.set(1, new Uint8Array(15)),
      'InvalidFieldError',
      'requestId',
    ],
    [
      'a bignum for a small value',
      (m: Map<number, unknown>) => m.set(3, new Tagged(2, new Uint8Array([1]))),
      'InvalidFieldError',
      'chainId',
    ],
    [
      'a bignum with a leading zero',
      (m: Map<number, unknown>) => m.set(3, new Tagged(2, new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]))),
      'InvalidFieldError',
      'chainId',
    ],
    [
      'a negative value',
      (m: Map<number, unknown>) => (m.get(6) as Map<number, unknown>).set(2, -1),
      'InvalidFieldError',
      'tx.value',
    ],
    [
      'a title with a right-to-left override',
      (m: Map<number, unknown>) => m.set(9, 'Pay \u202Eevil'),
      'InvalidFieldError',
      'title',
    ],
    [
      'a title that is too long',
      (m: Map<number, unknown>) => m.set(9, 'x'.repeat(121)),
      'InvalidFieldError',
      'title',
    ],
    [
      'a repeated signer',
      (m: Map<number, unknown>) => {
        const list = m.get(7) as unknown[]
        m.set(7, [list[0], list[0]])
      },
      'InvalidFieldError',
      'signatures[1].signer',
    ],
    [
      'a claimed tier that is not a label',
      (m: Map<number, unknown>) => m.set(11, 'Routine!'),
      'InvalidFieldError',
      'claimedTier',
    ],
  ])('refuses %s, naming the field', (_, change, name, field) => {
    const error = catchError(() => SignRequest.decode(edit(SignRequest.encode(example), change)))
    expect(error.name).toBe(`Transport.${name}`)
    expect(error.field).toBe(field)
  })

  it('refuses non-canonical CBOR: keys out of order, long-form integers, trailing bytes', () => {
    const bytes = SignRequest.encode(example)
    // Move key 0 (version) after key 1 by rebuilding the map in another order with a plain writer.
    const map = decodeCbor(bytes, { useMaps: true }) as Map<number, unknown>
    const reordered = new Map([...map.entries()].reverse())
    const reversed = encodeCbor(reordered, { mapSorter: () => 0 })
    expect(catchError(() => SignRequest.decode(reversed)).name).toBe('Transport.InvalidCborError')
    const longForm = Uint8Array.from([...bytes.subarray(0, 1), 0x18, 0x00, ...bytes.subarray(2)])
    expect(catchError(() => SignRequest.decode(longForm)).name).toBe('Transport.InvalidCborError')
    expect(catchError(() => SignRequest.decode(Uint8Array.from([...bytes, 0]))).name).toBe(
      'Transport.InvalidCborError',
    )
  })

  it('refuses to encode what it could not decode', () => {
    const error = catchError(() => SignRequest.encode({ ...example, title: 'a\u0000b' }))
    expect(error).toMatchObject({ name: 'Transport.InvalidFieldError', field: 'title' })
    const extra = { ...example, note: 'x' } as unknown as SignRequest.SignRequest
    expect(catchError(() => SignRequest.encode(extra))).toMatchObject({
      name: 'Transport.UnknownFieldError',
      field: 'note',
    })
  })

  it('newRequestId gives 16 fresh random bytes', () => {
    const a = SignRequest.newRequestId()
    expect(a).toMatch(/^0x[0-9a-f]{32}$/)
    expect(SignRequest.newRequestId()).not.toBe(a)
  })
})

describe('SignRequest.approves (an owner Safe’s approveHash with the inner Safe’s transaction)', () => {
  const inner: SignRequest.ApprovedTx = {
    context: { ...example.context, safe: getAddress('0x00000000000000000000000000000000000000b2') },
    tx: example.tx,
  }
  const request: SignRequest.SignRequest = {
    ...example,
    tx: { ...example.tx, to: inner.context.safe, value: 0n, data: `0xd4d9bdcd${'11'.repeat(32)}`, nonce: 3n },
    approves: inner,
  }

  it('round-trips the inner Safe transaction exactly, and stays absent when not given', () => {
    expect(SignRequest.decode(SignRequest.encode(request))).toEqual(request)
    expect(SignRequest.decode(SignRequest.encode(example))).not.toHaveProperty('approves')
  })

  it('is strict: an unknown key inside it, a bad version or a malformed address is refused by field', () => {
    const bytes = SignRequest.encode(request)
    const set = (key: number, value: unknown) =>
      edit(bytes, (map) => (map.get(15) as Map<number, unknown>).set(key, value))
    const field = (changed: Uint8Array) => catchError(() => SignRequest.decode(changed)).field
    expect(field(set(9, 1))).toBe('approves.<key 9>')
    expect(field(set(3, '0.9.0'))).toBe('approves.safeVersion')
    expect(field(set(2, new Uint8Array(3)))).toBe('approves.safe')
    expect(() =>
      SignRequest.encode({ ...request, approves: { ...inner, tx: { ...inner.tx, extra: 1 } as never } }),
    ).toThrow(/approves\.tx/)
  })
})

describe('SignatureResponse, PolicyBundle, AuditLogExport', () => {
  it('SignatureResponse round-trips (property) and checks its kind', () => {
    const response = fc.record({
      requestId: hexBytes(16, 16),
      safeTxHash: hexBytes(32, 32),
      signer: address,
      signature: hexBytes(65, 70),
      kind: fc.constantFrom(...SignatureResponse.kinds),
    })
    fc.assert(
      fc.property(response, (value) => {
        const ur = SignatureResponse.toUr(value)
        expect(ur.type).toBe('airlock-signature')
        expect(SignatureResponse.fromUr(ur)).toEqual(value)
      }),
      { numRuns: 200 },
    )
    const sample = fc.sample(response, { numRuns: 1, seed: 1 })[0]!
    const bytes = edit(SignatureResponse.encode(sample), (map) => map.set(5, 'ledger-signature'))
    expect(catchError(() => SignatureResponse.decode(bytes))).toMatchObject({
      name: 'Transport.InvalidFieldError',
      field: 'kind',
    })
  })

  it('PolicyBundle carries the document bytes untouched', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        (version, document) => {
          expect(PolicyBundle.fromUr(PolicyBundle.toUr({ version, document }))).toEqual({ version, document })
        },
      ),
      { numRuns: 200 },
    )
    expect(catchError(() => PolicyBundle.encode({ version: 1, document: new Uint8Array() }))).toMatchObject({
      field: 'document',
    })
  })

  it('AuditLogExport round-trips and refuses a backwards range', () => {
    const exported = {
      signer: new Uint8Array(33).fill(2),
      entries: new TextEncoder().encode('{"seq":1}\n{"seq":2}\n'),
      firstSequence: 1,
      lastSequence: 2,
    }
    expect(AuditLogExport.fromUr(AuditLogExport.toUr(exported))).toEqual(exported)
    expect(catchError(() => AuditLogExport.encode({ ...exported, firstSequence: 3 }))).toMatchObject({
      name: 'Transport.InvalidFieldError',
      field: 'lastSequence',
    })
  })

  it('each format refuses the others’ bytes with a typed error', () => {
    const bundle = PolicyBundle.encode({ version: 1, document: new Uint8Array([1]) })
    for (const decode of [SignRequest.decode, SignatureResponse.decode, AuditLogExport.decode]) {
      expect(catchError(() => decode(bundle)).name).toMatch(
        /^Transport\.(MissingFieldError|UnknownFieldError|InvalidFieldError)$/,
      )
    }
  })
})
