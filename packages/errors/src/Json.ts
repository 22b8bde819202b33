// Bounded JSON for untrusted files and payloads (policy bundles, requests, ABI files, org configs,
// Transaction Builder files, state manifests). JSON.parse itself copes with deep nesting, but everything
// that walks the result afterwards (hashing, canonical encoding, schema checks) recurses, and a
// 10,000-deep document then ends in an untyped RangeError or a killed process. So nesting and size are
// checked on the text, iteratively, before anything is built.
import { BaseError } from './BaseError.ts'

/** Nesting deeper than any Airlock JSON format needs (bundles, ABIs and Transaction Builder files stay under 20). */
export const defaultMaxDepth = 64
/** 16 MiB: far above any real policy bundle, ABI or batch file, far below what exhausts memory. */
export const defaultMaxBytes = 16 * 1024 * 1024

/** The text is not JSON (syntax error, or bytes that are not UTF-8). */
export class InvalidJsonError extends BaseError {
  override name = 'Json.InvalidJsonError'
}

/** Objects and arrays are nested deeper than allowed. */
export class JsonTooDeepError extends BaseError {
  override name = 'Json.TooDeepError'
}

/** The text is larger than allowed. */
export class JsonTooLargeError extends BaseError {
  override name = 'Json.TooLargeError'
}

export type ParseOptions = {
  /** Deepest nesting of objects and arrays allowed (default 64; the top-level value is depth 1). */
  maxDepth?: number | undefined
  /** Largest input in UTF-8 bytes (default 16 MiB). */
  maxBytes?: number | undefined
  /** What the text is, for messages ("policy bundle", "ABI file"); default "JSON document". */
  what?: string | undefined
}

/**
 * Parses untrusted JSON with its size and nesting checked first, without recursion, so hostile input
 * gets a typed error (`Json.InvalidJsonError`, `Json.TooDeepError`, `Json.TooLargeError`) and never a
 * stack overflow later on.
 *
 * @example
 * const bundle = Json.parse(text, { what: 'policy bundle' })
 * Json.parse('['.repeat(10_000)) // throws Json.TooDeepError
 */
export function parse(
  input: string | Uint8Array,
  { maxDepth = defaultMaxDepth, maxBytes = defaultMaxBytes, what = 'JSON document' }: ParseOptions = {},
): unknown {
  let text: string
  if (input instanceof Uint8Array) {
    if (input.length > maxBytes) throw tooLarge(what, input.length, maxBytes)
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input)
    } catch (cause) {
      throw new InvalidJsonError(`The ${what} is not UTF-8 text.`, {
        hint: 'Give the JSON file itself, saved as UTF-8.',
        cause,
      })
    }
  } else if (typeof input === 'string') {
    text = input
    // A UTF-16 unit is 1 to 3 UTF-8 bytes: count exactly only when the cheap bounds disagree.
    if (text.length > maxBytes) throw tooLarge(what, text.length, maxBytes)
    if (text.length * 3 > maxBytes) {
      const bytes = new TextEncoder().encode(text).length
      if (bytes > maxBytes) throw tooLarge(what, bytes, maxBytes)
    }
  } else {
    throw new InvalidJsonError(`The ${what} is not text.`, { hint: 'Pass the JSON text or its UTF-8 bytes.' })
  }
  checkTextDepth(text, maxDepth, what)
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new InvalidJsonError(`The ${what} is not valid JSON.`, {
      hint: 'Fix the JSON syntax (a trailing comma or a missing quote is the usual culprit).',
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    })
  }
}

/**
 * Throws `Json.TooDeepError` when an already parsed value (one that arrived as an object, not text) nests
 * objects and arrays deeper than `maxDepth`. Iterative, so the check itself cannot overflow the stack.
 *
 * @example
 * Json.assertDepth(input, { maxDepth: 64, what: 'policy bundle' })
 */
export function assertDepth(
  value: unknown,
  { maxDepth = defaultMaxDepth, what = 'JSON document' }: Omit<ParseOptions, 'maxBytes'> = {},
): void {
  const stack: [unknown, number][] = [[value, 1]]
  const seen = new Set<object>()
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number]
    if (item === null || typeof item !== 'object') continue
    if (depth > maxDepth) throw tooDeep(what, maxDepth)
    // A shared or cyclic object (only possible from code, never from JSON) is walked once.
    if (seen.has(item)) continue
    seen.add(item)
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1])
  }
}

function checkTextDepth(text: string, maxDepth: number, what: string): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: the next unit is escaped (\" does not end the string)
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw tooDeep(what, maxDepth)
    } else if (c === 0x5d || c === 0x7d) depth--
  }
}

function tooDeep(what: string, maxDepth: number): JsonTooDeepError {
  return new JsonTooDeepError(`The ${what} nests objects and lists more than ${maxDepth} levels deep.`, {
    hint: 'Airlock files are never nested this deeply; the file is damaged or hostile. Use the original.',
  })
}

function tooLarge(what: string, size: number, maxBytes: number): JsonTooLargeError {
  return new JsonTooLargeError(`The ${what} is too large (${size} bytes, at most ${maxBytes}).`, {
    hint: 'Check that this is the right file; Airlock files are far smaller.',
  })
}
