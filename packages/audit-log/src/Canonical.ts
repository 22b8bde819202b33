/**
 * Canonical JSON: the one byte string an audit entry is signed and hashed as, and a policy bundle is
 * hashed as (RFC 8785 restricted to values that cannot be ambiguous).
 *
 * - No whitespace. Object keys sorted by UTF-16 code units (JavaScript's default sort, as in RFC 8785).
 * - Strings are escaped exactly as `JSON.stringify` does (ECMAScript rules, the same as RFC 8785).
 * - Numbers must be safe integers (|n| <= 2^53 - 1): float formatting differs across languages, so it
 *   is kept out of signed bytes. Put amounts and ratios in strings.
 * - Object properties whose value is `undefined` are left out, as `JSON.stringify` does (they do not
 *   exist in JSON, so what is shown after parsing is still exactly what is signed). Any other
 *   `undefined`, functions, symbols, bigints, class instances and cycles are refused, never dropped.
 * - The result is encoded as UTF-8.
 */
import { CanonicalEncodingError } from './errors.ts'

/** A JSON value that canonical encoding accepts. */
export type Json = null | boolean | number | string | readonly Json[] | JsonObject
/** A JSON object (the free `data` field of an entry). */
export type JsonObject = { readonly [key: string]: Json }

const maxDepth = 64
const encoder = new TextEncoder()

/**
 * Encodes a JSON value canonically as a string.
 *
 * @example
 * Canonical.encode({ b: 1, a: ['x', null] }) // '{"a":["x",null],"b":1}'
 */
export function encode(value: unknown): string {
  return encodeValue(value, 0, '$')
}

/**
 * Encodes a JSON value canonically as UTF-8 bytes.
 *
 * @example
 * Canonical.encodeBytes({ a: 1 }) // Uint8Array of '{"a":1}'
 */
export function encodeBytes(value: unknown): Uint8Array {
  return encoder.encode(encode(value))
}

/**
 * True when `value` is a plain JSON object (not an array, not a class instance).
 *
 * @example
 * Canonical.isPlainObject({ a: 1 }) // true
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function encodeValue(value: unknown, depth: number, path: string): string {
  if (depth > maxDepth) throw fail(path, `nesting deeper than ${maxDepth} levels (or a cycle)`)
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isSafeInteger(value)) throw fail(path, `number ${value} is not a safe integer`)
      return Object.is(value, -0) ? '0' : String(value)
    case 'object': {
      if (value === null) return 'null'
      if (Array.isArray(value)) {
        const parts: string[] = []
        for (let i = 0; i < value.length; i++) parts.push(encodeValue(value[i], depth + 1, `${path}[${i}]`))
        return `[${parts.join(',')}]`
      }
      if (!isPlainObject(value)) throw fail(path, 'only plain objects can be encoded')
      const keys = Object.keys(value).sort()
      const parts: string[] = []
      for (const key of keys) {
        if (value[key] === undefined) continue
        parts.push(`${JSON.stringify(key)}:${encodeValue(value[key], depth + 1, `${path}.${key}`)}`)
      }
      return `{${parts.join(',')}}`
    }
    default:
      throw fail(path, `${typeof value} is not a JSON value`)
  }
}

function fail(path: string, what: string): CanonicalEncodingError {
  const where = path.length > 60 ? `…${path.slice(-60)}` : path
  return new CanonicalEncodingError(`Cannot encode ${where} canonically: ${what}.`, {
    hint: 'Log only JSON data: strings, safe integers, booleans, null, arrays and plain objects.',
  })
}
