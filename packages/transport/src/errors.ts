import { BaseError, type BaseErrorParameters } from '@airlock/errors'

// UR layer: encoding options and the problems a scanned QR frame can have.

/** A UR type name breaks the UR rules (lowercase letters, digits and dashes only). */
export class InvalidUrTypeError extends BaseError {
  override name = 'Transport.InvalidUrTypeError'
}

/** Encoder input is unusable: empty payload, bad fragment lengths, payload not a Uint8Array. */
export class InvalidEncoderInputError extends BaseError {
  override name = 'Transport.InvalidEncoderInputError'
}

/** The scanned text is not a UR at all (a URL, an address, another wallet's format). */
export class NotUrError extends BaseError {
  override name = 'Transport.NotUrError'
}

/** The UR is of another type than the screen expects (e.g. a Keystone QR where an Airlock request belongs). */
export class WrongUrTypeError extends BaseError {
  override name = 'Transport.WrongUrTypeError'
  readonly type: string
  readonly expectedTypes: readonly string[]
  constructor(
    shortMessage: string,
    {
      type,
      expectedTypes,
      ...rest
    }: BaseErrorParameters & { type: string; expectedTypes: readonly string[] },
  ) {
    super(shortMessage, rest)
    this.type = type
    this.expectedTypes = expectedTypes
  }
}

/** A part belongs to a different message than the one being assembled. */
export class NewSessionError extends BaseError {
  override name = 'Transport.NewSessionError'
}

/** The UR text or its fragment header is structurally broken. */
export class MalformedUrError extends BaseError {
  override name = 'Transport.MalformedUrError'
}

/** A CRC32 does not match: a misread frame (part checksum) or parts that do not fit together (message checksum). */
export class ChecksumError extends BaseError {
  override name = 'Transport.ChecksumError'
  /** `part`: one frame was misread; `message`: the reassembled message is wrong. */
  readonly scope: 'part' | 'message'
  constructor(shortMessage: string, { scope, ...rest }: BaseErrorParameters & { scope: 'part' | 'message' }) {
    super(shortMessage, rest)
    this.scope = scope
  }
}

/** The declared message is larger than this side accepts; refused before allocating it. */
export class OversizeError extends BaseError {
  override name = 'Transport.OversizeError'
}

// Airlock UR types: CBOR bodies validated against the schemas.

/** The bytes are not the strict, canonical CBOR the Airlock formats require. */
export class InvalidCborError extends BaseError {
  override name = 'Transport.InvalidCborError'
}

/** The body was written in a format version this build does not understand. */
export class UnsupportedFormatVersionError extends BaseError {
  override name = 'Transport.UnsupportedFormatVersionError'
  readonly version: unknown
  constructor(shortMessage: string, { version, ...rest }: BaseErrorParameters & { version: unknown }) {
    super(shortMessage, rest)
    this.version = version
  }
}

type FieldErrorParameters = BaseErrorParameters & { field: string }

/** A required field is absent. `field` is the path, e.g. `tx.nonce`. */
export class MissingFieldError extends BaseError {
  override name = 'Transport.MissingFieldError'
  readonly field: string
  constructor(shortMessage: string, { field, ...rest }: FieldErrorParameters) {
    super(shortMessage, rest)
    this.field = field
  }
}

/** A field the schema does not define is present (unknown fields are rejected, not ignored). */
export class UnknownFieldError extends BaseError {
  override name = 'Transport.UnknownFieldError'
  readonly field: string
  constructor(shortMessage: string, { field, ...rest }: FieldErrorParameters) {
    super(shortMessage, rest)
    this.field = field
  }
}

/** A field has the wrong type, size or value. `field` is the path, e.g. `signatures[1].signer`. */
export class InvalidFieldError extends BaseError {
  override name = 'Transport.InvalidFieldError'
  readonly field: string
  constructor(shortMessage: string, { field, ...rest }: FieldErrorParameters) {
    super(shortMessage, rest)
    this.field = field
  }
}

/** `fromUr` was given a UR of another type than the schema's. */
export class UrTypeMismatchError extends BaseError {
  override name = 'Transport.UrTypeMismatchError'
}
