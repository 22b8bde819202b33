import type { SafeTx } from '@airlock/safe'
import { type Address, zeroAddress } from 'viem'

/**
 * The on-chain rejection of a nonce: an empty CALL from the Safe to itself. Once executed it uses up
 * the nonce, so no other transaction signed for that nonce can ever run. (Safe{Wallet} does the same.)
 *
 * @example
 * Rejection.tx({ safe: '0x…', nonce: 7n }) // { to: safe, value: 0n, data: '0x', …, nonce: 7n }
 */
export function tx({ safe, nonce }: { safe: Address; nonce: bigint }): SafeTx.SafeTx {
  return {
    to: safe,
    value: 0n,
    data: '0x',
    operation: 0,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: zeroAddress,
    refundReceiver: zeroAddress,
    nonce,
  }
}

/**
 * Whether a SafeTx is a rejection of its nonce for this Safe (so the UI can label it plainly).
 *
 * @example
 * Rejection.isRejection({ tx, safe }) // true for Rejection.tx({ safe, nonce })
 */
export function isRejection({ tx: safeTx, safe }: { tx: SafeTx.SafeTx; safe: Address }): boolean {
  return (
    safeTx.to.toLowerCase() === safe.toLowerCase() &&
    safeTx.value === 0n &&
    safeTx.data === '0x' &&
    safeTx.operation === 0 &&
    safeTx.gasPrice === 0n &&
    safeTx.refundReceiver === zeroAddress
  )
}
