import { type SafeContext, SafeTx } from '@airlock/safe'
import {
  type Address,
  type Hex,
  hashTypedData,
  type LocalAccount,
  recoverAddress,
  type TypedDataDefinition,
} from 'viem'
import { InvalidAttestationError } from './errors.ts'

/** The tiers that need approval attestations before a real Safe signature is released. */
export type AttestedTier = 'critical' | 'existential'

/**
 * True for the tiers that go through two rounds (attest, then sign).
 *
 * @example
 * Attestation.isAttestedTier('critical') // true
 */
export function isAttestedTier(tier: string): tier is AttestedTier {
  return tier === 'critical' || tier === 'existential'
}

/**
 * Round 1 of a Critical or Existential request: an owner's statement "I reviewed this safeTxHash on this
 * Safe and chain, and my signer classified it as this tier". It is signed by the owner's own hardware
 * key as EIP-712 typed data under an Airlock domain, so it can never be replayed as a Safe signature:
 * the Safe verifies signatures over its own domain (SafeTx / SafeMessage types), and an eth_sign
 * signature over a 32-byte hash; this digest is neither. It carries no time: each signer enforces the
 * tier's delay from its own log and clock, so another owner's clock is never an input.
 */
export type Attestation = {
  safe: Address
  chainId: bigint
  safeTxHash: Hex
  tier: AttestedTier
}

const tierCode: Record<AttestedTier, number> = { critical: 2, existential: 3 }

/**
 * EIP-712 typed data of an attestation. The domain name makes the digest Airlock-specific; the Safe
 * address and chain are repeated in the message so a device showing the message shows them too.
 *
 * @example
 * const data = Attestation.typedData({ safe, chainId: 1n, safeTxHash, tier: 'critical' })
 */
export function typedData(attestation: Attestation): TypedDataDefinition {
  return {
    domain: { name: 'Airlock Approval Attestation', version: '1', chainId: attestation.chainId },
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
      ],
      AirlockApproval: [
        { name: 'safe', type: 'address' },
        { name: 'safeTxHash', type: 'bytes32' },
        { name: 'tier', type: 'uint8' },
        { name: 'tierName', type: 'string' },
        { name: 'notASafeSignature', type: 'string' },
      ],
    },
    primaryType: 'AirlockApproval',
    message: {
      safe: attestation.safe,
      safeTxHash: attestation.safeTxHash,
      tier: tierCode[attestation.tier],
      tierName: attestation.tier,
      notASafeSignature: 'This approval cannot execute a Safe transaction.',
    },
  }
}

/**
 * The digest an attestation signature signs.
 *
 * @example
 * Attestation.digest(attestation) // 0x…
 */
export function digest(attestation: Attestation): Hex {
  return hashTypedData(typedData(attestation) as Parameters<typeof hashTypedData>[0])
}

/**
 * Signs an attestation with a viem account (the software test key; devices sign the same typed data).
 *
 * @example
 * const signature = await Attestation.sign(attestation, account)
 */
export async function sign(attestation: Attestation, account: LocalAccount): Promise<Hex> {
  return account.signTypedData(typedData(attestation) as Parameters<LocalAccount['signTypedData']>[0])
}

/**
 * Recovers who signed an attestation; throws InvalidAttestationError for a malformed signature.
 *
 * @example
 * const owner = await Attestation.recover(attestation, signature)
 */
export async function recover(attestation: Attestation, signature: Hex): Promise<Address> {
  const bytes = SafeTx.parseHex(signature, 'attestation signature')
  if (bytes.length !== 132) {
    throw new InvalidAttestationError('An attestation signature is not 65 bytes.', {
      hint: 'Scan the attestation again; it may have been truncated.',
    })
  }
  try {
    return await recoverAddress({ hash: digest(attestation), signature: bytes })
  } catch (cause) {
    throw new InvalidAttestationError('An attestation signature does not recover to any address.', {
      hint: 'The attestation is corrupt or forged; ask the owner to attest again.',
      cause,
    })
  }
}

/**
 * Binds an attestation to the request the signer recomputed: safeTxHash, Safe and chain from context.
 *
 * @example
 * const attestation = Attestation.forRequest({ context, safeTxHash, tier: 'critical' })
 */
export function forRequest({
  context,
  safeTxHash,
  tier,
}: {
  context: SafeContext
  safeTxHash: Hex
  tier: AttestedTier
}): Attestation {
  return { safe: context.safe, chainId: context.chainId, safeTxHash, tier }
}
