import { calculateSafeTransactionHash } from '@safe-global/protocol-kit'
import fc from 'fast-check'
import { bytesToHex, getAddress, hashTypedData, maxUint256, type TypedDataDefinition } from 'viem'
import { describe, expect, it } from 'vitest'
import type { SafeContext, SafeTx } from './SafeTx.ts'
import * as SafeTxHash from './SafeTxHash.ts'
import * as SafeVersion from './SafeVersion.ts'

const RUNS = 1000

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => getAddress(bytesToHex(bytes)))
// Edge values and small numbers are where encoders go wrong; full-range values catch width bugs.
const uint256 = fc.oneof(
  fc.constantFrom(0n, 1n, maxUint256, 1n << 255n),
  fc.bigInt({ min: 0n, max: 1n << 64n }),
  fc.bigInt({ min: 0n, max: maxUint256 }),
)
// Large calldata (up to a 24 KB contract-creation payload) is expanded from a seed: generating it
// byte by byte through fast-check would dominate the run time.
const largeBytes = fc
  .record({ length: fc.integer({ min: 4_000, max: 24_000 }), seed: fc.integer({ min: 1, max: 0x7fffffff }) })
  .map(({ length, seed }) => {
    const bytes = new Uint8Array(length)
    let x = seed
    for (let i = 0; i < length; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      bytes[i] = x & 0xff
    }
    return bytes
  })
const data = fc
  .oneof({ weight: 8, arbitrary: fc.uint8Array({ maxLength: 260 }) }, { weight: 1, arbitrary: largeBytes })
  .map(bytesToHex)

const safeTx: fc.Arbitrary<SafeTx> = fc.record({
  to: address,
  value: uint256,
  data,
  operation: fc.constantFrom(0 as const, 1 as const),
  safeTxGas: uint256,
  baseGas: uint256,
  gasPrice: uint256,
  gasToken: fc.oneof(fc.constant(getAddress('0x0000000000000000000000000000000000000000')), address),
  refundReceiver: fc.oneof(fc.constant(getAddress('0x0000000000000000000000000000000000000000')), address),
  nonce: uint256,
})
const chainId = fc.oneof(
  fc.constantFrom(1n, 10n, 137n, 42161n, 11155111n),
  fc.bigInt({ min: 1n, max: maxUint256 }),
)

/** EIP-712 typed data written out by hand from the Safe contracts' type strings, per version. */
function handTypedData(tx: SafeTx, { chainId, safe, version }: SafeContext): TypedDataDefinition {
  // 1.3.0 added chainId to the domain; 0.1.0 called baseGas "dataGas".
  const withChain = version !== '0.1.0' && version !== '1.0.0' && version !== '1.1.1' && version !== '1.2.0'
  const gas = version === '0.1.0' ? 'dataGas' : 'baseGas'
  return {
    domain: withChain ? { chainId, verifyingContract: safe } : { verifyingContract: safe },
    types: {
      EIP712Domain: [
        ...(withChain ? [{ name: 'chainId', type: 'uint256' }] : []),
        { name: 'verifyingContract', type: 'address' },
      ],
      SafeTx: [
        { name: 'to', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'data', type: 'bytes' },
        { name: 'operation', type: 'uint8' },
        { name: 'safeTxGas', type: 'uint256' },
        { name: gas, type: 'uint256' },
        { name: 'gasPrice', type: 'uint256' },
        { name: 'gasToken', type: 'address' },
        { name: 'refundReceiver', type: 'address' },
        { name: 'nonce', type: 'uint256' },
      ],
    },
    primaryType: 'SafeTx',
    message: {
      to: tx.to,
      value: tx.value,
      data: tx.data,
      operation: tx.operation,
      safeTxGas: tx.safeTxGas,
      [gas]: tx.baseGas,
      gasPrice: tx.gasPrice,
      gasToken: tx.gasToken,
      refundReceiver: tx.refundReceiver,
      nonce: tx.nonce,
    },
  }
}

/** protocol-kit hashes baseGas for every version, so it only speaks for 1.0.0 and later. */
function protocolKitHash(tx: SafeTx, { chainId, safe, version }: SafeContext): string {
  return calculateSafeTransactionHash(
    safe,
    {
      to: tx.to,
      value: tx.value.toString(),
      data: tx.data,
      operation: tx.operation,
      safeTxGas: tx.safeTxGas.toString(),
      baseGas: tx.baseGas.toString(),
      gasPrice: tx.gasPrice.toString(),
      gasToken: tx.gasToken,
      refundReceiver: tx.refundReceiver,
      // Typed as number, but hashed by viem, which takes a bigint; a number would round above 2^53.
      nonce: tx.nonce as unknown as number,
    },
    version,
    chainId,
  )
}

describe('SafeTxHash.compute agrees with independent EIP-712 implementations', () => {
  for (const version of SafeVersion.supported) {
    it(`Safe ${version}: ${RUNS} random transactions`, () => {
      fc.assert(
        fc.property(safeTx, chainId, address, (tx, chain, safe) => {
          const context: SafeContext = { chainId: chain, safe, version }
          const ours = SafeTxHash.compute({ tx, context }).safeTxHash
          expect(ours).toBe(hashTypedData(handTypedData(tx, context)))
          if (version !== '0.1.0') expect(ours).toBe(protocolKitHash(tx, context))
        }),
        { numRuns: RUNS },
      )
    })
  }

  it('is sensitive to every field: changing one changes the hash', () => {
    const fields = [
      'to',
      'value',
      'data',
      'operation',
      'safeTxGas',
      'baseGas',
      'gasPrice',
      'gasToken',
      'refundReceiver',
      'nonce',
    ] as const
    fc.assert(
      fc.property(safeTx, safeTx, fc.constantFrom(...fields), address, (a, b, field, safe) => {
        fc.pre(a[field] !== b[field])
        const context: SafeContext = { chainId: 1n, safe, version: '1.4.1' }
        const changed = { ...a, [field]: b[field] } as SafeTx
        expect(SafeTxHash.compute({ tx: changed, context }).safeTxHash).not.toBe(
          SafeTxHash.compute({ tx: a, context }).safeTxHash,
        )
      }),
      { numRuns: 200 },
    )
  })
})
