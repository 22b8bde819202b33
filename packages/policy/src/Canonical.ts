import { CanonicalJsonError } from './errors.ts'

/**
 * Canonical JSON, the byte form a policy bundle is hashed in. It is RFC 8785 (JCS) restricted to
 * values that cannot be ambiguous:
 * - objects: keys sorted by UTF-16 code units (JS default sort), no duplicate keys, no whitespace;
 * - strings: JSON.stringify escaping (the same as JCS for every string);
 * - numbers: safe integers only (|n| ≤ 2^53 - 1), written in plain decimal; floats, NaN and
 *   Infinity are refused, so large amounts must be decimal strings;
 * - `true`, `false`, `null`, arrays in their given order;
 * - `undefined`, functions, bigint, Date, Map and other class instances are refused, except that
 *   object properties whose value is `undefined` are left out (they do not exist in JSON).
 *
 * @example
 * Canonical.stringify({ b: 1, a: [true, 'x'] }) // '{"a":[true,"x"],"b":1}'
 */
export function stringify(value: unknown): string {
  return write(value, '$')
}

/**
 * UTF-8 bytes of the canonical JSON.
 *
 * @example
 * Canonical.encode({ a: 1 }) // Uint8Array of '{"a":1}'
 */
export function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(stringify(value))
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function write(value: unknown, path: string): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'string':
      if (loneSurrogate.test(value)) {
        throw new CanonicalJsonError(`The string at ${path} has a lone surrogate.`, {
          hint: 'Use well-formed Unicode text.',
        })
      }
      return JSON.stringify(value)
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJsonError(`The number at ${path} (${value}) is not a safe integer.`, {
          hint: 'Write amounts and other large or fractional numbers as decimal strings.',
        })
      }
      // -0 and 0 are the same JSON.
      return String(value === 0 ? 0 : value)
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, index) => write(item, `${path}[${index}]`)).join(',')}]`
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) {
        throw new CanonicalJsonError(`The value at ${path} is not a plain object.`, {
          hint: 'Use plain objects, arrays, strings, integers, booleans and null.',
        })
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${write(item, `${path}.${key}`)}`).join(',')}}`
    }
    default:
      throw new CanonicalJsonError(`The value at ${path} is a ${typeof value}, which JSON cannot hold.`, {
        hint: 'Write bigints as decimal strings; leave out undefined values.',
      })
  }
}
