// Small readers for loose JSON input: each names the path of the bad field in its error.

import type { BaseError, BaseErrorParameters } from '@airlock/errors'
import { type Address, isAddress } from 'viem'

type ErrorClass = new (shortMessage: string, parameters?: BaseErrorParameters) => BaseError

export type Reader = {
  fail(path: string, problem: string, hint?: string): never
  object(value: unknown, path: string): Record<string, unknown>
  array(value: unknown, path: string): unknown[]
  string(value: unknown, path: string): string
  boolean(value: unknown, path: string): boolean
  /** A safe non-negative integer (JSON number or decimal string), within [min, max]. */
  integer(value: unknown, path: string, min?: number, max?: number): number
  /** A non-negative integer of any size: a decimal string, or a safe integer number. */
  uint(value: unknown, path: string): bigint
  /** A 0x address; mixed case must pass EIP-55. Returned lowercase so policies compare plainly. */
  address(value: unknown, path: string): Address
  hex(value: unknown, path: string): `0x${string}`
}

/**
 * Builds readers that throw the given error class.
 *
 * @example
 * const read = reader(InvalidOrgConfigError, 'The org config')
 * read.uint('10', 'assets.USDC.cap') // 10n
 */
export function reader(ErrorType: ErrorClass, what: string): Reader {
  const fail = (path: string, problem: string, hint?: string): never => {
    throw new ErrorType(`${what}: ${path} ${problem}.`, { hint: hint ?? `Fix ${path} and try again.` })
  }
  const read: Reader = {
    fail,
    object(value, path) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'is not an object')
      return value as Record<string, unknown>
    },
    array(value, path) {
      if (!Array.isArray(value)) fail(path, 'is not a list')
      return value as unknown[]
    },
    string(value, path) {
      if (typeof value !== 'string') fail(path, 'is not a string')
      return value as string
    },
    boolean(value, path) {
      if (typeof value !== 'boolean') fail(path, 'is not true or false')
      return value as boolean
    },
    integer(value, path, min = 0, max = Number.MAX_SAFE_INTEGER) {
      const parsed = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : (value as number)
      if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
        fail(path, `is not an integer between ${min} and ${max}`)
      }
      return parsed
    },
    uint(value, path) {
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
      if (typeof value === 'string' && /^\d{1,78}$/.test(value)) return BigInt(value)
      return fail(path, 'is not a non-negative integer', `Write ${path} as a decimal string of base units.`)
    },
    address(value, path) {
      if (typeof value !== 'string' || !isAddress(value)) {
        fail(path, 'is not an address', 'Give a 0x-prefixed 20-byte address (EIP-55 checksum if mixed case).')
      }
      return (value as string).toLowerCase() as Address
    },
    hex(value, path) {
      if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) fail(path, 'is not 0x hex')
      return (value as string).toLowerCase() as `0x${string}`
    },
  }
  return read
}

/** Own property or undefined (never the prototype's). */
export function get(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined
}
