import { describe, expect, it } from 'vitest'
import * as PrivateKey from './PrivateKey.ts'
import { SoftwareKeyDevice } from './SoftwareKeyDevice.ts'

// The secp256k1 group order, written out so the test does not borrow the code's own source.
const ORDER = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'
const ANVIL_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

describe('PrivateKey.parse', () => {
  it('accepts keys from 1 to order - 1, with or without 0x, as lowercase 0x-hex', () => {
    expect(PrivateKey.parse(ANVIL_KEY)).toBe(ANVIL_KEY)
    expect(PrivateKey.parse(ANVIL_KEY.slice(2).toUpperCase())).toBe(ANVIL_KEY)
    expect(PrivateKey.parse(`0x${'0'.repeat(63)}1`)).toBe(`0x${'0'.repeat(63)}1`)
    expect(PrivateKey.parse(`0x${ORDER.slice(0, 63)}0`)).toBe(`0x${ORDER.slice(0, 63)}0`)
  })

  it.each([
    [`0x${'00'.repeat(32)}`, 'is zero, which is not a private key'],
    [`0x${ORDER}`, 'is not below the secp256k1 curve order'],
    [`0x${'ff'.repeat(32)}`, 'is not below the secp256k1 curve order'],
    ['0x1234', 'is 4 hex digits long, not 64'],
    [`0x${'11'.repeat(33)}`, 'is 66 hex digits long, not 64'],
    [`0x${'zz'.repeat(32)}`, 'is not hexadecimal'],
    [` ${ANVIL_KEY}`, 'is not hexadecimal'],
    [42, 'is not text'],
  ])('refuses %s: %s', (value, problem) => {
    expect(() => PrivateKey.parse(value, { what: '--dev-key' })).toThrowError(
      expect.objectContaining({
        name: 'Devices.InvalidPrivateKeyError',
        shortMessage: `--dev-key ${problem}.`,
      }),
    )
  })

  it('keeps the software key device from holding a non-key', () => {
    expect(() => new SoftwareKeyDevice({ allowSoftwareKey: true, privateKey: `0x${ORDER}` })).toThrowError(
      'The private key is not below the secp256k1 curve order.',
    )
  })
})
