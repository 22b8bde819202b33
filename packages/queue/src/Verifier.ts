import { isBaseError } from '@airlock/errors'
import { Signature } from '@airlock/safe'
import type { Address, Hex } from 'viem'
import type { Action, SignatureKind, SignatureVerifier } from './types.ts'

/** Recovers who signed an approval attestation for an action (signer-core's `Attestation.recover`). */
export type RecoverAttestation = (parameters: {
  action: Action
  signature: Hex
}) => Address | undefined | Promise<Address | undefined>

export type VerifyParameters = {
  action: Action
  /** Who claims to have signed. */
  signer: Address
  signature: Hex
  kind: SignatureKind
  /** The Safe's current owners (read from chain). */
  owners: readonly Address[]
  /** Without it, attestations are refused (`attestation-unverifiable`). */
  recoverAttestation?: RecoverAttestation | undefined
}

/** Why a signature is refused; every reason carries what a message needs. */
export type Refusal =
  | { reason: 'no-attestations-for-tier'; tier: Action['tier'] }
  | { reason: 'attestation-unverifiable' }
  | { reason: 'not-one-ecdsa-signature' }
  | { reason: 'malformed'; details: string }
  | { reason: 'wrong-signer'; recovered: Address | undefined }
  | { reason: 'not-owner'; owners: readonly Address[] }

export type Verdict = { ok: true; signer: Address } | ({ ok: false } & Refusal)

const attestedTiers: readonly Action['tier'][] = ['critical', 'existential']

/**
 * The one check a collected signature or approval attestation passes before the queue stores it: a
 * Safe signature must be one owner's 65-byte ECDSA (or eth_sign) signature that recovers, over the
 * safeTxHash the queue computed, to the claimed signer; an attestation must recover (through
 * `recoverAttestation`) to the claimed signer and only Critical and Existential actions take them;
 * the signer must be a current owner. Returns why not as a typed reason, never throws.
 *
 * @example
 * const verdict = await verify({ action, signer, signature, kind: 'safe-signature', owners })
 * if (!verdict.ok) console.log(verdict.reason) // 'not-owner'
 */
export async function verify({
  action,
  signer,
  signature,
  kind,
  owners,
  recoverAttestation,
}: VerifyParameters): Promise<Verdict> {
  let recovered: Address | undefined
  if (kind === 'approval-attestation') {
    if (!attestedTiers.includes(action.tier))
      return { ok: false, reason: 'no-attestations-for-tier', tier: action.tier }
    if (!recoverAttestation) return { ok: false, reason: 'attestation-unverifiable' }
    try {
      recovered = await recoverAttestation({ action, signature })
    } catch {
      recovered = undefined
    }
  } else {
    try {
      const parsed = Signature.parse(signature, { threshold: 1 })
      const entry = parsed.length === 1 ? parsed[0] : undefined
      if (signature.length !== 2 + 65 * 2 || (entry?.type !== 'ecdsa' && entry?.type !== 'eth_sign')) {
        return { ok: false, reason: 'not-one-ecdsa-signature' }
      }
      recovered = Signature.recover({ signature: entry, safeTxHash: action.safeTxHash })
    } catch (error) {
      return {
        ok: false,
        reason: 'malformed',
        details: isBaseError(error) ? error.shortMessage : String(error),
      }
    }
  }
  if (recovered === undefined || recovered.toLowerCase() !== signer.toLowerCase()) {
    return { ok: false, reason: 'wrong-signer', recovered }
  }
  if (!owners.some((owner) => owner.toLowerCase() === signer.toLowerCase())) {
    return { ok: false, reason: 'not-owner', owners }
  }
  return { ok: true, signer: recovered }
}

export type OwnerVerifierParameters = {
  /** The Safe's current owners (from chain), or a function that reads them for the action's Safe. */
  owners: readonly Address[] | ((action: Action) => readonly Address[] | Promise<readonly Address[]>)
  recoverAttestation?: RecoverAttestation | undefined
}

/**
 * `verify` as the queue's `addSignature` hook (yes or no), for owners known up front or read per action.
 *
 * @example
 * const verify = ownerVerifier({ owners: [alice, bob, carol] })
 * await store.addSignature(id, { signer: alice, signature, kind: 'safe-signature' }, { actor: 'ops', verify })
 */
export function ownerVerifier({ owners, recoverAttestation }: OwnerVerifierParameters): SignatureVerifier {
  return async ({ action, signer, signature, kind }) => {
    const current = typeof owners === 'function' ? await owners(action) : owners
    return (await verify({ action, signer, signature, kind, owners: current, recoverAttestation })).ok
  }
}
