// The bc-ur fountain code (BCR-2020-005) on Uint8Array: which fragments a part mixes, and how a part is
// laid out. A port of @ngraveio/bc-ur's fountainUtils/xoshiro (itself a port of the reference C++), so
// that parts stay bit-for-bit those of every UR decoder (Keystone's too), without the library's Node
// Buffer, assert and sha.js dependencies: this module runs in a browser as it is.
import { encode as encodeCbor } from 'cborg'
import { sha256 } from 'viem'

const MASK64 = (1n << 64n) - 1n
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & MASK64

/** xoshiro256** seeded with the SHA-256 of `seed`, exactly as bc-ur draws its numbers. */
class Xoshiro {
  readonly #s: bigint[] = [0n, 0n, 0n, 0n]

  constructor(seed: Uint8Array) {
    const digest = sha256(seed, 'bytes')
    for (let i = 0; i < 4; i++) {
      let v = 0n
      for (let n = 0; n < 8; n++) v = ((v << 8n) | BigInt(digest[i * 8 + n]!)) & MASK64
      this.#s[i] = v
    }
  }

  #roll(): bigint {
    const s = this.#s
    const result = (rotl((s[1]! * 5n) & MASK64, 7n) * 9n) & MASK64
    const t = (s[1]! << 17n) & MASK64
    s[2] = s[2]! ^ s[0]!
    s[3] = s[3]! ^ s[1]!
    s[1] = s[1]! ^ s[2]!
    s[0] = s[0]! ^ s[3]!
    s[2] = s[2]! ^ t
    s[3] = rotl(s[3]!, 45n)
    return result
  }

  /**
   * A double in [0, 1). bc-ur divides with bignumber.js (20 decimal places, rounding half up) and then
   * reads the decimal back as a number; doing the same keeps rare boundary draws identical.
   */
  nextDouble(): number {
    const scaled = this.#roll() * 10n ** 20n
    const quotient = scaled >> 64n
    const remainder = scaled & MASK64
    const rounded = remainder >= 1n << 63n ? quotient + 1n : quotient
    if (rounded >= 10n ** 20n) return 1
    return Number(`0.${rounded.toString().padStart(20, '0')}`)
  }

  nextInt(low: number, high: number): number {
    return Math.floor(this.nextDouble() * (high - low + 1) + low)
  }
}

// Walker's alias method as @keystonehq/alias-sampling builds it (same table, same two draws).
function chooseDegree(seqLength: number, rng: Xoshiro): number {
  const n = seqLength
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1))
  const sum = weights.reduce((acc, w) => acc + w, 0)
  const scaled = weights.map((w) => (w * n) / sum)
  const prob: number[] = new Array(n)
  const alias: number[] = new Array(n)
  const small: number[] = []
  const large: number[] = []
  for (let i = n - 1; i >= 0; i--) (scaled[i]! < 1 ? small : large).push(i)
  while (small.length > 0 && large.length > 0) {
    const less = small.pop()!
    const more = large.pop()!
    prob[less] = scaled[less]!
    alias[less] = more
    scaled[more] = scaled[more]! + scaled[less]! - 1
    ;(scaled[more]! < 1 ? small : large).push(more)
  }
  while (large.length > 0) prob[large.pop()!] = 1
  while (small.length > 0) prob[small.pop()!] = 1
  const column = Math.floor(rng.nextDouble() * n)
  return (rng.nextDouble() < prob[column]! ? column : alias[column]!) + 1
}

/**
 * The fragment indexes (0-based) that part `seqNum` XORs together: part k ≤ seqLength is fragment
 * k − 1 alone; later parts mix a pseudo-random set seeded by the part number and the message checksum.
 *
 * @example
 * Fountain.chooseFragments(1, 3, checksum) // [0]
 */
export function chooseFragments(seqNum: number, seqLength: number, checksum: number): number[] {
  if (seqNum <= seqLength) return [seqNum - 1]
  const seed = new Uint8Array(8)
  const view = new DataView(seed.buffer)
  view.setUint32(0, seqNum >>> 0, false)
  view.setUint32(4, checksum >>> 0, false)
  const rng = new Xoshiro(seed)
  const degree = chooseDegree(seqLength, rng)
  const remaining = Array.from({ length: seqLength }, (_, i) => i)
  const shuffled: number[] = []
  while (remaining.length > 0) shuffled.push(remaining.splice(rng.nextInt(0, remaining.length - 1), 1)[0]!)
  return shuffled.slice(0, degree)
}

/**
 * The fragment length bc-ur picks: the smallest number of equal fragments no longer than the maximum.
 *
 * @example
 * Fountain.fragmentLength({ messageLength: 450, minFragmentLength: 10, maxFragmentLength: 200 }) // 150
 */
export function fragmentLength({
  messageLength,
  minFragmentLength,
  maxFragmentLength,
}: {
  messageLength: number
  minFragmentLength: number
  maxFragmentLength: number
}): number {
  const maxFragmentCount = Math.ceil(messageLength / minFragmentLength)
  let length = 0
  for (let count = 1; count <= maxFragmentCount; count++) {
    length = Math.ceil(messageLength / count)
    if (length <= maxFragmentLength) break
  }
  return length
}

/**
 * Splits a message into fragments of `length` bytes, the last one zero-padded.
 *
 * @example
 * Fountain.partition(new Uint8Array(5), 2).length // 3
 */
export function partition(message: Uint8Array, length: number): Uint8Array[] {
  const fragments: Uint8Array[] = []
  for (let offset = 0; offset < message.length; offset += length) {
    const fragment = new Uint8Array(length)
    fragment.set(message.subarray(offset, offset + length))
    fragments.push(fragment)
  }
  return fragments
}

/**
 * The body of a multipart UR part: the CBOR array [seqNum, seqLen, messageLen, checksum, data] where
 * data is the XOR of the chosen fragments.
 *
 * @example
 * const body = Fountain.part({ fragments, seqNum: 4, messageLength: 450, checksum })
 */
export function part({
  fragments,
  seqNum,
  messageLength,
  checksum,
}: {
  fragments: readonly Uint8Array[]
  seqNum: number
  messageLength: number
  checksum: number
}): Uint8Array {
  const data = new Uint8Array(fragments[0]!.length)
  for (const index of chooseFragments(seqNum, fragments.length, checksum)) {
    const fragment = fragments[index]!
    for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ fragment[i]!
  }
  return encodeCbor([seqNum >>> 0, fragments.length, messageLength, checksum >>> 0, data])
}
