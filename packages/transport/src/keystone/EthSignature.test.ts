import { SafeTxHash } from '@airlock/safe'
import { ETHSignature, EthSignRequest as KeystoneRequest } from '@keystonehq/bc-ur-registry-eth'
import { KeystoneSDK, UR, UREncoder, utils } from '@keystonehq/keystone-sdk'
import fc from 'fast-check'
import { bytesToHex, type Hex, hexToBytes, type TypedDataDefinition } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import * as Ur from '../Ur.ts'
import * as EthSignature from './EthSignature.ts'
import * as EthSignRequest from './EthSignRequest.ts'
import { context, MNEMONIC, masterFingerprint, owner, PATH, tx } from './testFixtures.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/**
 * Stands in for the Keystone: reads our request with Keystone's own registry, signs the typed data JSON
 * it carries with the test key, and answers with Keystone's own `ETHSignature`.
 */
async function keystoneSigns(
  requestCbor: Uint8Array,
  { vForm = (v: number) => [v] }: { vForm?: (v: number, chainId: number) => number[] } = {},
): Promise<{ cbor: Uint8Array; plain: Hex }> {
  const request = KeystoneRequest.fromCBOR(Buffer.from(requestCbor))
  const typedData = JSON.parse(request.getSignData().toString('utf8')) as TypedDataDefinition
  const plain = await owner.signTypedData(typedData)
  const bytes = hexToBytes(plain)
  const v = vForm(bytes[64]!, request.getChainId() ?? 1)
  const signature = Buffer.from([...bytes.subarray(0, 64), ...v])
  const answer = new ETHSignature(signature, request.getRequestId(), 'Keystone 3 Pro')
  return { cbor: new Uint8Array(answer.toCBOR()), plain }
}

function request(chainId: bigint) {
  return EthSignRequest.fromSafeTx({
    tx,
    context: context(chainId),
    path: PATH,
    sourceFingerprint: masterFingerprint,
    address: owner.address,
  })
}

function catchName(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    return (error as Error).name
  }
  return 'no error'
}

describe('EthSignature: a Keystone signature for our request', () => {
  it('is accepted and recovers to the owner (chain 1, one-byte v)', async () => {
    const sent = request(1n)
    const { cbor, plain } = await keystoneSigns(EthSignRequest.encode(sent))
    const accepted = EthSignature.accept({
      ur: { type: 'eth-signature', payload: cbor },
      requestId: sent.requestId!,
      chainId: 1n,
    })
    expect(accepted).toEqual({ requestId: sent.requestId, signature: plain, origin: 'Keystone 3 Pro' })
    const { signer, entry } = EthSignature.verifySigner({
      signature: accepted.signature,
      tx,
      context: context(1n),
      owner: owner.address,
    })
    expect(signer).toBe(owner.address)
    expect(entry).toEqual({
      type: 'ecdsa',
      r: plain.slice(0, 66),
      s: `0x${plain.slice(66, 130)}`,
      v: Number(`0x${plain.slice(130)}`),
    })
  })

  // Chains above 109 put EIP-155 v (chainId * 2 + 35 + parity) above 255: two bytes, a 66-byte signature.
  for (const chainId of [137n, 8453n]) {
    it(`normalises a 66-byte EIP-155 signature on chain ${chainId}`, async () => {
      const sent = request(chainId)
      const { cbor, plain } = await keystoneSigns(EthSignRequest.encode(sent), {
        vForm: (v, chain) => {
          const eip155 = chain * 2 + 35 + (v - 27)
          return [eip155 >> 8, eip155 & 0xff]
        },
      })
      expect(EthSignature.decode(cbor).signature).toHaveLength(66)
      const accepted = EthSignature.accept({
        ur: { type: 'eth-signature', payload: cbor },
        requestId: sent.requestId!,
        chainId,
      })
      expect(accepted.signature).toBe(plain)
      expect(hexToBytes(accepted.signature)).toHaveLength(65)
      expect(
        EthSignature.verifySigner({
          signature: accepted.signature,
          tx,
          context: context(chainId),
          owner: owner.address,
        }).signer,
      ).toBe(owner.address)
    })
  }

  it('normalises every v form (0/1, 27/28, one-byte EIP-155) to 27/28', async () => {
    const forms: Record<string, (v: number, chain: number) => number[]> = {
      parity: (v) => [v - 27],
      legacy: (v) => [v],
      eip155: (v, chain) => [chain * 2 + 35 + (v - 27)],
    }
    for (const form of Object.values(forms)) {
      const sent = request(56n)
      const { cbor, plain } = await keystoneSigns(EthSignRequest.encode(sent), { vForm: form })
      expect(
        EthSignature.accept({
          ur: { type: 'eth-signature', payload: cbor },
          requestId: sent.requestId!,
          chainId: 56n,
        }).signature,
      ).toBe(plain)
    }
  })

  it('is rejected when another key signed', async () => {
    const sent = request(1n)
    const other = mnemonicToAccount(MNEMONIC, { addressIndex: 1 })
    const signature = await other.signTypedData(SafeTxHash.typedData({ tx, context: context(1n) }))
    const cbor = EthSignature.encode({ requestId: sent.requestId, signature: hexToBytes(signature) })
    const accepted = EthSignature.accept({
      ur: { type: 'eth-signature', payload: cbor },
      requestId: sent.requestId!,
      chainId: 1n,
    })
    expect(
      catchName(() =>
        EthSignature.verifySigner({
          signature: accepted.signature,
          tx,
          context: context(1n),
          owner: owner.address,
        }),
      ),
    ).toBe('Transport.KeystoneSignerMismatchError')
    expect(
      EthSignature.verifySigner({
        signature: accepted.signature,
        tx,
        context: context(1n),
        owner: other.address,
      }).signer,
    ).toBe(other.address)
    // The same signature over another transaction recovers to someone else too.
    expect(
      catchName(() =>
        EthSignature.verifySigner({
          signature: accepted.signature,
          tx: { ...tx, nonce: tx.nonce + 1n },
          context: context(1n),
          owner: other.address,
        }),
      ),
    ).toBe('Transport.KeystoneSignerMismatchError')
    // A high-s twin of a valid signature recovers on chain but Airlock refuses it.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const bytes = hexToBytes(accepted.signature)
    const highS = n - BigInt(bytesToHex(bytes.subarray(32, 64)))
    const twin = bytesToHex(
      new Uint8Array([
        ...bytes.subarray(0, 32),
        ...hexToBytes(`0x${highS.toString(16).padStart(64, '0')}`),
        55 - bytes[64]!,
      ]),
    )
    expect(
      catchName(() =>
        EthSignature.verifySigner({ signature: twin, tx, context: context(1n), owner: other.address }),
      ),
    ).toBe('Safe.MalleableSignatureError')
  })
})

describe('EthSignature: interop with Keystone’s packages', () => {
  it('decodes the published keystone-sdk vector', () => {
    // KeystoneHQ/keystone-sdk-web ethereum.test.ts parseSignature
    const cbor = hexToBytes(
      '0xa301d825509b1deb4d3b7d4bad9bdd2b0d7b3dcb6d025841d4f0a7bcd95bba1fbb1051885054730e3f47064288575aacc102fbbf6a9a14daa066991e360d3e3406c20c00a40973eff37c7d641e5b351ec4a99bfe86f335f71303686b657973746f6e65',
    )
    const decoded = EthSignature.decode(cbor)
    expect(decoded.requestId).toBe('9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d')
    expect(hex(decoded.signature)).toBe(
      'd4f0a7bcd95bba1fbb1051885054730e3f47064288575aacc102fbbf6a9a14daa066991e360d3e3406c20c00a40973eff37c7d641e5b351ec4a99bfe86f335f713',
    )
    expect(decoded.origin).toBe('keystone')
    // Its v is 0x13 (a placeholder, not a real signature): accept refuses it with a typed error.
    expect(
      catchName(() =>
        EthSignature.accept({
          ur: { type: 'eth-signature', payload: cbor },
          requestId: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
          chainId: 1n,
        }),
      ),
    ).toBe('Transport.KeystoneSignatureVError')
  })

  it('decodes the published ur-registry-eth UR vector', () => {
    // KeystoneHQ/keystone-sdk-base ur-registry-eth EthSignature.test.ts
    const part = Ur.parse(
      'ur:eth-signature/oeadtpdagdndcawmgtfrkigrpmndutdnbtkgfssbjnaohdfptywtosrftahprdctrkbegylogdghjkbafhflamfwlohghtpsseaozorsimnybbtnnbiynlckenbtfmeeamsabnaeoxasjkwswfkekiieckhpecckssptndzelnwfecylbwdlsgvazt',
    )
    if (part.kind !== 'single') throw new Error('expected a single-part UR')
    expect(part.type).toBe(EthSignature.urType)
    expect(EthSignature.decode(part.message)).toEqual({
      requestId: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
      signature: hexToBytes(
        '0xd4f0a7bcd95bba1fbb1051885054730e3f47064288575aacc102fbbf6a9a14daa066991e360d3e3406c20c00a40973eff37c7d641e5b351ec4a99bfe86f335f713',
      ),
      origin: undefined,
    })
  })

  it('encodes byte-identically to ETHSignature, and keystone-sdk parses ours', () => {
    fc.assert(
      fc.property(
        fc.uuid({ version: 4 }),
        fc.uint8Array({ minLength: 65, maxLength: 66 }),
        fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined }),
        (requestId, signature, origin) => {
          const ours = EthSignature.encode({ requestId, signature, origin })
          const theirs = new ETHSignature(Buffer.from(signature), utils.uuidParse(requestId), origin).toCBOR()
          expect(hex(ours)).toBe(theirs.toString('hex'))
          expect(new KeystoneSDK().eth.parseSignature(new UR(Buffer.from(ours), 'eth-signature'))).toEqual({
            requestId,
            signature: hex(signature),
            origin,
          })
          expect(EthSignature.decode(ours)).toEqual({ requestId, signature, origin })
        },
      ),
      { numRuns: 100 },
    )
  })

  it('reads a signature animated by Keystone’s own UR encoder', async () => {
    const sent = request(8453n)
    const { cbor, plain } = await keystoneSigns(EthSignRequest.encode(sent))
    const encoder = new UREncoder(new UR(Buffer.from(cbor), 'eth-signature'), 30)
    const { UrDecoder } = await import('../UrDecoder.ts')
    const decoder = new UrDecoder({ expectedTypes: [EthSignature.urType] })
    let result: Ur.UrResult | undefined
    for (let i = 0; i < 50 && !result; i++) {
      const status = decoder.receive(encoder.nextPart())
      if (status.status === 'complete') result = status.result
    }
    expect(result).toBeDefined()
    const accepted = EthSignature.accept({ ur: result!, requestId: sent.requestId!, chainId: 8453n })
    expect(accepted.signature).toBe(plain)
  })
})

describe('EthSignature: typed errors', () => {
  const REQUEST_ID = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'
  const OTHER_ID = '1b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'
  const sig = (v: number[]) => new Uint8Array([...new Uint8Array(31), 1, ...new Uint8Array(31), 2, ...v])
  const acceptRaw = (
    signature: Uint8Array,
    // signedId: the id inside the signature; null for a signature that names no request.
    { signedId = REQUEST_ID as string | null, chainId = 1n } = {},
  ) =>
    EthSignature.accept({
      ur: {
        type: 'eth-signature',
        payload: EthSignature.encode({ requestId: signedId ?? undefined, signature }),
      },
      requestId: REQUEST_ID,
      chainId,
    })

  it('refuses another UR type', () => {
    const payload = EthSignature.encode({ requestId: REQUEST_ID, signature: sig([27]) })
    expect(
      catchName(() =>
        EthSignature.accept({
          ur: { type: 'eth-sign-request', payload },
          requestId: REQUEST_ID,
          chainId: 1n,
        }),
      ),
    ).toBe('Transport.UrTypeMismatchError')
  })

  it('refuses a signature for another request, or for none', () => {
    expect(catchName(() => acceptRaw(sig([27]), { signedId: OTHER_ID }))).toBe(
      'Transport.KeystoneRequestIdMismatchError',
    )
    expect(catchName(() => acceptRaw(sig([27]), { signedId: null }))).toBe(
      'Transport.KeystoneRequestIdMismatchError',
    )
    expect(acceptRaw(sig([27])).requestId).toBe(REQUEST_ID)
    // Case does not matter: ids compare as UUIDs.
    const payload = EthSignature.encode({ requestId: REQUEST_ID, signature: sig([27]) })
    expect(
      EthSignature.accept({
        ur: { type: 'eth-signature', payload },
        requestId: REQUEST_ID.toUpperCase(),
        chainId: 1n,
      }).requestId,
    ).toBe(REQUEST_ID)
  })

  it('refuses signatures that are not 65 or 66 bytes', () => {
    for (const length of [0, 64, 67, 130]) {
      expect(catchName(() => acceptRaw(new Uint8Array(length).fill(1)))).toBe(
        'Transport.KeystoneSignatureLengthError',
      )
    }
  })

  it('refuses a bad v', () => {
    for (const v of [[2], [26], [29], [35], [36], [39], [0x01, 0x35]]) {
      // On chain 1 only 0, 1, 27, 28, 37 and 38 are valid; 0x0135 is chain 137's EIP-155 v.
      expect(catchName(() => acceptRaw(sig(v), { chainId: 1n }))).toBe('Transport.KeystoneSignatureVError')
    }
    expect(catchName(() => acceptRaw(sig([0x01, 0x35]), { chainId: 137n }))).toBe('no error')
    expect(catchName(() => acceptRaw(sig([0x42, 0x2e]), { chainId: 8453n }))).toBe('no error')
    expect(catchName(() => acceptRaw(sig([0x42, 0x2f]), { chainId: 8453n }))).toBe(
      'Transport.KeystoneSignatureVError',
    )
  })

  it('refuses r or s out of range', () => {
    const n = hexToBytes('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')
    const one = new Uint8Array(32)
    one[31] = 1
    for (const [r, s] of [
      [new Uint8Array(32), one],
      [one, new Uint8Array(32)],
      [n, one],
      [one, n],
    ]) {
      expect(catchName(() => acceptRaw(new Uint8Array([...r!, ...s!, 27])))).toBe(
        'Transport.KeystoneSignatureValueError',
      )
    }
  })

  it('refuses malformed CBOR with a typed error', () => {
    const good = EthSignature.encode({ requestId: REQUEST_ID, signature: sig([27]) })
    for (const payload of [
      new Uint8Array(),
      good.subarray(0, 10),
      new Uint8Array([...good, 0]),
      hexToBytes('0xa0'), // empty map: no signature
      hexToBytes('0xa1026568656c6c6f'), // signature as text
      hexToBytes('0xa2015000000000000000000000000000000000024101'), // untagged request id
      hexToBytes('0xa201d8254400000000024101'), // 4-byte request id
    ]) {
      expect(catchName(() => EthSignature.decode(payload))).toBe('Transport.KeystoneMalformedError')
      expect(
        catchName(() =>
          EthSignature.accept({ ur: { type: 'eth-signature', payload }, requestId: REQUEST_ID, chainId: 1n }),
        ),
      ).toBe('Transport.KeystoneMalformedError')
    }
    expect(
      catchName(() =>
        EthSignature.accept({ ur: { type: 'eth-signature', payload: good }, requestId: 'x', chainId: 1n }),
      ),
    ).toBe('Transport.KeystoneRequestParameterError')
  })

  it('keeps r and s and only rewrites v (any valid signature bytes)', () => {
    fc.assert(
      fc.property(
        fc
          .uint8Array({ minLength: 64, maxLength: 64 })
          .filter(
            (b) =>
              b.some((x, i) => i < 32 && x !== 0) &&
              b.some((x, i) => i >= 32 && x !== 0) &&
              b[0]! < 0xff &&
              b[32]! < 0xff,
          ),
        fc.boolean(),
        // Up to the largest chain whose EIP-155 v still fits two bytes.
        fc.integer({ min: 1, max: 32749 }),
        fc.constantFrom('parity', 'legacy', 'eip155'),
        (rs, odd, chain, form) => {
          const parity = odd ? 1 : 0
          const eip155 = chain * 2 + 35 + parity
          const v =
            form === 'parity'
              ? [parity]
              : form === 'legacy'
                ? [27 + parity]
                : eip155 < 256
                  ? [eip155]
                  : [eip155 >> 8, eip155 & 0xff]
          const chainId = BigInt(chain)
          const normalised = EthSignature.normalize({ signature: new Uint8Array([...rs, ...v]), chainId })
          expect(normalised).toBe(bytesToHex(new Uint8Array([...rs, 27 + parity])))
        },
      ),
      { numRuns: 200 },
    )
  })
})
