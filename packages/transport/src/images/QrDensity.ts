// How much to put in each animated QR frame, and how fast to flip them.
//
// The model, in the order the numbers are used:
//
// 1. Module size. Cameras decode a code reliably when each module covers about 3 camera pixels or
//    more after blur, tilt and compression (zxing reads `Degrade.webcam`'s laptop-webcam model down
//    to ~2.5). A 640×480 webcam 30–50 cm from a laptop screen sees the code over about half its
//    height: 240 px / 3.2 = 75 modules including the 8-module quiet zone, version 12 (17 + 4 × 12).
//    Hence `maxVersion` = webcamVersion() = 12; a 720p webcam reads version 21 (`interleaved` sends
//    both, so neither camera waits for the other). What limits a far scan is defocus measured in
//    modules: zxing loses the model's frames once the blur (σ) passes about a third of a module, and
//    at 50 cm with a small code and a soft lens a 640×480 camera sees version 12 at σ 0.35–0.45, so
//    `interleaved` adds a sparsest session (version 9, the code over 40% of the frame at 3 px/module).
// 2. Error correction. On a screen there is no print damage, but glare, moiré or a finger can
//    blot a patch of every frame while it lasts. M (15%) survives small blots; Q/H would cost
//    30–45% of capacity, which the fountain code already buys more cheaply (a lost frame costs
//    1/fps seconds). L (7%) is used only when M cannot reach the target time.
// 3. Frame rate. Cameras run at 30 fps with a rolling shutter: an exposure that straddles a frame
//    change is garbage. Holding each QR for 3 camera frames leaves at least one clean exposure, so
//    10 fps; decoding (≈ 5–10 ms per 640×480 frame in zxing-wasm) fits the 100 ms budget easily.
//    Keystone's 5 fps with 200-byte fragments (≈1 KB/s) is where the 30–90 s scans come from.
// 4. Capacity. UR parts are uppercase (QR alphanumeric mode, 5.5 bits/char); each fragment byte is
//    two bytewords letters, plus a fixed header ("UR:TYPE/SEQ-LEN/", CBOR part header, CRC).
// 5. Loss. Frames the camera misses are replaced by fountain-mixed parts. Our decoder solves them by
//    Gaussian elimination (optimal for the parts received), and the encoder's airlock schedule skips
//    bc-ur's mixed parts that would be redundant (single fragments, repeats, sparse mixes for small
//    messages), so a frame lost costs a little more than one frame:
//    frames ≈ n × (1 + 1.1 · loss / (1 − loss)), 1.1 being the least-squares fit over bench/qr.ts's
//    grid at 10% and 30% loss (per row 0.6–1.3 at 30%, 0–1.9 at 10%, where one frame is a large step).
//
// 6. Static first. A message that fits one code of at most `maxVersion` is shown as one static
//    code: nothing to animate, and any scanner reads it.
//
// Otherwise `tune` picks the least dense animated code (lowest version, M before L) that meets the
// target time: bigger modules scan from further away and through worse focus. It starts at
// version 10 (57 modules, ≥ 6 camera pixels each on a webcam): smaller codes are no easier to
// read, only slower.
import { InvalidDensityError } from './errors.ts'
import type { EcLevel } from './QrCode.ts'

/** QR alphanumeric capacity (characters) by version 1–40 (ISO/IEC 18004, table 7). */
const ALPHANUMERIC_CAPACITY: Record<EcLevel, readonly number[]> = {
  L: [
    25, 47, 77, 114, 154, 195, 224, 279, 335, 395, 468, 535, 619, 667, 758, 854, 938, 1046, 1153, 1249, 1352,
    1460, 1588, 1704, 1853, 1990, 2132, 2223, 2369, 2520, 2677, 2840, 3009, 3183, 3351, 3537, 3729, 3927,
    4087, 4296,
  ],
  M: [
    20, 38, 61, 90, 122, 154, 178, 221, 262, 311, 366, 419, 483, 528, 600, 656, 734, 816, 909, 970, 1035,
    1134, 1248, 1326, 1451, 1542, 1637, 1732, 1839, 1994, 2113, 2238, 2369, 2506, 2632, 2780, 2894, 3054,
    3220, 3391,
  ],
  Q: [
    16, 29, 47, 67, 87, 108, 125, 157, 189, 221, 259, 296, 352, 376, 426, 470, 531, 574, 644, 702, 742, 823,
    890, 963, 1041, 1094, 1172, 1263, 1322, 1429, 1499, 1618, 1700, 1787, 1867, 1966, 2071, 2181, 2298, 2420,
  ],
  H: [
    10, 20, 35, 50, 64, 84, 93, 122, 143, 174, 200, 227, 259, 283, 321, 365, 408, 452, 493, 557, 587, 640,
    672, 744, 779, 864, 910, 958, 1016, 1080, 1150, 1226, 1307, 1394, 1431, 1530, 1591, 1658, 1774, 1852,
  ],
}

/** Fountain overhead over the ideal erasure code, as measured (see the model above). */
const FOUNTAIN_OVERHEAD = 1.1

/**
 * Alphanumeric characters a QR of `version` and `ecLevel` holds.
 *
 * @example
 * QrDensity.capacity(25, 'M') // 1451
 */
export function capacity(version: number, ecLevel: EcLevel): number {
  const value = ALPHANUMERIC_CAPACITY[ecLevel][version - 1]
  if (value === undefined) {
    throw new InvalidDensityError(`There is no QR version ${version}.`, {
      hint: 'Use a version from 1 to 40.',
    })
  }
  return value
}

function cborUintLength(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
}

/**
 * Characters of one UR frame carrying `fragmentBytes`, at worst (sequence numbers keep
 * growing while a code animates, so they are counted at their 32-bit maximum).
 *
 * @example
 * QrDensity.partLength({ type: 'bytes', fragmentBytes: 200, fragmentCount: 5, messageBytes: 1000 })
 */
export function partLength({
  type,
  fragmentBytes,
  fragmentCount,
  messageBytes,
}: {
  type: string
  fragmentBytes: number
  fragmentCount: number
  messageBytes: number
}): number {
  if (fragmentCount === 1) return 'UR:'.length + type.length + 1 + 2 * (messageBytes + 4)
  const prefix = 'UR:'.length + type.length + 1 + 10 + 1 + String(fragmentCount).length + 1
  const cbor =
    1 +
    5 +
    cborUintLength(fragmentCount) +
    cborUintLength(messageBytes) +
    5 +
    cborUintLength(fragmentBytes) +
    fragmentBytes
  return prefix + 2 * (cbor + 4)
}

/** bc-ur splits a message into equal fragments no larger than the maximum. */
function split(
  messageBytes: number,
  maxFragmentBytes: number,
): { fragmentCount: number; fragmentBytes: number } {
  const fragmentCount = Math.ceil(messageBytes / maxFragmentBytes)
  return { fragmentCount, fragmentBytes: Math.ceil(messageBytes / fragmentCount) }
}

/**
 * Frames a receiver needs on average when it misses `loss` of them.
 *
 * @example
 * QrDensity.expectedFrames({ fragmentCount: 20, loss: 0.1 }) // 23
 */
export function expectedFrames({ fragmentCount, loss }: { fragmentCount: number; loss: number }): number {
  if (fragmentCount === 1) return Math.ceil(1 / (1 - loss))
  return Math.ceil(fragmentCount * (1 + (FOUNTAIN_OVERHEAD * loss) / (1 - loss)))
}

export type TuneParameters = {
  /** Bytes of the UR message (the CBOR payload). */
  messageBytes: number
  /** UR type (its length is part of every frame). Default 'airlock-sign-request'. */
  type?: string | undefined
  /** Scan time to aim for, seconds (default 2). */
  targetSeconds?: number | undefined
  /**
   * Densest QR version allowed (default: what a 640×480 webcam reads, {@link webcamVersion}: the code
   * covering half the frame height at 3.2 camera px per module, version 12).
   */
  maxVersion?: number | undefined
  /** Least dense version an animated code uses (default 10: see the model). */
  minVersion?: number | undefined
  /** Share of frames the camera is expected to miss (default 0.1). */
  expectedLoss?: number | undefined
  /** Override: fragment size in bytes (the densest the user's scanner handles). */
  fragmentBytes?: number | undefined
  /** Override: frames per second (e.g. 5 for a slow scanner). */
  fps?: number | undefined
  /** Override: error-correction level. */
  ecLevel?: EcLevel | undefined
  /** Camera frame rate the receiver runs at (default 30). */
  cameraFps?: number | undefined
  /**
   * The user's density control: 0 is the auto-tuned code, each step up is about 4 QR versions denser
   * (faster, needs a sharper camera), each step down 4 sparser (from further away), within -3..3.
   */
  step?: number | undefined
}

export type DensityPlan = {
  /** Pass as `maxFragmentLength` to `Ur.encode`. */
  maxFragmentLength: number
  /** The fragment size bc-ur will actually use (equal split). */
  fragmentBytes: number
  fragmentCount: number
  /** A static code when 1: no animation needed. */
  isSinglePart: boolean
  /** QR version every frame fits in: render with it for a steady on-screen size. */
  version: number
  ecLevel: EcLevel
  fps: number
  /** Frames the receiver needs on average at `expectedLoss`. */
  expectedFrames: number
  expectedSeconds: number
  /** Effective payload throughput at `expectedLoss`. */
  bytesPerSecond: number
  meetsTarget: boolean
}

/**
 * Chooses fragment size, error-correction level and frame rate for a UR message.
 *
 * @example
 * const plan = QrDensity.tune({ messageBytes: 8_000 })
 * const encoder = Ur.encode({ type, payload, maxFragmentLength: plan.maxFragmentLength })
 * // show encoder.nextPart() rendered with QrCode.encode(part, { ecLevel: plan.ecLevel, version: plan.version })
 * // every 1000 / plan.fps ms
 */
export function tune({
  messageBytes,
  type = 'airlock-sign-request',
  targetSeconds = 2,
  maxVersion = webcamVersion(),
  minVersion = Math.min(10, maxVersion),
  expectedLoss = 0.1,
  fragmentBytes: fragmentOverride,
  fps: fpsOverride,
  ecLevel: ecOverride,
  cameraFps = 30,
  step = 0,
}: TuneParameters): DensityPlan {
  const positive = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0
  if (!Number.isSafeInteger(messageBytes) || messageBytes < 1) {
    throw new InvalidDensityError('The message size to send is not a positive whole number of bytes.', {
      details: `messageBytes ${messageBytes}`,
    })
  }
  if (!positive(targetSeconds) || !positive(cameraFps) || !(expectedLoss >= 0 && expectedLoss < 0.9)) {
    throw new InvalidDensityError('The scan target is invalid.', {
      hint: 'Give a positive target time and camera rate, and an expected loss from 0 to 0.9.',
      details: `targetSeconds ${targetSeconds}, cameraFps ${cameraFps}, expectedLoss ${expectedLoss}`,
    })
  }
  if (
    !Number.isInteger(maxVersion) ||
    !Number.isInteger(minVersion) ||
    minVersion < 1 ||
    maxVersion > 40 ||
    minVersion > maxVersion
  ) {
    throw new InvalidDensityError('The QR version range must lie within 1 to 40.', {
      details: `minVersion ${minVersion}, maxVersion ${maxVersion}`,
    })
  }
  if (fpsOverride !== undefined && !(positive(fpsOverride) && fpsOverride <= 60)) {
    throw new InvalidDensityError('The frame rate must be above 0 and at most 60 frames per second.', {
      details: `fps ${fpsOverride}`,
    })
  }
  if (fragmentOverride !== undefined && !(Number.isSafeInteger(fragmentOverride) && fragmentOverride >= 10)) {
    throw new InvalidDensityError('The fragment size must be a whole number of at least 10 bytes.', {
      details: `fragmentBytes ${fragmentOverride}`,
    })
  }
  assertStep(step)
  const fps = fpsOverride ?? Math.min(10, cameraFps / 3)
  const loss = expectedLoss

  const plan = (maxFragment: number, version: number, ecLevel: EcLevel): DensityPlan => {
    const { fragmentCount, fragmentBytes } = split(messageBytes, maxFragment)
    const frames = expectedFrames({ fragmentCount, loss })
    const seconds = frames / fps
    return {
      maxFragmentLength: maxFragment,
      fragmentBytes,
      fragmentCount,
      isSinglePart: fragmentCount === 1,
      version,
      ecLevel,
      fps,
      expectedFrames: frames,
      expectedSeconds: seconds,
      bytesPerSecond: messageBytes / seconds,
      meetsTarget: seconds <= targetSeconds,
    }
  }
  // The code that holds a frame of `fragment` bytes: M if it fits within maxVersion, else L; a user's
  // oversized fragment gets the smallest version above maxVersion that holds it.
  const fit = (fragment: number, count: number, levels: readonly EcLevel[]) => {
    const chars = partLength({ type, fragmentBytes: fragment, fragmentCount: count, messageBytes })
    for (const level of levels) {
      for (let version = 1; version <= maxVersion; version++) {
        if (chars <= capacity(version, level)) return { version, level }
      }
    }
    const level = levels[levels.length - 1]!
    for (let version = maxVersion + 1; version <= 40; version++) {
      if (chars <= capacity(version, level)) return { version, level }
    }
    return undefined
  }
  const levels: readonly EcLevel[] = ecOverride === undefined ? ['M', 'L'] : [ecOverride]
  // Largest fragment a QR of this version and level holds, given the message's header sizes.
  const fragmentFor = (version: number, level: EcLevel): number => {
    let best = 0
    let lo = 1
    let hi = messageBytes
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const { fragmentCount, fragmentBytes } = split(messageBytes, mid)
      const fits =
        partLength({ type, fragmentBytes, fragmentCount, messageBytes }) <= capacity(version, level)
      if (fits) {
        best = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return best
  }

  if (fragmentOverride !== undefined) {
    const { fragmentCount, fragmentBytes } = split(messageBytes, fragmentOverride)
    const found = fit(fragmentBytes, fragmentCount, levels)
    if (!found) {
      throw new InvalidDensityError(`A ${fragmentOverride}-byte fragment does not fit in any QR code.`, {
        hint: 'Use a fragment size of at most about 1,000 bytes.',
      })
    }
    return plan(fragmentOverride, found.version, found.level)
  }

  const single = fit(messageBytes, 1, levels)
  // (At least 10: the UR encoder's smallest fragment.)
  if (single && single.version <= maxVersion)
    return plan(Math.max(10, messageBytes), single.version, single.level)

  if (step !== 0) {
    // The user's step from the auto-tuned code: same level, a version 4 per step away.
    const auto = tune({
      messageBytes,
      type,
      targetSeconds,
      maxVersion,
      minVersion,
      expectedLoss,
      fps,
      cameraFps,
      ...(ecOverride ? { ecLevel: ecOverride } : {}),
    })
    if (auto.isSinglePart) return auto
    const version = Math.min(40, Math.max(MIN_STEPPED_VERSION, auto.version + VERSIONS_PER_STEP * step))
    const fragment = fragmentFor(version, auto.ecLevel)
    if (fragment >= 10) return plan(fragment, version, auto.ecLevel)
    return auto
  }

  let fallback: DensityPlan | undefined
  for (const level of levels) {
    for (let version = minVersion; version <= maxVersion; version++) {
      const fragment = fragmentFor(version, level)
      if (fragment < 10) continue
      const candidate = plan(fragment, version, level)
      if (candidate.meetsTarget) return candidate
      // If nothing meets the target, the densest allowed code is the fastest.
      if (!fallback || candidate.expectedSeconds < fallback.expectedSeconds) fallback = candidate
    }
  }
  if (!fallback) {
    throw new InvalidDensityError('No QR code small enough carries a fragment of this message.', {
      hint: 'Allow a larger maxVersion.',
      details: `maxVersion ${maxVersion}`,
    })
  }
  return fallback
}

/** QR versions one density step moves. */
const VERSIONS_PER_STEP = 4
/** Sparsest version a step down reaches: below it a frame carries too little to be worth showing. */
const MIN_STEPPED_VERSION = 4
/** Steps the user may take either way. */
const MAX_STEP = 3

function assertStep(step: number): void {
  if (!Number.isInteger(step) || Math.abs(step) > MAX_STEP) {
    throw new InvalidDensityError(
      `The density step must be a whole number from -${MAX_STEP} to ${MAX_STEP}.`,
      {
        hint: 'Use 0 for the default, negative for sparser (easier to scan), positive for denser (faster).',
        details: `step ${step}`,
      },
    )
  }
}

/**
 * What Keystone devices read, sparsest first: index 3 is Keystone's own request density (200-byte
 * fragments at 5 fps), the others are the user's steps down (a weak camera, a dim screen) and up.
 */
const KEYSTONE_LADDER = [
  { fragmentBytes: 60, fps: 4 },
  { fragmentBytes: 100, fps: 5 },
  { fragmentBytes: 150, fps: 5 },
  { fragmentBytes: 200, fps: 5 },
  { fragmentBytes: 300, fps: 6 },
  { fragmentBytes: 400, fps: 8 },
  { fragmentBytes: 550, fps: 8 },
] as const

export type KeystoneParameters = {
  /** Bytes of the UR message (the `eth-sign-request` CBOR). */
  messageBytes: number
  /** UR type (default 'eth-sign-request'). */
  type?: string | undefined
  /** The user's density control, -3..3: 0 is what Keystone itself shows (200 B @ 5 fps). */
  step?: number | undefined
}

/**
 * The density for a code a Keystone scans: Keystone's own request density (200-byte fragments at
 * 5 fps), or a step sparser or denser on the user's request. Pair it with the standard part schedule
 * (Ur.scheduleFor), which Keystone's peeling decoder needs.
 *
 * @example
 * const plan = QrDensity.keystone({ messageBytes: message.length, step: -1 }) // 150 B @ 5 fps
 */
export function keystone({
  messageBytes,
  type = 'eth-sign-request',
  step = 0,
}: KeystoneParameters): DensityPlan {
  assertStep(step)
  const rung = KEYSTONE_LADDER[step + MAX_STEP]!
  // 40: any version, the frame must carry the fragment Keystone expects whatever the code size.
  return tune({ messageBytes, type, fragmentBytes: rung.fragmentBytes, fps: rung.fps, maxVersion: 40 })
}

export type WebcamVersionParameters = {
  /** Camera frame height in pixels (default 480). */
  height?: number | undefined
  /** Share of the frame height the code covers, quiet zone included (default 0.5). */
  coverage?: number | undefined
  /** Camera pixels each module needs (default 3.2). */
  pixelsPerModule?: number | undefined
}

/**
 * The densest QR version a webcam reads: its modules, with the 8-module quiet zone, must each cover
 * `pixelsPerModule` camera pixels. zxing reads the laptop-webcam model of `Degrade.webcam` down to
 * about 2.5 px per module; 3.2 leaves room for the blur, tilt and compression of a worse scan.
 *
 * @example
 * QrDensity.webcamVersion() // 12 (640×480)
 * QrDensity.webcamVersion({ height: 720 }) // 21
 */
export function webcamVersion({
  height = 480,
  coverage = 0.5,
  pixelsPerModule = 3.2,
}: WebcamVersionParameters = {}): number {
  const modules = (height * coverage) / pixelsPerModule
  return Math.max(1, Math.min(40, Math.floor((modules - 8 - 17) / 4)))
}

export type InterleavedPlan = {
  /** The dense session, for a 720p webcam or a close one; undefined when one code suffices. */
  dense: DensityPlan | undefined
  /** The sparse session, for a 640×480 webcam: always there. */
  sparse: DensityPlan
  /**
   * The sparsest session, for a 640×480 webcam at the far end of a scan (50 cm, a small code, soft
   * focus) that cannot resolve the sparse one; undefined when the sparse code is already that sparse.
   */
  sparsest: DensityPlan | undefined
  /** Frames per second of the interleaved stream. */
  fps: number
}

/**
 * Share of the frame height the code covers at the far end of a scan: a mid-size code (14 cm on a
 * laptop screen) 50 cm from a webcam with a 40° vertical field of view. `Degrade.webcam`'s setups
 * put about 97% of scans at or above it.
 */
const FAR_COVERAGE = 0.4
/**
 * Camera pixels per module the sparsest session is sized for: zxing reads the webcam model's scans
 * at this density through defocus up to a third of a module (σ), which a 640×480 scan at the far
 * end stays within; at the 3.2 of the sparse session a far scan's defocus spans 0.35–0.45 of a module.
 */
const FAR_PIXELS_PER_MODULE = 3

/**
 * Densities of the same message for a sender that interleaves fountain sessions so that any camera
 * completes at its own best rate: the sparse one sized for a 640×480 webcam, the dense one for a
 * 720p webcam (both at {@link webcamVersion}), and the sparsest for a 640×480 webcam at the far end
 * of a scan (the code over 40% of the frame height at 3 camera px per module), each a `step` denser or sparser on
 * the user's request. A message that fits one sparse code needs no other session.
 *
 * @example
 * const { dense, sparse, sparsest } = QrDensity.interleaved({ messageBytes: 8_000 })
 */
export function interleaved({
  messageBytes,
  type = 'airlock-sign-request',
  step = 0,
  far = true,
}: {
  messageBytes: number
  type?: string | undefined
  step?: number | undefined
  /** Add the sparsest session (default true). */
  far?: boolean | undefined
}): InterleavedPlan {
  // The densest code each camera reads: nothing is gained by a sparser one, the fountain covers loss.
  const fastest = { targetSeconds: 0.001, type, messageBytes, step }
  const sparse = tune({ ...fastest, maxVersion: webcamVersion() })
  const dense = tune({ ...fastest, maxVersion: webcamVersion({ height: 720 }) })
  const farVersion = webcamVersion({ coverage: FAR_COVERAGE, pixelsPerModule: FAR_PIXELS_PER_MODULE })
  const sparsest = tune({ ...fastest, maxVersion: farVersion, minVersion: farVersion })
  const single = sparse.isSinglePart || dense.fragmentCount >= sparse.fragmentCount
  const farNeeded = far && !sparse.isSinglePart && sparsest.fragmentCount > sparse.fragmentCount
  return {
    dense: single ? undefined : dense,
    sparse,
    sparsest: farNeeded ? sparsest : undefined,
    fps: sparse.fps,
  }
}
