import { InvalidFieldError } from '../errors.ts'
import { bytes, message, type TypedUr, uint, urHelpers } from './codec.ts'
import * as names from './names.ts'

/** UR type of an audit-log export (signer to an auditor's machine). */
export const urType = names.AUDIT_LOG
/** Wire format version this build writes and reads. */
export const formatVersion = 1

export const limits = { signerBytes: 256, entriesBytes: 1024 * 1024 } as const

/** A contiguous slice of a signer's audit log; the audit-log package defines and verifies the entries. */
export type AuditLogExport = {
  /** The signer's id or public key. */
  signer: Uint8Array
  /** JSON Lines, one entry per line, in sequence order. */
  entries: Uint8Array
  firstSequence: number
  lastSequence: number
}

const fields = {
  signer: { key: 1, codec: bytes({ min: 1, max: limits.signerBytes }) },
  entries: { key: 2, codec: bytes({ max: limits.entriesBytes }) },
  firstSequence: { key: 3, codec: uint },
  lastSequence: { key: 4, codec: uint },
}

const codec = message({
  what: 'audit-log export',
  version: formatVersion,
  fields,
  toModel(wire): AuditLogExport {
    if (wire.lastSequence < wire.firstSequence) {
      throw new InvalidFieldError(
        `lastSequence (${wire.lastSequence}) is before firstSequence (${wire.firstSequence}).`,
        { field: 'lastSequence', hint: 'Export a range whose last entry is not before its first.' },
      )
    }
    return { ...wire }
  },
  fromModel: (exported: AuditLogExport) => exported,
})

/**
 * Encodes an audit-log export as canonical CBOR.
 *
 * @example
 * const bytes = AuditLogExport.encode({ signer, entries, firstSequence: 1, lastSequence: 42 })
 */
export const encode: (exported: AuditLogExport) => Uint8Array = codec.encode

/**
 * Decodes and validates an audit-log export's envelope.
 *
 * @example
 * const { entries, firstSequence } = AuditLogExport.decode(bytes)
 */
export const decode: (bytes: Uint8Array) => AuditLogExport = codec.decode

const helpers = urHelpers(urType, 'audit-log export', codec)

/**
 * The UR `{ type: 'airlock-audit-log', payload }` for `Ur.encode`.
 *
 * @example
 * const qr = Ur.encode(AuditLogExport.toUr(exported))
 */
export const toUr: (exported: AuditLogExport) => TypedUr = helpers.toUr

/**
 * Decodes a completed UR, checking that it is an audit-log export.
 *
 * @example
 * const exported = AuditLogExport.fromUr(decoder.result()!)
 */
export const fromUr: (ur: TypedUr) => AuditLogExport = helpers.fromUr
