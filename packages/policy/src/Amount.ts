import { InvalidFactsError } from './errors.ts'

/**
 * The largest integer handed to Cedar. Cedar's `Long` is a signed 64-bit integer, but the JS → wasm
 * bridge carries numbers as float64 (a BigInt makes cedar-wasm throw), so anything above 2^53 - 1
 * would silently lose precision. Amounts saturate here and are flagged instead.
 */
export const maxLong = BigInt(Number.MAX_SAFE_INTEGER)

export type Scaled = {
  /** The value as Cedar sees it: an exact, safe JS integer. */
  value: number
  /** True when the real value did not fit and `value` was clamped to `maxLong`. */
  overflow: boolean
}

/**
 * Clamps a non-negative bigint to a Cedar-safe integer, flagging overflow.
 *
 * @example
 * Amount.toLong(5n) // { value: 5, overflow: false }
 * Amount.toLong(2n ** 70n) // { value: 9007199254740991, overflow: true }
 */
export function toLong(value: bigint): Scaled {
  if (value < 0n) {
    throw new InvalidFactsError(`A negative amount (${value}) was given.`, {
      hint: 'Amounts, nonces and times are non-negative integers.',
    })
  }
  if (value > maxLong) return { value: Number(maxLong), overflow: true }
  return { value: Number(value), overflow: false }
}

export type ToPolicyUnitsParameters = {
  /** Amount in the token's base units (wei for ETH, 1e-6 for USDC). */
  amount: bigint
  /** The token's decimals (18 for ETH, 6 for USDC). */
  decimals: number
  /** The unit policies are written in, as decimals: 0 = whole tokens, 6 = micro-tokens. */
  policyDecimals: number
}

/**
 * Converts a base-unit amount (wei) into the asset's declared policy unit, rounding *up* so a
 * limit written in whole tokens cannot be slipped under with a fractional remainder, and
 * saturating at `maxLong` with `overflow: true`.
 *
 * @example
 * Amount.toPolicyUnits({ amount: 1_500_000_000_000_000_000n, decimals: 18, policyDecimals: 0 })
 * // { value: 2, overflow: false }  (1.5 ETH counts as 2 whole ETH)
 */
export function toPolicyUnits({ amount, decimals, policyDecimals }: ToPolicyUnitsParameters): Scaled {
  if (decimals >= policyDecimals) {
    const unit = 10n ** BigInt(decimals - policyDecimals)
    return toLong((amount + unit - 1n) / unit)
  }
  return toLong(amount * 10n ** BigInt(policyDecimals - decimals))
}

/**
 * `part / whole` in basis points (1/100 of a percent), rounded up, saturating. 0 when whole is 0.
 *
 * @example
 * Amount.bps(5n, 100n) // 500
 */
export function bps(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0
  return toLong((part * 10_000n + whole - 1n) / whole).value
}
