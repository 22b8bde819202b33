// The animated-QR sender the apps show: one payload as a stream of rendered-ready frames.
//
// Airlock-to-Airlock streams interleave two fountain sessions of the same message, a dense one a
// 720p webcam reads and a sparse one a 640×480 webcam reads, so the sender never depends on one
// density: each camera completes at its own best rate, and UrDecoder combines the two sessions
// (same type, length and checksum). Streams another wallet reads (Keystone's `eth-sign-request`,
// `bytes`, …) are one session on the standard part schedule, since a third-party decoder knows
// neither the airlock schedule nor linked sessions.
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
  session: 'dense' | 'sparse' | 'single'
}

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
}

export type QrSender = {
  readonly type: string
  /** Frames per second to show. */
  readonly fps: number
  /** A static code: show `next()` once, no animation. */
  readonly isStatic: boolean
  /** The density of each session: `dense` only when interleaving. */
  readonly plans: { sparse: QrDensity.DensityPlan; dense: QrDensity.DensityPlan | undefined }
  /** The next frame to show; the stream never ends (fountain parts). */
  next(): Frame
}

/**
 * Makes the sender for an animated code: interleaved dense and sparse sessions for Airlock's own
 * types, a single standard-schedule session at the reader's density for everything else.
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
      next: () => ({
        text: encoder.nextPart(),
        version: plan.version,
        ecLevel: plan.ecLevel,
        session: 'single',
      }),
    }
  }
  const { sparse, dense, fps } = QrDensity.interleaved({ messageBytes, type, step })
  const sparseEncoder = Ur.encode({ type, payload, maxFragmentLength: sparse.maxFragmentLength })
  const denseEncoder = dense && Ur.encode({ type, payload, maxFragmentLength: dense.maxFragmentLength })
  let shown = 0
  return {
    type,
    fps,
    isStatic: sparseEncoder.isSinglePart,
    plans: { sparse, dense },
    next() {
      shown += 1
      // Two sparse frames, then a dense one: a 640×480 camera reads only the sparse ones, and they carry
      // 3–4× fewer bytes, so they get the larger share; a 720p camera reads all three.
      if (denseEncoder && dense && shown % 3 === 0) {
        return {
          text: denseEncoder.nextPart(),
          version: dense.version,
          ecLevel: dense.ecLevel,
          session: 'dense',
        }
      }
      return {
        text: sparseEncoder.nextPart(),
        version: sparse.version,
        ecLevel: sparse.ecLevel,
        session: denseEncoder ? 'sparse' : 'single',
      }
    },
  }
}
