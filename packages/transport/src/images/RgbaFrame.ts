import { InvalidFrameError } from './errors.ts'

/**
 * A raw RGBA image, 4 bytes per pixel, row-major: what a canvas `ImageData` or a camera
 * `VideoFrame.copyTo` gives. Structurally compatible with `ImageData`, so either can be passed.
 */
export type RgbaFrame = {
  data: Uint8ClampedArray | Uint8Array
  width: number
  height: number
}

/**
 * A new frame filled with one grey level (opaque).
 *
 * @example
 * const frame = RgbaFrame.create({ width: 640, height: 480, grey: 255 })
 */
export function create({
  width,
  height,
  grey = 255,
}: {
  width: number
  height: number
  grey?: number | undefined
}): RgbaFrame & { data: Uint8ClampedArray } {
  if (!isDimension(width) || !isDimension(height)) throw badDimensions(width, height)
  const data = new Uint8ClampedArray(width * height * 4)
  data.fill(grey)
  if (grey !== 255) for (let i = 3; i < data.length; i += 4) data[i] = 255
  return { data, width, height }
}

/**
 * Throws a typed error unless `frame` is an RGBA buffer of exactly `width × height × 4` bytes.
 * Camera plumbing bugs (RGB instead of RGBA, stride padding) show up here instead of as garbage reads.
 *
 * @example
 * RgbaFrame.assert({ data: new Uint8ClampedArray(16), width: 2, height: 2 })
 */
export function assert(frame: unknown): asserts frame is RgbaFrame {
  if (typeof frame !== 'object' || frame === null) {
    throw new InvalidFrameError('The camera frame is not an image object.', {
      hint: 'Pass { data, width, height } with RGBA bytes, e.g. an ImageData.',
    })
  }
  const { data, width, height } = frame as Partial<RgbaFrame>
  if (!(data instanceof Uint8ClampedArray || data instanceof Uint8Array)) {
    throw new InvalidFrameError('The camera frame has no RGBA byte buffer.', {
      hint: 'Pass data as a Uint8ClampedArray or Uint8Array of RGBA pixels.',
    })
  }
  if (!isDimension(width) || !isDimension(height)) throw badDimensions(width, height)
  if (data.length !== width * height * 4) {
    throw new InvalidFrameError('The camera frame size does not match its pixel buffer.', {
      hint: 'Pass tightly packed RGBA pixels (4 bytes per pixel, no row padding).',
      details: `width ${width} × height ${height} × 4 = ${width * height * 4}, buffer has ${data.length} bytes`,
    })
  }
}

function isDimension(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 16384
}

function badDimensions(width: unknown, height: unknown): InvalidFrameError {
  return new InvalidFrameError('The camera frame has an invalid width or height.', {
    hint: 'Width and height must be positive integers (at most 16384).',
    details: `width ${String(width)}, height ${String(height)}`,
  })
}
