import { Json } from '@airlock/errors'
import type { AbiParameter, Address } from 'viem'
import { getAddress, isAddress, isHex } from 'viem'

/** Makes the caller's typed error for a bad argument at `field`. */
export type ErrorFactory = (message: string, hint: string, field: string) => Error

/**
 * Turns loose input (strings from JSON, a CLI or a form; or already typed values) into the value viem
 * expects for an ABI parameter: bigint for integers, checksummed addresses, booleans, hex bytes,
 * arrays and tuples (given as arrays/objects, or as JSON text as the Safe Transaction Builder writes them).
 *
 * @example
 * Args.coerce({ type: 'uint256', name: 'amount' }, '1000', 'amount', fail) // 1000n
 */
export function coerce(
  param: AbiParameter,
  value: unknown,
  field: string,
  fail: ErrorFactory,
  /** ENS names the caller resolved (name as written → address), taken wherever an address goes. */
  names?: ReadonlyMap<string, Address> | undefined,
): unknown {
  const type = param.type
  const array = /^(.*)\[(\d*)\]$/.exec(type)
  if (array) {
    const inner = { ...param, type: array[1] ?? '' } as AbiParameter
    const items = typeof value === 'string' ? json(value, field, fail) : value
    if (!Array.isArray(items)) throw fail(`${field} is not a list.`, `Give a JSON array for ${type}.`, field)
    if (array[2] !== '' && items.length !== Number(array[2])) {
      throw fail(
        `${field} has ${items.length} items; ${type} needs ${array[2]}.`,
        'Give exactly that many.',
        field,
      )
    }
    return items.map((item, i) => coerce(inner, item, `${field}[${i}]`, fail, names))
  }
  if (type === 'tuple') {
    const components = 'components' in param ? param.components : []
    const raw = typeof value === 'string' ? json(value, field, fail) : value
    if (Array.isArray(raw)) {
      if (raw.length !== components.length) {
        throw fail(
          `${field} has ${raw.length} fields; the tuple has ${components.length}.`,
          'Give every field.',
          field,
        )
      }
      return raw.map((item, i) => coerce(components[i]!, item, `${field}[${i}]`, fail, names))
    }
    if (raw === null || typeof raw !== 'object') {
      throw fail(`${field} is not a tuple.`, 'Give a JSON object or array of the tuple fields.', field)
    }
    const record = raw as Record<string, unknown>
    return Object.fromEntries(
      components.map((c, i) => {
        const key = c.name ?? String(i)
        return [key, coerce(c, record[key], `${field}.${key}`, fail, names)]
      }),
    )
  }
  if (type === 'address') {
    const named = typeof value === 'string' ? names?.get(value.trim()) : undefined
    if (named !== undefined) return getAddress(named)
    if (typeof value !== 'string' || !isAddress(value, { strict: false })) {
      throw fail(`${field} is not an address.`, 'Give a 0x-prefixed, 20-byte address.', field)
    }
    const body = value.slice(2)
    if (body !== body.toLowerCase() && body !== body.toUpperCase() && !isAddress(value, { strict: true })) {
      throw fail(
        `${field} has a wrong EIP-55 checksum.`,
        'Copy the address again from a trusted source.',
        field,
      )
    }
    return getAddress(value)
  }
  if (type === 'bool') {
    if (value === true || value === 'true') return true
    if (value === false || value === 'false') return false
    throw fail(`${field} is not true or false.`, 'Give true or false.', field)
  }
  const int = /^(u?)int(\d*)$/.exec(type)
  if (int) {
    const bits = BigInt(int[2] || '256')
    if (bits < 8n || bits > 256n || bits % 8n !== 0n) {
      throw fail(
        `${field} has an invalid ABI type ${type}.`,
        'Integer types are int8 … int256 and uint8 … uint256, in steps of 8.',
        field,
      )
    }
    let n: bigint | undefined
    if (typeof value === 'bigint') n = value
    else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value)
    else if (typeof value === 'string' && /^-?(0|[1-9][0-9]*)$|^0x[0-9a-fA-F]+$/.test(value.trim())) {
      n = BigInt(value.trim())
    }
    if (n === undefined) throw fail(`${field} is not a whole number.`, 'Give an integer in decimal.', field)
    const signed = int[1] === ''
    const min = signed ? -(1n << (bits - 1n)) : 0n
    const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n
    if (n < min || n > max)
      throw fail(`${field} is out of range for ${type}.`, `Give a value from ${min} to ${max}.`, field)
    return n
  }
  const bytes = /^bytes(\d*)$/.exec(type)
  if (bytes) {
    if (bytes[1] !== '' && (Number(bytes[1]) < 1 || Number(bytes[1]) > 32)) {
      throw fail(`${field} has an invalid ABI type ${type}.`, 'Fixed byte types are bytes1 … bytes32.', field)
    }
    if (typeof value !== 'string' || !isHex(value, { strict: true }) || value.length % 2 !== 0) {
      throw fail(`${field} is not 0x-prefixed hex.`, 'Give whole bytes of hex.', field)
    }
    if (bytes[1] !== '' && value.length !== 2 + 2 * Number(bytes[1])) {
      throw fail(`${field} is not ${bytes[1]} bytes long.`, `Give exactly ${bytes[1]} bytes.`, field)
    }
    return value.toLowerCase()
  }
  if (type === 'string') {
    if (typeof value !== 'string') throw fail(`${field} is not text.`, 'Give a string.', field)
    return value
  }
  throw fail(`${field} has an unsupported type ${type}.`, 'Use a function with standard ABI types.', field)
}

/**
 * The strings given where the parameter takes an address (in lists and tuples too) that are not
 * addresses themselves: what a caller may resolve as ENS names before `coerce`. Malformed input is
 * skipped here; `coerce` reports it.
 *
 * @example
 * Args.addressTexts({ type: 'address[]' }, '["alice.eth","0x…"]') // ['alice.eth']
 */
export function addressTexts(param: AbiParameter, value: unknown): string[] {
  const array = /^(.*)\[(\d*)\]$/.exec(param.type)
  const parsed = (raw: unknown) => {
    if (typeof raw !== 'string') return raw
    try {
      return Json.parse(raw)
    } catch {
      return undefined
    }
  }
  if (array) {
    const items = parsed(value)
    const inner = { ...param, type: array[1] ?? '' } as AbiParameter
    return Array.isArray(items) ? items.flatMap((item) => addressTexts(inner, item)) : []
  }
  if (param.type === 'tuple') {
    const components = 'components' in param ? param.components : []
    const raw = parsed(value)
    if (Array.isArray(raw))
      return raw.flatMap((item, i) => (components[i] ? addressTexts(components[i], item) : []))
    if (raw === null || typeof raw !== 'object') return []
    const record = raw as Record<string, unknown>
    return components.flatMap((c, i) => addressTexts(c, record[c.name ?? String(i)]))
  }
  if (param.type === 'address' && typeof value === 'string' && !isAddress(value.trim(), { strict: false })) {
    return [value.trim()]
  }
  return []
}

function json(text: string, field: string, fail: ErrorFactory): unknown {
  try {
    return Json.parse(text)
  } catch {
    throw fail(`${field} is not valid JSON.`, 'Give lists and tuples as JSON, e.g. ["0x…","0x…"].', field)
  }
}
