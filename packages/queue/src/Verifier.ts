import { Signature } from '@airlock/safe'
import type { Address } from 'viem'
import type { Action, SignatureVerifier } from './types.ts'

export type OwnerVerifierParameters = {
  /** The Safe's current owners (from chain), or a function that reads them for the action's Safe. */
  owners: readonly Address[] | ((action: Action) => readonly Address[] | Promise<readonly Address[]>)
  /**
   * Recovers the signer of an approval attestation (e.g. signer-core's Attestation.recover over the
   * attestation it binds to the action). Without it, attestations are refused.
   */
  recoverAttestation?:
    | ((parameters: {
        action: Action
        signature: `0x${string}`
      }) => Address | undefined | Promise<Address | undefined>)
    | undefined
}

/**
 * A verifier for `addSignature`: a Safe signature must be a 65-byte ECDSA (or eth_sign) signature that
 * recovers, over the safeTxHash the queue computed, to the claimed signer, who must be a current owner.
 *
 * @example
 * const verify = ownerVerifier({ owners: [alice, bob, carol] })
 * await store.addSignature(id, { signer: alice, signature, kind: 'safe-signature' }, { actor: 'ops', verify })
 */
export function ownerVerifier({ owners, recoverAttestation }: OwnerVerifierParameters): SignatureVerifier {
  return async ({ action, signer, signature, kind }) => {
    const current = typeof owners === 'function' ? await owners(action) : owners
    const isOwner = current.some((owner) => owner.toLowerCase() === signer.toLowerCase())
    if (!isOwner) return false
    let recovered: Address | undefined
    if (kind === 'approval-attestation') {
      if (!recoverAttestation) return false
      recovered = await recoverAttestation({ action, signature })
    } else {
      if (signature.length !== 2 + 65 * 2) return false
      const [entry] = Signature.parse(signature, { threshold: 1 })
      if (!entry || (entry.type !== 'ecdsa' && entry.type !== 'eth_sign')) return false
      recovered = Signature.recover({ signature: entry, safeTxHash: action.safeTxHash })
    }
    return recovered !== undefined && recovered.toLowerCase() === signer.toLowerCase()
  }
}
