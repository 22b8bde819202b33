import { type Address, encodeFunctionData, type Hex, zeroAddress } from 'viem'
import { parseAddress, parseHex, parseUint, type SafeContext, type SafeTx } from './SafeTx.ts'
import * as SafeTxHash from './SafeTxHash.ts'
import * as Signature from './Signature.ts'

const approveHashAbi = [
  {
    type: 'function',
    name: 'approveHash',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'hashToApprove', type: 'bytes32' }],
    outputs: [],
  },
] as const

/** The parent Safe's transaction that approves a child Safe transaction, with its hashes. */
export type Approval = {
  tx: SafeTx
  hashes: SafeTxHash.SafeTxHashes
  /** The entry the child Safe's `signatures` carries for the parent once `tx` has executed. */
  signature: Signature.ApprovedHash
}

/**
 * When a Safe (the parent) owns another Safe (the child), it signs a child transaction by executing
 * `child.approveHash(safeTxHash)`. This builds that parent SafeTx (CALL, no value, no gas refund,
 * at the parent's `nonce`) and its hashes, which the parent's owners then sign and verify on device.
 *
 * @example
 * const { tx, hashes } = NestedSafe.approval({
 *   safeTxHash: childHashes.safeTxHash,
 *   child: '0x…child',
 *   parent: { chainId: 1n, safe: '0x…parent', version: '1.4.1' },
 *   nonce: 12n,
 * })
 */
export function approval({
  safeTxHash,
  child,
  parent,
  nonce,
}: {
  safeTxHash: Hex
  child: Address
  parent: SafeContext
  nonce: bigint | number | string
}): Approval {
  const tx: SafeTx = {
    to: parseAddress(child, 'child'),
    value: 0n,
    data: encodeFunctionData({
      abi: approveHashAbi,
      functionName: 'approveHash',
      args: [parseHex(safeTxHash, 'safeTxHash', { bytes: 32 })],
    }),
    operation: 0,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: zeroAddress,
    refundReceiver: zeroAddress,
    nonce: parseUint(nonce, 'nonce'),
  }
  return {
    tx,
    hashes: SafeTxHash.compute({ tx, context: parent }),
    signature: Signature.approvedHash(parent.safe),
  }
}

/**
 * The child safeTxHash a SafeTx approves, if it is exactly a plain `approveHash(bytes32)` call
 * (CALL, no value); undefined otherwise. Lets a signer show "approves child transaction 0x…".
 *
 * @example
 * NestedSafe.approvedHashOf(tx) // '0xcb8bbe7b…'
 */
export function approvedHashOf(tx: SafeTx): Hex | undefined {
  // 4-byte selector + one 32-byte word, nothing more.
  if (tx.operation !== 0 || tx.value !== 0n || tx.data.length !== 2 + 2 * 36) return undefined
  if (tx.data.slice(0, 10).toLowerCase() !== APPROVE_HASH_SELECTOR) return undefined
  return `0x${tx.data.slice(10).toLowerCase()}`
}

const APPROVE_HASH_SELECTOR = '0xd4d9bdcd'
