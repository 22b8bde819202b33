import { decode as decodeCbor } from 'cborg'
import * as Bytewords from './Bytewords.ts'
import * as Crc32 from './Crc32.ts'
import {
  InvalidEncoderInputError,
  InvalidUrTypeError,
  MalformedUrError,
  NotUrError,
  OversizeError,
} from './errors.ts'
import * as Fountain from './Fountain.ts'
import * as names from './schemas/names.ts'

/**
 * Defaults shared by encoder and decoder. 200-byte fragments keep each animated frame a QR that phone and
 * laptop cameras read at a glance; the decoder caps refuse absurd declarations before allocating anything.
 */
export const defaults = {
  maxFragmentLength: 200,
  minFragmentLength: 10,
  maxPayloadBytes: 1024 * 1024,
  maxParts: 8192,
} as const

/** A decoded UR: its type and its message bytes (for registry types, a CBOR data item). */
export type UrResult = { type: string; payload: Uint8Array }

const TYPE_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/

/**
 * True for a valid UR type name: lowercase letters, digits and inner dashes (`airlock-sign-request`).
 *
 * @example
 * Ur.isValidType('eth-sign-request') // true
 * Ur.isValidType('Eth_Sign') // false
 */
export function isValidType(type: string): boolean {
  return typeof type === 'string' && type.length <= 64 && TYPE_PATTERN.test(type)
}

export type EncodeParameters = {
  type: string
  payload: Uint8Array
  /** Largest fragment in bytes; the payload is split into equal fragments no larger than this. */
  maxFragmentLength?: number | undefined
  /** Smallest fragment in bytes (bounds the number of fragments for tiny payloads). */
  minFragmentLength?: number | undefined
  /** Sequence number before the first part; nextPart() emits only parts numbered above it. */
  firstSeqNum?: number | undefined
  /**
   * Which sequence numbers nextPart() and firstParts() emit, in order. Both emit the pure parts 1..n first
   * and only standard bc-ur parts (any UR decoder reads them). `'standard'` then goes on with every
   * sequence number, like bc-ur's encoder: its low-degree mixes are what a peeling decoder (Keystone,
   * Sparrow, the bc-ur reference) needs to finish. `'airlock'` skips mixed parts that help Airlock's
   * Gaussian-elimination decoder little: single fragments, sets shown a few parts ago and, for small
   * messages, sparse mixes. Default: {@link scheduleFor} the type, so only Airlock's own types, read by
   * Airlock at the other end, get `'airlock'`.
   */
  schedule?: Schedule | undefined
}

/** See {@link EncodeParameters.schedule}. */
export type Schedule = 'airlock' | 'standard'

// Airlock's own UR types: only these are read by Airlock's decoder at the other end.
const AIRLOCK_TYPES: readonly string[] = [
  names.SIGN_REQUEST,
  names.SIGNATURE,
  names.POLICY_BUNDLE,
  names.AUDIT_LOG,
]

/**
 * True for Airlock's own UR types (`airlock-sign-request`, …), which only Airlock reads.
 *
 * @example
 * Ur.isAirlockType('airlock-signature') // true
 * Ur.isAirlockType('eth-sign-request') // false
 */
export function isAirlockType(type: string): boolean {
  return AIRLOCK_TYPES.includes(type.toLowerCase())
}

/**
 * The part schedule for a stream of this type: `'airlock'` only when Airlock reads it (its own types),
 * `'standard'` for everything another wallet may scan (Keystone's `eth-sign-request`, `bytes`, …), since
 * a peeling decoder may never finish on the airlock schedule after missing pure parts.
 *
 * @example
 * Ur.scheduleFor('eth-sign-request') // 'standard'
 */
export function scheduleFor(type: string): Schedule {
  return isAirlockType(type) ? 'airlock' : 'standard'
}

export type Encoder = {
  readonly type: string
  /** Length of the payload in bytes. */
  readonly messageLength: number
  /** Number of fragments (the `seqLen` of every multipart UR); 1 for a single-part UR. */
  readonly fragmentCount: number
  readonly isSinglePart: boolean
  /** The next part of the schedule: the pure fragments 1..fragmentCount first, then mixed parts forever. */
  nextPart(): string
  /** The part with a given sequence number (1-based), independent of nextPart()'s position. */
  partAt(seqNum: number): string
  /**
   * The first `count` parts of the schedule from part 1, whatever firstSeqNum (default: one part per
   * fragment, the pure ones, which is enough to decode when none is missed).
   */
  firstParts(count?: number): string[]
}

/**
 * Makes a UR encoder: single-part when the payload fits one fragment, fountain-coded multipart otherwise.
 * Parts are uppercase so that QR codes use the compact alphanumeric mode.
 *
 * @example
 * const encoder = Ur.encode({ type: 'airlock-sign-request', payload, maxFragmentLength: 200 })
 * const frames = encoder.firstParts() // then keep showing encoder.nextPart() until the other side is done
 */
export function encode({
  type,
  payload,
  maxFragmentLength = defaults.maxFragmentLength,
  minFragmentLength = defaults.minFragmentLength,
  firstSeqNum = 0,
  schedule = scheduleFor(type),
}: EncodeParameters): Encoder {
  assertType(type)
  if (!(payload instanceof Uint8Array) || payload.length === 0) {
    throw new InvalidEncoderInputError('There is nothing to encode: the payload is empty or not bytes.', {
      hint: 'Pass a non-empty Uint8Array.',
    })
  }
  if (
    !Number.isSafeInteger(minFragmentLength) ||
    !Number.isSafeInteger(maxFragmentLength) ||
    minFragmentLength < 1 ||
    maxFragmentLength < minFragmentLength
  ) {
    throw new InvalidEncoderInputError('The fragment lengths are not usable.', {
      hint: 'Give whole numbers with 1 <= minFragmentLength <= maxFragmentLength.',
      details: `minFragmentLength=${minFragmentLength}, maxFragmentLength=${maxFragmentLength}`,
    })
  }
  if (!Number.isSafeInteger(firstSeqNum) || firstSeqNum < 0 || firstSeqNum > 0xffffffff) {
    throw new InvalidEncoderInputError('firstSeqNum must be a whole number between 0 and 2^32-1.', {
      hint: 'Leave it out to start at part 1.',
    })
  }
  if (schedule !== 'airlock' && schedule !== 'standard') {
    throw new InvalidEncoderInputError(`There is no part schedule "${String(schedule)}".`, {
      hint: "Use 'airlock' (Airlock at both ends) or 'standard' (any UR reader).",
    })
  }
  const checksum = Crc32.checksum(payload)
  const fragments = Fountain.partition(
    payload,
    Fountain.fragmentLength({ messageLength: payload.length, minFragmentLength, maxFragmentLength }),
  )
  const fragmentCount = fragments.length
  const single = `UR:${type.toUpperCase()}/${Bytewords.encode(payload, { style: 'minimal' }).toUpperCase()}`
  const partAt = (seqNum: number) => {
    if (fragmentCount === 1) return single
    const body = Fountain.part({ fragments, seqNum: seqNum >>> 0, messageLength: payload.length, checksum })
    return `UR:${type.toUpperCase()}/${seqNum >>> 0}-${fragmentCount}/${Bytewords.encode(body, { style: 'minimal' }).toUpperCase()}`
  }
  const airlock = schedule === 'airlock' && fragmentCount > 1
  const nextSeqNum = airlockSchedule(fragmentCount, checksum)
  let last = firstSeqNum
  let running = firstSeqNum
  return {
    type,
    messageLength: payload.length,
    fragmentCount,
    isSinglePart: fragmentCount === 1,
    nextPart() {
      if (!airlock) {
        running = (running + 1) >>> 0
        return partAt(running)
      }
      last = nextSeqNum(last)
      return partAt(last)
    },
    partAt(seqNum) {
      if (!Number.isSafeInteger(seqNum) || seqNum < 1 || seqNum > 0xffffffff) {
        throw new InvalidEncoderInputError(`There is no part number ${seqNum}.`, {
          hint: 'Part numbers start at 1 and fit in 32 bits.',
        })
      }
      return partAt(seqNum)
    },
    firstParts(count = fragmentCount) {
      if (!airlock) return Array.from({ length: count }, (_, i) => partAt(i + 1))
      const next = airlockSchedule(fragmentCount, Crc32.checksum(payload))
      let seqNum = 0
      return Array.from({ length: count }, () => {
        seqNum = next(seqNum)
        return partAt(seqNum)
      })
    },
  }
}

// Tuning of the airlock schedule, measured with bench/qr.ts and a GF(2) rank simulation.
/** Distinct sets a mixed part must differ from (the last ones emitted). */
const RECENT_SETS = 8
/** Candidates examined per mixed part before taking one anyway, so a part always comes. */
const MAX_CANDIDATES = 32
/** Up to this many fragments, mixed parts must mix at least a third of them (see airlockSchedule). */
const DENSE_UP_TO = 64

/**
 * The airlock schedule as a successor function over sequence numbers: the pure parts 1..n, then the
 * library's mixed parts that a receiver missing random frames is most likely to need. Such a receiver
 * lacks a random few fragments, and a mixed part helps only if it holds one of them and is independent
 * of the mixes already received; bc-ur picks the degree d with probability ∝ 1/d, so for small n a
 * quarter or more of its mixes are single fragments or repeat a recent set. Dense mixes (d ≥ n/3) behave
 * like random GF(2) rows, the best a fountain code does for the Gaussian-elimination decoder, and for
 * n ≤ 64 they are common enough to find quickly; beyond that bc-ur's own mixes already do well (and
 * stay light for peeling decoders), so only single fragments and repeats are skipped.
 */
function airlockSchedule(n: number, checksum: number): (previous: number) => number {
  // Never above n - 1: the eligible sets must include both parities, or they could all lie in the
  // even-weight subspace and a receiver that missed pure parts would never finish (n = 2: only {0,1}).
  const minDegree = Math.min(n <= DENSE_UP_TO ? Math.max(2, Math.ceil(n / 3)) : 2, n - 1)
  // Small n may have fewer eligible sets than the window: a repeat is then unavoidable.
  const window = Math.min(RECENT_SETS, eligibleSets(n, minDegree) - 1)
  const recent: string[] = []
  return (previous) => {
    if (previous < n) return previous + 1
    let seqNum = previous
    for (let candidate = 0; ; candidate++) {
      seqNum += 1
      if (seqNum >= 0xffffffff) return 0xffffffff // the last number there is: nothing left to skip to
      const set = Fountain.chooseFragments(seqNum, n, checksum)
        .slice()
        .sort((a, b) => a - b)
      const key = set.join(',')
      const fresh = !recent.includes(key)
      if ((set.length >= minDegree && fresh) || candidate + 1 >= MAX_CANDIDATES) {
        recent.push(key)
        if (recent.length > window) recent.shift()
        return seqNum
      }
    }
  }
}

/** Number of fragment sets of at least `minDegree` among n fragments (capped: only small counts matter). */
function eligibleSets(n: number, minDegree: number): number {
  let total = 0
  let binomial = 1 // C(n, d)
  for (let d = 1; d <= n && total <= RECENT_SETS + 1; d++) {
    binomial = (binomial * (n - d + 1)) / d
    if (d >= minDegree) total += binomial
  }
  return total
}

/**
 * Encodes a payload as one single-part UR regardless of size (for files, clipboards and static QR codes).
 *
 * @example
 * Ur.encodeSingle({ type: 'bytes', payload: new Uint8Array([0x41, 0x01]) }) // 'UR:BYTES/…'
 */
export function encodeSingle({ type, payload }: { type: string; payload: Uint8Array }): string {
  assertType(type)
  if (!(payload instanceof Uint8Array) || payload.length === 0) {
    throw new InvalidEncoderInputError('There is nothing to encode: the payload is empty or not bytes.', {
      hint: 'Pass a non-empty Uint8Array.',
    })
  }
  return `UR:${type.toUpperCase()}/${Bytewords.encode(payload, { style: 'minimal' }).toUpperCase()}`
}

/** One parsed UR frame. A multipart frame carries the fountain header of its message. */
export type Part =
  | { kind: 'single'; type: string; message: Uint8Array }
  | {
      kind: 'multi'
      type: string
      seqNum: number
      seqLength: number
      messageLength: number
      /** CRC-32 of the whole message: with the lengths it identifies the message a part belongs to. */
      checksum: number
      fragment: Uint8Array
    }

export type ParseOptions = {
  /** Largest message accepted, in bytes. */
  maxPayloadBytes?: number | undefined
  /** Largest number of fragments accepted. */
  maxParts?: number | undefined
}

// Header of a fountain part: CBOR array(5) plus four uint32 at most (5 bytes each) plus a bytes header.
const PART_HEADER_MAX = 1 + 4 * 5 + 5

/**
 * Parses and checks one UR frame without keeping state. Throws `NotUrError`, `MalformedUrError`,
 * `ChecksumError` (a misread frame) or `OversizeError` (refused before anything large is allocated).
 *
 * @example
 * const part = Ur.parse('UR:BYTES/1-3/LPADAX…')
 * if (part.kind === 'multi') console.log(`${part.seqNum} of ${part.seqLength}`)
 */
export function parse(
  text: string,
  { maxPayloadBytes = defaults.maxPayloadBytes, maxParts = defaults.maxParts }: ParseOptions = {},
): Part {
  if (typeof text !== 'string') throw notUr('(not text)')
  const trimmed = text.trim()
  if (!/^ur:/i.test(trimmed)) throw notUr(trimmed)
  const components = trimmed.slice(3).toLowerCase().split('/')
  const type = components[0] ?? ''
  if (!isValidType(type)) {
    throw malformed(`The QR code names an invalid UR type "${type.slice(0, 40)}".`, 'bad type')
  }
  if (components.length === 2) {
    const body = components[1]!
    const declared = Math.floor(body.length / 2) - 4
    if (declared > maxPayloadBytes) throw oversize(declared, maxPayloadBytes)
    const message = Bytewords.decode(body, { style: 'minimal' })
    if (message.length === 0) throw malformed('The QR code carries an empty message.', 'empty body')
    return { kind: 'single', type, message }
  }
  if (components.length !== 3) {
    throw malformed(
      'The QR code is not laid out as a UR (ur:type/[seq/]body).',
      `${components.length} path parts`,
    )
  }
  const seq = /^([1-9][0-9]{0,9})-([1-9][0-9]{0,9})$/.exec(components[1]!)
  if (!seq)
    throw malformed('The part number of this QR frame is unreadable.', `seq "${components[1]!.slice(0, 24)}"`)
  const seqNum = Number(seq[1])
  const seqLength = Number(seq[2])
  if (seqNum > 0xffffffff || seqLength > 0xffffffff) {
    throw malformed('The part number of this QR frame is out of range.', `seq ${seqNum}-${seqLength}`)
  }
  const body = components[2]!
  if (Math.floor(body.length / 2) - 4 > maxPayloadBytes + PART_HEADER_MAX) {
    throw oversize(Math.floor(body.length / 2) - 4, maxPayloadBytes)
  }
  const header = decodePartBody(Bytewords.decode(body, { style: 'minimal' }))
  if (header.seqNum !== seqNum || header.seqLength !== seqLength) {
    throw malformed(
      'This QR frame’s part number disagrees with its content.',
      `text ${seqNum}-${seqLength}, cbor ${header.seqNum}-${header.seqLength}`,
    )
  }
  if (header.messageLength > maxPayloadBytes) throw oversize(header.messageLength, maxPayloadBytes)
  if (seqLength > maxParts) {
    throw new OversizeError(`This QR sequence has ${seqLength} parts; at most ${maxParts} are accepted.`, {
      hint: 'Ask the sender to use larger fragments (fewer, denser frames) or a smaller request.',
    })
  }
  // An encoder splits the message into equal fragments, so the count is fixed by the two lengths.
  if (seqLength !== Math.ceil(header.messageLength / header.fragment.length)) {
    throw malformed(
      'This QR frame’s sizes do not add up.',
      `seqLen ${seqLength}, messageLen ${header.messageLength}, fragmentLen ${header.fragment.length}`,
    )
  }
  return { kind: 'multi', type, ...header }
}

function decodePartBody(bytes: Uint8Array) {
  let value: unknown
  try {
    value = decodeCbor(bytes, {
      strict: true,
      allowIndefinite: false,
      allowUndefined: false,
      allowNaN: false,
      allowInfinity: false,
      allowBigInt: false,
      rejectDuplicateMapKeys: true,
    })
  } catch (error) {
    throw malformed('The fragment inside this QR frame is not valid CBOR.', String(error), error)
  }
  if (!Array.isArray(value) || value.length !== 5) throw malformed(badPart, 'not a 5-element array')
  const [seqNum, seqLength, messageLength, checksum, fragment] = value as unknown[]
  for (const n of [seqNum, seqLength, messageLength, checksum]) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw malformed(badPart, 'header field is not a uint32')
    }
  }
  if (!(fragment instanceof Uint8Array) || fragment.length === 0) throw malformed(badPart, 'empty fragment')
  if ((seqNum as number) < 1 || (seqLength as number) < 1 || (messageLength as number) < 1) {
    throw malformed(badPart, 'zero in header')
  }
  return {
    seqNum: seqNum as number,
    seqLength: seqLength as number,
    messageLength: messageLength as number,
    checksum: checksum as number,
    fragment,
  }
}

const badPart = 'The fragment inside this QR frame does not have the UR part layout.'

function assertType(type: string): void {
  if (!isValidType(type)) {
    throw new InvalidUrTypeError(`"${String(type).slice(0, 40)}" is not a valid UR type.`, {
      hint: 'Use lowercase letters, digits and dashes, e.g. "airlock-sign-request".',
    })
  }
}

function malformed(shortMessage: string, details: string, cause?: unknown): MalformedUrError {
  return new MalformedUrError(shortMessage, {
    hint: 'Scan the code again; if it keeps failing, regenerate it on the sending device.',
    details,
    cause,
  })
}

function oversize(bytes: number, limit: number): OversizeError {
  return new OversizeError(
    `This QR code announces ${formatBytes(bytes)}; this device accepts at most ${formatBytes(limit)}.`,
    {
      hint: 'Make sure you are scanning the intended code; very large requests must be split or sent as a file.',
      details: `declared ${bytes} bytes, limit ${limit}`,
    },
  )
}

function notUr(text: string): NotUrError {
  return new NotUrError(`This QR code is ${describeForeign(text)}, not an air-gap (UR) code.`, {
    hint: 'Point the camera at the animated QR code shown by the Airlock app.',
    details: `starts with ${JSON.stringify(text.slice(0, 16))}`,
  })
}

// Say what a foreign QR looks like, so the user knows which screen they scanned by mistake.
function describeForeign(text: string): string {
  if (/^0x[0-9a-f]{40}$/i.test(text)) return 'an Ethereum address'
  if (/^ethereum:/i.test(text)) return 'an Ethereum payment link'
  if (/^wc:/i.test(text)) return 'a WalletConnect link'
  if (/^https?:\/\//i.test(text)) return 'a web link'
  if (/^(bitcoin:|bc1)/i.test(text)) return 'a Bitcoin address'
  if (/^[{[]/.test(text)) return 'JSON text'
  if (text.length === 0) return 'empty'
  return 'something else'
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${bytes} bytes`
}
