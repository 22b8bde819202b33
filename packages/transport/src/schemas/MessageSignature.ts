import type { Address, Hex } from 'viem'
import { address, hex, message, optional, type TypedUr, urHelpers } from './codec.ts'
import * as names from './names.ts'

/** UR type of a Safe message signature (signer to coordinator). */
export const urType = names.MESSAGE_SIGNATURE
/** Wire format version this build writes and reads. */
export const formatVersion = 1

/** An owner's EIP-1271 signature over a Safe message hash, from the offline signer. */
export type MessageSignature = {
  /** The request this answers (16 bytes). */
  requestId: Hex
  /** The SafeMessage hash the signer computed and signed (EIP-712 in the Safe's domain). */
  messageHash: Hex
  signer: Address
  signature: Hex
  /** The signer's receipt (signer-core `Receipt`), when it has an audit key. */
  receipt?: Hex | undefined
}

const fields = {
  requestId: { key: 1, codec: hex({ length: 16 }) },
  messageHash: { key: 2, codec: hex({ length: 32 }) },
  signer: { key: 3, codec: address },
  signature: { key: 4, codec: hex({ min: 65, max: 65 }) },
  receipt: { key: 5, codec: optional(hex({ min: 1, max: 1024 })) },
}

const codec = message({
  what: 'message signature',
  version: formatVersion,
  fields,
  toModel: ({ receipt, ...wire }): MessageSignature => ({ ...wire, ...(receipt ? { receipt } : {}) }),
  fromModel: (response: MessageSignature) => response,
})

/**
 * Encodes a message signature as canonical CBOR.
 *
 * @example
 * const bytes = MessageSignature.encode({ requestId, messageHash, signer, signature })
 */
export const encode: (response: MessageSignature) => Uint8Array = codec.encode

/**
 * Decodes and validates a message signature; throws a typed error naming the bad field.
 *
 * @example
 * const response = MessageSignature.decode(bytes)
 */
export const decode: (bytes: Uint8Array) => MessageSignature = codec.decode

const helpers = urHelpers(urType, 'message signature', codec)

/**
 * The UR `{ type: 'airlock-message-signature', payload }` for `Ur.encode`.
 *
 * @example
 * const qr = Ur.encode(MessageSignature.toUr(response))
 */
export const toUr: (response: MessageSignature) => TypedUr = helpers.toUr

/**
 * Decodes a completed UR, checking that it is a message signature.
 *
 * @example
 * const response = MessageSignature.fromUr(decoder.result()!)
 */
export const fromUr: (ur: TypedUr) => MessageSignature = helpers.fromUr
