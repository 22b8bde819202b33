import { SafeTx, SafeTxHash, SafeVersion } from '@airlock/safe'
import {
  DataType as KeystoneDataType,
  EthSignRequest as KeystoneRequest,
} from '@keystonehq/bc-ur-registry-eth'
import { KeystoneSDK, URDecoder, UREncoder, utils } from '@keystonehq/keystone-sdk'
import { encode as encodeCbor, Tagged } from 'cborg'
import fc from 'fast-check'
import { type Address, bytesToHex, getAddress, hashTypedData, type TypedDataDefinition } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Ur from '../Ur.ts'
import { UrDecoder } from '../UrDecoder.ts'
import * as EthSignRequest from './EthSignRequest.ts'
import { context, masterFingerprint, owner, PATH, safe, tx } from './testFixtures.ts'

const REQUEST_ID = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

function ourRequest(chainId = 1n, version: SafeVersion.SafeVersion = '1.4.1') {
  return EthSignRequest.fromSafeTx({
    tx,
    context: context(chainId, version),
    path: PATH,
    sourceFingerprint: masterFingerprint,
    address: owner.address,
    requestId: REQUEST_ID,
  })
}

/** What a device gets out of the request: the JSON, parsed, hashed by an independent EIP-712 implementation. */
function deviceHash(signData: Uint8Array): string {
  return hashTypedData(JSON.parse(Buffer.from(signData).toString('utf8')) as TypedDataDefinition)
}

describe('EthSignRequest: our request, read by Keystone', () => {
  it('decodes with bc-ur-registry-eth, every field equal', () => {
    const request = ourRequest(8453n)
    const theirs = KeystoneRequest.fromCBOR(Buffer.from(EthSignRequest.encode(request)))
    expect(utils.uuidStringify(theirs.getRequestId()!)).toBe(REQUEST_ID)
    expect(theirs.getDataType()).toBe(KeystoneDataType.typedData)
    expect(theirs.getChainId()).toBe(8453)
    expect(theirs.getDerivationPath()).toBe("44'/60'/0'/0/0")
    expect(theirs.getSourceFingerprint()?.toString('hex')).toBe(masterFingerprint)
    expect(getAddress(`0x${theirs.getSignRequestAddress()?.toString('hex')}`)).toBe(owner.address)
    expect(theirs.getOrigin()).toBe('Airlock')
    expect(hex(theirs.getSignData())).toBe(hex(request.signData))
  })

  it('carries the Safe typed data as JSON that hashes to the safeTxHash', () => {
    for (const version of SafeVersion.supported) {
      const request = ourRequest(137n, version)
      const theirs = KeystoneRequest.fromCBOR(Buffer.from(EthSignRequest.encode(request)))
      const json = JSON.parse(theirs.getSignData().toString('utf8'))
      expect(json.primaryType).toBe('SafeTx')
      expect(json.domain.verifyingContract).toBe(safe)
      expect(json.domain.chainId).toBe(SafeVersion.domainHasChainId(version) ? 137 : undefined)
      expect(json.message.nonce).toBe('42')
      expect(json.message.data).toBe(tx.data)
      expect(deviceHash(theirs.getSignData())).toBe(
        SafeTxHash.compute({ tx, context: context(137n, version) }).safeTxHash,
      )
    }
  })

  it('is byte-identical to the request Keystone’s constructETHRequest builds', () => {
    const request = ourRequest(8453n)
    const theirs = KeystoneRequest.constructETHRequest(
      Buffer.from(request.signData),
      KeystoneDataType.typedData,
      PATH,
      masterFingerprint,
      REQUEST_ID,
      8453,
      owner.address,
      'Airlock',
    )
    expect(hex(EthSignRequest.encode(request))).toBe(theirs.toCBOR().toString('hex'))
    // The SDK's request, and its single-part UR text, are the same as ours.
    const theirUr = new KeystoneSDK().eth.generateSignRequest({
      requestId: REQUEST_ID,
      signData: hex(request.signData),
      dataType: KeystoneDataType.typedData,
      path: PATH,
      xfp: masterFingerprint,
      chainId: 8453,
      address: owner.address.slice(2),
      origin: 'Airlock',
    })
    expect(theirUr.type).toBe(EthSignRequest.urType)
    expect(hex(theirUr.cbor)).toBe(hex(EthSignRequest.encode(request)))
    expect(EthSignRequest.toUr(request)).toBe(UREncoder.encodeSinglePart(theirUr).toUpperCase())
  })

  it('animates through our UR encoder and reassembles in Keystone’s UR decoder', () => {
    const request = ourRequest(1n)
    const payload = EthSignRequest.encode(request)
    const encoder = Ur.encode({ type: EthSignRequest.urType, payload, maxFragmentLength: 100 })
    expect(encoder.isSinglePart).toBe(false)
    const decoder = new URDecoder()
    for (const part of encoder.firstParts()) decoder.receivePart(part)
    expect(decoder.isSuccess()).toBe(true)
    const result = decoder.resultUR()
    expect(result.type).toBe('eth-sign-request')
    expect(hex(result.cbor)).toBe(hex(payload))
  })

  it('round-trips through our own decoder', () => {
    const request = ourRequest(10n)
    const decoded = EthSignRequest.decode(EthSignRequest.encode(request))
    expect(decoded).toEqual({ ...request, path: PATH, sourceFingerprint: 0x73c5da0a })
    expect(EthSignRequest.typedData(decoded)).toEqual(
      JSON.parse(EthSignRequest.safeTypedDataJson({ tx, context: context(10n) })),
    )
  })

  it('matches Keystone’s encoding for any transaction, chain, path and id', () => {
    const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)))
    fc.assert(
      fc.property(
        fc.record({
          to: address,
          value: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
          data: fc.uint8Array({ maxLength: 300 }).map((b) => bytesToHex(b)),
          operation: fc.constantFrom(0, 1),
          nonce: fc.bigInt({ min: 0n, max: 1n << 64n }),
        }),
        fc.bigInt({ min: 1n, max: BigInt(Number.MAX_SAFE_INTEGER) }),
        fc.constantFrom(...SafeVersion.supported),
        fc.array(fc.tuple(fc.nat({ max: 0x7fffffff }), fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 0xffffffff }),
        fc.uuid({ version: 4 }),
        address,
        fc.string({ minLength: 1, maxLength: 30 }),
        (input, chainId, version, steps, fingerprint, requestId, signer, origin) => {
          const path = `m/${steps.map(([i, h]) => `${i}${h ? "'" : ''}`).join('/')}`
          const xfp = fingerprint.toString(16).padStart(8, '0')
          const request = EthSignRequest.fromSafeTx({
            tx: SafeTx.from(input),
            context: { chainId, safe, version },
            path,
            sourceFingerprint: xfp,
            address: signer,
            requestId,
            origin,
          })
          const ours = EthSignRequest.encode(request)
          const theirs = KeystoneRequest.constructETHRequest(
            Buffer.from(request.signData),
            KeystoneDataType.typedData,
            path,
            xfp,
            requestId,
            Number(chainId),
            signer,
            origin,
          ).toCBOR()
          expect(hex(ours)).toBe(theirs.toString('hex'))
          expect(EthSignRequest.decode(ours)).toEqual({ ...request, sourceFingerprint: fingerprint })
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('EthSignRequest: Keystone’s requests, read by us', () => {
  it('decodes a request built by constructETHRequest, typed data JSON equal', () => {
    const typed = SafeTxHash.typedData({ tx, context: context(137n) })
    const json = JSON.stringify(typed, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
    const theirs = KeystoneRequest.constructETHRequest(
      Buffer.from(json, 'utf8'),
      KeystoneDataType.typedData,
      "M/44'/60'/0'/0/3",
      'deadbeef',
      REQUEST_ID,
      137,
      owner.address,
      'MetaMask',
    )
    const ours = EthSignRequest.fromUr({ type: 'eth-sign-request', payload: new Uint8Array(theirs.toCBOR()) })
    expect(ours).toEqual({
      requestId: REQUEST_ID,
      signData: new Uint8Array(Buffer.from(json, 'utf8')),
      dataType: EthSignRequest.DataType.typedData,
      chainId: 137n,
      path: "m/44'/60'/0'/0/3",
      sourceFingerprint: 0xdeadbeef,
      address: owner.address,
      origin: 'MetaMask',
    })
    expect(EthSignRequest.typedData(ours)).toEqual(JSON.parse(json))
  })

  // Published vectors: KeystoneHQ/keystone-sdk-base ur-registry-eth EthSignRequest.test.ts and
  // KeystoneHQ/keystone-sdk-web ethereum.test.ts (an RLP legacy transaction, m/44'/1'/1'/0/1, xfp 12345678).
  const vectorSignData =
    'f849808609184e72a00082271094000000000000000000000000000000000000000080a47f7465737432000000000000000000000000000000000000000000000000000000600057808080'
  const vectors = [
    {
      name: 'ur-registry-eth, with origin',
      ur: 'ur:eth-sign-request/oladtpdagdndcawmgtfrkigrpmndutdnbtkgfssbjnaohdgryagalalnascsgljpnbaelfdibemwaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaelaoxlbjyihjkjyeyaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaehnaehglalalaaxadaaadahtaaddyoeadlecsdwykadykadykaewkadwkaocybgeehfksatisjnihjyhsjnhsjkjetlnndant',
      origin: 'metamask',
    },
    {
      name: 'ur-registry-eth, constructETHRequest',
      ur: 'ur:eth-sign-request/onadtpdagdndcawmgtfrkigrpmndutdnbtkgfssbjnaohdgryagalalnascsgljpnbaelfdibemwaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaelaoxlbjyihjkjyeyaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaehnaehglalalaaxadaaadahtaaddyoeadlecsdwykadykadykaewkadwkaocybgeehfkswdtklffd',
      origin: undefined,
    },
  ]
  for (const vector of vectors) {
    it(`decodes the published vector (${vector.name})`, () => {
      const part = Ur.parse(vector.ur)
      if (part.kind !== 'single') throw new Error('expected a single-part UR')
      const request = EthSignRequest.fromUr({ type: part.type, payload: part.message })
      expect(request).toEqual({
        requestId: REQUEST_ID,
        signData: new Uint8Array(Buffer.from(vectorSignData, 'hex')),
        dataType: EthSignRequest.DataType.transaction,
        chainId: 1n,
        path: "m/44'/1'/1'/0/1",
        sourceFingerprint: 0x12345678,
        address: undefined,
        origin: vector.origin,
      })
      // Re-encoding gives the published bytes back.
      expect(hex(EthSignRequest.encode(request))).toBe(hex(part.message))
    })
  }

  it('decodes the keystone-sdk vector whose address is an empty byte string', () => {
    const cbor =
      'a701d825509b1deb4d3b7d4bad9bdd2b0d7b3dcb6d02584bf849808609184e72a00082271094000000000000000000000000000000000000000080a47f74657374320000000000000000000000000000000000000000000000000000006000578080800301040105d90130a2018a182cf501f501f500f401f4021a12345678064007686d6574616d61736b'
    const request = EthSignRequest.decode(new Uint8Array(Buffer.from(cbor, 'hex')))
    expect(request.address).toBeUndefined()
    expect(request.origin).toBe('metamask')
    expect(hex(request.signData)).toBe(vectorSignData)
  })

  it('decodes the ur-registry-rust vector (an EIP-1559 transaction) like Keystone’s decoder', () => {
    const text =
      'ur:eth-sign-request/onadtpdagdwnbstbpfkidafxlbprqzdiktfldlaxheaohddlaoweaalalrhkisdlaelrhkisdlcwlfgmaymwvttkvsptykhkfwswosbdlrhhtiknftkihsnbfxdalnhtwfbeknfzaelartaxaaaaaaahtaaddyoeadlocsdwykcsfnykaeykaewkaocyjokbwejzvdrtpssp'
    const part = Ur.parse(text)
    if (part.kind !== 'single') throw new Error('expected a single-part UR')
    const ours = EthSignRequest.decode(part.message)
    const theirs = KeystoneRequest.fromCBOR(Buffer.from(part.message))
    expect(hex(ours.signData)).toBe(
      '02ed04808459682f008459682f1b82520894e0cfe8a9f55942c6a70b845cd07a3a7d61a04325865af3107a400080c0',
    )
    expect(ours.requestId).toBe(utils.uuidStringify(theirs.getRequestId()!))
    expect(ours.dataType).toBe(theirs.getDataType())
    expect(ours.chainId).toBe(BigInt(theirs.getChainId()!))
    expect(ours.path).toBe(`m/${theirs.getDerivationPath()}`)
    expect(ours.sourceFingerprint).toBe(theirs.getSourceFingerprint()?.readUInt32BE(0))
    expect(ours.origin).toBe(theirs.getOrigin())
  })
})

describe('EthSignRequest: typed errors', () => {
  const valid = () => EthSignRequest.encode(ourRequest())
  const catchName = (run: () => unknown) => {
    try {
      run()
    } catch (error) {
      return (error as Error).name
    }
    return 'no error'
  }

  it('refuses another UR type', () => {
    expect(catchName(() => EthSignRequest.fromUr({ type: 'eth-signature', payload: valid() }))).toBe(
      'Transport.UrTypeMismatchError',
    )
  })

  it('refuses unknown data types and asks for typed data', () => {
    const theirs = (dataType: number) =>
      new Uint8Array(
        KeystoneRequest.constructETHRequest(
          Buffer.from('00', 'hex'),
          dataType,
          PATH,
          'deadbeef',
          REQUEST_ID,
          1,
        ).toCBOR(),
      )
    expect(catchName(() => EthSignRequest.decode(theirs(5)))).toBe('Transport.KeystoneDataTypeError')
    expect(catchName(() => EthSignRequest.decode(theirs(0)))).toBe('Transport.KeystoneDataTypeError')
    const personal = EthSignRequest.decode(theirs(KeystoneDataType.personalMessage))
    expect(catchName(() => EthSignRequest.typedData(personal))).toBe('Transport.KeystoneDataTypeError')
    expect(
      catchName(() => EthSignRequest.encode({ ...ourRequest(), dataType: 7 as EthSignRequest.DataType })),
    ).toBe('Transport.KeystoneDataTypeError')
  })

  it('refuses typed data that is not JSON or lacks its parts', () => {
    const request = ourRequest()
    for (const text of ['{not json', '[]', '{"types":{},"primaryType":"X","domain":{}}']) {
      const bad = { ...request, signData: new TextEncoder().encode(text) }
      expect(catchName(() => EthSignRequest.typedData(bad))).toBe('Transport.KeystoneMalformedError')
    }
    const notUtf8 = { ...request, signData: new Uint8Array([0xff, 0xfe]) }
    expect(catchName(() => EthSignRequest.typedData(notUtf8))).toBe('Transport.KeystoneMalformedError')
  })

  it('refuses malformed CBOR with a typed error, never a crash', () => {
    const bytes = valid()
    const keypath = new Tagged(304, new Map<number, unknown>([[1, [44, true]]]))
    const cases: Uint8Array[] = [
      new Uint8Array([]),
      new Uint8Array([0xff]),
      bytes.subarray(0, bytes.length - 3),
      new Uint8Array([...bytes, 0x00]),
      encodeCbor([1, 2]), // an array, not a map
      encodeCbor(new Map([[3, 2]])), // typed data, nothing else
      encodeCbor(
        new Map<number, unknown>([
          [2, new Uint8Array([0])],
          [3, 2],
          [5, new Map([[1, [44, true]]])],
        ]),
      ), // untagged path
      encodeCbor(
        new Map<number, unknown>([
          [2, new Uint8Array([0])],
          [3, 2],
          [5, new Tagged(304, new Map([[1, [44]]]))],
        ]),
      ), // odd components
      encodeCbor(
        new Map<number, unknown>([
          [2, 'text'],
          [3, 2],
          [5, keypath],
        ]),
      ), // sign data as text
      encodeCbor(
        new Map<number, unknown>([
          [2, new Uint8Array([0])],
          [3, 2],
          [4, -1],
          [5, keypath],
        ]),
      ), // negative chain id
      encodeCbor(
        new Map<number, unknown>([
          [2, new Uint8Array([0])],
          [3, 2],
          [5, keypath],
          [7, 7],
        ]),
      ), // origin not text
      encodeCbor(
        new Map<number, unknown>([
          [2, new Uint8Array([0])],
          [3, 2],
          [5, new Tagged(99, 1)],
        ]),
      ), // unknown tag
    ]
    for (const cbor of cases) {
      expect(catchName(() => EthSignRequest.decode(cbor))).toMatch(
        /^Transport\.Keystone(Malformed|DataType)Error$/,
      )
    }
    // A keypath without a source fingerprint is valid CDDL; it decodes with the fingerprint absent.
    const minimal = encodeCbor(
      new Map<number, unknown>([
        [2, new Uint8Array([0])],
        [3, 2],
        [5, keypath],
      ]),
    )
    expect(EthSignRequest.decode(minimal)).toEqual({
      requestId: undefined,
      signData: new Uint8Array([0]),
      dataType: 2,
      chainId: undefined,
      path: "m/44'",
      sourceFingerprint: undefined,
      address: undefined,
      origin: undefined,
    })
  })

  it('refuses a request id that is not a tagged 16-byte UUID, and a bad address', () => {
    const base = Buffer.from(valid()).toString('hex')
    const untagged = base.replace('01d82550', '0150')
    expect(catchName(() => EthSignRequest.decode(new Uint8Array(Buffer.from(untagged, 'hex'))))).toBe(
      'Transport.KeystoneMalformedError',
    )
    const shortAddress = hex(
      KeystoneRequest.constructETHRequest(
        Buffer.from('00', 'hex'),
        2,
        PATH,
        'deadbeef',
        REQUEST_ID,
        1,
        '0x1234',
      ).toCBOR(),
    )
    expect(catchName(() => EthSignRequest.decode(new Uint8Array(Buffer.from(shortAddress, 'hex'))))).toBe(
      'Transport.KeystoneMalformedError',
    )
  })

  it('refuses bad build parameters', () => {
    const build = (overrides: Partial<EthSignRequest.FromSafeTxParameters>) => () =>
      EthSignRequest.fromSafeTx({
        tx,
        context: context(1n),
        path: PATH,
        sourceFingerprint: masterFingerprint,
        address: owner.address,
        ...overrides,
      })
    for (const path of ['', 'm/', "m/44'/x", "m/44''/60", 'm/2147483648', "m/44'//0"]) {
      expect(catchName(build({ path }))).toBe('Transport.KeystoneRequestParameterError')
    }
    for (const sourceFingerprint of ['73c5da0', '0x73c5da0a0', -1, 2 ** 32, 1.5]) {
      expect(catchName(build({ sourceFingerprint }))).toBe('Transport.KeystoneRequestParameterError')
    }
    expect(catchName(build({ requestId: 'not-a-uuid' }))).toBe('Transport.KeystoneRequestParameterError')
    expect(catchName(build({ address: '0x1234' }))).toBe('Safe.InvalidAddressError')
    expect(catchName(build({ context: { ...context(1n), chainId: 1n << 64n } }))).toBe(
      'Transport.KeystoneRequestParameterError',
    )
  })

  it('gives each request a fresh RFC 4122 v4 id when none is given', () => {
    const make = () =>
      EthSignRequest.fromSafeTx({
        tx,
        context: context(1n),
        path: PATH,
        sourceFingerprint: masterFingerprint,
        address: owner.address as Address,
      }).requestId
    const a = make()
    const b = make()
    expect(a).not.toBe(b)
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('is readable by the UR decoder the signer app uses', () => {
    const decoder = new UrDecoder({ expectedTypes: [EthSignRequest.urType] })
    const status = decoder.receive(EthSignRequest.toUr(ourRequest()))
    expect(status.status).toBe('complete')
    if (status.status === 'complete') expect(EthSignRequest.fromUr(status.result).requestId).toBe(REQUEST_ID)
  })
})
