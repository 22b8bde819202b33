import { zeroAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import * as SafeTx from './SafeTx.ts'

const to = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'

describe('SafeTx.from', () => {
  it('fills omitted numbers with 0 and addresses with zero', () => {
    expect(SafeTx.from({ to })).toEqual({
      to,
      value: 0n,
      data: '0x',
      operation: 0,
      safeTxGas: 0n,
      baseGas: 0n,
      gasPrice: 0n,
      gasToken: zeroAddress,
      refundReceiver: zeroAddress,
      nonce: 0n,
    })
  })

  it('accepts decimal and hex strings and dataGas as an alias of baseGas', () => {
    const tx = SafeTx.from({ to: to.toLowerCase(), value: '0x10', nonce: '42', dataGas: 7, data: '0xABCD' })
    expect(tx).toMatchObject({ to, value: 16n, nonce: 42n, baseGas: 7n, data: '0xabcd' })
  })

  it.each([
    [{ to, data: '0xabc' }, 'Safe.InvalidHexError', 'data has an odd number of hex digits (3).'],
    [{ to, data: 'abcd' }, 'Safe.InvalidHexError', 'data is not 0x-prefixed hex: "abcd".'],
    [{ to, data: '0xzz' }, 'Safe.InvalidHexError', 'data contains characters that are not hex digits.'],
    [{ to: '0x1234' }, 'Safe.InvalidAddressError', 'to is not an address: "0x1234".'],
    [
      { to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD' },
      'Safe.InvalidAddressError',
      'to has a wrong EIP-55 checksum: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD.',
    ],
    [{ to, value: -1 }, 'Safe.InvalidNumberError', 'value is out of range for uint256: -1.'],
    [{ to, value: 1.5 }, 'Safe.InvalidNumberError', 'value is not a whole number: 1.5.'],
    [{ to, nonce: [] }, 'Safe.InvalidNumberError', 'nonce is not a whole number: [].'],
    [
      { to, operation: 2 },
      'Safe.InvalidFieldError',
      'operation must be 0 (call) or 1 (delegatecall), got 2.',
    ],
    [{}, 'Safe.InvalidFieldError', 'The Safe transaction has no "to" address.'],
  ])('rejects %j with a typed error', (input, name, shortMessage) => {
    expect(() => SafeTx.from(input)).toThrowError(expect.objectContaining({ name, shortMessage }))
  })
})

describe('SafeTx.context', () => {
  it('validates chain, Safe and version', () => {
    expect(SafeTx.context({ chainId: '1', safe: to, version: 'v1.3.0+L2' })).toEqual({
      chainId: 1n,
      safe: to,
      version: '1.3.0',
    })
    expect(() => SafeTx.context({ chainId: 1, safe: to, version: '1.2.3' })).toThrowError(
      expect.objectContaining({ name: 'Safe.UnsupportedSafeVersionError' }),
    )
    expect(() => SafeTx.context({ chainId: 0, safe: to, version: '1.3.0' })).toThrowError(
      expect.objectContaining({ name: 'Safe.InvalidNumberError' }),
    )
  })
})
