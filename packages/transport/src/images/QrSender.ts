// The animated-QR sender the apps show: one payload as a stream of rendered-ready frames.
//
// Airlock-to-Airlock streams interleave up to three fountain sessions of the same message: a dense one
// a 720p webcam reads, a sparse one a 640×480 webcam reads and a sparsest one a 640×480 webcam reads
// from the far end of a scan (50 cm, a small code, soft focus). The sender never depends on one
// density: each camera completes at its own best rate, and UrDecoder combines the sessions (same type,
// length and checksum). Each session shows its pure fragments from another place in the message
// (dense from the start, sparse from the middle onwards, sparsest from the middle backwards), so a
// camera reading two sessions gathers different bytes from each instead of the first ones twice.
// Streams another wallet reads (Keystone's `eth-sign-request`, `bytes`, …) are one session on the
// standard part schedule, since a third-party decoder knows neither the airlock schedule nor linked
// sessions.
import * as Ur from '../Ur.ts'
import { InvalidDensityError } from './errors.ts'
import type { EcLevel } from './QrCode.ts'
import * as QrDensity from './QrDensity.ts'

/** One frame to show: the UR part and the QR version and level to render it at. */
export type Frame = {
  text: string
  version: number
  ecLevel: EcLevel
  /** Which session the frame belongs to ('single' for a one-session stream). */
  session: Session
}

/** A session of an interleaved stream, or 'single' for a one-session stream. */
export type Session = 'dense' | 'sparse' | 'sparsest' | 'single'

export type CreateParameters = {
  type: string
  /** The UR message (CBOR for registry types). */
  payload: Uint8Array
  /** The user's density control, -3..3 (0: the default); moves every session the same way. */
  step?: number | undefined
  /**
   * Interleave a dense and a sparse session (default: for Airlock's own types only, whose reader is
   * Airlock). Another wallet's decoder would see the second session as a different message.
   */
  interleave?: boolean | undefined
  /**
   * With `interleave`, add the sparsest session for a far or blurry 640×480 camera (default true).
   * Without it a camera that resolves only the sparsest code never completes.
   */
  far?: boolean | undefined
}

export type QrSender = {
  readonly type: string
  /** Frames per second to show. */
  readonly fps: number
  /** A static code: show `next()` once, no animation. */
  readonly isStatic: boolean
  /** The density of each session: `dense` and `sparsest` only when interleaving. */
  readonly plans: {
    sparse: QrDensity.DensityPlan
    dense: QrDensity.DensityPlan | undefined
    sparsest?: QrDensity.DensityPlan | undefined
  }
  /** The sessions of one interleaving round, in the order `next()` shows them (e.g. sparse, sparsest, sparse, sparsest, dense). */
  readonly round: readonly Session[]
  /**
   * Frames for a finite loop of this stream (a UI that pre-renders frames): a whole number of rounds
   * in which every session shows each of its pure fragments at least twice, or 1 for a static code.
   */
  readonly loopLength: number
  /** The next frame to show; the stream never ends (fountain parts). */
  next(): Frame
}

/**
 * Makes the sender for an animated code: interleaved dense, sparse and sparsest sessions for Airlock's
 * own types, a single standard-schedule session at the reader's density for everything else.
 *
 * @example
 * const sender = QrSender.create({ type: 'airlock-signature', payload })
 * setInterval(() => show(QrCode.encode(sender.next().text, frame)), 1000 / sender.fps)
 */
export function create({
  type,
  payload,
  step = 0,
  interleave = Ur.isAirlockType(type),
  far = true,
}: CreateParameters): QrSender {
  if (!(payload instanceof Uint8Array) || payload.length === 0) {
    throw new InvalidDensityError('There is nothing to send: the payload is empty or not bytes.', {
      hint: 'Pass the UR message as a non-empty Uint8Array.',
    })
  }
  const messageBytes = payload.length
  if (!interleave) {
    const plan =
      type === 'eth-sign-request'
        ? QrDensity.keystone({ messageBytes, type, step })
        : QrDensity.tune({ messageBytes, type, step })
    const encoder = Ur.encode({ type, payload, maxFragmentLength: plan.maxFragmentLength })
    return {
      type,
      fps: plan.fps,
      isStatic: encoder.isSinglePart,
      plans: { sparse: plan, dense: undefined },
      round: ['single'],
      loopLength: encoder.isSinglePart ? 1 : 2 * plan.fragmentCount,
      next: () => ({
        text: encoder.nextPart(),
        version: plan.version,
        ecLevel: plan.ecLevel,
        session: 'single',
      }),
    }
  }
  const { sparse, dense, sparsest, fps } = QrDensity.interleaved({ messageBytes, type, step, far })
  const round = roundOf({ dense, sparsest, fps })
  const streams: Partial<Record<Session, () => Frame>> = {}
  const add = (session: Session, plan: QrDensity.DensityPlan, startByte: number, direction: 1 | -1) => {
    const next = sessionParts({ type, payload, plan, startByte, direction })
    streams[session] = () => ({ text: next(), version: plan.version, ecLevel: plan.ecLevel, session })
  }
  if (round.length === 1) add('single', sparse, 0, 1)
  else {
    // Bytes each session carries per round. The dense session runs forwards from the start, the
    // sparsest backwards from `boundary`, the sparse one forwards from it: a camera reading them all
    // closes both gaps at once when the boundary splits the message in proportion to their rates, and
    // one reading any two never gets the same bytes twice until the message is covered.
    const rate = (session: Session, plan: QrDensity.DensityPlan | undefined) =>
      plan ? plan.fragmentBytes * round.filter((s) => s === session).length : 0
    const before = rate('dense', dense) + rate('sparsest', sparsest)
    const boundary = Math.round((messageBytes * before) / (before + rate('sparse', sparse)))
    add('sparse', sparse, boundary, 1)
    if (dense) add('dense', dense, 0, 1)
    if (sparsest) add('sparsest', sparsest, boundary, -1)
  }
  // Each session's share of a round, to size a loop in which it shows every fragment twice.
  let rounds = 1
  for (const [session, plan] of [
    ['sparse', sparse],
    ['dense', dense],
    ['sparsest', sparsest],
  ] as const) {
    const perRound = round.filter((s) => s === session).length
    if (plan && perRound > 0) rounds = Math.max(rounds, Math.ceil((2 * plan.fragmentCount) / perRound))
  }
  let shown = 0
  return {
    type,
    fps,
    isStatic: sparse.isSinglePart,
    plans: { sparse, dense, sparsest },
    round,
    loopLength: sparse.isSinglePart ? 1 : rounds * round.length,
    next() {
      const session = round[shown % round.length]!
      shown += 1
      return streams[session]!()
    },
  }
}

/**
 * How long a person holds a camera at a code before giving up, seconds: the sparsest session gets
 * the larger share when a camera reading only it completes within this.
 */
const FAR_SCAN_SECONDS = 30

/**
 * The interleaving round. A 640×480 camera reads the sparse and sparsest frames, a 720p camera all of
 * them, the dense one carrying about three times a sparse frame's bytes. The sparsest session gets two
 * frames of five when a camera reading only it (too far or too blurry for the sparse code) completes
 * within {@link FAR_SCAN_SECONDS} that way (messages up to about 13 KB), else one: a larger message
 * would take such a camera minutes anyway, and the camera that reads the sparse code should not wait.
 */
function roundOf({
  dense,
  sparsest,
  fps,
}: {
  dense: QrDensity.DensityPlan | undefined
  sparsest: QrDensity.DensityPlan | undefined
  fps: number
}): Session[] {
  if (dense && sparsest) {
    const farOnly = QrDensity.expectedFrames({ fragmentCount: sparsest.fragmentCount, loss: 0.1 })
    return farOnly / (fps * (2 / 5)) <= FAR_SCAN_SECONDS
      ? ['sparse', 'sparsest', 'sparse', 'sparsest', 'dense']
      : ['sparse', 'sparse', 'sparsest', 'sparse', 'dense']
  }
  if (dense) return ['sparse', 'sparse', 'dense']
  if (sparsest) return ['sparse', 'sparsest']
  return ['single']
}

/**
 * One fountain session's parts: its pure fragments once each, forwards from the one holding `startByte`
 * or backwards from the one before it (wrapping round the message), then the encoder's mixed parts.
 */
function sessionParts({
  type,
  payload,
  plan,
  startByte,
  direction,
}: {
  type: string
  payload: Uint8Array
  plan: QrDensity.DensityPlan
  startByte: number
  direction: 1 | -1
}): () => string {
  const n = plan.fragmentCount
  // firstSeqNum n: nextPart() goes straight to the mixed parts, the pure ones come from partAt.
  const encoder = Ur.encode({
    type,
    payload,
    maxFragmentLength: plan.maxFragmentLength,
    ...(n > 1 ? { firstSeqNum: n } : {}),
  })
  if (n === 1) return () => encoder.nextPart()
  const at = Math.floor(startByte / plan.fragmentBytes)
  const first = direction === 1 ? at : at - 1
  let pure = 0
  return () => {
    if (pure >= n) return encoder.nextPart()
    const index = (((first + direction * pure) % n) + n) % n
    pure += 1
    return encoder.partAt(index + 1)
  }
}
