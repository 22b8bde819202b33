// Typed data a dapp asks a Safe to sign (EIP-1271 messages), with numbers as decimal strings as the
// Transaction Service and Safe{Wallet} carry them.
import { MessageEffects } from '@airlock/safe'
import type { Address } from 'viem'

/** A Permit2 PermitSingle allowance of `amount` base units of `token` to `spender`. */
export function permitSingle({
  amount,
  token,
  spender,
  chainId,
  withDomainType = false,
}: {
  amount: bigint
  token: Address
  spender: Address
  chainId: number
  /** Declare EIP712Domain in `types` (the Transaction Service requires it). */
  withDomainType?: boolean
}) {
  return {
    types: {
      ...(withDomainType
        ? {
            EIP712Domain: [
              { name: 'name', type: 'string' },
              { name: 'chainId', type: 'uint256' },
              { name: 'verifyingContract', type: 'address' },
            ],
          }
        : {}),
      PermitSingle: [
        { name: 'details', type: 'PermitDetails' },
        { name: 'spender', type: 'address' },
        { name: 'sigDeadline', type: 'uint256' },
      ],
      PermitDetails: [
        { name: 'token', type: 'address' },
        { name: 'amount', type: 'uint160' },
        { name: 'expiration', type: 'uint48' },
        { name: 'nonce', type: 'uint48' },
      ],
    } as Record<string, { name: string; type: string }[]>,
    primaryType: 'PermitSingle',
    domain: {
      name: 'Permit2',
      chainId: String(chainId),
      verifyingContract: MessageEffects.PERMIT2 as Address,
    },
    message: {
      details: { token, amount: amount.toString(), expiration: '1900000000', nonce: '0' },
      spender,
      sigDeadline: '1900000000',
    },
  }
}
