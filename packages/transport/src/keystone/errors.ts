import { BaseError } from '@airlock/errors'

/** The CBOR payload does not decode, or a field is missing or of the wrong type. */
export class KeystoneMalformedError extends BaseError {
  override name = 'Transport.KeystoneMalformedError'
}

/** The request's data type is unknown, or not the one the caller needs (Airlock signs typed data only). */
export class KeystoneDataTypeError extends BaseError {
  override name = 'Transport.KeystoneDataTypeError'
}

/** The signature answers another request than the one Airlock sent (or names no request at all). */
export class KeystoneRequestIdMismatchError extends BaseError {
  override name = 'Transport.KeystoneRequestIdMismatchError'
}

/** The signature is not 65 bytes (r ‖ s ‖ v) or 66 bytes (r ‖ s ‖ two-byte v). */
export class KeystoneSignatureLengthError extends BaseError {
  override name = 'Transport.KeystoneSignatureLengthError'
}

/** The signature's `v` is none of 0/1, 27/28 or the EIP-155 values for the request's chain. */
export class KeystoneSignatureVError extends BaseError {
  override name = 'Transport.KeystoneSignatureVError'
}

/** The signature's r or s is outside the secp256k1 range. */
export class KeystoneSignatureValueError extends BaseError {
  override name = 'Transport.KeystoneSignatureValueError'
}

/** The signature recovers to another address than the owner the request was addressed to. */
export class KeystoneSignerMismatchError extends BaseError {
  override name = 'Transport.KeystoneSignerMismatchError'
}

/** A request cannot be built: bad derivation path, fingerprint, request id or chain id. */
export class KeystoneRequestParameterError extends BaseError {
  override name = 'Transport.KeystoneRequestParameterError'
}
