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

// ---------------------------------------------------------------------------------------------------
// The laptop-webcam model: a code shown on one laptop's screen, filmed by another laptop's webcam.
//
// Each trial draws a fixed setup (how far, how tilted, how sharp, where the lamp is) and every
// camera frame then draws what changes from frame to frame (shake, noise, the display switching
// mid-exposure). The numbers:
// - the code is shown 600–800 screen px tall (quiet zone included) at 0.18–0.22 mm per px (a laptop at
//   its usual scaling): 10.8–17.6 cm;
// - the webcam sits 30–50 cm away with a 36–44° vertical field of view (laptop webcams are 65–78°
//   diagonally), so the code covers about 27–90% of the frame height, ~50% typically: 2–3 camera px
//   per module for a version-25 code at 640×480;
// - the screen is tilted 5–20° in a random direction (perspective), rolled up to ±4°, off centre;
// - defocus: Gaussian blur σ 0.45–1.1 px at 480 lines (scaled up for 720p, whose lenses are no sharper
//   per pixel); motion blur up to 2 px per frame from a hand or a wobbling lid;
// - exposure: the screen's black at 25–60, its white at 170–235 grey levels, sensor noise σ 2–7,
//   a lamp's reflection (glare) of 30–110 levels over 8–25% of the frame height;
// - the display changes frame every 1/fps s while the camera samples at 30 fps with a rolling shutter
//   (rows read out over 80% of the frame period) and an 8–33 ms exposure: a row whose exposure spans
//   the switch sees both frames blended;
// - MJPEG: every frame goes through 8×8 DCT quantisation at JPEG quality 45–80.

/** A code as the display shows it: a square of modules (1 = dark), quiet zone included. */
export type ScreenImage = { modules: Uint8Array; size: number }

/**
 * A QR matrix as a screen image with its quiet zone (light-on-dark when `invert`).
 *
 * @example
 * const shown = Degrade.screenImage(QrCode.encode(part), { margin: 4 })
 */
export function screenImage(
  qr: { size: number; modules: Uint8Array },
  { margin = 4, invert = false }: { margin?: number | undefined; invert?: boolean | undefined } = {},
): ScreenImage {
  const size = qr.size + 2 * margin
  const modules = new Uint8Array(size * size)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const qx = x - margin
      const qy = y - margin
      const dark = qx >= 0 && qy >= 0 && qx < qr.size && qy < qr.size && qr.modules[qy * qr.size + qx] === 1
      modules[y * size + x] = dark !== invert ? 1 : 0
    }
  }
  return { modules, size }
}

/** What one trial of the webcam model drew: fixed for every frame of that scan. */
export type WebcamSetup = {
  width: number
  height: number
  distanceCm: number
  /** Side of the shown code (quiet zone included), cm. */
  codeCm: number
  verticalFovDeg: number
  tiltDeg: number
  rollDeg: number
  /** Share of the frame height the code covers (before tilt). */
  coverage: number
  blurSigma: number
  maxMotionPx: number
  low: number
  high: number
  noise: number
  glare: { x: number; y: number; radius: number; strength: number }
  jpegQuality: number
  exposureMs: number
  /** Camera time of the first frame relative to the display's first switch, s. */
  phase: number
}

export type WebcamParameters = {
  rng: Rng
  /** Camera frame size (default 640×480; 1280×720 for a 720p webcam). */
  width?: number | undefined
  height?: number | undefined
  /** Override any drawn setting (for tests and for a bench sweeping one of them). */
  setup?: Partial<WebcamSetup> | undefined
}

export type Webcam = {
  readonly setup: WebcamSetup
  /** Camera frame rate (30). */
  readonly fps: number
  /** Camera pixels per module, at the code's centre, for a screen image `size` modules wide. */
  pixelsPerModule(size: number): number
  /**
   * Camera frame `index` (at `index / fps` s) of a display that shows `shown(i)` during
   * [i / displayFps, (i + 1) / displayFps).
   */
  capture(parameters: {
    index: number
    displayFps: number
    shown: (displayIndex: number) => ScreenImage
  }): RgbaFrame.RgbaFrame & { data: Uint8ClampedArray }
}

const CAMERA_FPS = 30
/** The app's page shown around the code, in code sides (the rest of the frame is the room). */
const PAGE = 0.12
/** Rolling shutter: rows are read out over this share of the frame period. */
const READOUT = 0.8

/**
 * A laptop webcam filming a laptop screen, with a setup drawn at random within the bounds above
 * (see the comment at the top of this part of the file).
 *
 * @example
 * const cam = Degrade.webcam({ rng: createRng(1), width: 1280, height: 720 })
 * const frame = cam.capture({ index: 0, displayFps: 10, shown: (i) => images[i % images.length] })
 */
export function webcam({ rng, width = 640, height = 480, setup: given = {} }: WebcamParameters): Webcam {
  const lines = height / 480
  const distanceCm = rng.range(30, 50)
  const codeCm = rng.range(600, 800) * rng.range(0.018, 0.022)
  const verticalFovDeg = rng.range(36, 44)
  const drawn: WebcamSetup = {
    width,
    height,
    distanceCm,
    codeCm,
    verticalFovDeg,
    tiltDeg: rng.range(5, 20),
    rollDeg: rng.range(-4, 4),
    coverage: 0,
    blurSigma: rng.range(0.45, 1.1) * Math.sqrt(lines),
    maxMotionPx: rng.range(0.3, 2) * lines,
    low: rng.range(25, 60),
    high: rng.range(170, 235),
    noise: rng.range(2, 7),
    glare: {
      x: width * rng.range(0.2, 0.8),
      y: height * rng.range(0.2, 0.8),
      radius: height * rng.range(0.08, 0.25),
      strength: rng.range(30, 110),
    },
    jpegQuality: rng.range(45, 80),
    exposureMs: rng.range(8, 33),
    phase: rng.next(),
  }
  const setup = { ...drawn, ...given }
  const focal = height / 2 / Math.tan((setup.verticalFovDeg * Math.PI) / 360)
  setup.coverage = (setup.codeCm * focal) / setup.distanceCm / height
  // The screen plane: tilted by tiltDeg about a random axis in it, rolled, shifted off centre.
  const azimuth = rng.range(0, 2 * Math.PI)
  const tilt = (setup.tiltDeg * Math.PI) / 180
  const roll = (setup.rollDeg * Math.PI) / 180
  const axis = [Math.cos(azimuth), Math.sin(azimuth), 0] as const
  const rotate = (v: readonly [number, number, number]): [number, number, number] => {
    // Rodrigues about `axis` by tilt, after a roll about the optical axis.
    const r: [number, number, number] = [
      v[0] * Math.cos(roll) - v[1] * Math.sin(roll),
      v[0] * Math.sin(roll) + v[1] * Math.cos(roll),
      v[2],
    ]
    const c = Math.cos(tilt)
    const s = Math.sin(tilt)
    const dot = axis[0] * r[0] + axis[1] * r[1]
    const cross: [number, number, number] = [axis[1] * r[2], -axis[0] * r[2], axis[0] * r[1] - axis[1] * r[0]]
    return [0, 1, 2].map((i) => r[i]! * c + cross[i]! * s + axis[i]! * dot * (1 - c)) as [
      number,
      number,
      number,
    ]
  }
  const u = rotate([1, 0, 0])
  const v = rotate([0, 1, 0])
  const n = rotate([0, 0, 1])
  const shift = setup.codeCm * 0.15
  const origin: [number, number, number] = [
    rng.range(-shift, shift),
    rng.range(-shift, shift),
    setup.distanceCm,
  ]
  const nDotOrigin = n[0] * origin[0] + n[1] * origin[1] + n[2] * origin[2]
  const shakeAngle = rng.range(0, Math.PI)
  const room = rng.range(40, 120)
  const page = 0.92 // the app's page around the code is nearly as light as the quiet zone
  const cx = width / 2
  const cy = height / 2

  // Camera pixel (rx, ry from the centre) -> position on the code: t = n·O / n·r, a = t (u·r) − u·O.
  const nf = n[2] * focal
  const uf = u[2] * focal
  const vf = v[2] * focal
  const uOrigin = u[0] * origin[0] + u[1] * origin[1] + u[2] * origin[2]
  const vOrigin = v[0] * origin[0] + v[1] * origin[1] + v[2] * origin[2]

  // Where the code and its page land in the frame: only that box is rendered in detail.
  const box = () => {
    let x0 = width
    let y0 = height
    let x1 = 0
    let y1 = 0
    const margin = PAGE // the page around the code, in code sides
    for (const [a, b] of [
      [-margin, -margin],
      [1 + margin, -margin],
      [-margin, 1 + margin],
      [1 + margin, 1 + margin],
    ] as const) {
      // Forward projection of a corner of the page.
      const la = (a - 0.5) * setup.codeCm
      const lb = (b - 0.5) * setup.codeCm
      const p = [0, 1, 2].map((i) => origin[i]! + la * u[i]! + lb * v[i]!)
      const x = cx + (focal * p[0]!) / p[2]!
      const y = cy + (focal * p[1]!) / p[2]!
      x0 = Math.min(x0, x)
      y0 = Math.min(y0, y)
      x1 = Math.max(x1, x)
      y1 = Math.max(y1, y)
    }
    const clamp = (value: number, max: number) => Math.max(0, Math.min(max, Math.round(value)))
    return { x0: clamp(x0, width), y0: clamp(y0, height), x1: clamp(x1, width), y1: clamp(y1, height) }
  }

  const sampleInto = (
    out: Float32Array,
    image: ScreenImage,
    rows: { from: number; to: number },
    area: { x0: number; x1: number },
    motion: { dx: number; dy: number },
    weightOf: (y: number) => number,
    forNext: boolean,
  ) => {
    const { modules, size } = image
    const pageSpan = size * PAGE
    for (let y = rows.from; y < rows.to; y++) {
      const w = weightOf(y)
      const share = forNext ? w : 1 - w
      if (share <= 0) continue
      for (let x = area.x0; x < area.x1; x++) {
        let sum = 0
        // Four samples along the motion path, spread across the pixel: motion blur and anti-aliasing.
        // The projection is inlined (a homography): this loop is the simulation's hot spot.
        for (let k = 0; k < 4; k++) {
          const along = (k + 0.5) / 4 - 0.5
          const rx = x + 0.5 + along * motion.dx + (k & 1 ? 0.25 : -0.25) - cx
          const ry = y + 0.5 + along * motion.dy + (k & 2 ? 0.25 : -0.25) - cy
          const t = nDotOrigin / (n[0] * rx + n[1] * ry + nf)
          const mx = ((t * (u[0] * rx + u[1] * ry + uf) - uOrigin) / setup.codeCm + 0.5) * size
          const my = ((t * (v[0] * rx + v[1] * ry + vf) - vOrigin) / setup.codeCm + 0.5) * size
          if (mx >= 0 && my >= 0 && mx < size && my < size) {
            sum += modules[(my | 0) * size + (mx | 0)] === 1 ? 0 : 1
          } else if (mx > -pageSpan && my > -pageSpan && mx < size + pageSpan && my < size + pageSpan) {
            sum += modules[0] === 1 ? 0 : page // an inverted code sits on a dark page
          } else sum += room / 255
        }
        out[y * width + x] = out[y * width + x]! + (share * sum) / 4
      }
    }
  }

  const pixelsPerModule = (size: number) => (setup.coverage * height) / size

  const capture: Webcam['capture'] = ({ index, displayFps, shown }) => {
    const area = box()
    const frame = new Float32Array(width * height).fill(room / 255)
    // Exposure window of row y: [t0 + y·readout/height, … + exposure]; the display switches at k/displayFps.
    const t0 = (index + setup.phase) / CAMERA_FPS
    const exposure = setup.exposureMs / 1000
    const rowStart = (y: number) => t0 + (y / height) * (READOUT / CAMERA_FPS)
    const displayAt = (t: number) => Math.floor(t * displayFps)
    const current = displayAt(rowStart(area.y0))
    const weightOf = (y: number) => {
      const start = rowStart(y)
      const end = start + exposure
      if (displayAt(start) === displayAt(end)) return displayAt(start) === current ? 0 : 1
      const switchAt = displayAt(end) / displayFps
      return (end - switchAt) / exposure
    }
    // Clear the box (it is drawn from the images), then add both display frames by their shares.
    for (let y = area.y0; y < area.y1; y++) frame.fill(0, y * width + area.x0, y * width + area.x1)
    const motionLength = rng.range(0, setup.maxMotionPx)
    const angle = shakeAngle + rng.range(-0.4, 0.4)
    const motion = { dx: motionLength * Math.cos(angle), dy: motionLength * Math.sin(angle) }
    const rows = { from: area.y0, to: area.y1 }
    const xs = { x0: area.x0, x1: area.x1 }
    sampleInto(frame, shown(current), rows, xs, motion, weightOf, false)
    sampleInto(frame, shown(current + 1), rows, xs, motion, weightOf, true)
    // Light levels to grey, the defocus, the lamp, noise, then the camera's JPEG.
    const grey = new Float32Array(width * height)
    const span = setup.high - setup.low
    for (let p = 0; p < grey.length; p++) grey[p] = setup.low + frame[p]! * span
    gaussianBlur(grey, width, height, setup.blurSigma, area)
    exposeGrey({ data: grey, width, height }, { rng, noise: setup.noise, glare: setup.glare })
    jpeg(grey, width, height, setup.jpegQuality, area)
    return toRgba({ data: grey, width, height })
  }

  return { setup, fps: CAMERA_FPS, pixelsPerModule, capture }
}

/** Separable Gaussian blur of the box (plus its kernel's reach), in place. */
function gaussianBlur(
  data: Float32Array,
  width: number,
  height: number,
  sigma: number,
  box: { x0: number; y0: number; x1: number; y1: number },
): void {
  const radius = Math.max(1, Math.ceil(3 * sigma))
  const kernel = new Float32Array(2 * radius + 1)
  let total = 0
  for (let i = -radius; i <= radius; i++)
    total += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma))
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= total
  const x0 = Math.max(0, box.x0 - radius)
  const x1 = Math.min(width, box.x1 + radius)
  const y0 = Math.max(0, box.y0 - radius)
  const y1 = Math.min(height, box.y1 + radius)
  const line = new Float32Array(Math.max(width, height))
  for (let y = y0; y < y1; y++) {
    const row = y * width
    for (let x = x0; x < x1; x++) line[x] = data[row + x]!
    for (let x = x0; x < x1; x++) {
      let sum = 0
      for (let k = -radius; k <= radius; k++) {
        const xx = x + k < 0 ? 0 : x + k >= width ? width - 1 : x + k
        sum += kernel[k + radius]! * (xx >= x0 && xx < x1 ? line[xx]! : data[row + xx]!)
      }
      data[row + x] = sum
    }
  }
  for (let x = x0; x < x1; x++) {
    for (let y = y0; y < y1; y++) line[y] = data[y * width + x]!
    for (let y = y0; y < y1; y++) {
      let sum = 0
      for (let k = -radius; k <= radius; k++) {
        const yy = y + k < 0 ? 0 : y + k >= height ? height - 1 : y + k
        sum += kernel[k + radius]! * (yy >= y0 && yy < y1 ? line[yy]! : data[yy * width + x]!)
      }
      data[y * width + x] = sum
    }
  }
}

// JPEG's luminance quantisation table (ITU T.81, annex K), zigzag not needed: indexed [v][u].
const JPEG_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]
const COS = (() => {
  const table = new Float32Array(64)
  for (let x = 0; x < 8; x++) {
    for (let u = 0; u < 8; u++) {
      table[x * 8 + u] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16)
    }
  }
  return table
})()

/** The lossy half of JPEG on the 8×8 blocks covering the box: DCT, quantise at `quality`, inverse. */
function jpeg(
  data: Float32Array,
  width: number,
  height: number,
  quality: number,
  box: { x0: number; y0: number; x1: number; y1: number },
): void {
  const scale = quality < 50 ? 5000 / quality : 200 - 2 * quality
  const q = JPEG_LUMA.map((value) => Math.max(1, Math.floor((value * scale + 50) / 100)))
  const block = new Float32Array(64)
  const tmp = new Float32Array(64)
  for (let by = box.y0 & ~7; by + 8 <= Math.min(height, box.y1 + 8); by += 8) {
    for (let bx = box.x0 & ~7; bx + 8 <= Math.min(width, box.x1 + 8); bx += 8) {
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) block[y * 8 + x] = data[(by + y) * width + bx + x]! - 128
      // A flat block (page, room) only loses its noise: skip the transform, it is the costly part.
      let lo = block[0]!
      let hi = lo
      for (let k = 1; k < 64; k++) {
        lo = Math.min(lo, block[k]!)
        hi = Math.max(hi, block[k]!)
      }
      if (hi - lo < 24) continue
      // Forward DCT: rows, then columns.
      for (let y = 0; y < 8; y++) {
        for (let u = 0; u < 8; u++) {
          let sum = 0
          for (let x = 0; x < 8; x++) sum += block[y * 8 + x]! * COS[x * 8 + u]!
          tmp[y * 8 + u] = sum
        }
      }
      for (let u = 0; u < 8; u++) {
        for (let v = 0; v < 8; v++) {
          let sum = 0
          for (let y = 0; y < 8; y++) sum += tmp[y * 8 + u]! * COS[y * 8 + v]!
          const k = v * 8 + u
          block[k] = Math.round(sum / q[k]!) * q[k]!
        }
      }
      // Inverse: columns, then rows.
      for (let u = 0; u < 8; u++) {
        for (let y = 0; y < 8; y++) {
          let sum = 0
          for (let v = 0; v < 8; v++) sum += block[v * 8 + u]! * COS[y * 8 + v]!
          tmp[y * 8 + u] = sum
        }
      }
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          let sum = 0
          for (let u = 0; u < 8; u++) sum += tmp[y * 8 + u]! * COS[x * 8 + u]!
          data[(by + y) * width + bx + x] = sum + 128
        }
      }
    }
  }
}
