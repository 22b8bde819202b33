import type { Address, Hex } from 'viem'
import {
  address,
  hex,
  list,
  message,
  oneOf,
  optional,
  struct,
  type TypedUr,
  text,
  uint,
  urHelpers,
} from './codec.ts'
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
  /** The signer's signed log head after this response (witnessed by the coordinator). */
  head?: WireHead | undefined
  /** RFC 9162 consistency proof from the head the request said the coordinator last saw to `head`. */
  consistency?: WireConsistency | undefined
}

/** A signed tree head (audit-log `TreeHead`) on the wire: root and signature as bytes. */
export type WireHead = { size: number; root: Hex; time: string; keyId: string; sig: Hex }
/** A consistency proof between two heads, hashes as bytes. */
export type WireConsistency = { from: number; to: number; proof: Hex[] }

/** The codec of a signed tree head, shared with the request's `heads`. */
export const headCodec = struct({
  size: { key: 1, codec: uint },
  root: { key: 2, codec: hex({ length: 32 }) },
  time: { key: 3, codec: text({ max: 40, pattern: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ }) },
  keyId: { key: 4, codec: text({ max: 64, pattern: /^[0-9a-f]{16}$/ }) },
  sig: { key: 5, codec: hex({ length: 64 }) },
})

/**
 * Largest receipt, in bytes: a receipt lists up to 64 outflows (signer-core's Receipt), about 150 bytes
 * each, so a payroll batch's receipt fits (1 KiB did not hold six transfers).
 */
export const receiptBytes = 12 * 1024

const fields = {
  requestId: { key: 1, codec: hex({ length: 16 }) },
  safeTxHash: { key: 2, codec: hex({ length: 32 }) },
  signer: { key: 3, codec: address },
  signature: { key: 4, codec: hex({ min: 1, max: 2048 }) },
  kind: { key: 5, codec: oneOf(kinds) },
  receipt: { key: 6, codec: optional(hex({ min: 1, max: receiptBytes })) },
  head: { key: 7, codec: optional(headCodec) },
  consistency: {
    key: 8,
    codec: optional(
      struct({
        from: { key: 1, codec: uint },
        to: { key: 2, codec: uint },
        proof: { key: 3, codec: list(hex({ length: 32 }), { max: 64 }) },
      }),
    ),
  },
}

const codec = message({
  what: 'signature response',
  version: formatVersion,
  fields,
  toModel: ({ receipt, head, consistency, ...wire }): SignatureResponse => ({
    ...wire,
    ...(receipt ? { receipt } : {}),
    ...(head ? { head } : {}),
    ...(consistency ? { consistency } : {}),
  }),
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
