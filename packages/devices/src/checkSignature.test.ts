import { SafeTxHash } from '@airlock/safe'
import fc from 'fast-check'
import { bytesToHex, hexToBytes } from 'viem'
import { describe, expect, it } from 'vitest'
import { checkSignature } from './checkSignature.ts'
import { context, other, owner, tx } from './testing/fixtures.ts'

const hashes = SafeTxHash.compute({ tx, context })
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

async function ownerSignature(): Promise<Uint8Array> {
  return hexToBytes(await owner.sign({ hash: hashes.safeTxHash }))
}

function withV(signature: Uint8Array, v: number[]): Uint8Array {
  return Uint8Array.from([...signature.subarray(0, 64), ...v])
}

describe('checkSignature', () => {
  it('accepts every v form of the owner’s signature and returns it with v = 27/28', async () => {
    const signature = await ownerSignature()
    const v = signature[64] ?? 27
    const canonical = bytesToHex(signature)
    const chain = { ...context, chainId: 8453n }
    const chainHashes = SafeTxHash.compute({ tx, context: chain })
    const chainSig = hexToBytes(await owner.sign({ hash: chainHashes.safeTxHash }))
    const eip155 = 8453 * 2 + 35 + ((chainSig[64] ?? 27) - 27)
    for (const form of [[v], [v - 27]]) {
      expect(
        checkSignature({ signature: withV(signature, form), hashes, expectedOwner: owner.address }),
      ).toEqual({
        ok: true,
        signature: canonical,
        signer: owner.address,
      })
    }
    expect(
      checkSignature({
        signature: withV(chainSig, [eip155 >> 8, eip155 & 0xff]),
        hashes: chainHashes,
        expectedOwner: owner.address,
        chainId: 8453n,
      }),
    ).toMatchObject({ ok: true, signature: bytesToHex(chainSig) })
  })

  it('refuses an EIP-155 v for another chain, bad lengths and out-of-range values', async () => {
    const signature = await ownerSignature()
    const wrongChain = 137 * 2 + 35 + ((signature[64] ?? 27) - 27)
    const cases = [
      withV(signature, [wrongChain >> 8, wrongChain & 0xff]),
      signature.subarray(0, 63),
      withV(signature, [29]),
      Uint8Array.from([...new Uint8Array(32), ...signature.subarray(32)]),
    ]
    for (const bad of cases) {
      expect(
        checkSignature({ signature: bad, hashes, expectedOwner: owner.address, chainId: 1n }),
      ).toMatchObject({
        ok: false,
        code: 'invalid-signature',
      })
    }
  })

  it('refuses the high-s twin of a valid signature', async () => {
    const signature = await ownerSignature()
    const s = N - BigInt(bytesToHex(signature.subarray(32, 64)))
    const twin = Uint8Array.from([
      ...signature.subarray(0, 32),
      ...hexToBytes(`0x${s.toString(16).padStart(64, '0')}`),
      55 - (signature[64] ?? 27),
    ])
    const result = checkSignature({ signature: twin, hashes, expectedOwner: owner.address })
    expect(result).toMatchObject({ ok: false, code: 'invalid-signature' })
    if (!result.ok) expect(result.details).toContain('MalleableSignatureError')
  })

  it('names a known other signer, calls anything else a wrong hash', async () => {
    const byOther = await other.sign({ hash: hashes.safeTxHash })
    expect(
      checkSignature({
        signature: byOther,
        hashes,
        expectedOwner: owner.address,
        knownSigners: [other.address],
      }),
    ).toMatchObject({
      ok: false,
      code: 'wrong-signer',
      recovered: other.address,
    })
    expect(checkSignature({ signature: byOther, hashes, expectedOwner: owner.address })).toMatchObject({
      ok: false,
      code: 'wrong-hash',
    })
    const personal = await owner.signMessage({ message: { raw: hashes.safeTxHash } })
    const result = checkSignature({ signature: personal, hashes, expectedOwner: owner.address })
    expect(result).toMatchObject({ ok: false, code: 'wrong-hash' })
    if (!result.ok) expect(result.details).toContain('personal message')
  })

  it('accepts the owner’s signature over exactly the recomputed hash, never over another', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 2n ** 64n }), async (nonce) => {
        const mine = SafeTxHash.compute({ tx: { ...tx, nonce }, context })
        const signature = await owner.sign({ hash: mine.safeTxHash })
        expect(checkSignature({ signature, hashes: mine, expectedOwner: owner.address }).ok).toBe(true)
        const theirs = SafeTxHash.compute({ tx: { ...tx, nonce: nonce + 1n }, context })
        expect(checkSignature({ signature, hashes: theirs, expectedOwner: owner.address })).toMatchObject({
          ok: false,
          code: 'wrong-hash',
        })
      }),
      { numRuns: 25 },
    )
  })
})
