import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { InvalidPrivateKeyError } from './errors.ts'

/**
 * Validates a secp256k1 private key as a key, not just as hex: 32 bytes written as 64 hex digits
 * (0x optional), non-zero and below the curve order. Throws `Devices.InvalidPrivateKeyError` saying
 * which of these failed; returns the key as lowercase 0x-hex.
 *
 * @example
 * PrivateKey.parse(process.env.DEV_KEY, { what: '--dev-key' }) // '0xac09…'
 * PrivateKey.parse(`0x${'00'.repeat(32)}`) // throws: zero is not a private key
 */
export function parse(value: unknown, { what = 'The private key' }: { what?: string | undefined } = {}): Hex {
  const fail = (problem: string, hint: string): never => {
    throw new InvalidPrivateKeyError(`${what} ${problem}.`, { hint })
  }
  if (typeof value !== 'string') return fail('is not text', 'Give 32 bytes as 64 hex digits.')
  const digits = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value
  if (!/^[0-9a-fA-F]*$/.test(digits))
    return fail('is not hexadecimal', 'Give 32 bytes as 64 hex digits (0-9, a-f).')
  if (digits.length !== 64) {
    return fail(`is ${digits.length} hex digits long, not 64`, 'Give exactly 32 bytes as 64 hex digits.')
  }
  const key = `0x${digits.toLowerCase()}` as Hex
  if (/^0x0+$/.test(key)) return fail('is zero, which is not a private key', 'Generate a random key.')
  try {
    // The curve-order check is the library's own (noble, through viem), not a copy of the constant.
    privateKeyToAccount(key)
  } catch (cause) {
    throw new InvalidPrivateKeyError(`${what} is not below the secp256k1 curve order.`, {
      hint: 'Generate a random key; values at or above the order are not private keys.',
      cause,
    })
  }
  return key
}
