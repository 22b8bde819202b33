import { decodeFunctionData, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import * as LedgerDisplay from './LedgerDisplay.ts'
import * as NestedSafe from './NestedSafe.ts'
import * as SafeTx from './SafeTx.ts'
import * as SafeTxHash from './SafeTxHash.ts'
import * as Signature from './Signature.ts'

// Vector from the safe-tx-hashes-util README "Nested Safes" section (Sepolia).
const child = SafeTx.context({
  chainId: 11155111,
  safe: '0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1',
  version: '1.3.0',
})
const parent = SafeTx.context({
  chainId: 11155111,
  safe: '0x6bc56d6CE87C86CB0756c616bECFD3Cd32b09251',
  version: '1.4.1',
})
const childTx = SafeTx.from({
  to: '0x255C3912f91eF11bFDadd405F13144a823Da8cc5',
  value: '100000000000000000',
  nonce: 4,
})

describe('NestedSafe.approval', () => {
  it('builds the parent’s approveHash transaction and its hashes', () => {
    const childHashes = SafeTxHash.compute({ tx: childTx, context: child })
    expect(childHashes.safeTxHash).toBe('0xcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1')

    const approval = NestedSafe.approval({
      safeTxHash: childHashes.safeTxHash,
      child: child.safe,
      parent,
      nonce: 4n,
    })
    expect(approval.tx).toEqual(
      SafeTx.from({
        to: child.safe,
        data: '0xd4d9bdcdcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1',
        nonce: 4,
      }),
    )
    expect(LedgerDisplay.fromHashes(approval.hashes)).toMatchObject({
      domainHash: '0x55F6C329A7834E2A4E789F5526F328FA75D14FE75B97B0001BE40CAF46CA92A1',
      messageHash: '0xCD411EE5D49344391EF8D37B76E19DFACF505BBB20E856AC907ACB5958ECBDF0',
      safeTxHash: '0x86eb3f93f2670d119a4ecb8eeaa4dafe31a28abcafe06688d47e195a3dd7abb0',
    })
    const decoded = decodeFunctionData({
      abi: parseAbi(['function approveHash(bytes32)']),
      data: approval.tx.data,
    })
    expect(decoded.args).toEqual([childHashes.safeTxHash])
    expect(approval.signature).toEqual(Signature.approvedHash(parent.safe))
  })

  it('reads the approved hash back only from a plain approveHash call', () => {
    const { safeTxHash } = SafeTxHash.compute({ tx: childTx, context: child })
    const { tx } = NestedSafe.approval({ safeTxHash, child: child.safe, parent, nonce: 9 })
    expect(NestedSafe.approvedHashOf(tx)).toBe(safeTxHash)
    expect(NestedSafe.approvedHashOf({ ...tx, operation: 1 })).toBeUndefined()
    expect(NestedSafe.approvedHashOf({ ...tx, value: 1n })).toBeUndefined()
    expect(NestedSafe.approvedHashOf({ ...tx, data: `${tx.data}00` })).toBeUndefined()
    expect(NestedSafe.approvedHashOf(childTx)).toBeUndefined()
  })

  it('refuses a malformed child hash', () => {
    expect(() => NestedSafe.approval({ safeTxHash: '0x1234', child: child.safe, parent, nonce: 0 })).toThrow(
      /2 bytes long, expected 32/,
    )
  })
})
