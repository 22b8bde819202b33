import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import * as Canonical from './Canonical.ts'

describe('Canonical.stringify', () => {
  test('sorts keys, drops whitespace and undefined properties', () => {
    expect(Canonical.stringify({ b: 1, a: [true, null, 'x'], c: { z: 'é', y: undefined, x: -0 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"x":0,"z":"é"}}',
    )
    // UTF-16 code-unit order, like JCS: uppercase before lowercase, "10" before "9".
    expect(Canonical.stringify({ a: 1, B: 2, '10': 3, '9': 4 })).toBe('{"10":3,"9":4,"B":2,"a":1}')
  })

  test('refuses what JSON cannot hold unambiguously', () => {
    expect(() => Canonical.stringify({ amount: 1.5 })).toThrowErrorMatchingInlineSnapshot(`
      [Policy.CanonicalJsonError: The number at $.amount (1.5) is not a safe integer.
      Write amounts and other large or fractional numbers as decimal strings.]
    `)
    expect(() => Canonical.stringify({ amount: 2 ** 60 })).toThrow(/not a safe integer/)
    expect(() => Canonical.stringify({ amount: 1n })).toThrow(/bigint/)
    expect(() => Canonical.stringify([undefined])).toThrow(/undefined/)
    expect(() => Canonical.stringify({ when: new Date(0) })).toThrow(/plain object/)
    expect(() => Canonical.stringify('\uD800')).toThrow(/lone surrogate/)
  })

  test('is independent of key order and round-trips through JSON.parse (property)', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.string(),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
      ),
    })).value
    fc.assert(
      fc.property(json, (value) => {
        const text = Canonical.stringify(value)
        expect(Canonical.stringify(JSON.parse(text))).toBe(text)
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)))
        const reversed = JSON.parse(JSON.stringify(value), (_key, v) =>
          v && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        )
        expect(Canonical.stringify(reversed)).toBe(text)
      }),
    )
  })
})
