import { isBaseError } from '@airlock/errors'
import { type SafeTxHashes, Signature } from '@airlock/safe'
import { type Address, type Hex, isAddressEqual } from 'viem'
import type { FailureCode } from './Outcome.ts'

export type CheckSignatureParameters = {
  /** What the device returned: 65 bytes r ‖ s ‖ v (v = 0/1, 27/28 or EIP-155), or 66 with a two-byte v. */
  signature: Hex | Uint8Array
  /** Hashes Airlock computed itself from the raw SafeTx fields; never taken from the device. */
  hashes: SafeTxHashes
  expectedOwner: Address
  /** The Safe's chain: an EIP-155 `v` must name it. */
  chainId?: bigint | undefined
  /** Addresses whose keys may have signed instead (the device's own key at the path, other owners). */
  knownSigners?: readonly Address[] | undefined
}

export type CheckSignatureReturnType =
  | { ok: true; signature: Hex; signer: Address }
  | {
      ok: false
      code: Extract<FailureCode, 'invalid-signature' | 'wrong-signer' | 'wrong-hash'>
      details: string
      recovered?: Address | undefined
    }

/**
 * Checks a device's signature: normalises v to 27/28, refuses high s and out-of-range values, and
 * recovers the signer over the recomputed safeTxHash. A signer other than the expected owner is
 * `wrong-signer` when it is a known key (the device's own, another owner), `wrong-hash` otherwise
 * (the device signed other data, e.g. the hash as a personal message).
 *
 * @example
 * const result = checkSignature({ signature, hashes: SafeTxHash.compute({ tx, context }), expectedOwner })
 * if (result.ok) result.signature // '0x…1b'
 */
export function checkSignature({
  signature,
  hashes,
  expectedOwner,
  chainId,
  knownSigners = [],
}: CheckSignatureParameters): CheckSignatureReturnType {
  let ecdsa: Signature.Ecdsa
  try {
    ecdsa = Signature.fromEcdsa(signature, { chainId })
  } catch (error) {
    if (!isBaseError(error)) throw error
    return { ok: false, code: 'invalid-signature', details: `${error.name}: ${error.shortMessage}` }
  }
  const { safeTxHash } = hashes
  const recovered = Signature.recover({ signature: ecdsa, safeTxHash })
  if (recovered === undefined) {
    return {
      ok: false,
      code: 'invalid-signature',
      details: `no public key recovers from r=${ecdsa.r} s=${ecdsa.s} v=${ecdsa.v} over ${safeTxHash}`,
    }
  }
  if (isAddressEqual(recovered, expectedOwner)) {
    return { ok: true, signature: Signature.encode([ecdsa]), signer: recovered }
  }
  // The owner's key over the hash as a personal message: the device signed, but not what Safe checks.
  const asPersonal = Signature.recover({
    signature: { ...ecdsa, type: 'eth_sign', v: ecdsa.v + 4 },
    safeTxHash,
  })
  if (asPersonal !== undefined && isAddressEqual(asPersonal, expectedOwner)) {
    return {
      ok: false,
      code: 'wrong-hash',
      recovered,
      details: `the owner ${expectedOwner} signed safeTxHash ${safeTxHash} as a personal message, not as EIP-712`,
    }
  }
  if (knownSigners.some((known) => isAddressEqual(known, recovered))) {
    return {
      ok: false,
      code: 'wrong-signer',
      recovered,
      details: `expected ${expectedOwner}, signed by ${recovered} over safeTxHash ${safeTxHash}`,
    }
  }
  return {
    ok: false,
    code: 'wrong-hash',
    recovered,
    details: `over safeTxHash ${safeTxHash} the signature recovers to ${recovered}, not ${expectedOwner}: other data was signed`,
  }
}
