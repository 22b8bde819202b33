// A deterministic camera simulator for QR round-trip tests and benchmarks: it turns a clean
// rendered code into something like a 640×480 webcam frame of a phone or laptop screen. Pure
// TypeScript on RGBA buffers, seeded, so a failing case replays exactly.
import * as RgbaFrame from './RgbaFrame.ts'

/** A small seeded PRNG (mulberry32): same seed, same sequence, on every platform. */
export type Rng = {
  /** Uniform in [0, 1). */
  next: () => number
  /** Integer in [0, n). */
  int: (n: number) => number
  /** Uniform in [min, max). */
  range: (min: number, max: number) => number
  /** Standard normal (Box–Muller). */
  gaussian: () => number
  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle: <T>(items: T[]) => T[]
}

/**
 * Creates a seeded random number generator.
 *
 * @example
 * const rng = createRng(42)
 * rng.int(10) // same value on every run
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    range: (min, max) => min + next() * (max - min),
    gaussian: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[items[i], items[j]] = [items[j]!, items[i]!]
      }
      return items
    },
  }
  return rng
}

/**
 * Deterministic pseudo-random bytes (for payload fixtures).
 *
 * @example
 * const payload = randomBytes(createRng(1), 2048)
 */
export function randomBytes(rng: Rng, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = rng.int(256)
  return out
}

// The pipeline works on one grey channel (a camera decoder looks at luma only) and packs RGBA at the end.
type Grey = { data: Float32Array; width: number; height: number }

function toGrey(src: RgbaFrame.RgbaFrame): Grey {
  RgbaFrame.assert(src)
  const { data, width, height } = src
  const out = new Float32Array(width * height)
  for (let i = 0, p = 0; p < out.length; p++, i += 4) {
    out[p] = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!
  }
  return { data: out, width, height }
}

function toRgba({ data, width, height }: Grey): RgbaFrame.RgbaFrame & { data: Uint8ClampedArray } {
  const out = new Uint8ClampedArray(width * height * 4)
  for (let p = 0, i = 0; p < data.length; p++, i += 4) {
    const v = data[p]!
    out[i] = v
    out[i + 1] = v
    out[i + 2] = v
    out[i + 3] = 255
  }
  return { data: out, width, height }
}

export type PlaceParameters = {
  width?: number | undefined
  height?: number | undefined
  /** Share of the frame's shorter side the image covers (letterboxing around it). */
  fill?: number | undefined
  /** Rotation in degrees, clockwise. */
  angle?: number | undefined
  /** Shift of the image centre from the frame centre, in pixels. */
  offsetX?: number | undefined
  offsetY?: number | undefined
  /** Grey level around the image (a desk, a bezel). */
  background?: number | undefined
}

function placeGrey(
  src: Grey,
  {
    width = 640,
    height = 480,
    fill = 0.9,
    angle = 0,
    offsetX = 0,
    offsetY = 0,
    background = 110,
  }: PlaceParameters,
): Grey {
  const out = new Float32Array(width * height)
  const grey = src.data
  const sw = src.width
  const sh = src.height
  const scale = (fill * Math.min(width, height)) / Math.max(sw, sh)
  // Supersample when shrinking by more than 2×, so that modules blend into grey instead of aliasing.
  const samples = Math.min(3, Math.max(1, Math.ceil(0.5 / scale)))
  const rad = (angle * Math.PI) / 180
  const cos = Math.cos(rad) / scale
  const sin = Math.sin(rad) / scale
  const cx = width / 2 + offsetX
  const cy = height / 2 + offsetY
  const norm = 1 / (samples * samples)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          // Inverse mapping: frame pixel -> source pixel.
          const dx = x + (sx + 0.5) / samples - 0.5 - cx
          const dy = y + (sy + 0.5) / samples - 0.5 - cy
          const u = dx * cos + dy * sin + sw / 2 - 0.5
          const v = -dx * sin + dy * cos + sh / 2 - 0.5
          if (u < 0 || v < 0 || u > sw - 1 || v > sh - 1) {
            sum += background
            continue
          }
          const x0 = u | 0
          const y0 = v | 0
          const x1 = x0 + 1 < sw ? x0 + 1 : x0
          const y1 = y0 + 1 < sh ? y0 + 1 : y0
          const fx = u - x0
          const fy = v - y0
          const r0 = y0 * sw
          const r1 = y1 * sw
          const top = grey[r0 + x0]! + (grey[r0 + x1]! - grey[r0 + x0]!) * fx
          const bottom = grey[r1 + x0]! + (grey[r1 + x1]! - grey[r1 + x0]!) * fx
          sum += top + (bottom - top) * fy
        }
      }
      out[y * width + x] = sum * norm
    }
  }
  return { data: out, width, height }
}

/**
 * Scales, rotates and letterboxes `src` into a grey frame, as a camera framing a screen would
 * (bilinear sampling).
 *
 * @example
 * const frame = place(QrCode.toRgba(qr), { width: 640, height: 480, fill: 0.9, angle: 3 })
 */
export function place(
  src: RgbaFrame.RgbaFrame,
  parameters: PlaceParameters = {},
): RgbaFrame.RgbaFrame & { data: Uint8ClampedArray } {
  return toRgba(placeGrey(toGrey(src), parameters))
}

function blurGrey(image: Grey, radius: number): Grey {
  const { width, height } = image
  const tmp = new Float32Array(image.data.length)
  const out = new Float32Array(image.data.length)
  const span = 2 * radius + 1
  // Running-sum box filter, edges clamped: O(pixels) whatever the radius.
  const pass = (
    src: Float32Array,
    dst: Float32Array,
    lines: number,
    length: number,
    lineStep: number,
    step: number,
  ) => {
    for (let line = 0; line < lines; line++) {
      const base = line * lineStep
      const at = (k: number) => src[base + (k < 0 ? 0 : k >= length ? length - 1 : k) * step]!
      let sum = 0
      for (let d = -radius; d <= radius; d++) sum += at(d)
      for (let k = 0; k < length; k++) {
        dst[base + k * step] = sum / span
        sum += at(k + radius + 1) - at(k - radius)
      }
    }
  }
  pass(image.data, tmp, height, width, width, 1)
  pass(tmp, out, width, height, 1, width)
  return { data: out, width, height }
}

/**
 * Box blur of `radius` pixels each side, like a slightly out-of-focus lens. Returns a new grey frame.
 *
 * @example
 * const soft = blur(frame, { radius: 1 })
 */
export function blur(
  frame: RgbaFrame.RgbaFrame,
  { radius = 1 }: { radius?: number | undefined } = {},
): RgbaFrame.RgbaFrame & { data: Uint8ClampedArray } {
  return toRgba(blurGrey(toGrey(frame), radius))
}

export type ExposeParameters = {
  rng: Rng
  /** Grey level a black pixel comes out as. */
  low?: number | undefined
  /** Grey level a white pixel comes out as. */
  high?: number | undefined
  /** Standard deviation of the sensor noise, in grey levels. */
  noise?: number | undefined
  /** A soft bright spot: a lamp reflected in the screen. */
  glare?: { x: number; y: number; radius: number; strength: number } | undefined
}

function exposeGrey(image: Grey, { rng, low = 0, high = 255, noise = 0, glare }: ExposeParameters): Grey {
  const { data, width, height } = image
  const gain = (high - low) / 255
  // Noise from a table of normal deviates walked at random offsets: a per-pixel Box–Muller
  // would dominate the simulation's run time.
  const table = new Float32Array(4096)
  for (let i = 0; i < table.length; i++) table[i] = noise * rng.gaussian()
  // The Gaussian glare spot is separable: exp(-(dx²+dy²)/2r²) = ex[x] · ey[y].
  const ex = new Float32Array(width)
  const ey = new Float32Array(height)
  if (glare) {
    const k = 1 / (2 * glare.radius * glare.radius)
    for (let x = 0; x < width; x++) ex[x] = glare.strength * Math.exp(-((x - glare.x) ** 2) * k)
    for (let y = 0; y < height; y++) ey[y] = Math.exp(-((y - glare.y) ** 2) * k)
  }
  let walk = rng.int(table.length)
  const jump = 1 + 2 * rng.int(1000)
  for (let y = 0, p = 0; y < height; y++) {
    const gy = ey[y]!
    for (let x = 0; x < width; x++, p++) {
      walk = (walk + jump) & 4095
      data[p] = low + data[p]! * gain + table[walk]! + ex[x]! * gy
    }
  }
  return image
}

/**
 * Camera response: a screen's black comes out dark grey and its white light grey (`low`/`high`),
 * plus an optional soft glare spot and Gaussian sensor noise. Returns a new grey frame.
 *
 * @example
 * const exposed = expose(frame, { rng: createRng(1), low: 40, high: 210, noise: 8 })
 */
export function expose(
  frame: RgbaFrame.RgbaFrame,
  parameters: ExposeParameters,
): RgbaFrame.RgbaFrame & { data: Uint8ClampedArray } {
  return toRgba(exposeGrey(toGrey(frame), parameters))
}

/**
 * Swaps light and dark (an inverted wallet screen). Returns a new frame.
 *
 * @example
 * const inverted = invert(QrCode.toRgba(qr))
 */
export function invert(frame: RgbaFrame.RgbaFrame): RgbaFrame.RgbaFrame & { data: Uint8ClampedArray } {
  RgbaFrame.assert(frame)
  const data = Uint8ClampedArray.from(frame.data)
  for (let i = 0; i < data.length; i += 4) {
    data[i] = 255 - data[i]!
    data[i + 1] = 255 - data[i + 1]!
    data[i + 2] = 255 - data[i + 2]!
  }
  return { data, width: frame.width, height: frame.height }
}

export type CameraParameters = {
  rng: Rng
  width?: number | undefined
  height?: number | undefined
  /** Largest rotation either way, degrees; the smallest is 2°. */
  maxAngle?: number | undefined
  /** Sensor noise standard deviation. */
  noise?: number | undefined
  /** Box-blur radius (0 for none). */
  blurRadius?: number | undefined
  /** Add a soft glare spot. */
  glare?: boolean | undefined
}

/**
 * The whole camera simulation with randomised but bounded parameters: letterboxed into a
 * 640×480 frame at 80–92% of its height, rotated 2–`maxAngle`° either way, shifted a few pixels,
 * slightly blurred, compressed contrast, glare and noise.
 *
 * @example
 * const frame = camera(QrCode.toRgba(qr, { scale: 4 }), { rng: createRng(7) })
 */
export function camera(
  src: RgbaFrame.RgbaFrame,
  { rng, width = 640, height = 480, maxAngle = 5, noise = 6, blurRadius = 1, glare = true }: CameraParameters,
): RgbaFrame.RgbaFrame & { data: Uint8ClampedArray } {
  const angle = rng.range(2, Math.max(2, maxAngle)) * (rng.next() < 0.5 ? -1 : 1)
  const placed = placeGrey(toGrey(src), {
    width,
    height,
    fill: rng.range(0.8, 0.92),
    angle,
    offsetX: rng.range(-12, 12),
    offsetY: rng.range(-8, 8),
    background: rng.range(60, 160),
  })
  const soft = blurRadius > 0 ? blurGrey(placed, blurRadius) : placed
  return toRgba(
    exposeGrey(soft, {
      rng,
      low: rng.range(20, 50),
      high: rng.range(195, 235),
      noise,
      ...(glare
        ? {
            glare: {
              x: rng.range(0, width),
              y: rng.range(0, height),
              radius: rng.range(40, 90),
              strength: rng.range(15, 35),
            },
          }
        : {}),
    }),
  )
}
