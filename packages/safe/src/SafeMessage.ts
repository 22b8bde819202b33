/**
 * Off-chain Safe messages (EIP-1271): what the owners sign when the Safe itself signs a message, e.g.
 * a Permit2 or an order. Such a signature can move funds without any transaction, so its hash is
 * computed here, from the message, never taken from a service or a coordinator.
 */
import { type Hex, hashMessage, hashTypedData, type TypedDataDefinition } from 'viem'
import type { SafeContext } from './SafeTx.ts'
import * as SafeVersion from './SafeVersion.ts'

/** A message as Safe{Wallet} and the Transaction Service carry it: text, or EIP-712 typed data. */
export type Message = string | TypedDataDefinition

export type SafeMessageHashes = {
  /** EIP-191 hash of a string, or the EIP-712 digest of typed data: what the message itself signs. */
  digest: Hex
  /** EIP-712 `SafeMessage(bytes message)` over the digest, in the Safe's domain: what owners sign. */
  messageHash: Hex
}

/**
 * The message hash owners sign for a Safe message (as the Transaction Service and a Ledger show it).
 *
 * @example
 * SafeMessage.hash({ message: 'Approve offline policy v3', context: { chainId: 11155111n, safe, version: '1.4.1' } })
 */
export function hash({ message, context }: { message: Message; context: SafeContext }): SafeMessageHashes {
  const digest = typeof message === 'string' ? hashMessage(message) : hashTypedData(message)
  const messageHash = hashTypedData({
    domain: SafeVersion.domainHasChainId(context.version)
      ? { chainId: context.chainId, verifyingContract: context.safe }
      : { verifyingContract: context.safe },
    types: { SafeMessage: [{ name: 'message', type: 'bytes' }] },
    primaryType: 'SafeMessage',
    message: { message: digest },
  })
  return { digest, messageHash }
}
