import type { BaseError } from '@airlock/errors'
import * as Crc32 from './Crc32.ts'
import {
  ChecksumError,
  MalformedUrError,
  NewSessionError,
  NotUrError,
  OversizeError,
  WrongUrTypeError,
} from './errors.ts'
import * as FountainSolver from './FountainSolver.ts'
import * as names from './schemas/names.ts'
import * as Ur from './Ur.ts'

export type UrDecoderOptions = {
  /** UR types this screen accepts; anything else is reported as `wrong-type`. Default: any type. */
  expectedTypes?: readonly string[] | undefined
  /** Largest message accepted, in bytes; larger declarations are refused before allocating. */
  maxPayloadBytes?: number | undefined
  /** Largest number of fragments accepted. */
  maxParts?: number | undefined
  /**
   * A part of another message arrives while one is being assembled: `reset` drops the old one and starts
   * on the new (the sender changed its request), `reject` ignores the new part. Both report `new-session`.
   */
  onNewSession?: 'reset' | 'reject' | undefined
}

export type Progress = {
  /** UR type of the message being assembled, once known. */
  type: string | undefined
  /** Distinct frames received for the current message. */
  receivedParts: number
  /** Fragments the message is split into (the UR `seqLen`); 0 before the first part, 1 for single-part. */
  expectedParts: number
  /** Fragments whose bytes are already determined by the frames received. */
  solvedFragments: number
  /**
   * 0-100: the share of the message the frames received pin down (independent frames over the fragment
   * count, so it never moves on a frame that adds nothing); 100 only once the message is complete and checked.
   */
  estimatedPercent: number
  /** Every call to receive(), across messages. */
  framesSeen: number
  /** Frames that were refused (not a UR, wrong type, damaged, oversize, other message rejected). */
  framesUnusable: number
  isComplete: boolean
  /**
   * Fountain sessions of this message being combined: 2 when the sender interleaves a dense and a
   * sparse session (same type, length and checksum, other fragment size); 0 before the first part.
   */
  linkedSessions: number
}

export type ProblemStatus = 'wrong-type' | 'not-ur' | 'malformed' | 'checksum' | 'oversize'

export type ReceiveStatus =
  | { status: 'accepted'; newFragments: number; progress: Progress }
  | { status: 'duplicate'; progress: Progress }
  | { status: 'complete'; result: Ur.UrResult; progress: Progress }
  | {
      status: 'new-session'
      /** true: the old message was dropped and this part started the new one; false: this part was ignored. */
      reset: boolean
      message: string
      hint: string
      error: NewSessionError
      progress: Progress
    }
  | { status: ProblemStatus; message: string; hint: string; error: BaseError; progress: Progress }

/** One fountain session of a message: its own fragment size, solved on its own. */
type Member = {
  seqLength: number
  fragmentLength: number
  solver: FountainSolver.Solver
  seen: Set<number>
  /** Fragments already copied into the message's known bytes. */
  copied: Uint8Array
}

type Session =
  | { kind: 'single'; id: string; type: string; result: Ur.UrResult }
  | {
      kind: 'multi'
      /** type/messageLength/checksum: what every linked session of one message shares. */
      id: string
      type: string
      messageLength: number
      members: Member[]
      /** Bytes of the message solved by any session, and which ones (1) are. */
      known: Uint8Array
      mask: Uint8Array
      result: Ur.UrResult | undefined
    }

/**
 * Most fountain sessions of one message combined (a sender interleaves two: dense and sparse); a
 * further fragment size is refused like a stranger's part, which bounds memory per message.
 */
const MAX_LINKED_SESSIONS = 3

const typeLabels: Record<string, string> = {
  [names.SIGN_REQUEST]: 'an Airlock signing request',
  [names.SIGNATURE]: 'an Airlock signature',
  [names.POLICY_BUNDLE]: 'an Airlock policy bundle',
  [names.AUDIT_LOG]: 'an Airlock audit-log export',
  [names.MESSAGE_REQUEST]: 'an Airlock Safe message signing request',
  [names.MESSAGE_SIGNATURE]: 'an Airlock Safe message signature',
  'eth-sign-request': 'a Keystone (ERC-4527) sign request',
  'eth-signature': 'a Keystone (ERC-4527) signature',
  'crypto-hdkey': 'a hardware-wallet key export',
  'crypto-account': 'a hardware-wallet account export',
  'crypto-multi-accounts': 'a hardware-wallet account export',
  'crypto-psbt': 'a Bitcoin transaction (PSBT)',
  psbt: 'a Bitcoin transaction (PSBT)',
  bytes: 'raw bytes',
}

/**
 * What a UR type is, in words a user understands ("a Keystone (ERC-4527) sign request").
 *
 * @example
 * describeType('airlock-sign-request') // 'an Airlock signing request'
 */
export function describeType(type: string): string {
  return typeLabels[type] ?? `a "${type}" code`
}

/**
 * Assembles a UR from scanned frames in any order, with duplicates and gaps. `receive` never throws: every
 * frame gets a status, and problems carry a typed error, a user message and a hint.
 *
 * @example
 * const decoder = new UrDecoder({ expectedTypes: ['airlock-sign-request'] })
 * for (const frame of frames) {
 *   const status = decoder.receive(frame)
 *   if (status.status === 'complete') return status.result.payload
 * }
 */
export class UrDecoder {
  readonly #expectedTypes: readonly string[] | undefined
  readonly #maxPayloadBytes: number
  readonly #maxParts: number
  readonly #onNewSession: 'reset' | 'reject'
  #session: Session | undefined
  #framesSeen = 0
  #framesUnusable = 0

  constructor({
    expectedTypes,
    maxPayloadBytes = Ur.defaults.maxPayloadBytes,
    maxParts = Ur.defaults.maxParts,
    onNewSession = 'reset',
  }: UrDecoderOptions = {}) {
    this.#expectedTypes = expectedTypes?.map((type) => type.toLowerCase())
    this.#maxPayloadBytes = maxPayloadBytes
    this.#maxParts = maxParts
    this.#onNewSession = onNewSession
  }

  /**
   * Feeds one scanned QR text. Never throws.
   *
   * @example
   * const status = decoder.receive('UR:AIRLOCK-SIGN-REQUEST/3-12/LPAX…')
   * if (status.status === 'wrong-type') showHint(status.message, status.hint)
   */
  receive(part: string): ReceiveStatus {
    this.#framesSeen += 1
    try {
      return this.#receive(part)
    } catch (error) {
      // Only our own typed errors are expected here; anything else is a library surprise on hostile input.
      const typed = isTyped(error)
        ? error
        : new MalformedUrError('This QR frame could not be processed.', {
            hint: 'Scan the code again; if it keeps failing, regenerate it on the sending device.',
            details: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            cause: error,
          })
      return this.#problem(statusOf(typed), typed)
    }
  }

  /** Where assembly stands: honest numbers for a progress bar and for diagnosing a stuck scan. */
  progress(): Progress {
    const session = this.#session
    const base = { framesSeen: this.#framesSeen, framesUnusable: this.#framesUnusable }
    if (!session) {
      return {
        type: undefined,
        receivedParts: 0,
        expectedParts: 0,
        solvedFragments: 0,
        estimatedPercent: 0,
        isComplete: false,
        linkedSessions: 0,
        ...base,
      }
    }
    if (session.kind === 'single') {
      return {
        type: session.type,
        receivedParts: 1,
        expectedParts: 1,
        solvedFragments: 1,
        estimatedPercent: 100,
        isComplete: true,
        linkedSessions: 1,
        ...base,
      }
    }
    const complete = session.result !== undefined
    // Report the session furthest along: it is the one that will finish.
    let best = session.members[0]!
    for (const member of session.members) {
      if (member.solver.rank / member.seqLength > best.solver.rank / best.seqLength) best = member
    }
    let knownBytes = 0
    for (const bit of session.mask) knownBytes += bit
    const share = Math.max(best.solver.rank / best.seqLength, knownBytes / session.messageLength)
    return {
      type: session.type,
      receivedParts: session.members.reduce((sum, member) => sum + member.seen.size, 0),
      expectedParts: best.seqLength,
      solvedFragments: best.solver.solvedFragments,
      estimatedPercent: complete ? 100 : Math.min(99, Math.floor(100 * share)),
      isComplete: complete,
      linkedSessions: session.members.length,
      ...base,
    }
  }

  /** The decoded UR once complete, else undefined. */
  result(): Ur.UrResult | undefined {
    return this.#session?.result
  }

  /** True once a message is complete and its checksum verified. */
  get isComplete(): boolean {
    return this.#session?.result !== undefined
  }

  /** Forgets the current message and the frame counters. */
  reset(): void {
    this.#session = undefined
    this.#framesSeen = 0
    this.#framesUnusable = 0
  }

  #receive(text: string): ReceiveStatus {
    const part = Ur.parse(text, { maxPayloadBytes: this.#maxPayloadBytes, maxParts: this.#maxParts })
    if (this.#expectedTypes && !this.#expectedTypes.includes(part.type)) {
      const expected = this.#expectedTypes
      const error = new WrongUrTypeError(
        `This QR code is ${describeType(part.type)}, not ${expected.map(describeType).join(' or ')}.`,
        {
          type: part.type,
          expectedTypes: expected,
          hint: 'Check that the other device is showing the right screen, then scan again.',
        },
      )
      return this.#problem('wrong-type', error)
    }
    const id =
      part.kind === 'single'
        ? `${part.type}/single/${part.message.length}/${Crc32.checksum(part.message)}`
        : // Sessions of one message with other fragment sizes share this id and are combined: same type,
          // length and CRC-32 of the whole message. Each is solved on its own and only fully solved
          // bytes pass between them, so the result is always checked against that CRC as a whole.
          `${part.type}/multi/${part.messageLength}/${part.checksum}`

    let replaced: NewSessionError | undefined
    if (this.#session && this.#session.id !== id) {
      const error = new NewSessionError(
        'This QR frame belongs to a different message than the one being scanned.',
        {
          hint:
            this.#onNewSession === 'reset'
              ? 'Scanning restarted on the new code. If this keeps happening, make sure only one QR code is in view.'
              : 'Keep scanning the first code, or start over to scan the new one.',
          details: `current ${this.#session.id}, new ${id}`,
        },
      )
      if (this.#onNewSession === 'reject') {
        this.#framesUnusable += 1
        return { status: 'new-session', reset: false, ...describe(error), error, progress: this.progress() }
      }
      this.#session = undefined
      replaced = error
    }

    if (part.kind === 'single') {
      if (this.#session) return { status: 'duplicate', progress: this.progress() }
      const result = { type: part.type, payload: part.message }
      this.#session = { kind: 'single', id, type: part.type, result }
      return { status: 'complete', result: copy(result), progress: this.progress() }
    }

    let session = this.#session
    if (!session) {
      session = {
        kind: 'multi',
        id,
        type: part.type,
        messageLength: part.messageLength,
        members: [],
        known: new Uint8Array(part.messageLength),
        mask: new Uint8Array(part.messageLength),
        result: undefined,
      }
      this.#session = session
    }
    if (session.kind !== 'multi') throw new Error('unreachable: session id covers the kind')
    if (session.result !== undefined) return { status: 'duplicate', progress: this.progress() }
    let member = session.members.find((m) => m.fragmentLength === part.fragment.length)
    if (!member) {
      if (session.members.length >= MAX_LINKED_SESSIONS) {
        const error = new NewSessionError(
          'This QR frame belongs to yet another session of the same message.',
          {
            hint: 'Keep scanning: the frames of the sessions already started are enough.',
            details: `${session.members.length} sessions of ${id} already, fragment ${part.fragment.length} bytes`,
          },
        )
        this.#framesUnusable += 1
        return { status: 'new-session', reset: false, ...describe(error), error, progress: this.progress() }
      }
      member = {
        seqLength: part.seqLength,
        fragmentLength: part.fragment.length,
        // Ur.parse has checked the header (seqLen = ceil(messageLen / fragmentLen), within the caps).
        solver: FountainSolver.create({
          seqLength: part.seqLength,
          messageLength: part.messageLength,
          checksum: part.checksum,
          fragmentLength: part.fragment.length,
        }),
        seen: new Set(),
        copied: new Uint8Array(part.seqLength),
      }
      session.members.push(member)
    }
    if (member.seen.has(part.seqNum)) return { status: 'duplicate', progress: this.progress() }

    const solvedBefore = member.solver.solvedFragments
    let step = member.solver.add({ seqNum: part.seqNum, fragment: part.fragment })
    member.seen.add(part.seqNum)
    if (step.status !== 'complete' && step.status !== 'checksum-mismatch' && session.members.length > 1) {
      step = shareSolved(session) ?? step
    }
    if (step.status === 'checksum-mismatch') {
      // The parts span every fragment but the message CRC fails: some part was forged or corrupt. Start over.
      this.#session = undefined
      throw new ChecksumError(
        'The scanned parts do not fit together (the message checksum does not match).',
        {
          scope: 'message',
          hint: 'Scanning restarted. Make sure only one QR code is in view, then scan again.',
          details: `message CRC32 ${hex(step.actual)}, parts declare ${hex(step.expected)}`,
        },
      )
    }
    if (step.status === 'complete') {
      session.result = { type: session.type, payload: step.message }
      return { status: 'complete', result: copy(session.result), progress: this.progress() }
    }
    // A new frame that is a combination of frames already held adds nothing, like the old peeling
    // decoder's redundant parts: 'accepted' with no new fragments (its rank does not move either).
    const newFragments = Math.max(0, member.solver.solvedFragments - solvedBefore)
    if (replaced) {
      return {
        status: 'new-session',
        reset: true,
        ...describe(replaced),
        error: replaced,
        progress: this.progress(),
      }
    }
    return { status: 'accepted', newFragments, progress: this.progress() }
  }

  #problem(status: ProblemStatus, error: BaseError): ReceiveStatus {
    this.#framesUnusable += 1
    return { status, ...describe(error), error, progress: this.progress() }
  }
}

/**
 * Passes fully solved bytes between the linked sessions of one message: a fragment of one session
 * whose every byte another session has solved is added to it as that fragment's pure part. Returns
 * the first completion or checksum failure, else undefined.
 */
function shareSolved(session: Extract<Session, { kind: 'multi' }>): FountainSolver.AddResult | undefined {
  const { known, mask, messageLength } = session
  for (let round = 0; round < 64; round++) {
    let grew = false
    for (const member of session.members) {
      for (let index = 0; index < member.seqLength; index++) {
        if (member.copied[index]) continue
        const fragment = member.solver.fragment(index)
        if (!fragment) continue
        member.copied[index] = 1
        const start = index * member.fragmentLength
        const end = Math.min(messageLength, start + member.fragmentLength)
        for (let at = start; at < end; at++) {
          if (mask[at]) continue
          known[at] = fragment[at - start]!
          mask[at] = 1
          grew = true
        }
      }
    }
    if (!grew) return undefined
    for (const member of session.members) {
      for (let index = 0; index < member.seqLength; index++) {
        if (member.copied[index] || member.solver.fragment(index)) continue
        const start = index * member.fragmentLength
        const end = Math.min(messageLength, start + member.fragmentLength)
        let covered = true
        for (let at = start; at < end && covered; at++) covered = mask[at] === 1
        if (!covered) continue
        const fragment = new Uint8Array(member.fragmentLength) // zero padding past the message, as sent
        fragment.set(known.subarray(start, end))
        const step = member.solver.add({ seqNum: index + 1, fragment })
        if (step.status === 'complete' || step.status === 'checksum-mismatch') return step
      }
    }
  }
  return undefined
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`
}

function describe(error: BaseError): { message: string; hint: string } {
  return { message: error.shortMessage, hint: error.hint ?? '' }
}

// Hand out copies so a caller mutating its payload cannot alter what later receive() calls return.
function copy(result: Ur.UrResult): Ur.UrResult {
  return { type: result.type, payload: result.payload.slice() }
}

function isTyped(error: unknown): error is BaseError {
  return (
    error instanceof MalformedUrError ||
    error instanceof ChecksumError ||
    error instanceof OversizeError ||
    error instanceof WrongUrTypeError ||
    error instanceof NotUrError
  )
}

function statusOf(error: BaseError): ProblemStatus {
  switch (error.name) {
    case 'Transport.NotUrError':
      return 'not-ur'
    case 'Transport.ChecksumError':
      return 'checksum'
    case 'Transport.OversizeError':
      return 'oversize'
    case 'Transport.WrongUrTypeError':
      return 'wrong-type'
    default:
      return 'malformed'
  }
}
