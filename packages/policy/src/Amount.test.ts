import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import * as Amount from './Amount.ts'

describe('Amount.toPolicyUnits', () => {
  test('scales wei to whole tokens, rounding up', () => {
    expect(Amount.toPolicyUnits({ amount: 10n ** 18n, decimals: 18, policyDecimals: 0 })).toEqual({
      value: 1,
      overflow: false,
    })
    expect(Amount.toPolicyUnits({ amount: 10n ** 18n + 1n, decimals: 18, policyDecimals: 0 })).toEqual({
      value: 2,
      overflow: false,
    })
    expect(Amount.toPolicyUnits({ amount: 0n, decimals: 18, policyDecimals: 0 })).toEqual({
      value: 0,
      overflow: false,
    })
    expect(Amount.toPolicyUnits({ amount: 1_500_000n, decimals: 6, policyDecimals: 3 })).toEqual({
      value: 1500,
      overflow: false,
    })
    expect(Amount.toPolicyUnits({ amount: 7n, decimals: 0, policyDecimals: 2 })).toEqual({
      value: 700,
      overflow: false,
    })
  })

  test('never passes raw wei beyond 2^53 - 1: it saturates and flags overflow', () => {
    // 10 million ETH in wei does not fit a float64 exactly, let alone as micro-units.
    const wei = 10_000_000n * 10n ** 18n
    expect(Amount.toPolicyUnits({ amount: wei, decimals: 18, policyDecimals: 18 })).toEqual({
      value: Number.MAX_SAFE_INTEGER,
      overflow: true,
    })
    expect(Amount.toPolicyUnits({ amount: 2n ** 256n - 1n, decimals: 6, policyDecimals: 0 }).overflow).toBe(
      true,
    )
    expect(Amount.toPolicyUnits({ amount: Amount.maxLong, decimals: 0, policyDecimals: 0 })).toEqual({
      value: Number.MAX_SAFE_INTEGER,
      overflow: false,
    })
    expect(
      Amount.toPolicyUnits({ amount: Amount.maxLong + 1n, decimals: 0, policyDecimals: 0 }).overflow,
    ).toBe(true)
  })

  test('rounds up exactly and stays a safe integer (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 120n }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 30 }),
        (amount, decimals, policyDecimals) => {
          const { value, overflow } = Amount.toPolicyUnits({ amount, decimals, policyDecimals })
          expect(Number.isSafeInteger(value)).toBe(true)
          if (overflow) return
          // value / 10^policyDecimals ≥ amount / 10^decimals, and one unit less would be below it.
          const left = BigInt(value) * 10n ** BigInt(decimals)
          const right = amount * 10n ** BigInt(policyDecimals)
          expect(left >= right).toBe(true)
          if (value > 0) expect((BigInt(value) - 1n) * 10n ** BigInt(decimals) < right).toBe(true)
        },
      ),
    )
  })

  test('negative amounts are a typed error', () => {
    expect(() => Amount.toLong(-1n)).toThrowErrorMatchingInlineSnapshot(`
      [Policy.InvalidFactsError: A negative amount (-1) was given.
      Amounts, nonces and times are non-negative integers.]
    `)
  })
})

describe('Amount.bps', () => {
  test('rounds up and handles an empty treasury', () => {
    expect(Amount.bps(5n, 100n)).toBe(500)
    expect(Amount.bps(1n, 1_000_000n)).toBe(1)
    expect(Amount.bps(0n, 1_000_000n)).toBe(0)
    expect(Amount.bps(5n, 0n)).toBe(0)
  })
})
