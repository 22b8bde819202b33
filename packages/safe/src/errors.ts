import { BaseError } from '@airlock/errors'

/** A value that should be 0x-prefixed hex is not (odd length, bad characters, wrong size). */
export class InvalidHexError extends BaseError {
  override name = 'Safe.InvalidHexError'
}

/** An address is malformed or fails its EIP-55 checksum. */
export class InvalidAddressError extends BaseError {
  override name = 'Safe.InvalidAddressError'
}

/** A numeric field is not a non-negative integer in range. */
export class InvalidNumberError extends BaseError {
  override name = 'Safe.InvalidNumberError'
}

/** A field is missing or of the wrong type. */
export class InvalidFieldError extends BaseError {
  override name = 'Safe.InvalidFieldError'
}

/** The Safe version is not one Airlock knows how to hash. */
export class UnsupportedSafeVersionError extends BaseError {
  override name = 'Safe.UnsupportedSafeVersionError'
}

/** A signature blob or a single signature cannot be parsed, or fails a validity rule. */
export class InvalidSignatureError extends BaseError {
  override name = 'Safe.InvalidSignatureError'
}

/** Calldata claims a shape it does not have (e.g. a truncated MultiSend payload). */
export class MalformedCalldataError extends BaseError {
  override name = 'Safe.MalformedCalldataError'
}

/** The organisation configuration (tier thresholds, guardian, pausable contracts) is invalid. */
export class InvalidOrgConfigError extends BaseError {
  override name = 'Safe.InvalidOrgConfigError'
}

/** A request beyond the analysis budget (depth, calls, bytes, ABI values): refused before the work. */
export class RequestTooComplexError extends BaseError {
  override name = 'Safe.RequestTooComplexError'
}

/** A bug inside the analysis, turned into a typed error so no untyped exception leaves the engine. */
export class AnalysisFailedError extends BaseError {
  override name = 'Safe.AnalysisFailedError'
}
