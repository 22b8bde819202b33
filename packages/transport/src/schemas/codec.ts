// A small schema toolkit for Airlock's CBOR formats: integer-keyed maps (compact in a QR), strict canonical
// CBOR, every field validated on decode with an error naming its path (`tx.nonce`, `signatures[1].signer`).
import { type DecodeOptions, decode as decodeCbor, encode as encodeCbor, Tagged } from 'cborg'
import { type Address, bytesToHex, getAddress, type Hex, hexToBytes, maxUint256 } from 'viem'
import { cborDepthProblem, defaultMaxDepth as maxCborDepth } from '../cborDepth.ts'
import {
  InvalidCborError,
  InvalidFieldError,
  MissingFieldError,
  UnknownFieldError,
  UnsupportedFormatVersionError,
  UrTypeMismatchError,
} from '../errors.ts'

export type Codec<T> = {
  /** To a value cborg encodes canonically. Method syntax keeps codecs assignable to Codec<unknown>. */
  toCbor(value: T, field: string): unknown
  fromCbor(raw: unknown, field: string): T
  readonly optional?: boolean
}

type Infer<C> = C extends Codec<infer T> ? T : never
export type Fields = Record<string, { key: number; codec: Codec<unknown> }>
type RequiredKeys<F extends Fields> = {
  [K in keyof F]: F[K]['codec'] extends { optional: true } ? never : K
}[keyof F]
type OptionalKeys<F extends Fields> = {
  [K in keyof F]: F[K]['codec'] extends { optional: true } ? K : never
}[keyof F]
export type StructOf<F extends Fields> = { [K in RequiredKeys<F>]: Infer<F[K]['codec']> } & {
  [K in OptionalKeys<F>]?: Infer<F[K]['codec']> | undefined
}

// Bignums (tag 2) carry uint256 values above 2^64-1; everything smaller is a plain CBOR integer.
class Bignum {
  constructor(readonly bytes: unknown) {}
}

const decodeOptions: DecodeOptions = {
  strict: true,
  useMaps: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  tags: { 2: (decode) => new Bignum(decode()) },
}

/** Strict CBOR decode: shortest integers, no indefinite lengths, no duplicate keys, only bignum tags. */
export function decodeStrict(bytes: Uint8Array, what: string): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidCborError(`The ${what} is not bytes.`, {
      hint: 'Pass the Uint8Array from the UR payload.',
    })
  }
  // Bounded before cborg's recursive decoder runs: deep nesting must not reach a stack overflow.
  const problem = cborDepthProblem(bytes)
  if (problem !== undefined) {
    throw new InvalidCborError(
      problem === 'too-deep'
        ? `The ${what} nests CBOR more than ${maxCborDepth} levels deep.`
        : `The ${what} is not valid CBOR.`,
      {
        hint: 'The data was damaged or made by incompatible software; create it again.',
        details: problem,
      },
    )
  }
  try {
    return decodeCbor(bytes, decodeOptions)
  } catch (error) {
    throw new InvalidCborError(`The ${what} is not valid CBOR.`, {
      hint: 'The data was damaged or made by incompatible software; create it again.',
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
}

/** Canonical CBOR encode (cborg sorts map keys length-first, shortest integer forms). */
export function encodeCanonical(value: unknown): Uint8Array {
  return encodeCbor(value)
}

function invalid(field: string, problem: string, hint: string): InvalidFieldError {
  return new InvalidFieldError(`${field} ${problem}.`, { field, hint })
}

function describe(raw: unknown): string {
  if (raw instanceof Uint8Array) return `${raw.length} bytes`
  if (raw instanceof Map) return 'a map'
  if (Array.isArray(raw)) return 'a list'
  if (raw instanceof Bignum) return 'a big number'
  if (raw === null) return 'null'
  return typeof raw === 'string' ? 'text' : typeof raw
}

/** A whole number up to 2^53-1 (timestamps, sequence numbers, versions). */
export const uint: Codec<number> = {
  toCbor(value, field) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalid(field, `must be a whole number >= 0, got ${value}`, 'Give a non-negative integer.')
    }
    return value
  },
  fromCbor(raw, field) {
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
      throw invalid(
        field,
        `must be a whole number >= 0, got ${describe(raw)}`,
        'Give a non-negative integer.',
      )
    }
    return raw
  },
}

const UINT64_MAX = (1n << 64n) - 1n

/** A uint256 as an exact bigint: a CBOR integer up to 2^64-1, a tag-2 bignum above. */
export const uint256: Codec<bigint> = {
  toCbor(value, field) {
    if (typeof value !== 'bigint' || value < 0n || value > maxUint256) {
      throw invalid(field, 'must be a uint256 bigint', 'Give a bigint between 0 and 2^256-1.')
    }
    if (value <= UINT64_MAX) return value
    const hex = value.toString(16)
    return new Tagged(2, hexToBytes(`0x${hex.length % 2 ? `0${hex}` : hex}`))
  },
  fromCbor(raw, field) {
    if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return BigInt(raw)
    if (typeof raw === 'bigint' && raw >= 0n && raw <= UINT64_MAX) return raw
    if (raw instanceof Bignum) {
      const bytes = raw.bytes
      // One encoding per value: no leading zeros, and bignums only where a plain integer cannot hold it.
      if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > 32 || bytes[0] === 0) {
        throw invalid(
          field,
          'is a badly formed big number',
          'Big numbers are 1-32 bytes without leading zeros.',
        )
      }
      const value = BigInt(bytesToHex(bytes))
      if (value <= UINT64_MAX) {
        throw invalid(field, 'uses a big number for a small value', 'Values up to 2^64-1 are plain integers.')
      }
      return value
    }
    throw invalid(field, `must be a non-negative integer, got ${describe(raw)}`, 'Give a uint256.')
  },
}

/** A byte string of a fixed length or up to a maximum. */
export function bytes({
  length,
  min,
  max,
}: {
  length?: number | undefined
  min?: number | undefined
  max?: number | undefined
}): Codec<Uint8Array> {
  const check = (value: unknown, field: string): Uint8Array => {
    if (!(value instanceof Uint8Array))
      throw invalid(field, `must be bytes, got ${describe(value)}`, 'Give bytes.')
    if (min !== undefined && value.length < min) {
      throw invalid(field, `is too short (${value.length} bytes, at least ${min})`, 'Give the full value.')
    }
    if (length !== undefined && value.length !== length) {
      throw invalid(field, `must be ${length} bytes, got ${value.length}`, `Give exactly ${length} bytes.`)
    }
    if (max !== undefined && value.length > max) {
      throw invalid(field, `is too long (${value.length} bytes, at most ${max})`, 'Shorten it.')
    }
    return value
  }
  return {
    toCbor: (value, field) => check(value, field),
    fromCbor: (raw, field) => check(raw, field).slice(),
  }
}

/** Bytes carried as 0x-hex in TypeScript (signatures, hashes, ids, calldata). */
export function hex(limits: {
  length?: number | undefined
  min?: number | undefined
  max?: number | undefined
}): Codec<Hex> {
  const inner = bytes(limits)
  return {
    toCbor(value, field) {
      if (typeof value !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(value)) {
        throw invalid(field, 'must be 0x-prefixed hex with two digits per byte', 'Give 0x-prefixed hex.')
      }
      return inner.toCbor(hexToBytes(value), field)
    },
    fromCbor: (raw, field) => bytesToHex(inner.fromCbor(raw, field)),
  }
}

/** An Ethereum address: 20 bytes on the wire, EIP-55 checksummed in TypeScript. */
export const address: Codec<Address> = {
  toCbor(value, field) {
    if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
      throw invalid(field, 'must be a 20-byte 0x address', 'Give a 0x-prefixed, 20-byte hex address.')
    }
    return hexToBytes(value)
  },
  fromCbor(raw, field) {
    if (!(raw instanceof Uint8Array) || raw.length !== 20) {
      throw invalid(field, `must be a 20-byte address, got ${describe(raw)}`, 'Addresses are 20 bytes.')
    }
    return getAddress(bytesToHex(raw))
  },
}

// Untrusted text is shown to people deciding whether to sign: refuse control characters and invisible
// format characters (bidi overrides, zero-width) that can make it read differently from what it says.
const INVISIBLE = /[\p{Cc}\p{Cf}]/u

/** UTF-8 text up to `max` characters, with no control or bidi-override characters (`multiline` allows \n and \t). */
export function text({
  max,
  multiline = false,
  pattern,
}: {
  max: number
  multiline?: boolean | undefined
  pattern?: RegExp | undefined
}): Codec<string> {
  const check = (value: unknown, field: string): string => {
    if (typeof value !== 'string') throw invalid(field, `must be text, got ${describe(value)}`, 'Give text.')
    const length = [...value].length
    if (length > max)
      throw invalid(field, `is too long (${length} characters, at most ${max})`, 'Shorten it.')
    if (INVISIBLE.test(multiline ? value.replace(/[\n\t]/g, '') : value)) {
      throw invalid(
        field,
        'contains control or text-direction characters',
        'Remove invisible and direction-changing characters.',
      )
    }
    if (/\p{Cs}/u.test(value)) {
      throw invalid(field, 'contains broken Unicode', 'Give valid Unicode text.')
    }
    if (pattern && !pattern.test(value))
      throw invalid(field, `has an invalid value "${value}"`, 'Check the value.')
    return value
  }
  return { toCbor: check, fromCbor: check }
}

/** One of a fixed set of text values. */
export function oneOf<const T extends string>(values: readonly T[]): Codec<T> {
  const check = (value: unknown, field: string): T => {
    if (typeof value !== 'string' || !values.includes(value as T)) {
      throw invalid(
        field,
        `must be one of ${values.join(', ')}, got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : describe(value)}`,
        `Use one of ${values.join(', ')}.`,
      )
    }
    return value as T
  }
  return { toCbor: check, fromCbor: check }
}

/** A list of up to `max` items. */
export function list<T>(item: Codec<T>, { max }: { max: number }): Codec<T[]> {
  const check = (value: unknown, field: string): unknown[] => {
    if (!Array.isArray(value)) throw invalid(field, `must be a list, got ${describe(value)}`, 'Give a list.')
    if (value.length > max)
      throw invalid(field, `has too many entries (${value.length}, at most ${max})`, 'Trim it.')
    return value
  }
  return {
    toCbor: (value, field) =>
      check(value, field).map((entry, i) => item.toCbor(entry as T, `${field}[${i}]`)),
    fromCbor: (raw, field) => check(raw, field).map((entry, i) => item.fromCbor(entry, `${field}[${i}]`)),
  }
}

/** Marks a struct field optional: omitted from the map when undefined. */
export function optional<T>(codec: Codec<T>): Codec<T> & { optional: true } {
  return { toCbor: codec.toCbor, fromCbor: codec.fromCbor, optional: true }
}

/** An integer-keyed CBOR map with exactly the given fields: unknown keys and missing fields are errors. */
export function struct<F extends Fields>(
  fields: F,
  { reserved = [] }: { reserved?: number[] } = {},
): Codec<StructOf<F>> {
  const entries = Object.entries(fields)
  const byKey = new Map(entries.map(([name, spec]) => [spec.key, { name, ...spec }]))
  const at = (parent: string, name: string) => (parent ? `${parent}.${name}` : name)
  return {
    toCbor(value, field) {
      if (value === null || typeof value !== 'object') {
        throw invalid(field || 'value', 'must be an object', 'Give an object.')
      }
      const record = value as Record<string, unknown>
      for (const name of Object.keys(record)) {
        if (!(name in fields) && record[name] !== undefined) {
          throw new UnknownFieldError(`${at(field, name)} is not a known field.`, {
            field: at(field, name),
            hint: 'Remove it; Airlock formats carry only the fields they define.',
          })
        }
      }
      const map = new Map<number, unknown>()
      for (const [name, spec] of entries) {
        const fieldValue = record[name]
        if (fieldValue === undefined) {
          if (spec.codec.optional) continue
          throw new MissingFieldError(`${at(field, name)} is missing.`, {
            field: at(field, name),
            hint: `Give ${name}.`,
          })
        }
        map.set(spec.key, spec.codec.toCbor(fieldValue, at(field, name)))
      }
      return map
    },
    fromCbor(raw, field) {
      if (!(raw instanceof Map))
        throw invalid(field || 'value', `must be a map, got ${describe(raw)}`, 'Give a map.')
      for (const key of raw.keys()) {
        if (typeof key === 'number' && reserved.includes(key)) continue
        if (typeof key !== 'number' || !byKey.has(key)) {
          const name = at(field, `<key ${typeof key === 'number' ? key : describe(key)}>`)
          throw new UnknownFieldError(`${name} is not a known field.`, {
            field: name,
            hint: 'The data was made by a newer or different program; update this one or recreate the data.',
          })
        }
      }
      const out: Record<string, unknown> = {}
      for (const [name, spec] of entries) {
        if (!raw.has(spec.key)) {
          if (spec.codec.optional) continue
          throw new MissingFieldError(`${at(field, name)} is missing.`, {
            field: at(field, name),
            hint: 'The data is incomplete; create it again.',
          })
        }
        out[name] = spec.codec.fromCbor(raw.get(spec.key), at(field, name))
      }
      return out as StructOf<F>
    },
  }
}

/** Refuses properties outside `allowed`, for models that are reshaped before reaching a struct. */
export function onlyKnownKeys(value: object, allowed: readonly string[], parent: string): void {
  for (const [name, fieldValue] of Object.entries(value)) {
    if (fieldValue !== undefined && !allowed.includes(name)) {
      const field = parent ? `${parent}.${name}` : name
      throw new UnknownFieldError(`${field} is not a known field.`, {
        field,
        hint: 'Remove it; Airlock formats carry only the fields they define.',
      })
    }
  }
}

/** Key 0 of every Airlock format's top-level map holds its format version. */
export const VERSION_KEY = 0

/**
 * A versioned top-level message: `{0: version, ...fields}` in canonical CBOR. Decoding checks the version
 * first (so a newer format gets a clear error), validates every field, runs `check`, then re-encodes and
 * compares bytes, so one value has exactly one encoding.
 */
export function message<F extends Fields, T>({
  what,
  version,
  fields,
  toModel,
  fromModel,
}: {
  /** What this is, for messages: "signing request". */
  what: string
  version: number
  fields: F
  /** Wire struct to the TypeScript model, with semantic checks (throws typed errors). */
  toModel: (wire: StructOf<F>) => T
  fromModel: (model: T) => StructOf<F>
}): { encode: (model: T) => Uint8Array; decode: (bytes: Uint8Array) => T } {
  const body = struct(fields, { reserved: [VERSION_KEY] })
  const encode = (model: T): Uint8Array => {
    const wire = fromModel(model)
    // Validate through the model checks too, so we never emit what decode would refuse.
    toModel(wire)
    const map = body.toCbor(wire, '') as Map<number, unknown>
    map.set(VERSION_KEY, version)
    return encodeCanonical(map)
  }
  const decode = (bytes: Uint8Array): T => {
    const raw = decodeStrict(bytes, what)
    if (!(raw instanceof Map)) {
      throw new InvalidCborError(`The ${what} is not an Airlock ${what} (not a CBOR map).`, {
        hint: 'Check that the right QR code or file was used.',
      })
    }
    const found = raw.get(VERSION_KEY)
    if (found !== version) {
      const newer = typeof found === 'number' && found > version
      throw new UnsupportedFormatVersionError(
        newer
          ? `This ${what} uses format version ${found}; this Airlock understands version ${version}.`
          : `This ${what} has no valid format version.`,
        {
          version: found,
          hint: newer
            ? 'Update Airlock on this device to a version that matches the other one.'
            : 'Create it again.',
        },
      )
    }
    const model = toModel(body.fromCbor(raw, ''))
    const again = encode(model)
    if (!equalBytes(again, bytes)) {
      throw new InvalidCborError(`The ${what} is not in canonical form.`, {
        hint: 'It was made by incompatible software or altered; create it again with Airlock.',
        details: 'decoded value re-encodes to different bytes (key order, text encoding or integer form)',
      })
    }
    return model
  }
  return { encode, decode }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** A UR carrying an Airlock format: what `Ur.encode` takes and `UrDecoder.result()` returns. */
export type TypedUr = { type: string; payload: Uint8Array }

/** toUr/fromUr for a format: the UR type name checked on the way in. */
export function urHelpers<T>(
  type: string,
  what: string,
  { encode, decode }: { encode: (model: T) => Uint8Array; decode: (bytes: Uint8Array) => T },
): { toUr: (model: T) => TypedUr; fromUr: (ur: TypedUr) => T } {
  return {
    toUr: (model) => ({ type, payload: encode(model) }),
    fromUr(ur) {
      if (ur === null || typeof ur !== 'object' || ur.type !== type) {
        throw new UrTypeMismatchError(`This is not an Airlock ${what} (UR type "${String(ur?.type)}").`, {
          hint: `Scan or open the ${what} itself (UR type "${type}").`,
        })
      }
      return decode(ur.payload)
    },
  }
}
