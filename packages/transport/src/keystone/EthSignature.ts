// ERC-4527 `eth-signature` (CBOR tag 402): what a Keystone shows back after signing.
// The signer app trusts nothing in it: the request id must be ours, the signature well-formed, and
// the caller recovers the signer over the safeTxHash it computed itself (`verifySigner`).
import { type SafeContext, SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { type Address, bytesToHex, type Hex, isAddressEqual } from 'viem'
import { UrTypeMismatchError } from '../errors.ts'
import type { UrResult } from '../Ur.ts'
import {
  decodeMap,
  encodeCbor,
  field,
  optionalText,
  optionalUuid,
  requireBytes,
  Tagged,
  UUID_TAG,
} from './cbor.ts'
import {
  KeystoneRequestIdMismatchError,
  KeystoneSignatureLengthError,
  KeystoneSignatureValueError,
  KeystoneSignatureVError,
  KeystoneSignerMismatchError,
} from './errors.ts'
import * as Uuid from './uuid.ts'

/** The UR type of a signature. */
export const urType = 'eth-signature'

/** An `eth-signature` as it is on the wire: the signature bytes are not checked or normalised yet. */
export type EthSignature = {
  requestId?: string | undefined
  /** r ‖ s ‖ v, v one byte (65 bytes) or two bytes big-endian for EIP-155 v above 255 (66 bytes). */
  signature: Uint8Array
  /** The device that signed, e.g. "Keystone 3 Pro". */
  origin?: string | undefined
}

/** A signature Airlock accepts: it answers our request and is 65 bytes with v = 27 or 28. */
export type Accepted = {
  requestId: string
  signature: Hex
  origin?: string | undefined
}

export type AcceptParameters = {
  /** The scanned UR: its type and CBOR payload. */
  ur: UrResult
  /** The id of the request Airlock sent. */
  requestId: string
  /** The chain of that request: EIP-155 style v values must name it. */
  chainId: bigint
}

// secp256k1 group order: r and s must lie in [1, n-1].
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/**
 * The CBOR of a signature (used by tests and by tools that stand in for a device).
 *
 * @example
 * const cbor = EthSignature.encode({ requestId, signature: hexToBytes(sig), origin: 'Keystone' })
 */
export function encode(signature: EthSignature): Uint8Array {
  const map = new Map<number, unknown>()
  if (signature.requestId !== undefined) map.set(1, new Tagged(UUID_TAG, Uuid.parse(signature.requestId)))
  map.set(2, signature.signature)
  if (signature.origin !== undefined) map.set(3, signature.origin)
  return encodeCbor(map)
}

/**
 * Decodes the CBOR of an `eth-signature` without judging it; use `accept` to admit one.
 *
 * @example
 * const { requestId, signature, origin } = EthSignature.decode(cbor)
 */
export function decode(cbor: Uint8Array): EthSignature {
  const what = 'signature'
  const map = decodeMap(cbor, what)
  const requestId = optionalUuid(field(map, 1), what)
  return {
    requestId: requestId === undefined ? undefined : Uuid.format(requestId),
    signature: requireBytes(field(map, 2), 'signature', what),
    origin: optionalText(field(map, 3), 'origin', what),
  }
}

/**
 * Admits a scanned `eth-signature` for the request Airlock sent: checks the UR type, the request id,
 * the length and v, and returns the signature as 65 bytes with v = 27/28.
 * It does not check who signed: call `verifySigner` with the transaction next.
 *
 * @example
 * const { signature } = EthSignature.accept({ ur, requestId: request.requestId, chainId: 1n })
 */
export function accept({ ur, requestId, chainId }: AcceptParameters): Accepted {
  if (ur.type !== urType) {
    throw new UrTypeMismatchError(`Expected an eth-signature QR code, got "${ur.type}".`, {
      hint: 'Scan the signature QR code the Keystone shows after signing.',
    })
  }
  const decoded = decode(ur.payload)
  const expected = Uuid.format(Uuid.parse(requestId))
  if (decoded.requestId === undefined) {
    throw new KeystoneRequestIdMismatchError('The signature does not say which request it answers.', {
      hint: 'Scan the signature the Keystone shows for this request; a signature without a request id is refused.',
      details: `expected request id ${expected}`,
    })
  }
  if (decoded.requestId !== expected) {
    throw new KeystoneRequestIdMismatchError('The signature answers another request than this one.', {
      hint: 'Scan the signature for the request on screen now; an older or foreign signature is refused.',
      details: `expected request id ${expected}, got ${decoded.requestId}`,
    })
  }
  return {
    requestId: expected,
    signature: normalize({ signature: decoded.signature, chainId }),
    ...(decoded.origin === undefined ? {} : { origin: decoded.origin }),
  }
}

/**
 * Checks r, s and v and returns r ‖ s ‖ v with v = 27 or 28. Accepts v as 0/1, 27/28, or EIP-155
 * `chainId * 2 + 35/36` for the given chain (two bytes when the chain id is above 109).
 *
 * @example
 * EthSignature.normalize({ signature: bytes66, chainId: 8453n }) // '0x…1b' or '0x…1c'
 */
export function normalize({ signature, chainId }: { signature: Uint8Array; chainId: bigint }): Hex {
  if (signature.length !== 65 && signature.length !== 66) {
    throw new KeystoneSignatureLengthError(`The signature is ${signature.length} bytes, not 65 or 66.`, {
      hint: 'Scan the signature again; an Ethereum signature is r, s and v (65 bytes, 66 with a two-byte v).',
    })
  }
  const r = toBigInt(signature.subarray(0, 32))
  const s = toBigInt(signature.subarray(32, 64))
  if (r === 0n || r >= SECP256K1_N || s === 0n || s >= SECP256K1_N) {
    throw new KeystoneSignatureValueError('The signature’s r or s is out of range.', {
      hint: 'Scan the signature again; these bytes are not a secp256k1 signature.',
    })
  }
  const v = toBigInt(signature.subarray(64))
  const parity = recoveryBit(v, chainId)
  if (parity === undefined) {
    const eip155 = chainId * 2n + 35n
    throw new KeystoneSignatureVError(`The signature’s v (${v}) is not valid for chain ${chainId}.`, {
      hint: 'Sign the request on the Keystone again; the signature may be for another chain.',
      details: `accepted v: 0, 1, 27, 28, ${eip155}, ${eip155 + 1n}`,
    })
  }
  const normalised = new Uint8Array(65)
  normalised.set(signature.subarray(0, 64))
  normalised[64] = 27 + parity
  return bytesToHex(normalised)
}

export type VerifySignerParameters = {
  /** A 65-byte signature with v = 27/28, as `accept` returns it. */
  signature: Hex
  tx: SafeTx.SafeTx
  context: SafeContext
  /** The owner the request was addressed to. */
  owner: string
}

export type VerifySignerReturnType = {
  signer: Address
  /** The signature as a Safe entry, ready for `Signature.build`. */
  entry: Signature.Ecdsa
}

/**
 * Recovers the signer over the safeTxHash Airlock computes itself from the raw fields, as the Safe's
 * `ecrecover` does, and checks it is the expected owner. Refuses high-s signatures (Safe.MalleableSignatureError).
 *
 * @example
 * const { entry } = EthSignature.verifySigner({ signature, tx, context, owner })
 */
export function verifySigner({
  signature,
  tx,
  context,
  owner,
}: VerifySignerParameters): VerifySignerReturnType {
  const expected = SafeTx.parseAddress(owner, 'owner')
  const { safeTxHash } = SafeTxHash.compute({ tx, context })
  const entry = Signature.fromEcdsa(signature, { chainId: context.chainId })
  const signer = Signature.recover({ signature: entry, safeTxHash })
  if (signer === undefined) {
    throw new KeystoneSignatureValueError('No signer can be recovered from the signature.', {
      hint: 'Sign the request on the Keystone again.',
      details: `safeTxHash ${safeTxHash}`,
    })
  }
  if (!isAddressEqual(signer, expected)) {
    throw new KeystoneSignerMismatchError('The signature was made by another key than the owner’s.', {
      hint: 'Check that the Keystone holds the owner key and that the derivation path and fingerprint are right.',
      details: `expected ${expected}, recovered ${signer} over safeTxHash ${safeTxHash}`,
    })
  }
  return { signer, entry }
}

function recoveryBit(v: bigint, chainId: bigint): 0 | 1 | undefined {
  if (v === 0n || v === 27n) return 0
  if (v === 1n || v === 28n) return 1
  const eip155 = v - chainId * 2n - 35n
  if (eip155 === 0n) return 0
  if (eip155 === 1n) return 1
  return undefined
}

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n
  for (const byte of bytes) value = (value << 8n) | BigInt(byte)
  return value
}
