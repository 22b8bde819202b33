// What the scan screen tells the person holding the camera, from the frames it has seen lately:
// where the codes were (QrReader corners), how bright the frame was, and what UrDecoder said.
import type { ReceiveStatus } from '../UrDecoder.ts'
import type { QrSymbol } from './QrReader.ts'
import type { RgbaFrame } from './RgbaFrame.ts'

/**
 * - `no-code`: no QR code seen lately: point the camera at the code.
 * - `closer`: the code is small in the frame: move closer (or show it larger).
 * - `glare`: a bright reflection and no code read: tilt the screen or dim the lamp.
 * - `inverted`: the code is light-on-dark: it reads, but a dark screen reflects more.
 * - `slower`: codes are seen but few are read (blur, motion, frames changing mid-capture): hold still,
 *   or lower the sender's speed/density.
 * - `wrong-type`: the code is not what this screen expects (another screen of the other device).
 * - `another-session`: frames of a different message: only one code in view.
 */
export type Hint = 'no-code' | 'closer' | 'glare' | 'inverted' | 'slower' | 'wrong-type' | 'another-session'

export type Observation = {
  frame: RgbaFrame
  /** What QrReader found in the frame. */
  symbols: readonly QrSymbol[]
  /** What UrDecoder said about each symbol's text. */
  statuses: readonly ReceiveStatus[]
}

export type ScanHints = {
  /** Records one camera frame and returns the hints that apply now, most useful first. */
  observe(observation: Observation): Hint[]
}

/** Frames the hints look back over (about 2 s at 15 decoded frames per second). */
const WINDOW = 30
/** A code smaller than this share of the frame's shorter side is too far. */
const SMALL = 0.4
/** Share of sampled pixels at near-white that counts as a reflection. */
const GLARE_SHARE = 0.01

type Seen = {
  found: boolean
  read: boolean
  side: number | undefined
  glare: boolean
  inverted: boolean
  wrongType: boolean
  otherSession: boolean
}

/**
 * Makes a hint tracker for one scan.
 *
 * @example
 * const hints = ScanHints.create()
 * const symbols = await reader.read(frame)
 * const statuses = symbols.map((s) => decoder.receive(s.text))
 * show(hints.observe({ frame, symbols, statuses })) // e.g. ['closer']
 */
export function create(): ScanHints {
  const recent: Seen[] = []
  return {
    observe({ frame, symbols, statuses }) {
      const shorter = Math.min(frame.width, frame.height)
      const sides = symbols.map((symbol) => side(symbol.corners) / shorter)
      const read = statuses.some(
        (s) => s.status === 'accepted' || s.status === 'duplicate' || s.status === 'complete',
      )
      recent.push({
        found: symbols.length > 0,
        read,
        side: sides.length > 0 ? Math.max(...sides) : undefined,
        glare: !read && hasGlare(frame),
        inverted: symbols.some((symbol) => symbol.inverted),
        wrongType: statuses.some((s) => s.status === 'wrong-type'),
        otherSession: statuses.some((s) => s.status === 'new-session'),
      })
      if (recent.length > WINDOW) recent.shift()
      const hints: Hint[] = []
      const share = (pick: (seen: Seen) => boolean) => recent.filter(pick).length / recent.length
      if (recent.some((s) => s.wrongType)) hints.push('wrong-type')
      if (recent.some((s) => s.otherSession)) hints.push('another-session')
      const full = recent.length >= WINDOW / 3
      if (full && share((s) => s.found) === 0) hints.push(share((s) => s.glare) > 0.3 ? 'glare' : 'no-code')
      else if (full && share((s) => s.glare) > 0.3) hints.push('glare')
      const sized = recent.flatMap((s) => (s.side === undefined ? [] : [s.side]))
      if (sized.length > 0 && median(sized) < SMALL) hints.push('closer')
      if (full && share((s) => s.found) > 0 && share((s) => s.read) < 0.4 && !hints.includes('closer')) {
        hints.push('slower')
      }
      if (recent.some((s) => s.inverted)) hints.push('inverted')
      return hints
    },
  }
}

function side(corners: readonly { x: number; y: number }[]): number {
  if (corners.length < 4) return 0
  const d = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y)
  const [a, b, c, e] = corners as [
    { x: number; y: number },
    { x: number; y: number },
    { x: number; y: number },
    { x: number; y: number },
  ]
  return (d(a, b) + d(b, c) + d(c, e) + d(e, a)) / 4
}

// A sparse grid of pixels is enough to see a blown-out patch, at a fraction of a full pass.
function hasGlare(frame: RgbaFrame): boolean {
  const step = 7
  let bright = 0
  let total = 0
  for (let y = 0; y < frame.height; y += step) {
    for (let x = 0; x < frame.width; x += step) {
      const i = (y * frame.width + x) * 4
      total += 1
      if (frame.data[i]! >= 250 && frame.data[i + 1]! >= 250 && frame.data[i + 2]! >= 250) bright += 1
    }
  }
  return total > 0 && bright / total >= GLARE_SHARE
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]!
}
