// cborg decodes nested arrays, maps and tags recursively: 10,000 nested one-element arrays (10 KB)
// overflow the stack. This walks the item headers iteratively first, so hostile nesting is refused by
// depth before any recursive decoder runs. It checks nesting only; the decoder still checks the rest.

/** Nesting deeper than any Airlock or ERC-4527 message (the deepest stays under 10). */
export const defaultMaxDepth = 32

/** The first problem found while walking item headers, or undefined when the nesting is within bounds. */
export type DepthProblem = 'too-deep' | 'truncated' | 'indefinite'

/**
 * Walks the CBOR item headers of `bytes` without recursion and reports whether arrays, maps and tags
 * nest deeper than `maxDepth` (or the headers are truncated or use indefinite lengths, which Airlock's
 * decoders refuse anyway). Work is linear in the input: each item costs at least one byte.
 *
 * @example
 * cborDepthProblem(new Uint8Array(10_000).fill(0x81)) // 'too-deep'
 */
export function cborDepthProblem(
  bytes: Uint8Array,
  { maxDepth = defaultMaxDepth }: { maxDepth?: number | undefined } = {},
): DepthProblem | undefined {
  // Items still to read at each open level; the top level holds exactly one item.
  const remaining: number[] = [1]
  let o = 0
  while (remaining.length > 0) {
    if (remaining[remaining.length - 1] === 0) {
      remaining.pop()
      continue
    }
    remaining[remaining.length - 1]! -= 1
    if (o >= bytes.length) return 'truncated'
    const initial = bytes[o++]!
    const major = initial >> 5
    const info = initial & 0x1f
    let argument = info
    if (info === 31) return 'indefinite'
    if (info >= 24) {
      if (info > 27) return 'truncated' // reserved additional information: not well-formed
      const size = 1 << (info - 24)
      if (o + size > bytes.length) return 'truncated'
      argument = 0
      // Lengths beyond 2^53 cannot fit in the input anyway; saturating is enough to refuse them below.
      for (let i = 0; i < size; i++) argument = argument * 256 + bytes[o + i]!
      o += size
    }
    switch (major) {
      case 2: // byte string
      case 3: // text string
        if (argument > bytes.length - o) return 'truncated'
        o += argument
        break
      case 4: // array: `argument` items
      case 5: // map: two items per entry
      case 6: {
        // tag: one item
        const items = major === 4 ? argument : major === 5 ? argument * 2 : 1
        if (items > bytes.length - o) return 'truncated'
        if (remaining.length > maxDepth) return 'too-deep'
        remaining.push(items)
        break
      }
      default: // integers and simple values/floats: the header was the whole item
        break
    }
  }
  return undefined
}
