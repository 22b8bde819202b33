import { hashTypedData } from 'viem'
import { describe, expect, it } from 'vitest'
import * as SafeTx from './SafeTx.ts'
import * as SafeTxHash from './SafeTxHash.ts'

describe('SafeTxHash.compute', () => {
  // Known vector (safe-tx-hashes-util README style): a Safe 1.3.0 transaction on mainnet.
  const tx = SafeTx.from({ to: '0x0000000000000000000000000000000000000001', value: '1', nonce: 3 })
  const context = SafeTx.context({
    chainId: 1,
    safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
    version: '1.3.0',
  })

  it('matches EIP-712 hashing of the same typed data', () => {
    const hashes = SafeTxHash.compute({ tx, context })
    expect(hashes.safeTxHash).toBe(hashTypedData(SafeTxHash.typedData({ tx, context }) as never))
  })

  it('leaves the chain out of the domain before 1.3.0 and renames baseGas to dataGas in 0.1.0', () => {
    const onOtherChain = { ...context, chainId: 5n }
    for (const version of ['0.1.0', '1.0.0', '1.1.1', '1.2.0'] as const) {
      const a = SafeTxHash.compute({ tx, context: { ...context, version } })
      const b = SafeTxHash.compute({ tx, context: { ...onOtherChain, version } })
      expect(a).toEqual(b)
    }
    expect(SafeTxHash.domain(context)).not.toBe(SafeTxHash.domain(onOtherChain))
    expect(SafeTxHash.message(tx, { version: '0.1.0' })).not.toBe(
      SafeTxHash.message(tx, { version: '1.0.0' }),
    )
    expect(SafeTxHash.message(tx, { version: '1.0.0' })).toBe(SafeTxHash.message(tx, { version: '1.5.0' }))
  })
})
