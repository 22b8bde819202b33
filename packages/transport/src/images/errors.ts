import { BaseError } from '@airlock/errors'

/** Text cannot be put in a QR code (too long for the allowed version, or empty). */
export class QrEncodeError extends BaseError {
  override name = 'Transport.QrEncodeError'
}

/** A camera frame is not a well-formed RGBA buffer of the stated size. */
export class InvalidFrameError extends BaseError {
  override name = 'Transport.InvalidFrameError'
}

/** The zxing WebAssembly binary could not be found, verified or instantiated. */
export class ZxingLoadError extends BaseError {
  override name = 'Transport.ZxingLoadError'
}

/** zxing failed while reading a frame (not "no code found", which is an empty result). */
export class QrDecodeError extends BaseError {
  override name = 'Transport.QrDecodeError'
}

/** Density tuning was asked for something impossible (negative size, fragment larger than any QR). */
export class InvalidDensityError extends BaseError {
  override name = 'Transport.InvalidDensityError'
}

/** An image file is not a well-formed PNG (bad signature, truncated or misordered chunks, corrupt data). */
export class InvalidImageError extends BaseError {
  override name = 'Transport.InvalidImageError'
}

/**
 * An image declares (or decompresses to) more pixels than a camera frame can have: refused before
 * decoding, so a small file that claims a huge image cannot exhaust memory or time.
 */
export class ImageTooLargeError extends BaseError {
  override name = 'Transport.ImageTooLargeError'
}
