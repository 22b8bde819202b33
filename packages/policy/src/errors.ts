import { BaseError } from '@airlock/errors'

/** The organisation config inside a policy bundle is malformed (names the field). */
export class InvalidOrgConfigError extends BaseError {
  override name = 'Policy.InvalidOrgConfigError'
}

/** Facts handed to the engine (or written in a policy test file) are malformed. */
export class InvalidFactsError extends BaseError {
  override name = 'Policy.InvalidFactsError'
}

/** The policies do not parse or do not validate against the schema; carries the diagnostics. */
export class InvalidPolicySetError extends BaseError {
  override name = 'Policy.InvalidPolicySetError'
}

/** A policy bundle is malformed (before any signature check). */
export class InvalidBundleError extends BaseError {
  override name = 'Policy.InvalidBundleError'
}

/** A policy test file or policy directory is malformed or missing pieces. */
export class InvalidPolicyTestError extends BaseError {
  override name = 'Policy.InvalidPolicyTestError'
}

/** The Cedar WebAssembly module could not be loaded from the bytes given. */
export class CedarLoadError extends BaseError {
  override name = 'Policy.CedarLoadError'
}

/** A policy admin's key (hex private key or BIP-39 mnemonic) cannot be used. */
export class InvalidAdminKeyError extends BaseError {
  override name = 'Policy.InvalidAdminKeyError'
}
