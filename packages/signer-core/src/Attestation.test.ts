import { SafeTx, SafeTxHash } from '@airlock/safe'
import { hashMessage, recoverAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import * as Attestation from './Attestation.ts'

const account = mnemonicToAccount('test test test test test test test test test test test junk')
const context = SafeTx.context({
  chainId: 1,
  safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
  version: '1.4.1',
})
const tx = SafeTx.from({ to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: 1n, nonce: 5 })
const { safeTxHash } = SafeTxHash.compute({ tx, context })

describe('Attestation', () => {
  const attestation = Attestation.forRequest({ context, safeTxHash, tier: 'critical' })

  it('recovers to the owner who signed it', async () => {
    const signature = await Attestation.sign(attestation, account)
    expect(await Attestation.recover(attestation, signature)).toBe(account.address)
  })

  it('binds the safeTxHash, Safe, chain and tier', async () => {
    const signature = await Attestation.sign(attestation, account)
    for (const changed of [
      { ...attestation, tier: 'existential' as const },
      { ...attestation, chainId: 10n },
      { ...attestation, safe: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' as const },
      { ...attestation, safeTxHash: `0x${'00'.repeat(32)}` as const },
    ]) {
      expect(await Attestation.recover(changed, signature)).not.toBe(account.address)
    }
  })

  it('is never a valid Safe signature for the same transaction', async () => {
    const signature = await Attestation.sign(attestation, account)
    expect(Attestation.digest(attestation)).not.toBe(safeTxHash)
    // Neither the ECDSA (v 27/28) nor the eth_sign (v 31/32) reading recovers the owner over safeTxHash.
    expect(await recoverAddress({ hash: safeTxHash, signature })).not.toBe(account.address)
    expect(await recoverAddress({ hash: hashMessage({ raw: safeTxHash }), signature })).not.toBe(
      account.address,
    )
  })

  it('refuses malformed signatures with a typed error', async () => {
    await expect(Attestation.recover(attestation, '0x1234')).rejects.toMatchObject({
      name: 'Signer.InvalidAttestationError',
    })
    await expect(Attestation.recover(attestation, '0xzz')).rejects.toMatchObject({
      name: 'Safe.InvalidHexError',
    })
  })
})
