import type { Address, Hex } from 'viem'
import { address, hex, message, oneOf, optional, type TypedUr, urHelpers } from './codec.ts'
import * as names from './names.ts'

/** UR type of a signature response (signer to coordinator). */
export const urType = names.SIGNATURE
/** Wire format version this build writes and reads. */
export const formatVersion = 1

export const kinds = ['safe-signature', 'approval-attestation'] as const
export type Kind = (typeof kinds)[number]

/** One signature produced by the offline signer for a request. */
export type SignatureResponse = {
  /** The request this answers (16 bytes). */
  requestId: Hex
  safeTxHash: Hex
  signer: Address
  signature: Hex
  kind: Kind
  /**
   * The signer's receipt for what it released (signer-core `Receipt`, signed with its audit key).
   * Optional: responses from before receipts existed still decode.
   */
  receipt?: Hex | undefined
}

const fields = {
  requestId: { key: 1, codec: hex({ length: 16 }) },
  safeTxHash: { key: 2, codec: hex({ length: 32 }) },
  signer: { key: 3, codec: address },
  signature: { key: 4, codec: hex({ min: 1, max: 2048 }) },
  kind: { key: 5, codec: oneOf(kinds) },
  receipt: { key: 6, codec: optional(hex({ min: 1, max: 1024 })) },
}

const codec = message({
  what: 'signature response',
  version: formatVersion,
  fields,
  toModel: ({ receipt, ...wire }): SignatureResponse => ({ ...wire, ...(receipt ? { receipt } : {}) }),
  fromModel: (response: SignatureResponse) => response,
})

/**
 * Encodes a signature response as canonical CBOR.
 *
 * @example
 * const bytes = SignatureResponse.encode({ requestId, safeTxHash, signer, signature, kind: 'safe-signature' })
 */
export const encode: (response: SignatureResponse) => Uint8Array = codec.encode

/**
 * Decodes and validates a signature response; throws a typed error naming the bad field.
 *
 * @example
 * const response = SignatureResponse.decode(bytes)
 */
export const decode: (bytes: Uint8Array) => SignatureResponse = codec.decode

const helpers = urHelpers(urType, 'signature response', codec)

/**
 * The UR `{ type: 'airlock-signature', payload }` for `Ur.encode`.
 *
 * @example
 * const qr = Ur.encode(SignatureResponse.toUr(response))
 */
export const toUr: (response: SignatureResponse) => TypedUr = helpers.toUr

/**
 * Decodes a completed UR, checking that it is a signature response.
 *
 * @example
 * const response = SignatureResponse.fromUr(decoder.result()!)
 */
export const fromUr: (ur: TypedUr) => SignatureResponse = helpers.fromUr
