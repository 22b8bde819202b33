import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import * as Canonical from './Canonical.ts'

// JSON with integers only: the values canonical encoding accepts.
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary' }), tie('value'), { maxKeys: 4 }),
  ),
})).value

describe('Canonical', () => {
  test('sorts keys, drops whitespace, keeps array order', () => {
    expect(Canonical.encode({ b: [3, 1], a: { d: null, c: 'x' }, A: true })).toBe(
      '{"A":true,"a":{"c":"x","d":null},"b":[3,1]}',
    )
  })

  test('is independent of key insertion order and survives a JSON round trip', () => {
    fc.assert(
      fc.property(json, (value) => {
        const encoded = Canonical.encode(value)
        expect(Canonical.encode(JSON.parse(encoded))).toBe(encoded)
        const reversed = JSON.parse(encoded, (_k, v) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        )
        expect(Canonical.encode(reversed)).toBe(encoded)
      }),
    )
  })

  test('refuses values that have no single canonical form', () => {
    for (const bad of [1.5, Number.NaN, 2 ** 53, undefined, 1n, new Date(0), [undefined], [() => 1]]) {
      expect(() => Canonical.encode(bad)).toThrow(
        expect.objectContaining({ name: 'AuditLog.CanonicalEncodingError' }),
      )
    }
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(() => Canonical.encode(cycle)).toThrow(/nesting deeper than 64 levels/)
  })

  test('leaves out object properties that are undefined, as JSON.stringify does', () => {
    expect(Canonical.encode({ b: 1, a: [true, null, 'x'], c: { z: 'é', y: undefined, x: -0 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"x":0,"z":"é"}}',
    )
    // UTF-16 code-unit order, like JCS: uppercase before lowercase, "10" before "9".
    expect(Canonical.encode({ a: 1, B: 2, '10': 3, '9': 4 })).toBe('{"10":3,"9":4,"B":2,"a":1}')
  })

  test('encodes -0 as 0 and escapes like JSON.stringify', () => {
    expect(Canonical.encode([-0, 'a"\\\n\u2028\ud800'])).toBe(JSON.stringify([0, 'a"\\\n\u2028\ud800']))
  })
})
