import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as BipPath from './BipPath.ts'

describe('BipPath', () => {
  it('normalises the usual spellings', () => {
    expect(BipPath.normalize("44'/60'/0'/0/0")).toBe("m/44'/60'/0'/0/0")
    expect(BipPath.normalize('m/44h/60H/0h/0/7')).toBe("m/44'/60'/0'/0/7")
    expect(BipPath.toLedger("m/44'/60'/0'/0/0")).toBe("44'/60'/0'/0/0")
  })

  it('refuses what the Ledger library would silently drop', () => {
    for (const bad of [
      '',
      'm/',
      "m/44'/x/0",
      "m/44''/60'",
      'm/-1',
      'm/01',
      `m/${2 ** 31}`,
      'm/1/2/3/4/5/6/7/8/9/10/11',
    ]) {
      expect(() => BipPath.parse(bad)).toThrow(expect.objectContaining({ name: 'Devices.InvalidPathError' }))
    }
  })

  it('round-trips any valid path', () => {
    const component = fc.record({ index: fc.integer({ min: 0, max: 2 ** 31 - 1 }), hardened: fc.boolean() })
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 10 }), (components) => {
        const path = `m/${components.map(({ index, hardened }) => `${index}${hardened ? "'" : ''}`).join('/')}`
        expect(BipPath.parse(path)).toEqual(components)
        expect(BipPath.normalize(path)).toBe(path)
      }),
    )
  })
})
