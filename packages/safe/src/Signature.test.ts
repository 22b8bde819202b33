import { buildSignatureBytes, EthSafeSignature } from '@safe-global/protocol-kit'
import fc from 'fast-check'
import {
  type Address,
  bytesToHex,
  concat,
  getAddress,
  type Hex,
  hexToBigInt,
  keccak256,
  numberToHex,
  parseSignature,
  serializeCompactSignature,
  signatureToCompactSignature,
  toHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { InvalidHexError, InvalidSignatureError } from './errors.ts'
import * as SafeTx from './SafeTx.ts'
import * as SafeTxHash from './SafeTxHash.ts'
import * as Signature from './Signature.ts'

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

// Deterministic owners: keys derived from fixed labels, so vectors never change between runs.
const accounts = Array.from({ length: 6 }, (_, i) =>
  privateKeyToAccount(keccak256(toHex(`airlock-owner-${i}`))),
)
const [a0, a1, a2, a3, a4, outsider] = accounts as [
  (typeof accounts)[0],
  (typeof accounts)[0],
  (typeof accounts)[0],
  (typeof accounts)[0],
  (typeof accounts)[0],
  (typeof accounts)[0],
]
const owners = [a0, a1, a2, a3, a4].map((account) => account.address)
const byAddress = <T extends { address: Address }>(list: T[]) =>
  [...list].sort((x, y) => (hexToBigInt(x.address) < hexToBigInt(y.address) ? -1 : 1))

const tx = SafeTx.from({ to: '0x0000000000000000000000000000000000000001', value: '1', nonce: 3 })
const context = SafeTx.context({
  chainId: 1,
  safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
  version: '1.4.1',
})
const { safeTxHash } = SafeTxHash.compute({ tx, context })

async function ecdsa(account: typeof a0, hash: Hex = safeTxHash) {
  return Signature.fromEcdsa(await account.sign({ hash }))
}
async function ethSign(account: typeof a0, hash: Hex = safeTxHash) {
  return Signature.fromEthSign(await account.signMessage({ message: { raw: hash } }))
}
function withV(signature: Hex, v: number | number[]): Hex {
  return concat([signature.slice(0, 130) as Hex, bytesToHex(new Uint8Array(Array.isArray(v) ? v : [v]))])
}

describe('Signature.normalize', () => {
  it('maps v = 0/1, 27/28, EIP-155 and two-byte EIP-155 v to the same parity', async () => {
    const signature = await a0.sign({ hash: safeTxHash })
    const { r, s, yParity } = parseSignature(signature)
    const parity = yParity === 1 ? 1 : 0
    const expected = { r, s, yParity: parity }
    expect(Signature.normalize(signature)).toEqual(expected)
    expect(Signature.normalize(withV(signature, parity))).toEqual(expected)
    expect(Signature.normalize(withV(signature, 1 * 2 + 35 + parity), { chainId: 1n })).toEqual(expected)
    // Polygon (137): v = 309/310 needs two bytes.
    const v137 = 137 * 2 + 35 + parity
    expect(Signature.normalize(withV(signature, [v137 >> 8, v137 & 0xff]), { chainId: 137n })).toEqual(
      expected,
    )
    const compact = serializeCompactSignature(signatureToCompactSignature(parseSignature(signature)))
    expect(Signature.normalize(compact)).toEqual(expected)
  })

  it('refuses high s, zero or out-of-range r/s, unknown v, wrong chain and wrong length', async () => {
    const signature = await a0.sign({ hash: safeTxHash })
    const { r, s, yParity } = parseSignature(signature)
    const flipped: Signature.Ecdsa = {
      type: 'ecdsa',
      r,
      s: numberToHex(N - hexToBigInt(s), { size: 32 }),
      v: yParity === 1 ? 27 : 28,
    }
    const highS = Signature.encode([flipped])
    expect(() => Signature.normalize(highS)).toThrow(Signature.MalleableSignatureError)
    // Yet ecrecover yields the same signer for it: a malleable twin, which is why it is refused early.
    expect(Signature.recover({ signature: flipped, safeTxHash })).toBe(a0.address)

    const zeroR = concat([numberToHex(0, { size: 32 }), s, '0x1b'])
    expect(() => Signature.normalize(zeroR)).toThrow(InvalidSignatureError)
    const bigS = concat([r, numberToHex(N, { size: 32 }), '0x1b'])
    expect(() => Signature.normalize(bigS)).toThrow(InvalidSignatureError)
    expect(() => Signature.normalize(withV(signature, 29))).toThrow(/unknown v value 29/)
    expect(() => Signature.normalize(withV(signature, 37), { chainId: 5n })).toThrow(/for chain 1, not 5/)
    expect(() => Signature.normalize(signature.slice(0, 128) as Hex)).toThrow(/63 bytes/)
    expect(() => Signature.normalize('0x1234zz' as Hex)).toThrow(InvalidHexError)
  })
})

describe('Signature.recover', () => {
  it('recovers ECDSA over the safeTxHash and eth_sign over its EIP-191 digest', async () => {
    expect(Signature.recover({ signature: await ecdsa(a1), safeTxHash })).toBe(a1.address)
    const viaEthSign = await ethSign(a2)
    expect(viaEthSign.v === 31 || viaEthSign.v === 32).toBe(true)
    expect(Signature.recover({ signature: viaEthSign, safeTxHash })).toBe(a2.address)
    // An eth_sign signature read as plain ECDSA recovers someone else (a different digest).
    expect(
      Signature.recover({ signature: { ...viaEthSign, type: 'ecdsa', v: viaEthSign.v - 4 }, safeTxHash }),
    ).not.toBe(a2.address)
  })

  it('returns undefined where ecrecover returns nothing', async () => {
    const good = await ecdsa(a1)
    expect(Signature.recover({ signature: { ...good, v: 29 }, safeTxHash })).toBeUndefined()
    expect(
      Signature.recover({ signature: { ...good, r: numberToHex(0, { size: 32 }) }, safeTxHash }),
    ).toBeUndefined()
    expect(
      Signature.recover({ signature: { type: 'eth_sign', r: good.r, s: good.s, v: 33 }, safeTxHash }),
    ).toBeUndefined()
  })
})

describe('Signature.encode / parse', () => {
  it('lays out static parts, then contract data at the offsets named by s', () => {
    const verifier = getAddress('0x00000000000000000000000000000000000000aa')
    const owner = getAddress('0x00000000000000000000000000000000000000bb')
    const blob = Signature.encode([
      Signature.contract({ verifier, data: '0xdeadbeef' }),
      Signature.approvedHash(owner),
      Signature.contract({ verifier, data: '0x' }),
    ])
    const word = (n: number) => numberToHex(n, { size: 32 }).slice(2)
    const expected = `0x${word(0xaa)}${word(195)}00${word(0xbb)}${word(0)}01${word(0xaa)}${word(195 + 36)}00${word(4)}deadbeef${word(0)}`
    expect(blob).toBe(expected)
    expect(Signature.parse(blob)).toEqual([
      { type: 'contract', verifier, data: '0xdeadbeef' },
      { type: 'approved-hash', owner },
      { type: 'contract', verifier, data: '0x' },
    ])
    expect(Signature.parse('0x')).toEqual([])
  })

  const address = fc
    .uint8Array({ minLength: 20, maxLength: 20 })
    .map((bytes) => getAddress(bytesToHex(bytes)))
  const word = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex)
  const entry: fc.Arbitrary<Signature.Signature> = fc.oneof(
    fc.record({ type: fc.constant('ecdsa' as const), r: word, s: word, v: fc.integer({ min: 2, max: 30 }) }),
    fc.record({
      type: fc.constant('eth_sign' as const),
      r: word,
      s: word,
      v: fc.integer({ min: 31, max: 255 }),
    }),
    fc.record({ type: fc.constant('approved-hash' as const), owner: address }),
    fc.record({
      type: fc.constant('contract' as const),
      verifier: address,
      data: fc.uint8Array({ maxLength: 200 }).map(bytesToHex),
    }),
  )

  it('parse(encode(x)) is x, with and without a threshold', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        const blob = Signature.encode(entries)
        expect(Signature.parse(blob)).toEqual(entries)
        expect(Signature.parse(blob, { threshold: entries.length })).toEqual(entries)
      }),
      { numRuns: 300 },
    )
  })

  it('builds the same bytes as protocol-kit’s buildSignatureBytes', () => {
    const nonEcdsa = entry.filter((e) => e.type === 'approved-hash' || e.type === 'contract')
    fc.assert(
      fc.property(fc.uniqueArray(nonEcdsa, { maxLength: 6, selector: (e) => signerKey(e) }), (entries) => {
        const theirs = buildSignatureBytes(
          entries.map((e) =>
            e.type === 'contract'
              ? new EthSafeSignature(e.verifier, e.data, true)
              : new EthSafeSignature(e.type === 'approved-hash' ? e.owner : '', Signature.encode([e])),
          ),
        )
        expect(Signature.build({ signatures: entries, safeTxHash })).toBe(theirs.toLowerCase())
      }),
      { numRuns: 200 },
    )
  })

  it('throws typed errors for malformed blobs', async () => {
    const good = Signature.encode([await ecdsa(a0), Signature.approvedHash(a1.address)])
    const truncated = good.slice(0, -2) as Hex
    expect(() => Signature.parse(truncated, { threshold: 2 })).toThrow(Signature.SignaturesTruncatedError)
    expect(() => Signature.parse(truncated)).toThrowErrorMatchingInlineSnapshot(`
      [Safe.SignaturesTruncatedError: The signatures end with 64 stray bytes after 1 full signatures.
      Collect the signatures again and rebuild the blob with Signature.build; do not edit it by hand.
      Details: length 129 is not a multiple of 65]
    `)

    const verifier = a2.address
    const contract = Signature.encode([
      Signature.contract({ verifier, data: '0x1234' }),
      Signature.approvedHash(a1.address),
    ])
    const setOffset = (offset: number) =>
      `${contract.slice(0, 2 + 64)}${numberToHex(offset, { size: 32 }).slice(2)}${contract.slice(2 + 128)}` as Hex
    // Into the static part (the second signature starts at 65).
    expect(() => Signature.parse(setOffset(65), { threshold: 2 })).toThrow(
      Signature.SignatureOffsetInStaticPartError,
    )
    expect(() => Signature.parse(setOffset(100))).toThrow(Signature.SignatureOffsetInStaticPartError)
    // Past the end.
    expect(() => Signature.parse(setOffset(1000), { threshold: 2 })).toThrowErrorMatchingInlineSnapshot(`
      [Safe.SignatureOffsetOutOfBoundsError: Signature 0 points its contract data at byte 1000, past the end (164 bytes).
      The blob was cut short or its offsets are wrong; rebuild it with Signature.build.]
    `)
    // Length word claims more data than there is.
    const short = contract.slice(0, -2) as Hex
    const error = (() => {
      try {
        Signature.parse(short, { threshold: 2 })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(Signature.SignaturesTruncatedError)
    expect((error as Signature.SignaturesTruncatedError).code).toBe('GS023')
  })

  it('refuses entries whose v does not fit their type', async () => {
    const good = await ecdsa(a0)
    expect(() => Signature.encode([{ ...good, v: 31 }])).toThrow(/v = 31/)
    expect(() => Signature.encode([{ ...good, type: 'eth_sign', v: 28 }])).toThrow(/v = 28/)
  })
})

describe('Signature.build', () => {
  it('sorts by owner address and refuses two entries of one owner', async () => {
    const signatures = [
      await ecdsa(a3),
      await ethSign(a1),
      Signature.approvedHash(a4.address),
      await ecdsa(a0),
    ]
    const parsed = Signature.parse(Signature.build({ signatures, safeTxHash }))
    const signers = parsed.map((signature) => Signature.signerOf({ signature, safeTxHash }))
    expect(signers).toEqual(byAddress([a3, a1, a4, a0]).map((account) => account.address))
    const twice = [await ecdsa(a1), await ethSign(a1)]
    expect(() => Signature.build({ signatures: twice, safeTxHash })).toThrow(/same owner/)
  })
})

describe('Signature.verify', () => {
  it('accepts a mix of ECDSA, eth_sign and approved hashes from distinct owners in order', async () => {
    const signatures = Signature.build({
      signatures: [
        await ecdsa(a0),
        await ethSign(a1),
        Signature.approvedHash(a2.address),
        Signature.approvedHash(a3.address),
      ],
      safeTxHash,
    })
    const result = Signature.verify({
      safeTxHash,
      signatures,
      owners,
      threshold: 4n,
      approvedHashes: [a2.address],
      executor: a3.address,
    })
    expect(result.status).toBe('valid')
    expect(result.revert).toBeUndefined()
    expect(result.outcomes.map((o) => o.reason)).toEqual(['ok', 'ok', 'ok', 'ok'])
    // Only the first `threshold` parts are read: extra signatures do not matter.
    expect(
      Signature.verify({ safeTxHash, signatures, owners, threshold: 2n, approvedHashes: [a2.address] }).valid,
    ).toBe(true)
  })

  it('names what fails and the revert code the Safe would give', async () => {
    const sorted = byAddress([a0, a1, a2])
    const [low, mid, high] = sorted as [typeof a0, typeof a0, typeof a0]
    const check = (signatures: Hex, extra: Partial<Signature.VerifyParameters> = {}) =>
      Signature.verify({ safeTxHash, signatures, owners, threshold: 2n, ...extra })

    const outOfOrder = check(Signature.encode([await ecdsa(high), await ecdsa(low)]))
    expect(outOfOrder.revert?.code).toBe('GS026')
    expect(outOfOrder.outcomes.map((o) => o.reason)).toEqual(['ok', 'out-of-order'])

    const duplicate = check(Signature.encode([await ecdsa(mid), await ethSign(mid)]))
    expect(duplicate.outcomes[1]?.reason).toBe('duplicate-signer')

    const stranger = check(
      Signature.build({ signatures: [await ecdsa(low), await ecdsa(outsider)], safeTxHash }),
    )
    expect(stranger.outcomes.find((o) => o.signer === outsider.address)?.reason).toBe('not-an-owner')
    expect(stranger.revert?.code).toBe('GS026')

    const otherHash = keccak256('0x01')
    const wrongHash = check(
      Signature.build({ signatures: [await ecdsa(low), await ecdsa(mid, otherHash)], safeTxHash }),
    )
    expect(wrongHash.valid).toBe(false)
    expect(wrongHash.outcomes.some((o) => o.reason === 'not-an-owner' || o.reason === 'out-of-order')).toBe(
      true,
    )

    const unapproved = check(
      Signature.build({ signatures: [await ecdsa(low), Signature.approvedHash(mid.address)], safeTxHash }),
    )
    expect(unapproved.revert).toMatchObject({ code: 'GS025' })
    expect(unapproved.outcomes[1]?.reason).toBe('hash-not-approved')
    expect(
      check(
        Signature.build({ signatures: [await ecdsa(low), Signature.approvedHash(mid.address)], safeTxHash }),
        {
          executor: mid.address,
        },
      ).valid,
    ).toBe(true)

    const badV = check(Signature.encode([await ecdsa(low), { ...(await ecdsa(mid)), v: 29 }]))
    expect(badV.outcomes[1]?.reason).toBe('recovery-failed')

    const short = check(Signature.encode([await ecdsa(low)]))
    expect(short.revert?.code).toBe('GS020')
    expect(short.outcomes).toHaveLength(1)

    expect(check(Signature.encode([]), { threshold: 0n }).revert?.code).toBe('GS001')
  })

  it('leaves contract signatures to the chain unless a checker decides', async () => {
    const [low, high] = byAddress([a0, a1]) as [typeof a0, typeof a0]
    const signatures = Signature.encode([
      await ecdsa(low),
      Signature.contract({ verifier: high.address, data: '0xabcd' }),
    ])
    const pending = Signature.verify({ safeTxHash, signatures, owners, threshold: 2n })
    expect(pending.status).toBe('needs-eip1271-check')
    expect(pending.valid).toBe(false)
    expect(pending.outcomes[1]?.reason).toBe('needs-eip1271-check')

    const seen: unknown[] = []
    const accepted = Signature.verify({
      safeTxHash,
      signatures,
      owners,
      threshold: 2n,
      checkContractSignature: (input) => {
        seen.push(input)
        return true
      },
    })
    expect(accepted.valid).toBe(true)
    expect(seen).toEqual([{ verifier: high.address, safeTxHash, data: '0xabcd' }])
    const rejected = Signature.verify({
      safeTxHash,
      signatures,
      owners,
      threshold: 2n,
      checkContractSignature: () => false,
    })
    expect(rejected.revert?.code).toBe('GS024')

    // A malformed contract part is reported, not thrown.
    const broken =
      `${signatures.slice(0, 2 + 65 * 2 + 64)}${numberToHex(10_000, { size: 32 }).slice(2)}${signatures.slice(2 + 65 * 2 + 128)}` as Hex
    const result = Signature.verify({ safeTxHash, signatures: broken, owners, threshold: 2n })
    expect(result.outcomes[1]).toMatchObject({ status: 'invalid', reason: 'malformed', code: 'GS022' })
    expect(result.revert?.code).toBe('GS022')
  })

  it('accepts a high-s signature as the Safe does, but flags it', async () => {
    const [low, high] = byAddress([a0, a1]) as [typeof a0, typeof a0]
    const good = await ecdsa(high)
    const flipped: Signature.Ecdsa = {
      type: 'ecdsa',
      r: good.r,
      s: numberToHex(N - hexToBigInt(good.s), { size: 32 }),
      v: good.v === 27 ? 28 : 27,
    }
    const result = Signature.verify({
      safeTxHash,
      signatures: Signature.encode([await ecdsa(low), flipped]),
      owners,
      threshold: 2n,
    })
    expect(result.valid).toBe(true)
    expect(result.outcomes[1]?.highS).toBe(true)
  })
})

function signerKey(entry: Signature.Signature): string {
  return entry.type === 'contract' ? entry.verifier : entry.type === 'approved-hash' ? entry.owner : entry.r
}
