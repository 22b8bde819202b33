import { bytes, message, type TypedUr, uint, urHelpers } from './codec.ts'
import * as names from './names.ts'

/** UR type of a policy bundle (administrator to signer). */
export const urType = names.POLICY_BUNDLE
/** Wire format version this build writes and reads. */
export const formatVersion = 1

export const limits = { documentBytes: 512 * 1024 } as const

/**
 * A signed policy bundle, carried opaquely: the policy engine defines and verifies `document`
 * (canonical JSON bytes); the transport only moves it.
 */
export type PolicyBundle = {
  /** The bundle's own version (monotonic, checked by the policy engine). */
  version: number
  document: Uint8Array
}

const fields = {
  version: { key: 1, codec: uint },
  document: { key: 2, codec: bytes({ min: 1, max: limits.documentBytes }) },
}

const codec = message({
  what: 'policy bundle',
  version: formatVersion,
  fields,
  toModel: (wire): PolicyBundle => ({ version: wire.version, document: wire.document }),
  fromModel: (bundle: PolicyBundle) => bundle,
})

/**
 * Encodes a policy bundle as canonical CBOR.
 *
 * @example
 * const bytes = PolicyBundle.encode({ version: 3, document: new TextEncoder().encode(json) })
 */
export const encode: (bundle: PolicyBundle) => Uint8Array = codec.encode

/**
 * Decodes a policy bundle's envelope (the document itself is the policy engine's to verify).
 *
 * @example
 * const { version, document } = PolicyBundle.decode(bytes)
 */
export const decode: (bytes: Uint8Array) => PolicyBundle = codec.decode

const helpers = urHelpers(urType, 'policy bundle', codec)

/**
 * The UR `{ type: 'airlock-policy-bundle', payload }` for `Ur.encode`.
 *
 * @example
 * const qr = Ur.encode(PolicyBundle.toUr(bundle))
 */
export const toUr: (bundle: PolicyBundle) => TypedUr = helpers.toUr

/**
 * Decodes a completed UR, checking that it is a policy bundle.
 *
 * @example
 * const bundle = PolicyBundle.fromUr(decoder.result()!)
 */
export const fromUr: (ur: TypedUr) => PolicyBundle = helpers.fromUr
