// Internal CBOR helpers for the ERC-4527 registry types: strict decoding into Maps with integer keys,
// and field readers that turn every surprise into a typed error.
import { decode, encode, Tagged } from 'cborg'
import { cborDepthProblem } from '../cborDepth.ts'
import { KeystoneMalformedError } from './errors.ts'

/** IANA tag for a UUID byte string (the request id). */
export const UUID_TAG = 37
/** BCR-2020-007 tag for crypto-keypath. */
export const KEYPATH_TAG = 304

export { Tagged }

export type CborMap = Map<unknown, unknown>

/**
 * Canonical encoding (cborg's default: minimal integers, sorted map keys), as Keystone's registry emits.
 *
 * @example
 * encodeCbor(new Map([[3, 2]])) // a1 03 02
 */
export function encodeCbor(value: unknown): Uint8Array {
  return encode(value)
}

/**
 * Decodes one CBOR item (no trailing bytes) whose top level must be a map.
 *
 * @example
 * decodeMap(cbor, 'signature').get(2) // the signature bytes
 */
export function decodeMap(bytes: Uint8Array, what: string): CborMap {
  if (!(bytes instanceof Uint8Array)) {
    throw new KeystoneMalformedError(`The ${what} payload is not bytes.`, {
      hint: 'Pass the CBOR bytes of the scanned UR.',
    })
  }
  // Nesting is bounded before cborg's recursive decoder runs (see cborDepth.ts).
  if (cborDepthProblem(bytes) === 'too-deep') {
    throw new KeystoneMalformedError(`The ${what} nests CBOR more deeply than any ERC-4527 message.`, {
      hint: 'Scan the QR code again; it was not made by a Keystone-compatible wallet.',
    })
  }
  let value: unknown
  try {
    value = decode(bytes, {
      useMaps: true,
      rejectDuplicateMapKeys: true,
      tags: { [UUID_TAG]: Tagged.decoder(UUID_TAG), [KEYPATH_TAG]: Tagged.decoder(KEYPATH_TAG) },
    })
  } catch (error) {
    throw new KeystoneMalformedError(`The ${what} is not valid CBOR.`, {
      hint: 'Scan the QR code again; if it keeps failing, the code was not made by a Keystone-compatible wallet.',
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
  if (!(value instanceof Map)) {
    throw new KeystoneMalformedError(`The ${what} is not a CBOR map.`, {
      hint: 'Scan the QR code again; it does not hold an ERC-4527 message.',
    })
  }
  return value
}

/**
 * Reads a map entry; `undefined` when the key is absent.
 *
 * @example
 * field(map, 2)
 */
export function field(map: CborMap, key: number): unknown {
  return map.get(key)
}

/**
 * A required byte string field.
 *
 * @example
 * requireBytes(field(map, 2), 'sign-data', 'sign request')
 */
export function requireBytes(value: unknown, name: string, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new KeystoneMalformedError(`The ${what} has no ${name} byte string.`, {
      hint: 'Scan the QR code again; the message is incomplete or not ERC-4527.',
      details: `${name}: ${describe(value)}`,
    })
  }
  return value
}

/**
 * An optional text field.
 *
 * @example
 * optionalText(field(map, 7), 'origin', 'sign request')
 */
export function optionalText(value: unknown, name: string, what: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') {
    throw new KeystoneMalformedError(`The ${what}'s ${name} is not text.`, {
      hint: 'Scan the QR code again; the message is not ERC-4527.',
      details: `${name}: ${describe(value)}`,
    })
  }
  return value
}

/**
 * An optional non-negative integer (cborg gives numbers up to 2^53 and bigints above).
 *
 * @example
 * optionalUint(field(map, 4), 'chain id', 'sign request') // 1n
 */
export function optionalUint(value: unknown, name: string, what: string): bigint | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  if (typeof value === 'bigint' && value >= 0n) return value
  throw new KeystoneMalformedError(`The ${what}'s ${name} is not a non-negative integer.`, {
    hint: 'Scan the QR code again; the message is not ERC-4527.',
    details: `${name}: ${describe(value)}`,
  })
}

/**
 * The 16 bytes inside a #6.37 tag; an untagged byte string is refused (the spec requires the tag).
 *
 * @example
 * optionalUuid(field(map, 1), 'signature')
 */
export function optionalUuid(value: unknown, what: string): Uint8Array | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof Tagged) || value.tag !== UUID_TAG || !(value.value instanceof Uint8Array)) {
    throw new KeystoneMalformedError(`The ${what}'s request id is not a tagged UUID.`, {
      hint: 'Scan the QR code again; the message is not ERC-4527.',
      details: `request-id: ${describe(value)}`,
    })
  }
  if (value.value.length !== 16) {
    throw new KeystoneMalformedError(`The ${what}'s request id is ${value.value.length} bytes, not 16.`, {
      hint: 'Scan the QR code again; the message is not ERC-4527.',
    })
  }
  return value.value
}

/**
 * A short description of a decoded value for error details (never the value of a large field).
 *
 * @example
 * describe(new Uint8Array(3)) // '3 bytes'
 */
export function describe(value: unknown): string {
  if (value === undefined) return 'missing'
  if (value instanceof Uint8Array) return `${value.length} bytes`
  if (value instanceof Tagged) return `tag ${value.tag}`
  if (value instanceof Map) return `map of ${value.size}`
  if (Array.isArray(value)) return `array of ${value.length}`
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)
  return String(value)
}
