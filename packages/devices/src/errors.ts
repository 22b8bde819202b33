import { BaseError } from '@airlock/errors'

/** A derivation path is not a BIP-32 path the devices accept. */
export class InvalidPathError extends BaseError {
  override name = 'Devices.InvalidPathError'
}

/** A caller passed a parameter the device adapter cannot use (bad address, bad key, bad option). */
export class InvalidParameterError extends BaseError {
  override name = 'Devices.InvalidParameterError'
}

/** The software key was asked for without the policy allowing it. */
export class SoftwareKeyNotAllowedError extends BaseError {
  override name = 'Devices.SoftwareKeyNotAllowedError'
}

/** A Keystone signature was completed while no request was prepared, or the QR channel is missing. */
export class KeystoneStateError extends BaseError {
  override name = 'Devices.KeystoneStateError'
}

/** A private key is not a secp256k1 private key: not 32 bytes of hex, zero, or not below the curve order. */
export class InvalidPrivateKeyError extends BaseError {
  override name = 'Devices.InvalidPrivateKeyError'
}
